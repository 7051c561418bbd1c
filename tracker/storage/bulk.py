"""Settings for a connection while it writes many rows at once (a log import)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

BULK_CACHE_MIB = 64  # page cache big enough to keep the events indexes in memory


@contextmanager
def bulk_writes(store, cache_mib: int = BULK_CACHE_MIB) -> Iterator[None]:
    """A bigger page cache and no checkpoint after every commit, for the duration.

    SQLite's default 2 MB cache thrashes on the events indexes, and in WAL
    mode every commit past 1000 pages checkpoints (copy + fsync); one
    checkpoint at the end does the same work once. Commits stay atomic.
    """
    conn = store.conn
    old_cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    old_checkpoint = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute(f"PRAGMA cache_size=-{int(cache_mib) * 1024}")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA wal_autocheckpoint={int(old_checkpoint)}")
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        conn.execute(f"PRAGMA cache_size={int(old_cache)}")
