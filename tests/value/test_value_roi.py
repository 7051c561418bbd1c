"""ROI arithmetic (exact), spreading value over periods, trend flag, leverage."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from value_helpers import USD, event

from tracker.core.timeutil import get_zone
from tracker.services import roi, tagging
from tracker.services.value import add_tag, add_value

UTC = get_zone("UTC")
TODAY = date(2026, 12, 2)


def write(store, events):
    """Write usage and re-apply the rules, as a sync does."""
    store.write_batch(events=events)
    tagging.apply_rules(store)


def tag_summary(doc, name):
    return next(t for t in doc["tags"] if t["tag"] == name)


def rows_of(doc, name):
    return {r["period"]: r for r in doc["rows"] if r["tag"] == name}


@pytest.fixture
def acme(store):
    add_tag(store, "ACME", "client")
    tagging.add_rule(store, "ACME", project_glob="acme")
    return store


def test_roi_is_exact(acme):
    # three requests costing $0.000000000001 less than a third of a dollar each
    cost = USD // 3
    write(acme, [event(f"e{i}", date(2026, 11, 3 + i), cost, project="acme") for i in range(3)])
    write(acme, [event("other", date(2026, 11, 3), 7, project="other")])
    add_value(acme, tag="ACME", amount="1000.01", period="2026-11")
    doc = roi.roi_report(acme, UTC, "month", date(2026, 11, 1), date(2026, 11, 30), today=TODAY)
    nov = rows_of(doc, "ACME")["2026-11"]
    assert nov["cost_usd"] == "1.000000"  # 3 x 333333333333 pico, shown rounded to six decimals
    assert acme.conn.execute("SELECT SUM(cost_pico) FROM events WHERE project='acme'").fetchone()[0] == 999_999_999_999
    expected = (Decimal("1000.01") * 10**12 / 999_999_999_999).quantize(Decimal("0.0001"))
    assert nov["roi"] == str(expected) == "1000.0100"
    assert nov["value_usd"] == "1000.01"
    assert nov["complete"] is True
    untagged = rows_of(doc, "untagged")["2026-11"]
    assert untagged["cost_usd"] == "0.000000" and untagged["roi"] is None
    assert doc["totals"]["untagged_cost_usd"] == "0.000000"
    assert tag_summary(doc, "ACME")["rank"] == 1


def test_cost_per_kpi_unit_and_no_value_means_no_roi(acme):
    add_tag(acme, "tracker", "project")
    tagging.add_rule(acme, "tracker", project_glob="tracker")
    write(acme, [event("t1", date(2026, 11, 17), 7 * USD, project="tracker")])
    add_value(acme, tag="tracker", kind="kpi", amount="14", unit="pull requests merged", period="2026-W47")
    doc = roi.roi_report(acme, UTC, "week", date(2026, 11, 16), date(2026, 11, 22), today=TODAY)
    week = rows_of(doc, "tracker")["2026-W47"]
    assert week["roi"] is None and week["value_usd"] is None
    assert week["kpis"] == [{"unit": "pull requests merged", "quantity": "14", "cost_per_unit_usd": "0.500000"}]
    # ACME's $3 produced no pull requests: the grand total's cost per unit is tracker's $7 / 14 (was $10 / 14)
    write(acme, [event("a1", date(2026, 11, 17), 3 * USD, project="acme")])
    doc = roi.roi_report(acme, UTC, "week", date(2026, 11, 16), date(2026, 11, 22), today=TODAY)
    assert doc["totals"]["cost_usd"] == "10.000000"
    assert doc["totals"]["kpis"][0]["cost_per_unit_usd"] == "0.500000"


def test_a_monthly_value_spreads_over_weeks_by_days_and_adds_up(acme):
    add_value(acme, tag="ACME", amount="3000", period="2026-11")  # 30 days: $100 a day
    write(acme, [event("x", date(2026, 11, 2), USD, project="acme")])
    doc = roi.roi_report(acme, UTC, "week", date(2026, 11, 1), date(2026, 11, 30), today=TODAY)
    weeks = rows_of(doc, "ACME")
    assert weeks["2026-W44"]["value_usd"] == "100.00"  # only Sunday 1 November is in range
    assert weeks["2026-W45"]["value_usd"] == "700.00"
    assert weeks["2026-W49"]["value_usd"] == "100.00"  # Monday 30 November
    assert sum(Decimal(w["value_usd"]) for w in weeks.values()) == Decimal("3000")
    assert tag_summary(doc, "ACME")["value_usd"] == "3000.00"


def test_foreign_currency_needs_a_rate(acme):
    write(acme, [event("x", date(2026, 11, 2), USD, project="acme")])
    add_value(acme, tag="ACME", amount="100", currency="EUR", period="2026-11")
    doc = roi.roi_report(acme, UTC, "month", date(2026, 11, 1), date(2026, 11, 30), today=TODAY)
    nov = rows_of(doc, "ACME")["2026-11"]
    assert nov["value_usd"] is None and nov["unconverted_value"] == {"EUR": "100.00"}
    acme.set_setting(roi.FX_SETTING, {"EUR": "1.08"})
    doc = roi.roi_report(acme, UTC, "month", date(2026, 11, 1), date(2026, 11, 30), today=TODAY)
    nov = rows_of(doc, "ACME")["2026-11"]
    assert nov["value_usd"] == "108.00" and nov["roi"] == "108.0000"


def _weekly(store, project, costs_usd, values, first=date(2026, 11, 2)):
    """Weeks from Monday `first`: one event and one ACME value entry per week."""
    for i, (c, v) in enumerate(zip(costs_usd, values)):
        monday = first + timedelta(days=7 * i)
        write(store, [event(f"{project}{i}", monday, c * USD, project=project)])
        add_value(store, tag="ACME", amount=str(v), period_start=monday, period_end=monday + timedelta(days=6))


@pytest.mark.parametrize("costs, values, flagged", [
    ([10, 10, 12, 12], [100, 100, 100, 100], True),    # cost +20%, value flat
    ([10, 10, 11, 11], [100, 100, 100, 100], False),   # cost +10% exactly: not more than the threshold
    ([10, 10, 20, 20], [100, 100, 106, 106], False),   # value grew more than 5%
    ([10, 10, 20, 20], [100, 100, 105, 105], True),    # value grew 5% exactly: counts as flat
    ([20, 20, 10, 10], [100, 100, 50, 50], False),     # cost fell
])
def test_cost_grows_value_flat_flag(acme, costs, values, flagged):
    _weekly(acme, "acme", costs, values)
    doc = roi.roi_report(acme, UTC, "week", date(2026, 11, 2), date(2026, 11, 29), today=TODAY)
    summary = tag_summary(doc, "ACME")
    assert summary["trend"]["periods"] == 4
    assert summary["trend"]["cost_grows_value_flat"] is flagged
    assert (doc["flagged"] == ["ACME"]) is flagged


def test_incomplete_periods_do_not_count_in_the_trend(acme):
    _weekly(acme, "acme", [10, 10, 10, 30], [100, 100, 100, 100])
    doc = roi.roi_report(acme, UTC, "week", date(2026, 11, 2), date(2026, 11, 29), today=date(2026, 11, 25))
    assert tag_summary(doc, "ACME")["trend"]["periods"] == 2  # the 4th week is not over on the 25th
    assert tag_summary(doc, "ACME")["trend"]["cost_grows_value_flat"] is False


def test_leverage(store):
    assert roi.roi_report(store, UTC, "month", today=TODAY)["leverage"] is None
    # $28 over the 28 complete days before today -> $365 a year
    write(store, [event(f"d{i}", TODAY - timedelta(days=1 + i), USD) for i in range(28)])
    write(store, [event("today", TODAY, 1000 * USD)])  # today is not complete: not counted
    store.set_setting(roi.COMPENSATION_SETTING, {"amount": "730", "currency": "USD"})
    lev = roi.roi_report(store, UTC, "month", today=TODAY)["leverage"]
    assert lev["annualised_spend_usd"] == "365.00"
    assert lev["share"] == "0.5000" and lev["reference_share"] == "0.5"


def test_period_must_be_week_or_month(store):
    with pytest.raises(ValueError, match="--period"):
        roi.roi_report(store, UTC, "day")


def test_a_tags_cost_per_unit_is_over_the_periods_that_produced_the_units(acme):
    # $2 a week for four weeks; 10 pull requests recorded in the last week only
    for i in range(4):
        write(acme, [event(f"w{i}", date(2026, 11, 2) + timedelta(days=7 * i), 2 * USD, project="acme")])
    add_value(acme, tag="ACME", kind="kpi", amount="10", unit="pull requests merged", period="2026-W48")
    doc = roi.roi_report(acme, UTC, "week", date(2026, 11, 2), date(2026, 11, 29), today=TODAY)
    assert rows_of(doc, "ACME")["2026-W48"]["kpis"][0]["cost_per_unit_usd"] == "0.200000"
    summary = tag_summary(doc, "ACME")
    assert summary["cost_usd"] == "8.000000"
    # the week that produced them cost $2: $0.20 a pull request (was every week's $8 over those 10: $0.80)
    assert summary["kpis"] == [{"unit": "pull requests merged", "quantity": "10", "cost_per_unit_usd": "0.200000"}]
    assert doc["totals"]["kpis"][0]["cost_per_unit_usd"] == "0.200000"


def test_value_without_a_rate_is_shown_as_not_converted(acme):
    write(acme, [event("x", date(2026, 11, 2), USD, project="acme")])
    add_value(acme, tag="ACME", amount="100", currency="EUR", period="2026-11")
    add_value(acme, tag="ACME", amount="5", period="2026-11")
    doc = roi.roi_report(acme, UTC, "month", date(2026, 11, 1), date(2026, 11, 30), today=TODAY)
    assert doc["totals"]["unconverted_value"] == {"EUR": "100.00"}
    assert roi.value_text(tag_summary(doc, "ACME")) == "$5.00; 100.00 EUR not converted"
    assert any("100.00 EUR is not converted" in note and "tracker value rate EUR" in note for note in doc["notes"])
