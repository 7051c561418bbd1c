"""The sessions of a range a page at a time, in any order a column gives, from the session totals.

Store.sessions (rollup_reads.session_rows) answers every session of a range: a year is
tens of thousands of rows. A page of them reads:

- the sessions wholly inside the range from `session_totals` (one row per session), sorted and
  cut by SQLite (ORDER BY ... LIMIT), their project and models then from the sessions rollup for
  the page's sessions only;
- the few sessions that cross the range's edge (their part inside only) from their events, by the
  session index, sorted in with the same key.

Every row, sum and order equals Store.sessions sorted by the same key (a test keeps them equal);
ties are ordered by source and session. Columns a session row does not hold (project, models) are
not sorted here: None from `page`.

A report of every session of a range (`tracker report sessions --json`) reads them with `formatted`:
each session's whole row printed by SQLite from its session totals row alone.
"""

from __future__ import annotations

import heapq
import json  # (a session's few models: orjson's import is ~7 ms, with the dataclasses and uuid it loads)
import sqlite3
from collections.abc import Iterator, Sequence
from operator import itemgetter

from tracker.core.plain_record import PlainRecord
from tracker.core.timeutil import Window
from tracker.storage import rollup_reads
from tracker.storage.migrations import TOKEN_COLUMNS
from tracker.storage.rollup_reads import _EVENT_MEASURE, MEASURES, SESSION_FIELDS, _source_filter
from tracker.storage.rollups import DAY_KEY, HOURLY, MEASURES_V1, NULL_TEXT_KEY, SESSION_TOTALS, SESSIONS

# public column -> its value over a session_totals row (alias t) and over a session row (dict). A session
# with no priced row has every row unpriced (each counts one unpriced request at least): its cost is
# unknown (NULL), not $0 (core.report_figures.all_unpriced).
SORTABLE = {
    "first_seen": ("t.first_ms", lambda r: r["first_ms"]),
    "last_seen": ("t.last_ms", lambda r: r["last_ms"]),
    "source": ("t.source", lambda r: r["source"]),
    "session": ("t.session", lambda r: r["session"]),
    "requests": ("t.requests", lambda r: r["requests"]),
    "cost_usd": ("CASE WHEN t.priced = 0 THEN NULL ELSE t.cost_pico END",
                 lambda r: None if not r["priced_rows"] else r["cost_pico"]),
    "input_tokens": ("t.input_tokens", lambda r: r["input_tokens"]),
    "cache_read_tokens": ("t.cache_read_tokens", lambda r: r["cache_read_tokens"]),
    "cache_write_tokens": ("t.cache_write_5m_tokens + t.cache_write_1h_tokens",
                           lambda r: r["cache_write_5m_tokens"] + r["cache_write_1h_tokens"]),
    "output_tokens": ("t.output_tokens", lambda r: r["output_tokens"]),
    "reasoning_tokens": ("t.reasoning_tokens", lambda r: r["reasoning_tokens"]),
    "unpriced_requests": ("t.unpriced", lambda r: r["unpriced_requests"]),
    "partly_priced_requests": ("t.partly", lambda r: r["partly_priced_requests"]),
}
_INSIDE = "t.first_ms >= :lo AND t.last_ms < :hi"
# the sessions that cross the range's start, and those inside it at the start that cross its end: each
# a stretch of one index (rollups.SESSION_TOTALS_INDEXES_V1)
_CROSSING_START = ("SELECT t.source, t.session FROM {table} t INDEXED BY session_totals_last "
                   "WHERE t.last_ms >= :lo AND t.first_ms < :lo{where}")
_CROSSING_END = ("SELECT t.source, t.session FROM {table} t INDEXED BY session_totals_first "
                 "WHERE t.first_ms >= :lo AND t.first_ms < :hi AND t.last_ms >= :hi{where}")
# the measures (rollups.MEASURES_V1) of a session row's figures, in _sums' order
_LONE_MEASURES = (*TOKEN_COLUMNS, "requests", "cost_pico", "unpriced", "partly", "priced")


class SessionPage(PlainRecord):
    """A page of sessions: `rows`, Store.sessions' rows in the order asked; `total_rows`, the sessions of the
    whole range; `sums`, the figures of a session row summed over the range's sessions (priced_rows: their
    sum). (Plain records here, not dataclasses: this module is on the sessions report's quick path, and the
    dataclasses machinery costs ~5 ms to load.)"""

    _fields = __slots__ = ("rows", "total_rows", "sums")
    __hash__ = None  # (mutable, as a dataclass that is not frozen)

    def __init__(self, rows: list[dict], total_rows: int, sums: dict):
        self.rows, self.total_rows, self.sums = rows, total_rows, sums


def live(live_rollups: set[str]) -> bool:
    """Whether a page can be read: the session totals, the sessions rollup (projects, models) and the
    hourly rollup (the sums) are all live."""
    return {SESSION_TOTALS.table, SESSIONS.table, HOURLY.table} <= live_rollups


def sort_key(column: str):
    """(value) -> a key that orders like SQLite (NULL first), then source and session."""
    value = SORTABLE[column][1]

    def key(row: dict) -> tuple:
        v = value(row)
        return (0, 0) if v is None else (1, v), row["source"], row["session"]
    return key


# a session total's measure -> its name in a session row (Store.sessions), where the two differ
FIGURE_OF_MEASURE = {"unpriced": "unpriced_requests", "partly": "partly_priced_requests", "priced": "priced_rows"}
_ROW_MEASURES = (*TOKEN_COLUMNS, "requests", "cost_pico", "unpriced", "partly", "priced")  # a row's order


def figure_of(measure: str) -> str:
    return FIGURE_OF_MEASURE.get(measure, measure)


def _row(source, session, first_ms, last_ms, project, models, measures: Sequence[int]) -> dict:
    at = dict(zip(MEASURES, measures))
    row = {"session": session, "source": source, "first_ms": first_ms, "last_ms": last_ms, "project": project,
           "models": sorted(models)}
    for measure in _ROW_MEASURES:
        row[figure_of(measure)] = at[measure]
    return row


def _load_wanted(conn: sqlite3.Connection, keys: Sequence[tuple]) -> None:
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS _wanted (source TEXT, session TEXT)")
    conn.execute("DELETE FROM _wanted")
    conn.executemany("INSERT INTO _wanted VALUES (?, ?)", keys)


# A session's project: of its first request in the range that names one (of two at the same time, the
# smaller name), as rollup_reads.session_rows names it.
_FIRST_PROJECT_SQL = (
    "SELECT project FROM events WHERE session = ? AND source = ? AND ts_ms >= ? AND ts_ms < ? "
    "AND project IS NOT NULL ORDER BY ts_ms, project LIMIT 1"
)


def _inner_rows(conn: sqlite3.Connection, keys: Sequence[tuple[str, str]], lo: int, hi: int) -> dict[tuple, dict]:
    """(source, session) -> the row of each session of `keys` (wholly inside the range): its totals, and
    its project and models from the sessions rollup (its rows by day, source and session: that key)."""
    if not keys:
        return {}
    _load_wanted(conn, keys)
    columns = ", ".join(f"t.{m}" for m in MEASURES)
    totals = {(r[0], r[1]): r for r in conn.execute(
        f"SELECT t.source, t.session, t.first_ms, t.last_ms, {columns} FROM _wanted w "
        f"CROSS JOIN {SESSION_TOTALS.table} t ON t.source = w.source AND t.session = w.session").fetchall()}
    day = DAY_KEY.value
    sql = (f"SELECT t.source, t.session, MIN(NULLIF(h.project, {NULL_TEXT_KEY})), "
           f"COUNT(DISTINCT NULLIF(h.project, {NULL_TEXT_KEY})), json_group_array(DISTINCT h.model) "
           f"FROM _wanted w CROSS JOIN {SESSION_TOTALS.table} t ON t.source = w.source AND t.session = w.session "
           f"CROSS JOIN {SESSIONS.table} h ON h.day_ms >= {day.format(r='t').replace('ts_ms', 'first_ms')} "
           f"AND h.day_ms <= {day.format(r='t').replace('ts_ms', 'last_ms')} "
           "AND h.source = t.source AND h.session = t.session GROUP BY t.source, t.session")
    out = {}
    for source, session, project, projects, models in conn.execute(sql).fetchall():
        if projects > 1:
            project = conn.execute(_FIRST_PROJECT_SQL, (session, source, lo, hi)).fetchone()[0]
        r = totals[(source, session)]
        out[(source, session)] = _row(source, session, r[2], r[3], project, json.loads(models), r[4:])
    return out


def _crossing(conn: sqlite3.Connection, params: dict, where: str) -> list[dict]:
    """The sessions that cross the range's edge, their part inside it, from their events."""
    # a stretch no session can be in is not read (a range over all the sessions: each stretch is all of them)
    first, last = conn.execute(f"SELECT (SELECT MIN(first_ms) FROM {SESSION_TOTALS.table}), "
                               f"(SELECT MAX(last_ms) FROM {SESSION_TOTALS.table})").fetchone()
    parts = [sql for sql, none in ((_CROSSING_START, first is None or first >= params["lo"]),
                                   (_CROSSING_END, last is None or last < params["hi"])) if not none]
    if not parts:
        return []
    keys = conn.execute(" UNION ALL ".join(parts).format(table=SESSION_TOTALS.table, where=where), params).fetchall()
    if not keys:
        return []
    _load_wanted(conn, keys)
    sums = ", ".join(f"SUM({expr.format(r='e')})" for expr in _event_measures())
    sql = (f"SELECT e.source, e.session, MIN(e.ts_ms), MAX(e.ts_ms), json_group_array(DISTINCT e.model), {sums} "
           "FROM _wanted w CROSS JOIN events e ON e.session = w.session AND e.source = w.source "
           "WHERE e.ts_ms >= :lo AND e.ts_ms < :hi GROUP BY e.source, e.session")
    rows = []
    for r in conn.execute(sql, params).fetchall():
        project = conn.execute(_FIRST_PROJECT_SQL, (r[1], r[0], params["lo"], params["hi"])).fetchone()
        rows.append(_row(r[0], r[1], r[2], r[3], project[0] if project else None, json.loads(r[4]), r[5:]))
    return rows


def _event_measures() -> list[str]:
    return [expr for _, expr in MEASURES_V1]


def page(conn: sqlite3.Connection, start_ms: int, end_ms: int, sources: Sequence[str] | None, order: str,
         descending: bool, offset: int, limit: int, live_rollups: set[str]) -> SessionPage | None:
    """The sessions of [start_ms, end_ms) ordered by the public column `order`, rows offset..offset+limit;
    None when `order` is not a column of a session's totals. The caller holds a snapshot and has checked
    that the rollups are live."""
    if order not in SORTABLE:
        return None
    where, params = _source_filter("t", sources)
    params |= {"lo": start_ms, "hi": end_ms}
    crossing = _crossing(conn, params, where) if end_ms > start_ms else []
    direction = " DESC" if descending else ""
    sql = (f"SELECT {SORTABLE[order][0]}, t.source, t.session FROM {SESSION_TOTALS.table} t WHERE {_INSIDE}{where} "
           f"ORDER BY 1{direction}, 2{direction}, 3{direction} LIMIT :n")
    places = conn.execute(sql, params | {"n": offset + limit}).fetchall() if end_ms > start_ms else ()
    rows = merged_rows(conn, places, crossing, order, descending, offset, limit, start_ms, end_ms)
    count = conn.execute(f"SELECT COUNT(*) FROM {SESSION_TOTALS.table} t INDEXED BY session_totals_first "
                         f"WHERE {_INSIDE}{where}", params).fetchone()[0] if end_ms > start_ms else 0
    return SessionPage(rows, count + len(crossing), _sums(conn, start_ms, end_ms, sources, live_rollups))


def merged_rows(conn: sqlite3.Connection, places, crossing: list[dict], order: str, descending: bool, offset: int,
                limit: int, start_ms: int, end_ms: int) -> list[dict]:
    """Rows offset..offset+limit of the inner sessions, known by their places (sort value of `order`, source,
    session: the first offset+limit from the indexes), and the sessions crossing the range's edge (their rows),
    merged in the order; the inner ones' rows read for those chosen only."""
    inner = [(((0, 0) if v is None else (1, v)), source, session) for v, source, session in places]
    key = sort_key(order)
    crossing_keyed = sorted(((key(r), r) for r in crossing), key=lambda kr: kr[0], reverse=descending)
    merged = heapq.merge(((k, None) for k in inner), crossing_keyed, key=lambda kr: kr[0], reverse=descending)
    chosen = [kr for _, kr in zip(range(offset + limit), merged)][offset:]
    found = _inner_rows(conn, [k[1:] for k, row in chosen if row is None], start_ms, end_ms)
    return [row if row is not None else found[k[1:]] for k, row in chosen]


def _sums(conn: sqlite3.Connection, start_ms: int, end_ms: int, sources: Sequence[str] | None,
          live_rollups: set[str]) -> dict:
    """Every session's usage in [start_ms, end_ms): all the usage of events there (the hourly rollup) less
    the requests without a session (by the index of those), so that no session row is read."""
    figures = (*TOKEN_COLUMNS, "requests", "cost_pico", "unpriced_requests", "partly_priced_requests", "priced_rows")
    sums = dict.fromkeys(figures, 0)
    if end_ms <= start_ms:
        return sums
    for row in rollup_reads.aggregate(conn, [Window("all", None, start_ms, end_ms)], [], sources, True,
                                      live_rollups, {}) or ():
        for f in figures:
            sums[f] += row[f]
    where, params = _source_filter("e", sources)
    lone = ", ".join(f"SUM({_EVENT_MEASURE[m].format(r='e')})" for m in _LONE_MEASURES)
    found = conn.execute(
        f"SELECT {lone} FROM events e INDEXED BY events_lone_ts WHERE e.ts_ms >= :lo AND e.ts_ms < :hi "
        f"AND (e.session IS NULL OR e.session = '') AND e.session IS NULL{where}",
        params | {"lo": start_ms, "hi": end_ms}).fetchone()
    for f, value in zip(figures, found):
        sums[f] -= value or 0
    return sums


# the session totals' columns of a tuple (those before the project, then the figures)
_TOTALS_COLUMNS = ("first_ms", "source", "session", "last_ms", *TOKEN_COLUMNS, "requests", "cost_pico", "unpriced",
                   "partly", "priced")


def as_tuple(row: dict) -> tuple:
    """A Store.sessions row -> its Store.session_tuples row."""
    return tuple(tuple(row[f]) if f == "models" else row[f] for f in SESSION_FIELDS)


def as_dict(row: tuple) -> dict:
    """A Store.session_tuples row -> its Store.sessions row."""
    out = dict(zip(SESSION_FIELDS, row))
    out["models"] = list(out["models"])
    return out


def every(conn: sqlite3.Connection, start_ms: int, end_ms: int, sources: Sequence[str] | None) -> list[dict]:
    """Every session of [start_ms, end_ms) as Store.sessions lists them (by first request, source, session)."""
    return [as_dict(row) for row in every_tuple(conn, start_ms, end_ms, sources)]


def every_tuple(conn: sqlite3.Connection, start_ms: int, end_ms: int, sources: Sequence[str] | None) -> list[tuple]:
    """`every`'s rows as tuples (SESSION_FIELDS): one row per session from the session totals, their projects
    and models in one pass over the sessions rollup's days, the sessions that cross the range's edge from
    their events. The caller holds a snapshot and has checked that the rollups are live."""
    if end_ms <= start_ms:
        return []
    where, params = _source_filter("t", sources)
    params |= {"lo": start_ms, "hi": end_ms}
    rows = [as_tuple(r) for r in _crossing(conn, params, where)]
    totals = conn.execute(f"SELECT {', '.join('t.' + c for c in _TOTALS_COLUMNS)} FROM {SESSION_TOTALS.table} t "
                          f"WHERE {_INSIDE}{where}", params).fetchall()
    details = _projects_and_models(conn, start_ms, end_ms, sources)
    for r in totals:
        low, high, models = details[(r[1], r[2])]
        # of two projects or more, the first request's in the range (MIN and MAX skip NULL: both or neither)
        project = low if low == high else conn.execute(_FIRST_PROJECT_SQL, (r[2], r[1], start_ms, end_ms)).fetchone()[0]
        rows.append((*r[:4], project, models, *r[4:]))
    rows.sort()  # by first request, source and session: no two rows have the same session
    return rows


def _projects_and_models(conn: sqlite3.Connection, start_ms: int, end_ms: int,
                         sources: Sequence[str] | None) -> dict[tuple[str, str], tuple]:
    """(source, session) -> (smallest project, largest project, sorted models) of every session with usage
    in the sessions rollup's days about [start_ms, end_ms]. Grouped by day, source and session, the order of
    the rollup's key (no sort); a session over several UTC days is merged here. A session's list of models
    is one of a few: each distinct text of them is decoded and sorted once."""
    h_where, params = _source_filter("h", sources)
    sql = (f"SELECT h.source, h.session, MIN(NULLIF(h.project, {NULL_TEXT_KEY})), MAX(NULLIF(h.project, {NULL_TEXT_KEY})), "
           f"json_group_array(DISTINCT h.model) FROM {SESSIONS.table} h WHERE h.day_ms >= :lo_day AND h.day_ms <= :hi"
           f"{h_where} GROUP BY h.day_ms, h.source, h.session")
    decoded: dict[str, tuple] = {}
    details: dict[tuple[str, str], tuple] = {}
    for source, session, low, high, text in conn.execute(sql, params | {"lo_day": _day_before(start_ms), "hi": end_ms}):
        models = decoded.get(text)
        if models is None:
            models = decoded[text] = tuple(sorted(json.loads(text)))
        seen = details.setdefault((source, session), (low, high, models))
        if seen[2] is not models or seen[0] is not low:  # a later day of the same session
            details[(source, session)] = (
                min((p for p in (seen[0], low) if p is not None), default=None),
                max((p for p in (seen[1], high) if p is not None), default=None),
                tuple(sorted(set(seen[2]) | set(models))))
    return details


def _day_before(ms: int) -> int:
    """A day key (rollups.DAY_KEY) at or before the day of any time from `ms` on (SQLite's % rounds toward
    zero: before 1970 a time's day key is after it)."""
    return ms // _DAY_MS * _DAY_MS - _DAY_MS


_DAY_MS = 86_400_000


# -- every session of a range, formatted by SQLite (services.reports.sessions_json) ---------------------
class FormattedSessions(PlainRecord):
    """Every session of a range for a report that prints them all. `batches`: the sessions wholly inside
    the range, FORMATTED_BATCH_ROWS at a time, as (a list, whether a tuple is in it), in the order of their
    first request, source and session, each (first request, source, session, its whole row as the report's
    text) -- read from its session totals row, formatted by SQLite -- or, for a session SQLite's text cannot
    tell (over several projects, a text SQLite escaped, a cost of -2**63 pico), a SESSION_FIELDS tuple in
    the place of the text (from the rollups: `_inner_rows`). Read as they are iterated (no list of a year's
    18 MB of rows at once): the caller holds the snapshot until it has read them all. `others`: the sessions
    crossing the range's edge (their part inside it, from their events), SESSION_FIELDS tuples; `sums` the
    figures of all of them summed (SessionPage.sums)."""

    _fields = __slots__ = ("batches", "others", "sums")
    __hash__ = None

    def __init__(self, batches: Iterator[tuple[list[tuple], bool]], others: list[tuple], sums: dict):
        self.batches, self.others, self.sums = batches, others, sums


def usd_text_sql(pico: str) -> str:
    """core.money.format_usd(pico) (6 decimals, half-even) in integer SQL, for a pico value that is an
    integer other than -2**63 (abs() of that one raises): the rounding of |pico| with the sign put back
    ("-0.000000" for a small negative, as format_usd writes it). Rounded half to even: a remainder of more
    than half a micro-dollar, or of half of one after an odd number of them, carries one (no sum here can
    pass 64 bits: the remainder plus half is below two million)."""

    def text(size: str) -> str:
        micro = f"({size} / 1000000 + ({size} % 1000000 + 499999 + {size} / 1000000 % 2) / 1000000)"
        return f"printf('%d.%06d', {micro} / 1000000, {micro} % 1000000)"
    # (a cost is seldom negative: its text and abs() only then)
    return f"CASE WHEN {pico} >= 0 THEN {text(pico)} ELSE '-' || {text(f'abs({pico})')} END"


def local_time_sql(ms: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """The local ISO time ("2026-11-06T12:34:56+01:00", services.reports.local_iso) of a time in ms from
    1970 on, given the zone's offsets over the times it may take: spans of (first UTC second, offset in
    seconds, the offset as ISO text), in order, the first one starting at or before any of those times."""
    second = f"(({ms}) / 1000)"

    def by_span(values: list[str]) -> str:
        if len(spans) == 1:
            return values[0]
        whens = " ".join(f"WHEN {second} < {spans[i + 1][0]} THEN {v}" for i, v in enumerate(values[:-1]))
        return f"CASE {whens} ELSE {values[-1]} END"

    offsets = by_span([str(int(offset)) for _, offset, _ in spans])
    suffixes = by_span(["'" + suffix.replace("'", "''") + "'" for _, _, suffix in spans])
    return f"replace(datetime({second} + {offsets}, 'unixepoch'), ' ', 'T') || {suffixes}"


def tokens_text_sql(n: str, other: str) -> str:
    """cli_format's short form of a count of tokens (its tokens_text: "950", "12.3k", "4.0M", "1.2B") in SQL,
    for `n` an integer from 0 to 10**14; `other` (an SQL function of one argument) says the rest: a count
    below 0 or past that, and a count whose tenth of its unit is exactly half (Python rounds the float
    quotient there: its binary value either side of the half, or half to even).

    Elsewhere both round the float quotient (below 10**5, its error below 10**-11) to one decimal, and the
    exact quotient is at least 10**-9 from a half: SQLite's printf, whichever way it rounds a half, gives
    Python's digits."""

    def unit(size: int, top: int, letter: str) -> str:
        return (f"WHEN {n} < {top} AND {n} >= 0 THEN CASE WHEN {n} % {size // 10} = {size // 20} THEN {other}({n}) "
                f"ELSE printf('%.1f{letter}', {n} / {size}.0) END")
    return (f"CASE WHEN {n} < 1000 AND {n} >= 0 THEN {n} {unit(1000, 1000000, 'k')} "
            f"{unit(1000000, 1000000000, 'M')} {unit(1000000000, 100000000000000, 'B')} ELSE {other}({n}) END")


# a cost (of session_totals t) usd_short_sql prints in SQL: from $0 to $999.99, more than half a micro-dollar from
# a half cent (its length: "$", its dollars rounded to the cent, ".cc")
_CENTS = ("t.cost_pico >= 0 AND t.cost_pico < 999994000000000 "
          "AND abs(t.cost_pico % 10000000000 - 5000000000) > 500000")


def usd_short_sql(pico: str, other: str) -> str:
    """core.money.format_usd_short of a cost as a report row prints it (format_usd: micro-dollars, half to
    even; a table's "$12.30" of those, half to even again) in SQL, for a cost from $0 to $999.99 whose pico
    are more than half a micro-dollar from a half cent: there both roundings go the way the cost's own
    rounding to the cent does, and printf's of its float dollars (their error below 10**-12 dollars) too.
    `other` (an SQL function of one argument) says the rest (a few in ten thousand, and costs below 0 or
    from $999.994 on)."""
    return f"CASE WHEN {_CENTS.replace('t.cost_pico', pico)} THEN printf('$%.2f', {pico} / 1000000000000.0) " \
        f"ELSE {other}({pico}) END"


def formatted(conn: sqlite3.Connection, start_ms: int, end_ms: int, sources: Sequence[str] | None,
              spans: Sequence[tuple[int, int, str]], row_format: str, models_separator: str,
              live_rollups: set[str], form: str = "json", min_widths=None,
              other_cells: tuple = ()) -> FormattedSessions | None:
    """Every session of [start_ms, end_ms) (0 <= start_ms), as FormattedSessions. `row_format`: a printf
    format of a session's row. Of the "json" form: its session, source and project (%s each: JSON text),
    its first and last request (%s: local time), its models' JSON texts, sorted and joined by
    `models_separator` (%s), its input, cache read, cache write (both TTLs), 1-hour cache write, output and
    reasoning tokens, requests (%d each), its cost (%s: null, or the dollars in quotes), unpriced and
    partly priced requests (%d). Of the "csv" form, the same values as Python's csv writer writes them
    (no value with a comma, a quote or a line's end: see below), the project empty for none, the models
    joined by `models_separator`, the cost its dollars or empty. Of the "table" form, a line of the text
    table (cli_format.table): each cell (%-!*s, or %!*s right-aligned) its column's width, then its text:
    the first request (local time), source, project (empty for none: of several, the first request's in
    the range), session, the input, cache write, cache read and output tokens (tokens_text_sql), requests,
    cost (usd_short_sql, or "—" for none), unpriced and partly priced requests; the widths (named :w0 ..
    :w11 in `row_format`) are `min_widths(others, sums, widest)`: `widest` what tells the widest cells of
    SQLite's (_widest, one pass of aggregates before the lines', None without a session inside), the
    caller's to tell with the headings and the rows printed elsewhere (None: not this way, then this gives
    None). `other_cells`: two Python functions of one argument, SQLite's `other` of tokens_text_sql's and
    usd_short_sql's (registered as tokens_text and usd_short). The caller holds a snapshot and has checked
    that the rollups are live. None when a figure is not an integer that SQLite can print as one (an overflowed
    sum: see the sessions' rows).

    One pass over the session totals of the range (the table in the order of its key when the range holds
    most sessions, else by the index of first requests), sorted by SQLite (first request, source, session),
    each session's row printed from its row alone: its sums, first and last request, models and projects
    (rollups.SESSION_LABELS_V1). A session that names several projects, or whose text SQLite escaped (a
    backslash: json.encoder's escapes may differ, and a list of models is only split between models without
    one), or whose cost is -2**63 pico (usd_text_sql), or (CSV) with a value the csv writer quotes (a
    comma, a quote, a line's end: _csv_suspects), is read the Python way, in its place, but in a table;
    so are the sessions that cross the range's edge (`others`)."""
    sums = _sums(conn, start_ms, end_ms, sources, live_rollups)
    # every figure SQLite prints is an integer (%d would cut a REAL short): a rollup holds a REAL only where
    # its own sum overflowed, and the sessions' token sums are parts of these (tokens are never negative),
    # integers, as is each session's cache writes of both TTLs. (Costs of both signs overflowing one session
    # and not the total, more than $9.2 million in it, are not caught.) Checked before any row is read.
    if any(type(v) is not int or v < 0 for f, v in sums.items() if f != "cost_pico") \
            or type(sums["cost_pico"]) is not int \
            or sums["cache_write_5m_tokens"] + sums["cache_write_1h_tokens"] >= 2**63:
        return None
    if end_ms <= start_ms:
        return FormattedSessions(iter(()), [], sums)
    where, params = _source_filter("t", sources)
    params |= {"lo": start_ms, "hi": end_ms, "row": row_format,
               "models_join": f'"{models_separator}"' if form == "json" else models_separator}
    others = [as_tuple(r) for r in _crossing(conn, params, where)]
    if form == "table":
        for name, function in zip(("tokens_text", "usd_short"), other_cells):
            conn.create_function(name, 1, function, deterministic=True)
        row = "NULL"  # (the line: below)
    else:
        row = _JSON_ROW(spans) if form == "json" else _CSV_ROW(spans)
    sql = f"SELECT t.first_ms, t.source, t.session, {row} FROM {SESSION_TOTALS.table} t "
    if _most_sessions(conn, start_ms, end_ms):
        # the whole table in the order of its key (no search of each row from the index: a tenth of the
        # pass), sorted by SQLite
        sql += f"WHERE +t.first_ms >= :lo AND +t.last_ms < :hi{where} "
    else:  # a short range: its sessions by the index of first requests
        sql += f"INDEXED BY session_totals_first WHERE {_INSIDE}{where} "
    if form == "table":  # each cell to its column's width, from the widest cells (a pass of the range's sums)
        widths = min_widths(others, sums, _widest(conn, sql, spans, params))
        if widths is None:
            return None
        params |= {f"w{i}": width for i, width in enumerate(widths)}
        line = ", ".join(f":w{i}, {cell}" for i, cell in enumerate(_table_cells(spans)))
        sql = f"SELECT t.first_ms, t.source, t.session, printf(:row, {line}) " + sql[sql.index("FROM "):]
    _load_wanted(conn, ())  # (the temporary table the Python way fills, made before the pass starts)
    suspect = _escaped if form == "json" else _csv_suspects(row_format.count("%")) if form == "csv" else None
    return FormattedSessions(_formatted_batches(conn, conn.execute(f"{sql}ORDER BY t.first_ms, t.source, t.session",
                                                                   params), start_ms, end_ms, suspect),
                             others, sums)


# a session's figures as the JSON and CSV rows print them, but the cost (tokens, requests: %d)
_FIGURES = ("t.input_tokens", "t.cache_read_tokens", "t.cache_write_5m_tokens + t.cache_write_1h_tokens",
            "t.cache_write_1h_tokens", "t.output_tokens", "t.reasoning_tokens", "t.requests")
_ALL_UNPRICED = "t.unpriced != 0 AND t.priced = 0"
# a row SQLite prints: of one project, a list of models, and a cost usd_text_sql can tell
_PRINTABLE = "t.project_lo IS t.project_hi AND t.models IS NOT NULL AND t.cost_pico != -9223372036854775807 - 1"


def _JSON_ROW(spans) -> str:  # noqa: N802  (the "json" form's row: see formatted)
    cost = f"""CASE WHEN {_ALL_UNPRICED} THEN 'null' ELSE '"' || {usd_text_sql('t.cost_pico')} || '"' END"""
    # the row's models (SESSION_LABELS_V1: JSON texts joined by ",") as the list of the row: a list without a
    # backslash holds a '","' only between two models
    return (f"CASE WHEN {_PRINTABLE} THEN printf(:row, json_quote(t.session), json_quote(t.source), "
            "CASE WHEN t.project_lo IS NULL THEN 'null' ELSE json_quote(t.project_lo) END, "
            f"{local_time_sql('t.first_ms', spans)}, {local_time_sql('t.last_ms', spans)}, "
            f"replace(t.models, '\",\"', :models_join), {', '.join(_FIGURES)}, {cost}, t.unpriced, t.partly) END")


def _CSV_ROW(spans) -> str:  # noqa: N802  (the "csv" form's row: see formatted)
    cost = f"CASE WHEN {_ALL_UNPRICED} THEN '' ELSE {usd_text_sql('t.cost_pico')} END"
    # the models' names: their JSON texts without a backslash (else read the Python way) are the names in quotes
    models = "replace(substr(t.models, 2, length(t.models) - 2), '\",\"', :models_join)"
    return (f"CASE WHEN {_PRINTABLE} THEN printf(:row, t.session, t.source, coalesce(t.project_lo, ''), "
            f"{local_time_sql('t.first_ms', spans)}, {local_time_sql('t.last_ms', spans)}, {models}, "
            f"{', '.join(_FIGURES)}, {cost}, t.unpriced, t.partly) END")


_TABLE_CELL_NAMES = ("first_seen", "source", "project", "session", "input_tokens", "cache_write_tokens",
                     "cache_read_tokens", "output_tokens", "requests", "cost_usd", "unpriced_requests",
                     "partly_priced_requests")


def _table_cells(spans) -> list[str]:
    """The "table" form's cells, in _TABLE_CELL_NAMES' order."""
    project = (f"CASE WHEN t.project_lo IS t.project_hi THEN coalesce(t.project_lo, '') "
               f"ELSE coalesce(({_FIRST_PROJECT}), '') END")
    return [local_time_sql("t.first_ms", spans), "t.source", project, "t.session",
            *(tokens_text_sql(n, "tokens_text") for n in _TABLE_TOKENS), "t.requests",
            f"CASE WHEN {_ALL_UNPRICED} THEN '—' ELSE {usd_short_sql('t.cost_pico', 'usd_short')} END",
            "t.unpriced", "t.partly"]


# a session's first project in the range (of several), for a row of session_totals t
_FIRST_PROJECT = _FIRST_PROJECT_SQL.replace("?", "{}").format("t.session", "t.source", ":lo", ":hi")
_TABLE_TOKENS = ("t.input_tokens", "(t.cache_write_5m_tokens + t.cache_write_1h_tokens)", "t.cache_read_tokens",
                 "t.output_tokens")


def _widest(conn: sqlite3.Connection, sql: str, spans, params: dict) -> dict | None:
    """What tells the widths of the table's cells over the sessions that `sql` (a pass over session_totals t)
    reads, None without one: "texts", the longest of the first request's time, source, project, session and
    each column of tokens' short form (_tokens_length_sql: none below 0, see "least"); "least", the least
    count of tokens or requests; "counts", the most requests, unpriced and partly priced requests; "cost",
    the longest cost (usd_short_sql's, "—" for none). The caller tells the widths from these (SQLite's
    functions of the form registered: tokens_text, usd_short)."""
    suffixes = {len(suffix) for _, _, suffix in spans}  # (a local time: 19 characters and its offset's)
    first = str(19 + suffixes.pop()) if len(suffixes) == 1 else f"max(length({local_time_sql('t.first_ms', spans)}))"
    project = f"CASE WHEN t.project_lo IS t.project_hi THEN t.project_lo ELSE ({_FIRST_PROJECT}) END"
    parts = [first, "max(length(t.source))", f"max(length({project}))", "max(length(t.session))",
             *(f"max({_tokens_length_sql(n)})" for n in _TABLE_TOKENS),
             f"min(min({', '.join(_TABLE_TOKENS)}, t.requests, t.unpriced, t.partly))",
             "max(t.requests)", "max(t.unpriced)", "max(t.partly)",
             f"max(CASE WHEN {_ALL_UNPRICED} THEN 1 ELSE {cost_length_sql('t.cost_pico')} END)", "count(*)"]
    found = conn.execute(f"SELECT {', '.join(parts)} " + sql[sql.index("FROM "):], params).fetchone()
    if not found[-1]:
        return None
    return {"texts": list(found[:8]), "least": found[8], "counts": list(found[9:12]), "cost": found[12]}


def cost_length_sql(pico: str) -> str:
    """The length of usd_short_sql's text of a cost: "$", its dollars rounded to the cent, ".cc" where SQL
    prints it (its whole dollars: those of the cost and half a cent); usd_short's own elsewhere."""
    return (f"CASE WHEN {_CENTS.replace('t.cost_pico', pico)} THEN length(({pico} + 5000000000) / 1000000000000) + 4 "
            f"ELSE length(usd_short({pico})) END")


def _tokens_length_sql(n: str) -> str:
    """The length of tokens_text_sql's text of a count from 0 on: its unit's whole number rounded half up to a
    tenth (the tenth rounded up to a whole one: n % unit at least 95% of it, a digit more at 9.95, 99.95 and
    999.95) and ".d" and the unit's letter; tokens_text's own where the tenth is exactly half there (Python
    rounds the float quotient: either way) and past 10**14."""
    def unit(size: int, top: str) -> str:
        return (f"WHEN {n} < {top} THEN CASE WHEN {n} % {size} = {size - size // 20} THEN length(tokens_text({n})) "
                f"ELSE length(({n} + {size // 20}) / {size}) + 3 END")
    return (f"CASE WHEN {n} < 1000 THEN length({n}) {unit(1000, '1000000')} {unit(1000000, '1000000000')} "
            f"{unit(1000000000, '100000000000000')} ELSE length(tokens_text({n})) END")


FORMATTED_BATCH_ROWS = 128  # (a batch's text: ~80 KB of a year's rows)


def _formatted_batches(conn: sqlite3.Connection, rows: sqlite3.Cursor, start_ms: int, end_ms: int,
                       suspect=None) -> Iterator[tuple[list[tuple], bool]]:
    """FormattedSessions.batches of the pass `rows`: a row SQLite could not print (None) or whose text
    `suspect` finds it may have printed otherwise (of a batch's texts, the places of those: none for a
    table), with its SESSION_FIELDS tuple in the place of its text."""
    while batch := rows.fetchmany(FORMATTED_BATCH_ROWS):
        places = suspect(list(map(itemgetter(3), batch))) if suspect is not None else ()
        if places:
            inner = _inner_rows(conn, [batch[i][1:3] for i in places], start_ms, end_ms)
            for i in places:
                batch[i] = (*batch[i][:3], as_tuple(inner[batch[i][1:3]]))
        yield batch, bool(places)


def _escaped(texts: list[str | None]) -> list[int]:
    """The JSON rows that SQLite could not print, or whose text it escaped (a backslash: json.encoder's escapes
    may differ, and a list of models is only split between models without one)."""
    return [i for i, text in enumerate(texts) if text is None or "\\" in text]


def _csv_suspects(fields: int):
    """The CSV lines of `fields` values that SQLite could not print, or that may need a quote (a value with a
    comma, a quote or a line's end), or whose models' text SQLite escaped: looked for in a batch's text at
    once (a few ms for a year, not a check of each value in SQL: ~90 ms)."""
    def suspects(texts: list[str | None]) -> list[int]:
        if None not in texts:
            joined = "\0".join(texts)
            if joined.count(",") == (fields - 1) * len(texts) and not any(c in joined for c in '"\n\r\\'):
                return []
        return [i for i, text in enumerate(texts) if text is None or text.count(",") != fields - 1
                or any(c in text for c in '"\n\r\\')]
    return suspects


def _most_sessions(conn: sqlite3.Connection, start_ms: int, end_ms: int) -> bool:
    """Whether [start_ms, end_ms) spans at least half the time from the first session's start to the last's
    (then most sessions are in it: a year of a year's sessions, not a week of them)."""
    first, last = conn.execute(f"SELECT (SELECT MIN(first_ms) FROM {SESSION_TOTALS.table}), "
                               f"(SELECT MAX(first_ms) FROM {SESSION_TOTALS.table})").fetchone()
    if first is None:
        return False
    return 2 * (min(end_ms, last + 1) - max(start_ms, first)) >= last + 1 - first
