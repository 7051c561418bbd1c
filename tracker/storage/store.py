"""The store: one class, every read and write the app makes.

One logical write is one transaction: `write_batch` upserts rows on their
natural keys together with the cursor that the batch advances, so a crash
mid-batch leaves neither rows nor a moved cursor, and re-reading the same input
changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)

from tracker.core.billed_columns import BILLED_BREAKDOWNS
from tracker.core.units import units_text
from tracker.core.lazy_logging import get_logger
from tracker.core.plain_record import PlainRecord
from tracker.core.timeutil import Window, now_ms
from tracker.storage.db import StoreError, backup, connect, damaged_message, migrate
from tracker.storage import quick
from tracker.storage.migrations import PARTLY_PRICED_SQL, TOKEN_COLUMNS
from tracker.storage.quick import read_key, stored_key  # noqa: F401  (the store's names too)
from tracker.storage.rollups import LIVE_ROLLUPS, NULL_TEXT_KEY, PROJECTS
from tracker.storage.transactions import write_database, write_transaction
from tracker.storage.value import BUCKET_USER_SQL, EFFECTIVE_TAG_SQL, UNTAGGED, ValueQueries

if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any
    from tracker.core.provider_usage import BilledLine, UsageBucket
    from tracker.core.records import Cursor, UsageEvent
    from tracker.storage import session_pages
    from sqlite_utils import Database

log = get_logger(__name__)  # (logging is loaded when something is logged)

__all__ = ["Store", "StoreError", "open_store", "WriteResult", "GROUP_KEYS"]

EVENT_COLUMNS = (
    "source", "account", "key", "ts_ms", "model", "provider", "session", "project", "cwd", "git_branch",
    *TOKEN_COLUMNS, "requests", "tool_use", "service_tier", "cost_pico", "price_id", "origin",
    "sidechain", "speed", "units", "partly_priced",
)
BUCKET_COLUMNS = (
    "source", "account", "key", "kind", "start_s", "width_s", "model", "provider", *TOKEN_COLUMNS,
    "requests", "quantity", "quantity_unit", "project_id", "api_key_id", "workspace_id", "service_tier",
    "batch", "extra", "cost_pico", "price_id", "units", "partly_priced", "byok_cost_pico",
)
BILLED_COLUMNS = (
    "source", "account", "key", "day", "line_item", "amount_pico", "currency", "project_id",
    "workspace_id", "model", *BILLED_BREAKDOWNS,
)
_PK = ("source", "account", "key")

# Report grouping keys -> SQL expression over events (e) and buckets (b).
GROUP_KEYS: dict[str, tuple[str, str]] = {
    "source": ("e.source", "b.source"),
    "account": ("e.account", "b.account"),
    "model": ("e.model", "COALESCE(b.model, b.kind)"),
    "project": ("e.project", "COALESCE(NULLIF(b.project_id, ''), NULLIF(b.workspace_id, ''))"),
    "session": ("e.session", "NULL"),
    "provider": ("e.provider", "b.provider"),
    # a provider's breakdowns (agent logs have none): the API key, the provider's user
    "api_key": ("NULL", "b.api_key_id"),
    "user": ("NULL", BUCKET_USER_SQL.format(p="b.")),
    # value tags: the name ('untagged' when no tag claims the row) or the id (NULL)
    "tag": tuple(
        f"COALESCE((SELECT name FROM tags WHERE id = {EFFECTIVE_TAG_SQL.format(a=a)}), '{UNTAGGED}')" for a in "eb"
    ),
    "tag_id": tuple(EFFECTIVE_TAG_SQL.format(a=a) for a in "eb"),
}


class WriteResult(PlainRecord):
    _fields = __slots__ = ("events_added", "events_written", "buckets_written", "billed_written")
    __hash__ = None  # (counts that change)

    def __init__(self, events_added: int = 0, events_written: int = 0, buckets_written: int = 0,
                 billed_written: int = 0):
        self.events_added, self.events_written = events_added, events_written
        self.buckets_written, self.billed_written = buckets_written, billed_written


def _upsert_sql(table: str, columns: Sequence[str], keep_most_complete: bool = False,
                literals: dict[str, str] | None = None) -> str:
    """The upsert of rows of `columns`; `literals`: more columns, each with its value as SQL in the statement."""
    literals = literals or {}
    updates = [c for c in (*columns, *literals) if c not in _PK]
    assignments = ", ".join(f"{c} = excluded.{c}" for c in updates)
    if not keep_most_complete:  # any change replaces the row
        where = " OR ".join(f"{table}.{c} IS NOT excluded.{c}" for c in updates)
    else:
        # Agent logs repeat a request while it streams; the copy with more tokens is the complete one,
        # whatever order the files are read in. Another copy with as many tokens changes nothing: a
        # replay (a fork) must not move the request to its own time and project, and a machine's
        # events imported again must not put back the costs a local reprice changed. A sidechain
        # (sub-agent) copy never replaces the main transcript's copy, which replaces it whatever the
        # counts (core.records.replaces_copy, the same rule in Python).
        total_new = " + ".join(f"excluded.{c}" for c in TOKEN_COLUMNS[:5])
        total_old = " + ".join(f"{table}.{c}" for c in TOKEN_COLUMNS[:5])
        side_new, side_old = "COALESCE(excluded.sidechain, 0)", f"COALESCE({table}.sidechain, 0)"
        where = f"{side_new} < {side_old} OR ({side_new} = {side_old} AND ({total_new}) > ({total_old}))"
    values = ", ".join(["?" for _ in columns] + list(literals.values()))
    return (
        f"INSERT INTO {table} ({', '.join((*columns, *literals))}) VALUES ({values}) "
        f"ON CONFLICT(source, account, key) DO UPDATE SET {assignments} WHERE {where}"
    )


_EVENT_UPSERT = _upsert_sql("events", EVENT_COLUMNS)
_EVENT_UPSERT_COMPLETE = _upsert_sql("events", EVENT_COLUMNS, keep_most_complete=True)
# A log import's rows ("import rows") leave out the four columns that hold the same value in nearly every
# row it writes: the source (one per batch), no account, one request, no origin. The statement holds those
# (import_upsert_sql): binding a parameter costs sqlite3 a call and a lock (a text, a copy too), and these
# four were ~15% of the time of writing the rows of a first import. A row that has other values (a
# plug-in's event) carries those four columns after the others (import_row): IMPORT_FULL_COLUMNS.
IMPORT_CONSTANT_COLUMNS = ("source", "account", "requests", "origin")
IMPORT_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in IMPORT_CONSTANT_COLUMNS)
IMPORT_FULL_COLUMNS = IMPORT_COLUMNS + IMPORT_CONSTANT_COLUMNS
_IMPORT_FULL_UPSERT = _upsert_sql("events", IMPORT_FULL_COLUMNS)
_IMPORT_FULL_UPSERT_COMPLETE = _upsert_sql("events", IMPORT_FULL_COLUMNS, keep_most_complete=True)


def import_upsert_sql(source: str, keep_most_complete: bool, full: bool = False) -> str:
    """The upsert of import rows of `source` (IMPORT_COLUMNS; `full`: IMPORT_FULL_COLUMNS, whose rows
    name their source): the same statement as _EVENT_UPSERT(_COMPLETE), the constant values in it."""
    if full:
        return _IMPORT_FULL_UPSERT_COMPLETE if keep_most_complete else _IMPORT_FULL_UPSERT
    literals = {"source": "'" + source.replace("'", "''") + "'", "account": "''", "requests": "1", "origin": "NULL"}
    return _upsert_sql("events", IMPORT_COLUMNS, keep_most_complete, literals)


_BUCKET_UPSERT = _upsert_sql("buckets", BUCKET_COLUMNS)
_BILLED_UPSERT = _upsert_sql("billed", BILLED_COLUMNS)
CURSOR_UPSERT = (
    "INSERT INTO cursors (source, key, value, stat_key, updated_ms) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT(source, key) DO UPDATE SET value = excluded.value, stat_key = excluded.stat_key, "
    "updated_ms = excluded.updated_ms"
)


def cursor_row_tuples(cursors: Iterable[Cursor]) -> list[tuple]:
    """Rows for CURSOR_UPSERT."""
    written_ms = now_ms()
    return [(c.source, stored_key(c.key), json.dumps(c.value, sort_keys=True, separators=(",", ":")), c.stat_key, written_ms)
            for c in cursors]


def _token_sums(alias: str, tokens: bool) -> tuple[Sequence[str], str]:
    """The token columns an aggregate returns, and their SUM(...)s for its SELECT."""
    columns = TOKEN_COLUMNS if tokens else ()
    return columns, "".join(f"SUM({alias}.{c}), " for c in columns)


def _source_filter(alias: str, sources: Sequence[str] | None, by_index: bool = True) -> tuple[str, list]:
    """The WHERE addition (and its parameters) that keeps only the given sources (`by_index` False: a
    filter only, which SQLite will not choose to search by: the unary + hides the column from indexes)."""
    if not sources:
        return "", []
    return f" AND {'' if by_index else '+'}{alias}.source IN ({', '.join('?' for _ in sources)})", list(sources)


def _bool(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))


def event_row(e: UsageEvent) -> tuple:
    t = e.tokens
    return (
        e.source, e.account or "", e.key, e.ts_ms, e.model, e.provider, e.session, e.project, e.cwd,
        e.git_branch, t.input_tokens, t.cache_read_tokens, t.cache_write_5m_tokens,
        t.cache_write_1h_tokens, t.output_tokens, t.reasoning_tokens, e.requests, _bool(e.tool_use),
        e.service_tier, e.cost_pico, e.price_id, e.origin, _bool(e.sidechain), e.speed, units_text(e.units),
        e.partly_priced,
    )


def import_row(e: UsageEvent, source: str) -> tuple:
    """The import row of an event read by `source`'s reader: IMPORT_COLUMNS when the event has the
    values the import statement holds (import_upsert_sql), else IMPORT_FULL_COLUMNS."""
    t = e.tokens
    row = (
        e.key, e.ts_ms, e.model, e.provider, e.session, e.project, e.cwd, e.git_branch, t.input_tokens,
        t.cache_read_tokens, t.cache_write_5m_tokens, t.cache_write_1h_tokens, t.output_tokens,
        t.reasoning_tokens, _bool(e.tool_use), e.service_tier, e.cost_pico, e.price_id, _bool(e.sidechain),
        e.speed, units_text(e.units), e.partly_priced,
    )
    if e.source == source and not e.account and e.requests == 1 and e.origin is None:
        return row
    return row + (e.source, e.account or "", e.requests, e.origin)


def bucket_row(b: UsageBucket) -> tuple:
    t = b.tokens
    return (
        b.source, b.account or "", b.natural_key(), b.kind, b.start_s, b.width_s, b.model, b.provider,
        t.input_tokens, t.cache_read_tokens, t.cache_write_5m_tokens, t.cache_write_1h_tokens,
        t.output_tokens, t.reasoning_tokens, b.requests, b.quantity, b.quantity_unit, b.project_id,
        b.api_key_id, b.workspace_id, b.service_tier, _bool(b.batch),
        json.dumps(b.extra, sort_keys=True) if b.extra else None, b.cost_pico, b.price_id, units_text(b.units),
        b.partly_priced, b.byok_cost_pico,
    )


def billed_row(line: BilledLine) -> tuple:
    return (
        line.source, line.account or "", line.natural_key(), line.day, line.line_item, line.amount_pico,
        line.currency, line.project_id, line.workspace_id, line.model,
        *(getattr(line, name) for name in BILLED_BREAKDOWNS),
    )


ORJSON_MIN_CURSORS = 200  # Store.cursors: from this many rows orjson's import pays for itself


class Store(ValueQueries):
    """Owns one connection; use one Store per thread (SQLite's rule).

    `db` is a sqlite3 connection (or a sqlite-utils Database over one). The
    sqlite-utils `Database` (`store.db`) is built on first use: importing
    sqlite-utils costs ~0.1 s (it imports numpy), which a `tracker import`
    with nothing new should not pay. `atomic()` has its semantics.
    """

    def __init__(self, db: "sqlite3.Connection | Database", path: "Path | str", backup_dir: "Path | str"):
        if isinstance(db, sqlite3.Connection):
            self.conn: sqlite3.Connection = db
            self._db = None
        else:
            self.conn = db.conn
            self._db = db
        # Paths or their text, made Paths on first use: the quick sessions report (tracker.quick) names them
        # as text and imports no pathlib (with the urllib.parse and ipaddress it loads: ~3 ms of start-up)
        self._path = path
        self._backup_dir = backup_dir
        self._live_rollups: set[str] | None = None

    @property
    def path(self) -> Path:
        self._path = _as_path(self._path)
        return self._path

    @property
    def backup_dir(self) -> Path:
        self._backup_dir = _as_path(self._backup_dir)
        return self._backup_dir

    @property
    def db(self) -> "Database":
        """The sqlite-utils Database over this store's connection (built on first use)."""
        if self._db is None:
            self._db = write_database(self.conn)
        return self._db

    @contextmanager
    def atomic(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, holding the write lock from its start (transactions.write_transaction).

        A savepoint when nested; nests with `store.db.atomic()`, which is the same.
        """
        with write_transaction(self.conn):
            yield self.conn

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def backup(self, reason: str = "manual") -> Path:
        return backup(self.conn, self.path, self.backup_dir, reason)

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state, however many statements it runs.

        A report reads a time range, then sums; in autocommit each statement
        would see its own snapshot and a commit between them would mix two
        states. WAL keeps the snapshot without blocking the writer.
        """
        if self.conn.in_transaction:  # already inside one (a write, or an outer snapshot)
            yield
            return
        self.conn.execute("BEGIN")
        try:
            yield
        finally:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    def integrity_ok(self) -> bool:
        return self.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    # -- writes -----------------------------------------------------------
    def write_batch(
        self,
        events: Iterable[UsageEvent] = (),
        buckets: Iterable[UsageBucket] = (),
        billed: Iterable[BilledLine] = (),
        cursors: Iterable[Cursor] = (),
        delete_cursors: Iterable[tuple[str, str]] = (),
        keep_most_complete: bool = False,
        replace_buckets: Iterable[tuple[str, str, int, int]] = (),
    ) -> WriteResult:
        """Upsert rows and advance cursors in one transaction (all or nothing).

        `replace_buckets` lists (source, account, start_s, end_s) ranges whose
        existing buckets are removed first, so a provider's revised or re-
        grouped figures replace the old ones instead of sitting beside them.
        """
        result = WriteResult()
        event_rows = [event_row(e) for e in events]
        bucket_rows = [bucket_row(b) for b in buckets]
        billed_rows = [billed_row(line) for line in billed]
        cursor_rows = cursor_row_tuples(cursors)
        with self.atomic():
            if event_rows:
                before = self.conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM events").fetchone()[0]
                self.conn.executemany(_EVENT_UPSERT_COMPLETE if keep_most_complete else _EVENT_UPSERT, event_rows)
                result.events_added = self.conn.execute(
                    "SELECT count(*) FROM events WHERE rowid > ?", (before,)
                ).fetchone()[0]
                result.events_written = len(event_rows)
            for source, account, start_s, end_s in replace_buckets:
                self.conn.execute(
                    "DELETE FROM buckets WHERE source = ? AND account = ? AND start_s >= ? AND start_s < ?",
                    (source, account, start_s, end_s),
                )
            if bucket_rows:
                self.conn.executemany(_BUCKET_UPSERT, bucket_rows)
                result.buckets_written = len(bucket_rows)
            if billed_rows:
                self.conn.executemany(_BILLED_UPSERT, billed_rows)
                result.billed_written = len(billed_rows)
            for source, key in delete_cursors:
                self.conn.execute("DELETE FROM cursors WHERE source = ? AND key = ?", (source, stored_key(key)))
            if cursor_rows:
                self.conn.executemany(CURSOR_UPSERT, cursor_rows)
        return result

    # -- cursors and settings --------------------------------------------
    def cursor_stat_keys(self, source: str) -> dict[str, str | None]:
        """{key: stat_key} of a source's cursors: what an import with nothing new compares (no JSON).

        Kept while the database is unchanged (no commit by another connection: PRAGMA data_version; no
        change by this one: total_changes), for the tray's sync, which compares thousands every minute.
        Read it, do not change it.
        """
        state = (self.conn.execute("PRAGMA data_version").fetchone()[0], self.conn.total_changes)
        kept = self.__dict__.get("_stat_keys")
        if kept is None or kept[0] != state:  # every source's at once (an import compares them all)
            kept = self.__dict__["_stat_keys"] = (state, quick.all_cursor_stat_keys(self.conn))
        return kept[1].setdefault(source, {})

    def cursors(self, source: str, keys: Sequence[str] | None = None) -> dict[str, dict]:
        """{key: value} of a source's cursors (only those of `keys` when given)."""
        if keys is None:
            rows = self.conn.execute("SELECT key, value FROM cursors WHERE source = ?", (source,)).fetchall()
        else:  # one query for any number of keys
            stored = [stored_key(key) for key in keys]
            texts = [key for key in stored if type(key) is str]
            blobs = [key for key in stored if type(key) is bytes]
            rows = self.conn.execute("SELECT key, value FROM cursors WHERE source = ? AND key IN "
                                     "(SELECT value FROM json_each(?))", (source, json.dumps(texts))).fetchall()
            if blobs:
                rows += self.conn.execute(f"SELECT key, value FROM cursors WHERE source = ? AND key IN "
                                          f"({', '.join('?' for _ in blobs)})", (source, *blobs)).fetchall()
        # orjson: ~4x faster than json when thousands of files changed (a first import after an upgrade);
        # imported only then (~2-20 ms with the uuid module it loads: more than json costs for a few cursors)
        if len(rows) < ORJSON_MIN_CURSORS:
            return {read_key(key): json.loads(value) for key, value in rows}
        import orjson

        return {read_key(key): orjson.loads(value) for key, value in rows}

    def get_cursor(self, source: str, key: str) -> dict | None:
        row = self.conn.execute("SELECT value FROM cursors WHERE source = ? AND key = ?",
                                (source, stored_key(key))).fetchone()
        return json.loads(row[0]) if row else None

    def get_setting(self, key: str, default: Any = None) -> Any:
        return quick.setting(self.conn, key, default)

    def set_setting(self, key: str, value: Any) -> None:
        with self.atomic():
            self.conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value)),
            )

    def all_settings(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM settings")}

    # -- reads ------------------------------------------------------------
    def data_version(self) -> int:
        """Changes when another connection commits to the file: a cheap "anything new?" check."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def counts(self) -> dict[str, int]:
        return {
            table: self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("events", "buckets", "billed")
        }

    def time_range_ms(self) -> tuple[int, int] | None:
        # one MIN or MAX per SELECT: SQLite reads either from the index's end, but both at once scan the table
        lo_e, hi_e = self.conn.execute(
            "SELECT (SELECT MIN(ts_ms) FROM events), (SELECT MAX(ts_ms) FROM events)").fetchone()
        lo_b, hi_b = self.conn.execute(
            "SELECT (SELECT MIN(start_s) FROM buckets) * 1000, (SELECT MAX(start_s) FROM buckets) * 1000").fetchone()
        lows = [v for v in (lo_e, lo_b) if v is not None]
        highs = [v for v in (hi_e, hi_b) if v is not None]
        return (min(lows), max(highs)) if lows else None

    def _load_windows(self, windows: Sequence[Window]) -> None:
        # Inside the caller's read snapshot: a temporary table takes no lock on the database, so a
        # read never waits for the sync's write lock (BEGIN IMMEDIATE would, up to the busy timeout).
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _win (label TEXT, start_ms INTEGER, end_ms INTEGER)")
        self.conn.execute("DELETE FROM _win")
        self.conn.executemany(
            "INSERT INTO _win VALUES (?, ?, ?)", [(w.label, w.start_ms, w.end_ms) for w in windows]
        )

    def aggregate(
        self,
        windows: Sequence[Window],
        group_by: Sequence[str] = ("source", "model"),
        sources: Sequence[str] | None = None,
        include_buckets: bool = True,
        tokens: bool = True,
    ) -> list[dict]:
        """Token and cost sums per window and group, over events and provider buckets.

        Each row: period, the group keys, every token class, requests, cost_pico
        (priced part only), unpriced_requests, partly_priced_requests (priced,
        but some price class left out: the cost is a lower bound) and
        priced_rows (see _aggregate_rows). `tokens=False` leaves the token
        classes out (cost figures only). Events are read from a rollup where
        one keeps the groups (storage.rollup_reads: hours and sessions, not
        requests), from one snapshot.
        """
        return self._aggregate(windows, group_by, sources, include_buckets, tokens, None)

    def aggregate_covered(self, windows: Sequence[Window], group_by: Sequence[str], sources: Sequence[str] | None,
                          covered: dict[str, Sequence[tuple[int, int]]], include_buckets: bool = True,
                          tokens: bool = True) -> list[dict] | None:
        """aggregate's rows, and in the same pass, on each row of events, `_covered`: the (cost_pico,
        requests, unpriced_requests) of its usage on a source of `covered` within one of that source's
        spans (whole UTC hours, not overlapping); None when no hourly rollup answers `group_by` (then
        the caller reads the covered usage apart)."""
        return self._aggregate(windows, group_by, sources, include_buckets, tokens, covered)

    def _aggregate(self, windows, group_by, sources, include_buckets: bool, tokens: bool, covered) -> list[dict] | None:
        for key in group_by:
            if key not in GROUP_KEYS:
                raise ValueError(f"cannot group by {key!r}; choose from {', '.join(GROUP_KEYS)}")
        if not windows:
            return []
        from tracker.storage import rollup_reads  # (here: the reads of reports; an import of logs needs none)

        with self.read_snapshot():
            live = self.live_rollups()
            rows = rollup_reads.aggregate(self.conn, windows, group_by, sources, tokens, live,
                                          {k: GROUP_KEYS[k][0] for k in group_by}, covered) if live else None
            if covered is not None and rows is None:
                return None
            if include_buckets or rows is None:
                self._load_windows(windows)
            if rows is None:
                rows = self._aggregate_table("e", "events", "e.ts_ms", group_by, sources, tokens)
            if include_buckets:
                rows += self._aggregate_table("b", "buckets", "b.start_s * 1000", group_by, sources, tokens)
        return rows

    def live_rollups(self) -> set[str]:
        """The rollup tables that are trustworthy: those whose triggers all exist.

        A later migration that rebuilds `events` (e.g. sqlite-utils' transform)
        drops them; reads then go to events (slower, still exact).
        """
        if self._live_rollups is None:
            found = {name for (name,) in self.conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'")}
            self._live_rollups = {r.table for r in LIVE_ROLLUPS if set(r.triggers) <= found}
        return self._live_rollups

    def _rollup_live(self) -> bool:
        """Whether the hourly rollup (events_hourly) is live (see live_rollups)."""
        return "events_hourly" in self.live_rollups()

    def _aggregate_table(self, alias: str, table: str, ts_expr: str, group_by: Sequence[str],
                         sources: Sequence[str] | None, tokens: bool) -> list[dict]:
        """Sums per window from events (e) or buckets (b) (windows already loaded)."""
        index = 0 if alias == "e" else 1
        group_exprs = [GROUP_KEYS[k][index] for k in group_by]
        select_groups = "".join(f", {expr} AS g{i}" for i, expr in enumerate(group_exprs))
        group_sql = "".join(f", g{i}" for i in range(len(group_exprs)))
        token_columns, sums = _token_sums(alias, tokens)
        requests = f"SUM(COALESCE({alias}.requests, 0))"
        unpriced = (
            f"SUM(CASE WHEN {alias}.cost_pico IS NULL THEN MAX(COALESCE({alias}.requests, 1), 1) ELSE 0 END)"
        )
        partly = f"SUM({PARTLY_PRICED_SQL.format(r=alias)})"
        priced_rows = f"SUM({alias}.cost_pico IS NOT NULL)"
        # a bucket's time is start_s * 1000, which no index answers: each window's rows are also bounded by
        # their start_s (a second either side, whichever way SQLite rounds the division), so that the start_s
        # index finds them (not the source's, with every window compared with each of its buckets)
        buckets = table == "buckets"
        where, params = _source_filter(alias, sources, by_index=not buckets)
        seconds = f" AND {alias}.start_s >= w.start_ms / 1000 - 1 AND {alias}.start_s <= w.end_ms / 1000 + 1" \
            if buckets else ""
        sql = (
            f"SELECT w.label{select_groups}, {sums}{requests}, SUM({alias}.cost_pico), {unpriced}, {partly}, "
            f"{priced_rows}, MIN(w.start_ms) FROM _win w JOIN {table} {alias} "
            f"ON {ts_expr} >= w.start_ms AND {ts_expr} < w.end_ms{seconds}{where} "
            f"GROUP BY w.label{group_sql}"
        )
        return self._aggregate_rows(self.conn.execute(sql, params), group_by, token_columns)

    @staticmethod
    def _aggregate_rows(records, group_by: Sequence[str], token_columns: Sequence[str]) -> list[dict]:
        """(label, groups..., token sums..., requests, cost, unpriced, partly, priced rows, window start) -> rows.

        `priced_rows` counts the rows with a cost (reports.all_unpriced: a row of provider usage may
        carry no request count); the rollups count them too.
        """
        rows = []
        for rec in records:
            row = {"period": rec[0]}
            for i, key in enumerate(group_by):
                row[key] = rec[1 + i]
            offset = 1 + len(group_by)
            for j, column in enumerate(token_columns):
                row[column] = rec[offset + j] or 0
            offset += len(token_columns)
            row["requests"] = rec[offset] or 0
            row["cost_pico"] = rec[offset + 1] or 0
            row["unpriced_requests"] = rec[offset + 2] or 0
            row["partly_priced_requests"] = rec[offset + 3] or 0
            row["priced_rows"] = rec[offset + 4]
            row["_start_ms"] = rec[offset + 5]
            rows.append(row)
        return rows

    def billed_by_day(self, since_day: str, until_day: str, group_by_source: bool = True) -> list[dict]:
        """What providers say they charged, per provider day (and source)."""
        rows = self.conn.execute(
            "SELECT day, source, SUM(amount_pico) FROM billed WHERE day >= ? AND day <= ? "
            "GROUP BY day, source ORDER BY day, source",
            (since_day, until_day),
        )
        return [{"date": day, "source": source, "billed_pico": amount} for day, source, amount in rows]

    def sessions(self, start_ms: int, end_ms: int, sources: Sequence[str] | None = None) -> list[dict]:
        """Per session (source and session id) with usage in [start_ms, end_ms): its first and last request
        there, its models, its project (rollup_reads.session_rows), and the sums of that usage."""
        from tracker.storage import rollup_reads, session_pages  # (here: an import of logs needs none of them)

        with self.read_snapshot():
            if session_pages.live(self.live_rollups()):  # one row per session
                return session_pages.every(self.conn, start_ms, end_ms, sources)
            return rollup_reads.session_rows(self.conn, start_ms, end_ms, sources, self.live_rollups())

    def session_tuples(self, start_ms: int, end_ms: int, sources: Sequence[str] | None = None) -> list[tuple]:
        """`sessions`' rows as tuples (rollup_reads.SESSION_FIELDS), in the same order: a report of a year of
        sessions formats them without a dict per session."""
        from tracker.storage import rollup_reads, session_pages

        with self.read_snapshot():
            if session_pages.live(self.live_rollups()):
                return session_pages.every_tuple(self.conn, start_ms, end_ms, sources)
            return [session_pages.as_tuple(row) for row in
                    rollup_reads.session_rows(self.conn, start_ms, end_ms, sources, self.live_rollups())]

    def formatted_sessions(self, start_ms: int, end_ms: int, sources: Sequence[str] | None,
                           spans: Sequence[tuple[int, int, str]], row_format: str, models_separator: str,
                           form: str = "json", min_widths=None, other_cells: tuple = ()):
        """Every session of the range with most of its report row formatted by SQLite (session_pages.formatted:
        `form` a row of the JSON, a line of the CSV or of the text table); None where that cannot be exact: the
        rollups are not live, the range starts before 1970, or a sum overflows 64 bits (then `session_tuples`'
        rows tell). Its batches of rows are read as they are iterated: inside a read_snapshot that the caller
        holds until the last."""
        from tracker.storage import session_pages

        with self.read_snapshot():
            if start_ms < 0 or not session_pages.live(self.live_rollups()):
                return None
            try:
                return session_pages.formatted(self.conn, start_ms, end_ms, sources, spans, row_format,
                                               models_separator, self.live_rollups(), form, min_widths,
                                               other_cells)
            except sqlite3.OperationalError as e:
                if "integer overflow" not in str(e):
                    raise
                return None

    def project_names(self) -> list[str]:
        """Every project name the usage carries (events and provider buckets), sorted: the project rollup's
        names where it is live (its keys only, no sums)."""
        events = (f"SELECT DISTINCT project FROM {PROJECTS.table} WHERE project != {NULL_TEXT_KEY}"
                  if PROJECTS.table in self.live_rollups() else
                  "SELECT DISTINCT project FROM events WHERE project IS NOT NULL")
        with self.read_snapshot():
            rows = self.conn.execute(f"{events} UNION SELECT {GROUP_KEYS['project'][1]} FROM buckets b").fetchall()
        return sorted(r[0] for r in rows if isinstance(r[0], str))

    def session_page(self, start_ms: int, end_ms: int, sources: Sequence[str] | None, order: str, descending: bool,
                     offset: int, limit: int) -> session_pages.SessionPage | None:
        """Rows offset..offset+limit of `sessions` ordered by a public column, with the count and sums of all
        of them (storage.session_pages); None when the session totals cannot answer (not live, or a column
        they do not hold)."""
        from tracker.storage import session_pages

        with self.read_snapshot():
            if not session_pages.live(self.live_rollups()):
                return None
            return session_pages.page(self.conn, start_ms, end_ms, sources, order, descending, offset, limit,
                                      self.live_rollups())

    def session_search_page(self, start_ms: int, end_ms: int, sources: Sequence[str] | None, order: str,
                            descending: bool, offset: int, limit: int, text: str, named_sources: Sequence[str],
                            spans: Sequence[tuple[int, int, str]], keep) -> session_pages.SessionPage | None:
        """`session_page` of only the sessions that `text` names (storage.session_search.matching_page); None
        where that cannot answer (not live, a column the totals do not hold, a range before 1970)."""
        from tracker.storage import session_pages, session_search

        with self.read_snapshot():
            if not session_pages.live(self.live_rollups()):
                return None
            return session_search.matching_page(self.conn, start_ms, end_ms, sources, order, descending, offset,
                                                limit, text, named_sources, spans, keep)

    # -- re-pricing -------------------------------------------------------
    def iter_event_pricing(self, since_ms: int | None = None, batch_size: int = 5000):
        """Batches of (rowid, model, provider, ts_ms, service_tier, tokens..., requests, cost, price_id, speed,
        units, partly_priced)."""
        sql = (
            f"SELECT rowid, model, provider, ts_ms, service_tier, {', '.join(TOKEN_COLUMNS)}, requests, "
            "cost_pico, price_id, speed, units, partly_priced FROM events WHERE rowid > ? AND ts_ms >= ? ORDER BY rowid LIMIT ?"
        )
        last = 0
        while True:
            rows = self.conn.execute(sql, (last, since_ms or 0, batch_size)).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def iter_bucket_pricing(self, since_ms: int | None = None, batch_size: int = 5000):
        sql = (
            f"SELECT rowid, model, provider, start_s * 1000, service_tier, {', '.join(TOKEN_COLUMNS)}, "
            "requests, cost_pico, price_id, batch, extra, units, partly_priced, kind FROM buckets WHERE rowid > ? AND start_s * 1000 >= ? "
            "ORDER BY rowid LIMIT ?"
        )
        last = 0
        while True:
            rows = self.conn.execute(sql, (last, since_ms or 0, batch_size)).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def update_costs(self, table: str, updates: Sequence[tuple[int | None, str | None, str | None, int]]) -> None:
        """Set (cost_pico, price_id, partly_priced) by rowid, in one transaction."""
        if table not in ("events", "buckets"):
            raise ValueError(table)
        with self.atomic():
            self.conn.executemany(f"UPDATE {table} SET cost_pico = ?, price_id = ?, partly_priced = ? WHERE rowid = ?",
                                  updates)


def _as_path(place: "Path | str") -> Path:
    from pathlib import Path

    return place if isinstance(place, Path) else Path(place)


def open_store(path: Path, backup_dir: Path | None = None, auto_backup: bool = True) -> Store:
    """Open (creating if needed) and migrate the database at `path`; back it up once a day."""
    backup_dir = backup_dir or path.parent / "backups"
    existed = path.exists() and path.stat().st_size > 0
    if path.exists() and not existed and quick.backups(backup_dir, path.stem):
        # An emptied file (a failed copy, a sync tool) would silently start a new, empty history on top
        # of the backups that still hold the real one: say so instead (moving the file away starts afresh).
        raise StoreError(f"The database {path} is empty (0 bytes), and {backup_dir} holds backups of it: "
                         "`tracker db restore` puts the newest good one back. To start afresh instead, delete "
                         "the empty file.")
    conn = connect(path)
    try:
        migrate(conn, path, backup_dir)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if not existed:
            raise StoreError(
                f"The database {path} could not be created ({exc}): the disk may be full or the folder read-only. "
                "Free some space or set TRACKER_HOME to a writable folder, then run the command again."
            ) from exc
        if any(w in str(exc).lower() for w in ("malformed", "not a database", "corrupt")):
            raise StoreError(damaged_message(path, exc)) from exc
        raise StoreError(
            f"The database {path} could not be upgraded ({exc}); if the disk is full, free some space and run the "
            f"command again. A copy taken before the upgrade is in {backup_dir}: `tracker db restore` puts it back."
        ) from exc
    if existed and auto_backup:
        try:
            if quick.backup_due(conn, path, backup_dir):  # (storage.recovery, which takes it: only then, once a day)
                from tracker.storage.recovery import backup_if_due

                backup_if_due(conn, path, backup_dir)
        except (OSError, sqlite3.Error) as exc:  # a full disk must not stop the app from reading its data
            log.warning("automatic backup of %s failed: %s", path, exc)
    return Store(conn, path, backup_dir)
