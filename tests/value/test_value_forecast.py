"""Baseline, the week-over-week boundary, spikes, month-end forecast and band, soft budget."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from value_helpers import USD, daily_series, event

from tracker.core.timeutil import get_zone
from tracker.services import forecast

UTC = get_zone("UTC")


def report(store, today, **settings):
    s = forecast.Settings.load(store)
    for key, value in settings.items():
        setattr(s, key, value)
    return forecast.alerts_report(store, UTC, today=today, settings=s)


def test_median_and_stdev():
    assert forecast.median([5, 1, 3]) == 3
    assert forecast.median([1, 2, 3, 4]) == 2  # 2.5 rounds half to even
    assert forecast.median([1, 2, 4, 5]) == 3
    mean, stdev = forecast.mean_stdev([2, 4, 4, 4, 5, 5, 7, 9])
    assert mean == 5 and stdev == (Decimal(32) / 7).sqrt()
    assert forecast.mean_stdev([7]) == (7, 0)


@pytest.mark.parametrize("last, previous, fires", [
    (150, 100, False),          # exactly +50%: does not fire
    (150 * USD + 1, 100 * USD, True),  # one picodollar more: fires
    (149, 100, False),
    (1000, 0, False),           # no spend the week before: no basis, no alert
    (0, 0, False),
])
def test_week_over_week_rule(last, previous, fires):
    assert forecast.week_over_week_fires(last, previous, 50) is fires


@pytest.mark.parametrize("extra_pico, fires", [(0, False), (1, True)])
def test_week_over_week_alert_from_stored_usage(store, extra_pico, fires):
    today = date(2026, 11, 29)
    first = today - timedelta(days=14)
    previous = [10 * USD] * 7                     # $70
    last = [15 * USD] * 6 + [15 * USD + extra_pico]  # $105 (+50% exactly) or one picodollar more
    daily_series(store, first, previous + last)
    doc = report(store, today)
    wow = doc["week_over_week"]
    assert wow["previous_7_days"] == {"since": "2026-11-15", "until": "2026-11-21", "cost_usd": "70.000000"}
    assert wow["last_7_days"]["since"] == "2026-11-22" and wow["last_7_days"]["until"] == "2026-11-28"
    assert wow["ratio"] == "1.5000"
    assert wow["fired"] is fires
    assert [a["kind"] for a in doc["alerts"]].count("week_over_week") == int(fires)


def test_todays_partial_spend_is_not_in_the_week_comparison(store):
    today = date(2026, 11, 29)
    daily_series(store, today - timedelta(days=14), [10 * USD] * 14 + [500 * USD])
    assert report(store, today)["week_over_week"]["fired"] is False


def test_threshold_setting(store):
    today = date(2026, 11, 29)
    daily_series(store, today - timedelta(days=14), [10 * USD] * 7 + [13 * USD] * 7)
    assert report(store, today)["week_over_week"]["fired"] is False
    store.set_setting(forecast.WOW_SETTING, 25)
    assert report(store, today)["week_over_week"]["fired"] is True


def test_baseline_default_is_first_four_weeks_and_spikes_are_strict(store):
    first = date(2026, 10, 1)
    baseline = [2 * USD, 4 * USD] * 14  # median of 28 days = (2 + 4) / 2 = $3
    recent = [5 * USD] * 10 + [9 * USD, 9 * USD + 1]
    daily_series(store, first, baseline + recent)
    today = first + timedelta(days=len(baseline) + len(recent))
    doc = report(store, today)
    assert doc["baseline"]["since"] == "2026-10-01" and doc["baseline"]["until"] == "2026-10-28"
    assert doc["baseline"]["median_daily_usd"] == "3.000000"
    assert [s["date"] for s in doc["spikes"]] == [(today - timedelta(days=1)).isoformat()]  # 9 = 3x: no; 9+1p: yes
    chosen = report(store, today, baseline={"since": "2026-10-29", "until": "2026-11-07"})
    assert chosen["baseline"]["median_daily_usd"] == "5.000000" and chosen["baseline"]["source"] == "chosen"
    assert chosen["spikes"] == []


def test_forecast_of_a_flat_series_has_no_band(store):
    today = date(2026, 11, 21)
    daily_series(store, date(2026, 11, 1), [3 * USD] * 20 + [1 * USD])  # today so far: $1, below the mean
    f = report(store, today)["forecast"]
    assert f["month_to_date_usd"] == "61.000000"
    assert f["mean_daily_usd"] == "3.000000" and f["stdev_daily_usd"] == "0.000000"
    assert f["days_remaining"] == 9
    # 20 complete days x $3 + today at the mean ($3) + 9 days x $3 = $90
    assert f["forecast_usd"] == f["low_usd"] == f["high_usd"] == "90.000000"


def test_forecast_band_from_recent_variability(store):
    today = date(2026, 11, 21)
    # 6 quiet days, then alternating $2/$6 for the 14 days the mean uses
    daily_series(store, date(2026, 11, 1), [1 * USD] * 6 + [2 * USD, 6 * USD] * 7)
    f = report(store, today)["forecast"]
    mean = Decimal(4)
    stdev = (Decimal(14 * 4) / 13).sqrt()  # every day is 2 from the mean: sample variance 56/13
    half = stdev * Decimal(10).sqrt()  # today and 9 more days are open
    expected = Decimal(6 + 56) + mean * 10
    assert f["history_days"] == 14
    assert Decimal(f["forecast_usd"]) == expected
    assert Decimal(f["high_usd"]) == (expected + half).quantize(Decimal("0.000001"))
    assert Decimal(f["low_usd"]) == (expected - half).quantize(Decimal("0.000001"))


def test_soft_budget_warns_when_the_forecast_crosses_it(store):
    today = date(2026, 11, 21)
    daily_series(store, date(2026, 11, 1), [3 * USD] * 20)
    doc = report(store, today, budget_pico=100 * USD)
    assert doc["forecast"]["budget_exceeded"] is False and doc["alerts"] == []
    doc = report(store, today, budget_pico=89 * USD)
    assert doc["forecast"]["budget_exceeded"] is True
    assert [a["kind"] for a in doc["alerts"]] == ["budget"]
    assert "likely crosses" in doc["alerts"][0]["message"]
    doc = report(store, today, budget_pico=50 * USD)
    assert "over the soft budget" in doc["alerts"][0]["message"]


def test_empty_store(store):
    doc = report(store, date(2026, 11, 21))
    assert doc["baseline"]["median_daily_usd"] is None
    assert doc["forecast"]["forecast_usd"] == "0.000000"
    assert doc["alerts"] == []


def test_no_week_over_week_alert_while_the_previous_week_is_not_all_data(store):
    today = date(2026, 11, 29)
    daily_series(store, today - timedelta(days=13), [10 * USD] * 6 + [40 * USD] * 7)  # data from the 16th
    wow = report(store, today)["week_over_week"]
    assert wow["ratio"] is not None and wow["enough_history"] is False and wow["fired"] is False
    store.write_batch(events=[event("extra", today - timedelta(days=14), USD)])  # now the 15th has data too
    wow = report(store, today)["week_over_week"]
    assert wow["enough_history"] is True and wow["fired"] is True
