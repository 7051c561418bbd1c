"""`tracker export-events` / `tracker import-events`: one history across one person's machines."""

from __future__ import annotations

import json
from pathlib import Path

import click

from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.services import machines


@click.command("export-events")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--since", type=DAY, help="Only usage from this local day on.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_state
@user_errors
def export_events_command(state: AppState, file, since, as_json) -> None:
    """Write this machine's raw usage (events, buckets, billed) to FILE, for `import-events` elsewhere."""
    result = machines.export_events(state.context(), file, since)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(f"Wrote {result.events} events, {result.buckets} buckets and {result.billed} billed lines "
               f"from machine {result.origin} to {result.path} (private file: it holds your project names).")


@click.command("import-events")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_state
@user_errors
def import_events_command(state: AppState, file, as_json) -> None:
    """Import a file from `export-events`; importing again (or both ways) never double counts."""
    result = machines.import_events(state.context(), file)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        click.echo(f"Read {result.lines} lines from machine {result.origin or '?'}: {result.events} events "
                   f"({result.events_added} new), {result.buckets} buckets, {result.billed} billed lines; "
                   f"{result.malformed} malformed.")
        for reason in result.reasons:
            click.echo(f"  {reason}")
    if result.malformed and not (result.events or result.buckets or result.billed):
        raise SystemExit(1)
    if not result.complete:  # cut short or lines missing: scripts must not take it for a whole sync
        raise SystemExit(1)


MACHINE_COMMANDS = [export_events_command, import_events_command]
