"""Sums per window and group read from the rollups (storage.rollups), exactly as from events.

Every figure is a sum of the same per-event measures (rollups.MEASURES_V1), so
reading a rollup row or the events it sums gives the same numbers; the readers
read events only where a rollup cannot answer:

- an hourly rollup (events_hourly, events_project_hourly) answers the whole
  UTC hours inside a window; the rest of the window (a +05:30 zone's midnight
  falls mid-hour) is read from events by time;
- the sessions rollup answers each session (per model and project) that lies
  wholly inside one window; a session that crosses a window's edge is read
  from events by the session index, for that session only.

A row: period (the window's label), the group keys, every measure, and the
window's start (`_start_ms`), as Store.aggregate returns them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from tracker.core.plain_record import PlainRecord
from tracker.core.timeutil import Window
from tracker.storage.migrations import HOUR_MS, TOKEN_COLUMNS
from tracker.storage.rollup_days import split_at_days
from tracker.storage.rollups import DAY_KEY, DAY_MS, HOURLY_DAILY, MEASURES_V1, NULL_TEXT_KEY, PROJECTS, PROJECTS_DAILY, SESSIONS
from tracker.storage.rollups import HOURLY as HOURLY_ROLLUP
from tracker.storage.value import UNTAGGED

MEASURES = tuple(name for name, _ in MEASURES_V1)  # n, requests, cost_pico, unpriced, tokens..., partly, priced
_EVENT_MEASURE = dict(MEASURES_V1)
# Store.session_tuples' row: Store.sessions' row as a tuple, its order first (first request, source, session),
# its models a sorted tuple. A year of sessions is tens or hundreds of thousands of rows: a tuple each, built
# once, is what a report of all of them formats (services.reports.sessions_json).
SESSION_FIELDS = ("first_ms", "source", "session", "last_ms", "project", "models", *TOKEN_COLUMNS, "requests",
                "cost_pico", "unpriced_requests", "partly_priced_requests", "priced_rows")
# group keys that events never have (a provider's API key and user): the same NULL from any rollup
_NO_EVENT_VALUE = {"api_key": "NULL", "user": "NULL"}


def _tag_name(tag_id_sql: str) -> str:
    return f"COALESCE((SELECT name FROM tags WHERE id = {tag_id_sql}), '{UNTAGGED}')"


class Grain(PlainRecord):
    """A rollup table as a reader sees it: the group keys it answers (SQL over alias h). (A plain record, not
    a dataclass: this module is on every report's way, and the dataclasses machinery costs ~5 ms to load.)"""

    _fields = __slots__ = ("table", "groups")

    def __init__(self, table: str, groups: dict[str, str]):
        self.table, self.groups = table, groups

    def answers(self, group_by: Iterable[str]) -> bool:
        return all(key in self.groups for key in group_by)


_DECODED_PROJECT = f"NULLIF(h.project, {NULL_TEXT_KEY})"
_PROJECT_TAG = "NULLIF(h.tag_key, 0)"
HOURLY = Grain(HOURLY_ROLLUP.table, {"source": "h.source", "model": "h.model", **_NO_EVENT_VALUE})
PROJECT_HOURLY = Grain(
    PROJECTS.table,
    {"source": "h.source", "account": "h.account", "project": _DECODED_PROJECT, "tag_id": _PROJECT_TAG,
     "tag": _tag_name(_PROJECT_TAG), **_NO_EVENT_VALUE},
)
PROJECT_DAILY = Grain(PROJECTS_DAILY.table, PROJECT_HOURLY.groups)  # the same keys, by UTC day
SESSION_TOTALS = Grain(
    SESSIONS.table, {"source": "h.source", "session": "h.session", "project": _DECODED_PROJECT, **_NO_EVENT_VALUE})
HOURLY_GRAINS = (HOURLY, PROJECT_HOURLY)  # in order of preference (fewest rows first)
# each hourly rollup's by UTC day (the same keys): a window's whole days
DAILY_OF = {HOURLY.table: Grain(HOURLY_DAILY.table, HOURLY.groups), PROJECT_HOURLY.table: PROJECT_DAILY}


def _sums(alias: str, events: bool = False) -> str:
    """SUM of every measure: of a rollup's columns, or (`events`) of event rows."""
    if events:
        return ", ".join(f"SUM({_EVENT_MEASURE[m].format(r=alias)})" for m in MEASURES)
    return ", ".join(f"SUM({alias}.{m})" for m in MEASURES)


def _source_filter(alias: str, sources: Sequence[str] | None) -> tuple[str, dict]:
    """The WHERE addition keeping only `sources`, with named parameters (:s0, :s1, ...)."""
    if not sources:
        return "", {}
    names = [f"s{i}" for i in range(len(sources))]
    return f" AND {alias}.source IN ({', '.join(':' + n for n in names)})", dict(zip(names, sources))


def _event_groups(group_by: Sequence[str], event_groups: dict[str, str]) -> list[str]:
    return [event_groups[k] for k in group_by]


class Sums:
    """Parts (label, groups..., measures...) added up per label and group, in the order first seen."""

    def __init__(self, n_groups: int):
        self.n_groups = n_groups
        self.rows: dict[tuple, list] = {}

    def add(self, records: Iterable[Sequence], sign: int = 1) -> None:
        k = 1 + self.n_groups
        for rec in records:
            key = tuple(rec[:k])
            row = self.rows.get(key)
            if row is None:
                self.rows[key] = [sign * v for v in rec[k:]]
            else:
                for i, v in enumerate(rec[k:]):
                    row[i] += sign * v

    def dicts(self, group_by: Sequence[str], tokens: bool, starts: dict[str, int]) -> list[dict]:
        # a part with no event left (a remainder that was all sessions) is no row
        return rows_of(((*key, *values) for key, values in self.rows.items() if values[0]), group_by, tokens, starts)


_AT = {m: i for i, m in enumerate(MEASURES)}


def rows_of(records: Iterable[Sequence], group_by: Sequence[str], tokens: bool, starts: dict[str, int]) -> list[dict]:
    """(label, groups..., measures...) -> Store.aggregate's rows."""
    out = []
    k = 1 + len(group_by)
    for rec in records:
        row = {"period": rec[0]}
        for i, name in enumerate(group_by):
            row[name] = rec[1 + i]
        if tokens:
            for column in TOKEN_COLUMNS:
                row[column] = rec[k + _AT[column]]
        row["requests"] = rec[k + _AT["requests"]]
        row["cost_pico"] = rec[k + _AT["cost_pico"]]
        row["unpriced_requests"] = rec[k + _AT["unpriced"]]
        row["partly_priced_requests"] = rec[k + _AT["partly"]]
        row["priced_rows"] = rec[k + _AT["priced"]]
        row["_start_ms"] = starts[rec[0]]
        if len(rec) > k + len(MEASURES):  # _hourly_records' covered figures
            row["_covered"] = tuple(rec[k + len(MEASURES):])
        out.append(row)
    return out


def _window_starts(windows: Sequence[Window]) -> dict[str, int]:
    starts: dict[str, int] = {}
    for w in windows:
        starts[w.label] = min(starts.get(w.label, w.start_ms), w.start_ms)
    return starts


def split_at_hours(windows: Sequence[Window]) -> tuple[list[tuple], list[tuple]]:
    """(inner, edges): each window's whole UTC hours, and the parts of it before and after them.

    The first hour of 1970 and the hours before are edges too: the rollups' hour of a time is
    ts - ts % 3600000, which SQLite rounds toward zero, so hour 0 also holds the hour before it.
    """
    inner, edges = [], []
    for w in windows:
        if w.end_ms <= w.start_ms:
            continue
        first = max(-(-w.start_ms // HOUR_MS) * HOUR_MS, HOUR_MS)
        last = w.end_ms // HOUR_MS * HOUR_MS
        if first < last:
            inner.append((w.label, first, last))
            if w.start_ms < first:
                edges.append((w.label, w.start_ms, first))
            if last < w.end_ms:
                edges.append((w.label, last, w.end_ms))
        else:
            edges.append((w.label, w.start_ms, w.end_ms))
    return inner, edges


def _load(conn: sqlite3.Connection, table: str, rows: Sequence[tuple], indexed: bool = False) -> None:
    """A temporary (label, start_ms, end_ms) table of windows; the caller holds a transaction.

    `indexed`: by start, to find the window that holds a time. Windows joined to a table by a range
    of its times have none, so that SQLite walks the windows and searches the table by time.
    """
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (label TEXT, start_ms INTEGER, end_ms INTEGER)")
    if indexed:
        conn.execute(f"CREATE INDEX IF NOT EXISTS temp.{table}_start ON {table} (start_ms)")
    conn.execute(f"DELETE FROM {table}")
    conn.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", rows)


# The covered figures (Store.aggregate_covered): of the usage a plan covered, as cost_basis subtracts it
COVERED_MEASURES = ("cost_pico", "requests", "unpriced")


def _covered_sums(alias: str, time: str, covered: dict[str, Sequence[tuple[int, int]]] | None,
                  params: dict, events: bool = False) -> str:
    """`, SUM(...)` of each covered measure over the rows of a source in `covered` within one of its spans
    [lo, hi) (by `time`, the row's time or hour); the spans' bounds and sources become parameters."""
    if covered is None:
        return ""
    cases = []
    for i, (source, spans) in enumerate(sorted(covered.items())):
        params[f"cs{i}"] = source
        within = []
        for j, (lo, hi) in enumerate(_joined(spans)):
            params[f"c{i}lo{j}"], params[f"c{i}hi{j}"] = lo, hi
            within.append(f"({time} >= :c{i}lo{j} AND {time} < :c{i}hi{j})")
        cases.append(f"({alias}.source = :cs{i} AND ({' OR '.join(within) or '0'}))")
    condition = " OR ".join(cases) or "0"
    value = (lambda m: _EVENT_MEASURE[m].format(r=alias)) if events else (lambda m: f"{alias}.{m}")
    return "".join(f", SUM(CASE WHEN {condition} THEN {value(m)} ELSE 0 END)" for m in COVERED_MEASURES)


def _joined(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans [lo, hi) in order with those that touch or overlap made one (a plan's months, one after the
    other, are one span): the same times, fewer comparisons a row."""
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _hourly_records(conn, grain: Grain, group_by: Sequence[str], sources, event_groups: dict[str, str],
                    inner: Sequence[tuple], edges: Sequence[tuple],
                    covered: dict[str, Sequence[tuple[int, int]]] | None = None,
                    daily: Grain | None = None) -> list[tuple]:
    """(label, groups..., measures...) of the windows: whole hours from `grain` (whole UTC days from `daily`,
    the same rollup by day, where there is one: split_at_days), edges from events, added up by SQLite where
    there are both. With `covered` (whole hours: an hour is in or out), the covered measures follow
    (_covered_sums), in the same pass."""
    by = "".join(f", {i + 2}" for i in range(len(group_by)))
    parts, params = [], {}
    days, inner, less = split_at_days(inner, covered) if daily is not None else ([], inner, [])
    for table, stretches, rollup, time, sign in (("_days", days, daily, "h.day_ms", ""),
                                                 ("_hours", inner, grain, "h.hour_ms", ""),
                                                 ("_hours_less", less, grain, "h.hour_ms", "-")):
        if not stretches:
            continue
        _load(conn, table, stretches)
        where, filtered = _source_filter("h", sources)
        params.update(filtered)
        groups = "".join(f", {rollup.groups[k]}" for k in group_by)
        sums = f"{_sums('h')}{_covered_sums('h', time, covered, params)}".replace(", SUM(", f", {sign}SUM(")
        parts.append(f"SELECT w.label{groups}, {sign}{sums} FROM {table} w JOIN {rollup.table} h "
                     f"ON {time} >= w.start_ms AND {time} < w.end_ms{where} GROUP BY 1{by}")
    if edges:
        _load(conn, "_edges", edges)
        where, filtered = _source_filter("e", sources)
        params.update(filtered)
        groups = "".join(f", {g}" for g in _event_groups(group_by, event_groups))
        parts.append(f"SELECT w.label{groups}, {_sums('e', events=True)}"
                     f"{_covered_sums('e', 'e.ts_ms', covered, params, events=True)} FROM _edges w JOIN events e "
                     f"ON e.ts_ms >= w.start_ms AND e.ts_ms < w.end_ms{where} GROUP BY 1{by}")
    if len(parts) > 1:
        columns = ["label", *(f"g{i}" for i in range(len(group_by))), *MEASURES,
                   *(f"covered_{m}" for m in (COVERED_MEASURES if covered is not None else ()))]
        parts = [f"WITH parts({', '.join(columns)}) AS ({' UNION ALL '.join(parts)}) "
                 f"SELECT {', '.join(columns[:1 + len(group_by)])}, "
                 f"{', '.join(f'SUM({m})' for m in columns[1 + len(group_by):])} "
                 # (a group whose every event is in the hours taken away: none in the windows)
                 f"FROM parts GROUP BY 1{by}{' HAVING SUM(n) > 0' if less else ''}"]
    return conn.execute(parts[0], params).fetchall() if parts else []


def non_overlapping(windows: Sequence[Window]) -> bool:
    ordered = sorted((w.start_ms, w.end_ms) for w in windows if w.end_ms > w.start_ms)
    return all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:]))


# The window holding a time t: the one that starts last at or before t (windows do not overlap).
_WINDOW_OF = "w.start_ms = (SELECT MAX(x.start_ms) FROM _spans x WHERE x.start_ms <= {t})"
_STRADDLE_KEY = ("day_ms", "source", "session", "model", "project")
# the rows that may hold usage in [lo, hi): their day from the one before lo's (ts - ts % day rounds
# toward zero before 1970) to hi's, then their first and last request
_OVERLAPS = "h.day_ms >= :lo_day AND h.day_ms < :hi AND h.last_ms >= :lo AND h.first_ms < :hi"


def session_parts_sql(select_total: str, select_event: str, sources, tail_total: str = "", tail_event: str = "") -> str:
    """SQL of the parts of sessions in the windows loaded in _spans (bounds :lo and :hi, sources :s0...):

    each rollup row (a session's model and project) inside one window, and for the rows that
    cross an edge, their events inside a window. `select_*` are the columns of a part (over h /
    over e), with w the window; the sessions crossing an edge are in _straddle.
    """
    where, _ = _source_filter("h", sources)
    return (
        f"SELECT {select_total} FROM {SESSION_TOTALS.table} h JOIN _spans w ON {_WINDOW_OF.format(t='h.first_ms')} "
        f"WHERE {_OVERLAPS} AND h.last_ms < w.end_ms{where}{tail_total} "
        # CROSS JOIN keeps this order (a temporary table has no statistics): the few rows that cross an
        # edge, their events by the session index, then each event's window
        f"UNION ALL SELECT {select_event} FROM _straddle s CROSS JOIN events e ON e.session = s.session "
        f"AND e.source = s.source AND e.model = s.model AND COALESCE(e.project, {NULL_TEXT_KEY}) = s.project "
        f"AND {DAY_KEY.value.format(r='e')} = s.day_ms CROSS JOIN _spans w ON {_WINDOW_OF.format(t='e.ts_ms')} "
        f"WHERE e.ts_ms >= :lo AND e.ts_ms < :hi AND e.ts_ms < w.end_ms{tail_event}"
    )


def session_parts_at_cuts(bounds: Sequence[int], select_total: str, select_event: str, tail_total: str = "",
                          tail_event: str = "") -> tuple[str, dict]:
    """SQL and parameters of the parts of sessions in the consecutive segments between `bounds` (sorted,
    a few): session_parts_sql's parts for windows that tile [bounds[0], bounds[-1]), with no temporary
    table. A part's segment is {label} in `select_*` (0, 1, ... from the first), found by comparing its
    time with the bounds, and the rows that cross a bound are the ones read from events: for tens of
    thousands of rows, both cost less than a search of the windows per row (nudges' four segments)."""
    lo, hi, inner = bounds[0], bounds[-1], bounds[1:-1]
    params = {"lo": lo, "hi": hi, "lo_day": lo // DAY_MS * DAY_MS - DAY_MS, **{f"b{i}": b for i, b in enumerate(inner)}}

    def label(t: str) -> str:
        return f"CASE {' '.join(f'WHEN {t} < :b{i} THEN {i}' for i in range(len(inner)))} ELSE {len(inner)} END" \
            if inner else "0"

    crosses = "".join(f" OR (h.first_ms < :b{i} AND h.last_ms >= :b{i})" for i in range(len(inner)))
    straddles = f"(h.first_ms < :lo OR h.last_ms >= :hi{crosses})"
    sql = (
        f"SELECT {select_total.format(label=label('h.first_ms'))} FROM {SESSION_TOTALS.table} h "
        f"WHERE {_OVERLAPS} AND NOT {straddles}{tail_total} "
        # the few rows that cross a bound, their events by the session index (CROSS JOIN keeps that order)
        f"UNION ALL SELECT {select_event.format(label=label('e.ts_ms'))} FROM {SESSION_TOTALS.table} h "
        f"CROSS JOIN events e ON e.session = h.session AND e.source = h.source AND e.model = h.model "
        f"AND COALESCE(e.project, {NULL_TEXT_KEY}) = h.project AND {DAY_KEY.value.format(r='e')} = h.day_ms "
        f"WHERE {_OVERLAPS} AND {straddles} AND e.ts_ms >= :lo AND e.ts_ms < :hi{tail_event}"
    )
    return sql, params


def load_session_windows(conn, windows: Sequence[Window], sources) -> dict:
    """Load the windows (_spans) and the sessions that cross an edge (_straddle); the bounds as parameters."""
    spans = [(w.label, w.start_ms, w.end_ms) for w in windows if w.end_ms > w.start_ms]
    _load(conn, "_spans", spans, indexed=True)
    lo, hi = min(s[1] for s in spans), max(s[2] for s in spans)
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS _straddle ({', '.join(_STRADDLE_KEY)})")
    conn.execute("DELETE FROM _straddle")
    where, params = _source_filter("h", sources)
    bounds = {"lo": lo, "hi": hi, "lo_day": lo // DAY_MS * DAY_MS - DAY_MS}
    conn.execute(
        f"INSERT INTO _straddle SELECT {', '.join(f'h.{k}' for k in _STRADDLE_KEY)} FROM {SESSION_TOTALS.table} h "
        f"LEFT JOIN _spans w ON {_WINDOW_OF.format(t='h.first_ms')} WHERE {_OVERLAPS}"
        f"{where} AND (w.end_ms IS NULL OR h.last_ms >= w.end_ms)", bounds | params)
    return bounds | params


def aggregate(conn: sqlite3.Connection, windows: Sequence[Window], group_by: Sequence[str],
              sources: Sequence[str] | None, tokens: bool, live: set[str],
              event_groups: dict[str, str], covered: dict[str, Sequence[tuple[int, int]]] | None = None
              ) -> list[dict] | None:
    """Store.aggregate's event rows from a rollup; None when no live rollup answers `group_by`.

    The caller holds a transaction (one snapshot for every part). `event_groups`: each group key's
    expression over events (alias e), for the parts read from events. `covered` (source -> spans of
    whole hours): each row also has `_covered`, the covered measures (_covered_sums) of its usage; only
    an hourly rollup answers that (None otherwise).
    """
    starts = _window_starts(windows)
    for grain in HOURLY_GRAINS:
        if grain.table in live and grain.answers(group_by):
            daily = DAILY_OF[grain.table] if DAILY_OF[grain.table].table in live else None
            records = _hourly_records(conn, grain, group_by, sources, event_groups, *split_at_hours(windows),
                                      covered=covered, daily=daily)
            return rows_of(records, group_by, tokens, starts)
    if covered is not None:
        return None
    if not (SESSION_TOTALS.table in live and PROJECT_HOURLY.table in live and SESSION_TOTALS.answers(group_by)
            and "session" in group_by and non_overlapping(windows)):
        return None
    if not any(w.end_ms > w.start_ms for w in windows):
        return []
    sums = Sums(len(group_by))
    bounds = load_session_windows(conn, windows, sources)
    groups_h = "".join(f", {SESSION_TOTALS.groups[k]}" for k in group_by)
    groups_e = "".join(f", {g}" for g in _event_groups(group_by, event_groups))
    by = "".join(f", {i + 2}" for i in range(len(group_by)))
    tail = f" GROUP BY 1{by}"
    sql = session_parts_sql(f"w.label{groups_h}, {_sums('h')}", f"w.label{groups_e}, {_sums('e', events=True)}",
                         sources, tail, tail)
    sums.add(conn.execute(sql, bounds))
    # usage without a session: what the project rollup holds beyond the sessions' parts
    no_session = [k for k in group_by if k != "session"]
    rest = Sums(len(no_session))
    rest.add(_hourly_records(conn, PROJECT_HOURLY, no_session, sources, event_groups, *split_at_hours(windows),
                             daily=PROJECT_DAILY if PROJECT_DAILY.table in live else None))
    at = 1 + group_by.index("session")  # its place in a part's key (after the label)
    rest.add(((*key[:at], *key[at + 1:], *values) for key, values in list(sums.rows.items())), sign=-1)
    for key, values in rest.rows.items():
        sums.rows[(*key[:at], None, *key[at:])] = values  # dicts() leaves out those with no event left
    return sums.dicts(group_by, tokens, starts)


# A session's project is the project of its first request in the range that names one (of two at the
# same time, the smaller name). Most sessions have one project: the SQL gives it; the others are asked
# of events (by the session index), few as they are.
_PART_COLUMNS = ("source", "session", "model", "project", "first_ms", "last_ms", *MEASURES)
_SESSION_SQL = (
    "WITH parts({columns}) AS ({parts}) "
    "SELECT source, session, MIN(first_ms), MAX(last_ms), MIN(project), COUNT(DISTINCT project), "
    "json_group_array(DISTINCT model), {sums} FROM parts GROUP BY source, session "
    "ORDER BY MIN(first_ms), source, session"
)
_FIRST_PROJECT_SQL = (
    "SELECT project FROM events WHERE session = ? AND source = ? AND ts_ms >= ? AND ts_ms < ? "
    "AND project IS NOT NULL ORDER BY ts_ms, project LIMIT 1"
)


def session_rows(conn: sqlite3.Connection, start_ms: int, end_ms: int, sources: Sequence[str] | None,
                 live: set[str]) -> list[dict]:
    """Store.sessions from the sessions rollup (or from events when it is not live); the caller holds a
    transaction. Usage without a session is not in any."""
    if end_ms <= start_ms:
        return []
    import orjson  # (here: the store's other reads and writes, an import's, need none of its ~2 ms)

    keys = "e.source, e.session, e.model, e.project, MIN(e.ts_ms), MAX(e.ts_ms)"
    events_part = f"{keys}, {_sums('e', events=True)}"
    if SESSIONS.table in live:
        params = load_session_windows(conn, [Window("range", None, start_ms, end_ms)], sources)
        totals = (f"h.source, h.session, h.model, {_DECODED_PROJECT}, h.first_ms, h.last_ms, "
                  + ", ".join(f"h.{m}" for m in MEASURES))
        parts = session_parts_sql(totals, events_part, sources, "", " GROUP BY 1, 2, 3, 4")
    else:
        where, params = _source_filter("e", sources)
        params |= {"lo": start_ms, "hi": end_ms}
        parts = (f"SELECT {events_part} FROM events e WHERE e.ts_ms >= :lo AND e.ts_ms < :hi "
                 f"AND e.session IS NOT NULL{where} GROUP BY 1, 2, 3, 4")
    sql = _SESSION_SQL.format(columns=", ".join(_PART_COLUMNS), parts=parts,
                              sums=", ".join(f"SUM({m})" for m in MEASURES))
    at = {m: 7 + i for i, m in enumerate(MEASURES)}
    result = []
    for rec in conn.execute(sql, params).fetchall():
        project = rec[4]
        if rec[5] > 1:
            project = conn.execute(_FIRST_PROJECT_SQL, (rec[1], rec[0], start_ms, end_ms)).fetchone()[0]
        row = {"session": rec[1], "source": rec[0], "first_ms": rec[2], "last_ms": rec[3], "project": project,
               "models": sorted(orjson.loads(rec[6]))}
        for column in TOKEN_COLUMNS:
            row[column] = rec[at[column]]
        row["requests"], row["cost_pico"] = rec[at["requests"]], rec[at["cost_pico"]]
        row["unpriced_requests"], row["partly_priced_requests"] = rec[at["unpriced"]], rec[at["partly"]]
        row["priced_rows"] = rec[at["priced"]]
        result.append(row)
    return result
