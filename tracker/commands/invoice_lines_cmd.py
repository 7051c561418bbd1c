"""`tracker invoice line|import-time|export-usage|margin`: a draft's own lines, time from a tracker,
AI usage for a tracker, and the contractor's margin."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker import cli_format
from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.paths import write_private
from tracker.services import invoices as service
from tracker.services import invoices_lines as lines_service
from tracker.services.invoices_timeimport import DATE_ORDERS, FORMATS
from tracker.services.invoices_usage_export import USAGE_FORMATS

LINE_KINDS = ("hours", "expense", "item", "discount")


def _store(state: AppState):
    app = state.context()
    if app.demo:
        service.ensure_demo_profile(app.store)
    return app.store


def _write(data: bytes, output: Path | None) -> None:
    if output is None or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    write_private(output, data)
    click.echo(f"Wrote {output} ({len(data):,} bytes).")


@click.group("line")
def line_group() -> None:
    """A draft's own lines: hours x rate, expenses, items and fixed discounts (in the draft's currency)."""


@line_group.command("add")
@click.argument("ref")
@click.argument("kind", type=click.Choice(LINE_KINDS))
@click.option("--description", "-d", required=True, help="What the client reads on the line.")
@click.option("--hours", help="hours: the number of hours (1.5).")
@click.option("--rate", help="hours: the hourly rate (default: the client's --hourly-rate).")
@click.option("--amount", help="expense, item, discount: the amount (an item's unit price).")
@click.option("--quantity", help="item: how many (default 1).")
@click.option("--cost", help="expense: what it cost you, if not its amount (for the margin report).")
@click.option("--date", "day", type=DAY, help="Day of the work or expense.")
@pass_state
@user_errors
def line_add(state: AppState, ref, kind, description, hours, rate, amount, quantity, cost, day) -> None:
    """Add a line to a draft: `line add 3 hours -d 'Code review' --hours 2.5 --rate 120`."""
    item = lines_service.add_line(_store(state), ref, kind, description, amount=amount, hours=hours, rate=rate,
                                  quantity=quantity, day=day, cost=cost)
    click.echo(f"Line {item['id']} added: {item['description']} ({item['quantity']} x {item['unit_price']}).")


@line_group.command("list")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def line_list(state: AppState, ref, as_json) -> None:
    """A draft's own lines (imported time entries one by one)."""
    items = lines_service.list_lines(_store(state), ref)
    if as_json:
        click.echo(cli_format.to_json({"lines": items}))
        return
    if not items:
        click.echo("No lines of its own: `tracker invoice line add REF hours -d ... --hours 2`.")
        return
    click.echo(cli_format.table(items, [("id", "Id"), ("kind", "Kind"), ("day", "Day"), ("description", "Line"),
                                        ("quantity", "Qty"), ("unit_price", "Price"), ("source", "From")]))


@line_group.command("remove")
@click.argument("ref")
@click.argument("line_id", type=int)
@pass_state
@user_errors
def line_remove(state: AppState, ref, line_id) -> None:
    """Remove one of a draft's lines (by the id `line list` shows)."""
    lines_service.remove_line(_store(state), ref, line_id)
    click.echo(f"Line {line_id} removed.")


@click.command("import-time")
@click.argument("ref")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(("auto", *FORMATS)), default="auto", show_default=True)
@click.option("--rate", help="Hourly rate for every entry (default: the file's, else the client's).")
@click.option("--from-client", help="Only the entries of this client of the file.")
@click.option("--date-order", type=click.Choice(DATE_ORDERS), help="For dates like 03/04/2026.")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def import_time(state: AppState, ref, file, fmt, rate, from_client, date_order, as_json) -> None:
    """Add a Harvest, Kimai or Clockify time export's billable entries to a draft as hours lines."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text: export it again as CSV (UTF-8).") from None
    result = lines_service.import_time(_store(state), ref, text, fmt, rate, from_client, date_order).as_dict()
    if as_json:
        click.echo(cli_format.to_json(result))
        return
    click.echo(f"{result['format'].title()} export: {result['added']} entries added ({result['hours']} h).")
    for what, n in (("already on this draft", result["already_on_draft"]),
                    ("not billable", result["not_billable"]), ("for other clients", result["other_clients"])):
        if n:
            click.echo(f"  {n} {what}")
    for number, n in result["already_billed"].items():
        click.echo(f"  {n} already billed on {number}")
    for reject in result["rejected"]:
        click.echo(f"  line {reject['line']} rejected: {reject['reason']}")


@click.command("export-usage")
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(USAGE_FORMATS), required=True)
@click.option("--person", default="", help="Whose expense it is (Harvest: a person of your account).")
@click.option("--project", default="", help="Project in the tracker (default 'AI usage').")
@click.option("--category", default="AI usage", show_default=True, help="Expense category / activity.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout).")
@pass_state
@user_errors
def export_usage(state: AppState, ref, fmt, person, project, category, output) -> None:
    """An invoice's AI usage lines as a Harvest, Kimai or Clockify import file (billed amounts only)."""
    from tracker.services.invoices_usage_export import export_usage as build

    doc = service.document(_store(state), ref)
    _write(build(doc, fmt, person=person, project=project, category=category), output)


@click.command("margin")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File (default stdout).")
@pass_state
@user_errors
def margin(state: AppState, ref, as_json, as_csv, output) -> None:
    """Your margin on an invoice (internal: cost against billed amount per line)."""
    from tracker.services import invoices_margin

    report = invoices_margin.margin_report(service.document(_store(state), ref))
    if as_csv:
        _write(invoices_margin.to_csv(report), output)
        return
    if as_json or output:
        _write(cli_format.to_json(report).encode() + b"\n", output)
        return
    rows = [{"#": r["position"], "line": r["description"], "amount": r["amount"], "cost": r["cost"] or "?",
             "margin": r["margin"] or "?", "pct": f"{r['margin_pct']}%" if r["margin_pct"] else ""}
            for r in report["lines"]]
    click.echo(f"Margin on {report['number'] or 'draft ' + str(report['draft_id'])} ({report['currency']}), "
               "internal: not for the client.")
    click.echo(cli_format.table(rows, [("#", "#"), ("line", "Line"), ("amount", "Billed"), ("cost", "Cost"),
                                       ("margin", "Margin"), ("pct", "%")]))
    t = report["totals"]
    click.echo(f"Revenue after discounts {t['revenue']}  cost {t['cost']}  margin {t['margin']}"
               + (f" ({t['margin_pct']}%)" if t["margin_pct"] else ""))
    if report["lines_with_unknown_cost"]:
        click.echo(f"{report['lines_with_unknown_cost']} line(s) have no known cost (unpriced usage or no "
                   "exchange rate): the margin leaves them out.")


LINE_COMMANDS = [line_group, import_time, export_usage, margin]
