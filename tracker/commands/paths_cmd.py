from __future__ import annotations

import json

import click

from tracker.commands.base import AppState, pass_state


@click.command("paths")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_state
def paths_command(state: AppState, as_json: bool) -> None:
    """Show where the tracker keeps its files (TRACKER_HOME moves them all)."""
    info = state.paths.as_dict()
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    width = max(map(len, info))
    for key, value in info.items():
        click.echo(f"{key.ljust(width)}  {value}")
