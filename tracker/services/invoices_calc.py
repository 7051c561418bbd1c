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
   (`basis`: billed | estimated | rate); lines never mix bases, except for a
   client who does not see costs: to them a model is one line (its internal
   basis then reads "billed+estimated").
6. A row with no known price is never billed at zero: under a cost-based plan
   it is left out, not locked, and counted in the invoice's warnings.
7. A row already billed is billed again only for a revision of its usage (its
   tokens changed): a re-price, a provider figure arriving later or a change of
   the client's plan is the contractor's affair, not the client's (unless the
   client's `adjust_reprices` says otherwise). The revision is charged at the
   row's current basis: the token difference at contract rates, or the cost
   difference when the row was billed at the same cost basis before (else the
   current cost in proportion to the tokens added).
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

    @property
    def rows_billed(self) -> int:
        return sum(usage_rows(c.row) for c in self.charges)


def usage_rows(row: dict) -> int:
    """How many usage rows a row stands for (a row summed per hour stands for several)."""
    return row.get("rows", 1)


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
        fresh = row.get("billed") is None or not row.get("billed_as_usage", True)
        token_delta = {f: row[f] - (prior[f] or 0) for f in TOKEN_FIELDS}
        if rates is not None:
            basis, basis_cost = "rate", row["cost_pico"] or 0
        elif row["cost_pico"] is None:
            if not fresh and not any(token_delta.values()):
                sel.unchanged_rows += usage_rows(row)  # billed before it lost its price: nothing new to bill
            else:
                sel.unpriced_rows += usage_rows(row)
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
        same_basis = fresh or _same_basis(row, basis, prior)
        revised = any(token_delta.values())
        repriced = billing.adjust_reprices and same_basis and basis != "rate" and delta["cost_pico"] != 0
        if (not fresh and not revised and not repriced) or (row.get("billed") is not None and not any(delta.values())):
            sel.unchanged_rows += usage_rows(row)
            continue
        if basis == "rate":
            amount = sum((Decimal(token_delta[f]) * rates[_RATE_OF_FIELD[f]] for f in TOKEN_FIELDS), Decimal(0))
            amount /= TOKENS_PER_RATE_UNIT
            charged_cost = delta["cost_pico"]
        else:
            charged_cost = delta["cost_pico"] if same_basis else _cost_of_revision(basis_cost, prior, current)
            if billing.plan == "fixed" and not billing.usage_billed:
                amount = Decimal(0)
            else:
                amount = Decimal(charged_cost) / _PICO * markup * fx
        kind = "usage" if fresh else "adjustment"
        sel.charges.append(RowCharge(row, kind, basis, delta, amount, charged_cost))
    return sel


def _same_basis(row: dict, basis: str, prior: dict) -> bool:
    """Whether every standing lock of the row billed it at `basis` (so its recorded cost compares)."""
    bases = row.get("billed_bases") or {"?"}
    if bases == {"?"}:  # locks from before the basis was recorded: a cost of 0 was a contract-rate lock
        return basis == "rate" or (prior.get("cost_pico") or 0) != 0
    return bases == {basis}


def _cost_of_revision(cost_now: int, prior: dict, current: dict) -> int:
    """The part of the row's current cost that its added tokens stand for (the row was billed at
    another basis, so its recorded cost does not compare): cost x (tokens added / tokens now)."""
    now_total = sum(current[f] for f in TOKEN_FIELDS)
    added = now_total - sum((prior[f] or 0) for f in TOKEN_FIELDS)
    if now_total <= 0:
        return -(prior.get("cost_pico") or 0)
    return int((Decimal(cost_now) * added / now_total).to_integral_value(ROUND_HALF_EVEN))


def group_label(row: dict, group_by: str, zone: tzinfo) -> str:
    if group_by == "model":
        return row["model"] or "(unknown model)"
    if group_by == "project":
        return row["project"] or "(no project)"
    return local_date(row["ts_ms"], zone).isoformat()


BASIS_TEXT = {"billed": "provider-billed cost", "estimated": "estimated cost", "rate": "contract rate",
              "fixed": "fixed fee"}


def markup_text(billing: ClientBilling) -> str:
    markup = Decimal(billing.markup_pct).normalize()
    return f" +{markup:f}%" if markup > 0 else f" {markup:f}%" if markup < 0 else ""


def describe(kind: str, label: str, basis: str, billing: ClientBilling, numbers: set[str],
             show: str = "cost") -> tuple[str, str]:
    """(description, detail): the line's one-line text and how it was charged, as far as `show` discloses.

    `show` "cost" says the basis and the markup (the contractor's own view, or a client who agreed to
    cost-plus openly); "tokens" and "amounts" say only that it is AI usage (and contract rates, which
    the client agreed to)."""
    if basis == "rate":
        how = "tokens at contract rates"
    elif show == "cost":
        how = BASIS_TEXT[basis] + markup_text(billing)
    else:
        how = "AI usage"
    if kind == "adjustment":
        after = f" after {', '.join(sorted(numbers))}" if numbers else ""
        detail = f"usage revised{after}; {how}"
        return f"Adjustment: {label} ({detail})", detail
    return f"{label} ({how})", how


def build_lines(sel: Selection, billing: ClientBilling, group_by: str, zone: tzinfo, currency: str,
                show: str = "cost") -> list[dict]:
    """Group row charges into usage lines (kind, label, basis), each rounded once.

    Each line carries what a client may see (per `show`) and, under "internal", what only the
    contractor sees: the basis, the underlying cost and the markup (see `invoices_view`)."""
    groups: dict[tuple[str, str, str], dict] = {}
    for charge in sel.charges:
        label = group_label(charge.row, group_by, zone)
        # A client who does not see costs sees one line per model (or project, day): the provider-billed
        # and estimated parts of it are one line to them. Contract rates stay apart (their own detail).
        shown_basis = charge.basis if show == "cost" or charge.basis == "rate" else "cost"
        key = (charge.kind, label, shown_basis)
        line = groups.setdefault(key, {
            "kind": charge.kind, "group": label, "basis": charge.basis, "bases": set(), "rows": 0,
            "exact": Decimal(0), "cost_pico": 0, "numbers": set(), **{f: 0 for f in (*TOKEN_FIELDS, "requests")},
        })
        line["bases"].add(charge.basis)
        line["rows"] += usage_rows(charge.row)
        line["exact"] += charge.amount
        line["cost_pico"] += charge.basis_cost_pico
        for f in (*TOKEN_FIELDS, "requests"):
            line[f] += charge.delta[f]
        if charge.row.get("billed_numbers") and charge.kind == "adjustment":
            line["numbers"].update(charge.row["billed_numbers"].split())
    order = {"usage": 0, "adjustment": 1}
    lines = []
    for key in sorted(groups, key=lambda k: (order[k[0]], k[1], k[2])):
        g = groups[key]
        desc = describe(g["kind"], g["group"], g["basis"], billing, g["numbers"], show)
        line = money_line(g["kind"], g["group"], desc, g["exact"], currency)
        line.update({f: g[f] for f in (*TOKEN_FIELDS, "requests")})
        line["usage_rows"] = g["rows"]
        cost_usd = (Decimal(g["cost_pico"]) / _PICO).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)
        basis = "+".join(sorted(g["bases"]))  # "billed+estimated" when a client's line merged both
        line["internal"] = {
            "basis": basis, "cost_usd": str(cost_usd), "markup_pct": billing.markup_pct,
            "description": " + ".join(describe(g["kind"], g["group"], b, billing, g["numbers"], "cost")[0]
                                      for b in sorted(g["bases"])),
        }
        lines.append(line)
    return lines


def money_line(kind: str, group: str, description: tuple[str, str], exact: Decimal, currency: str,
               quantity: str = "1", unit: str = "C62", unit_price: str | None = None) -> dict:
    """A line of any kind: description, quantity x unit price (UN/ECE rec 20 unit) and its amount,
    rounded once. Usage lines are one unit at their amount."""
    amount = money_text(exact, currency)
    return {
        "kind": kind, "group": group, "description": description[0], "detail": description[1],
        "quantity": quantity, "unit": unit, "unit_price": unit_price if unit_price is not None else amount,
        **{f: 0 for f in (*TOKEN_FIELDS, "requests")}, "usage_rows": 0,
        "amount": amount, "amount_minor": to_minor(exact, currency),
    }


def totals(lines: list[dict], billing: ClientBilling, currency: str, allowances: list[dict] = ()) -> dict:
    """Subtotal from rounded lines; the percentage discount (of the subtotal) and fixed discounts
    (`allowances`: reason, amount) before tax; each tax on the net; total.

    Under reverse charge or an exemption no tax is charged (the document says why, see
    `invoices_tax`), whatever taxes the client has."""
    subtotal = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    pct = Decimal(billing.discount_pct)
    discount = round_money(subtotal * pct / _HUNDRED, currency)
    fixed = [{"reason": a["reason"], "amount": money_text(Decimal(a["amount"]), currency)} for a in allowances]
    allowance_total = discount + sum((Decimal(a["amount"]) for a in fixed), Decimal(0))
    net = subtotal - allowance_total
    taxes = []
    for tax in (billing.taxes if billing.tax_treatment == "standard" else []):
        amount = round_money(net * Decimal(tax.rate_pct) / _HUNDRED, currency)
        taxes.append({"name": tax.name, "rate_pct": tax.rate_pct, "base": money_text(net, currency),
                      "amount": money_text(amount, currency)})
    total = net + sum((Decimal(t["amount"]) for t in taxes), Decimal(0))
    return {
        "subtotal": money_text(subtotal, currency),
        "discount_pct": billing.discount_pct,
        "discount": money_text(discount, currency),
        "allowances": fixed,
        "allowance_total": money_text(allowance_total, currency),
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
        if "unit_price" in line:  # quantity x unit price still gives the amount
            flipped["unit_price"] = neg(line["unit_price"])
        flipped["amount_minor"] = -line["amount_minor"]  # tokens stay as billed: they describe the usage
        lines.append(flipped)
    t = doc["totals"]
    new_totals = dict(t)
    for key in ("subtotal", "discount", "allowance_total", "net", "tax_total", "total"):
        if key in t:
            new_totals[key] = neg(t[key])
    new_totals["total_minor"] = -t["total_minor"]
    new_totals["taxes"] = [dict(x, base=neg(x["base"]), amount=neg(x["amount"])) for x in t["taxes"]]
    if "allowances" in t:
        new_totals["allowances"] = [dict(a, amount=neg(a["amount"])) for a in t["allowances"]]
    return {"lines": lines, "totals": new_totals}
