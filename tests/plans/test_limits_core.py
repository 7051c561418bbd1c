"""Pace of a window, 5-hour blocks (ccusage's rule), the typical block, alerts and the tray badge."""

from __future__ import annotations

from datetime import date

import pytest

from tests.plans.helpers import event, ts
from tracker.core.limits import (
    BLOCK_MS, HOUR_MS, MINUTE_MS, Block, LimitReading, blocks, outlook, pace, percentile, window_label,
)
from tracker.core.timeutil import get_zone
from tracker.services import limits
from tracker.storage import limits as lstore

T0 = ts("2026-11-30", 10)
RESET = T0 + 3 * HOUR_MS  # a 5-hour window that started at 08:00 and resets at 13:00


def reading(pct, at, resets=RESET, minutes=300, limit_id="five_hour", source="claude_code"):
    return LimitReading(source, limit_id, at, pct, minutes, resets)


def test_pace_from_recent_readings_reaches_the_limit_before_the_reset():
    latest = reading(40, T0)
    earlier = [reading(10, T0 - 60 * MINUTE_MS), reading(20, T0 - 30 * MINUTE_MS),
               reading(39, T0 - 5 * MINUTE_MS),  # too close to measure by
               reading(90, T0 - 60 * MINUTE_MS, resets=RESET - 5 * HOUR_MS)]  # the previous window
    p = pace(latest, earlier)
    assert p.basis == "recent readings" and p.rate_pct_per_hour == pytest.approx(30)
    assert p.reaches_full_ms == T0 + 2 * HOUR_MS and p.pct_at_reset is None


def test_pace_since_the_window_started_stays_under():
    p = pace(reading(20, T0), [])  # 20% in the 2 hours since 08:00
    assert p.basis == "since the window started" and p.rate_pct_per_hour == pytest.approx(10)
    assert p.reaches_full_ms is None and p.pct_at_reset == pytest.approx(50)


def test_pace_edges():
    assert pace(reading(100, T0), []).full_already
    assert pace(reading(3, T0, resets=None, minutes=None), []).rate_pct_per_hour is None
    just_started = reading(1, RESET - 5 * HOUR_MS + MINUTE_MS)
    assert pace(just_started, []).basis == "no readings to tell"


def test_window_labels():
    assert window_label("five_hour", 300) == "5-hour"
    assert window_label("seven_day", 10080) == "weekly"
    assert window_label("seven_day_opus", 10080) == "weekly (Opus)"
    assert window_label("codex.secondary", 10080) == "weekly"
    assert window_label("gpt-5-codex-mini.primary", 300) == "5-hour (gpt-5-codex-mini)"
    assert window_label("extra_usage", None) == "extra usage (month)"
    assert window_label("odd", 90) == "90-minute"


def point(minutes_after, tokens=1000, cost=10, requests=1, unpriced=0, start=T0):
    return (start + minutes_after * MINUTE_MS, tokens, cost, requests, unpriced)


def test_blocks_follow_ccusages_rule():
    start = ts("2026-11-30", 9, 47)
    found = blocks([
        point(0, start=start), point(100, start=start), point(250, start=start),  # 13:57: within 09:00 + 5 h
        point(320, start=start),  # 15:07, past 09:00 + 5 h: a new block, at its hour
        point(320 + 301, start=start),  # a gap longer than 5 h after the last request: another
    ])
    assert [b.start_ms for b in found] == [ts("2026-11-30", 9), ts("2026-11-30", 15), ts("2026-11-30", 20)]
    assert [b.requests for b in found] == [3, 1, 1]
    assert found[0].end_ms == found[0].start_ms + BLOCK_MS and found[0].tokens == 3000 and found[0].cost_pico == 30
    assert found[0].tokens_per_minute() == pytest.approx(3000 / 250)
    assert found[0].cost_per_hour_pico() == 30 * HOUR_MS // (250 * MINUTE_MS)


def test_the_typical_block_and_when_the_active_one_gets_there():
    assert percentile([5, 1, 9, 3, 7, 2, 8, 4, 6, 10], 90) == 9
    assert percentile([], 90) is None
    past = [Block(0, BLOCK_MS, 0, 0, tokens=t) for t in (100_000, 200_000, 300_000)]
    active = Block(T0 - HOUR_MS, T0 + 4 * HOUR_MS, T0 - HOUR_MS, T0, tokens=120_000)
    o = outlook(active, past, T0)
    assert o.typical_tokens == 300_000 and o.past_blocks == 3
    # 2,000 tokens a minute: 180,000 more take 90 minutes
    assert o.reaches_typical_ms == T0 + 90 * MINUTE_MS and o.projected_tokens == 120_000 + 2000 * 240
    assert outlook(active, past[:2], T0).typical_tokens is None  # too few blocks to tell


def test_snapshot_blocks_alerts_and_badge(store):
    now = ts("2026-11-30", 12)
    store.write_batch(events=[event(f"g{i}", "2026-11-30", "0.5", source="gemini_cli", hour=10, minute=i * 5)
                              for i in range(12)])
    lstore.write_readings(store, [reading(81, now - 10 * MINUTE_MS, resets=now + HOUR_MS),
                                  reading(40, now - 10 * MINUTE_MS, resets=now + 3 * 86_400_000, minutes=10080,
                                          limit_id="seven_day"),
                                  reading(97, now - 3 * HOUR_MS, resets=now - HOUR_MS, source="codex",
                                          limit_id="codex.primary")])  # reset since
    snap = limits.limits_snapshot(store, now)
    assert [(w.reading.limit_id, w.current) for w in snap.windows] == [
        ("five_hour", True), ("seven_day", True), ("codex.primary", False)]
    tightest = snap.tightest()
    assert tightest.reading.limit_id == "five_hour" and limits.badge_text(tightest) == "C 81%"
    [gemini] = snap.unmetered_blocks()
    assert gemini.source == "gemini_cli" and gemini.active.requests == 12
    zone = get_zone("UTC")
    alerts = limits.due_alerts(store, snap, zone)
    assert [(a.threshold_pct, a.title) for a in alerts] == [(80, "Claude 5-hour limit at 81%")]
    limits.mark_alerted(store, alerts)
    assert limits.due_alerts(store, snap, zone) == []  # once per window
    lstore.write_readings(store, [reading(96, now - 5 * MINUTE_MS, resets=now + HOUR_MS)])
    snap = limits.limits_snapshot(store, now)
    [alert] = limits.due_alerts(store, snap, zone)
    assert alert.threshold_pct == 95
    limits.mark_alerted(store, [alert])
    # the next run of the window is announced again
    lstore.write_readings(store, [reading(85, now + 2 * HOUR_MS, resets=now + 6 * HOUR_MS)])
    later = limits.limits_snapshot(store, now + 2 * HOUR_MS)
    assert [a.threshold_pct for a in limits.due_alerts(store, later, zone)] == [80]


def test_pace_text_in_local_time():
    zone = get_zone("Europe/Paris")
    w = limits.WindowView(reading(40, T0), pace(reading(40, T0), [reading(10, T0 - HOUR_MS)]), True)
    # 30%/hour from 40%: full at 12:00 UTC = 13:00 in Paris, an hour before the 13:00 UTC reset
    assert w.pace_text(zone, T0) == "at this rate you reach 100% at 13:00, 1 h before the reset"
    assert limits.duration_text(80 * MINUTE_MS) == "1 h 20" and limits.duration_text(50 * HOUR_MS) == "2 d 2 h"
    assert date.fromisoformat("2026-11-30")  # (the readings' day)


def test_the_typical_block_comes_from_the_months_blocks(store):
    now = ts("2026-11-30", 11)
    events = []
    for day, tokens in ((25, 1000), (26, 3000), (27, 2000), (28, 10_000)):  # one block a day, 10 requests each
        events += [event(f"g{day}-{i}", f"2026-11-{day}", "0.1", source="gemini_cli", hour=9, minute=i * 3,
                         tokens=tokens) for i in range(10)]
    events += [event(f"g30-{i}", "2026-11-30", "0.1", source="gemini_cli", hour=10, minute=i * 5, tokens=100)
               for i in range(6)]  # the running block: 10:00 to 10:25
    store.write_batch(events=events)
    snap = limits.limits_snapshot(store, now)
    [gemini] = snap.blocks
    assert gemini.outlook.past_blocks == 4
    # an event is its input plus a tenth as output; the 90th percentile of four blocks is the largest
    assert gemini.outlook.typical_tokens == 10 * (10_000 + 1_000)
    assert gemini.active.requests == 6 and gemini.active.start_ms == ts("2026-11-30", 10)
    assert gemini.active.tokens == 6 * 110 and gemini.outlook.projected_tokens > gemini.active.tokens
