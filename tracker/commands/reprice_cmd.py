from __future__ import annotations

import json

import click

from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.core.timeutil import local_midnight, to_ms
from tracker.services.reprice import reprice


@click.command("reprice")
@click.option("--since", type=DAY, help="Only usage from this local day on.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def reprice_command(state: AppState, since, as_json: bool) -> None:
    """Re-price stored usage with today's price data and overrides (history is frozen otherwise)."""
    app = state.context()
    for problem in app.pricer.override_errors:
        click.echo(f"warning: {problem}", err=True)
    since_ms = to_ms(local_midnight(since, app.zone())) if since else None
    result = reprice(app.store, app.pricer, since_ms)
    doc = {
        "examined": result.examined,
        "changed": result.changed,
        "newly_priced": result.newly_priced,
        "now_unpriced": result.now_unpriced,
        "unpriced_models": result.unpriced_models,
    }
    if as_json:
        click.echo(json.dumps(doc, indent=2))
        return
    click.echo(f"Examined {result.examined} rows; {result.changed} changed "
               f"({result.newly_priced} newly priced, {result.now_unpriced} now unpriced).")
    for model, count in sorted(result.unpriced_models.items()):
        click.echo(f"  still unpriced: {model} ({count} rows)")
