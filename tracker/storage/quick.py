"""The reads of the command line's quick answers (tracker.quick), on a read-only sqlite3 connection.

Standard library only, and nothing of the store's own modules: `tracker import`
with nothing new and a daily report from the hourly rollup answer from these
alone. The store uses the same reads (Store.cursor_stat_keys, get_setting).
Whatever these cannot vouch for (the database cannot be opened, migrations are
pending, a backup is due) is the caller's cue to take the normal path.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from itertools import repeat

try:  # the sqlite3 package is this C module and its default adapters of dates, which import datetime (~1 ms of
    import _sqlite3 as sqlite3  # `tracker import` with nothing new, which binds none): the module alone
except ImportError:  # an interpreter that names it otherwise: the package
    import sqlite3

from tracker.storage.migrations import HOUR_MS, ROLLUP_TRIGGERS, TOKEN_COLUMNS, migrations
from tracker.storage.rollup_days import DAY_MS, split_at_days

AUTO_BACKUP_INTERVAL_S = 24 * 3600  # one automatic copy a day, taken when the store is opened
# When the database was created (Unix seconds, written by db.migrate with the new schema): the day's backup
# interval counts from it too, so a first import's database is not copied by the very next command.
CREATED_SETTING = "database_created_s"


def open_for_reading(path: str | os.PathLike) -> sqlite3.Connection | None:
    """A connection that only reads (query_only: not even the file's mode or journal change), or None if the
    file cannot be read as a database now, or could not be written (opening the store would fail).

    Not SQLite's read-only mode: a read-only connection cannot remove the write-ahead log and index
    files it creates beside a database that no one has open, and would leave them behind.
    """
    path = os.fspath(path)
    if not (os.access(path, os.R_OK | os.W_OK) and os.access(os.path.dirname(path) or ".", os.W_OK)):
        return None
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=True)
    except sqlite3.Error:
        return None
    try:
        conn.execute("PRAGMA query_only=ON")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        conn.close()
        return None
    return conn


def write_lock_free(conn: sqlite3.Connection) -> bool:
    """Whether no other connection holds the write lock now (taken and released at once: nothing is
    written). The full command would wait for it (the import's tagging pass takes it)."""
    conn.execute("PRAGMA busy_timeout=0")
    conn.execute("PRAGMA query_only=OFF")  # (a write transaction's begin is a write to query_only)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # "database is locked"
        return False
    else:
        conn.execute("ROLLBACK")
        return True
    finally:
        conn.execute("PRAGMA query_only=ON")


# what changes the database itself (the temporary schema's own actions, CREATE_TEMP_*, are not here)
_CHANGES = frozenset((
    sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE, sqlite3.SQLITE_CREATE_TABLE,
    sqlite3.SQLITE_CREATE_INDEX, sqlite3.SQLITE_CREATE_TRIGGER, sqlite3.SQLITE_CREATE_VIEW, sqlite3.SQLITE_DROP_TABLE,
    sqlite3.SQLITE_DROP_INDEX, sqlite3.SQLITE_DROP_TRIGGER, sqlite3.SQLITE_DROP_VIEW, sqlite3.SQLITE_ALTER_TABLE,
    sqlite3.SQLITE_REINDEX, sqlite3.SQLITE_ANALYZE, sqlite3.SQLITE_CREATE_VTABLE, sqlite3.SQLITE_DROP_VTABLE,
))


def _temporary_only(action: int, arg1, arg2, database, trigger) -> int:
    if (action in _CHANGES and database != "temp") or action == sqlite3.SQLITE_ATTACH \
            or (action == sqlite3.SQLITE_PRAGMA and arg2 is not None):  # (a pragma that sets something)
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def writes_temporary_tables_only(conn: sqlite3.Connection) -> None:
    """Let a connection of open_for_reading write its temporary tables (the store's reads load their
    windows into some) and still nothing of the database: a change to it is denied (an error, so the caller
    takes the normal path), and so is a pragma that sets something (the mode, the journal)."""
    conn.execute("PRAGMA query_only=OFF")
    conn.set_authorizer(_temporary_only)


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    return migrations.pending_names(conn)


def stored_key(key: str) -> str | bytes:
    """A cursor key as the cursors table keeps it: text, or its bytes when it is not valid Unicode.

    A log file's cursor is keyed by its path, and a file name that is not UTF-8
    comes from the file system with lone surrogates, which SQLite cannot take as
    text. As a BLOB (never equal to any text key) it is read back as the same
    string (read_key), so the file's cursor is found again by the next import.
    """
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return key.encode("utf-8", "surrogatepass")
    return key


def read_key(key: str | bytes) -> str:
    return key.decode("utf-8", "surrogatepass") if type(key) is bytes else key


def cursor_stat_keys(conn: sqlite3.Connection, source: str) -> dict[str, str | None]:
    """{key: stat_key} of a source's cursors: what an import with nothing new compares (no JSON)."""
    known = dict(conn.execute("SELECT key, stat_key FROM cursors WHERE source = ?", (source,)))
    return _readable_keys(known)


def all_cursor_stat_keys(conn: sqlite3.Connection) -> dict[str, dict[str, str | None]]:
    """{source: cursor_stat_keys(conn, source)} of every source, in one pass over the table.

    What an import compares for every source at once: one scan reads the table's pages in order (~25%
    less than a query per source, each following the key index into the table: 1.5 ms of 3,466 files).
    """
    found: dict[str, dict] = {}
    for source, key, stat_key in conn.execute("SELECT source, key, stat_key FROM cursors"):
        known = found.get(source)
        if known is None:
            known = found[source] = {}
        known[key] = stat_key
    return {source: _readable_keys(known) for source, known in found.items()}


def changed_since(conn: sqlite3.Connection, version: int, changes: int) -> bool:
    """Whether another connection has committed since this one's data_version() was `version`, or this one has
    changed anything since its total_changes was `changes`; True for a closed connection (what it read then
    cannot be vouched for now)."""
    try:
        return data_version(conn) != version or conn.total_changes != changes
    except sqlite3.ProgrammingError:  # closed
        return True


def data_version(conn: sqlite3.Connection) -> int:
    """A number that differs from the one read before whenever another connection (of any process) has
    committed since: what tells that what this connection read is still the database's."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


def _readable_keys(known: dict) -> dict[str, str | None]:
    if bytes in set(map(type, known)):  # paths that are not valid Unicode (stored_key); (in C: thousands of keys)
        return {read_key(key): stat_key for key, stat_key in known.items()}
    return known


def setting(conn: sqlite3.Connection, key: str, default=None):
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    if not row:
        return default
    import json  # (only for a setting that is there: a quick report often reads none)

    return json.loads(row[0])


def has_rows(conn: sqlite3.Connection, table: str) -> bool:
    return bool(conn.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0])  # noqa: S608 (our names)


def has_usage(conn: sqlite3.Connection) -> bool:
    return any(has_rows(conn, table) for table in ("events", "buckets", "billed"))


def backups(backup_dir, stem: str) -> list:
    """Backups (Path each) of the database named `stem` in `backup_dir` (a Path), newest first."""
    if not backup_dir.is_dir():
        return []
    return sorted(backup_dir.glob(backup_pattern(stem)), key=lambda p: (p.stat().st_mtime, p.name), reverse=True)


def backup_pattern(stem: str) -> str:
    return f"{stem}-*.db"


def newest_backup_mtime(backup_dir: str | os.PathLike, stem: str) -> float | None:
    """The modification time of backups()'s first, found without pathlib (the quick report: ~4 ms at
    start-up): the latest of the names its glob takes (fnmatch: case-sensitive where the file system's
    names are); None when there is none."""
    try:
        entries = os.scandir(backup_dir)
    except OSError:  # no folder, or one that cannot be listed: no backup found (as backups() finds none)
        return None
    with entries:
        return max((entry.stat().st_mtime for entry in entries if _taken(entry.name, stem)), default=None)


def _taken(name: str, stem: str) -> bool:
    """Whether backup_pattern(stem) takes a file name: told by its two ends where names are case-sensitive
    (POSIX) and the stem holds no wildcard, else by fnmatch (~0.2 ms at start-up)."""
    if os.name == "posix" and not any(c in stem for c in "*?["):
        head = f"{stem}-"
        return name.startswith(head) and name.endswith(".db") and len(name) >= len(head) + 3
    from fnmatch import fnmatch

    return fnmatch(name, backup_pattern(stem))


def backup_due(conn: sqlite3.Connection, path: str | os.PathLike, backup_dir: str | os.PathLike,
               interval_s: int = AUTO_BACKUP_INTERVAL_S) -> bool:
    """Whether opening the store takes the automatic backup now: there is usage, and the interval has passed
    since the later of the newest copy and the database's creation.

    A database created less than a day ago holds what its logs hold and a day's work at most, what any day
    after a backup risks; its first copy is taken by the first open a day after its creation. A creation
    time ahead of the clock (the clock set back since, a file from a machine whose clock ran ahead) is not
    trusted: it would put the backup off for as long.
    """
    if not has_usage(conn):
        return False
    now = time.time()
    newest = newest_backup_mtime(backup_dir, os.path.splitext(os.path.basename(path))[0])
    if newest is not None and now - newest < interval_s:
        return False
    created = created_s(conn)
    return not (created is not None and 0 <= now - created < interval_s)


def created_s(conn: sqlite3.Connection) -> int | None:
    """When the database was created (Unix seconds), or None: an older version created it, or the value
    was edited into something else."""
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (CREATED_SETTING,)).fetchone()
    try:
        return int(row[0]) if row else None
    except (TypeError, ValueError):
        return None


def private_file(path: str | os.PathLike, mode: int) -> bool:
    """Whether the database file has the mode that opening the store sets (connect() would change it)."""
    try:
        return (os.stat(path).st_mode & 0o777) == mode
    except OSError:
        return False


# -- a report's sums from the hourly rollup ----------------------------------
# The hourly rollup by UTC day (rollups.HOURLY_DAILY, m160): its table and triggers, named here without
# loading the rollups' definitions (~2 ms at start-up)
DAILY_ROLLUP_TABLE = "events_daily"
DAILY_ROLLUP_TRIGGERS = tuple(f"{DAILY_ROLLUP_TABLE}_{verb}" for verb in ("insert", "delete", "update"))
# a rollup row's figures, as summed: n (its events: none left, no row) first
_ROLLUP_SUMS = ("n", *TOKEN_COLUMNS, "requests", "cost_pico", "unpriced", "partly")


def rollup_live(conn: sqlite3.Connection, triggers: Sequence[str] = ROLLUP_TRIGGERS) -> bool:
    """A rollup (by default the hourly one) is trustworthy only while all its triggers exist
    (Store.live_rollups)."""
    found = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events' "
        f"AND name IN ({', '.join('?' for _ in triggers)})", tuple(triggers)
    ).fetchone()[0]
    return found == len(triggers)


def time_range_ms(conn: sqlite3.Connection) -> tuple[int, int] | None:
    """The first and last stored times of events and provider buckets (Store.time_range_ms)."""
    lo_e, hi_e = conn.execute("SELECT (SELECT MIN(ts_ms) FROM events), (SELECT MAX(ts_ms) FROM events)").fetchone()
    lo_b, hi_b = conn.execute(
        "SELECT (SELECT MIN(start_s) FROM buckets) * 1000, (SELECT MAX(start_s) FROM buckets) * 1000").fetchone()
    lows = [v for v in (lo_e, lo_b) if v is not None]
    highs = [v for v in (hi_e, hi_b) if v is not None]
    return (min(lows), max(highs)) if lows else None


def provider_usage_between(conn: sqlite3.Connection, start_ms: int, end_ms: int, first_day: str,
                           last_day: str) -> bool:
    """Whether provider buckets or billed lines fall in a report's range (its UTC times; its days)."""
    return bool(conn.execute(
        "SELECT EXISTS (SELECT 1 FROM buckets WHERE start_s >= ? AND start_s < ?) "
        "OR EXISTS (SELECT 1 FROM billed WHERE day >= ? AND day <= ?)",
        (start_ms // 1000 - 1, end_ms // 1000 + 1, first_day, last_day),
    ).fetchone()[0])


# A part's stretches that follow one another, as many runs or fewer, are read by a range each (a year of UTC
# days: one run, ~3x faster than joining their list); more runs than that (a zone's hours at each day's end) by
# their list.
_MAX_RUNS = 4


def _runs(stretches: Sequence[tuple]) -> list[tuple[int, int, int, int]]:
    """(first window's place, start, length, end) of each run of stretches (window place, start, end) that
    follow one another: the same length, each starting where the one before ends, at the next place."""
    runs: list[list[int]] = []
    for i, lo, hi in stretches:
        last = runs[-1] if runs else None
        if last is not None and i == last[0] + (last[3] - last[1]) // last[2] and lo == last[3] \
                and hi - lo == last[2]:
            last[3] = hi
        else:
            runs.append([i, lo, hi - lo, hi])
    return [tuple(run) for run in runs]


def rollup_sums(conn: sqlite3.Connection, windows: Sequence, group_by: Sequence[str]) -> list[dict] | None:
    """Store.aggregate's rows for events over hour-aligned windows, grouped by source and/or model, read
    from the hourly rollup (whole UTC days from its sums by day where that is live, as the full reports read
    them: rollup_days.split_at_days); None when the rollup cannot answer (not live, or a window not on whole
    hours)."""
    if not set(group_by) <= {"source", "model"} or not rollup_live(conn) \
            or any(w.start_ms % HOUR_MS or w.end_ms % HOUR_MS for w in windows):
        return None
    # each window by its place in the list: a whole number groups faster than text (a year of days: 6.0 ->
    # 4.5 ms); its label and start are the window's own
    stretches = [(i, w.start_ms, w.end_ms) for i, w in enumerate(windows) if w.end_ms > w.start_ms]
    days, hours, less = split_at_days(stretches, None) if rollup_live(conn, DAILY_ROLLUP_TRIGGERS) \
        else ([], stretches, [])
    keys = "".join(f", {k}" for k in group_by)
    parts, params, ranges = [], [], []
    for table, time_column, part, sign in ((DAILY_ROLLUP_TABLE, "day_ms", days, ""),
                                           ("events_hourly", "hour_ms", hours, ""),
                                           ("events_hourly", "hour_ms", less, "-")):
        sums = ", ".join(f"{sign}{c}" for c in _ROLLUP_SUMS)
        runs = _runs(part)
        if len(runs) <= _MAX_RUNS:
            # each run by one range of the table's key, its window's place worked out from the time
            for first, lo, length, hi in runs:
                params += [first, lo, length, lo, hi]
                parts.append(f"SELECT ? + ({time_column} - ?) / ?{keys}, {sums} FROM {table} "
                             f"WHERE {time_column} >= ? AND {time_column} < ?")
                ranges.append((table, time_column, sign, length))
        else:
            # the stretches as JSON, written by hand: whole numbers only (the json package: ~1 ms at start-up)
            params.append("[" + ",".join(f"[{i},{int(lo)},{int(hi)}]" for i, lo, hi in part) + "]")
            parts.append(f"SELECT json_extract(w.value, '$[0]'){keys}, {sums}"
                         f" FROM json_each(?) w JOIN {table} ON {time_column} >= json_extract(w.value, '$[1]') "
                         f"AND {time_column} < json_extract(w.value, '$[2]')")
    if not parts:
        return []
    if len(parts) == len(ranges) == 1 and ranges[0][2] == "" and list(group_by) == ["source", "model"] \
            and ranges[0][3] == (DAY_MS if ranges[0][0] == DAILY_ROLLUP_TABLE else HOUR_MS):
        # one run of windows of one row's time each (a year of UTC days), grouped by the table's own key (time,
        # source, model): its rows are the groups, as they are (~40% less than summing each again)
        table, time_column = ranges[0][:2]
        sql = (f"SELECT ? + ({time_column} - ?) / ?{keys}, {', '.join(_ROLLUP_SUMS[1:])} FROM {table} "
               f"WHERE {time_column} >= ? AND {time_column} < ? AND n > 0")
    else:
        # the rows of every part, summed once (a day less the hours outside the window is its hours inside:
        # every figure is a sum); a group whose every row was taken away again had no event in the window
        sql = (f"WITH p(i{keys}, {', '.join(_ROLLUP_SUMS)}) AS ({' UNION ALL '.join(parts)}) "
               f"SELECT i{keys}, {', '.join(f'SUM({c})' for c in _ROLLUP_SUMS[1:])} FROM p GROUP BY i{keys} "
               "HAVING SUM(n) > 0")
    # (the rollup's columns are NOT NULL: a group's sums are never NULL, as Store._aggregate_rows's `or 0` expects)
    # Each row's dict made in C from its record (~1.2 ms less for a year of days by model than made in Python),
    # its window's place then replaced by the window's label and start. priced_rows: not counted by the rollup
    # (NULL): every event is a request (reports.all_unpriced).
    names = ("period", *group_by, *TOKEN_COLUMNS, "requests", "cost_pico", "unpriced_requests",
             "partly_priced_requests", "priced_rows")
    rows = list(map(dict, map(zip, repeat(names), conn.execute(f"SELECT *, NULL FROM ({sql})", params))))
    labels, starts = [w.label for w in windows], [w.start_ms for w in windows]
    for row in rows:
        i = row["period"]
        row["period"] = labels[i]
        row["_start_ms"] = starts[i]
    return rows
