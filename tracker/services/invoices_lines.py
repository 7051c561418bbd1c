"""A draft's own lines: hours x rate, expenses, items, fixed discounts, and imported time entries.

Amounts are in the draft's currency. Lines live with the draft until it is
issued (then they are frozen in the document); an imported time entry that a
standing invoice of the same client already billed is never added again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tracker.services import invoices as service
from tracker.services.invoices_profile import decimal_text, parse_billing
from tracker.services.invoices_timeimport import ParsedTime, TimeImportError, parse

MAX_DESCRIPTION_CHARS = 300


def _draft(store, ref) -> dict:
    inv = service.resolve(store, ref)
    if inv["status"] != "draft":
        raise service.InvoiceStateError(f"{inv['number']} is issued: an issued invoice never changes "
                                        "(void it and bill a new one).")
    return inv


def _description(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ValueError("A line needs a description.")
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise ValueError(f"A description has at most {MAX_DESCRIPTION_CHARS} characters.")
    return text


def add_line(store, ref, kind: str, description: str, amount: str | None = None, hours: str | None = None,
             rate: str | None = None, quantity: str | None = None, day: date | None = None,
             cost: str | None = None) -> dict:
    """Add one manual line to a draft.

    hours: `hours` x `rate` (default: the client's hourly rate); expense: `amount` (passed on; `cost`
    what it cost you, default the amount); item: `quantity` (default 1) x `amount`; discount: `amount`
    off before tax."""
    inv = _draft(store, ref)
    item = {"kind": kind, "description": _description(description), "day": day.isoformat() if day else None,
            "source": "manual", "entry_key": None, "project": None, "task": None, "cost": None}
    if kind == "hours":
        if hours is None:
            raise ValueError("Hours need --hours, e.g. --hours 3.5.")
        item["quantity"] = decimal_text(hours, "The hours")
        item["unit_price"] = decimal_text(rate or _client_rate(store, inv), "The hourly rate")
    elif kind in ("expense", "item", "discount"):
        if amount is None:
            raise ValueError(f"A {kind} needs an amount (--amount).")
        item["quantity"] = decimal_text(quantity or "1", "The quantity")
        item["unit_price"] = decimal_text(amount, "The amount")
        if cost is not None:
            item["cost"] = decimal_text(cost, "The cost")
    else:
        raise ValueError(f"Unknown line kind {kind!r}: hours, expense, item or discount.")
    if Decimal(item["quantity"]) * Decimal(item["unit_price"]) == 0:
        raise ValueError("A line of 0 adds nothing: give a quantity and an amount above 0.")
    service.book(store).add_items(inv["id"], [item])
    return service.book(store).items(inv["id"])[-1]


def _client_rate(store, inv: dict) -> str:
    tag = service.book(store).client_tag_by_id(inv["client_tag_id"])
    rate = parse_billing(tag["billing"] if tag else {}).hourly_rate
    if not rate:
        raise ValueError(f"No hourly rate: give --rate, or set the client's (`tracker invoice client set "
                         f"{inv['client_name']} --hourly-rate 95`).")
    return rate


def remove_line(store, ref, item_id: int) -> None:
    inv = _draft(store, ref)
    if not service.book(store).delete_item(inv["id"], item_id):
        raise ValueError(f"Draft {inv['id']} has no line {item_id}: see `tracker invoice line list {inv['id']}`.")


def list_lines(store, ref) -> list[dict]:
    return service.book(store).items(service.resolve(store, ref)["id"])


@dataclass
class TimeImport:
    format: str
    added: int = 0
    on_draft: int = 0  # already on this draft (the same file again)
    already_billed: dict[str, int] = field(default_factory=dict)  # invoice number -> entries
    not_billable: int = 0
    other_clients: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    hours: Decimal = Decimal(0)

    def as_dict(self) -> dict:
        return {"format": self.format, "added": self.added, "already_on_draft": self.on_draft,
                "already_billed": self.already_billed, "not_billable": self.not_billable,
                "other_clients": self.other_clients, "hours": f"{self.hours.normalize():f}",
                "rejected": [{"line": n, "reason": reason} for n, reason in self.rejected]}


def import_time(store, ref, text: str, fmt: str = "auto", rate: str | None = None, from_client: str | None = None,
                date_order: str | None = None) -> TimeImport:
    """Add a time export's billable entries to a draft as hours lines (grouped per project, task and rate
    on the invoice). Rates come from `rate`, else the file, else the client's hourly rate; a file's rates
    in another currency than the draft's are refused."""
    inv = _draft(store, ref)
    parsed = parse(text, fmt, date_order)
    entries = _for_client(parsed, from_client)
    out = TimeImport(parsed.format, rejected=list(parsed.rejected))
    out.other_clients = len(parsed.entries) - len(entries)
    fallback = rate and decimal_text(rate, "The rate")
    tag = service.book(store).client_tag_by_id(inv["client_tag_id"])
    client_rate = parse_billing(tag["billing"] if tag else {}).hourly_rate
    billed = service.book(store).billed_entry_keys(inv["client_tag_id"], [e.key for e in entries])
    items = []
    for entry in entries:
        if not entry.billable:
            out.not_billable += 1
            continue
        if entry.key in billed:
            out.already_billed[billed[entry.key]] = out.already_billed.get(billed[entry.key], 0) + 1
            continue
        from_file = entry.fixed_price if entry.fixed_price is not None else entry.rate
        if not fallback and from_file and entry.currency and entry.currency != inv["currency"]:
            raise TimeImportError(f"The file's rates are in {entry.currency} and the draft is in {inv['currency']}: "
                                  f"give the rate in {inv['currency']} with --rate.")
        unit_price = fallback or (f"{from_file:f}" if from_file else client_rate)
        fixed = entry.fixed_price is not None and not fallback
        if not unit_price:
            out.rejected.append((entry.line, "no rate in the file: give --rate or set the client's --hourly-rate"))
            continue
        items.append({
            "kind": "item" if fixed else "hours", "day": entry.day.isoformat(),
            "description": _entry_description(entry, fixed), "project": entry.project or None,
            "task": entry.task or None, "quantity": "1" if fixed else f"{entry.hours.normalize():f}",
            "unit_price": unit_price, "cost": None, "source": parsed.format, "entry_key": entry.key,
        })
        out.hours += entry.hours
    added, duplicates = service.book(store).add_items(inv["id"], items) if items else (0, 0)
    out.added, out.on_draft = added, duplicates
    return out


def _for_client(parsed: ParsedTime, from_client: str | None) -> list:
    if from_client:
        return [e for e in parsed.entries if e.client.casefold() == from_client.casefold()]
    if len(parsed.clients) > 1:
        raise TimeImportError("The file has time for several clients (" + ", ".join(parsed.clients)
                              + "): choose one with --from-client.")
    return parsed.entries


def _entry_description(entry, fixed: bool) -> str:
    """A fixed-price record reads as its own note (a workshop, a deliverable); hours as their task."""
    parts = (entry.notes, entry.task) if fixed else (entry.task, entry.notes)
    text = next((p for p in (*parts, entry.project) if p), "Time")
    return " ".join(text.split())[:MAX_DESCRIPTION_CHARS]
