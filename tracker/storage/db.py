"""Opening the database file: private mode, WAL, backup, migrations."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tracker.paths import make_private_dir

TYPE_CHECKING = False  # (pathlib for the annotations only: the quick sessions report imports none, tracker.quick)
if TYPE_CHECKING:
    from pathlib import Path
from tracker.storage.migrations import migrations
from tracker.storage.quick import CREATED_SETTING

PRIVATE_FILE_MODE = 0o600
BUSY_TIMEOUT_MS = 10_000  # a reader waits for the writer's commit rather than failing
WAL_SWITCH_RETRY_S = 0.01
BACKUPS_KEPT = 5
PARTIAL_SUFFIX = ".partial"  # a backup being written; renamed to *.db when complete
ABANDONED_PARTIAL_AGE_S = 3600
# A new database's page size (SQLite's default: 4 KiB). With 8 KiB pages a first import of 300 MiB of logs used
# ~2.5% less CPU (half as many pages for SQLite to write to the WAL at its commit and copy into the database at
# the checkpoint, and to split while it builds the indexes and rollups) and no more wall, and an append's import
# and a daily report cost the same (tests/benchmarks/RESULTS-import.md, branch first11). A database keeps the
# page size it was made with: only one with no page yet takes this.
NEW_DATABASE_PAGE_BYTES = 8192
DatabaseError = sqlite3.DatabaseError  # what a damaged file, a full disk or a read-only folder raise


class StoreError(RuntimeError):
    """A problem with the database file that the user can act on."""


def _create_private(path: Path) -> None:
    make_private_dir(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE_MODE)
        os.close(fd)
    os.chmod(path, PRIVATE_FILE_MODE)


def _journal_in_wal(conn: sqlite3.Connection) -> None:
    """PRAGMA journal_mode=WAL, waiting as for any lock. Switching a new file to WAL needs it alone: where
    several processes open a database that does not exist yet (three `tracker import`s and the tray app), one
    switches it while the others' switch fails at once with "database is locked" (SQLite does not call the
    busy handler there), so they try again until the busy timeout, as a busy handler would."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(WAL_SWITCH_RETRY_S)


# -- one connection handed from the command line's quick look to the import in the same process ------------
# `tracker import` after an append: the quick look (tracker.quick) has a connection to the database open, made
# as connect() makes one (autocommit, this thread) but only reading (query_only); the import opens the store
# next. Taking that connection rather than opening another spares SQLite a second read of the schema (~2.5 ms:
# 91 tables, indexes and triggers). connect() takes it once, for the same file named the same way, and sets
# it up as it sets up a new one; a connection handed over and not taken is closed by then, before anything
# is written (so the store's own connection is still the last to close, and checkpoints at its close).
_handed: list = []


def hand_over(path: str, conn: sqlite3.Connection) -> None:
    """Keep `conn`, a connection to the database at `path` (a text) that only read, for the next connect()."""
    drop_handed_over()
    _handed.append((path, conn))


def drop_handed_over() -> None:
    """Close a connection handed over and not taken (and forget it)."""
    while _handed:
        _handed.pop()[1].close()


def _take_handed_over(path: Path) -> sqlite3.Connection | None:
    if not _handed:
        return None
    if _handed[0][0] != os.fspath(path):
        drop_handed_over()
        return None
    conn = _handed.pop()[1]
    try:
        conn.execute("PRAGMA query_only=OFF")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # (as sqlite3.connect's timeout sets it)
    except sqlite3.Error:  # (closed meanwhile, or no longer usable: a connection of its own, then)
        conn.close()
        return None
    return conn


def connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection (sqlite-utils, which imports numpy, is loaded only where needed); the one
    handed over for this file (hand_over) when there is one."""
    _create_private(path)
    try:
        # Autocommit: transactions are explicit (db.atomic()), so no statement leaves an
        # implicit one open that would pin a reader to an old snapshot.
        conn = _take_handed_over(path) or sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=True, isolation_level=None
        )
        if os.path.getsize(path) == 0:  # nothing written yet: a new database (WAL fixes the page size)
            conn.execute(f"PRAGMA page_size={NEW_DATABASE_PAGE_BYTES}")
        _journal_in_wal(conn)
        conn.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; safe with WAL
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA recursive_triggers=on")  # as sqlite_utils.Database sets it
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreError(_cannot_open_message(path, exc)) from exc
    return conn


DAMAGED_WORDS = ("not a database", "malformed", "corrupt", "encrypted")


def _cannot_open_message(path: Path, exc: BaseException) -> str:
    """Damaged, or only not writable? A read-only folder was called a damaged database, with advice to
    restore a backup over a healthy file (SQLite cannot create the WAL beside it: "unable to open")."""
    text = str(exc).lower()
    if any(word in text for word in DAMAGED_WORDS):
        return damaged_message(path, exc)
    if not (os.access(path.parent, os.W_OK) and os.access(path, os.W_OK)) or "readonly" in text \
            or "unable to open" in text:
        return read_only_message(str(path.parent)) + (" Nothing is damaged: `tracker db check` reads the database "
                                                       "as it is.")
    return (f"The database {path} could not be opened ({exc}). `tracker db check` says whether the file itself is "
            "damaged.")


def read_only_message(where: str) -> str:
    return (f"Cannot write to {where}: it is read-only or not yours. Make it writable (or remount its disk "
            "read-write), or point TRACKER_HOME at a folder you can write to.")


def damaged_message(path: Path, exc: BaseException) -> str:
    return (f"The database {path} is damaged or not a database ({exc}). Run `tracker db restore` to put back "
            f"the newest good automatic backup from {path.parent / 'backups'} (the damaged file is kept beside "
            "it), or `tracker db check` to see what is wrong.")


def _conn(db) -> sqlite3.Connection:
    return db if isinstance(db, sqlite3.Connection) else db.conn


def backup(db, path: Path, backup_dir: Path, reason: str) -> Path:
    """A consistent copy of the live database (SQLite's online backup API), complete or absent.

    The copy is written under a temporary name, flushed to disk once and then
    renamed: a file under a backup's name is always whole, even after a crash
    or a full disk mid-copy (a half copy named like a backup would count as the
    day's backup). The new file is nobody else's, so SQLite's own journal for
    it would protect nothing: the rename is what makes the copy appear.
    """
    make_private_dir(backup_dir)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    target = backup_dir / f"{path.stem}-{stamp}-{reason}.db"
    # one per process: two opening the database in the same second both take the day's backup, and
    # must not write one file (one could rename the other's half copy into place)
    partial = target.with_name(f"{target.name}.{os.getpid()}{PARTIAL_SUFFIX}")
    try:
        partial.unlink(missing_ok=True)
        _create_private(partial)
        dest = sqlite3.connect(str(partial))
        try:
            dest.execute("PRAGMA journal_mode=OFF")
            dest.execute("PRAGMA synchronous=OFF")
            _conn(db).backup(dest)
        finally:
            dest.close()
        _fsync(partial)
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_dir(backup_dir)
    old = sorted(backup_dir.glob(f"{path.stem}-*.db"))
    for stale in old[:-BACKUPS_KEPT]:
        stale.unlink(missing_ok=True)
    _remove_abandoned(backup_dir, path.stem)
    return target


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    try:
        _fsync(folder)
    except OSError:  # some file systems refuse; the copy itself is already on disk
        pass


def _remove_abandoned(backup_dir: Path, stem: str) -> None:
    """Temporary copies a killed process left behind (old enough that no live backup is writing them)."""
    cutoff = time.time() - ABANDONED_PARTIAL_AGE_S
    for partial in backup_dir.glob(f"{stem}-*.db*{PARTIAL_SUFFIX}"):
        try:
            if partial.stat().st_mtime < cutoff:
                partial.unlink()
        except OSError:
            pass


def migrate(db, path: Path, backup_dir: Path) -> list[str]:
    """Apply pending migrations; back the file up first when it already holds a schema.

    `db` is a sqlite3 connection (or a sqlite-utils Database). Up to date, this
    is one plain query; sqlite-utils is loaded only to apply migrations.
    """
    pending = migrations.pending_names(_conn(db))
    if not pending:
        return []
    with _migrating(path):
        # another process opening the same file (a second command, the tray app) may have applied them
        # while this one waited: applying them again would fail ("table ... already exists")
        pending = migrations.pending_names(_conn(db))
        if not pending:
            return []
        has_schema = _conn(db).execute(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        ).fetchone()[0]
        if has_schema:
            backup(db, path, backup_dir, f"before-{pending[0]}")
        # a new database: the migrations' schema in one step, when the stored one is theirs (storage.new_database)
        if has_schema or not _create_new(db):
            migrations.apply(db)
        if not has_schema:  # created now: the automatic backup's interval counts from here (quick.backup_due)
            _conn(db).execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                              (CREATED_SETTING, str(int(time.time()))))
    return pending


def _create_new(db) -> bool:
    from tracker.storage.new_database import create

    return create(_conn(db))


MIGRATION_LOCK_SUFFIX = ".migrating"


@contextmanager
def _migrating(path: Path) -> Iterator[None]:
    """One process at a time migrates (creates) the database: a lock on a file beside it.

    Taken only when migrations are pending (a new database, an upgrade). An
    operating-system lock ends with its process, so a killed one leaves no
    stale lock behind. The backup and the migrations span several
    transactions, which SQLite's own lock cannot hold together.
    """
    fd = os.open(f"{path}{MIGRATION_LOCK_SUFFIX}", os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
        else:
            import msvcrt

            while True:  # LK_LOCK itself gives up after 10 tries, a second apart
                try:
                    msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
                    break
                except OSError:
                    continue
        yield
    finally:
        os.close(fd)  # releases the lock
