"""Settings for a connection while it writes many rows at once (a log import)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from tracker.core.records import Cursor
from tracker.storage.limits import write_reading_rows
from tracker.storage.rollups import LIVE_ROLLUPS, TAGGED, refill_together
from tracker.storage.store import (
    CURSOR_UPSERT,
    IMPORT_COLUMNS,
    WriteResult,
    cursor_row_tuples,
    import_upsert_sql,
)

# Positions in an import row (services.log_import._price_requests, storage.store.import_row), whichever its
# width. The tokens: input, cache read, cache write 5m/1h, output (reasoning is inside output).
ROW_KEY = IMPORT_COLUMNS.index("key")
ROW_TOKENS = slice(IMPORT_COLUMNS.index("input_tokens"), IMPORT_COLUMNS.index("output_tokens") + 1)
ROW_SIDECHAIN = IMPORT_COLUMNS.index("sidechain")

BULK_CACHE_MIB = 64  # page cache big enough to keep the events indexes in memory
# Rollups whose `where` takes no event of a first import unless something tags events inside its transaction
# (rules tag them after): told empty from the refill's grain, not by a scan of every event that finds none
# (~6 ms at 300 MiB of logs; refill_together's unless_empty).
SELDOM_ON_A_FIRST_IMPORT = (TAGGED,)


@contextmanager
def bulk_writes(store, cache_mib: int = BULK_CACHE_MIB) -> Iterator[None]:
    """Settings for many inserts, for the duration of the block.

    * a bigger page cache: SQLite's default 2 MB thrashes on the events indexes;
    * no checkpoint after every commit (in WAL mode each commit past 1000 pages
      copies and fsyncs): one checkpoint at the end does that work once;
    * into an empty events table (a first import): the whole block is one
      transaction, and the secondary indexes are dropped and rebuilt at the
      end, which is much cheaper than updating them row by row; so are the
      rollups' triggers (one upsert into each rollup per row): each live
      rollup is filled from events at the end, all of them from one pass over
      the events (storage.rollups.refill_together).
      Readers see the old state (indexes, triggers) until it commits; a
      failure rolls all of it back.
    Every write stays atomic with its cursors.
    """
    conn = store.conn
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    old_checkpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute(f"PRAGMA cache_size=-{int(cache_mib) * 1024}")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    try:
        if conn.execute("SELECT EXISTS (SELECT 1 FROM events)").fetchone()[0]:
            yield False
        else:
            with store.atomic():
                indexes = conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' "
                    "AND sql IS NOT NULL"
                ).fetchall()
                found = dict(conn.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
                ).fetchall())
                # a rollup that is not live (Store.live_rollups) is left alone
                live = [r for r in LIVE_ROLLUPS if all(name in found for name in r.triggers)]
                triggers = [(name, found[name]) for r in live for name in r.triggers]
                for name, _ in indexes:
                    conn.execute(f'DROP INDEX "{name}"')
                for name, _ in triggers:
                    conn.execute(f'DROP TRIGGER "{name}"')
                yield True
                for _, sql in indexes:
                    conn.execute(sql)
                # a rollup whose `where` takes no event is empty: the tagged one on a first import, whose events
                # carry no tags yet (rules tag them after); left out, its keys need not split the others' groups
                seldom = tuple(r for r in live if r in SELDOM_ON_A_FIRST_IMPORT)
                empty = [r for r in live if r.where and r not in seldom and not conn.execute(
                    f"SELECT EXISTS (SELECT 1 FROM events e WHERE {r.where.format(r='e')})").fetchone()[0]]
                for rollup in empty:
                    conn.execute(f"DELETE FROM {rollup.table}")
                filled = tuple(r for r in live if r not in empty and r not in seldom)
                for sql in refill_together(filled, seldom) if filled or seldom else ():
                    conn.execute(sql)
                for _, sql in triggers:
                    conn.execute(sql)
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint={int(old_checkpoint)}")
        if not conn.in_transaction:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        conn.execute(f"PRAGMA cache_size={int(old_cache)}")


def write_import_rows(store, source: str, rows: Sequence[tuple], cursors: Iterable[Cursor] = (),
                      keep_most_complete: bool = False, reading_rows: Sequence[tuple] = ()) -> WriteResult:
    """Store.write_batch for the import rows of one source (log_import._price_requests, store.import_row), plus
    their cursors and the limit-window readings (storage.limits.reading_row) read from the same files.

    The log import converts and prices events in worker processes and sends plain row tuples back; turning
    them into UsageEvents again only to turn them back into rows would cost more than the SQL. The same
    transaction, upserts and cursor rule as Store.write_batch, with fewer parameters bound: the columns the
    same for every row of a source are literals in the statement."""
    narrow = len(IMPORT_COLUMNS)
    if max(map(len, rows), default=narrow) == narrow:  # the built-in readers' rows: all narrow
        statements = [(import_upsert_sql(source, keep_most_complete), rows)]
    else:  # a plug-in's events, some with an account, a count of requests or an origin: runs of one width
        statements = [(import_upsert_sql(source, keep_most_complete, full=width > narrow), list(run))
                      for width, run in itertools.groupby(rows, len)]
    return _write(store, statements, cursors, reading_rows)


def _write(store, statements: Sequence[tuple[str, Sequence[tuple]]], cursors: Iterable[Cursor],
           reading_rows: Sequence[tuple]) -> WriteResult:
    """Each (upsert, event rows), the readings and the cursors, in one transaction."""
    result = WriteResult()
    cursor_rows = cursor_row_tuples(cursors)
    conn = store.conn
    with store.atomic():
        if any(rows for _, rows in statements):
            before = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM events").fetchone()[0]
            for sql, rows in statements:
                if rows:
                    conn.executemany(sql, rows)
                    result.events_written += len(rows)
            result.events_added = conn.execute("SELECT count(*) FROM events WHERE rowid > ?", (before,)).fetchone()[0]
        write_reading_rows(conn, reading_rows)
        if cursor_rows:
            conn.executemany(CURSOR_UPSERT, cursor_rows)
    return result
