"""Write transactions that take SQLite's write lock when they begin.

A plain (deferred) BEGIN takes the lock only at the transaction's first
write. Two such transactions that have both read cannot both write: SQLite
fails one of them at once with "database is locked", without waiting (a busy
timeout cannot help, the other would never let go first). Concurrent
`tracker import` runs failed that way 6 times in 9, and so could the tray
app's sync beside a command. BEGIN IMMEDIATE waits (up to the connection's busy
timeout) for the lock before reading anything, so writers queue instead.
Readers are never blocked by it (WAL).
"""

from __future__ import annotations

import functools
import itertools
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# NULL as a statement parameter in rows written by the hundred thousand (a first log import): SQLite
# stores a NaN bound as a parameter as NULL, and the sqlite3 module binds a float as it is, where it
# looks for an adapter for a None first (~0.3 us a parameter: a third of an events row's write).
# Only in rows that go straight to executemany (no Python code reads a NaN back as a value).
NULL_PARAM = float("nan")

_SAVEPOINTS = itertools.count()  # (secrets.token_hex pulled hashlib and random into every start-up)


@contextmanager
def write_transaction(conn: sqlite3.Connection, savepoint_prefix: str = "tracker") -> Iterator[None]:
    """One transaction that holds the write lock from its start; a savepoint when one is open already.

    The semantics of sqlite_utils.Database.atomic (both decide by
    `conn.in_transaction`, so they nest inside each other), but BEGIN IMMEDIATE.
    """
    if conn.in_transaction:
        savepoint = f"{savepoint_prefix}_{next(_SAVEPOINTS)}"  # unique among the nested ones: a counter does
        conn.execute(f"SAVEPOINT {savepoint}")
        try:
            yield
        except BaseException:
            # an error such as RAISE(ROLLBACK) may have ended the whole transaction already
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                conn.execute(f"RELEASE SAVEPOINT {savepoint}")
            raise
        else:
            conn.execute(f"RELEASE SAVEPOINT {savepoint}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    else:
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def write_database(conn: sqlite3.Connection):
    """A sqlite-utils Database over `conn` whose atomic() is a write_transaction (migrations, stores).

    Without sqlite-utils' plug-ins: loading them reads every installed distribution's entry points (~19 ms
    of a first import, which creates the database), and whatever sqlite-utils plug-in is installed beside
    the tracker has no business preparing the tracker's own connection."""
    return _database_class()(conn, execute_plugins=False)


# Libraries sqlite-utils imports when it can, to name their value types' column types (numpy's int64 is
# INTEGER): the app never hands sqlite-utils such values. numpy's import starts OpenBLAS's thread pool, whose
# threads spin waiting for work: ~0.09 s of CPU (import and spin) in every process that creates the
# database (a first `tracker import`) or migrates it, for nothing.
_SQLITE_UTILS_EXTRAS = ("numpy", "pandas")


def load_sqlite_utils() -> None:
    """Import sqlite-utils without importing numpy or pandas (those already imported, by the GUI's charts, stay).

    Only in the main thread of a single-threaded process (the command line): while they are hidden, another
    thread's `import numpy` would fail, so beside other threads (the GUI's) sqlite-utils imports them as usual.
    """
    if "sqlite_utils.db" in sys.modules:
        return
    import threading

    alone = threading.current_thread() is threading.main_thread() and threading.active_count() == 1
    hidden = [name for name in _SQLITE_UTILS_EXTRAS if name not in sys.modules] if alone else []
    for name in hidden:
        sys.modules[name] = None  # `import numpy` raises ImportError, which sqlite-utils expects
    try:
        import sqlite_utils.db  # noqa: F401
    finally:
        for name in hidden:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]  # importable again, for whoever needs them


@functools.cache
def _database_class():
    load_sqlite_utils()
    from sqlite_utils import Database  # only where sqlite-utils is used

    class WriteLockingDatabase(Database):
        @contextmanager
        def atomic(self):
            with write_transaction(self.conn, "sqlite_utils"):
                yield self

    return WriteLockingDatabase
