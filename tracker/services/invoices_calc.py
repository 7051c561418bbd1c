"""Invoice arithmetic: usage rows + a client's rate plan -> lines and totals.

Pure functions (no I/O), so the rules below are tested as a table of cases.

Rounding rules (also in docs/invoices.md):

1. Every amount is a `Decimal`, never a float. Usage costs arrive as integer
   picodollars and are converted exactly.
2. A line's amount is computed exactly (token deltas x rate per million, or
   cost x (1 + markup %) x exchange rate) summed over the usage rows of that
   line, then rounded ONCE to the currency's minor unit (cents for EUR/USD,
   none for JPY) with ROUND_HALF_UP ("commercial rounding": what accountants
   and EN 16931 validators expect; half-even would surprise a client checking
   a line by hand).
3. The subtotal is the sum of the rounded lines. The discount is a percentage
   of the subtotal, rounded the same way, and comes before tax.
4. Each tax (at most two, each on the discounted net, not compounded) is the
   net times its rate, rounded the same way. The total is net + taxes. So the
   printed lines always add up to the printed totals.
5. A row whose provider reported what it billed is charged from the billed
   figure: the provider's charge for that (source, account, UTC day) is shared
   among its rows in proportion to their estimated cost. Other rows use the
   estimate at the price in force on their date. Each line says which
   (`basis`: billed | estimated | rate | fixed); lines never mix bases.
6. A row with no known price is never billed at zero: under a cost-based plan
   it is left out, not locked, and counted in the invoice's warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from fnmatch import fnmatchcase

from tracker.core.money import PICO_PER_USD
from tracker.core.timeutil import local_date
from tracker.services.invoices_profile import ClientBilling

ROUNDING = ROUND_HALF_UP
ROUNDING_RULE = (
    "Each line is rounded once to the currency's minor unit (half up); subtotal, discount, taxes and "
    "total are computed from the rounded lines."
)
GROUP_BYS = ("model", "project", "day")
# ISO 4217 minor units that are not 2 (the common case).
MINOR_UNITS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XOF": 0, "XAF": 0, "HUF": 2,
               "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3, "TND": 3, "IQD": 3, "LYD": 3}
TOKENS_PER_RATE_UNIT = Decimal(1_000_000)  # rates are per million tokens
_PICO = Decimal(PICO_PER_USD)
_HUNDRED = Decimal(100)
TOKEN_FIELDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens")
_RATE_OF_FIELD = {"input_tokens": "input", "cache_read_tokens": "cache_read",
                  "cache_write_tokens": "cache_write", "output_tokens": "output"}
SNAPSHOT = (*TOKEN_FIELDS, "requests", "cost_pico")


def minor_digits(currency: str) -> int:
    return MINOR_UNITS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_digits(currency))


def round_money(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(quantum(currency), rounding=ROUNDING)


def to_minor(amount: Decimal, currency: str) -> int:
    return int(round_money(amount, currency).scaleb(minor_digits(currency)))


def money_text(amount: Decimal, currency: str) -> str:
    return str(round_money(amount, currency))


def rate_for(model: str, rates: dict[str, dict[str, str]]) -> dict[str, Decimal] | None:
    """Per-million prices for `model`: the first glob (in the order given) that matches.
    Cache classes not given cost the same as input; input and output default to 0 only
    when explicitly omitted from every class (a plan is validated to name them)."""
    for glob, prices in rates.items():
        if fnmatchcase(model or "", glob):
            base_input = Decimal(prices.get("input", "0"))
            return {
                "input": base_input,
                "cache_read": Decimal(prices.get("cache_read", base_input)),
                "cache_write": Decimal(prices.get("cache_write", base_input)),
                "output": Decimal(prices.get("output", "0")),
            }
    return None


@dataclass
class RowCharge:
    """One usage row's change since it was last billed, and what it costs."""

    row: dict
    kind: str  # usage | adjustment
    basis: str  # billed | estimated | rate
    delta: dict[str, int]  # SNAPSHOT fields: what this invoice bills of the row
    amount: Decimal  # exact, invoice currency
    basis_cost_pico: int  # the cost this basis charged (picodollars USD; 0 for rate)


@dataclass
class Selection:
    charges: list[RowCharge] = field(default_factory=list)
    unpriced_rows: int = 0
    unchanged_rows: int = 0  # already billed and unchanged (locked)
    ignored_billed_currencies: set[str] = field(default_factory=set)


def billed_factor(row: dict, billed: dict, estimated: dict) -> tuple[Decimal, str] | None:
    """(billed / estimated) of the row's provider day, or None when the provider reported nothing usable."""
    day = row["utc_day"]
    key = (row["source"], row["account"], day)
    entry = billed.get(key)
    if not entry or entry["usd_pico"] is None:
        return None
    est = estimated.get(key, 0)
    if est <= 0:
        return None
    return Decimal(entry["usd_pico"]) / Decimal(est), "billed"


def charge_rows(rows: list[dict], billing: ClientBilling, fx: Decimal, billed: dict, estimated: dict) -> Selection:
    """What each usage row adds to an invoice under `billing` (fx: invoice currency per USD)."""
    sel = Selection()
    markup = Decimal(1) + Decimal(billing.markup_pct) / _HUNDRED
    for entry in billed.values():
        sel.ignored_billed_currencies.update(entry["other"])
    for row in rows:
        prior = row.get("billed") or {f: 0 for f in SNAPSHOT}
        rates = rate_for(row["model"], billing.rates) if billing.plan == "per_model" else None
        if rates is not None:
            basis, basis_cost = "rate", row["cost_pico"] or 0
        elif row["cost_pico"] is None:
            sel.unpriced_rows += 1
            continue
        else:
            factor = billed_factor(row, billed, estimated)
            if factor is None:
                basis, basis_cost = "estimated", row["cost_pico"]
            else:
                basis = "billed"
                basis_cost = int((Decimal(row["cost_pico"]) * factor[0]).to_integral_value(ROUND_HALF_EVEN))
        current = {f: row[f] for f in (*TOKEN_FIELDS, "requests")} | {"cost_pico": basis_cost}
        delta = {f: current[f] - (prior[f] or 0) for f in SNAPSHOT}
        relevant = TOKEN_FIELDS if basis == "rate" else ("cost_pico",)
        if row.get("billed") is not None and not any(delta[f] for f in relevant):
            sel.unchanged_rows += 1
            continue
        if basis == "rate":
            amount = sum((Decimal(delta[f]) * rates[_RATE_OF_FIELD[f]] for f in TOKEN_FIELDS), Decimal(0))
            amount /= TOKENS_PER_RATE_UNIT
        elif billing.plan == "fixed" and not billing.usage_billed:
            amount = Decimal(0)
        else:
            amount = Decimal(delta["cost_pico"]) / _PICO * markup * fx
        kind = "usage" if row.get("billed") is None else "adjustment"
        sel.charges.append(RowCharge(row, kind, basis, delta, amount, delta["cost_pico"]))
    return sel


def group_label(row: dict, group_by: str, zone: tzinfo) -> str:
    if group_by == "model":
        return row["model"] or "(unknown model)"
    if group_by == "project":
        return row["project"] or "(no project)"
    return local_date(row["ts_ms"], zone).isoformat()


BASIS_TEXT = {"billed": "provider-billed cost", "estimated": "estimated cost", "rate": "contract rate",
              "fixed": "fixed fee"}


def describe(kind: str, label: str, basis: str, billing: ClientBilling, numbers: set[str]) -> tuple[str, str]:
    """(description, detail): the line's one-line text and how it was charged."""
    if basis == "fixed":
        return billing.fixed_fee_label, "per invoice"
    if basis == "rate":
        how = "tokens at contract rates"
    else:
        markup = Decimal(billing.markup_pct).normalize()
        how = BASIS_TEXT[basis] + (f" +{markup:f}%" if markup > 0 else f" {markup:f}%" if markup < 0 else "")
    if kind == "adjustment":
        after = f" after {', '.join(sorted(numbers))}" if numbers else ""
        detail = f"usage revised{after}; {how}"
        return f"Adjustment: {label} ({detail})", detail
    return f"{label} ({how})", how


def build_lines(sel: Selection, billing: ClientBilling, group_by: str, zone: tzinfo, currency: str) -> list[dict]:
    """Group row charges into lines (kind, label, basis), round each line once."""
    groups: dict[tuple[str, str, str], dict] = {}
    for charge in sel.charges:
        label = group_label(charge.row, group_by, zone)
        key = (charge.kind, label, charge.basis)
        line = groups.setdefault(key, {
            "kind": charge.kind, "group": label, "basis": charge.basis, "rows": 0, "exact": Decimal(0),
            "cost_pico": 0, "numbers": set(), **{f: 0 for f in (*TOKEN_FIELDS, "requests")},
        })
        line["rows"] += 1
        line["exact"] += charge.amount
        line["cost_pico"] += charge.basis_cost_pico
        for f in (*TOKEN_FIELDS, "requests"):
            line[f] += charge.delta[f]
        if charge.row.get("billed_numbers"):
            line["numbers"].update(charge.row["billed_numbers"].split())
    order = {"usage": 0, "adjustment": 1}
    lines = []
    if billing.plan == "fixed" and Decimal(billing.fixed_fee) > 0:
        fee = Decimal(billing.fixed_fee)
        lines.append(_line("fee", billing.fixed_fee_label, "fixed", describe("fee", "", "fixed", billing, set()),
                           fee, currency))
    for key in sorted(groups, key=lambda k: (order[k[0]], k[1], k[2])):
        g = groups[key]
        desc = describe(g["kind"], g["group"], g["basis"], billing, g["numbers"])
        line = _line(g["kind"], g["group"], g["basis"], desc, g["exact"], currency)
        line.update({f: g[f] for f in (*TOKEN_FIELDS, "requests")})
        line["usage_rows"] = g["rows"]
        line["cost_usd"] = str((Decimal(g["cost_pico"]) / _PICO).quantize(Decimal("0.000001"), ROUND_HALF_EVEN))
        lines.append(line)
    for n, line in enumerate(lines, 1):
        line["position"] = n
    return lines


def _line(kind: str, group: str, basis: str, description: tuple[str, str], exact: Decimal, currency: str) -> dict:
    return {
        "kind": kind, "group": group, "basis": basis, "description": description[0], "detail": description[1],
        **{f: 0 for f in (*TOKEN_FIELDS, "requests")}, "usage_rows": 0, "cost_usd": "0.000000",
        "amount": money_text(exact, currency), "amount_minor": to_minor(exact, currency),
    }


def totals(lines: list[dict], billing: ClientBilling, currency: str) -> dict:
    """Subtotal from rounded lines, discount before tax, each tax on the net, total."""
    subtotal = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    pct = Decimal(billing.discount_pct)
    discount = round_money(subtotal * pct / _HUNDRED, currency)
    net = subtotal - discount
    taxes = []
    for tax in billing.taxes:
        amount = round_money(net * Decimal(tax.rate_pct) / _HUNDRED, currency)
        taxes.append({"name": tax.name, "rate_pct": tax.rate_pct, "base": money_text(net, currency),
                      "amount": money_text(amount, currency)})
    total = net + sum((Decimal(t["amount"]) for t in taxes), Decimal(0))
    return {
        "subtotal": money_text(subtotal, currency),
        "discount_pct": billing.discount_pct,
        "discount": money_text(discount, currency),
        "net": money_text(net, currency),
        "taxes": taxes,
        "tax_total": money_text(total - net, currency),
        "total": money_text(total, currency),
        "total_minor": to_minor(total, currency),
    }


def negate_document_amounts(doc: dict) -> dict:
    """Lines and totals of a credit note: the voided invoice's amounts with the sign flipped
    (token counts unchanged: they say which usage the credit covers)."""
    def neg(text: str) -> str:
        return str(-Decimal(text)) if Decimal(text) != 0 else text

    lines = []
    for line in doc["lines"]:
        flipped = dict(line)
        flipped["amount"] = neg(line["amount"])
        flipped["amount_minor"] = -line["amount_minor"]  # tokens stay as billed: they describe the usage
        lines.append(flipped)
    t = doc["totals"]
    new_totals = dict(t)
    for key in ("subtotal", "discount", "net", "tax_total", "total"):
        new_totals[key] = neg(t[key])
    new_totals["total_minor"] = -t["total_minor"]
    new_totals["taxes"] = [dict(x, base=neg(x["base"]), amount=neg(x["amount"])) for x in t["taxes"]]
    return {"lines": lines, "totals": new_totals}
