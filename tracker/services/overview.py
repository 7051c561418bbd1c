"""The figures the tray and the dashboard show, in one snapshot.

Plain Python over `Store.aggregate`: one daily-window query covers today, the
last 7 days, month to date, the same part of last month, the trailing 28-day
baseline and the chart series, so a refresh stays fast over years of data.

Money stays integer picodollars. The month-end forecast is the alerts'
(services.forecast.month_end_forecast): one rule wherever a forecast is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from fractions import Fraction

from tracker.core.timeutil import UTC, Window, from_ms, local_midnight, next_period_start, now_ms, to_ms, windows
from tracker.services import cost_basis
from tracker.services.forecast import forecast_history_first, month_end_forecast
from tracker.storage import Store

BASELINE_DAYS = 28  # trailing days whose median is "normal" spend
WARN_RATIO = Fraction(3, 2)  # today or the 7-day average above 1.5x the baseline median: warn
DEFAULT_CHART_DAYS = 90


@dataclass
class SourceFigures:
    source: str
    today_pico: int = 0
    week_pico: int = 0
    month_pico: int = 0
    unpriced_requests: int = 0  # month to date
    # the same spans' usage a subscription plan covered, at API-equivalent prices (not in the paid figures)
    plan_covered_today_pico: int = 0
    plan_covered_week_pico: int = 0
    plan_covered_month_pico: int = 0


@dataclass
class DailySeries:
    """Cost per local day for a chart: one list per group, aligned with `days`."""

    days: list[date]
    day_start_s: list[int]  # local midnight of each day, epoch seconds (chart x)
    by_source: dict[str, list[int]]
    by_model: dict[str, list[int]]
    unpriced_by_day: list[int]  # unpriced requests per day
    totals: list[int]


@dataclass
class MonthSeries:
    """Cumulative cost through the current month, with the forecast to its end."""

    days: list[date]  # every day of the month
    day_start_s: list[int]
    cumulative: list[int | None]  # None after today
    forecast: list[int | None]  # from today to the month's end, None before today
    forecast_low: list[int | None]
    forecast_high: list[int | None]
    last_month_cumulative: list[int | None]  # same day number of last month


@dataclass
class BilledRow:
    date: str
    source: str
    estimated_pico: int
    billed_pico: int


@dataclass
class OverviewSnapshot:
    as_of_ms: int
    timezone: str
    today: date
    today_pico: int
    week_pico: int  # last 7 days including today
    month_pico: int  # month to date
    last_month_same_span_pico: int  # 1st of last month to the same day number
    forecast_pico: int
    forecast_low_pico: int
    forecast_high_pico: int
    baseline_median_pico: int  # median daily cost over the 28 days before today
    warning: bool
    warning_reason: str | None
    unpriced_today: int
    unpriced_month: int
    unpriced_models: list[str]  # models with unpriced requests this month
    sources: list[SourceFigures]
    daily: DailySeries
    month: MonthSeries
    billed: list[BilledRow] = field(default_factory=list)
    # Usage subscription plans paid for this month, at API-equivalent cost (not in the spend figures),
    # and the plans' fees for the month in USD (plans in a currency with no USD rate left out).
    plan_covered_month_pico: int = 0
    plan_fees_month_pico: int = 0
    has_data: bool = True
    newest_ms: int | None = None  # the newest usage stored (a history that ended before the chart shows none of it)

    @property
    def change_vs_last_month(self) -> Fraction | None:
        """Month to date against the same days of last month (0.25 = +25%)."""
        if not self.last_month_same_span_pico:
            return None
        return Fraction(self.month_pico - self.last_month_same_span_pico, self.last_month_same_span_pico)


def _median(values: list[int]) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) // 2


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _previous_month_start(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def overview_snapshot(
    store: Store,
    zone: tzinfo,
    chart_days: int = DEFAULT_CHART_DAYS,
    now: int | None = None,
) -> OverviewSnapshot:
    """Every figure of the tray and the Overview page, from one aggregate query."""
    now = now_ms() if now is None else now
    today = from_ms(now).astimezone(zone).date()
    month_start = _month_start(today)
    prev_month_start = _previous_month_start(today)
    month_end = next_period_start(month_start, "month")
    first = min(prev_month_start, today - timedelta(days=max(chart_days, BASELINE_DAYS + 1) - 1))
    wins = windows(first, today, "day", zone)
    # money spent: usage a subscription plan covers is not paid as it goes (its fee is shown apart)
    rows = cost_basis.aggregate(store, zone, wins, group_by=("source", "model"), tokens=False)

    index = {w.start_day: i for i, w in enumerate(wins)}
    n = len(wins)
    totals = [0] * n
    unpriced = [0] * n
    by_source: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    by_model: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    covered_by_source: dict[str, list[int]] = defaultdict(lambda: [0] * n)
    unpriced_by_source_month: dict[str, int] = defaultdict(int)
    unpriced_models: set[str] = set()
    covered_month = 0
    day_of_label = {w.label: w.start_day for w in wins}
    for r in rows:
        i = index[day_of_label[r["period"]]]
        cost = r["cost_pico"]
        if wins[i].start_day >= month_start:
            covered_month += r["plan_covered_pico"]
        totals[i] += cost
        unpriced[i] += r["unpriced_requests"]
        by_source[r["source"]][i] += cost
        covered_by_source[r["source"]][i] += r["plan_covered_pico"]
        by_model[r["model"] or "(unknown)"][i] += cost
        if r["unpriced_requests"] and wins[i].start_day >= month_start:
            unpriced_by_source_month[r["source"]] += r["unpriced_requests"]
            unpriced_models.add(r["model"] or "(unknown)")

    t = index[today]
    m0 = index[month_start]
    week_from = max(0, t - 6)
    today_pico = totals[t]
    week_pico = sum(totals[week_from : t + 1])
    month_pico = sum(totals[m0 : t + 1])
    # last month from its 1st to the same day number (clipped to its length)
    last_span_end = min(prev_month_start + timedelta(days=today.day - 1), month_start - timedelta(days=1))
    last_month_same = sum(totals[index[prev_month_start] : index[last_span_end] + 1])

    history = totals[max(0, t - BASELINE_DAYS) : t]  # the 28 full days before today
    baseline = _median(history)
    week_avg = Fraction(week_pico, t + 1 - week_from)
    warning, reason = False, None
    if baseline > 0:
        if today_pico > WARN_RATIO * baseline:
            warning, reason = True, "today is above 1.5x your usual daily spend"
        elif week_avg > WARN_RATIO * baseline:
            warning, reason = True, "the last 7 days average above 1.5x your usual daily spend"

    span = store.time_range_ms()
    first_data = from_ms(span[0]).astimezone(zone).date() if span else today
    recent_from = index.get(forecast_history_first(today, first_data), 0)
    forecast, low, high = month_end_forecast(month_pico - today_pico, today_pico, totals[recent_from:t],
                                             (month_end - today).days - 1)

    sources = []
    for source, series in sorted(by_source.items()):
        covered = covered_by_source[source]
        figures = SourceFigures(
            source=source,
            today_pico=series[t],
            week_pico=sum(series[week_from : t + 1]),
            month_pico=sum(series[m0 : t + 1]),
            unpriced_requests=unpriced_by_source_month.get(source, 0),
            plan_covered_today_pico=covered[t],
            plan_covered_week_pico=sum(covered[week_from : t + 1]),
            plan_covered_month_pico=sum(covered[m0 : t + 1]),
        )
        # a source a plan pays for is still a source the user uses (shown "in plan", not left out)
        if figures.month_pico or figures.week_pico or figures.unpriced_requests or figures.plan_covered_month_pico \
                or figures.plan_covered_week_pico:
            sources.append(figures)
    sources.sort(key=lambda s: -s.month_pico)

    chart_from = max(0, t + 1 - chart_days)
    day_start_s = [w.start_ms // 1000 for w in wins]

    def cut(series: list[int]) -> list[int]:
        return series[chart_from : t + 1]

    daily = DailySeries(
        days=[w.start_day for w in wins[chart_from : t + 1]],
        day_start_s=day_start_s[chart_from : t + 1],
        by_source={k: cut(v) for k, v in by_source.items() if any(cut(v))},
        by_model={k: cut(v) for k, v in by_model.items() if any(cut(v))},
        unpriced_by_day=cut(unpriced),
        totals=cut(totals),
    )
    month = _month_series(totals, index, month_start, month_end, today, prev_month_start, zone, forecast, low, high)
    return OverviewSnapshot(
        as_of_ms=now,
        timezone=getattr(zone, "key", None) or str(zone),
        today=today,
        today_pico=today_pico,
        week_pico=week_pico,
        month_pico=month_pico,
        last_month_same_span_pico=last_month_same,
        forecast_pico=forecast,
        forecast_low_pico=low,
        forecast_high_pico=high,
        baseline_median_pico=baseline,
        warning=warning,
        warning_reason=reason,
        unpriced_today=unpriced[t],
        unpriced_month=sum(unpriced[m0 : t + 1]),
        unpriced_models=sorted(unpriced_models),
        sources=sources,
        daily=daily,
        month=month,
        billed=billed_rows(store, month_start, today),
        plan_covered_month_pico=covered_month,
        plan_fees_month_pico=cost_basis.month_plan_fees_pico(store, zone, month_start)[0],
        has_data=span is not None,
        newest_ms=span[1] if span else None,
    )


def _month_series(totals, index, month_start, month_end, today, prev_month_start, zone, forecast, low, high):
    days = [month_start + timedelta(days=i) for i in range((month_end - month_start).days)]
    starts = [to_ms(local_midnight(d, zone)) // 1000 for d in days]
    cumulative: list[int | None] = []
    running = 0
    for d in days:
        if d > today:
            cumulative.append(None)
            continue
        running += totals[index[d]]
        cumulative.append(running)
    # forecast: a straight line from today's cumulative to the month-end figures
    t = (today - month_start).days
    left = len(days) - 1 - t
    fc: list[int | None] = [None] * len(days)
    fl: list[int | None] = [None] * len(days)
    fh: list[int | None] = [None] * len(days)
    base = cumulative[t] or 0
    for k in range(left + 1):
        share = Fraction(k, left) if left else Fraction(1)
        fc[t + k] = int(base + (forecast - base) * share)
        fl[t + k] = int(base + (low - base) * share)
        fh[t + k] = int(base + (high - base) * share)
    last: list[int | None] = []
    running = 0
    prev_days = (month_start - prev_month_start).days
    for i in range(len(days)):
        if i >= prev_days:
            last.append(None)
            continue
        running += totals[index[prev_month_start + timedelta(days=i)]]
        last.append(running)
    return MonthSeries(days, starts, cumulative, fc, fl, fh, last)


def billed_rows(store: Store, since: date, until: date) -> list[BilledRow]:
    """Estimated beside billed, per provider (UTC) day, where a provider reports billing."""
    billed = store.billed_by_day(since.isoformat(), until.isoformat())
    if not billed:
        return []
    sources = sorted({b["source"] for b in billed})
    estimated = {
        (r["period"], r["source"]): r["cost_pico"]
        for r in store.aggregate(windows(since, until, "day", UTC), group_by=["source"], sources=sources, tokens=False)
    }
    return [
        BilledRow(b["date"], b["source"], estimated.get((b["date"], b["source"]), 0), b["billed_pico"])
        for b in billed
    ]


def day_window(day: date, zone: tzinfo) -> Window:
    return windows(day, day, "day", zone)[0]


def local_day_of(ms: int, zone: tzinfo) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).date()
