"""The automatic backup's interval counts from the later of the newest backup and the database's creation.

A database created minutes ago (a first import) is not copied by the next command; the first open a day
after its creation copies it. The creation time lives in the database itself, so it travels with every
copy: a restored database keeps its own, a database an older version made has none (the rule is then
the newest backup's alone), and a creation time ahead of the clock is not trusted.
"""

from __future__ import annotations

import os
import sqlite3
import time

from tests.db_age import created_days_ago
from tracker.storage import open_store
from tracker.storage.db import connect, migrate
from tracker.storage.migrations import migrations
from tracker.storage.quick import CREATED_SETTING, backup_due, created_s
from tracker.storage.recovery import backup_if_due, list_backups, restore


def _with_usage(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO events (source, key, ts_ms, model) VALUES ('claude_code', 'k', 1, 'm')")


def _set_created(conn: sqlite3.Connection, value: str) -> None:
    conn.execute("UPDATE settings SET value = ? WHERE key = ?", (value, CREATED_SETTING))


def test_a_new_database_records_when_it_was_created_and_is_not_backed_up_the_same_day(tmp_path):
    db, backups = tmp_path / "t.db", tmp_path / "backups"
    before = int(time.time())
    with open_store(db, backups) as store:
        created = created_s(store.conn)
        assert before <= created <= time.time()
        _with_usage(store.conn)
        assert not backup_due(store.conn, db, backups)
    open_store(db, backups).close()
    open_store(db, backups).close()
    assert list_backups(backups, "t") == []
    with open_store(db, backups) as store:
        assert created_s(store.conn) == created  # opening again never moves it
    created_days_ago(db, 1.01)  # the next day's first open copies it
    open_store(db, backups).close()
    assert len(list_backups(backups, "t")) == 1


def test_a_recent_backup_still_counts_when_the_creation_is_old(tmp_path):
    db, backups = tmp_path / "t.db", tmp_path / "backups"
    with open_store(db, backups) as store:
        _with_usage(store.conn)
    created_days_ago(db, 10)
    open_store(db, backups).close()
    first = list_backups(backups, "t")
    open_store(db, backups).close()
    assert len(first) == 1 and list_backups(backups, "t") == first  # once a day, as before


def test_a_database_an_older_version_made_follows_the_newest_backup_alone(tmp_path):
    """Migrating an existing database records no creation time (it was not created now)."""
    db, backups = tmp_path / "t.db", tmp_path / "backups"
    conn = connect(db)
    migrations.apply(conn, stop_before=migrations.names()[-1])  # what an older version left
    _with_usage(conn)
    migrate(conn, db, backups)  # the upgrade: a backup before it, as always
    assert created_s(conn) is None
    assert [p.name.endswith(f"before-{migrations.names()[-1]}.db") for p in list_backups(backups, "t")] == [True]
    assert not backup_due(conn, db, backups)  # that copy is today's
    for copy in list_backups(backups, "t"):
        old = time.time() - 2 * 86400
        os.utime(copy, (old, old))
    assert backup_due(conn, db, backups)
    conn.close()


def test_a_creation_time_ahead_of_the_clock_or_unreadable_does_not_put_the_backup_off(tmp_path):
    db, backups = tmp_path / "t.db", tmp_path / "backups"
    with open_store(db, backups) as store:
        _with_usage(store.conn)
        assert not backup_due(store.conn, db, backups)
        _set_created(store.conn, str(int(time.time()) + 3 * 86400))  # the clock was set back three days since
        assert backup_due(store.conn, db, backups)
        for edited in ("yesterday", "", "1.5e9", "null"):
            _set_created(store.conn, edited)
            assert created_s(store.conn) is None and backup_due(store.conn, db, backups)
        _set_created(store.conn, str(int(time.time()) - 3600))
        assert not backup_due(store.conn, db, backups)


def test_a_restored_database_keeps_its_own_creation_time(tmp_path):
    db, backups = tmp_path / "t.db", tmp_path / "backups"
    with open_store(db, backups) as store:
        _with_usage(store.conn)
    created_days_ago(db, 3)
    with open_store(db, backups) as store:  # the day's copy
        created = created_s(store.conn)
    [copy] = list_backups(backups, "t")
    db.unlink()
    for side in ("-wal", "-shm"):
        (tmp_path / f"t.db{side}").unlink(missing_ok=True)
    restore(db, copy)
    with open_store(db, backups) as store:
        assert created_s(store.conn) == created  # not the restore's time
        assert not backup_due(store.conn, db, backups)  # the copy it came from is today's
    assert list_backups(backups, "t") == [copy]


def test_backup_if_due_follows_the_same_rule(tmp_path):
    db, backups = tmp_path / "t.db", tmp_path / "backups"
    with open_store(db, backups) as store:
        _with_usage(store.conn)
        assert backup_if_due(store.conn, db, backups) is None
        _set_created(store.conn, str(int(time.time()) - 2 * 86400))
        assert backup_if_due(store.conn, db, backups) is not None


def test_the_newest_backup_is_found_without_pathlib_as_backups_finds_it(tmp_path):
    """The quick look's backup check (storage.quick.newest_backup_mtime) reads the time of backups()'s first."""
    from tracker.storage.quick import backups, newest_backup_mtime

    folder = tmp_path / "backups"
    assert newest_backup_mtime(folder, "tracker") is None and backups(folder, "tracker") == []
    folder.mkdir()
    assert newest_backup_mtime(folder, "tracker") is None
    for name, age_s in (("tracker-1.db", 300), ("tracker-2.db", 200), ("other-3.db", 10), ("tracker-4.txt", 10),
                        ("Tracker-5.db", 10), ("tracker-6.db.tmp", 10)):
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (time.time() - age_s,) * 2)
    (folder / "tracker-7.db").mkdir()  # a folder named like one: both count it
    os.utime(folder / "tracker-7.db", (time.time() - 100,) * 2)
    newest = backups(folder, "tracker")[0]
    assert newest.name == "tracker-7.db" and newest_backup_mtime(folder, "tracker") == newest.stat().st_mtime
    (folder / "tracker-7.db").rmdir()
    assert newest_backup_mtime(folder, "tracker") == backups(folder, "tracker")[0].stat().st_mtime
    assert newest_backup_mtime(folder / "tracker-2.db", "tracker") is None  # not a folder
