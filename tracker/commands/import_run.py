"""`tracker import` of the agent logs, the part that needs no click.

The click command (commands.import_cmd) runs it, and so does the command
line's entry point (tracker.quick) when its quick look found changed logs:
then the same import runs, and prints the same bytes, without loading click
(~12 ms of a `tracker import` after an append).
"""

from __future__ import annotations

import sys

from tracker.commands.state import AppState, user_error_message
from tracker.core import closed_pipe


class ImportFailed(ValueError):
    """The agent-log half of the sync failed as a whole (said as a user error)."""


def import_agent_logs(app, progress=None) -> dict:
    from tracker.services.sync import run_sync

    # the same sync the GUI and `tracker poll` run, limited to the agent logs
    sync = run_sync(app, logs=True, providers=False, progress=progress)
    if sync.logs is None:
        raise ImportFailed("; ".join(sync.errors) or "the agent-log import failed")
    return sync.logs


def report_lines(doc: dict, as_json: bool) -> tuple[list[str], list[str]]:
    """(stdout lines, stderr lines) of the import's report."""
    from tracker import cli_format  # (csv and decimal are imported where used)

    if as_json:
        return [cli_format.to_json(doc)], []
    return list(cli_format.import_lines(doc)), [f"warning: {error}" for error in doc["errors"]]


def run(as_json: bool) -> int:
    """`tracker import [--json]` (no files, no progress bar) as its click command runs it: the report on
    stdout; an error the user can fix as 'Error: ...' on stderr and status 1, once the store is closed;
    a closed pipe: status 1 and nothing more. Returns the exit status."""
    state = AppState()
    try:
        try:
            out, err = report_lines(import_agent_logs(state.context()), as_json)
            for line in out:
                _echo(line)
            for line in err:
                _echo(line, err=True)
        except Exception as exc:
            message = user_error_message(exc)
            if message is None:
                raise
            state.close()
            _echo(f"Error: {message}", err=True)  # what click.ClickException.show() writes
            return 1
        finally:
            state.close()  # (as click closes its context: before the error is shown)
    except OSError as exc:
        if not closed_pipe.is_closed_pipe(exc):
            raise
        return closed_pipe.quiet_streams()  # the reader went away (`tracker import | head -1`): as click does
    return 0


def _echo(text: str, err: bool = False) -> None:
    """click.echo of one line of text: written and flushed."""
    if "\x1b" in text:  # click strips terminal escapes when the stream is not a terminal: its own rule
        import click

        click.echo(text, err=err)
        return
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()
