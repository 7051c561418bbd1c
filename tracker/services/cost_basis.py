"""The cost basis: what usage costs in money, knowing the user's plans (DESIGN.md section 9).

Which usage a plan covers: the events of the plan's agent (Claude Code for a
Claude plan, Codex for a ChatGPT plan, Gemini CLI for a Google AI plan) from
the plan's start day, while the plan is set (to its end day, or the day before
the agent's next plan), days cut in the user's timezone. Provider accounts'
usage (API keys) is never covered: it is billed as it goes.

Every money view reads its figures through `aggregate` with one of three bases:

- ``pay_as_you_go`` (spend, forecast, reports' cost): covered usage costs
  nothing here; the plan's fee is shown beside it, never added as usage.
- ``plan_share`` (ROI, leverage, invoices that bill plan usage as a share): the
  plan's price for a month is shared among the usage it covered that month in
  proportion to each request's API-equivalent cost, so a month's covered usage
  adds up to what the plan cost that month (converted to USD at the user's rate).
- ``api_equivalent``: list price for everything (analysis, "what it would cost").

Rows keep `api_equivalent_pico` (list price) and `plan_covered_pico` (the
API-equivalent part a plan covered) beside `cost_pico` (the chosen basis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from collections.abc import Sequence

from tracker.core.timeutil import Window, local_date, local_midnight, next_period_start, now_ms, to_ms
from tracker.services.plans import (
    PlanSpan, list_plans, multiple, plan_spans, price_share, to_usd_pico, usd_per_currency,
)
from tracker.storage import Store
from tracker.storage.migrations import HOUR_MS  # the hourly rollups' grain
from tracker.storage.plans import PlanRow

BASIS_PAY_AS_YOU_GO = "pay_as_you_go"
BASIS_PLAN_SHARE = "plan_share"
BASIS_API_EQUIVALENT = "api_equivalent"
BASES = (BASIS_PAY_AS_YOU_GO, BASIS_PLAN_SHARE, BASIS_API_EQUIVALENT)
_LABEL_SEP = "\x1f"  # between a window's label and a segment's index in the covered windows' labels


@dataclass(frozen=True)
class Segment:
    """The days of one month one plan covers (inclusive local days), as a UTC interval."""

    plan: PlanRow
    month: date  # first day of the month
    first: date
    last: date
    start_ms: int
    end_ms: int

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def covers(self, source: str, ts_ms: int) -> bool:
        return source == self.plan.source and self.start_ms <= ts_ms < self.end_ms


def has_plans(store: Store) -> bool:
    return bool(list_plans(store))


def segments(store: Store, zone: tzinfo, start_ms: int, end_ms: int,
             spans: Sequence[PlanSpan] | None = None) -> list[Segment]:
    """Plan-months that overlap [start_ms, end_ms). A running plan runs to the end of the later of
    this month and the month of `end_ms` (its fee for the month is paid at the start)."""
    spans = plan_spans(list_plans(store)) if spans is None else spans
    if not spans:
        return []
    horizon = max(local_date(max(start_ms, end_ms - 1), zone), local_date(now_ms(), zone))
    open_last = next_period_start(horizon.replace(day=1), "month") - timedelta(days=1)
    result = []
    for span in spans:
        last = span.last or open_last
        month = span.first.replace(day=1)
        while month <= last:
            following = next_period_start(month, "month")
            first_day, last_day = max(span.first, month), min(last, following - timedelta(days=1))
            lo = to_ms(local_midnight(first_day, zone))
            hi = to_ms(local_midnight(last_day + timedelta(days=1), zone))
            if lo < end_ms and hi > start_ms:
                result.append(Segment(span.plan, month, first_day, last_day, lo, hi))
            month = following
    return result


def _covered_api_cost(store: Store, segs: Sequence[Segment]) -> list[int]:
    """The API-equivalent cost of the usage each whole segment covered (priced requests)."""
    totals = [0] * len(segs)
    for source in sorted({s.plan.source for s in segs}):
        wins = [Window(str(i), s.first, s.start_ms, s.end_ms) for i, s in enumerate(segs) if s.plan.source == source]
        for row in store.aggregate(wins, group_by=[], sources=[source], include_buckets=False, tokens=False):
            totals[int(row["period"])] += row["cost_pico"]
    return totals


def share_factors(store: Store, segs: Sequence[Segment]) -> list[Fraction | None]:
    """Per segment: the plan's USD price share over the API-equivalent cost it covered (None: no rate
    for the plan's currency, or nothing covered)."""
    rates = usd_per_currency(store)
    covered = _covered_api_cost(store, segs)
    factors: list[Fraction | None] = []
    for seg, api in zip(segs, covered):
        price = to_usd_pico(price_share(seg.plan, seg.days, seg.month), seg.plan.currency, rates)
        factors.append(Fraction(price, api) if price is not None and api > 0 else None)
    return factors


def _charged(covered_pico: int, factor: Fraction | None) -> int:
    if factor is None:
        return 0
    return int((Decimal(covered_pico) * factor.numerator / factor.denominator).to_integral_value(ROUND_HALF_EVEN))


def aggregate(store: Store, zone: tzinfo, wins: Sequence[Window], group_by: Sequence[str] = ("source", "model"),
              sources: Sequence[str] | None = None, include_buckets: bool = True, tokens: bool = True,
              basis: str = BASIS_PAY_AS_YOU_GO) -> list[dict]:
    """Store.aggregate's rows on a cost basis (see the module docstring).

    `cost_pico` and `unpriced_requests` follow the basis (a covered request with
    no known price is no unknown money on a plan); `api_equivalent_pico` and
    `plan_covered_pico` (with `plan_covered_requests`) are always there.
    """
    if basis not in BASES:
        raise ValueError(f"unknown cost basis {basis!r}; choose one of {', '.join(BASES)}")
    segs = []
    if basis != BASIS_API_EQUIVALENT and wins:
        segs = segments(store, zone, min(w.start_ms for w in wins), max(w.end_ms for w in wins))
        if sources:
            segs = [s for s in segs if s.plan.source in sources]
    covered = _covered_spans(segs) if basis == BASIS_PAY_AS_YOU_GO else None
    rows = None
    if covered:  # the usage and the part the plans covered in one pass (over a rollup), when it can
        rows = store.aggregate_covered(wins, group_by, sources, covered, include_buckets=include_buckets,
                                       tokens=tokens)
    one_pass = rows is not None
    if rows is None:
        rows = store.aggregate(wins, group_by=group_by, sources=sources, include_buckets=include_buckets,
                               tokens=tokens)
    for row in rows:
        row["api_equivalent_pico"] = row["cost_pico"]
        row["plan_covered_pico"] = 0
        row["plan_covered_requests"] = 0
    if not segs:
        return rows
    index = {(row["period"], *(row[k] for k in group_by)): row for row in rows}
    if one_pass:
        for part in rows:
            sums = part.pop("_covered", None)
            if sums is not None:  # (the row it is added to, as below: of two with the same keys, the later)
                _cover(index[(part["period"], *(part[k] for k in group_by))], *sums, None)
        return rows
    factors = share_factors(store, segs) if basis == BASIS_PLAN_SHARE else [None] * len(segs)
    for source in sorted({s.plan.source for s in segs}):
        covered_wins = []
        for i, seg in enumerate(segs):
            if seg.plan.source != source:
                continue
            for w in wins:
                lo, hi = max(w.start_ms, seg.start_ms), min(w.end_ms, seg.end_ms)
                if lo < hi:
                    covered_wins.append(Window(f"{w.label}{_LABEL_SEP}{i}", w.start_day, lo, hi))
        if not covered_wins:
            continue
        for part in store.aggregate(covered_wins, group_by=group_by, sources=[source], include_buckets=False,
                                    tokens=False):
            label, _, seg_index = part["period"].rpartition(_LABEL_SEP)
            row = index.get((label, *(part[k] for k in group_by)))
            if row is None:  # cannot happen: the covered part is a part of a row
                continue
            _cover(row, part["cost_pico"], part["requests"], part["unpriced_requests"], factors[int(seg_index)])
    return rows


def _cover(row: dict, covered_pico: int, requests: int, unpriced: int, factor: Fraction | None) -> None:
    """Move a plan-covered part of `row`'s usage (its API-equivalent cost, requests, unpriced requests)
    out of what the row costs: the plan pays it (at its share `factor`, or nothing)."""
    row["plan_covered_pico"] += covered_pico
    row["plan_covered_requests"] += requests
    row["unpriced_requests"] -= unpriced
    row["cost_pico"] -= covered_pico - _charged(covered_pico, factor)


def _covered_spans(segs: Sequence[Segment]) -> dict[str, list[tuple[int, int]]] | None:
    """Each plan source's covered times, when an hourly rollup can tell covered hours from the rest in
    the same pass as the usage (Store.aggregate_covered): spans of whole UTC hours (the local midnights of
    a whole-hour zone) that do not overlap (two plans' months on one source would count twice apart)."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for seg in segs:
        if seg.start_ms % HOUR_MS or seg.end_ms % HOUR_MS:
            return None
        spans.setdefault(seg.plan.source, []).append((seg.start_ms, seg.end_ms))
    for source_spans in spans.values():
        source_spans.sort()
        if any(a[1] > b[0] for a, b in zip(source_spans, source_spans[1:])):
            return None
    return spans or None


def rows_at_plan_share(store: Store, zone: tzinfo, rows: list[dict]) -> list[dict]:
    """Usage rows (dicts with source, ts_ms, cost_pico and `table`) with the cost of the plan-covered
    ones set to their share of the plan's price (BASIS_PLAN_SHARE): for invoices that bill plan usage
    as a share of the plan. Rows no plan covers, and unpriced rows, are returned as they are."""
    def chargeable(row: dict) -> bool:
        return row.get("table", "events") == "events" and row.get("ts_ms") is not None \
            and row.get("cost_pico") is not None

    times = [r["ts_ms"] for r in rows if chargeable(r)]
    if not times:
        return rows
    segs = segments(store, zone, min(times), max(times) + 1)
    if not segs:
        return rows
    factors = share_factors(store, segs)
    result = []
    for row in rows:
        if chargeable(row):
            for seg, factor in zip(segs, factors):
                if seg.covers(row["source"], row["ts_ms"]):
                    row = dict(row, cost_pico=_charged(row["cost_pico"], factor), plan_covered=True)
                    break
        result.append(row)
    return result


# -- what a plan is worth -------------------------------------------------------------
@dataclass
class PlanMonth:
    plan: PlanRow
    month: date
    first: date  # covered days of the month
    last: date
    price_share: Decimal  # the part of the monthly price for the covered days (plan currency)
    price_usd_pico: int | None  # None: no USD rate for the plan's currency
    covered_pico: int = 0  # API-equivalent cost of the usage it covered (priced requests)
    requests: int = 0
    unpriced_requests: int = 0

    @property
    def multiple(self):
        return multiple(self.covered_pico, self.price_usd_pico)

    @property
    def saved_pico(self) -> int | None:
        """What pay-as-you-go would have cost beyond the plan's price (negative: the plan cost more)."""
        return None if self.price_usd_pico is None else self.covered_pico - self.price_usd_pico


def plan_months(store: Store, zone: tzinfo, since: date, until: date) -> list[PlanMonth]:
    """Per plan and month overlapping [since, until] (local days): price, API-equivalent cost covered, multiple.

    A month's figures cover the whole plan-month (the price is paid for the month), so the current
    month reads "so far" against the whole month's price.
    """
    start_ms = to_ms(local_midnight(since.replace(day=1), zone))
    end_ms = to_ms(local_midnight(next_period_start(until.replace(day=1), "month"), zone))
    segs = segments(store, zone, start_ms, end_ms)
    rates = usd_per_currency(store)
    result = []
    for source in sorted({s.plan.source for s in segs}):
        mine = [s for s in segs if s.plan.source == source]
        wins = [Window(str(i), s.first, s.start_ms, s.end_ms) for i, s in enumerate(mine)]
        figures = {int(r["period"]): r for r in
                   store.aggregate(wins, group_by=[], sources=[source], include_buckets=False, tokens=False)}
        for i, seg in enumerate(mine):
            share = price_share(seg.plan, seg.days, seg.month)
            row = figures.get(i, {})
            result.append(PlanMonth(seg.plan, seg.month, seg.first, seg.last, share,
                                    to_usd_pico(share, seg.plan.currency, rates), row.get("cost_pico", 0),
                                    row.get("requests", 0), row.get("unpriced_requests", 0)))
    result.sort(key=lambda m: (m.month, m.plan.source, m.first))
    return result


def month_plan_fees_pico(store: Store, zone: tzinfo, month_first: date) -> tuple[int, list[str]]:
    """The USD fees of the plans of one month (for a money view to show beside pay-as-you-go spend),
    and the currencies that had no USD rate (left out)."""
    fees, missing = 0, []
    for m in plan_months(store, zone, month_first, month_first):
        if m.month != month_first:
            continue
        if m.price_usd_pico is None:
            missing.append(m.plan.currency)
        else:
            fees += m.price_usd_pico
    return fees, sorted(set(missing))



def plan_value_text(m: PlanMonth) -> str:
    """"your $200 plan covered $1,240 of usage: 6.2x" (the API-equivalent cost against the price)."""
    from tracker.core.money import format_usd_short

    amount = f"{m.price_share:,.2f}".removesuffix(".00")
    price = f"${amount}" if m.plan.currency == "USD" else f"{amount} {m.plan.currency}"
    covered = format_usd_short(m.covered_pico)
    if m.multiple is None:
        return f"your {price} {m.plan.name} plan covered {covered} of usage at API prices (no USD rate for " \
               f"{m.plan.currency}: `tracker value rate {m.plan.currency} RATE`)"
    return f"your {price} {m.plan.name} plan covered {covered} of usage at API prices: {m.multiple}x"


def plan_value_report(store: Store, zone: tzinfo, since: date, until: date, today: date | None = None) -> dict:
    """What each plan was worth, per month: its price, the API-equivalent cost it covered, the multiple."""
    from tracker.core.money import format_usd
    from tracker.core.timeutil import zone_name

    today = today or local_date(now_ms(), zone)
    months = plan_months(store, zone, since, until)
    rows = []
    for m in months:
        rows.append({
            "month": m.month.strftime("%Y-%m"), "source": m.plan.source, "plan_id": m.plan.plan, "plan": m.plan.name,
            "since": m.first.isoformat(), "until": m.last.isoformat(), "complete": m.last < today,
            "currency": m.plan.currency, "price": str(m.price_share.quantize(Decimal("0.01"), ROUND_HALF_EVEN)),
            "price_usd": format_usd(m.price_usd_pico), "api_equivalent_usd": format_usd(m.covered_pico),
            "requests": m.requests, "unpriced_requests": m.unpriced_requests,
            "multiple": None if m.multiple is None else str(m.multiple),
            "saved_usd": format_usd(m.saved_pico), "text": plan_value_text(m),
        })
    priced = [m for m in months if m.price_usd_pico is not None]
    price_total = sum(m.price_usd_pico for m in priced)
    covered_total = sum(m.covered_pico for m in priced)
    return {
        "timezone": zone_name(zone), "since": since.isoformat(), "until": until.isoformat(), "months": rows,
        "totals": {"price_usd": format_usd(price_total), "api_equivalent_usd": format_usd(covered_total),
                   "multiple": None if not price_total else str(multiple(covered_total, price_total)),
                   "saved_usd": format_usd(covered_total - price_total)},
        "notes": [
            "api_equivalent_usd: the usage each plan covered, priced at the list price in force on each request's "
            "date (what the same tokens would have cost with an API key); unpriced requests are not in it",
            "price: the plan's monthly price for the days it covered that month; the current month's figures "
            "are so far, against the whole month's price",
        ],
    }
