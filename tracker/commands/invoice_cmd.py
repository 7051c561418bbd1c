"""`tracker invoice ...`: business profile, client billing, drafts, issuing, exports."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker import cli_format
from tracker.commands.base import DAY, AppState, pass_state, user_errors
from tracker.paths import write_private
from tracker.services import invoices as service
from tracker.services.invoices_calc import GROUP_BYS
from tracker.services.invoices_profile import (
    DISCLOSURES,
    PERIODS,
    PLAN_USAGE_BASES,
    PLANS,
    TAX_TREATMENTS,
    load_profile,
    parse_rate_spec,
    parse_recurring_spec,
    parse_tax_spec,
    update_profile,
)

EXPORT_FORMATS = ("pdf", "csv", "json", "facturx", "xml")
TEXT_FORMATS = ("csv", "json", "xml")


@click.group("invoice")
def invoice_group() -> None:
    """Invoices for clients from their tagged usage: create, issue, export, void, mark paid."""


def _ctx(state: AppState):
    app = state.context()
    if app.demo:
        service.ensure_demo_profile(app.store)
    return app


# -- profile ----------------------------------------------------------------------
@invoice_group.group("profile")
def profile_group() -> None:
    """Your business details printed on every invoice."""


@profile_group.command("show")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def profile_show(state: AppState, as_json: bool) -> None:
    """Show the business profile."""
    profile = load_profile(_ctx(state).store).as_dict()
    if as_json:
        click.echo(cli_format.to_json(profile))
        return
    for key, value in profile.items():
        click.echo(f"{key:20} {value}")


@profile_group.command("set")
@click.option("--name", help="Business name.")
@click.option("--address", help="Street address; use \\n between lines.")
@click.option("--postcode")
@click.option("--city")
@click.option("--country", help="Two-letter country code (FR, DE, US...).")
@click.option("--tax-id", help="VAT identification number.")
@click.option("--email")
@click.option("--iban")
@click.option("--bic")
@click.option("--bank", "bank_name", help="Bank name.")
@click.option("--logo", "logo_path", type=click.Path(dir_okay=False), help="PNG or JPEG logo for the PDF.")
@click.option("--terms", "payment_terms_days", type=int, help="Default payment terms in days.")
@click.option("--currency", help="Default invoice currency (ISO code).")
@click.option("--pattern", "number_pattern", help="Invoice number pattern, e.g. INV-{YYYY}-{seq:04}.")
@click.option("--credit-pattern", "credit_note_pattern", help="Credit note number pattern.")
@pass_state
@user_errors
def profile_set(state: AppState, **changes) -> None:
    """Set business profile fields (only those given change)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if "address" in changes:
        changes["address"] = changes["address"].replace("\\n", "\n")
    if changes.get("logo_path"):
        changes["logo_path"] = str(Path(changes["logo_path"]).expanduser().resolve())
    if not changes:
        raise click.UsageError("give at least one field to set, e.g. --name 'Your Company'")
    update_profile(_ctx(state).store, **changes)
    click.echo("Profile updated.")


# -- clients ----------------------------------------------------------------------
@invoice_group.group("client")
def client_group() -> None:
    """Clients (client tags) and their billing details and rates."""


@client_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def client_list(state: AppState, as_json: bool) -> None:
    """Client tags with their billing plan."""
    clients = service.client_list(_ctx(state).store)
    if as_json:
        click.echo(cli_format.to_json({"clients": clients}))
        return
    if not clients:
        click.echo("No clients yet: `tracker invoice client set NAME --currency EUR --markup 10`.")
        return
    rows = [{"name": c["name"], "currency": (c["billing"] or {}).get("currency") or "(profile)",
             "plan": (c["billing"] or {}).get("plan"), "problem": c["problem"] or ""} for c in clients]
    click.echo(cli_format.table(rows, [("name", "Client"), ("currency", "Currency"), ("plan", "Plan"),
                                       ("problem", "Problem")]))


@client_group.command("set")
@click.argument("name")
@click.option("--legal-name", help="Name printed on the invoice (default: the tag name).")
@click.option("--address", help="Street address; use \\n between lines.")
@click.option("--postcode")
@click.option("--city")
@click.option("--country", help="Two-letter country code.")
@click.option("--tax-id", help="The client's VAT number.")
@click.option("--email")
@click.option("--currency", help="Invoice currency for this client (ISO code).")
@click.option("--exchange-rate", help="Default rate: units of the currency per 1 USD.")
@click.option("--terms", "payment_terms_days", type=int, help="Payment terms in days.")
@click.option("--plan", type=click.Choice(PLANS), help="markup | per_model | fixed.")
@click.option("--markup", "markup_pct", help="Markup percent on cost (markup plan, fallback, fixed + usage).")
@click.option("--rate", "rates", multiple=True,
              help="Contract rates per million tokens, in the client's (= the invoice's) currency, not USD: "
                   "'GLOB:input=3,output=15,cache_read=0.3,cache_write=3.75'.")
@click.option("--fixed-fee", help="Fixed fee (fixed plan) per period, in the client's currency.")
@click.option("--fixed-fee-label", help="Text of the fixed-fee line.")
@click.option("--fixed-fee-period", type=click.Choice(PERIODS), help="The fee is owed once per this period "
                                                                     "(default month).")
@click.option("--usage-billed/--usage-included", default=None, help="Fixed plan: bill usage on top, or not.")
@click.option("--recurring", "recurring", multiple=True,
              help="A recurring fee billed once per period: 'LABEL=AMOUNT[/week|month|quarter|year]'.")
@click.option("--no-recurring", is_flag=True, help="Remove all recurring fees.")
@click.option("--hourly-rate", help="Default rate for hours and imported time entries (client's currency).")
@click.option("--show", type=click.Choice(DISCLOSURES),
              help="What the client's documents show of AI usage: amounts only, tokens too (default), or the "
                   "underlying cost and markup as well.")
@click.option("--bill-reprices/--no-bill-reprices", "adjust_reprices", default=None,
              help="Bill a change of price of already invoiced usage (default: only revisions of the usage).")
@click.option("--discount", "discount_pct", help="Discount percent, before tax.")
@click.option("--tax", "taxes", multiple=True, help="NAME=PERCENT, at most twice (e.g. --tax VAT=20).")
@click.option("--no-tax", is_flag=True, help="Remove all taxes.")
@click.option("--tax-treatment", type=click.Choice(TAX_TREATMENTS),
              help="standard (the taxes above), reverse_charge (EU B2B: VAT 0, both VAT ids) or exempt.")
@click.option("--exemption-reason", help="Why no VAT is charged (printed; tax treatment exempt).")
@click.option("--budget", "monthly_budget", help="Monthly budget for AI usage, in the client's currency.")
@click.option("--no-budget", is_flag=True, help="Remove the monthly budget.")
@click.option("--plan-usage", type=click.Choice(PLAN_USAGE_BASES),
              help="Usage a subscription plan covered (tracker plans): at its API-equivalent cost (default) "
                   "or at its share of the plan's price.")
@pass_state
@user_errors
def client_set(state: AppState, name, rates, taxes, no_tax, address, recurring, no_recurring, no_budget,
               **changes) -> None:
    """Create or update a client's billing details (only the options given change)."""
    if address is not None:
        changes["address"] = address.replace("\\n", "\n")
    if rates:
        changes["rates"] = dict(parse_rate_spec(spec) for spec in rates)
    if taxes:
        changes["taxes"] = [parse_tax_spec(t) for t in taxes]
    elif no_tax:
        changes["taxes"] = []
    if recurring:
        changes["recurring"] = [parse_recurring_spec(spec) for spec in recurring]
    elif no_recurring:
        changes["recurring"] = []
    if no_budget:
        changes["monthly_budget"] = ""
    tag = service.set_client(_ctx(state).store, name, **changes)
    click.echo(f"Client {tag['name']!r}: {service.plan_summary(service.parse_billing(tag['billing']))}")


# -- invoices ---------------------------------------------------------------------
def _summary(doc: dict) -> None:
    head = doc.get("number") or f"Draft {doc.get('draft_id')}"
    click.echo(f"{head} for {doc['buyer']['name']}, {doc['period']['since']} to {doc['period']['until']} "
               f"({doc['currency']}{', 1 USD = ' + doc['exchange_rate'] if doc.get('exchange_rate') else ''})")
    rows = [{"#": str(line["position"]), "description": line["description"],
             "input_tokens": line["input_tokens"], "output_tokens": line["output_tokens"],
             "amount": line["amount"]} for line in doc["lines"]]
    if rows:
        click.echo(cli_format.table(rows, [("#", "#"), ("description", "Line"), ("input_tokens", "Input"),
                                           ("output_tokens", "Output"), ("amount", "Amount")]))
    t = doc["totals"]
    click.echo(f"Subtotal {t['subtotal']}  discount {t['discount']}  net {t['net']}  taxes {t['tax_total']}  "
               f"TOTAL {t['total']} {doc['currency']}")
    for warning in doc.get("warnings", []):
        click.echo(f"Warning: {warning}")


@invoice_group.command("create")
@click.option("--client", required=True, help="Client tag name.")
@click.option("--since", type=DAY, required=True, help="First day of the period (local), inclusive.")
@click.option("--until", type=DAY, required=True, help="Last day of the period (local), inclusive.")
@click.option("--group-by", type=click.Choice(GROUP_BYS), default="model", show_default=True)
@click.option("--currency", help="Invoice currency (default: the client's, else the profile's).")
@click.option("--rate", "exchange_rate", help="Exchange rate: units of the currency per 1 USD.")
@click.option("--note", help="A note printed on the invoice.")
@click.option("--tz", help="Timezone of the period's days (default: configured).")
@click.option("--json", "as_json", is_flag=True, help="Print the draft document.")
@pass_state
@user_errors
def create(state: AppState, client, since, until, group_by, currency, exchange_rate, note, tz, as_json) -> None:
    """Create a draft invoice (no number yet) for a client's unbilled usage in a period."""
    app = _ctx(state)
    inv = service.create_draft(app.store, client, since, until, app.zone(tz), group_by, currency, exchange_rate,
                               note)
    doc = service.preview(app.store, inv["id"])
    if as_json:
        click.echo(cli_format.to_json(doc))
        return
    _summary(doc)
    click.echo(f"Draft {inv['id']} created; issue it with `tracker invoice issue {inv['id']}`.")


@invoice_group.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def show(state: AppState, ref, as_json) -> None:
    """Show an invoice (a number such as INV-2026-0001, or a draft id)."""
    doc = service.document(_ctx(state).store, ref)
    if as_json:
        click.echo(cli_format.to_json(doc))
    else:
        _summary(doc)


@invoice_group.command("rate")
@click.argument("ref")
@click.argument("exchange_rate")
@pass_state
@user_errors
def set_rate(state: AppState, ref, exchange_rate) -> None:
    """Enter a draft's exchange rate (units of its currency per 1 USD); frozen when issued."""
    inv = service.set_exchange_rate(_ctx(state).store, ref, exchange_rate)
    click.echo(f"Draft {inv['id']}: 1 USD = {inv['exchange_rate']} {inv['currency']}.")


@invoice_group.command("issue")
@click.argument("ref")
@click.option("--date", "issue_day", type=DAY, help="Issue date (default: today).")
@pass_state
@user_errors
def issue(state: AppState, ref, issue_day) -> None:
    """Issue a draft: number it, freeze it and lock the usage it bills."""
    inv = service.issue(_ctx(state).store, ref, issue_day=issue_day)
    t = inv["document"]["totals"]
    click.echo(f"Issued {inv['number']}: {t['total']} {inv['currency']} due {inv['due_date']}.")


@invoice_group.command("list")
@click.option("--status", type=click.Choice(("draft", "issued", "paid", "void")))
@click.option("--client")
@click.option("--json", "as_json", is_flag=True)
@pass_state
@user_errors
def list_(state: AppState, status, client, as_json) -> None:
    """Invoices and credit notes with their status and totals."""
    from tracker.commands.invoice_followup_cmd import budget_lines
    from tracker.services.client_budgets import budget_states

    app = _ctx(state)
    rows = service.list_invoices(app.store, status, client)
    budgets = [b for b in budget_states(app.store, app.zone()) if not client or b["client"] == client]
    if as_json:
        click.echo(cli_format.to_json({"invoices": rows, "budgets": budgets}))
        return
    for line in budget_lines(budgets):
        click.echo("Budget " + line)
    if not rows:
        click.echo("No invoices yet: `tracker invoice create --client NAME --since D --until D`.")
        return
    for row in rows:
        row["ref"] = row["number"] or f"draft {row['id']}"
        row["period"] = f"{row['since']}..{row['until']}"
        row["amount"] = f"{row['total']} {row['currency']}" if row["total"] is not None else "?"
        row["state"] = f"overdue {row['days_overdue']} d" if row["overdue"] else row["status"]
        row["due"] = row["balance"] if row["status"] == "issued" and row["kind"] == "invoice" else ""
    click.echo(cli_format.table(rows, [("ref", "Invoice"), ("kind", "Kind"), ("state", "Status"),
                                       ("client", "Client"), ("period", "Period"), ("issue_date", "Issued"),
                                       ("due_date", "Due"), ("amount", "Total"), ("due", "Balance")]))


@invoice_group.command("export")
@click.argument("ref")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), default="pdf", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write ('-' for stdout). Default: stdout for csv/json/xml, ./NUMBER.pdf for PDFs.")
@pass_state
@user_errors
def export(state: AppState, ref, fmt, output) -> None:
    """Export an invoice as PDF, CSV of lines, JSON, Factur-X (PDF/A-3 + EN 16931 XML) or the bare XML."""
    data, name = service.export(_ctx(state).store, ref, fmt)
    if output is None and fmt in TEXT_FORMATS or str(output) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    path = output or Path(name)
    write_private(path, data)
    click.echo(f"Wrote {path} ({len(data):,} bytes).")


@invoice_group.command("void")
@click.argument("ref")
@click.option("--reason", default="", help="Why (printed on the credit note).")
@pass_state
@user_errors
def void(state: AppState, ref, reason) -> None:
    """Void an issued invoice with a credit note; its usage becomes billable again."""
    note = service.void(_ctx(state).store, ref, reason=reason)
    click.echo(f"Credit note {note['number']} voids {note['document']['credit_for']}; "
               "its usage can be invoiced again.")


@invoice_group.command("paid")
@click.argument("ref")
@click.option("--date", "paid_day", type=DAY, help="Payment date (default: today).")
@click.option("--amount", help="A partial payment (default: the whole balance).")
@click.option("--note", help="A note kept with the payment (bank reference...).")
@pass_state
@user_errors
def paid(state: AppState, ref, paid_day, amount, note) -> None:
    """Record a payment of an issued invoice: the balance, or --amount for a partial payment."""
    inv = service.mark_paid(_ctx(state).store, ref, paid_day, amount=amount, note=note)
    if inv["status"] == "paid":
        click.echo(f"{inv['number']} marked paid on {inv['paid_date']}.")
    else:
        click.echo(f"{inv['number']}: {inv['payment']} {inv['currency']} received; "
                   f"{inv['balance']} {inv['currency']} still due.")


@invoice_group.command("delete")
@click.argument("ref")
@pass_state
@user_errors
def delete(state: AppState, ref) -> None:
    """Delete a draft (issued invoices are voided, never deleted)."""
    service.delete_draft(_ctx(state).store, ref)
    click.echo("Draft deleted.")


def _register_more() -> None:
    from tracker.commands.invoice_followup_cmd import FOLLOWUP_COMMANDS
    from tracker.commands.invoice_lines_cmd import LINE_COMMANDS

    for command in LINE_COMMANDS + FOLLOWUP_COMMANDS:
        invoice_group.add_command(command)


_register_more()
invoice_command = invoice_group
