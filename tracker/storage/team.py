"""Team sharing records and the reads the own-machines export needs.

Functions over a `Store` (not methods), so the store class stays small and
this area merges without touching it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from tracker.core.timeutil import now_ms
from tracker.storage.store import BILLED_COLUMNS, BUCKET_COLUMNS, EVENT_COLUMNS, Store

EXPORT_BATCH_ROWS = 2000


def record_share(store: Store, week: str, kind: str, destination: str, ok: bool, detail: str | None,
                 payload: str, payload_sha256: str, sent_ms: int | None = None) -> int:
    with store.db.atomic():
        cur = store.conn.execute(
            "INSERT INTO team_shares (week, kind, destination, sent_ms, ok, detail, payload_sha256, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (week, kind, destination, sent_ms if sent_ms is not None else now_ms(), int(ok), detail,
             payload_sha256, payload),
        )
        return cur.lastrowid


def shares(store: Store, limit: int = 200) -> list[dict]:
    rows = store.conn.execute(
        "SELECT id, week, kind, destination, sent_ms, ok, detail, payload_sha256 FROM team_shares "
        "ORDER BY sent_ms DESC, id DESC LIMIT ?",
        (limit,),
    )
    keys = ("id", "week", "kind", "destination", "sent_ms", "ok", "detail", "payload_sha256")
    return [dict(zip(keys, r, strict=True)) | {"ok": bool(r[5])} for r in rows]


def share_payload(store: Store, share_id: int) -> str | None:
    row = store.conn.execute("SELECT payload FROM team_shares WHERE id = ?", (share_id,)).fetchone()
    return row[0] if row else None


def shared_ok(store: Store, week: str, kind: str, destination: str) -> bool:
    """Has this week already gone to this destination successfully?"""
    row = store.conn.execute(
        "SELECT 1 FROM team_shares WHERE week = ? AND kind = ? AND destination = ? AND ok = 1 LIMIT 1",
        (week, kind, destination),
    ).fetchone()
    return row is not None


def _iter_table(store: Store, table: str, columns: tuple[str, ...], where: str, params: tuple) -> Iterator[dict]:
    """Rows as dicts, in rowid order, fetched in batches (exports can be large)."""
    sql = (f"SELECT rowid, {', '.join(columns)} FROM {table} WHERE rowid > ? AND {where} "
           f"ORDER BY rowid LIMIT {EXPORT_BATCH_ROWS}")
    last = 0
    while True:
        rows = store.conn.execute(sql, (last, *params)).fetchall()
        if not rows:
            return
        for row in rows:
            yield dict(zip(columns, row[1:], strict=True))
        last = rows[-1][0]


def iter_events(store: Store, since_ms: int = 0) -> Iterator[dict]:
    return _iter_table(store, "events", EVENT_COLUMNS, "ts_ms >= ?", (since_ms,))


def iter_buckets(store: Store, since_ms: int = 0) -> Iterator[dict]:
    for row in _iter_table(store, "buckets", BUCKET_COLUMNS, "start_s * 1000 >= ?", (since_ms,)):
        row["extra"] = json.loads(row["extra"]) if row["extra"] else None
        yield row


def iter_billed(store: Store, since_day: str = "") -> Iterator[dict]:
    return _iter_table(store, "billed", BILLED_COLUMNS, "day >= ?", (since_day,))


def last_attempt_ms(store: Store, week: str, kind: str, destination: str) -> int | None:
    row = store.conn.execute(
        "SELECT MAX(sent_ms) FROM team_shares WHERE week = ? AND kind = ? AND destination = ?",
        (week, kind, destination),
    ).fetchone()
    return row[0] if row else None


def record_step(store: Store, team: str, week: str, step: str, settings_version: int, payload: str,
                created_ms: int | None = None) -> str:
    """Keep this member's protocol step once; returns the payload kept (the first one, if any)."""
    with store.db.atomic():
        store.conn.execute(
            "INSERT OR IGNORE INTO team_protocol (team, week, step, settings_version, payload, created_ms) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (team, week, step, settings_version, payload, created_ms if created_ms is not None else now_ms()),
        )
        row = store.conn.execute("SELECT payload FROM team_protocol WHERE team = ? AND week = ? AND step = ?",
                                 (team, week, step)).fetchone()
    return row[0]


def protocol_steps(store: Store, team: str) -> dict[tuple[str, str], str]:
    """{(week, step): payload} of this member's steps in `team`."""
    rows = store.conn.execute("SELECT week, step, payload FROM team_protocol WHERE team = ?", (team,))
    return {(r[0], r[1]): r[2] for r in rows}


def account_has_rows(store: Store, table: str, source: str, account: str) -> bool:
    if table not in ("buckets", "billed"):
        raise ValueError(table)
    row = store.conn.execute(f"SELECT 1 FROM {table} WHERE source = ? AND account = ? LIMIT 1",
                             (source, account)).fetchone()
    return row is not None
