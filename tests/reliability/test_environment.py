"""Environment faults through the CLI: a damaged database, a full disk, a read-only data folder, no keyring.

Each must end with a message that says what to do, a non-zero exit status and
no traceback; and nothing already saved may be lost.
"""

from __future__ import annotations

import json
import os
import random
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.db_age import created_days_ago

from .conftest import REPO, agent_env, expected_totals, measured_totals, record
from .test_crashes import tracker, tracker_env


def _report(env) -> dict:
    done = tracker(["report", "daily", "--json", "--tz", "UTC"], env)
    assert done.returncode == 0, done.stderr
    return measured_totals(json.loads(done.stdout))


def _user_failure(done: subprocess.CompletedProcess, *words: str) -> str:
    text = done.stdout + done.stderr
    assert done.returncode != 0, text
    assert "Traceback" not in text, text
    for w in words:
        assert w in text, text
    return text


def _imported_home(tmp_path: Path, corpus: Path) -> tuple[dict, Path]:
    env = tracker_env(tmp_path / "home", **agent_env(corpus))
    assert tracker(["import"], env).returncode == 0
    db = tmp_path / "home" / "data" / "tracker.db"
    created_days_ago(db, 1.01)  # made yesterday: the next open takes the automatic backup
    assert tracker(["report", "daily"], env).returncode == 0
    return env, db


@pytest.mark.parametrize("damage", ["header", "pages"])
def test_damaged_database_says_restore_and_restore_brings_it_back(tmp_path, corpus, damage):
    truth = expected_totals(json.loads((corpus / "ground_truth.json").read_text()))
    env, db = _imported_home(tmp_path, corpus)
    assert _report(env) == truth
    backups = list((db.parent / "backups").glob("*.db"))
    assert backups, "an automatic backup was taken"
    before = sorted(p.name for p in (db.parent / "backups").iterdir())
    assert tracker(["db", "check"], env).returncode == 0
    assert sorted(p.name for p in (db.parent / "backups").iterdir()) == before  # "changes nothing": no -wal/-shm
    data = bytearray(db.read_bytes())
    rng = random.Random(damage)
    if damage == "header":
        data[:100] = b"not a database at all " * 4 + b"x" * 12
    else:  # scribble over every page but the first (the schema survives, the rows do not)
        for offset in range(4096, len(data), 4096):
            data[offset + 8: offset + 200] = bytes(rng.randrange(256) for _ in range(192))
    db.write_bytes(bytes(data))
    damaged_bytes = bytes(data)
    _user_failure(tracker(["report", "daily"], env), "tracker db restore")
    _user_failure(tracker(["import"], env), "tracker db restore")
    _user_failure(tracker(["db", "check"], env), "DAMAGED", "tracker db restore")
    restored = tracker(["db", "restore"], env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    aside = [p for p in db.parent.iterdir() if ".damaged-" in p.name and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged_bytes  # kept, byte for byte
    assert tracker(["db", "check"], env).returncode == 0
    assert _report(env) == truth  # the backup held everything imported
    assert tracker(["import"], env).returncode == 0 and _report(env) == truth


def test_restore_without_any_good_backup_changes_nothing(tmp_path):
    env = tracker_env(tmp_path / "home")
    db = tmp_path / "home" / "data" / "tracker.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"garbage" * 100)
    _user_failure(tracker(["db", "restore"], env), "No usable backup", "was not changed")
    assert db.read_bytes() == b"garbage" * 100


def _limited(limit_bytes: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
    return apply


def test_full_disk_stops_the_import_with_a_message_and_loses_nothing(tmp_path, corpus):
    truth = expected_totals(json.loads((corpus / "ground_truth.json").read_text()))
    env = tracker_env(tmp_path / "home", **agent_env(corpus))
    assert tracker(["report", "daily"], env).returncode == 0  # the (empty) database exists
    limit = 64 * 1024  # the schema fits; the events do not
    done = subprocess.run([sys.executable, "-m", "tracker", "import"], env=env, capture_output=True, text=True,
                          cwd=REPO, preexec_fn=_limited(limit), timeout=120)
    _user_failure(done, "run the command again")
    db = tmp_path / "home" / "data" / "tracker.db"
    assert tracker(["db", "check"], env).returncode == 0  # the failed write left the file intact
    assert tracker(["import"], env).returncode == 0  # space again: the import completes
    assert _report(env) == truth
    record("environment_full_disk", limit_bytes=limit, message=done.stderr.strip().splitlines()[-1][:160],
           losses=0, db_bytes_after=db.stat().st_size)


def test_full_disk_costs_one_line_of_logging_not_a_traceback(tmp_path, corpus):
    """The log file cannot grow either on a full disk: the logging module printed a traceback for each
    record (the failed automatic backup's warning, ...), ~70 lines before the message that mattered."""
    import shutil

    logs = tmp_path / "logs"
    shutil.copytree(corpus / "home" / ".claude", logs / ".claude")
    env = tracker_env(tmp_path / "home", HOME=str(logs), CLAUDE_CONFIG_DIR=str(logs / ".claude"),
                      CODEX_HOME=str(logs / ".codex"))
    assert tracker(["import"], env).returncode == 0
    shutil.rmtree(tmp_path / "home" / "data" / "backups", ignore_errors=True)  # the day's backup is due
    limit = 64 * 1024
    log_file = tmp_path / "home" / "logs" / "tracker.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    log_file.write_text("earlier line\n" * (2 * limit // 13))  # past the limit: it cannot grow
    shutil.copytree(corpus / "home" / ".codex", logs / ".codex")  # new usage to write
    done = subprocess.run([sys.executable, "-m", "tracker", "import"], env=env, capture_output=True, text=True,
                          cwd=REPO, preexec_fn=_limited(limit), timeout=120)
    text = _user_failure(done, "run the command again")
    assert "Logging error" not in text
    assert len(done.stderr.strip().splitlines()) <= 2, done.stderr  # the message, and one line about the log
    assert tracker(["import"], env).returncode == 0  # space again: the import completes
    record("environment_full_disk_logging", stderr_lines=len(done.stderr.strip().splitlines()))


def test_full_tmpfs_when_root(tmp_path, corpus):
    """A real full file system (a 256 KiB tmpfs) under TRACKER_HOME, when mounting is possible."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root; the RLIMIT_FSIZE test covers a full disk without it")
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("mount -t tmpfs is not permitted here")
    try:
        env = tracker_env(mnt / "home", **agent_env(corpus))
        done = tracker(["import"], env)
        _user_failure(done, "run the command again")
        assert tracker(["db", "check"], env).returncode == 0
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_read_only_data_folder_says_so(tmp_path, corpus):
    env = tracker_env(tmp_path / "home", **agent_env(corpus))
    assert tracker(["import"], env).returncode == 0
    data = tmp_path / "home" / "data"
    if os.geteuid() == 0:
        if subprocess.run(["mount", "--bind", str(data), str(data)], capture_output=True).returncode or \
                subprocess.run(["mount", "-o", "remount,bind,ro", str(data)], capture_output=True).returncode:
            subprocess.run(["umount", "-l", str(data)], capture_output=True)
            pytest.skip("running as root and a read-only bind mount is not permitted here")
        undo = lambda: subprocess.run(["umount", "-l", str(data)], capture_output=True)  # noqa: E731
    else:
        os.chmod(data, 0o500)
        for p in data.iterdir():
            if p.is_file():
                os.chmod(p, 0o400)
        undo = lambda: [os.chmod(data, 0o700)] + [os.chmod(p, 0o600) for p in data.iterdir() if p.is_file()]  # noqa: E731
    try:
        text = _user_failure(tracker(["import"], env), "TRACKER_HOME")
        checked = tracker(["db", "check"], env)  # reading is possible: not "DAMAGED, restore a backup"
    finally:
        undo()
    assert checked.returncode == 0 and "DAMAGED" not in checked.stdout, checked.stdout + checked.stderr
    assert ": ok" in checked.stdout.splitlines()[0]
    assert tracker(["import"], env).returncode == 0
    record("environment_read_only", message=text.strip().splitlines()[-1][:160])


def test_read_only_folder_around_a_writable_database_is_not_called_damaged(tmp_path, corpus):
    """The folder cannot be written but the file can: SQLite cannot create the WAL beside it ("unable to open
    database file"), which was reported as a damaged database with advice to restore a backup over it."""
    env = tracker_env(tmp_path / "home", **agent_env(corpus))
    assert tracker(["import"], env).returncode == 0
    data = tmp_path / "home" / "data"
    db = data / "tracker.db"
    if os.geteuid() == 0:  # root writes anywhere: a read-only mount of the folder, the file mounted writable on it
        steps = [["mount", "--bind", str(data), str(data)], ["mount", "-o", "remount,bind,ro", str(data)],
                 ["mount", "--bind", str(db), str(db)], ["mount", "-o", "remount,bind,rw", str(db)]]
        undo_steps = [["umount", "-l", str(db)], ["umount", "-l", str(data)]]
        if any(subprocess.run(step, capture_output=True).returncode for step in steps):
            for step in undo_steps:
                subprocess.run(step, capture_output=True)
            pytest.skip("running as root and read-only bind mounts are not permitted here")
        undo = lambda: [subprocess.run(step, capture_output=True) for step in undo_steps]  # noqa: E731
    else:
        os.chmod(data, 0o500)
        undo = lambda: os.chmod(data, 0o700)  # noqa: E731
    try:
        assert os.access(db, os.W_OK) and not os.access(data, os.W_OK)
        texts = [_user_failure(tracker(args, env), "read-only", "TRACKER_HOME") for args in (["import"],
                                                                                            ["report", "daily"])]
    finally:
        undo()
    for text in texts:
        assert "damaged or not a database" not in text and "db restore" not in text, text
    assert tracker(["import"], env).returncode == 0
    record("environment_read_only_folder", message=texts[0].strip().splitlines()[-1][:160])


def test_no_keyring_says_how_to_fix_and_keeps_no_key(tmp_path):
    env = tracker_env(tmp_path / "home", CANARY_KEY="sk-admin-canary-nokeyring-0001")
    done = subprocess.run([sys.executable, "-m", "tracker", "sources", "add", "openai", "--label", "oa",
                           "--key-env", "CANARY_KEY", "--no-test", "--no-poll"],
                          env=env, capture_output=True, text=True, cwd=REPO, timeout=60)
    text = _user_failure(done, "keyring", "OPENAI_ADMIN_KEY")
    assert "sk-admin-canary" not in text


def test_locked_keyring_poll_says_how_to_fix(tmp_path, memory_keyring, monkeypatch):
    """A keyring whose reads fail (a locked Secret Service): the poll names the fix, no traceback."""
    from click.testing import CliRunner
    from keyring.errors import KeyringLocked

    from tracker.cli import main
    from tracker.paths import get_paths
    from tracker.storage import open_store
    from tracker.storage import providers as pstore

    with open_store(get_paths().ensure().db_path) as store:
        pstore.add_account(store, pstore.Account("oa", "openai", "http://127.0.0.1:9/v1"))

    def locked(*a, **k):
        raise KeyringLocked("the collection is locked")

    monkeypatch.setattr(memory_keyring, "get_password", locked)
    monkeypatch.delenv("OPENAI_ADMIN_KEY", raising=False)
    done = CliRunner().invoke(main, ["poll"])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.output
    assert "keyring" in done.output and "OPENAI_ADMIN_KEY" in done.output, done.output


def test_automatic_backup_is_daily_and_skips_a_damaged_file(tmp_path):
    import time as _time

    from tracker.core.records import UsageEvent
    from tracker.core.tokens import Tokens
    from tracker.storage import open_store
    from tracker.storage.recovery import AUTO_BACKUP_INTERVAL_S, list_backups

    db = tmp_path / "d" / "tracker.db"
    with open_store(db) as store:
        store.write_batch(events=[UsageEvent(source="claude_code", key=f"k{i}", ts_ms=1_790_000_000_000 + i,
                                             model="m", provider="anthropic", tokens=Tokens(input_tokens=1))
                                  for i in range(3000)])
    assert list_backups(db.parent / "backups", "tracker") == []  # a new file: nothing to keep yet
    open_store(db).close()
    # nor on the next open the same day: the interval counts from the database's creation too
    assert list_backups(db.parent / "backups", "tracker") == []
    created_days_ago(db, 1.01)
    open_store(db).close()
    first = list_backups(db.parent / "backups", "tracker")
    assert len(first) == 1
    open_store(db).close()
    assert list_backups(db.parent / "backups", "tracker") == first  # once a day, not on every open
    old = _time.time() - AUTO_BACKUP_INTERVAL_S - 60
    first = [first[0].rename(first[0].with_name("tracker-20200101T000000-auto.db"))]  # a day ago, by name too
    os.utime(first[0], (old, old))
    data = bytearray(db.read_bytes())
    for offset in range(len(data) - 3 * 4096, len(data), 4096):  # damage the last pages: event rows
        data[offset + 8: offset + 100] = b"\xff" * 92
    db.write_bytes(bytes(data))
    with open_store(db) as store:  # still opens (the damage is in rows no open reads) ...
        assert not store.integrity_ok()
    assert list_backups(db.parent / "backups", "tracker") == first  # ... but no copy of it replaces good ones


def test_an_emptied_database_with_backups_says_restore_instead_of_starting_afresh(tmp_path, corpus):
    """A 0-byte tracker.db (a failed copy, a sync tool) silently became a new, empty history."""
    truth = expected_totals(json.loads((corpus / "ground_truth.json").read_text()))
    env, db = _imported_home(tmp_path, corpus)
    db.write_bytes(b"")
    for side in ("-wal", "-shm"):
        Path(f"{db}{side}").unlink(missing_ok=True)
    _user_failure(tracker(["report", "daily"], env), "is empty (0 bytes)", "tracker db restore")
    assert db.stat().st_size == 0  # nothing was created on top of it
    _user_failure(tracker(["db", "check"], env), "DAMAGED", "empty")
    assert tracker(["db", "restore"], env).returncode == 0
    assert _report(env) == truth
    # restoring over a healthy database (the user's choice) keeps it aside as replaced, not as damaged
    assert tracker(["db", "restore"], env).returncode == 0
    names = [p.name for p in db.parent.iterdir()]
    assert any(".replaced-" in n for n in names) and sum(".damaged-" in n for n in names) == 1  # the emptied one
