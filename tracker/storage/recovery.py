"""Checking the database file and putting an automatic backup back in its place.

Works on files, not on a Store: a damaged database may not open at all. A
restore never deletes: the damaged file (with its -wal and -shm) is moved
aside next to it, and the backup is verified before it is copied in.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from tracker.storage.db import PRIVATE_FILE_MODE, _conn, backup
from tracker.storage.quick import AUTO_BACKUP_INTERVAL_S, backup_due
from tracker.storage.quick import backups as list_backups  # noqa: F401  (this module's name for it)
SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True)
class Check:
    path: Path
    ok: bool
    problems: list[str]


@dataclass(frozen=True)
class Restored:
    restored_from: Path
    moved_aside: list[Path]


def check_file(path: Path, at_rest: bool = False) -> Check:
    """PRAGMA integrity_check of the file, read-only; a file that is not a database is a problem too.

    `at_rest`: nothing writes the file (a backup), so it is read as immutable: no lock, and no
    -wal/-shm left beside it (a read-only connection to a WAL file cannot remove them). The live
    database is read with its WAL; in a folder this user cannot write (a read-only mount), where
    SQLite cannot open a WAL file that way, it is read as it rests, and said so.
    """
    if not path.exists():
        return Check(path, False, ["the file does not exist"])
    if path.stat().st_size == 0:  # SQLite would call it a fine, empty database
        return Check(path, False, ["the file is empty (0 bytes)"])
    try:
        rows = _integrity(path, at_rest)
    except sqlite3.DatabaseError as exc:
        if at_rest or os.access(path.parent, os.W_OK) or "unable to open" not in str(exc):
            return Check(path, False, [str(exc)])
        try:
            rows = _integrity(path, True)
        except sqlite3.DatabaseError as again:
            return Check(path, False, [str(again)])
        if rows == ["ok"]:
            return Check(path, True, [f"read as it rests: {path.parent} cannot be written, so changes still in "
                                      f"{path.name}-wal (if any) were not checked"])
    return Check(path, rows == ["ok"], [] if rows == ["ok"] else rows[:20])


def _integrity(path: Path, at_rest: bool) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro{'&immutable=1' if at_rest else ''}", uri=True)
    try:
        return [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
    finally:
        conn.close()


def newest_good_backup(backup_dir: Path, stem: str) -> tuple[Path | None, list[Check]]:
    checks = []
    for candidate in list_backups(backup_dir, stem):
        check = check_file(candidate, at_rest=True)
        checks.append(check)
        if check.ok:
            return candidate, checks
    return None, checks


def restore(path: Path, source: Path) -> Restored:
    """Move the database (and its -wal/-shm) aside, then copy the verified `source` into place."""
    verdict = check_file(source, at_rest=True)
    if not verdict.ok:
        raise ValueError(f"The backup {source} is damaged too ({'; '.join(verdict.problems)}); choose another one "
                         "with `tracker db restore BACKUP`.")
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    # named for what it is: a healthy database the user chose to replace is not called damaged
    state = "replaced" if path.exists() and check_file(path).ok else "damaged"
    aside = []
    for suffix in ("", *SIDE_FILES):
        current = Path(f"{path}{suffix}")
        if current.exists():
            target = current.with_name(f"{path.name}.{state}-{stamp}{suffix}")
            os.replace(current, target)
            aside.append(target)
    staging = path.with_name(f".{path.name}.restoring")
    fd = os.open(staging, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, PRIVATE_FILE_MODE)
    import shutil  # with bz2 and lzma ~3 ms: only for a restore

    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        shutil.copyfileobj(src, out)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(staging, PRIVATE_FILE_MODE)
    os.replace(staging, path)
    return Restored(source, aside)


def backup_if_due(db, path: Path, backup_dir: Path, interval_s: int = AUTO_BACKUP_INTERVAL_S) -> Path | None:
    """The automatic backup: a copy when the newest one is older than `interval_s` (and there is usage to keep)."""
    conn = _conn(db)  # a sqlite3 connection or a sqlite-utils Database
    if not backup_due(conn, path, backup_dir, interval_s):
        return None
    newest = list_backups(backup_dir, path.stem)
    # never rotate good copies out with copies of a damaged file; the very first
    # copy replaces nothing (and restore verifies a copy before using it), so the
    # full read of the database is spared on the first open after a first import
    if newest and conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        return None
    return backup(db, path, backup_dir, "auto")
