"""The lines of an invoice that are not AI usage: recurring fees per period and manual lines.

Pure functions (no I/O), like `invoices_calc`.

Recurring fees (the fixed plan's fee, a retainer, hosting...) are owed once per
billing period (week, month, quarter, year). A period is billed by the first
standing invoice whose service period overlaps it: a monthly invoice with a
monthly fee bills one; a weekly invoice bills its week; two invoices over the
same week bill its fee once; a first invoice from mid-month bills that month.
Voiding an invoice releases its periods.

Manual lines are a draft's own: hours x rate, expenses (passed on at their
amount), other items (quantity x unit price) and fixed discounts (allowances
before tax). Imported time entries are grouped into one line per project, task
and rate; each keeps its entry key so it is never billed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from tracker.services.invoices_calc import money_line
from tracker.services.invoices_profile import ClientBilling

FIXED_FEE_KEY = "fee"  # the fixed plan's own fee among the recurring fees
UNIT_HOUR = "HUR"  # UN/ECE rec 20
UNIT_ONE = "C62"
ITEM_KINDS = ("hours", "expense", "item", "discount")


@dataclass(frozen=True)
class Period:
    key: str  # 2026-11, 2026-W45, 2026-Q4, 2026
    label: str
    start: date
    end: date  # inclusive


def period_of(day: date, kind: str) -> Period:
    if kind == "week":
        year, week, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        end = start + timedelta(days=6)
        return Period(f"{year}-W{week:02d}", f"week {year}-W{week:02d} ({start} – {end})", start, end)
    if kind == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return Period(f"{day.year}-{day.month:02d}", start.strftime("%B %Y"), start, end)
    if kind == "quarter":
        q = (day.month - 1) // 3
        start = date(day.year, 3 * q + 1, 1)
        end = (date(day.year, 3 * q + 3, 28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        return Period(f"{day.year}-Q{q + 1}", f"Q{q + 1} {day.year}", start, end)
    return Period(str(day.year), str(day.year), date(day.year, 1, 1), date(day.year, 12, 31))


def periods_overlapping(since: date, until: date, kind: str) -> list[Period]:
    out, day = [], since
    while day <= until:
        period = period_of(day, kind)
        out.append(period)
        day = period.end + timedelta(days=1)
    return out


@dataclass
class RecurringFee:
    key: str
    label: str
    amount: Decimal
    period: str


def recurring_fees(billing: ClientBilling) -> list[RecurringFee]:
    """The client's recurring fees, the fixed plan's fee first."""
    fees = []
    if billing.plan == "fixed" and Decimal(billing.fixed_fee) > 0:
        fees.append(RecurringFee(FIXED_FEE_KEY, billing.fixed_fee_label, Decimal(billing.fixed_fee),
                                 billing.fixed_fee_period))
    for item in billing.recurring:
        fees.append(RecurringFee("recurring:" + item["label"], item["label"], Decimal(item["amount"]),
                                 item["period"]))
    return fees


@dataclass
class ExtraLines:
    lines: list[dict] = field(default_factory=list)
    periods: list[tuple[str, str]] = field(default_factory=list)  # (fee key, period) this invoice bills
    allowances: list[dict] = field(default_factory=list)  # fixed discounts: reason, amount (exact)
    skipped_entries: dict[str, str] = field(default_factory=dict)  # entry key -> invoice that billed it


def fee_lines(billing: ClientBilling, since: date, until: date, already: set[tuple[str, str]],
              currency: str) -> ExtraLines:
    """One line per recurring fee and period overlapping [since, until] that no standing invoice billed."""
    out = ExtraLines()
    for fee in recurring_fees(billing):
        for period in periods_overlapping(since, until, fee.period):
            if (fee.key, period.key) in already:
                continue
            detail = f"{fee.period.title()}ly fee"
            line = money_line("fee", fee.label, (f"{fee.label} — {period.label}", detail), fee.amount, currency)
            line["period"] = period.key
            line["internal"] = {"basis": "fixed", "cost_usd": "0", "markup_pct": "0",
                                "description": line["description"]}
            out.lines.append(line)
            out.periods.append((fee.key, period.key))
    return out


def item_lines(items: list[dict], billed_keys: dict[str, str], currency: str) -> ExtraLines:
    """Lines from a draft's manual items and imported entries; entries a standing invoice already
    billed are left out (and listed), fixed discounts become allowances."""
    out = ExtraLines()
    groups: dict[tuple, dict] = {}
    for item in items:
        if item.get("entry_key") and item["entry_key"] in billed_keys:
            out.skipped_entries[item["entry_key"]] = billed_keys[item["entry_key"]]
            continue
        quantity, price = Decimal(item["quantity"]), Decimal(item["unit_price"])
        if item["kind"] == "discount":
            out.allowances.append({"reason": item["description"], "amount": quantity * price})
            continue
        if item["kind"] == "hours" and item.get("entry_key"):
            key = ("hours", item.get("project") or "", item.get("task") or item["description"], price,
                   item.get("source"))
        else:
            key = ("single", item["id"])
        group = groups.setdefault(key, {"item": item, "quantity": Decimal(0), "cost": Decimal(0), "days": [],
                                        "entries": 0})
        group["quantity"] += quantity
        group["cost"] += Decimal(item["cost"]) if item.get("cost") else Decimal(0)
        group["entries"] += 1
        if item.get("day"):
            group["days"].append(item["day"])
    for group in groups.values():
        out.lines.append(_item_line(group, currency))
    order = {"hours": 0, "item": 1, "expense": 2}
    out.lines.sort(key=lambda line: order[line["kind"]])
    return out


def _item_line(group: dict, currency: str) -> dict:
    item, quantity = group["item"], group["quantity"]
    price = Decimal(item["unit_price"])
    days = sorted(group["days"])
    when = "" if not days else days[0] if days[0] == days[-1] else f"{days[0]} – {days[-1]}"
    if item["kind"] == "hours":
        title = " — ".join(x for x in (item.get("project"), item.get("task") or item["description"]) if x)
        if not item.get("entry_key"):
            title = item["description"]
        entries = f"{group['entries']} time entries" if group["entries"] > 1 else ""
        detail = " · ".join(x for x in ("Hours", entries, when) if x)
        line = money_line("hours", title, (title, detail), quantity * price, currency,
                          quantity=f"{quantity.normalize():f}", unit=UNIT_HOUR, unit_price=f"{price:f}")
    else:
        label = "Expense" if item["kind"] == "expense" else ""
        detail = " · ".join(x for x in (label, when) if x)
        unit_price = f"{price:f}"
        line = money_line(item["kind"], item["description"], (item["description"], detail), quantity * price,
                          currency, quantity=f"{quantity.normalize():f}", unit=UNIT_ONE, unit_price=unit_price)
    cost = group["cost"] if item["kind"] != "expense" or item.get("cost") else quantity * price
    line["internal"] = {"basis": item["kind"], "cost": f"{cost:f}", "description": line["description"],
                        "source": item.get("source") or "manual"}
    return line
