"""Reading another application's SQLite database (an agent's own store), read-only.

Some agents keep their sessions in SQLite (OpenCode, Crush): their source
plug-ins read the database whole when it changed (AgentSource.whole_files,
discovery.with_companions for the `-wal` file). This is the one place besides
tracker/storage that opens SQLite, and only this way:

* read-only (`mode=ro`, `PRAGMA query_only`): the agent's data is never written,
  and no journal of ours is left beside it; a WAL database with no `-wal` beside
  it (the agent closed it: every change is in the file) is opened `immutable`, as
  `mode=ro` would create an empty `-wal` and `-shm` there and leave them (files
  in the agent's folder, and a changed companion stat: the next import read the
  whole database again);
* every query of one `read_only(...)` block sees one snapshot (one read
  transaction), even while the agent writes: in WAL mode a reader does not
  block the writer, nor the writer the reader;
* a locked database is waited for a few seconds; a file that is not a database
  (or is damaged) raises OSError with a sentence, which the importer reports
  as that file's error and tries again when the file changes.

Standard library only; a plug-in imports it from its reader, not from its
plug-in module.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

BUSY_TIMEOUT_S = 5.0


class ForeignDatabaseError(OSError):
    """The file could not be read as an SQLite database."""


@contextmanager
def read_only(path: str) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the database at `path`, one snapshot for the whole block.

    Rows come back as tuples; use `conn.execute(sql, params)`. Table or column
    names the agent may not have (older versions) are the reader's to check
    (`columns(conn, table)`), so that a missing one is a counted reason, not a crash.
    """
    mode = "immutable=1" if _closed_wal_database(path) else "mode=ro"
    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True, timeout=BUSY_TIMEOUT_S,
                               isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise ForeignDatabaseError(f"cannot open as an SQLite database ({exc})") from None
    try:
        conn.execute("PRAGMA query_only = 1")
        conn.execute("BEGIN")  # deferred: the snapshot starts with the first read and holds to the end
        yield conn
    except sqlite3.Error as exc:
        raise ForeignDatabaseError(f"cannot read as an SQLite database ({exc})") from None
    finally:
        conn.close()


# bytes 18 and 19 of an SQLite file's header: its write and read versions, 2 in WAL mode (sqlite.org/fileformat)
_WAL_VERSIONS = b"\x02\x02"
_VERSIONS_AT = 18


def _closed_wal_database(path: str) -> bool:
    """A database in WAL mode with no -wal beside it: the agent closed it, every change is in the file.

    Such a file is opened immutable: `mode=ro` would create an empty -wal and -shm beside it and leave them. A
    database in rollback-journal mode keeps `mode=ro`, whose locks keep a read from meeting a write in
    progress; it leaves no file. (An agent that opens a closed WAL database meanwhile writes its -wal first:
    the new -wal changes the companion stat, and the next import reads the database again, with the -wal.)
    """
    if os.path.lexists(f"{path}-wal"):
        return False
    try:
        with open(path, "rb") as fh:
            fh.seek(_VERSIONS_AT)
            return fh.read(2) == _WAL_VERSIONS
    except OSError:
        return False  # (the connection says what is wrong with it)


def columns(conn: sqlite3.Connection, table: str) -> set[str]:
    """The columns a table has (empty: no such table)."""
    return {row[1] for row in conn.execute("SELECT * FROM pragma_table_info(?)", (table,))}
