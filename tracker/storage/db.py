"""Opening the database file: private mode, WAL, backup, migrations."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from tracker.paths import make_private_dir
from tracker.storage.migrations import migrations

PRIVATE_FILE_MODE = 0o600
BUSY_TIMEOUT_MS = 10_000  # a reader waits for the writer's commit rather than failing
BACKUPS_KEPT = 5


class StoreError(RuntimeError):
    """A problem with the database file that the user can act on."""


def _create_private(path: Path) -> None:
    make_private_dir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE)
        os.close(fd)
    os.chmod(path, PRIVATE_FILE_MODE)


def connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection (sqlite-utils, which imports numpy, is loaded only where needed)."""
    _create_private(path)
    try:
        # Autocommit: transactions are explicit (db.atomic()), so no statement leaves an
        # implicit one open that would pin a reader to an old snapshot.
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True, isolation_level=None
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA recursive_triggers=on")  # as sqlite_utils.Database sets it
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(damaged_message(path, exc)) from exc
    return conn


def damaged_message(path: Path, exc: BaseException) -> str:
    return (f"The database {path} is damaged or not a database ({exc}). Run `tracker db restore` to put back "
            f"the newest good automatic backup from {path.parent / 'backups'} (the damaged file is kept beside "
            "it), or `tracker db check` to see what is wrong.")


def _conn(db) -> sqlite3.Connection:
    return db if isinstance(db, sqlite3.Connection) else db.conn


def backup(db, path: Path, backup_dir: Path, reason: str) -> Path:
    """A consistent copy of the live database (SQLite's online backup API)."""
    make_private_dir(backup_dir)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = backup_dir / f"{path.stem}-{stamp}-{reason}.db"
    _create_private(target)
    dest = sqlite3.connect(str(target))
    try:
        _conn(db).backup(dest)
    finally:
        dest.close()
    old = sorted(backup_dir.glob(f"{path.stem}-*.db"))
    for stale in old[:-BACKUPS_KEPT]:
        stale.unlink(missing_ok=True)
    return target


def migrate(db, path: Path, backup_dir: Path) -> list[str]:
    """Apply pending migrations; back the file up first when it already holds a schema.

    `db` is a sqlite3 connection (or a sqlite-utils Database). Up to date, this
    is one plain query; sqlite-utils is loaded only to apply migrations.
    """
    pending = migrations.pending_names(_conn(db))
    if not pending:
        return []
    has_schema = _conn(db).execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
    ).fetchone()[0]
    if has_schema:
        backup(db, path, backup_dir, f"before-{pending[0]}")
    migrations.apply(db)
    return pending
