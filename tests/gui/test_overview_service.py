"""The snapshot behind the tray and the Overview page: exact figures from known rows (no Qt)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from fractions import Fraction

from tracker.core.money import usd_to_pico
from tracker.core.records import BilledLine, UsageEvent
from tracker.core.timeutil import UTC, get_zone, to_ms
from tracker.core.tokens import Tokens
from tracker.services.ingest import ingest
from tracker.services.overview import _median, overview_snapshot

TODAY = date(2026, 11, 20)
NOW = to_ms(datetime.combine(TODAY, time(12), UTC))


def event(day: date, usd: str | None, source="claude_code", model="claude-sonnet-4-5", hour=10, key=None):
    e = UsageEvent(source=source, key=key or f"{source}-{day}-{hour}-{usd}",
                   ts_ms=to_ms(datetime.combine(day, time(hour), UTC)), model=model,
                   tokens=Tokens(input_tokens=10, output_tokens=10), provider="anthropic")
    if usd is not None:
        e.reported_cost_pico = usd_to_pico(usd)  # an exact, known cost
    else:
        e.model = "no-such-model-xyz"  # unpriced: stays NULL, never $0
    return e


def test_figures_from_known_rows(ctx):
    events = [event(TODAY - timedelta(days=d), "1.00") for d in range(1, 60)]  # $1 a day before today
    events += [event(TODAY, "3.00"), event(TODAY, "0.50", source="codex", model="gpt-5-codex", hour=11)]
    events += [event(TODAY, None, hour=9)]
    ingest(ctx.store, ctx.pricer, events=events)
    s = overview_snapshot(ctx.store, get_zone("UTC"), chart_days=30, now=NOW)

    assert s.today == TODAY
    assert s.today_pico == usd_to_pico("3.50")
    assert s.week_pico == usd_to_pico("9.50")  # 6 days x $1 + today
    assert s.month_pico == usd_to_pico("22.50")  # Nov 1..19 at $1 + today
    assert s.last_month_same_span_pico == usd_to_pico("20.00")  # Oct 1..20
    assert s.change_vs_last_month == Fraction(25, 200)
    assert s.baseline_median_pico == usd_to_pico("1.00")
    assert s.warning and "today" in s.warning_reason  # $3.50 > 1.5 x $1
    assert s.unpriced_today == 1 and s.unpriced_month == 1
    assert s.newest_ms == to_ms(datetime.combine(TODAY, time(11), UTC))  # the newest request stored
    assert s.unpriced_models == ["no-such-model-xyz"]
    # forecast (services.forecast's rule): Nov 1..19 + today so far ($3.50, above the $1 mean) + 10 days x $1;
    # no variance -> no band
    assert s.forecast_pico == usd_to_pico("22.50") + usd_to_pico("10.00")
    assert s.forecast_low_pico == s.forecast_high_pico == s.forecast_pico
    by_source = {f.source: f for f in s.sources}
    assert by_source["codex"].today_pico == usd_to_pico("0.50")
    assert by_source["claude_code"].unpriced_requests == 1
    # chart series: 30 days ending today, totals agree with the cards
    assert len(s.daily.days) == 30 and s.daily.days[-1] == TODAY
    assert s.daily.totals[-1] == s.today_pico
    assert sum(s.daily.by_source["claude_code"]) + sum(s.daily.by_source["codex"]) == sum(s.daily.totals)
    # cumulative month: ends today at month to date; forecast line reaches the forecast at the month's end
    assert s.month.cumulative[TODAY.day - 1] == s.month_pico
    assert s.month.cumulative[TODAY.day] is None
    assert s.month.forecast[-1] == s.forecast_pico
    assert s.month.last_month_cumulative[29] == usd_to_pico("30.00")  # Oct 1..30 (Oct 31 not in Nov's 30 days)


def test_week_average_warning_and_billed(ctx):
    events = [event(TODAY - timedelta(days=d), "1.00") for d in range(8, 40)]
    events += [event(TODAY - timedelta(days=d), "2.00") for d in range(1, 8)]
    ingest(ctx.store, ctx.pricer, events=events)
    two_days_ago = (TODAY - timedelta(days=2)).isoformat()
    ctx.store.write_batch(billed=[BilledLine(source="claude_code", account="", day=two_days_ago, line_item="all",
                                             amount_pico=usd_to_pico("2.10"))])
    s = overview_snapshot(ctx.store, get_zone("UTC"), now=NOW)
    assert s.today_pico == 0
    assert s.warning and "7 days" in s.warning_reason  # 12/7 a day > 1.5 x median $1
    assert [(b.source, b.estimated_pico, b.billed_pico) for b in s.billed] == [
        ("claude_code", usd_to_pico("2.00"), usd_to_pico("2.10"))]


def test_empty_store(ctx):
    s = overview_snapshot(ctx.store, get_zone("Europe/Paris"), now=NOW)
    assert not s.has_data
    assert s.today_pico == s.month_pico == s.forecast_pico == 0
    assert not s.warning and s.change_vs_last_month is None and s.sources == []


def test_the_overview_and_the_alerts_show_one_forecast(ctx):
    """The tray and Overview forecast is the Value page's and `tracker alerts`' (they once differed by $2.42)."""
    from tracker.core.money import format_usd
    from tracker.services.forecast import alerts_report

    costs = ["0.40", "7.10", "2.00", "12.75", "0.00", "3.30", "9.99", "1.25", "4.00", "6.60"]
    events = [event(TODAY - timedelta(days=d), costs[d % len(costs)]) for d in range(1, 45)]
    events += [event(TODAY, "0.80")]
    ingest(ctx.store, ctx.pricer, events=events)
    for zone in ("UTC", "Pacific/Auckland", "America/Los_Angeles"):
        s = overview_snapshot(ctx.store, get_zone(zone), now=NOW)
        f = alerts_report(ctx.store, get_zone(zone), today=s.today)["forecast"]
        assert [format_usd(v) for v in (s.forecast_pico, s.forecast_low_pico, s.forecast_high_pico)] == [
            f["forecast_usd"], f["low_usd"], f["high_usd"]], zone
        assert s.forecast_low_pico < s.forecast_pico < s.forecast_high_pico


def test_median():
    assert _median([3, 1, 2]) == 2 and _median([1, 2, 3, 4]) == 2 and _median([]) == 0


def test_the_demo_holds_no_usage_later_than_now(ctx):
    """At 09:30 UTC the demo showed requests stamped up to 19:00 ('last seen' in the future)."""
    from tracker.services.demo import generate

    now = datetime.combine(TODAY, time(9, 30), UTC)
    generate(ctx.store, ctx.pricer, end_day=TODAY, days=3, now=now)
    newest = ctx.store.conn.execute("SELECT MAX(ts_ms) FROM events").fetchone()[0]
    assert newest <= to_ms(now)
    today = ctx.store.conn.execute("SELECT count(*) FROM events WHERE ts_ms >= ?",
                                   (to_ms(datetime.combine(TODAY, time(0), UTC)),)).fetchone()[0]
    assert today > 20  # today's requests squeezed into the hours already past, not dropped
