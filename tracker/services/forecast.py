"""Baseline, spend-jump alerts and the month-end forecast.

All figures are daily costs in the user's timezone (events and provider
buckets, priced part), as integer picodollars; statistics are Decimal.

- Baseline: a chosen range of days (setting `alerts.baseline` = {"since", "until"}),
  by default the first 28 days of data. Its *median* daily cost (zero days
  included) is the baseline daily cost: one heavy day does not move it.
- Week over week: the last complete 7 days (the 7 days before today) against
  the 7 days before those. It fires when last > previous x (1 + threshold),
  strictly: with the default 50%, a ratio of exactly 1.5 does NOT fire, 1.5 plus
  one picodollar does. No spend in the previous week, or data that starts
  inside it, gives no basis: no alert.
- Spike: a day among the last 7 complete days, or today so far, whose cost is
  strictly more than `multiple` (default 3) x the baseline median.
- Forecast: complete days of this month so far + today (its cost so far, or the
  recent mean if higher) + the remaining days x the mean of the last 14 complete
  days. Band: +- one standard deviation of a sum of that many days,
  stdev(daily) x sqrt(days still open), never below what is already spent.
- Soft budget (setting `alerts.monthly_budget_usd`): a warning when the
  forecast, or its low end, crosses it. Informative; nothing is ever blocked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import ROUND_HALF_EVEN, Decimal

from tracker.core.money import format_usd, usd_to_pico
from tracker.core.timeutil import local_date, next_period_start, now_ms, windows, zone_name
from tracker.services import cost_basis
from tracker.storage import Store

BASELINE_DAYS = 28
WEEK_DAYS = 7
FORECAST_MEAN_DAYS = 14
BAND_SIGMAS = Decimal(1)
DEFAULT_WOW_THRESHOLD_PCT = 50
DEFAULT_SPIKE_MULTIPLE = Decimal(3)
BASELINE_SETTING = "alerts.baseline"  # {"since": "YYYY-MM-DD", "until": "YYYY-MM-DD"}
WOW_SETTING = "alerts.week_over_week_pct"
SPIKE_SETTING = "alerts.spike_multiple"
BUDGET_SETTING = "alerts.monthly_budget_usd"


def _pico(value: Decimal) -> int:
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def median(values: list[int]) -> int:
    """Median of integer picodollars (the mean of the middle two, half-even, for an even count)."""
    if not values:
        raise ValueError("median of nothing")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return _pico((Decimal(ordered[mid - 1]) + ordered[mid]) / 2)


def mean_stdev(values: list[int]) -> tuple[Decimal, Decimal]:
    """Mean and sample standard deviation (n - 1); stdev 0 below two values."""
    if not values:
        return Decimal(0), Decimal(0)
    n = len(values)
    mean = Decimal(sum(values)) / n
    if n < 2:
        return mean, Decimal(0)
    variance = sum((Decimal(v) - mean) ** 2 for v in values) / (n - 1)
    return mean, variance.sqrt()


def forecast_history_first(today: date, first_data: date) -> date:
    """The first day whose cost sets the forecast's daily rate: 14 complete days back, none before the data."""
    return max(today - timedelta(days=FORECAST_MEAN_DAYS), first_data)


def month_end_forecast(complete_mtd: int, today_so_far: int, recent: list[int],
                       days_after_today: int) -> tuple[int, int, int]:
    """(forecast, low, high) of this month's total in picodollars: the Forecast rule above.

    One function for the tray, the Overview and the alerts, so that they never show two forecasts.
    `recent`: the daily costs from forecast_history_first() to yesterday.
    """
    mean, stdev = mean_stdev(recent)
    forecast = Decimal(complete_mtd) + max(Decimal(today_so_far), mean) + mean * days_after_today
    half_width = BAND_SIGMAS * stdev * Decimal(days_after_today + 1).sqrt()
    low = max(forecast - half_width, Decimal(complete_mtd + today_so_far))
    return _pico(forecast), _pico(low), _pico(forecast + half_width)


def week_over_week_fires(last_pico: int, previous_pico: int, threshold_pct: int | Decimal) -> bool:
    """Strictly more than `threshold_pct` percent above the previous week; exact integer/Decimal test."""
    if previous_pico <= 0:
        return False
    return Decimal(last_pico) * 100 > Decimal(previous_pico) * (100 + Decimal(threshold_pct))


def daily_costs(store: Store, zone: tzinfo, first: date, last: date) -> dict[date, int]:
    """Money spent per local day in [first, last], zero for days without usage.

    Usage a subscription plan covers is not in it (services.cost_basis, pay as you go).
    """
    if last < first:
        return {}
    result = {first + timedelta(days=i): 0 for i in range((last - first).days + 1)}
    for row in cost_basis.aggregate(store, zone, windows(first, last, "day", zone), group_by=[]):
        result[date.fromisoformat(row["period"])] += row["cost_pico"]
    return result


def _window(series: dict[date, int], first: date, last: date) -> list[int]:
    return [series.get(first + timedelta(days=i), 0) for i in range((last - first).days + 1)] if last >= first else []


@dataclass
class Settings:
    wow_threshold_pct: Decimal = Decimal(DEFAULT_WOW_THRESHOLD_PCT)
    spike_multiple: Decimal = DEFAULT_SPIKE_MULTIPLE
    baseline: dict | None = None
    budget_pico: int | None = None

    problems: tuple[str, ...] = ()  # stored values that could not be used (their defaults apply)

    @classmethod
    def load(cls, store: Store) -> "Settings":
        """The alert settings; a stored value that is not usable (written before `alerts set` checked
        it, or by hand) falls back to its default and is named in `problems`, never a crash later."""
        from tracker.services.value import parse_amount  # the same check `alerts set` makes

        problems = []

        def number(key: str, default, what: str) -> Decimal | None:
            raw = store.get_setting(key)
            if raw in (None, ""):
                return default
            try:
                return parse_amount(str(raw), what)
            except ValueError as exc:
                problems.append(f"the stored {what} is not usable ({exc}): set it again with `tracker alerts set`")
                return default

        budget = number(BUDGET_SETTING, None, "budget")
        return cls(
            wow_threshold_pct=number(WOW_SETTING, Decimal(DEFAULT_WOW_THRESHOLD_PCT), "week-over-week percentage"),
            spike_multiple=number(SPIKE_SETTING, DEFAULT_SPIKE_MULTIPLE, "spike multiple") or DEFAULT_SPIKE_MULTIPLE,
            baseline=store.get_setting(BASELINE_SETTING),
            budget_pico=usd_to_pico(budget) if budget is not None else None,
            problems=tuple(problems),
        )


def alerts_report(store: Store, zone: tzinfo, today: date | None = None, settings: Settings | None = None) -> dict:
    today = today or local_date(now_ms(), zone)
    settings = settings or Settings.load(store)
    span = store.time_range_ms()
    first_data = local_date(span[0], zone) if span else today
    alerts: list[dict] = [{"kind": "settings", "message": problem} for problem in settings.problems]
    history_first = min(first_data, today - timedelta(days=2 * WEEK_DAYS))
    series = daily_costs(store, zone, history_first, today)

    # baseline
    if settings.baseline:
        b_first = date.fromisoformat(settings.baseline["since"])
        b_last = date.fromisoformat(settings.baseline["until"])
        b_source = "chosen"
        series.update({d: c for d, c in daily_costs(store, zone, b_first, b_last).items()})
    else:
        b_first, b_last = first_data, min(first_data + timedelta(days=BASELINE_DAYS - 1), today - timedelta(days=1))
        b_source = f"default: the first {BASELINE_DAYS} days of data"
    b_values = _window(series, b_first, b_last)
    b_median = median(b_values) if (span and b_values) else None
    baseline = {
        "since": b_first.isoformat(), "until": b_last.isoformat(), "days": len(b_values), "source": b_source,
        "median_daily_usd": format_usd(b_median), "mean_daily_usd": format_usd(_pico(mean_stdev(b_values)[0]))
        if b_values else None,
    }

    # week over week
    last7 = _window(series, today - timedelta(days=WEEK_DAYS), today - timedelta(days=1))
    prev7 = _window(series, today - timedelta(days=2 * WEEK_DAYS), today - timedelta(days=WEEK_DAYS + 1))
    last_sum, prev_sum = sum(last7), sum(prev7)
    # A previous week that starts before the first data is not a full week of spend.
    enough_history = bool(span) and first_data <= today - timedelta(days=2 * WEEK_DAYS)
    fired = enough_history and week_over_week_fires(last_sum, prev_sum, settings.wow_threshold_pct)
    wow = {
        "last_7_days": {"since": (today - timedelta(days=WEEK_DAYS)).isoformat(),
                        "until": (today - timedelta(days=1)).isoformat(), "cost_usd": format_usd(last_sum)},
        "previous_7_days": {"since": (today - timedelta(days=2 * WEEK_DAYS)).isoformat(),
                            "until": (today - timedelta(days=WEEK_DAYS + 1)).isoformat(),
                            "cost_usd": format_usd(prev_sum)},
        "ratio": str((Decimal(last_sum) / prev_sum).quantize(Decimal("0.0001"))) if prev_sum else None,
        "threshold_pct": str(settings.wow_threshold_pct),
        "enough_history": enough_history,
        "fired": fired,
    }
    if fired:
        alerts.append({"kind": "week_over_week", "message":
                       f"Spend in the last 7 days ({format_usd(last_sum, 2)} USD) is {wow['ratio']}x the 7 days "
                       f"before ({format_usd(prev_sum, 2)} USD): more than {settings.wow_threshold_pct}% up."})

    # spikes against the baseline median
    spikes = []
    if b_median:
        limit = Decimal(b_median) * settings.spike_multiple
        for offset in range(WEEK_DAYS, -1, -1):
            day = today - timedelta(days=offset)
            cost = series.get(day, 0)
            if Decimal(cost) > limit:
                spikes.append({"date": day.isoformat(), "cost_usd": format_usd(cost), "partial": day == today,
                               "multiple": str((Decimal(cost) / b_median).quantize(Decimal("0.01")))})
        for s in spikes:
            alerts.append({"kind": "spike", "date": s["date"], "message":
                           f"{s['date']}{' (so far)' if s['partial'] else ''}: {s['cost_usd']} USD is {s['multiple']}x "
                           f"the baseline median day ({format_usd(b_median)} USD)."})

    # month-end forecast
    month_first = today.replace(day=1)
    days_after_today = (next_period_start(month_first, "month") - timedelta(days=1) - today).days
    complete_mtd = sum(_window(series, month_first, today - timedelta(days=1)))
    today_so_far = series.get(today, 0)
    recent = _window(series, forecast_history_first(today, first_data), today - timedelta(days=1))
    mean, stdev = mean_stdev(recent)
    forecast, low, high = month_end_forecast(complete_mtd, today_so_far, recent, days_after_today)
    spent = complete_mtd + today_so_far
    fc = {
        "month": month_first.strftime("%Y-%m"), "month_to_date_usd": format_usd(spent),
        "history_days": len(recent), "mean_daily_usd": format_usd(_pico(mean)),
        "stdev_daily_usd": format_usd(_pico(stdev)), "days_remaining": days_after_today,
        "forecast_usd": format_usd(forecast), "low_usd": format_usd(low),
        "high_usd": format_usd(high), "band": f"+-{BAND_SIGMAS} stdev of the open days' sum",
        "budget_usd": format_usd(settings.budget_pico, 2), "budget_exceeded": None,
    }
    if settings.budget_pico is not None:
        fc["budget_exceeded"] = forecast > settings.budget_pico
        if spent > settings.budget_pico:
            alerts.append({"kind": "budget", "message": f"Spent {format_usd(spent, 2)} USD this month: over the "
                           f"soft budget of {format_usd(settings.budget_pico, 2)} USD."})
        elif fc["budget_exceeded"]:
            likely = "likely" if low > settings.budget_pico else "possibly"
            alerts.append({"kind": "budget", "message":
                           f"The month-end forecast ({format_usd(forecast, 2)} USD) {likely} crosses "
                           f"the soft budget of {format_usd(settings.budget_pico, 2)} USD."})
    return {
        "timezone": zone_name(zone), "today": today.isoformat(), "baseline": baseline,
        "week_over_week": wow, "spikes": spikes, "forecast": fc, "alerts": alerts,
        "series": [{"date": d.isoformat(), "cost_usd": format_usd(c)} for d, c in sorted(series.items())
                   if d >= today - timedelta(days=2 * FORECAST_MEAN_DAYS)],
    }
