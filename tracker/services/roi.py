"""Return on AI spend: cost against value per tag and period, and leverage.

Cost is exact (integer picodollars from the store); value is Decimal. A value
entry that spans several report periods is spread over them in proportion to
the days it shares with each (a monthly amount seen week by week), so the
periods add up to the entry. ROI is value / cost; cost per KPI unit is the
tag's cost in the period over the units produced in it; over several periods
(a tag's summary, the totals) it is the cost of the periods (and tags) that
produced the unit over those units, never the cost of every period over the
units of a few. Value in a currency with no USD rate is not converted: it is
listed apart (`unconverted_value`), never silently left out or counted as $0.

Trend: over the last `TREND_PERIODS` complete periods, the later half against
the earlier half. A tag is flagged when its cost grew by more than
`COST_GROWTH_FLAG_PCT` percent while its value (money, or KPI units when it has
no money entries) grew by no more than `VALUE_FLAT_PCT` percent (a flat fee
spread over weeks of unequal months wobbles by a few percent).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal

from tracker.core.money import PICO_PER_USD, format_usd, pico_to_usd
from tracker.core.timeutil import Window, local_date, next_period_start, now_ms, windows, zone_name
from tracker.services import cost_basis
from tracker.services.plans import FX_SETTING  # noqa: F401  (re-exported: `tracker value rate` sets it)
from tracker.storage import Store
from tracker.storage.value import UNTAGGED

ROI_PERIODS = ("week", "month")
TREND_PERIODS = 4
COST_GROWTH_FLAG_PCT = 10
VALUE_FLAT_PCT = 5
LEVERAGE_WINDOW_DAYS = 28
LEVERAGE_REFERENCE_SHARE = Decimal("0.5")  # a share cited for elite engineers; informative, not a target
DAYS_PER_YEAR = 365
COMPENSATION_SETTING = "value.annual_compensation"  # {"amount": "150000", "currency": "USD"}
RATIO_PLACES = Decimal("0.0001")
MONEY_PLACES = Decimal("0.01")
PCT_PLACES = Decimal("0.1")


@dataclass(frozen=True)
class Period:
    label: str
    first: date  # inclusive local days, clipped to the report range
    last: date
    start_ms: int
    end_ms: int
    complete: bool


def _periods(since: date, until: date, period: str, zone: tzinfo, today: date) -> list[Period]:
    result = []
    for w in windows(since, until, period, zone):
        first = max(w.start_day, since)
        last = min(next_period_start(w.start_day, period) - timedelta(days=1), until)
        complete = last < today and last == next_period_start(w.start_day, period) - timedelta(days=1) \
            and first == w.start_day
        result.append(Period(w.label, first, last, w.start_ms, w.end_ms, complete))
    return result


def ratio(value_usd: Decimal, cost_pico: int) -> Decimal | None:
    """value / cost, exact until the final rounding; None when there is no cost."""
    if cost_pico <= 0:
        return None
    return (value_usd * PICO_PER_USD / cost_pico).quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN)


def cost_per_unit(cost_pico: int, quantity: Decimal) -> str | None:
    if quantity <= 0:
        return None
    return format_usd(int((Decimal(cost_pico) / quantity).to_integral_value(rounding=ROUND_HALF_EVEN)))


def _money(value: Decimal) -> str:
    return str(value.quantize(MONEY_PLACES, rounding=ROUND_HALF_EVEN))


def _share(entry: dict, first: date, last: date) -> Decimal:
    """The part of an entry that falls in [first, last], by days."""
    start, end = date.fromisoformat(entry["period_start"]), date.fromisoformat(entry["period_end"])
    overlap = (min(end, last) - max(start, first)).days + 1
    if overlap <= 0:
        return Decimal(0)
    total = (end - start).days + 1
    amount = Decimal(entry["amount"])
    return amount if overlap == total else amount * overlap / total


@dataclass
class _Cell:
    cost_pico: int = 0
    requests: int = 0
    unpriced: int = 0
    value_usd: Decimal = Decimal(0)
    has_money: bool = False
    kpis: dict | None = None
    unconverted: dict | None = None
    # per KPI unit, the cost of the periods that produced it (set on cells that sum several periods;
    # a single period's cell has none: its own cost is the cost of each of its units)
    kpi_costs: dict | None = None

    def __post_init__(self):
        self.kpis = self.kpis or defaultdict(Decimal)
        self.unconverted = self.unconverted or defaultdict(Decimal)
        self.kpi_costs = self.kpi_costs or defaultdict(int)

    def cost_of(self, unit: str) -> int:
        """The cost that produced this KPI unit: not the cost of periods (or tags) that produced none."""
        return self.kpi_costs[unit] if unit in self.kpi_costs else self.cost_pico

    def add(self, other: "_Cell") -> None:
        self.cost_pico += other.cost_pico
        self.requests += other.requests
        self.unpriced += other.unpriced
        self.value_usd += other.value_usd
        self.has_money |= other.has_money
        for unit, q in other.kpis.items():
            self.kpis[unit] += q
            self.kpi_costs[unit] += other.cost_of(unit)
        for cur, a in other.unconverted.items():
            self.unconverted[cur] += a

    def measure(self) -> Decimal:
        """The value that trends are judged on: money if any, else KPI units."""
        return self.value_usd if self.has_money else sum(self.kpis.values(), Decimal(0))

    def public(self) -> dict:
        return {
            "cost_usd": format_usd(self.cost_pico),
            "value_usd": _money(self.value_usd) if self.has_money else None,
            "roi": _str(ratio(self.value_usd, self.cost_pico)) if self.has_money else None,
            "kpis": [
                {"unit": unit, "quantity": _qty(q), "cost_per_unit_usd": cost_per_unit(self.cost_of(unit), q)}
                for unit, q in sorted(self.kpis.items())
            ],
            "unconverted_value": {cur: _money(a) for cur, a in sorted(self.unconverted.items())},
            "requests": self.requests,
            "unpriced_requests": self.unpriced,
        }


def _str(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _qty(value: Decimal) -> str:
    exact = value.quantize(RATIO_PLACES, rounding=ROUND_HALF_EVEN)
    return format(exact.normalize(), "f") if exact == exact.to_integral_value() else str(exact)


def _growth_pct(earlier: Decimal, later: Decimal) -> str | None:
    if earlier <= 0:
        return None
    return str(((later - earlier) * 100 / earlier).quantize(PCT_PLACES, rounding=ROUND_HALF_EVEN))


def trend(cells: list[_Cell]) -> dict:
    """Later half against earlier half of the given complete periods (oldest first)."""
    cells = cells[-TREND_PERIODS:]
    if len(cells) % 2:
        cells = cells[1:]
    if len(cells) < 2:
        return {"periods": len(cells), "cost_change_pct": None, "value_change_pct": None,
                "cost_grows_value_flat": False}
    half = len(cells) // 2
    cost_a = sum(c.cost_pico for c in cells[:half])
    cost_b = sum(c.cost_pico for c in cells[half:])
    value_a = sum((c.measure() for c in cells[:half]), Decimal(0))
    value_b = sum((c.measure() for c in cells[half:]), Decimal(0))
    # integer comparison: no rounding decides the flag
    cost_grows = cost_b * 100 > cost_a * (100 + COST_GROWTH_FLAG_PCT)
    value_flat = value_b * 100 <= value_a * (100 + VALUE_FLAT_PCT)
    return {
        "periods": len(cells),
        "cost_change_pct": _growth_pct(Decimal(cost_a), Decimal(cost_b)),
        "value_change_pct": _growth_pct(value_a, value_b),
        "cost_grows_value_flat": bool(cost_grows and value_flat),
    }


def _fx_rates(store: Store) -> dict[str, Decimal]:
    rates = {"USD": Decimal(1)}
    for cur, rate in (store.get_setting(FX_SETTING) or {}).items():
        try:
            rates[str(cur).upper()] = Decimal(str(rate))
        except ArithmeticError:
            continue
    return rates


def leverage(store: Store, zone: tzinfo, today: date) -> dict | None:
    """Annualised AI spend (last 28 complete days x 365/28) as a share of annual compensation."""
    setting = store.get_setting(COMPENSATION_SETTING)
    if not setting:
        return None
    amount = Decimal(str(setting.get("amount")))
    currency = str(setting.get("currency") or "USD").upper()
    rate = _fx_rates(store).get(currency)
    last = today - timedelta(days=1)
    first = today - timedelta(days=LEVERAGE_WINDOW_DAYS)
    wins = windows(first, last, "day", zone)
    # what the AI work cost: plan-covered usage at its share of the plan's price
    cost = sum(r["cost_pico"] for r in cost_basis.aggregate(store, zone, wins, group_by=[],
                                                           basis=cost_basis.BASIS_PLAN_SHARE))
    annual_pico = cost * DAYS_PER_YEAR // LEVERAGE_WINDOW_DAYS
    result = {
        "annual_compensation": _money(amount), "currency": currency, "window_days": LEVERAGE_WINDOW_DAYS,
        "window": {"since": first.isoformat(), "until": last.isoformat()},
        "annualised_spend_usd": format_usd(annual_pico, 2), "share": None,
        "reference_share": str(LEVERAGE_REFERENCE_SHARE), "note": "informative, never a quota",
    }
    if rate is None:
        result["note"] = f"no USD rate for {currency}: set one with `tracker value rate {currency} RATE`"
    elif amount > 0:
        result["share"] = str((pico_to_usd(annual_pico) / (amount * rate)).quantize(RATIO_PLACES))
    return result


def roi_report(store: Store, zone: tzinfo, period: str = "month", since: date | None = None,
               until: date | None = None, today: date | None = None) -> dict:
    """ROI per tag and period, read from one snapshot (a sync committing meanwhile cannot tear it)."""
    with store.read_snapshot():
        return _roi_report(store, zone, period, since, until, today)


def _roi_report(store: Store, zone: tzinfo, period: str, since: date | None, until: date | None,
                today: date | None) -> dict:
    if period not in ROI_PERIODS:
        raise ValueError(f"--period must be one of {', '.join(ROI_PERIODS)}")
    today = today or local_date(now_ms(), zone)
    span = store.time_range_ms()
    if since is None:
        since = local_date(span[0], zone) if span else today.replace(day=1)
    if until is None:
        until = max(today, local_date(span[1], zone)) if span else today
    if until < since:
        raise ValueError(f"--until {until} is before --since {since}")
    periods = _periods(since, until, period, zone, today)
    tags = {t["id"]: t for t in store.tags()}
    rates = _fx_rates(store)
    cells: dict[tuple[int | None, str], _Cell] = defaultdict(_Cell)
    wins = [Window(p.label, p.first, p.start_ms, p.end_ms) for p in periods]
    for row in cost_basis.aggregate(store, zone, wins, group_by=["tag_id"], basis=cost_basis.BASIS_PLAN_SHARE):
        cell = cells[(row["tag_id"], row["period"])]
        cell.cost_pico += row["cost_pico"]
        cell.requests += row["requests"]
        cell.unpriced += row["unpriced_requests"]
    for entry in store.value_entries(since_day=since.isoformat(), until_day=until.isoformat()):
        for p in periods:
            part = _share(entry, p.first, p.last)
            if not part:
                continue
            cell = cells[(entry["tag_id"], p.label)]
            if entry["kind"] == "kpi":
                cell.kpis[entry["unit"]] += part
            elif entry["currency"] in rates:
                cell.value_usd += part * rates[entry["currency"]]
                cell.has_money = True
            else:
                cell.unconverted[entry["currency"]] += part
    present = {tag_id for tag_id, _ in cells}
    ordered_tags = sorted((t for t in present if t is not None), key=lambda t: (tags[t]["kind"], tags[t]["name"]))
    if None in present:
        ordered_tags.append(None)
    rows, summaries = [], []
    grand = _Cell()
    for tag_id in ordered_tags:
        name = tags[tag_id]["name"] if tag_id is not None else UNTAGGED
        kind = tags[tag_id]["kind"] if tag_id is not None else None
        total = _Cell()
        for p in periods:
            cell = cells.get((tag_id, p.label)) or _Cell()
            total.add(cell)
            rows.append({"period": p.label, "start": p.first.isoformat(), "end": p.last.isoformat(),
                         "complete": p.complete, "tag": name, "tag_kind": kind} | cell.public())
        grand.add(total)  # per KPI unit, the cost of the tags (and periods) that produced it
        complete_cells = [cells.get((tag_id, p.label)) or _Cell() for p in periods if p.complete]
        tr = trend(complete_cells)
        if tag_id is None:
            tr["cost_grows_value_flat"] = False  # untagged usage has no value to judge
        summaries.append({"tag": name, "tag_kind": kind} | total.public() | {"trend": tr})
    summaries.sort(key=lambda s: (s["roi"] is None, -Decimal(s["roi"] or 0), s["tag"]))
    for rank, s in enumerate(summaries, 1):
        s["rank"] = rank if s["roi"] is not None else None
    untagged = sum(c.cost_pico for (t, _), c in cells.items() if t is None)
    grand_figures = grand.public()
    notes = [
        "cost is estimated at the price in force on each request's date; unpriced requests are not in it",
        "a value entry spanning several periods is spread over them by days",
        f"flag: cost up more than {COST_GROWTH_FLAG_PCT}% over the last {TREND_PERIODS} complete periods "
        f"(later half against earlier half) while value grew {VALUE_FLAT_PCT}% or less",
    ]
    notes += [unconverted_note(currency, amount) for currency, amount in grand_figures["unconverted_value"].items()]
    if periods and cost_basis.segments(store, zone, periods[0].start_ms, periods[-1].end_ms):
        notes.append("usage a subscription plan covers costs its share of the plan's monthly price (shared in "
                     "proportion to its API-equivalent cost), not its API-equivalent cost: `tracker plans value`")
    return {
        "timezone": zone_name(zone), "period": period, "since": since.isoformat(), "until": until.isoformat(),
        "currency": "USD",
        "rows": rows,
        "tags": summaries,
        "totals": grand_figures | {"untagged_cost_usd": format_usd(untagged)},
        "flagged": [s["tag"] for s in summaries if s["trend"]["cost_grows_value_flat"]],
        "leverage": leverage(store, zone, today),
        "notes": notes,
    }


def unconverted_note(currency: str, amount: str) -> str:
    return (f"value of {amount} {currency} is not converted (no USD rate for {currency}) and is not in any ROI: "
            f"set a rate with `tracker value rate {currency} RATE`")


def value_text(figures: dict) -> str:
    """A tag's (or the totals') value as a person reads it: USD, and what could not be converted."""
    parts = [f"${Decimal(figures['value_usd']):,.2f}"] if figures.get("value_usd") else []
    parts += [f"{amount} {currency} not converted" for currency, amount in figures["unconverted_value"].items()]
    return "; ".join(parts)
