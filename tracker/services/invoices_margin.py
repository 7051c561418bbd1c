"""The contractor's margin on an invoice: what each line cost against what it bills.

Internal only (never sent to a client). A usage line's cost is its underlying
cost in USD (provider-billed where reported, else estimated) converted at the
invoice's exchange rate; an expense costs what was paid for it (its amount,
unless a cost was given); fees, hours and items cost nothing here (your time
is the margin). Discounts reduce the revenue. Usage with no known price billed
at a contract rate has an unknown cost: counted and said, never taken as 0
silently.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from tracker.services.invoices_calc import money_text, round_money

_HUNDRED = Decimal(100)
CSV_COLUMNS = ("position", "kind", "description", "amount", "cost_usd", "cost", "margin", "margin_pct")


def _pct(part: Decimal, whole: Decimal) -> str | None:
    if whole == 0:
        return None
    return str((part / whole * _HUNDRED).quantize(Decimal("0.1")))


def margin_report(doc: dict) -> dict:
    currency = doc["currency"]
    internal = doc.get("internal") or {}
    rate = internal.get("exchange_rate") or doc.get("exchange_rate")
    fx = Decimal(1) if currency == "USD" else Decimal(rate) if rate else None
    rows, cost_total, unknown = [], Decimal(0), 0
    for line in doc["lines"]:
        info = line.get("internal") or {}
        amount = Decimal(line["amount"])
        cost_usd = info.get("cost_usd", line.get("cost_usd"))
        if line["kind"] in ("usage", "adjustment"):
            if fx is None:
                cost = None
            else:
                cost = round_money(Decimal(cost_usd or 0) * fx, currency)
            if (info.get("basis") or line.get("basis")) == "rate" and Decimal(cost_usd or 0) == 0 and amount:
                cost = None  # billed at a contract rate while it had no price
            unknown += cost is None
        else:
            cost = round_money(Decimal(info.get("cost") or 0), currency)
        if cost is not None:
            cost_total += cost
        rows.append({
            "position": line["position"], "kind": line["kind"], "description": info.get("description")
            or line["description"], "amount": line["amount"], "cost_usd": cost_usd,
            "cost": None if cost is None else money_text(cost, currency),
            "margin": None if cost is None else money_text(amount - cost, currency),
            "margin_pct": None if cost is None else _pct(amount - cost, amount),
        })
    totals = doc["totals"]
    revenue = Decimal(totals["net"])
    return {
        "number": doc.get("number"), "draft_id": doc.get("draft_id"), "client": doc["buyer"].get("tag"),
        "currency": currency, "exchange_rate": None if currency == "USD" else rate,
        "plan": internal.get("plan") or doc.get("plan"), "lines": rows,
        "totals": {"subtotal": totals["subtotal"], "discounts": totals.get("allowance_total", totals["discount"]),
                   "revenue": money_text(revenue, currency), "cost": money_text(cost_total, currency),
                   "margin": money_text(revenue - cost_total, currency),
                   "margin_pct": _pct(revenue - cost_total, revenue)},
        "lines_with_unknown_cost": unknown,
        "note": "Internal: not for the client. Cost = the AI providers' charges (estimated where not reported) "
                "at the invoice's exchange rate, and expenses as paid.",
    }


def to_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, "currency"])
    for row in report["lines"]:
        writer.writerow([row[c] if row[c] is not None else "" for c in CSV_COLUMNS] + [report["currency"]])
    t = report["totals"]
    writer.writerow(["", "total", "revenue after discounts", t["revenue"], "", t["cost"], t["margin"],
                     t["margin_pct"] or "", report["currency"]])
    return out.getvalue().encode("utf-8")
