"""The sessions of a range that a text names, a page at a time: the Usage page's filter over its Sessions.

The view reads its sessions a page at a time (storage.session_pages.page), so a filter over the rows
loaded so far misses a match further down. This finds every match in the database instead, with the
same paging, order and sums as `session_pages.page`:

- the sessions wholly inside the range whose id, source or start time (local, as the table shows it:
  "2026-11-06 12:34") holds the text, from `session_totals`, and those with a project or a model that
  holds it, from one pass over the sessions rollup's days of the range;
- the few sessions that cross the range's edge (their part inside only) are kept or left by `keep`, the
  caller's test of the same words on the row it shows.

The text is looked for without regard to case (ASCII letters: SQLite's lower()).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

from tracker.storage.rollup_reads import MEASURES, _source_filter
from tracker.storage.rollups import NULL_TEXT_KEY, SESSION_TOTALS, SESSIONS
from tracker.storage.session_pages import (
    _INSIDE, SORTABLE, SessionPage, _crossing, _day_before, _inner_rows, figure_of, local_time_sql, merged_rows,
)

# the session totals' measures summed, and the name of each in a session row (SessionPage.sums)
_SUMMED = tuple(m for m in MEASURES if m != "n")
def _load_matched(conn: sqlite3.Connection, params: dict, where: str, sources: Sequence[str] | None,
                  named_sources: Sequence[str], spans: Sequence[tuple[int, int, str]]) -> None:
    """Fill the temp table _matched with the sessions wholly inside the range that the text (:text, lower
    case) names: by their id, source, start or a model, then by the project their row shows."""
    h_where, _ = _source_filter("h", sources)
    names = [f"n{i}" for i in range(len(named_sources))]
    by_source = f" OR t.source IN ({', '.join(':' + n for n in names)})" if names else ""
    started = f"replace(substr({local_time_sql('t.first_ms', spans)}, 1, 16), 'T', ' ')"
    days = f"FROM {SESSIONS.table} h WHERE h.day_ms >= :lo_day AND h.day_ms <= :hi{h_where}"
    params = params | dict(zip(names, named_sources)) | {"lo_day": _day_before(params["lo"])}
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _matched (source TEXT, session TEXT, PRIMARY KEY (source, session))")
    conn.execute("DELETE FROM _matched")
    conn.execute(
        f"WITH named AS (SELECT DISTINCT h.source, h.session {days} AND instr(lower(h.model), :text)) "
        f"INSERT INTO _matched SELECT t.source, t.session FROM {SESSION_TOTALS.table} t WHERE {_INSIDE}{where} "
        f"AND (instr(lower(t.session), :text) OR instr(lower(t.source), :text){by_source} "
        f"OR instr({started}, :text) OR (t.source, t.session) IN named)", params)
    # a session's row shows one project (of several, its first request's: session_pages._inner_rows)
    candidates = conn.execute(
        f"SELECT DISTINCT h.source, h.session {days} AND instr(lower(NULLIF(h.project, {NULL_TEXT_KEY})), :text) "
        "AND NOT EXISTS (SELECT 1 FROM _matched m WHERE m.source = h.source AND m.session = h.session)",
        params).fetchall()
    inside = {(r[0], r[1]) for r in conn.execute(f"SELECT t.source, t.session FROM {SESSION_TOTALS.table} t "
                                                  f"WHERE {_INSIDE}{where}", params)} if candidates else set()
    rows = _inner_rows(conn, [key for key in candidates if key in inside], params["lo"], params["hi"])
    conn.executemany("INSERT INTO _matched VALUES (?, ?)",
                     [key for key, row in rows.items() if _shows(row["project"], params["text"])])


def _shows(value: str | None, text: str) -> bool:
    """Whether a text column holds the text as SQLite's instr(lower(value), text) finds it (ASCII case)."""
    return value is not None and text in _ascii_lower(value)


def _ascii_lower(value: str) -> str:
    return value.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def matching_page(conn: sqlite3.Connection, start_ms: int, end_ms: int, sources: Sequence[str] | None,
                  order: str, descending: bool, offset: int, limit: int, text: str,
                  named_sources: Sequence[str], spans: Sequence[tuple[int, int, str]],
                  keep: Callable[[dict], bool]) -> SessionPage | None:
    """The sessions of [start_ms, end_ms) (0 <= start_ms) that `text` names, ordered by the public column
    `order`, rows offset..offset+limit, with their count and sums. `named_sources`: the sources whose name as
    shown holds the text (every session of theirs matches); `spans`: the zone's offsets over the range
    (session_pages.local_time_sql) for the start times; `keep(row)`: whether a session crossing the range's
    edge (a Store.sessions row) matches. None when `order` is not a column of a session's totals. The caller
    holds a snapshot and has checked that the rollups are live."""
    if order not in SORTABLE or start_ms < 0:
        return None
    where, params = _source_filter("t", sources)
    params |= {"lo": start_ms, "hi": end_ms, "text": text.lower()}
    if end_ms <= start_ms:
        return SessionPage([], 0, {figure_of(m): 0 for m in _SUMMED})
    crossing = [r for r in _crossing(conn, params, where) if keep(r)]
    _load_matched(conn, params, where, sources, named_sources, spans)
    direction = " DESC" if descending else ""
    sql = (f"SELECT {SORTABLE[order][0]}, t.source, t.session FROM _matched m CROSS JOIN {SESSION_TOTALS.table} t "
           f"ON t.source = m.source AND t.session = m.session ORDER BY 1{direction}, 2{direction}, 3{direction} LIMIT :n")
    places = conn.execute(sql, {"n": offset + limit}).fetchall()
    rows = merged_rows(conn, places, crossing, order, descending, offset, limit, start_ms, end_ms)
    count = conn.execute("SELECT COUNT(*) FROM _matched").fetchone()[0]
    return SessionPage(rows, count + len(crossing), _sums(conn, crossing))


def _sums(conn: sqlite3.Connection, crossing: list[dict]) -> dict:
    """The figures of the matched sessions (_matched, and the crossing rows kept) summed."""
    found = conn.execute(f"SELECT {', '.join(f'SUM(t.{m})' for m in _SUMMED)} FROM _matched m CROSS JOIN "
                         f"{SESSION_TOTALS.table} t ON t.source = m.source AND t.session = m.session").fetchone()
    sums = {figure_of(m): value or 0 for m, value in zip(_SUMMED, found)}
    for row in crossing:
        for figure in sums:
            sums[figure] += row[figure]
    return sums
