"""The hourly cost rollup behind the dashboard stays equal to the events, whatever is written."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import pytest

from tracker.core.records import UsageEvent
from tracker.core.timeutil import UTC, get_zone, to_ms, windows
from tracker.core.tokens import Tokens
from tracker.services.ingest import ingest

DAY0 = date(2026, 3, 20)  # spans the EU daylight-saving change (29 March)


def _events(rng: random.Random, n: int, tag: str) -> list[UsageEvent]:
    models = ["claude-sonnet-4-5", "gpt-5-codex", "no-such-model-xyz"]
    out = []
    for i in range(n):
        moment = datetime.combine(DAY0, time(0), UTC) + timedelta(minutes=rng.randrange(20 * 24 * 60))
        out.append(UsageEvent(source=rng.choice(["claude_code", "codex"]), key=f"{tag}{rng.randrange(n * 2)}",
                              ts_ms=to_ms(moment), model=rng.choice(models), provider=None,
                              tokens=Tokens(input_tokens=rng.randint(1, 5000), output_tokens=rng.randint(1, 900)),
                              requests=rng.choice([1, 1, 1, 3])))
    return out


def _rollup_rows(store):
    return sorted(store.conn.execute(
        "SELECT hour_ms, source, model, n, requests, cost_pico, unpriced, input_tokens, cache_read_tokens, "
        "cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens FROM events_hourly").fetchall())


def _from_events(store):
    return sorted(store.conn.execute(
        "SELECT ts_ms - ts_ms % 3600000 AS h, source, model, COUNT(*), SUM(requests), SUM(COALESCE(cost_pico, 0)), "
        "SUM(CASE WHEN cost_pico IS NULL THEN MAX(requests, 1) ELSE 0 END), SUM(input_tokens), "
        "SUM(cache_read_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), SUM(output_tokens), "
        "SUM(reasoning_tokens) FROM events GROUP BY h, source, model"
    ).fetchall())


def _costs(rows):
    return sorted((r["period"], r["source"], r["model"], r["cost_pico"], r["unpriced_requests"], r["requests"])
                  for r in rows)


def test_rollup_follows_inserts_upserts_reprices_and_deletes(ctx):
    rng = random.Random(5)
    store = ctx.store
    ingest(store, ctx.pricer, events=_events(rng, 400, "a"))
    assert _rollup_rows(store) == _from_events(store) and _rollup_rows(store)
    # the same keys again with other numbers (an upsert that updates), and a re-read that changes nothing
    again = _events(random.Random(5), 400, "a")
    for e in again:
        e.tokens = Tokens(input_tokens=e.tokens.input_tokens * 2, output_tokens=e.tokens.output_tokens)
    ingest(store, ctx.pricer, events=again, keep_most_complete=True)
    ingest(store, ctx.pricer, events=_events(random.Random(5), 400, "a"), keep_most_complete=True)
    assert _rollup_rows(store) == _from_events(store)
    # re-pricing, including to unpriced, and moving rows between hours
    rows = store.conn.execute("SELECT rowid, cost_pico FROM events").fetchall()
    store.update_costs("events", [(None if i % 5 == 0 else (c or 0) + 7, "test", None, rid)
                                  for i, (rid, c) in enumerate(rows)])
    with store.db.atomic():
        store.conn.execute("UPDATE events SET ts_ms = ts_ms + 5400000 WHERE rowid % 7 = 0")
        store.conn.execute("DELETE FROM events WHERE rowid % 11 = 0")
    assert _rollup_rows(store) == _from_events(store)
    assert all(r[3] > 0 for r in _rollup_rows(store))  # emptied hours are removed, not left at zero


def _by_hand(store, wins) -> list[tuple]:
    """The aggregate's figures summed in Python from every event row: the reference."""
    sums = {}
    events = store.conn.execute(
        "SELECT ts_ms, source, model, requests, cost_pico, input_tokens, cache_read_tokens, cache_write_5m_tokens, "
        "cache_write_1h_tokens, output_tokens, reasoning_tokens FROM events").fetchall()
    for ts, source, model, requests, cost, *tokens in events:
        for w in wins:
            if w.start_ms <= ts < w.end_ms:
                acc = sums.setdefault((w.label, source, model), [0] * 9)
                acc[0] += cost or 0
                acc[1] += max(requests, 1) if cost is None else 0
                acc[2] += requests
                for i, n in enumerate(tokens):
                    acc[3 + i] += n
    return sorted((*k, *v) for k, v in sums.items())


def _figures(rows) -> list[tuple]:
    return sorted((r["period"], r["source"], r["model"], r["cost_pico"], r["unpriced_requests"], r["requests"],
                   *(r[c] for c in ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens",
                                    "cache_write_1h_tokens", "output_tokens", "reasoning_tokens"))) for r in rows)


@pytest.mark.parametrize("zone_name", ["UTC", "Europe/Paris", "Asia/Kolkata"])
def test_aggregate_from_the_rollup_equals_the_events(ctx, zone_name):
    ingest(ctx.store, ctx.pricer, events=_events(random.Random(9), 600, "b"))
    zone = get_zone(zone_name)
    wins = windows(DAY0, DAY0 + timedelta(days=19), "day", zone)
    fast = ctx.store.aggregate(wins, group_by=("source", "model"), tokens=False)
    full = ctx.store.aggregate(wins, group_by=("source", "model"), tokens=True)
    assert _costs(fast) == _costs(full) and fast
    assert _figures(full) == _by_hand(ctx.store, wins)
    # a +05:30 zone's days are not unions of UTC hours: that case reads events (still equal above)
    aligned = all(w.start_ms % 3_600_000 == 0 for w in wins)
    assert aligned == (zone_name != "Asia/Kolkata")


def test_missing_triggers_fall_back_to_events(ctx, tracker_home):
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    ingest(ctx.store, ctx.pricer, events=_events(random.Random(3), 200, "c"))
    ctx.store.conn.execute("DROP TRIGGER events_hourly_insert")  # as a table rebuild would
    ctx.store.conn.commit()
    ingest(ctx.store, ctx.pricer, events=_events(random.Random(4), 200, "d"))  # the rollup misses these
    with open_context(get_paths()) as fresh:
        wins = windows(DAY0, DAY0 + timedelta(days=19), "day", get_zone("UTC"))
        fast = fresh.store.aggregate(wins, group_by=("source", "model"), tokens=False)
        full = fresh.store.aggregate(wins, group_by=("source", "model"), tokens=True)
        assert not fresh.store._rollup_live()
        assert _costs(fast) == _costs(full)
