"""Rollups of `events` by hour, by project and by session, kept by triggers in the write that changes events.

Every insert, upsert, re-price, re-tag and delete of an event moves its share
of each rollup within the same transaction:

- `events_hourly` (since m020; this is its fourth version): sums per UTC hour,
  source and model, now with the rows that have a cost (`priced`), so that a
  report says "every request unpriced" exactly as it does from events.

- `events_project_hourly`: sums per UTC hour, source, account, project and
  effective tag. Projects and tags live for months, so an hour is the grain:
  a local day in any whole-hour zone is a union of UTC hours, and the part of
  a window that is not (a +05:30 zone's midnight) is read from events
  (rollup_reads).
- `events_tagged_hourly` (m140): sums of tagged events per tag, UTC hour,
  source, account, model, project and priced or not: a client's usage as
  the invoice arithmetic groups it (services.invoices.usage_selection).
- `events_project_daily` and `events_daily` (m160): events_project_hourly's and
  events_hourly's sums by UTC day: a year's projects are ~5k rows instead of
  ~55k, a year by model ~3k instead of ~28k.
- `session_totals` (m140): one row per session, its sums and first and last
  request (the Usage page's sessions, a page at a time); since m210 also its
  models and the extremes of its projects (a report prints a session from it).
- `events_sessions`: sums per UTC day, session, source, model and project,
  with the first and last request time of each. A session lives for minutes
  or hours, so a row answers every window that holds all of it; only the rows
  that cross a window's edge are read from events (by the session index),
  whatever the timezone. The day leads the key so that a range of days is one
  stretch of the table. It also keeps what nudges judge a session by (its
  largest output, reasoning and fresh input, and its requests that may use
  tools), so that they read sessions, not every request.

Key columns are NOT NULL (a NULL never conflicts in a key, and an upsert
would append): a NULL project is kept as the empty BLOB (never equal to any
text, '' included) and read back as NULL; no tag is kept as 0, which the
effective tag already reads as untagged (storage.value.EFFECTIVE_TAG_SQL).

A migration builds a rollup from a definition of its own version
(HOURLY_V4, PROJECTS_V1, SESSIONS_V1), never from today's: a later change adds a version.
"""

from __future__ import annotations

from tracker.core.plain_record import PlainRecord
from tracker.storage.migrations import PARTLY_PRICED_SQL, ROLLUP_TRIGGERS, TOKEN_COLUMNS
from tracker.storage.rollup_days import DAY_MS

NULL_TEXT_KEY = "X''"  # a NULL text key as stored (decode: NULLIF(column, X''))


class Key(PlainRecord):
    """A key column: its name, its value for an event row {r}, and its type (the affinity that lets
    SQLite search a key by a range of numbers). `of`: another key's name when this one is a function of
    that key's value (refill_together)."""

    _fields = __slots__ = ("name", "value", "type", "of")

    def __init__(self, name: str, value: str, type: str = "TEXT", of: str = ""):
        self.name, self.value, self.type, self.of = name, value, type, of


class Extreme(PlainRecord):
    """A column kept as the MIN or MAX (`agg`) of an event expression (recomputed from events when its row
    leaves)."""

    _fields = __slots__ = ("name", "agg", "value")

    def __init__(self, name: str, agg: str, value: str):
        self.name, self.agg, self.value = name, agg, value


class Label(PlainRecord):
    """A text column of a rollup row that is no sum: what a report prints of the row's events (their
    models, their projects). `value`: its value for one event row {r}; `merge`: the upsert's new value
    of it from the row's (the column) and the event's (excluded.column); `of_events`: its value
    recomputed from the events of a key given as {k} (its source and session, over the events index by
    session), when an event leaves the row; `reads`: the event columns it reads. (A table's labels are
    filled in bulk by fill_labels.)"""

    _fields = __slots__ = ("name", "value", "merge", "of_events", "reads")

    def __init__(self, name: str, value: str, merge: str, of_events: str, reads: tuple[str, ...]):
        self.name, self.value, self.merge, self.of_events, self.reads = name, value, merge, of_events, reads


def text_key(name: str) -> Key:
    return Key(name, f"COALESCE({{r}}.{name}, {NULL_TEXT_KEY})")


HOUR_KEY = Key("hour_ms", "{r}.ts_ms - {r}.ts_ms % 3600000", type="INTEGER")
# (a day is a whole number of hours: an event's UTC day is one for every event of its hour, before 1970 too,
# where both round toward zero)
DAY_KEY = Key("day_ms", f"{{r}}.ts_ms - {{r}}.ts_ms % {DAY_MS}", type="INTEGER", of="hour_ms")
TAG_KEY = Key("tag_key", "COALESCE({r}.manual_tag_id, {r}.rule_tag_id, 0)", type="INTEGER")

# (column, its value for one event row {r}): the hourly rollup's measures, and the rows that have a cost
# (so a report tells "every row unpriced" exactly as it does from events).
MEASURES_V1 = (
    ("n", "1"),
    ("requests", "COALESCE({r}.requests, 0)"),
    ("cost_pico", "COALESCE({r}.cost_pico, 0)"),
    ("unpriced", "CASE WHEN {r}.cost_pico IS NULL THEN MAX(COALESCE({r}.requests, 1), 1) ELSE 0 END"),
    *((c, f"COALESCE({{r}}.{c}, 0)") for c in TOKEN_COLUMNS),
    ("partly", PARTLY_PRICED_SQL),
    ("priced", "({r}.cost_pico IS NOT NULL)"),
)
# the event columns the measures read (an update of one of them moves the row's share)
MEASURE_SOURCES = ("requests", "cost_pico", *TOKEN_COLUMNS, "partly_priced")


class KeyedRollup(PlainRecord):
    """One rollup table of events: its keys, measures, extremes and the events it takes (`where`)."""

    _fields = __slots__ = ("table", "keys", "measures", "extremes", "where", "where_of", "by_day_of", "watched",
                           "labels")

    def __init__(self, table: str, keys: tuple[Key, ...], measures: tuple[tuple[str, str], ...],
                 extremes: tuple[Extreme, ...] = (), where: str = "", where_of: str = "", by_day_of: str = "",
                 watched: tuple[str, ...] = (), labels: tuple[Label, ...] = ()):
        self.table, self.keys, self.measures, self.extremes = table, keys, measures, extremes
        self.where = where  # condition on an event row {r}; '' takes every event
        self.where_of = where_of  # the key whose value alone decides `where` (refill_together), if one does
        self.by_day_of = by_day_of  # the table of the rollup this one sums by day (the same keys, an hour's a day's)
        self.watched = watched  # event columns the keys read
        self.labels = labels  # (m210: session_totals' models and projects)

    def with_labels(self, labels: tuple[Label, ...]) -> KeyedRollup:
        """The same rollup with these labels (a later migration's version of its table)."""
        return KeyedRollup(*(getattr(self, name) for name in self._fields[:-1]), labels)

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(f"{self.table}_{verb}" for verb in ("insert", "delete", "update"))

    @property
    def key_names(self) -> list[str]:
        return [k.name for k in self.keys]

    def _columns(self) -> list[str]:
        return self.key_names + [m for m, _ in self.measures] + [x.name for x in self.extremes]

    def _values(self, r: str) -> list[str]:
        return ([k.value.format(r=r) for k in self.keys] + [v.format(r=r) for _, v in self.measures]
                + [x.value.format(r=r) for x in self.extremes])

    def _cond(self, r: str) -> str:
        return self.where.format(r=r) if self.where else "1"

    def create_table(self) -> str:
        keys = ", ".join(f"{k.name} {k.type} NOT NULL" for k in self.keys)
        measures = ", ".join(f"{m} INTEGER NOT NULL" for m, _ in self.measures)
        extremes = "".join(f", {x.name} INTEGER NOT NULL" for x in self.extremes)
        extremes += "".join(f", {label.name} TEXT" for label in self.labels)
        return (f"CREATE TABLE {self.table} ({keys}, {measures}{extremes}, "
                f"PRIMARY KEY ({', '.join(self.key_names)})) WITHOUT ROWID")

    def _add(self) -> str:
        sets = [f"{m} = {m} + excluded.{m}" for m, _ in self.measures]
        sets += [f"{x.name} = {x.agg}({x.name}, excluded.{x.name})" for x in self.extremes]
        sets += [f"{label.name} = {label.merge}" for label in self.labels]
        columns = self._columns() + [label.name for label in self.labels]
        values = self._values("NEW") + [label.value.format(r="NEW") for label in self.labels]
        return (f"INSERT INTO {self.table} ({', '.join(columns)}) SELECT {', '.join(values)} "
                f"WHERE {self._cond('NEW')} ON CONFLICT({', '.join(self.key_names)}) DO UPDATE SET {', '.join(sets)};")

    def _match(self, r: str) -> str:
        return " AND ".join(f"{k.name} = {k.value.format(r=r)}" for k in self.keys)

    def _sub(self, update: bool = False) -> str:
        sets = ", ".join(f"{m} = {m} - ({v.format(r='OLD')})" for m, v in self.measures)
        where = f"{self._match('OLD')} AND {self._cond('OLD')}"
        sql = f"UPDATE {self.table} SET {sets} WHERE {where}; DELETE FROM {self.table} WHERE {where} AND n = 0;"
        if self.extremes:
            # the row that left held an extreme: the key's remaining events say what it is now (an update
            # that keeps the key and the value, such as a re-price, leaves it where it is)
            same_key = " AND ".join(f"{k.value.format(r='e')} = {k.value.format(r='OLD')}" for k in self.keys)
            kept_key = " AND ".join(f"{k.value.format(r='OLD')} IS {k.value.format(r='NEW')}" for k in self.keys)

            def left(x: Extreme) -> str:
                held = f"{x.name} = {x.value.format(r='OLD')}"
                return f"({held} AND NOT ({kept_key} AND {x.value.format(r='OLD')} IS {x.value.format(r='NEW')}))" \
                    if update else held

            sets = ", ".join(
                f"{x.name} = CASE WHEN {left(x)} THEN (SELECT {x.agg}({x.value.format(r='e')}) "
                f"FROM events e WHERE {same_key} AND {self._cond('e')}) ELSE {x.name} END" for x in self.extremes)
            held = " OR ".join(left(x) for x in self.extremes)
            sql += f" UPDATE {self.table} SET {sets} WHERE {where} AND ({held});"
        if self.labels:
            # an event that left (or whose keys or labelled columns changed) may have been the row's last with
            # its model or project: the labels recomputed from the key's remaining events (an update that keeps
            # them, such as a re-price or a streamed copy's tokens, leaves them)
            sets = ", ".join(f"{label.name} = {label.of_events.format(k='OLD')}" for label in self.labels)
            kept = " AND ".join(f"OLD.{c} IS NEW.{c}" for c in dict.fromkeys(
                (*self.watched, *(c for label in self.labels for c in label.reads))))
            sql += f" UPDATE {self.table} SET {sets} WHERE {where}{f' AND NOT ({kept})' if update else ''};"
        return sql

    def trigger_sql(self) -> list[str]:
        watched = list(dict.fromkeys(("ts_ms", *self.watched, *MEASURE_SOURCES,
                                      *(c for label in self.labels for c in label.reads))))
        insert, delete, update = self.triggers
        return [
            f"CREATE TRIGGER {insert} AFTER INSERT ON events BEGIN {self._add()} END",
            f"CREATE TRIGGER {delete} AFTER DELETE ON events BEGIN {self._sub()} END",
            f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(watched)} ON events "
            f"BEGIN {self._sub(update=True)} {self._add()} END",
        ]

    def fill(self, only_if: str = "") -> str:
        """The rollup computed from events in one statement (into an empty table); `only_if`: a query whose
        rows are at most one, without which no event is read (refill_together's unless-empty rollups: SQLite
        scans every event for a condition of none, however constant)."""
        keys = [k.value.format(r="e") for k in self.keys]
        values = [f"SUM({v.format(r='e')})" for _, v in self.measures] + \
                 [f"{x.agg}({x.value.format(r='e')})" for x in self.extremes] + \
                 [label.of_events.format(k="e") for label in self.labels]
        columns = self._columns() + [label.name for label in self.labels]
        return (f"INSERT INTO {self.table} ({', '.join(columns)}) SELECT {', '.join(keys + values)} "
                f"FROM {f'({only_if}) CROSS JOIN ' if only_if else ''}events e WHERE {self._cond('e')} "
                f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")

    def build(self, db) -> None:
        db.execute(self.create_table())
        for sql in self.trigger_sql():
            db.execute(sql)
        db.execute(self.fill())

    def refill(self) -> list[str]:
        return [f"DELETE FROM {self.table}", self.fill()]


GRAIN_TABLE = "temp.rollup_grain"  # refill_together's scratch table (the connection's temporary schema)


def refill_together(rollups: tuple[KeyedRollup, ...], unless_empty: tuple[KeyedRollup, ...] = ()) -> list[str]:
    """Statements that refill every one of `rollups` from events in ONE pass over events (a first import).

    Each rollup's own fill() is a GROUP BY over every event (on 1 GiB of logs, ~0.2 s each, most of it
    reading the events and evaluating the measures per row). Here the events are grouped once by the
    union of all the rollups' keys, plus each `where` as a key of its own, into a scratch table (a few
    thousand rows: sessions and models within an hour), and each rollup is summed from that. Exact,
    because every measure is a SUM of a per-event value and every extreme a MIN or MAX: sums of sums,
    and minima of minima, are those of the events. Columns of the same name must mean the same value
    in every rollup (ValueError otherwise: fill them one by one).

    The grouping is most of the cost (SQLite sorts every event by the whole key): a key that is a
    function of another key (Key.of: the day of the hour; KeyedRollup.where_of: a `where` of the
    session or the tag) is not sorted by, but read from any event of its group (SQLite's bare column:
    each event of the group has the same value), and rollups with the same `where` share its column.
    A rollup by day of another one of `rollups` (KeyedRollup.by_day_of) is summed from that one's hours.

    `unless_empty`: rollups whose `where` seldom takes an event (the tagged one on a first import: its events
    carry no tags yet), refilled by their own fill() only when the grain says their `where` takes one. Their
    keys stay out of the grain (they would split its groups); their `where` is in it, as a column read from
    the key it is a function of (KeyedRollup.where_of, a key of `rollups`), so that telling them empty costs
    a look at the grain's rows, not a scan of every event. One whose `where_of` is no key of `rollups` is
    refilled with them.
    """
    keys: dict[str, str] = {}
    derived: dict[str, str] = {}  # a key's name: the key it is a function of
    wheres: dict[str, str] = {}  # a `where`: its column
    where_columns: list[str] = []  # (per rollup: its where's column, or '')
    finer = {r.table: r for r in rollups}
    by_day = [r for r in rollups if r.by_day_of in finer]  # summed from their rollup by hour, after it
    rollups = tuple(r for r in rollups if r not in by_day)
    grain_keys = {key.name for rollup in rollups for key in rollup.keys}
    guarded = tuple(r for r in unless_empty if r.where and r.where_of in grain_keys)
    rollups += tuple(r for r in unless_empty if r not in guarded)
    for rollup in rollups:
        for key in rollup.keys:
            _same(keys, key.name, key.value)
            if key.of:
                derived[key.name] = key.of
        column = ""
        if rollup.where:
            column = wheres.setdefault(rollup.where, f"where_{len(wheres)}")
            _same(keys, column, rollup.where)
            if rollup.where_of:
                derived[column] = rollup.where_of
        where_columns.append(column)
    for rollup in guarded:  # (only the `where`: read from the key it is a function of, never sorted by)
        _same(keys, wheres.setdefault(rollup.where, f"where_{len(wheres)}"), rollup.where)
        derived[wheres[rollup.where]] = rollup.where_of
    # grouped by the keys that are no function of another key in the grain; those that are, after them
    grouped = [name for name in keys if derived.get(name) not in keys]
    keys = {name: keys[name] for name in grouped + [name for name in keys if name not in grouped]}
    aggregates: dict[str, str] = {}
    for rollup in rollups:
        for name, value in rollup.measures:
            _same(aggregates, name, f"SUM({value})")
        for x in rollup.extremes:
            _same(aggregates, x.name, f"{x.agg}({x.value})")
    if set(keys) & set(aggregates):
        raise ValueError(f"rollup columns {sorted(set(keys) & set(aggregates))} are keys in one rollup, sums in another")
    columns = [*keys, *aggregates]
    values = [v.format(r="e") for v in (*keys.values(), *aggregates.values())]
    statements = [
        f"DROP TABLE IF EXISTS {GRAIN_TABLE}",
        f"CREATE TABLE {GRAIN_TABLE} AS SELECT {', '.join(f'{v} AS {c}' for v, c in zip(values, columns))} "
        f"FROM events e GROUP BY {', '.join(str(i + 1) for i in range(len(grouped)))}",
    ]
    for rollup, column in zip(rollups, where_columns):
        sums = ([f"SUM(g.{m})" for m, _ in rollup.measures] + [f"{x.agg}(g.{x.name})" for x in rollup.extremes])
        statements += [
            f"DELETE FROM {rollup.table}",
            f"INSERT INTO {rollup.table} ({', '.join(rollup._columns())}) "
            f"SELECT {', '.join([f'g.{k}' for k in rollup.key_names] + sums)} FROM {GRAIN_TABLE} g "
            f"WHERE {f'g.{column}' if column else '1'} "
            f"GROUP BY {', '.join(str(j + 1) for j in range(len(rollup.keys)))}",
        ]
    for rollup in guarded:
        statements += [f"DELETE FROM {rollup.table}",
                       rollup.fill(f"SELECT 1 FROM {GRAIN_TABLE} g WHERE g.{wheres[rollup.where]} LIMIT 1")]
    for rollup in rollups:  # (session_totals' models and projects: from the grain when it holds both)
        if rollup.labels:
            statements += fill_labels(GRAIN_TABLE if {"model", "project"} <= set(keys) else "events")
    for rollup in by_day:  # a day's rows are its hours' rows summed: ~24 times fewer rows to read than the grain
        keys_of = [k.value.format(r="g").replace("ts_ms", k.of) if k.of else f"g.{k.name}" for k in rollup.keys]
        statements += [
            f"DELETE FROM {rollup.table}",
            f"INSERT INTO {rollup.table} ({', '.join(rollup._columns())}) "
            f"SELECT {', '.join(keys_of + [f'SUM(g.{m})' for m, _ in rollup.measures])} "
            f"FROM {rollup.by_day_of} g GROUP BY {', '.join(str(j + 1) for j in range(len(rollup.keys)))}",
        ]
    return statements + [f"DROP TABLE {GRAIN_TABLE}"]


def _same(columns: dict[str, str], name: str, value: str) -> None:
    if columns.setdefault(name, value) != value:
        raise ValueError(f"rollup column {name} means {columns[name]} in one rollup and {value} in another")


HOURLY_V4 = KeyedRollup(
    "events_hourly",
    (HOUR_KEY, Key("source", "{r}.source"), Key("model", "{r}.model")),
    MEASURES_V1,
    watched=("source", "model"),
)
assert HOURLY_V4.triggers == ROLLUP_TRIGGERS  # the names bulk writes and older readers know
# What services.simple_tasks.is_simple reads of a request, for a session's requests: how many may use
# tools (not known to use none), the largest output, reasoning and fresh input; and the requests as
# nudges count them (a row counts one request at least).
NUDGE_MEASURES_V1 = (
    ("requests_min1", "COALESCE(NULLIF({r}.requests, 0), 1)"),
    ("tools", "CASE WHEN {r}.tool_use = 0 THEN 0 ELSE 1 END"),
)
NUDGE_EXTREMES_V1 = (
    Extreme("max_output", "MAX", "{r}.output_tokens"),
    Extreme("max_reasoning", "MAX", "{r}.reasoning_tokens"),
    Extreme("max_fresh", "MAX", "{r}.input_tokens + {r}.cache_write_5m_tokens + {r}.cache_write_1h_tokens"),
)
PROJECTS_V1 = KeyedRollup(
    "events_project_hourly",
    (HOUR_KEY, Key("source", "{r}.source"), Key("account", "{r}.account"), text_key("project"), TAG_KEY),
    MEASURES_V1,
    watched=("source", "account", "project", "manual_tag_id", "rule_tag_id"),
)
# Sources and models by UTC day (m160): events_hourly's sums by day, as the project rollup by day below.
HOURLY_DAILY_V1 = KeyedRollup(
    "events_daily",
    (DAY_KEY, Key("source", "{r}.source"), Key("model", "{r}.model")),
    MEASURES_V1,
    watched=("source", "model"),
    by_day_of="events_hourly",
)
# Projects and tags by UTC day (m160): a day's rows of events_project_hourly summed, so that a long window (a
# year's projects, a month by tag) reads a tenth of the rows; its first and last part-days (local midnights
# are seldom UTC's) are read from the hourly one (rollup_reads.split_at_days).
PROJECTS_DAILY_V1 = KeyedRollup(
    "events_project_daily",
    (DAY_KEY, Key("source", "{r}.source"), Key("account", "{r}.account"), text_key("project"), TAG_KEY),
    MEASURES_V1,
    watched=("source", "account", "project", "manual_tag_id", "rule_tag_id"),
    by_day_of="events_project_hourly",
)
SESSIONS_V1 = KeyedRollup(
    "events_sessions",
    (DAY_KEY, Key("source", "{r}.source"), Key("session", "{r}.session"), Key("model", "{r}.model"),
     text_key("project")),
    MEASURES_V1 + NUDGE_MEASURES_V1,
    extremes=(Extreme("first_ms", "MIN", "{r}.ts_ms"), Extreme("last_ms", "MAX", "{r}.ts_ms"), *NUDGE_EXTREMES_V1),
    where="{r}.session IS NOT NULL",
    where_of="session",
    watched=("source", "session", "model", "project", "tool_use"),
)
# A client's usage (m140): tagged events per tag, UTC hour, source, account, model, project and whether
# they have a cost, so that an invoice's live total and a client's monthly budget sum hundreds of rows
# instead of every request of the month (services.invoices.usage_selection). The tag leads the key: a
# client's hours are one stretch of the table. Priced and unpriced rows stay apart, as the invoice
# arithmetic treats them apart (an unpriced row is counted, never billed at $0).
TAGGED_V1 = KeyedRollup(
    "events_tagged_hourly",
    (TAG_KEY, HOUR_KEY, Key("source", "{r}.source"), Key("account", "{r}.account"), Key("model", "{r}.model"),
     text_key("project"), Key("priced_key", "({r}.cost_pico IS NOT NULL)", type="INTEGER")),
    MEASURES_V1,
    where="COALESCE({r}.manual_tag_id, {r}.rule_tag_id, 0) <> 0",
    where_of="tag_key",
    watched=("source", "account", "model", "project", "manual_tag_id", "rule_tag_id"),
)
# One row per session (m140): its sums, its first and last request and what nudges judge it by, so that the
# newest sessions of a range (or the costliest, ...) are a query of a page of rows (storage.session_pages);
# sessions that cross the range's edge are read from events. Indexed by the first request (the Usage page
# lists sessions by when they started, newest first) and by the last: the sessions inside a range, their
# number, those that cross a time and the costliest are found in the indexes alone (a lookup in the table
# by a session's text key costs microseconds: tens of thousands of them, a tenth of a second).
SESSION_TOTALS_V1 = KeyedRollup(
    "session_totals",
    (Key("source", "{r}.source"), Key("session", "{r}.session")),
    MEASURES_V1 + NUDGE_MEASURES_V1,
    extremes=(Extreme("first_ms", "MIN", "{r}.ts_ms"), Extreme("last_ms", "MAX", "{r}.ts_ms"), *NUDGE_EXTREMES_V1),
    where="{r}.session IS NOT NULL",
    where_of="session",
    watched=("source", "session", "tool_use"),
)
# What a report row of a session prints besides its sums (m210): its models, each as JSON text
# (json_quote), sorted and joined by ","; the smallest and the largest project it names (NULL: none), so
# that `tracker report sessions --json` prints a year of sessions from one row each, with no search of
# the sessions rollup (storage.session_pages.formatted). An event adds its model to the row's when it is
# not there yet (a search of ',"model",': a JSON text holds a bare '"' only at its ends, so a list without
# a backslash matches only a whole model of it; a list with one is never printed from here), the list
# then recomputed, sorted, from the session's events (the index by session): a few times a session. An
# event that leaves, or whose model, project or session changes, has the labels recomputed the same way.
_SESSION_EVENTS = "FROM events x WHERE x.session = {k}.session AND x.source = {k}.source"
SESSION_MODELS_OF_EVENTS = ("(SELECT group_concat(json_quote(m), ',') FROM (SELECT DISTINCT x.model AS m "
                            f"{_SESSION_EVENTS} ORDER BY 1))")
SESSION_LABELS_V1 = (
    Label("models", "json_quote({r}.model)",
          "CASE WHEN instr(',' || models || ',', ',' || excluded.models || ',') THEN models "
          f"ELSE {SESSION_MODELS_OF_EVENTS.format(k='excluded')} END",
          SESSION_MODELS_OF_EVENTS, ("model",)),
    *(Label(f"project_{end}", "{r}.project",
            f"COALESCE({agg}(project_{end}, excluded.project_{end}), project_{end}, excluded.project_{end})",
            f"(SELECT {agg}(x.project) {_SESSION_EVENTS})", ("project",))
      for end, agg in (("lo", "MIN"), ("hi", "MAX"))),
)
SESSION_TOTALS_V2 = SESSION_TOTALS_V1.with_labels(SESSION_LABELS_V1)
SESSION_TOTALS_INDEXES_V1 = ("CREATE INDEX session_totals_first ON session_totals (first_ms, last_ms, priced, cost_pico)",
                             "CREATE INDEX session_totals_last ON session_totals (last_ms, first_ms)")
# today's definitions: storage.bulk refills them, the readers (storage.rollup_reads) read them
HOURLY = HOURLY_V4
PROJECTS = PROJECTS_V1
PROJECTS_DAILY = PROJECTS_DAILY_V1
HOURLY_DAILY = HOURLY_DAILY_V1
SESSIONS = SESSIONS_V1
TAGGED = TAGGED_V1
SESSION_TOTALS = SESSION_TOTALS_V2
LIVE_ROLLUPS = (HOURLY, PROJECTS, SESSIONS, TAGGED, SESSION_TOTALS, PROJECTS_DAILY, HOURLY_DAILY)


_MODELS_TABLE = "temp.rollup_session_models"  # fill_labels' scratch tables
_PROJECTS_TABLE = "temp.rollup_session_projects"


def fill_labels(rows: str) -> list[str]:
    """Statements that set session_totals' labels (SESSION_LABELS_V1) on every row from `rows`, a table of
    rows with a source, session, model and project (the events; a first import's grain, whose project
    is the rollups' key: X'' for none), read once: the distinct models of each session and its projects'
    extremes, each into a scratch table keyed by the session, then each row's from those, its models in
    the order of that key (no search of `rows` per session)."""
    table = SESSION_TOTALS_V2.table
    of_row = f"l.source = {table}.source AND l.session = {table}.session"
    project = f"NULLIF(g.project, {NULL_TEXT_KEY})"
    return [
        f"DROP TABLE IF EXISTS {_MODELS_TABLE}",
        f"DROP TABLE IF EXISTS {_PROJECTS_TABLE}",
        f"CREATE TABLE {_MODELS_TABLE} (source TEXT, session TEXT, model TEXT, PRIMARY KEY (source, session, model)) "
        "WITHOUT ROWID",
        f"INSERT OR IGNORE INTO {_MODELS_TABLE} SELECT g.source, g.session, g.model FROM {rows} g "
        "WHERE g.session IS NOT NULL",
        f"CREATE TABLE {_PROJECTS_TABLE} (source TEXT, session TEXT, lo, hi, PRIMARY KEY (source, session)) "
        "WITHOUT ROWID",
        f"INSERT INTO {_PROJECTS_TABLE} SELECT g.source, g.session, MIN({project}), MAX({project}) FROM {rows} g "
        "WHERE g.session IS NOT NULL GROUP BY 1, 2",
        f"UPDATE {table} SET models = (SELECT group_concat(json_quote(m), ',') FROM (SELECT l.model AS m FROM "
        f"{_MODELS_TABLE} l WHERE {of_row} ORDER BY 1)), (project_lo, project_hi) = (SELECT l.lo, l.hi FROM "
        f"{_PROJECTS_TABLE} l WHERE {of_row})",
        f"DROP TABLE {_MODELS_TABLE}",
        f"DROP TABLE {_PROJECTS_TABLE}",
    ]
