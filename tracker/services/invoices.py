"""Contractor invoices from tagged usage: drafts, issuing, payment, credit notes.

Lifecycle: a draft (no number; its lines are recomputed from live usage each
time it is shown) -> issued (a number from a gap-free counter, the document
frozen as JSON, the usage it billed recorded per row with a token/cost
snapshot so it is never billed again) -> paid. A credit note (its own number
series) voids an issued or paid invoice; the voided invoice's usage then
counts as unbilled again, so a corrected invoice can bill it (the credit note
and the new invoice together leave an audit trail; nothing is deleted).

Usage that changes after it was billed (a provider revising a bucket, a
re-priced row, a billed figure arriving later) is never written back into the
issued invoice: the next invoice for that client carries the difference as an
adjustment line. See `invoices_calc` for the arithmetic and rounding rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal

from tracker.core.timeutil import from_ms, get_zone, local_date, local_midnight, now_ms, zone_name
from tracker.services import invoices_calc as calc
from tracker.services import invoices_items as items_calc
from tracker.services.invoices_profile import (
    ClientBilling,
    Profile,
    check_currency,
    exchange_rate_text,
    load_profile,
    number_scope,
    parse_billing,
    render_number,
)
from tracker.services.invoices_summed import summed_rows
from tracker.services.invoices_tax import check_parties, tax_block
from tracker.storage.invoices import InvoiceBook, InvoiceStateError

__all__ = [
    "InvoiceStateError",
    "book",
    "create_draft",
    "document",
    "issue",
    "list_invoices",
    "mark_paid",
    "preview",
    "resolve",
    "void",
]

# 2: lines of every kind (quantity x unit price), the client's disclosure, the tax treatment, and the
# contractor's figures under "internal" (never exported to the client: see invoices_view).
DOCUMENT_VERSION = 2


def book(store) -> InvoiceBook:
    return InvoiceBook(store)


@dataclass
class Computed:
    document: dict
    usage: list[dict]  # per usage row: what this invoice bills of it (the lock snapshot)
    periods: list[tuple[str, str]]  # (recurring fee, period) pairs it bills


def resolve(store, ref: str | int) -> dict:
    """An invoice by number (INV-2026-0001) or by id (3 or #3)."""
    b = book(store)
    text = str(ref).strip()
    inv = b.get_by_number(text)
    if inv is None and text.lstrip("#").isdigit():
        inv = b.get(int(text.lstrip("#")))
    if inv is None:
        raise ValueError(f"No invoice {text!r}: see `tracker invoice list` for numbers and draft ids.")
    return inv


def _client(store, name: str) -> tuple[dict, ClientBilling]:
    tag = book(store).client_tag(name)
    if tag is None:
        raise ValueError(
            f"No client {name!r}: add it with `tracker invoice client set {name} ...` "
            "(or tag usage to it with `tracker tags`)."
        )
    return tag, parse_billing(tag["billing"])


def create_draft(store, client: str, since: date, until: date, zone: tzinfo, group_by: str = "model",
                 currency: str | None = None, exchange_rate: str | None = None, notes: str | None = None) -> dict:
    if until < since:
        raise ValueError(f"The period ends ({until}) before it starts ({since}).")
    if group_by not in calc.GROUP_BYS:
        raise ValueError(f"Group lines by one of {', '.join(calc.GROUP_BYS)}, not {group_by!r}.")
    tag, billing = _client(store, client)
    profile = load_profile(store)
    cur = check_currency(currency or billing.currency or profile.currency)
    problem = contract_currency_problem(tag["name"], billing, cur)
    if problem:
        raise ValueError(problem)
    rate = exchange_rate or (billing.exchange_rate if cur == (billing.currency or cur) else "")
    if cur == "USD":
        rate = "1"
    invoice_id = book(store).create_draft(
        client_tag_id=tag["id"], client_name=tag["name"], since_day=since.isoformat(), until_day=until.isoformat(),
        timezone=zone_name(zone), group_by=group_by, currency=cur,
        exchange_rate=exchange_rate_text(rate) if rate else None, notes=notes,
    )
    return book(store).get(invoice_id)  # type: ignore[return-value]


def set_exchange_rate(store, ref: str | int, rate: str) -> dict:
    inv = resolve(store, ref)
    book(store).update_draft(inv["id"], exchange_rate=exchange_rate_text(rate))
    return book(store).get(inv["id"])  # type: ignore[return-value]


def delete_draft(store, ref: str | int) -> None:
    inv = resolve(store, ref)
    if not book(store).delete_draft(inv["id"]):
        raise InvoiceStateError(f"Invoice {inv['number']} is issued: void it with a credit note instead.")


def _fx(inv: dict, required: bool) -> Decimal:
    if inv["currency"] == "USD":
        return Decimal(1)
    if not inv["exchange_rate"]:
        if required:
            raise ValueError(
                f"Enter the exchange rate for {inv['currency']} (units per 1 USD) before issuing: "
                f"`tracker invoice rate {inv['id']} 0.92`."
            )
        return Decimal(0)
    fx = Decimal(inv["exchange_rate"])
    if fx <= 0:
        raise ValueError("The exchange rate must be positive.")
    return fx


def _party(profile: Profile) -> dict:
    return {k: v for k, v in profile.as_dict().items()
            if k not in ("number_pattern", "credit_note_pattern", "payment_terms_days", "currency")}


def _buyer(tag: dict, billing: ClientBilling) -> dict:
    return {"name": billing.legal_name or tag["name"], "tag": tag["name"], "address": billing.address,
            "postcode": billing.postcode, "city": billing.city, "country": billing.country,
            "tax_id": billing.tax_id, "email": billing.email}


def plan_summary(billing: ClientBilling) -> str:
    """The rate plan in full: the contractor's view (markups included)."""
    markup = Decimal(billing.markup_pct).normalize()
    if billing.plan == "per_model":
        globs = ", ".join(billing.rates)
        return f"Contract rates per million tokens for {globs}; other models at cost {markup:+f}%."
    if billing.plan == "fixed":
        usage = f"usage at cost {markup:+f}%" if billing.usage_billed else "usage listed, included in the fee"
        return f"{billing.fixed_fee_label} per {billing.fixed_fee_period} plus {usage}."
    return f"Pass-through cost {markup:+f}%."


def client_plan_summary(billing: ClientBilling) -> str:
    """The rate plan as a client document states it: no markup unless the client sees costs."""
    if billing.show == "cost":
        return plan_summary(billing)
    if billing.plan == "per_model":
        return f"AI usage at the agreed rates per million tokens for {', '.join(billing.rates)}."
    if billing.plan == "fixed":
        usage = "AI usage billed as used" if billing.usage_billed else "AI usage listed, included in the fee"
        return f"{billing.fixed_fee_label} per {billing.fixed_fee_period}; {usage}."
    return "AI usage billed as used."
def plan_usage_note(billing: ClientBilling) -> str:
    """How usage a subscription plan covered is costed for this client (for the invoice's plan text)."""
    if billing.plan_usage == "plan_share":
        return " Usage a subscription plan covered is costed at its share of the plan's price."
    return ""


def _period_ms(inv: dict, zone: tzinfo) -> tuple[int, int]:
    since, until = date.fromisoformat(inv["since_day"]), date.fromisoformat(inv["until_day"])
    start = local_midnight(since, zone)
    end = local_midnight(until + timedelta(days=1), zone)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def usage_selection(store, tag_id: int, billing: ClientBilling, fx: Decimal, start_ms: int, end_ms: int,
                    zone, unbilled_only: bool = True, summed: bool = False) -> calc.Selection:
    """What the client's tagged usage in [start_ms, end_ms) comes to under `billing`: only what no standing
    invoice billed yet (an invoice), or all of it (`unbilled_only` False: a budget's month).

    `summed`: an hour's like rows read as one from the tagged rollup where that charges the same
    (invoices_summed): the same lines and totals, for a draft's live total or a budget; issuing reads
    every row (it records each one)."""
    b = book(store)
    utc_lo = from_ms(start_ms).date().isoformat()
    utc_hi = from_ms(end_ms - 1).date().isoformat()
    billed = b.billed_by_provider_day(utc_lo, utc_hi)
    rows = None
    if summed and billing.plan_usage != "plan_share":
        rows = summed_rows(b, tag_id, start_ms, end_ms, zone, billed, unbilled_only)
    if rows is None:
        rows = b.client_usage(tag_id, start_ms, end_ms)
    if not unbilled_only:
        rows = [r | {"billed": None, "billed_as_usage": False} for r in rows if not r.get("withdrawn")]
    if billing.plan_usage == "plan_share":  # usage a subscription plan covered: its share of the plan's price
        from tracker.services.cost_basis import rows_at_plan_share

        rows = rows_at_plan_share(store, zone, rows)
    for row in rows:
        row["utc_day"] = from_ms(row["ts_ms"]).date().isoformat()
    estimated = b.estimated_by_provider_day(utc_lo, utc_hi) if billed else {}
    return calc.charge_rows(rows, billing, fx, billed, estimated)


def contract_currency_problem(name: str, billing: ClientBilling, currency: str) -> str | None:
    """Why a client's contract amounts cannot go on an invoice in `currency` (None when they can).

    Rates, fees and the hourly rate are amounts in the client's currency: billed as another
    currency's units they are wrong by the exchange rate (a 37,000 JPY fee issued as 37,000 USD)."""
    if billing.currency and currency != billing.currency and billing.contract_amounts():
        return (f"{name}'s contract rates and fees are in {billing.currency}: invoice in {billing.currency}, "
                "or change the client's currency (`tracker invoice client set`); a draft in another currency "
                "is refused at issue (delete it and create it again).")
    return None


def compute(store, inv: dict, issue_day: date | None = None, issued_ms: int | None = None,
            number: str | None = None, require_rate: bool = False, summed: bool = False) -> Computed:
    """The invoice document for `inv` over live usage and the client's terms as they are now (a draft's
    preview, or the one frozen at issue, when `require_rate` makes every problem an error).

    `summed` (a list's live total): the same document from usage summed per hour where that charges the
    same (usage_selection); its `usage` then has a row per sum, not per usage row: never to be issued."""
    zone = get_zone(inv["timezone"])
    b = book(store)
    tag = b.client_tag_by_id(inv["client_tag_id"])
    if tag is None:
        raise ValueError(f"The client {inv['client_name']!r} of invoice {inv['id']} no longer exists.")
    billing = parse_billing(tag["billing"])
    profile = load_profile(store)
    currency = inv["currency"]
    warnings = []
    problem = contract_currency_problem(tag["name"], billing, currency)
    if problem and require_rate:
        raise ValueError(problem)
    if problem:
        warnings.append(problem)
    fx = _fx(inv, require_rate)
    sel = usage_selection(store, tag["id"], billing, fx, *_period_ms(inv, zone), zone, summed=summed)
    since, until = date.fromisoformat(inv["since_day"]), date.fromisoformat(inv["until_day"])
    fees = items_calc.fee_lines(billing, since, until, b.billed_periods(tag["id"]), currency)
    items = b.items(inv["id"])
    keys = [i["entry_key"] for i in items if i.get("entry_key")]
    extra = items_calc.item_lines(items, b.billed_entry_keys(tag["id"], keys) if keys else {}, currency)
    usage_lines = calc.build_lines(sel, billing, inv["group_by"], zone, currency, billing.show)
    lines = fees.lines + extra.lines + usage_lines
    for n, line in enumerate(lines, 1):
        line["position"] = n
    totals = calc.totals(lines, billing, currency, extra.allowances)
    issue_day = issue_day or local_date(issued_ms or now_ms(), zone)
    terms = billing.payment_terms_days if billing.payment_terms_days is not None else profile.payment_terms_days
    if sel.unpriced_rows:
        warnings.append(f"{sel.unpriced_rows} usage row(s) have no known price and are not billed "
                        "(add a price and run `tracker reprice`; they stay unbilled until then).")
    if sel.ignored_billed_currencies:
        warnings.append("Provider charges in " + ", ".join(sorted(sel.ignored_billed_currencies))
                        + " were not used (only USD charges are matched); those days use estimates.")
    if extra.skipped_entries:
        numbers = ", ".join(sorted(set(extra.skipped_entries.values())))
        warnings.append(f"{len(extra.skipped_entries)} imported time entr(y/ies) left out: already billed on "
                        f"{numbers}.")
    if not require_rate and currency != "USD" and not inv["exchange_rate"] and sel.charges:
        warnings.append(f"No exchange rate for {currency} yet: usage amounts show as 0 until one is entered.")
    seller, buyer = _party(profile), _buyer(tag, billing)
    tax = tax_block(billing)
    if require_rate:
        check_parties(tax, seller, buyer)
    doc = {
        "version": DOCUMENT_VERSION,
        "kind": "invoice",
        "type_code": "380",
        "number": number,
        "issue_date": issue_day.isoformat(),
        "due_date": (issue_day + timedelta(days=terms)).isoformat(),
        "payment_terms_days": terms,
        "issued_ms": issued_ms,
        "period": {"since": inv["since_day"], "until": inv["until_day"], "timezone": inv["timezone"]},
        "currency": currency,
        "exchange_rate": None if currency == "USD" else inv["exchange_rate"],
        "group_by": inv["group_by"],
        "disclosure": billing.show,
        "plan": client_plan_summary(billing) + (plan_usage_note(billing) if billing.show == "cost" else ""),
        "rounding": calc.ROUNDING_RULE,
        "seller": seller,
        "buyer": buyer,
        "tax": tax,
        "lines": lines,
        "totals": totals,
        "usage": {"rows_billed": sel.rows_billed, "rows_already_billed": sel.unchanged_rows,
                  "rows_unpriced": sel.unpriced_rows},
        "notes": inv["notes"] or "",
        "warnings": warnings,
        "internal": {"plan": plan_summary(billing), "markup_pct": billing.markup_pct,
                     "exchange_rate": None if currency == "USD" else inv["exchange_rate"]},
    }
    usage = [
        {"table": c.row["table"], "source": c.row["source"], "account": c.row["account"], "key": c.row["key"],
         "ts_ms": c.row["ts_ms"], "model": c.row["model"], "project": c.row["project"], "kind": c.kind,
         "basis": c.basis, **c.delta}
        for c in sel.charges
    ]
    return Computed(doc, usage, fees.periods)


def preview(store, ref: str | int) -> dict:
    inv = resolve(store, ref)
    if inv["status"] != "draft":
        return inv["document"]
    doc = compute(store, inv).document
    doc["status"] = "draft"
    doc["draft_id"] = inv["id"]
    return doc


def document(store, ref: str | int) -> dict:
    """The document to show or export: frozen for issued invoices, live for drafts."""
    inv = resolve(store, ref)
    doc = preview(store, ref) if inv["status"] == "draft" else dict(inv["document"])
    doc["status"] = inv["status"]
    if inv["paid_date"]:
        doc["paid_date"] = inv["paid_date"]
    return doc


def issue(store, ref: str | int, issue_day: date | None = None, at_ms: int | None = None) -> dict:
    """Freeze a draft into a numbered invoice and lock the usage it bills, all in one transaction."""
    inv = resolve(store, ref)
    if inv["status"] != "draft":
        raise InvoiceStateError(f"{inv['number']} is already issued; an issued invoice never changes.")
    stamp = at_ms if at_ms is not None else now_ms()
    zone = get_zone(inv["timezone"])
    day = issue_day or local_date(stamp, zone)
    profile = load_profile(store)
    _check_seller(profile)
    scope = number_scope(profile.number_pattern, day.year, day.month)

    def build(seq: int):
        number = render_number(profile.number_pattern, day.year, day.month, seq)
        computed = compute(store, inv, issue_day=day, issued_ms=stamp, number=number, require_rate=True)
        if not computed.document["lines"]:
            raise ValueError(
                f"Nothing to invoice for {inv['client_name']} from {inv['since_day']} to {inv['until_day']}: "
                "no unbilled usage is tagged to this client, and the draft has no other lines."
            )
        return number, computed.document, computed.usage, computed.periods

    return book(store).issue(inv["id"], scope, build)


def _check_seller(profile: Profile) -> None:
    if not profile.name:
        raise ValueError("Set your business name first: `tracker invoice profile set --name 'Your Company'`.")


def void(store, ref: str | int, issue_day: date | None = None, at_ms: int | None = None,
         reason: str = "") -> dict:
    """Issue a credit note for an issued invoice; the invoice becomes void and its usage unbilled."""
    inv = resolve(store, ref)
    stamp = at_ms if at_ms is not None else now_ms()
    zone = get_zone(inv["timezone"])
    day = issue_day or local_date(stamp, zone)
    profile = load_profile(store)
    scope = number_scope(profile.credit_note_pattern, day.year, day.month)
    original = inv["document"]
    if inv["status"] not in ("issued", "paid") or inv["kind"] != "invoice" or original is None:
        raise InvoiceStateError(f"Invoice {inv['number'] or inv['id']} is not issued: only issued invoices are voided.")

    def build(seq: int):
        number = render_number(profile.credit_note_pattern, day.year, day.month, seq)
        doc = dict(original)
        doc.update(calc.negate_document_amounts(original))
        doc.update({
            "kind": "credit_note", "type_code": "381", "number": number, "issue_date": day.isoformat(),
            "due_date": None, "issued_ms": stamp, "credit_for": original["number"],
            "credit_for_issue_date": original["issue_date"],
            "notes": f"Credit note voiding invoice {original['number']} of {original['issue_date']}."
                     + (f" {reason}" if reason else ""),
            "warnings": [],
        })
        return number, doc

    return book(store).issue_credit_note(inv["id"], scope, build)


def mark_paid(store, ref: str | int, paid_day: date | None = None, amount: str | None = None,
              note: str | None = None) -> dict:
    """Record a payment of the balance (or of `amount`, a partial payment); see invoices_payments."""
    from tracker.services.invoices_payments import record_payment

    return record_payment(store, ref, amount=amount, day=paid_day, note=note)


def list_invoices(store, status: str | None = None, client: str | None = None) -> list[dict]:
    """Invoices (newest last) with what a list needs; drafts show their live total."""
    b = book(store)
    tag_id = None
    if client:
        tag = b.client_tag(client)
        if tag is None:
            raise ValueError(f"No client {client!r}.")
        tag_id = tag["id"]
    from tracker.services.invoices_payments import ledger, payment_state

    paid = ledger(store).paid_minor()
    out = []
    for inv in b.list(status=status, client_tag_id=tag_id):
        if inv["status"] == "draft":
            try:
                total = compute(store, inv, summed=True).document["totals"]["total"]
            except ValueError:
                total = None
        else:
            total = inv["document"]["totals"]["total"]
        out.append({
            "id": inv["id"], "number": inv["number"], "kind": inv["kind"], "status": inv["status"],
            "client": inv["client_name"], "since": inv["since_day"], "until": inv["until_day"],
            "issue_date": inv["issue_date"], "due_date": inv["due_date"], "paid_date": inv["paid_date"],
            "currency": inv["currency"], "exchange_rate": inv["exchange_rate"], "total": total,
            "credit_for": (b.get(inv["credit_for_id"]) or {}).get("number") if inv["credit_for_id"] else None,
            "voided_by": (b.get(inv["voided_by_id"]) or {}).get("number") if inv["voided_by_id"] else None,
            **payment_state(inv, paid.get(inv["id"], 0), local_date(now_ms(), get_zone(inv["timezone"]))),
        })
    return out


# -- clients ------------------------------------------------------------------
def client_list(store) -> list[dict]:
    out = []
    for tag in book(store).client_tags():
        try:
            billing = parse_billing(tag["billing"]).as_dict()
            problem = None
        except ValueError as exc:  # a hand-edited tag: show it, say what is wrong
            billing, problem = tag["billing"], str(exc)
        out.append({"id": tag["id"], "name": tag["name"], "billing": billing, "problem": problem})
    return out


def set_client(store, name: str, create: bool = True, **changes) -> dict:
    """Merge `changes` into the client's billing details (validated); creates the client tag if asked."""
    b = book(store)
    tag = b.ensure_client_tag(name) if create else b.client_tag(name)
    if tag is None:
        raise ValueError(f"No client {name!r}.")
    merged = dict(tag["billing"] or {})
    for key, value in changes.items():
        if value is None:
            continue
        if key == "rates":
            merged["rates"] = {**merged.get("rates", {}), **value}
        else:
            merged[key] = value
    b.set_client_billing(tag["id"], merged | parse_billing(merged).as_dict())
    return b.client_tag(name)  # type: ignore[return-value]


# -- exports ------------------------------------------------------------------
EXTENSIONS = {"pdf": "pdf", "facturx": "pdf", "csv": "csv", "json": "json", "xml": "xml"}


def export_name(doc: dict, fmt: str) -> str:
    stem = doc.get("number") or f"draft-{doc.get('draft_id')}"
    suffix = "-facturx" if fmt == "facturx" else ""
    return f"{stem}{suffix}.{EXTENSIONS[fmt]}"


def export(store, ref: str | int, fmt: str) -> tuple[bytes, str]:
    """(bytes, suggested file name) of an invoice in `fmt` (pdf, csv, json, facturx, xml)."""
    from tracker.services import invoices_export as ex
    from tracker.services.invoices_view import client_document

    doc = client_document(document(store, ref))  # what the client may see, in every format
    if fmt == "json":
        data = ex.to_json(doc)
    elif fmt == "csv":
        data = ex.to_csv(doc)
    elif fmt == "xml":
        if not doc.get("number"):
            raise ex.ExportError("An e-invoice needs a number: issue the draft first.")
        data = ex.cii_xml(doc)
        ex.check_xml(data)
    elif fmt in ("pdf", "facturx"):
        from tracker.services.invoices_pdf import render_pdf

        data = render_pdf(doc)
        if fmt == "facturx":
            if not doc.get("number"):
                raise ex.ExportError("An e-invoice needs a number: issue the draft first.")
            data = ex.to_facturx(doc, data)
    else:
        raise ValueError(f"Unknown format {fmt!r}: choose one of {', '.join(EXTENSIONS)}.")
    return data, export_name(doc, fmt)


# -- demo ---------------------------------------------------------------------
DEMO_PROFILE = {
    "name": "Demo Consulting Ltd", "address": "12 Elm Street", "postcode": "10115", "city": "Berlin",
    "country": "DE", "tax_id": "DE123456789", "email": "billing@demo-consulting.example",
    "iban": "DE89370400440532013000", "bic": "COBADEFFXXX", "bank_name": "Demo Bank", "currency": "EUR",
    "payment_terms_days": 30,
}
DEMO_BILLING = {"currency": "EUR", "exchange_rate": "0.92", "plan": "markup", "markup_pct": "15",
                "country": "US", "taxes": [{"name": "VAT", "rate_pct": "19"}]}


DEMO_INVOICE_SETTING = "demo.sample_invoice"  # set once the demo's sample invoice was made (or deleted since)


def ensure_demo_profile(store, zone: tzinfo | None = None) -> None:
    """In the demo database only: a seller profile and billing terms for the demo clients, once; and,
    once, a sample invoice issued to the first client for last month, so the Invoices page shows one."""
    from tracker.services.invoices_profile import PROFILE_SETTING

    if not store.get_setting(PROFILE_SETTING):
        store.set_setting(PROFILE_SETTING, load_profile(store).as_dict() | DEMO_PROFILE)
        for tag in book(store).client_tags():
            set_client(store, tag["name"], create=False, **{k: v for k, v in DEMO_BILLING.items()
                                                            if not (tag["billing"] or {}).get(k)})
    if zone is None or store.get_setting(DEMO_INVOICE_SETTING):
        return
    clients = client_list(store)
    store.set_setting(DEMO_INVOICE_SETTING, "1")
    if not clients or list_invoices(store):
        return
    today = datetime.now(zone).date()
    until = today.replace(day=1) - timedelta(days=1)
    draft = create_draft(store, clients[0]["name"], until.replace(day=1), until, zone)
    issue(store, draft["id"], issue_day=until + timedelta(days=1))
