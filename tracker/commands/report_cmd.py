from __future__ import annotations

import click

from tracker import cli_format
from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.commands.session_text import TOKEN_COLUMNS
from tracker.services import reports

KINDS = ("daily", "weekly", "monthly", "sessions", "projects")


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
    if kind == "sessions":  # a year of sessions: each row formatted once (most by SQLite), not a dict a row
        from tracker.commands import session_text

        form = "json" if as_json else "csv" if as_csv else "table"
        separator, batches = session_text.sessions_text_batches(form, app.store, zone, since, until,
                                                                list(sources) or None)
        click.echo(separator.join([part for batch in batches for part in batch]), nl=False)
        return
    doc = reports.report_doc(app.store, zone, kind, by, since, until, list(sources) or None)
    if kind in reports.PERIOD_OF_REPORT:
        period_field = reports.PERIOD_FIELD[reports.PERIOD_OF_REPORT[kind]]
        columns = [(period_field, period_field.capitalize()), ("source", "Source")]
        if by != "source":
            columns.append((by, by.capitalize()))
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
        click.echo(cli_format.report_heading(kind, doc))
        plan_columns = [("plan_covered_usd", "Plan-covered (API prices)")] if "plan_covered_usd" in doc["totals"] else []
        click.echo(cli_format.table(doc["rows"], columns + TOKEN_COLUMNS + plan_columns, doc["totals"]))
        for note in cli_format.report_notes(doc):
            click.echo(note)
        if doc.get("billed"):
            from tracker.core.money import format_usd_short, usd_to_pico

            for source in sorted({b["source"] for b in doc["billed"]}):
                lines = [b for b in doc["billed"] if b["source"] == source]
                est = sum(usd_to_pico(b["estimated_usd"]) for b in lines)
                billed = sum(usd_to_pico(b["billed_usd"]) for b in lines)
                click.echo(f"{source}: billed {format_usd_short(billed)} against an estimate of "
                           f"{format_usd_short(est)} over the {len(lines)} day(s) it reported (UTC days; the "
                           "exact figures in --json 'billed').")
