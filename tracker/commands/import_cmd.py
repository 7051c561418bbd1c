from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.commands.base import AppState, pass_state, user_errors
from tracker.commands.import_run import import_agent_logs, report_lines


class _Bar:
    """click.progressbar over bytes, labelled with files; only on a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None
        self.shown_bytes = 0

    def __call__(self, info: dict) -> None:
        if not self.enabled or info.get("stage") != "logs":
            return
        if self.bar is None:
            if not info["bytes_total"]:
                return
            self.bar = click.progressbar(length=info["bytes_total"], label="Reading agent logs",
                                         file=sys.stderr, show_pos=False, show_percent=True, show_eta=True,
                                         item_show_func=lambda _: None)
            self.bar.__enter__()
        self.bar.label = (f"Reading agent logs ({info['files_done']}/{info['files_total']} files, "
                          f"{info['bytes_done'] / 2**20:.0f}/{info['bytes_total'] / 2**20:.0f} MiB)")
        step = info["bytes_done"] - self.shown_bytes
        self.shown_bytes = info["bytes_done"]
        self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _import_files(app, files: list[Path], bar) -> dict:
    from tracker.services.log_import import import_logs
    from tracker.services.tagging import tag_new_usage

    doc = import_logs(app.store, lambda: app.pricer, progress=bar, files=files).as_dict()
    tag_new_usage(app.store)  # as a sync does: new usage gets its tags from the user's rules
    if doc["files_failed"] == len(files):
        raise click.ClickException("; ".join(doc["errors"]))
    return doc


@click.command("import")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the import report as JSON.")
@pass_state
@user_errors
def import_command(state: AppState, files: tuple[Path, ...], as_json: bool) -> None:
    """Read new usage from local agent logs (Claude Code, Codex CLI, Gemini CLI, and plug-ins).

    Incremental: only what was added since the last import is read. Honours
    CLAUDE_CONFIG_DIR, CODEX_HOME, GEMINI_DATA_DIR / GEMINI_CLI_HOME and HOME
    like the agents do. Prompt and response text are never stored. Every
    agent read, where it looks and what it found: `tracker sources agents`.

    FILES: read these files instead (an export such as Cursor's usage CSV), each
    by the source that recognises it; the same or an overlapping export again adds
    only its new rows.
    """
    app = state.context()
    bar = _Bar(enabled=not as_json and sys.stderr.isatty())
    try:
        doc = _import_files(app, list(files), bar) if files else import_agent_logs(app, bar)
    finally:
        bar.close()
    out, err = report_lines(doc, as_json)
    for line in out:
        click.echo(line)
    for line in err:
        click.echo(line, err=True)
