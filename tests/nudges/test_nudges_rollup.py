"""Nudges read agentic sessions from the sessions rollup, and every figure stays what reading every
request gives: random usage (simple and agentic sessions, sessions across the analysis' time cuts,
requests without a session, unknown tool use, an upsert, re-prices and deletes), with switched and
snoozed nudges, analysed twice: once from the rollup, once request by request."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.nudges.nudge_usage import DAY_MS, NOW_MS
from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.services import nudges
from tracker.services.ingest import ingest
from tracker.services.simple_tasks import NudgeSettings, is_simple, set_setting
from tracker.storage import open_store
from tracker.storage.nudge_queries import SIMPLE_SQL, iter_events, session_parts
from tracker.storage.rollups import SESSIONS

MODELS = (("claude_code", "anthropic", "claude-opus-4-5"), ("claude_code", "anthropic", "claude-sonnet-4-5"),
          ("codex", "openai", "gpt-5"), ("codex", "openai", "gpt-5-mini"))
SMALL = Tokens(input_tokens=900, cache_read_tokens=20_000, cache_write_5m_tokens=300, output_tokens=300)
BIG = Tokens(input_tokens=3000, cache_read_tokens=90_000, cache_write_5m_tokens=6000, output_tokens=2500,
             reasoning_tokens=500)
# simple, at every threshold (services.simple_tasks.NudgeSettings' defaults)
EDGE = Tokens(input_tokens=1500, cache_write_5m_tokens=300, cache_write_1h_tokens=200, output_tokens=600,
              reasoning_tokens=200)
# requests that are not simple for one reason each (services.simple_tasks.is_simple): (tokens, tool use)
NOT_SIMPLE = ((SMALL, True), (SMALL, None), (Tokens(input_tokens=900, output_tokens=601), False),
              (Tokens(input_tokens=900, output_tokens=500, reasoning_tokens=201), False),
              (Tokens(input_tokens=1000, cache_write_5m_tokens=600, cache_write_1h_tokens=401, output_tokens=9), False),
              (BIG, True))


def _usage(rng: random.Random, n: int, prefix: str) -> list[UsageEvent]:
    """Quick sessions (simple requests only, but now and then one that is not), agent sessions, and
    requests without a session, over 50 days; sessions from hours to two days long, across every cut."""
    sessions = [(f"{prefix}{k}", rng.random() < 0.6, NOW_MS - rng.randrange(50 * DAY_MS),
                 rng.choice((3 * 3_600_000, 20 * 3_600_000, 2 * DAY_MS))) for k in range(n // 12 + 1)]
    out = []
    for i in range(n):
        source, provider, model = rng.choice(MODELS)
        name, quick, start, length = rng.choice(sessions)
        if rng.random() < 0.1:
            session, ts = rng.choice((None, "")), NOW_MS - rng.randrange(50 * DAY_MS)
        else:
            session, ts = f"{source}:{name}", min(start + rng.randrange(length), NOW_MS - 1)
        simple = rng.random() < (0.98 if quick else 0.3)
        tokens, tool_use = (rng.choice((SMALL, EDGE)), False) if simple else rng.choice(NOT_SIMPLE)
        out.append(UsageEvent(
            source=source, key=f"{prefix}{i}", ts_ms=ts, model=model, provider=provider, session=session,
            project=rng.choice(("web", "etl", None)), tokens=tokens, tool_use=tool_use,
            requests=rng.choice((1, 1, 1, 2, 0))))
    return out


def _docs(store, pricer, ladders) -> list[dict]:
    from tracker.core.timeutil import get_zone

    zone = get_zone("Europe/Paris")
    docs = []
    for now in (NOW_MS, NOW_MS - 9 * DAY_MS - 5 * 3_600_000 - 12_345):  # the cuts mid-day too
        analysis = nudges.analyse(store, pricer, zone, now=now, ladders=ladders)
        docs.append(nudges.to_json_doc(analysis, zone, now))
    return docs


def _prepare(path: Path, seed: int, pricer):
    store = open_store(path)
    for name, value in (("min_weekly_savings_usd", "0"), ("min_simple_share_percent", "0")):
        set_setting(store, name, value)  # every candidate shows: more of the analysis is compared
    rng = random.Random(seed)
    ingest(store, pricer, events=_usage(rng, 1500, "a"))
    again = _usage(random.Random(seed), 1500, "a")
    for e in again[::7]:  # an upsert that makes simple requests agentic
        e.tokens, e.tool_use = BIG, True
    ingest(store, pricer, events=again)
    rows = store.conn.execute("SELECT rowid FROM events").fetchall()
    store.update_costs("events", [(None, None, None, r) for (r,) in rows[::13]])
    with store.atomic():
        store.conn.execute("DELETE FROM events WHERE rowid % 17 = 0")
        store.conn.execute("UPDATE events SET ts_ms = ts_ms - 3 * 86400000 WHERE rowid % 19 = 0")
    return store


@pytest.mark.parametrize("seed", range(3))
def test_nudges_from_the_rollup_equal_nudges_from_every_request(tmp_path, pricer, ladders, seed):
    stores = [_prepare(tmp_path / f"{name}.db", seed, pricer) for name in ("rollup", "requests")]
    stores[1]._live_rollups = stores[1].live_rollups() - {SESSIONS.table}
    first = [_docs(s, pricer, ladders) for s in stores]
    assert first[0] == first[1]
    assert any(doc["nudges"] for doc in first[0])
    simple_sessions = [n["evidence"]["simple_sessions"] for doc in first[0] for n in doc["nudges"]]
    assert sum(simple_sessions) > 10, simple_sessions  # simple sessions were read request by request
    # the user acts on the nudges (switched ten days ago, snoozed); the follow-through is compared too
    ids = [n["id"] for n in first[0][0]["nudges"]]
    for s in stores:
        nudges.mark_switched(s, ids[0], 123, now=NOW_MS - 10 * DAY_MS - 7 * 3_600_000)
        if len(ids) > 1:
            nudges.snooze(s, ids[1], 3, now=NOW_MS - DAY_MS)
    second = [_docs(s, pricer, ladders) for s in stores]
    assert second[0] == second[1]
    assert any(n.get("follow_through") for doc in second[0] for n in doc["nudges"])
    for s in stores:
        s.close()


def test_the_sql_rule_of_a_simple_request_is_the_python_one(store):
    """services.simple_tasks.is_simple and nudge_queries.SIMPLE_SQL: the same request is simple in both."""
    rng = random.Random(4)
    settings = NudgeSettings(max_output_tokens=600, max_reasoning_tokens=200, max_fresh_input_tokens=2000)
    columns = ("tool_use", "input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens",
               "output_tokens", "reasoning_tokens")
    sql = (f"SELECT {SIMPLE_SQL.format(r='x')} FROM (SELECT "
           + ", ".join(f":{c} AS {c}" for c in columns) + ") x")
    for _ in range(3000):
        t = Tokens(*(rng.choice((0, 1, 199, 200, 201, 599, 600, 601, 1000, 1999, 2000, 2001)) for _ in range(6)))
        tool = rng.choice((None, True, False))
        values = {"tool_use": None if tool is None else int(tool), **t.as_dict(),
                  "max_output": 600, "max_reasoning": 200, "max_fresh": 2000}
        assert bool(store.conn.execute(sql, values).fetchone()[0]) == is_simple(t, tool, settings), (t, tool)


def _session_parts_of_every_request(store, start_ms: int, end_ms: int, cuts, settings: NudgeSettings):
    """What nudge_queries.session_parts answers, computed request by request: the simple sessions, and the
    agentic ones' (source, model, first request, requests, sessions) per segment between the cuts."""
    bounds = sorted({start_ms, end_ms, *(c for c in cuts if start_ms < c < end_ms)})
    agentic: dict[tuple, bool] = {}
    work: dict[tuple, list] = {}
    for e in iter_events(store, start_ms, end_ms):
        if not e.session:
            continue
        unit = (e.source, e.session)
        agentic[unit] = agentic.get(unit, False) or not is_simple(e.tokens, e.tool_use, settings)
        if e.model:
            segment = sum(1 for b in bounds[1:-1] if e.ts_ms >= b)
            first, requests = work.setdefault((segment, e.source, e.model), {}).get(unit, (e.ts_ms, 0))
            work[(segment, e.source, e.model)][unit] = (min(first, e.ts_ms), requests + e.requests)
    simple = sorted(unit for unit, kind in agentic.items() if not kind)
    rows = []
    for (_, source, model), units in work.items():
        mine = {unit: sums for unit, sums in units.items() if agentic[unit]}
        if mine:
            rows.append((source, model, min(first for first, _ in mine.values()),
                         sum(requests for _, requests in mine.values()), frozenset(s for _, s in mine)))
    return simple, sorted(rows, key=repr)


@pytest.mark.parametrize("seed", range(3))
def test_session_parts_equal_the_parts_of_every_request(store, pricer, seed):
    """The sessions rollup's read (parts inside a segment from the rollup, those across a cut or the range's
    edge from events) gives every request's answer: random sessions across the cuts, unknown tool use, and a
    session across a cut whose requests in the range are all short with unknown tool use (not simple: the
    events' rule must not read that as unknown and drop the session)."""
    rng = random.Random(seed)
    events = _usage(rng, 1500, "p")
    cut = NOW_MS - 20 * DAY_MS - 5 * 3_600_000 - 12_345
    events += [UsageEvent(source="codex", key=f"unknown{i}", ts_ms=cut - 3_600_000 + i * 1_200_000, model="gpt-5",
                          provider="openai", session="codex:unknown-tools", project="web", tokens=SMALL,
                          tool_use=None) for i in range(6)]
    ingest(store, pricer, events=events)
    with store.atomic():
        store.conn.execute("DELETE FROM events WHERE rowid % 17 = 0")
    settings = NudgeSettings()
    thresholds = {"max_output": settings.max_output_tokens, "max_reasoning": settings.max_reasoning_tokens,
                  "max_fresh": settings.max_fresh_input_tokens}
    for start, end, cuts in ((NOW_MS - 40 * DAY_MS, NOW_MS, (cut, NOW_MS - 7 * DAY_MS - 12_345, NOW_MS - 40 * DAY_MS)),
                             (cut - 30 * 60_000, NOW_MS - 3 * DAY_MS, (cut,)),
                             (NOW_MS - 45 * DAY_MS + 7, NOW_MS - 5, ())):
        parts = session_parts(store, start, end, cuts, thresholds)
        got = parts.simple, sorted(((w.source, w.model, w.first_ms, w.requests, w.sessions) for w in parts.agentic),
                                   key=repr)
        expected = _session_parts_of_every_request(store, start, end, cuts, settings)
        assert got == expected
        assert any("codex:unknown-tools" in w.sessions for w in parts.agentic) == (start < cut)
