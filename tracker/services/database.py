"""The database file as a whole: check it, back it up, restore an automatic backup.

Also turns the environment's failures (a damaged file, a full disk, a
read-only folder) into sentences that say what to do; the CLI and the GUI show
them instead of a traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path

from tracker.paths import Paths
from tracker.storage import open_store
from tracker.storage.db import BUSY_TIMEOUT_MS, DatabaseError, damaged_message, read_only_message

__all__ = ["DatabaseError", "backup_now", "check", "describe_failure", "restore"]

FULL_DISK_ERRNOS = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)
READ_ONLY_ERRNOS = (errno.EROFS, errno.EACCES, errno.EPERM)


def check(paths: Paths) -> dict:
    """The database and each backup: ok or the problems found (nothing is changed)."""
    # (storage.recovery is imported where it is used: every command loads this module for describe_failure)
    from tracker.storage import recovery

    db = recovery.check_file(paths.db_path)
    backups = [recovery.check_file(p, at_rest=True)
               for p in recovery.list_backups(paths.backup_dir, paths.db_path.stem)]
    return {
        "database": str(paths.db_path), "ok": db.ok, "problems": db.problems,
        "backups": [{"path": str(b.path), "ok": b.ok, "problems": b.problems} for b in backups],
    }


def backup_now(paths: Paths) -> Path:
    with open_store(paths.db_path, paths.backup_dir, auto_backup=False) as store:
        return store.backup("manual")


def restore(paths: Paths, source: Path | None = None) -> dict:
    """Put `source` (default: the newest backup that passes integrity_check) in place of the database."""
    from tracker.storage import recovery

    if source is None:
        source, tried = recovery.newest_good_backup(paths.backup_dir, paths.db_path.stem)
        if source is None:
            damaged = f" ({len(tried)} found, all damaged)" if tried else ""
            raise ValueError(f"No usable backup in {paths.backup_dir}{damaged}. The database was not changed. "
                             f"To start afresh, move {paths.db_path} away and run `tracker import`; provider "
                             "history is fetched again by `tracker poll`.")
    elif not source.exists():
        raise ValueError(f"No backup at {source}: `tracker db check` lists the backups.")
    done = recovery.restore(paths.db_path, source)
    return {"database": str(paths.db_path), "restored_from": str(done.restored_from),
            "moved_aside": [str(p) for p in done.moved_aside],
            "next": "Run `tracker import` and `tracker poll` to fetch what came after the backup."}


def describe_failure(exc: BaseException, paths: Paths | None = None) -> str | None:
    """A sentence for an environment failure the user can fix, or None if `exc` is not one."""
    where = str(paths.data_dir) if paths else "the tracker's data folder"
    text = str(exc).lower()
    err = getattr(exc, "errno", None)
    if isinstance(exc, DatabaseError):
        if "disk is full" in text:
            return _full(where)
        if "database is locked" in text:  # another process held the write lock past the busy timeout
            return _busy(where)
        if "disk i/o error" in text:  # SQLite reports a write refused for size (EFBIG) as an I/O error
            return _io(where)
        if "readonly" in text or "read-only" in text or "unable to open" in text:
            return _read_only(where)
        if "malformed" in text or "not a database" in text or "corrupt" in text:
            return damaged_message(paths.db_path if paths else Path("tracker.db"), exc)
        return None
    if isinstance(exc, OSError):
        name = getattr(exc, "filename", None)
        if err in FULL_DISK_ERRNOS:
            return _full(name or where)
        if name is not None and not _ours(name, paths):
            # a file the user named (an export, an import): say what is wrong with it, not with TRACKER_HOME
            return f"{name}: {exc.strerror or exc}."
        if err in READ_ONLY_ERRNOS:
            return _read_only(name or where)
    return None


def _ours(name, paths: Paths | None) -> bool:
    """True when `name` lies in one of the tracker's own folders (or the folders are not known)."""
    if paths is None:
        return True
    try:
        target = Path(name).resolve()
    except (OSError, ValueError, TypeError):
        return True
    folders = (paths.data_dir, paths.config_dir, paths.log_dir, paths.cache_dir)
    return any(target.is_relative_to(Path(folder).resolve()) for folder in folders)


def _full(where: str) -> str:
    return (f"The disk holding {where} is full. Nothing already saved was lost (each import or poll step is "
            "saved whole or not at all); free some space and run the command again.")


def _busy(where: str) -> str:
    return (f"The database in {where} stayed busy: another tracker process (the tray app or another command) "
            f"kept writing to it for more than {BUSY_TIMEOUT_MS // 1000} s. Nothing was lost; run the command again "
            "when it has finished.")


def _io(where: str) -> str:
    return (f"Writing to {where} failed (disk I/O error): the disk may be full, over a size limit or failing. "
            "Nothing already saved was lost (each import or poll step is saved whole or not at all); free some "
            "space or check the disk, then run the command again.")


def _read_only(where: str) -> str:
    return read_only_message(where)
