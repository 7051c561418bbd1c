import os
import sqlite3
import stat

import pytest

from tracker.core.records import BilledLine, Cursor, UsageBucket, UsageEvent
from tracker.core.tokens import Tokens
from tracker.storage import open_store
from tracker.storage.migrations import migrations


def event(key="k1", model="claude-sonnet-4-5", ts_ms=1_764_000_000_000, **tokens):
    return UsageEvent(source="claude_code", key=key, ts_ms=ts_ms, model=model,
                      tokens=Tokens(**(tokens or {"input_tokens": 10, "output_tokens": 5})), provider="anthropic")


def table_names(db_path):
    conn = sqlite3.connect(db_path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()


def test_blank_database_gets_current_schema(tmp_path):
    path = tmp_path / "d" / "tracker.db"
    s = open_store(path)
    s.close()
    assert {"events", "buckets", "billed", "cursors", "settings", "_sqlite_migrations"} <= table_names(path)
    s = open_store(path)
    assert [m.name for m in migrations.applied(s.db)] == [m.name for m in migrations._migrations]
    assert migrations.pending(s.db) == []
    s.close()


def test_file_is_private_and_wal(tmp_path):
    path = tmp_path / "d" / "tracker.db"
    s = open_store(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    s.close()


def test_a_new_file_another_process_is_writing_is_waited_for_not_called_locked(tmp_path):
    """Three `tracker import`s and the tray app opening a database that does not exist yet: one switches
    the new file to WAL while another holds it; SQLite fails that switch at once ("database is locked",
    no busy handler), so opening waits and tries again, as for any lock."""
    import threading

    from tracker.storage.db import connect

    path = tmp_path / "d" / "tracker.db"
    path.parent.mkdir()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)  # the first to create it
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE being_created (x)")
    threading.Timer(0.3, other.execute, ("COMMIT",)).start()
    conn = connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT count(*) FROM being_created").fetchone() == (0,)
    conn.close()
    other.close()


def test_reapplying_migrations_is_a_noop_and_makes_no_backup(tmp_path):
    path = tmp_path / "d" / "tracker.db"
    open_store(path).close()
    before = table_names(path)
    open_store(path).close()
    assert table_names(path) == before
    assert not list((path.parent / "backups").glob("*.db"))


def test_pending_migration_backs_up_the_file_first(tmp_path):
    path = tmp_path / "d" / "tracker.db"
    s = open_store(path)
    s.write_batch(events=[event()])
    s.close()

    @migrations(name="m999_test_only")
    def m999(db):
        db["test_only"].create({"id": int}, pk="id")

    try:
        s = open_store(path)
        s.close()
        backups = list((path.parent / "backups").glob("*before-m999_test_only.db"))
        assert len(backups) == 1
        assert "test_only" not in table_names(backups[0])
        assert "test_only" in table_names(path)
        conn = sqlite3.connect(backups[0])
        assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 1
        conn.close()
        assert stat.S_IMODE(os.stat(backups[0]).st_mode) == 0o600
    finally:
        migrations._migrations.pop()


def test_upserting_same_rows_twice_changes_nothing(store):
    events = [event("a"), event("b", input_tokens=7, output_tokens=3)]
    bucket = UsageBucket(source="openai", account="org", kind="completions", start_s=1_764_000_000,
                         width_s=86400, model="gpt-4.1", tokens=Tokens(input_tokens=100), requests=2)
    line = BilledLine(source="openai", account="org", day="2025-11-24", line_item="gpt-4.1, input",
                      amount_pico=5_000_000)
    first = store.write_batch(events=events, buckets=[bucket], billed=[line])
    snapshot = [store.conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                for t in ("events", "buckets", "billed")]
    changes = store.conn.total_changes
    second = store.write_batch(events=events, buckets=[bucket], billed=[line])
    assert first.events_added == 2 and second.events_added == 0
    assert store.conn.total_changes == changes  # identical rows are not even rewritten
    assert snapshot == [store.conn.execute(f"SELECT * FROM {t} ORDER BY rowid").fetchall()
                        for t in ("events", "buckets", "billed")]


def test_upsert_updates_a_revised_row(store):
    store.write_batch(events=[event("a", input_tokens=1)])
    store.write_batch(events=[event("a", input_tokens=9)])
    assert store.conn.execute("SELECT input_tokens FROM events").fetchall() == [(9,)]


def test_keep_most_complete_never_replaces_with_a_smaller_copy(store):
    store.write_batch(events=[event("a", input_tokens=5, output_tokens=500)], keep_most_complete=True)
    store.write_batch(events=[event("a", input_tokens=5, output_tokens=1)], keep_most_complete=True)
    assert store.conn.execute("SELECT output_tokens FROM events").fetchall() == [(500,)]
    store.write_batch(events=[event("a", input_tokens=5, output_tokens=900)], keep_most_complete=True)
    assert store.conn.execute("SELECT output_tokens FROM events").fetchall() == [(900,)]


def test_failing_batch_leaves_no_rows_and_no_cursor(store):
    good = event("good")
    bad = event("bad")
    bad.model = None  # violates NOT NULL mid-batch
    with pytest.raises(sqlite3.IntegrityError):
        store.write_batch(events=[good, bad], cursors=[Cursor("claude_code", "/f.jsonl", {"offset": 123})])
    assert store.counts()["events"] == 0
    assert store.get_cursor("claude_code", "/f.jsonl") is None


def test_cursor_moves_with_its_rows(store):
    store.write_batch(events=[event("a")], cursors=[Cursor("claude_code", "/f.jsonl", {"offset": 10})])
    store.write_batch(events=[event("b")], cursors=[Cursor("claude_code", "/f.jsonl", {"offset": 20})])
    assert store.get_cursor("claude_code", "/f.jsonl") == {"offset": 20}
    assert store.cursors("claude_code") == {"/f.jsonl": {"offset": 20}}


def test_cursors_by_key_and_their_stat_keys(store):
    store.write_batch(cursors=[Cursor("claude_code", "/a.jsonl", {"offset": 1}, "1:2:3:4"),
                               Cursor("claude_code", "/b'.jsonl", {"offset": 2}),
                               Cursor("codex", "/a.jsonl", {"offset": 3}, "5:6:7:8")])
    assert store.cursor_stat_keys("claude_code") == {"/a.jsonl": "1:2:3:4", "/b'.jsonl": None}
    assert store.cursors("claude_code", ["/b'.jsonl", "/missing.jsonl"]) == {"/b'.jsonl": {"offset": 2}}
    assert store.cursors("codex", []) == {}
    store.write_batch(cursors=[Cursor("claude_code", "/a.jsonl", {"offset": 9}, "1:2:9:5")])
    assert store.cursor_stat_keys("claude_code")["/a.jsonl"] == "1:2:9:5"


def test_replace_buckets_swaps_a_range(store):
    hourly = [UsageBucket(source="openai", account="o", kind="completions", start_s=h * 3600, width_s=3600,
                          model="gpt-4.1", tokens=Tokens(input_tokens=1)) for h in range(24)]
    store.write_batch(buckets=hourly)
    daily = UsageBucket(source="openai", account="o", kind="completions", start_s=0, width_s=86400,
                        model="gpt-4.1", tokens=Tokens(input_tokens=24))
    store.write_batch(buckets=[daily], replace_buckets=[("openai", "o", 0, 86400)])
    assert store.conn.execute("SELECT count(*), SUM(input_tokens) FROM buckets").fetchone() == (1, 24)


def test_settings_round_trip(store):
    assert store.get_setting("timezone", "x") == "x"
    store.set_setting("timezone", "Europe/Paris")
    assert store.get_setting("timezone") == "Europe/Paris"


def test_corrupt_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "tracker.db"
    path.write_bytes(b"this is not a database" * 200)
    from tracker.storage import StoreError

    with pytest.raises(StoreError, match="backups"):
        open_store(path)


def _store_with_events(path, n=2000):
    s = open_store(path)
    s.write_batch(events=[event(key=f"k{i}", ts_ms=1_764_000_000_000 + i) for i in range(n)])
    return s


def test_backup_is_a_complete_private_copy_and_leaves_no_temporary_file(tmp_path):
    from tracker.storage.db import backup

    s = _store_with_events(tmp_path / "d" / "tracker.db")
    copy = backup(s.conn, s.path, tmp_path / "b", "manual")
    s.close()
    assert [p.name for p in (tmp_path / "b").iterdir()] == [copy.name]
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 2000
    conn.close()


class _FailingMidCopy:
    """A store whose online backup fails after the first pages (a full disk, a kill)."""

    def __init__(self, conn):
        self.conn = self
        self.real = conn

    def backup(self, dest):
        def fail_after_first_step(status, remaining, total):
            raise OSError(28, "No space left on device")

        self.real.backup(dest, pages=1, progress=fail_after_first_step)


def test_a_backup_that_fails_midway_leaves_nothing_under_a_backup_name(tmp_path):
    from tracker.storage.db import backup
    from tracker.storage.recovery import list_backups

    s = _store_with_events(tmp_path / "d" / "tracker.db")
    with pytest.raises(OSError, match="No space"):
        backup(_FailingMidCopy(s.conn), s.path, tmp_path / "b", "auto")
    s.close()
    assert list_backups(tmp_path / "b", "tracker") == []
    assert list((tmp_path / "b").iterdir()) == []  # the partial copy is gone too


def test_abandoned_partial_copies_are_cleaned_up_only_when_old(tmp_path):
    import time

    from tracker.storage.db import ABANDONED_PARTIAL_AGE_S, backup

    folder = tmp_path / "b"
    folder.mkdir()
    old = folder / "tracker-20200101T000000-auto.db.partial"  # left by a killed process
    recent = folder / "tracker-20991231T000000-auto.db.partial"  # another process may be writing it
    for p in (old, recent):
        p.write_bytes(b"half a copy")
    stale = time.time() - ABANDONED_PARTIAL_AGE_S - 60
    os.utime(old, (stale, stale))
    s = _store_with_events(tmp_path / "d" / "tracker.db", n=10)
    copy = backup(s.conn, s.path, folder, "manual")
    s.close()
    assert sorted(p.name for p in folder.iterdir()) == sorted([copy.name, recent.name])


@pytest.mark.parametrize("atomic", ["store", "sqlite_utils"])
def test_a_write_transaction_holds_the_write_lock_from_its_start(tmp_path, atomic):
    """A plain BEGIN took the lock at the first write: two transactions that had both read could not both
    write, and SQLite failed one at once with "database is locked", however long the busy timeout (#24)."""
    path = tmp_path / "tracker.db"
    with open_store(path) as store:
        transaction = store.atomic() if atomic == "store" else store.db.atomic()
        with transaction:
            store.get_setting("anything")  # a read: all a deferred transaction would hold
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")  # another writer waits (here: fails at once, timeout 0)
                assert other.execute("SELECT count(*) FROM events").fetchone() == (0,)  # readers never wait
            finally:
                other.close()
        store.set_setting("after", 1)  # committed: the lock is free again


def test_a_writer_kept_waiting_past_the_busy_timeout_gets_a_sentence(tmp_path):
    from tracker.services.database import describe_failure

    path = tmp_path / "tracker.db"
    with open_store(path) as holder, open_store(path) as waiter:
        waiter.conn.execute("PRAGMA busy_timeout=0")
        with holder.atomic():
            with pytest.raises(sqlite3.OperationalError) as caught:
                waiter.set_setting("x", 1)
    text = describe_failure(caught.value)
    assert "another tracker process" in text and "run the command again" in text


def test_two_processes_creating_one_database_both_open_it(tmp_path):
    """The second waited for the first's migrations, then applied them again: "table ... already exists"."""
    import subprocess
    import sys

    path = tmp_path / "new" / "tracker.db"
    code = f"from pathlib import Path; from tracker.storage import open_store; open_store(Path({str(path)!r})).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) for _ in range(4)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    with open_store(path) as store:
        assert migrations.pending_names(store.conn) == []
