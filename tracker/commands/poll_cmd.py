"""`tracker poll`: fetch usage, billed cost and balances from the provider accounts."""

from __future__ import annotations

import json

import click

from tracker.commands.base import AppState, pass_state, user_errors
from tracker.services.poll import poll_sources


@click.command("poll")
@click.option("--source", "labels", multiple=True, metavar="LABEL",
              help="Only this account (repeatable); also retries an account that is backing off.")
@click.option("--backfill-days", type=click.IntRange(0, 3650), help="History to fetch (default 90 days on first poll).")
@click.option("--json", "as_json", is_flag=True, help="Print the poll report as JSON.")
@pass_state
@user_errors
def poll_command(state: AppState, labels, backfill_days, as_json) -> None:
    """Poll provider accounts: first a backfill, then re-reads of recent days."""
    app = state.context()

    def progress(info: dict) -> None:
        if not as_json:
            click.echo(f"  {info['source']}: {info['stream']} from {info['from']} "
                       f"({info['chunk']}/{info['chunks']})", err=True)

    report = poll_sources(app.store, app.pricer, labels=list(labels) or None, backfill_days=backfill_days,
                          progress=progress)
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    elif not report.accounts:
        click.echo("No provider accounts: add one with `tracker sources add KIND --label NAME`.")
    else:
        print_report(report)
    if report.errors:
        raise SystemExit(1)


def print_report(report) -> None:
    for a in report.accounts:
        if a.skipped:
            click.echo(f"{a.label} ({a.kind}): skipped, {a.skipped}")
        elif a.error:
            click.echo(f"{a.label} ({a.kind}): FAILED after {a.requests} request(s): {a.error}")
        else:
            click.echo(f"{a.label} ({a.kind}): ok, {a.buckets_written} usage buckets, {a.billed_written} billed "
                       f"lines, {a.balances_written} balance changes, {a.requests} request(s).")
        for note in a.notes:
            click.echo(f"  note: {note}")
        if a.rejected:
            click.echo(f"  {len(a.rejected)} record(s) not taken, e.g. {a.rejected[0]}")
