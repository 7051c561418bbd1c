"""Plans and limit windows for the demo (`tracker --demo`): a Claude Max plan, and Codex and Claude windows over two weeks.

The windows are derived from the demo's own usage, the way a provider meters
a plan: each 5-hour block's API-equivalent cost against a cap, and each week's
against a weekly cap (caps chosen from the demo's figures, so the windows run
between quiet and nearly full). Readings are written as the log import and the
Claude poll write theirs. Idempotent: readings are keyed by their time, the
plan is set once.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tracker.core.limits import BLOCK_MS, LimitReading, blocks, percentile
from tracker.core.timeutil import UTC, now_ms, to_ms
from tracker.storage import Store
from tracker.storage import limits as lstore
from tracker.storage import plans as pstore

DEMO_PLAN = ("claude_code", "claude-max-5x", "Claude Max 5x", "100", "USD")
WINDOW_DAYS = 14  # readings this far back (the Limits chart's range)
READING_EVERY_MS = 15 * 60_000  # a reading at most this often while the agent is used
WEEK_MS = 7 * 86_400_000
# Caps over the demo's typical figures: the 90th percentile block fills BLOCK_CAP_SHARE of a window.
BLOCK_CAP_SHARE = 0.85
WEEK_CAP_SHARE = 0.9
# (source, 5-hour limit id, weekly limit id, limit name)
DEMO_WINDOWS = (
    ("codex", "codex.primary", "codex.secondary", "Codex"),
    ("claude_code", "five_hour", "seven_day", None),
)


def seed(store: Store, first: date, end_day: date, now: int | None = None) -> int:
    """The demo's plan (once) and window readings for the last WINDOW_DAYS up to `now`; returns readings written."""
    now = now_ms() if now is None else now
    if not any(p.source == DEMO_PLAN[0] for p in pstore.list_plans(store)):
        source, plan, name, price, currency = DEMO_PLAN
        pstore.upsert_plan(store, source, plan, name, price, currency, first.isoformat(), None)
    written = 0
    start = to_ms(datetime.combine(end_day - timedelta(days=WINDOW_DAYS - 1), time(0), UTC))
    for source, short_id, week_id, name in DEMO_WINDOWS:
        # a month of history sets the caps; readings cover the last two weeks
        points = lstore.usage_by_minute(store, start - 16 * 86_400_000, now + 1, [source])[source]
        if not points:
            continue
        costs = [(ts, cost) for ts, _tokens, cost, _requests, _unpriced in points]
        found = blocks(points)
        block_cap = max(1, int(percentile([b.cost_pico for b in found], 90) / BLOCK_CAP_SHARE))
        week_of = lambda ts: (ts - start) // WEEK_MS  # noqa: E731  (weeks counted from the window's first day)
        week_totals: dict[int, int] = {}
        for ts, cost in costs:
            week_totals[week_of(ts)] = week_totals.get(week_of(ts), 0) + cost
        week_cap = max(1, int(max(week_totals.values()) / WEEK_CAP_SHARE))
        readings = []
        block_index, in_block, in_week, last_week, last_reading = 0, 0, 0, None, None
        for ts, cost in costs:
            while block_index + 1 < len(found) and ts >= found[block_index + 1].first_ms:
                block_index += 1
                in_block = 0
            if week_of(ts) != last_week:
                last_week, in_week = week_of(ts), 0
            in_block += cost
            in_week += cost
            if ts < start or (last_reading is not None and ts - last_reading < READING_EVERY_MS):
                continue
            last_reading = ts
            block = found[block_index]
            week_end = start + (last_week + 1) * WEEK_MS
            # providers stop at 100%: the agent waits for the reset
            readings.append(LimitReading(source, short_id, ts, min(100.0, round(100 * in_block / block_cap, 1)), 300,
                                         block.start_ms + BLOCK_MS, name))
            readings.append(LimitReading(source, week_id, ts, min(100.0, round(100 * in_week / week_cap, 1)),
                                         10_080, week_end, name))
        written += lstore.write_readings(store, readings)
    return written

