from __future__ import annotations

import click

from tracker import cli_format
from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.services import reports

KINDS = ("daily", "weekly", "monthly", "sessions", "projects")
TOKEN_COLUMNS = [
    ("input_tokens", "Input"),
    ("cache_write_tokens", "Cache write"),
    ("cache_read_tokens", "Cache read"),
    ("output_tokens", "Output"),
    ("requests", "Requests"),
    ("cost_usd", "Cost"),
    ("unpriced_requests", "Unpriced"),
    ("partly_priced_requests", "Partly priced"),
]


@click.command("report")
@click.argument("kind", type=click.Choice(KINDS))
@click.option("--since", type=DAY, help="First day (local), inclusive.")
@click.option("--until", type=DAY, help="Last day (local), inclusive.")
@click.option("--tz", help="IANA timezone for days and weeks (default: configured, else the system's).")
@click.option("--by", type=click.Choice(reports.GROUPS), default="model", show_default=True,
              help="Break rows down by this key.")
@click.option("--source", "sources", multiple=True, help="Only these sources (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the documented JSON shape.")
@click.option("--csv", "as_csv", is_flag=True, help="Print rows as CSV.")
@pass_state
@user_errors
def report_command(state: AppState, kind, since, until, tz, by, sources, as_json, as_csv) -> None:
    """Usage and cost per day, week, month, session or project."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    app = state.context()
    zone = app.zone(tz)
    if as_json and kind == "sessions":  # a year of sessions: each row formatted once, not a dict a row
        click.echo(reports.sessions_json(app.store, zone, since, until, list(sources) or None))
        return
    doc = reports.report_doc(app.store, zone, kind, by, since, until, list(sources) or None)
    if kind in reports.PERIOD_OF_REPORT:
        period_field = reports.PERIOD_FIELD[reports.PERIOD_OF_REPORT[kind]]
        columns = [(period_field, period_field.capitalize()), ("source", "Source")]
        if by != "source":
            columns.append((by, by.capitalize()))
    elif kind == "sessions":
        columns = [("last_seen", "Last seen"), ("source", "Source"), ("project", "Project"), ("session", "Session")]
    else:
        columns = [("project", "Project"), ("source", "Source")]
    if as_json:
        click.echo(cli_format.to_json(doc))
    elif as_csv:
        # a period report's rows are its keys then the totals' figures: the same header when it is empty
        header = [c for c, _ in columns] + [k for k in doc["totals"] if k != "cost_basis"] \
            if kind in reports.PERIOD_OF_REPORT else ()
        click.echo(cli_format.to_csv(doc["rows"], header), nl=False)
    else:
        click.echo(f"{kind.capitalize()} usage, {doc['since']} to {doc['until']} ({doc['timezone']}); "
                   "costs are estimates at the price in force on each request's date.")
        plan_columns = [("plan_covered_usd", "Plan-covered (API prices)")] if "plan_covered_usd" in doc["totals"] else []
        click.echo(cli_format.table(doc["rows"], columns + TOKEN_COLUMNS + plan_columns, doc["totals"]))
        for note in doc.get("notes", []):
            click.echo(f"\nNote: {note}")
        unpriced = doc["totals"]["unpriced_requests"]
        if unpriced:
            click.echo(f"\n{unpriced} request(s) have no known price and are not in the cost total: "
                       "add prices with `tracker paths` -> prices file, then `tracker reprice`.")
        partly = doc["totals"]["partly_priced_requests"]
        if partly:
            click.echo(f"\n{partly} request(s) are partly priced: a price class of theirs has no known rate "
                       "(fast mode, web or file searches, audio or image tokens), so their cost is a lower "
                       "bound; see `--json` rows' partly_priced_requests, add the rate to the prices file "
                       "(`tracker paths`), then `tracker reprice`.")
        if doc.get("billed"):
            from decimal import Decimal

            for source in sorted({b["source"] for b in doc["billed"]}):
                lines = [b for b in doc["billed"] if b["source"] == source]
                est = sum(Decimal(b["estimated_usd"]) for b in lines)
                billed = sum(Decimal(b["billed_usd"]) for b in lines)
                click.echo(f"{source}: billed {billed} USD against an estimate of {est} USD "
                           f"over the {len(lines)} day(s) it reported (UTC days; see --json 'billed').")
