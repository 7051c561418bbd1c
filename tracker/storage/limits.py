"""Limit-window readings (time series per source and limit id) and the per-minute usage blocks are cut from."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)

from tracker.storage.migrations import TOKEN_COLUMNS
from tracker.storage.transactions import NULL_PARAM

if TYPE_CHECKING:  # (the readings' class, ~2 ms of dataclasses: a log import writes rows and never needs it)
    from tracker.core.limits import LimitReading

_COLUMNS = ("source", "account", "limit_id", "observed_ms", "used_pct", "window_minutes", "resets_at_ms", "name",
            "detail")
# A reading is keyed by when it was observed: the same log line read again writes the same row.
READING_UPSERT = (
    f"INSERT INTO limit_windows ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) "
    "ON CONFLICT(source, account, limit_id, observed_ms) DO UPDATE SET used_pct = excluded.used_pct, "
    "window_minutes = excluded.window_minutes, resets_at_ms = excluded.resets_at_ms, name = excluded.name, "
    "detail = excluded.detail"
)


def reading_row(r: LimitReading) -> tuple:
    """The row of a reading, for READING_UPSERT (NULLs as NULL_PARAM: a log import writes them by the thousand)."""
    return (r.source, r.account or "", r.limit_id, r.observed_ms, float(r.used_pct),
            r.window_minutes if r.window_minutes is not None else NULL_PARAM,
            r.resets_at_ms if r.resets_at_ms is not None else NULL_PARAM, r.name if r.name is not None else NULL_PARAM,
            json.dumps(r.detail, sort_keys=True) if r.detail else NULL_PARAM)


def _readings(records: Iterable[Sequence]) -> list[LimitReading]:
    from tracker.core.limits import LimitReading

    return [LimitReading(source=rec[0], account=rec[1], limit_id=rec[2], observed_ms=rec[3], used_pct=rec[4],
                         window_minutes=rec[5], resets_at_ms=rec[6], name=rec[7],
                         detail=json.loads(rec[8]) if rec[8] else None) for rec in records]


def write_reading_rows(conn, rows: Sequence[tuple]) -> None:
    """Upsert reading rows on the caller's connection, inside the caller's transaction."""
    if rows:
        conn.executemany(READING_UPSERT, rows)


def write_readings(store, readings: Iterable[LimitReading]) -> int:
    rows = [reading_row(r) for r in readings]
    with store.atomic():
        write_reading_rows(store.conn, rows)
    return len(rows)


def latest_readings(store) -> list[LimitReading]:
    """The newest reading of every (source, account, limit id)."""
    sql = (
        f"SELECT {', '.join('w.' + c for c in _COLUMNS)} FROM limit_windows w JOIN "
        "(SELECT source, account, limit_id, MAX(observed_ms) AS newest FROM limit_windows "
        " GROUP BY source, account, limit_id) n ON n.source = w.source AND n.account = w.account "
        "AND n.limit_id = w.limit_id AND n.newest = w.observed_ms ORDER BY w.source, w.limit_id, w.account"
    )
    return _readings(store.conn.execute(sql))


def readings_between(store, start_ms: int, end_ms: int, source: str | None = None,
                     limit_id: str | None = None) -> list[LimitReading]:
    """Readings observed in [start_ms, end_ms), oldest first (optionally of one source / limit)."""
    where, params = ["observed_ms >= ?", "observed_ms < ?"], [start_ms, end_ms]
    if source is not None:
        where.append("source = ?")
        params.append(source)
    if limit_id is not None:
        where.append("limit_id = ?")
        params.append(limit_id)
    sql = f"SELECT {', '.join(_COLUMNS)} FROM limit_windows WHERE {' AND '.join(where)} ORDER BY observed_ms"
    return _readings(store.conn.execute(sql, params))


def usage_by_minute(store, start_ms: int, end_ms: int, sources: Sequence[str]
                    ) -> dict[str, list[tuple[int, int, int, int, int]]]:
    """Per source: (minute start ms, tokens, API-equivalent cost of the priced requests, requests, unpriced
    requests) of its events in [start_ms, end_ms), in time order: what 5-hour blocks are cut from.

    Tokens are everything the model read and wrote (as ccusage counts a block's tokens).
    """
    return _usage_points(store, "events", "ts_ms", 60_000, start_ms, end_ms, sources)


def usage_by_hour(store, start_ms: int, end_ms: int, sources: Sequence[str]
                  ) -> dict[str, list[tuple[int, int, int, int, int]]]:
    """The same per UTC hour, from the hourly rollup when it is live (a month of a heavy user's events is
    tens of thousands of rows; its hours are a few hundred)."""
    if store._rollup_live():
        return _usage_points(store, "events_hourly", "hour_ms", 3_600_000, start_ms, end_ms, sources,
                             requests="requests", unpriced="unpriced")
    return _usage_points(store, "events", "ts_ms", 3_600_000, start_ms, end_ms, sources)


def _usage_points(store, table: str, ts_column: str, step_ms: int, start_ms: int, end_ms: int,
                  sources: Sequence[str], requests: str = "requests",
                  unpriced: str = "CASE WHEN cost_pico IS NULL THEN requests ELSE 0 END") -> dict[str, list[tuple]]:
    tokens = " + ".join(f"COALESCE({c}, 0)" for c in TOKEN_COLUMNS[:5])
    placeholders = ", ".join("?" for _ in sources)
    sql = (
        f"SELECT source, ({ts_column} / {step_ms}) * {step_ms} AS step, SUM({tokens}), COALESCE(SUM(cost_pico), 0), "
        f"SUM({requests}), SUM({unpriced}) FROM {table} WHERE {ts_column} >= ? AND {ts_column} < ? "
        # `+source`: the time range is the narrow part; SQLite otherwise walks every event of the sources
        # through the primary key (half a second over a million events, ~1 ms this way)
        f"AND +source IN ({placeholders}) GROUP BY source, step ORDER BY source, step"
    )
    result: dict[str, list[tuple]] = {source: [] for source in sources}
    for source, step, t, c, r, u in store.conn.execute(sql, (start_ms, end_ms, *sources)):
        result[source].append((step, t or 0, c or 0, r or 0, u or 0))
    return result
