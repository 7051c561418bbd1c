"""Tests' way to make a database older than it is: its recorded creation time set back (storage.quick.backup_due)."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from tracker.storage.quick import CREATED_SETTING


def created_days_ago(db: Path, days: float) -> None:
    """As if the database had been created `days` ago (the automatic backup's interval counts from then)."""
    with closing(sqlite3.connect(db)) as conn, conn:
        changed = conn.execute("UPDATE settings SET value = ? WHERE key = ?",
                               (str(int(time.time() - days * 86400)), CREATED_SETTING)).rowcount
    assert changed == 1, "the database records no creation time"
