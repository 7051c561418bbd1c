"""SQL for nudges: the usage rows they read and the state of each nudge."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import orjson

from tracker.core.timeutil import now_ms
from tracker.core.tokens import Tokens
from tracker.storage import rollup_reads
from tracker.storage.migrations import TOKEN_COLUMNS
from tracker.storage.rollups import SESSIONS
from tracker.storage.store import Store

STATE_COLUMNS = (
    "id", "source", "model", "suggested_model", "status", "snoozed_until_ms", "switched_at_ms",
    "switched_by", "estimated_weekly_pico", "notified", "updated_ms",
)


@dataclass(frozen=True, slots=True)
class EventUsage:
    source: str
    model: str
    provider: str | None
    ts_ms: int
    project: str | None
    tokens: Tokens
    tool_use: bool | None
    service_tier: str | None
    requests: int
    session: str | None = None  # the agent's session (its model is chosen per session, not per request)
    rowid: int = 0  # the row's place in the table: requests in the order they were written


@dataclass(frozen=True, slots=True)
class BucketUsage:
    source: str
    model: str
    provider: str | None
    start_s: int
    tokens: Tokens
    requests: int
    service_tier: str | None
    batch: bool
    project: str | None


_EVENT_USAGE = (f"e.rowid, e.source, e.model, e.provider, e.ts_ms, e.project, "
                f"{', '.join('e.' + c for c in TOKEN_COLUMNS)}, e.tool_use, e.service_tier, e.requests, e.session")


def _event_usage(r) -> EventUsage:
    return EventUsage(
        source=r[1], model=r[2], provider=r[3], ts_ms=r[4], project=r[5], tokens=Tokens(*r[6:12]),
        tool_use=None if r[12] is None else bool(r[12]), service_tier=r[13], requests=r[14] or 1,
        session=r[15], rowid=r[0],
    )


def iter_events(store: Store, start_ms: int, end_ms: int, batch_size: int = 5000) -> Iterator[EventUsage]:
    """Token metadata of every request in [start_ms, end_ms); the store keeps no prompt text."""
    sql = (f"SELECT {_EVENT_USAGE} FROM events e WHERE e.ts_ms >= ? AND e.ts_ms < ? AND e.rowid > ? "
           "ORDER BY e.rowid LIMIT ?")
    last = 0
    while True:
        rows = store.conn.execute(sql, (start_ms, end_ms, last, batch_size)).fetchall()
        if not rows:
            return
        for r in rows:
            yield _event_usage(r)
        last = rows[-1][0]


# services.simple_tasks.is_simple of a request {r}, and of a session's rollup row (h) holding any request
# that is not: the same thresholds (:max_output, :max_reasoning, :max_fresh). A test keeps them equal.
SIMPLE_SQL = ("({r}.tool_use = 0 AND {r}.output_tokens <= :max_output AND {r}.reasoning_tokens <= :max_reasoning "
              "AND {r}.input_tokens + {r}.cache_write_5m_tokens + {r}.cache_write_1h_tokens <= :max_fresh)")
_NOT_SIMPLE_TOTAL = ("(h.tools > 0 OR h.max_output > :max_output OR h.max_reasoning > :max_reasoning "
                     "OR h.max_fresh > :max_fresh)")


@dataclass(frozen=True, slots=True)
class AgenticWork:
    """The requests on one model of the agentic sessions (those with a request that is not simple) within one
    segment of time: when the first was, how many (each row one at least), and which sessions made them."""

    source: str
    model: str
    first_ms: int
    requests: int
    sessions: frozenset[str]


@dataclass(frozen=True, slots=True)
class SessionWork:
    simple: list[tuple[str, str]]  # (source, session) of the sessions whose every request is simple
    agentic: list[AgenticWork]


def session_parts(store: Store, start_ms: int, end_ms: int, cuts: Sequence[int],
                  thresholds: dict[str, int]) -> SessionWork | None:
    """The sessions of [start_ms, end_ms): the simple ones, and the agentic ones' work per segment between
    the cuts and model, from the sessions rollup (the rows that cross a cut or the range's edge from their
    events), added up by SQLite (tens of thousands of session parts a month); None when the rollup is not
    live. `thresholds`: max_output, max_reasoning, max_fresh. The caller holds a snapshot."""
    if SESSIONS.table not in store.live_rollups() or end_ms <= start_ms:
        return None
    bounds = sorted({start_ms, end_ms, *(c for c in cuts if start_ms < c < end_ms)})
    total = "{label}, h.source, h.session, h.model, h.first_ms, h.requests_min1, " + _NOT_SIMPLE_TOTAL
    event = ("{label}, e.source, e.session, e.model, MIN(e.ts_ms), SUM(COALESCE(NULLIF(e.requests, 0), 1)), "
             f"MAX(NOT COALESCE({SIMPLE_SQL.format(r='e')}, 0))")  # unknown tool use: NULL = 0 is NULL, not simple
    # a session named '' is no session (services.nudges: each of its requests is its own unit)
    parts, params = rollup_reads.session_parts_at_cuts(bounds, total, event, " AND h.session != ''",
                                                       " AND e.session != '' GROUP BY 1, 2, 3, 4")
    params |= thresholds
    sql = (f"WITH parts(label, source, session, model, first_ms, requests, not_simple) AS MATERIALIZED ({parts}), "
           "kinds AS (SELECT source, session, MAX(not_simple) AS agentic FROM parts GROUP BY 1, 2) "
           "SELECT 0, source, session, NULL, NULL, NULL FROM kinds WHERE NOT agentic "
           # (a session's parts on a model in a segment repeat it: the set below keeps it once)
           "UNION ALL SELECT 1, p.source, json_group_array(p.session), p.model, MIN(p.first_ms), SUM(p.requests) "
           "FROM parts p WHERE (p.source, p.session) IN (SELECT source, session FROM kinds WHERE agentic) "
           "AND p.model != '' GROUP BY p.label, p.source, p.model")
    simple, agentic = [], []
    for r in store.conn.execute(sql, params):
        if r[0]:
            agentic.append(AgenticWork(r[1], r[3], r[4], r[5], frozenset(orjson.loads(r[2]))))
        else:
            simple.append((r[1], r[2]))
    return SessionWork(sorted(simple), agentic)


def unit_requests(store: Store, start_ms: int, end_ms: int,
                  sessions: Sequence[tuple[str, str]]) -> list[EventUsage]:
    """Every request of [start_ms, end_ms) without a session, and every request of `sessions` (source,
    session) there, in the order they were written. The caller holds a snapshot."""
    conn = store.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _units (source TEXT, session TEXT)")
    conn.execute("DELETE FROM _units")
    conn.executemany("INSERT INTO _units VALUES (?, ?)", sessions)
    # by time among the requests without a session (m130's partial index, where it is there: without
    # statistics SQLite would rather take every such request of all time from the session index), and
    # the sessions' requests by the session index (CROSS JOIN keeps that order)
    lone = " INDEXED BY events_lone_ts" if conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'events_lone_ts'").fetchone() else ""
    sql = (f"SELECT {_EVENT_USAGE} FROM events e{lone} WHERE e.ts_ms >= :lo AND e.ts_ms < :hi "
           "AND (e.session IS NULL OR e.session = '') "
           f"UNION ALL SELECT {_EVENT_USAGE} FROM _units u CROSS JOIN events e ON e.session = u.session "
           "AND e.source = u.source WHERE e.ts_ms >= :lo AND e.ts_ms < :hi ORDER BY 1")
    return [_event_usage(r) for r in conn.execute(sql, {"lo": start_ms, "hi": end_ms})]


def iter_token_buckets(store: Store, start_ms: int, end_ms: int) -> Iterator[BucketUsage]:
    """Provider buckets that carry tokens and a request count (OpenAI completions, ...)."""
    sql = (
        f"SELECT source, model, provider, start_s, {', '.join(TOKEN_COLUMNS)}, requests, service_tier, batch, "
        "COALESCE(NULLIF(project_id, ''), NULLIF(workspace_id, '')) FROM buckets "
        "WHERE start_s * 1000 >= ? AND start_s * 1000 < ? AND requests > 0 AND model IS NOT NULL "
        "ORDER BY start_s"
    )
    for r in store.conn.execute(sql, (start_ms, end_ms)):
        yield BucketUsage(
            source=r[0], model=r[1], provider=r[2], start_s=r[3], tokens=Tokens(*r[4:10]), requests=r[10],
            service_tier=r[11], batch=bool(r[12]), project=r[13],
        )


def nudge_states(store: Store) -> dict[str, dict]:
    rows = store.conn.execute(f"SELECT {', '.join(STATE_COLUMNS)} FROM nudge_state")
    return {r[0]: dict(zip(STATE_COLUMNS, r)) for r in rows}


def save_nudge_states(store: Store, states: list[dict]) -> None:
    """Upsert nudge states in one transaction (missing columns become NULL / defaults)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in STATE_COLUMNS if c != "id")
    sql = (
        f"INSERT INTO nudge_state ({', '.join(STATE_COLUMNS)}) VALUES ({', '.join('?' for _ in STATE_COLUMNS)}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates}"
    )
    stamp = now_ms()
    rows = []
    for state in states:
        row = {c: state.get(c) for c in STATE_COLUMNS}
        row["status"] = row["status"] or "open"
        row["notified"] = int(bool(row["notified"]))
        row["updated_ms"] = stamp
        rows.append([row[c] for c in STATE_COLUMNS])
    with store.db.atomic():
        store.conn.executemany(sql, rows)
