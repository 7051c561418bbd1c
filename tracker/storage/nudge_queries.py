"""SQL for nudges: the usage rows they read and the state of each nudge."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tracker.core.timeutil import now_ms
from tracker.core.tokens import Tokens
from tracker.storage.migrations import TOKEN_COLUMNS
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


def iter_events(store: Store, start_ms: int, end_ms: int, batch_size: int = 5000) -> Iterator[EventUsage]:
    """Token metadata of every request in [start_ms, end_ms); the store keeps no prompt text."""
    sql = (
        f"SELECT rowid, source, model, provider, ts_ms, project, {', '.join(TOKEN_COLUMNS)}, tool_use, "
        "service_tier, requests, session FROM events WHERE ts_ms >= ? AND ts_ms < ? AND rowid > ? ORDER BY rowid LIMIT ?"
    )
    last = 0
    while True:
        rows = store.conn.execute(sql, (start_ms, end_ms, last, batch_size)).fetchall()
        if not rows:
            return
        for r in rows:
            yield EventUsage(
                source=r[1], model=r[2], provider=r[3], ts_ms=r[4], project=r[5], tokens=Tokens(*r[6:12]),
                tool_use=None if r[12] is None else bool(r[12]), service_tier=r[13], requests=r[14] or 1,
                session=r[15],
            )
        last = rows[-1][0]


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
