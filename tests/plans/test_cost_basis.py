"""What a plan is worth, and money views that never count plan usage as money paid (DESIGN.md section 9)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from tests.plans.helpers import event, november_usage, ts
from tracker.core.money import usd_to_pico
from tracker.core.timeutil import UTC, Window, get_zone, to_ms, windows
from tracker.services import cost_basis, forecast, plans, reports, roi
from tracker.services.overview import overview_snapshot
from tracker.services.value import add_tag

ZONE = get_zone("UTC")
NOV = date(2026, 11, 1)
NOV_30_EVENING = to_ms(datetime(2026, 11, 30, 20, 0, tzinfo=UTC))


def share_of_200(api_usd: int) -> int:
    """A request's share of the $200 plan price, by its part of the $1,240 covered (rounded half-even)."""
    return int((Decimal(usd_to_pico("200")) * api_usd / 1240).to_integral_value())


@pytest.fixture
def planned(store):
    november_usage(store)
    plans.set_plan(store, "claude", "claude-max-20x", NOV)
    return store


def test_a_month_of_plan_usage_shows_price_api_cost_and_multiple(planned):
    doc = cost_basis.plan_value_report(planned, ZONE, NOV, date(2026, 11, 30), today=date(2026, 12, 5))
    [month] = doc["months"]
    assert month["month"] == "2026-11" and month["plan"] == "Claude Max 20x" and month["source"] == "claude_code"
    assert month["price"] == "200.00" and month["price_usd"] == "200.000000"
    assert month["api_equivalent_usd"] == "1240.000000" and month["multiple"] == "6.2"
    assert month["saved_usd"] == "1040.000000" and month["complete"] is True and month["requests"] == 31
    assert month["text"] == "your $200 Claude Max 20x plan covered $1,240 of usage at API prices: 6.2x"


def test_spend_excludes_plan_usage_and_reports_label_the_api_equivalent(planned):
    doc = reports.usage_report(planned, ZONE, "month", by="source", since=NOV, until=date(2026, 11, 30))
    rows = {r["source"]: r for r in doc["rows"]}
    assert rows["claude_code"]["cost_usd"] == "0.000000"
    assert rows["claude_code"]["plan_covered_usd"] == "1240.000000"
    assert rows["claude_code"]["api_equivalent_usd"] == "1240.000000"
    assert rows["codex"]["cost_usd"] == "30.000000" and rows["codex"]["plan_covered_usd"] == "0.000000"
    assert rows["openai"]["cost_usd"] == "60.000000"
    totals = doc["totals"]
    assert totals["cost_usd"] == "90.000000"  # money paid as it went
    assert totals["plan_covered_usd"] == "1240.000000" and totals["api_equivalent_usd"] == "1330.000000"
    assert reports.PLAN_NOTE in doc["notes"]


def test_usage_before_the_plan_is_paid_as_it_went(planned):
    doc = reports.usage_report(planned, ZONE, "month", by="source", since=date(2026, 10, 1),
                               until=date(2026, 10, 31))
    [row] = doc["rows"]
    assert row["cost_usd"] == "310.000000" and row["plan_covered_usd"] == "0.000000"


def test_overview_and_forecast_count_money_paid(planned):
    snap = overview_snapshot(planned, ZONE, now=NOV_30_EVENING)
    assert snap.month_pico == usd_to_pico("90")
    assert snap.plan_covered_month_pico == usd_to_pico("1240")
    assert snap.plan_fees_month_pico == usd_to_pico("200")
    # listed with nothing paid and what the plan covered (shown "in plan"), not left out
    [claude] = [s for s in snap.sources if s.source == "claude_code"]
    assert claude.month_pico == 0 and claude.plan_covered_month_pico == usd_to_pico("1240")
    daily = forecast.daily_costs(planned, ZONE, date(2026, 11, 29), date(2026, 11, 30))
    assert daily == {date(2026, 11, 29): usd_to_pico("3"), date(2026, 11, 30): usd_to_pico("3")}


def test_plan_share_adds_up_to_the_price(planned):
    wins = windows(NOV, date(2026, 11, 30), "day", ZONE)
    rows = cost_basis.aggregate(planned, ZONE, wins, group_by=["source", "model"], sources=["claude_code"],
                                basis=cost_basis.BASIS_PLAN_SHARE)
    # each row's share is rounded to the picodollar: the sum is the price within a picodollar a row
    assert abs(sum(r["cost_pico"] for r in rows) - usd_to_pico("200")) <= len(rows)
    assert sum(r["api_equivalent_pico"] for r in rows) == usd_to_pico("1240")
    opus = [r for r in rows if r["model"] == "claude-opus-4-5"]
    assert [r["cost_pico"] for r in opus] == [share_of_200(40)]  # its share by API-equivalent cost
    paid = cost_basis.aggregate(planned, ZONE, wins, group_by=["source"], sources=["claude_code"])
    assert sum(r["cost_pico"] for r in paid) == 0
    listed = cost_basis.aggregate(planned, ZONE, wins, group_by=["source"], sources=["claude_code"],
                                  basis=cost_basis.BASIS_API_EQUIVALENT)
    assert sum(r["cost_pico"] for r in listed) == usd_to_pico("1240")


def test_roi_counts_plan_usage_at_its_share_of_the_price(planned):
    tag_id = add_tag(planned, "web work", "project")
    planned.set_manual_tags("events", [("claude_code", "", f"c-2026-11-{d:02d}") for d in range(1, 31)], tag_id)
    doc = roi.roi_report(planned, ZONE, "month", since=NOV, until=date(2026, 11, 30), today=date(2026, 12, 5))
    web = next(t for t in doc["tags"] if t["tag"] == "web work")
    assert Decimal(web["cost_usd"]) == pytest.approx(Decimal("200") * 1200 / 1240, abs=Decimal("0.000001"))
    assert any("share of the plan" in note for note in doc["notes"])


def test_a_plan_ends_and_the_next_replaces_it(store):
    november_usage(store)
    plans.set_plan(store, "claude", "claude-max-20x", date(2026, 10, 1))
    plans.set_plan(store, "claude", "payg", date(2026, 11, 16))  # pay as you go from the 16th
    doc = reports.usage_report(store, ZONE, "month", by="source", since=NOV, until=date(2026, 11, 30),
                               sources=["claude_code"])
    assert doc["totals"]["cost_usd"] == "640.000000"  # the 16th to the 30th (two requests that day), as they went
    [row] = plans.list_plans(store)
    assert row.until_day == "2026-11-15"
    plans.set_plan(store, "claude", "claude-pro", date(2026, 11, 20))
    doc = reports.usage_report(store, ZONE, "month", by="source", since=NOV, until=date(2026, 11, 30),
                               sources=["claude_code"])
    assert doc["totals"]["cost_usd"] == "160.000000"  # the 16th to the 19th
    months = cost_basis.plan_value_report(store, ZONE, date(2026, 10, 1), date(2026, 11, 30))["months"]
    assert [(m["month"], m["plan_id"], m["price"]) for m in months] == [
        ("2026-10", "claude-max-20x", "200.00"), ("2026-11", "claude-max-20x", "100.00"),
        ("2026-11", "claude-pro", "7.33")]


def test_a_plan_in_another_currency_needs_a_rate(planned):
    plans.set_plan(planned, "codex", "my team plan", NOV, price="25", currency="EUR")
    [codex] = [m for m in cost_basis.plan_value_report(planned, ZONE, NOV, date(2026, 11, 30))["months"]
               if m["source"] == "codex"]
    assert codex["price"] == "25.00" and codex["price_usd"] is None and codex["multiple"] is None
    assert "tracker value rate EUR" in codex["text"]
    planned.set_setting(plans.FX_SETTING, {"EUR": "1.2"})
    [codex] = [m for m in cost_basis.plan_value_report(planned, ZONE, NOV, date(2026, 11, 30))["months"]
               if m["source"] == "codex"]
    assert codex["price_usd"] == "30.000000" and codex["multiple"] == "1.0"


def test_provider_accounts_are_never_covered(planned):
    plans.set_plan(planned, "codex", "chatgpt-pro", NOV)
    doc = reports.usage_report(planned, ZONE, "month", by="source", since=NOV, until=date(2026, 11, 30))
    rows = {r["source"]: r for r in doc["rows"]}
    assert rows["openai"]["cost_usd"] == "60.000000" and rows["codex"]["cost_usd"] == "0.000000"


def test_covered_unpriced_requests_are_no_unknown_money(store):
    store.write_batch(events=[event("u1", "2026-11-03", None), event("u2", "2026-11-03", None, source="codex")])
    plans.set_plan(store, "claude", "claude-pro", NOV)
    wins = [Window("nov", NOV, ts("2026-11-01", 0), ts("2026-12-01", 0))]
    [claude] = [r for r in cost_basis.aggregate(store, ZONE, wins) if r["source"] == "claude_code"]
    assert claude["unpriced_requests"] == 0 and claude["plan_covered_requests"] == 1
    [codex] = [r for r in cost_basis.aggregate(store, ZONE, wins) if r["source"] == "codex"]
    assert codex["unpriced_requests"] == 1


def test_invoice_rows_at_plan_share(planned):
    rows = [{"table": "events", "source": "claude_code", "ts_ms": ts("2026-11-05"), "cost_pico": usd_to_pico("40")},
            {"table": "events", "source": "codex", "ts_ms": ts("2026-11-05"), "cost_pico": usd_to_pico("1")},
            {"table": "events", "source": "claude_code", "ts_ms": ts("2026-10-05"), "cost_pico": usd_to_pico("10")},
            {"table": "buckets", "source": "openai", "ts_ms": ts("2026-11-05"), "cost_pico": usd_to_pico("2")},
            {"table": "events", "source": "claude_code", "ts_ms": ts("2026-11-06"), "cost_pico": None}]
    charged = cost_basis.rows_at_plan_share(planned, ZONE, rows)
    assert [r["cost_pico"] for r in charged] == [share_of_200(40), usd_to_pico("1"),
                                                 usd_to_pico("10"), usd_to_pico("2"), None]
    assert charged[0]["plan_covered"] is True and "plan_covered" not in charged[1]
    assert rows[0]["cost_pico"] == usd_to_pico("40")  # the caller's rows are left as they were


@pytest.mark.parametrize("agent, plan, price, message", [
    ("cursor", "pro", "20", "covers one agent"),
    ("claude", "chatgpt-plus", None, "covers codex"),
    ("claude", "my plan", None, "give its monthly price"),
    ("claude", "my plan", "-3", "between 0"),
    ("claude", "my plan", "lots", "is a number"),
    ("claude", "", "3", "Name the plan"),
])
def test_bad_plans_get_a_sentence(store, agent, plan, price, message):
    with pytest.raises(plans.PlanError, match=message):
        plans.set_plan(store, agent, plan, NOV, price=price)
    assert plans.list_plans(store) == []


def test_bad_currency_and_dates(store):
    with pytest.raises(plans.PlanError, match="three-letter"):
        plans.set_plan(store, "claude", "claude-pro", NOV, currency="dollars")
    with pytest.raises(plans.PlanError, match="before its start"):
        plans.set_plan(store, "claude", "claude-pro", NOV, until=date(2026, 10, 1))
