"""Sources whose agent rewrites its files (JSON documents, SQLite databases): read whole when they change.

What happens to rows (tracker.sources.logfiles.read_whole, docs/agents/README.md):
a record read again replaces its row by the source's keep rule; a record gone
from the file and the rows of a deleted file stay (their requests were billed).
"""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

from tests.plugins.conftest import write_distribution
from tests.plugins.test_third_party import EXPECTED_ROWS, stored_rows
from tracker.cli import main
from tracker.paths import get_paths
from tracker.sources import discovery
from tracker.storage import open_store


def run_import() -> dict:
    result = CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def rewrite(path, doc: dict) -> None:
    """As the agent does: the whole document again (a new size and time)."""
    before = path.stat()
    path.write_text(json.dumps(doc), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def test_a_rewritten_document_is_read_whole_and_replaces_its_records(example_installed, example_logs):
    run_import()
    s1 = json.loads((example_logs / "s1.json").read_text())
    messages = {m["id"]: m for m in s1["messages"]}
    messages["m1"]["usage"]["output"] = 250  # the agent corrected a record: fewer tokens, still the record's state
    del messages["m2"]  # the agent dropped a record (a revert, a pruned history)
    messages["m5"] = {"id": "m5", "time": "2026-01-05T11:00:00Z", "model": "openai/gpt-5",
                      "usage": {"input": 7, "cached": 0, "output": 3}}
    rewrite(example_logs / "s1.json", dict(s1, messages=list(messages.values())))
    (example_logs / "s2.json").unlink()  # the agent deleted a session

    report = run_import()
    assert (report["files_read"], report["files_skipped"]) == (1, 1)  # s1 re-read whole; broken.json unchanged
    assert report["events_added"] == 1 and report["events_written"] == 2  # m5 new; m1 written again
    assert report["bytes_read"] == (example_logs / "s1.json").stat().st_size  # from byte 0, not from a cursor
    rows = {row[0]: row for row in stored_rows()}
    assert rows["s1:m1"][8] == 250  # LAST: the newest state replaces the row, even with fewer tokens
    assert rows["s1:m2"] == EXPECTED_ROWS[1]  # gone from the file, kept: it was billed
    assert rows["s2:m1"] == EXPECTED_ROWS[2]  # its file deleted, kept
    assert rows["s1:m5"][2:4] == ("gpt-5", "openai")
    store = open_store(get_paths().db_path)
    try:
        cursor = store.get_cursor("example_agent", str(example_logs / "s1.json"))
    finally:
        store.close()
    assert cursor["whole"] is True and cursor["state"] == {} and cursor["offset"] == cursor["size"]
    assert run_import()["files_read"] == 0


def test_a_document_caught_mid_rewrite_is_counted_and_read_again_when_it_changes(example_installed, example_logs):
    path = example_logs / "s2.json"
    whole = path.read_text()
    path.write_text(whole[: len(whole) // 2])  # the agent is half-way through writing it
    first = run_import()
    assert first["lines_skipped"]["invalid_json"] == 2  # this one and broken.json
    assert "s2:m1" not in {row[0] for row in stored_rows()}
    rewrite(path, json.loads(whole))
    assert run_import()["events_added"] == 1


# -- an SQLite source: a test plug-in over a database in WAL mode ---------------------
SQLITE_PLUGIN = {
    "sqlite_agent/__init__.py": '''
from tracker.sources import discovery
from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints


def roots(configured=None):
    return discovery.unique_dirs(configured or discovery.env_list("SQLITE_AGENT_HOME"))


def discover(configured=None, unreadable=None):
    # the database and its write-ahead log: a row committed to the WAL changes the stat
    return [discovery.with_companions(stat) for root in roots(configured)
            for stat in discovery.walk_files(root, (".db",), unreadable)]


SOURCE = AgentSource(kind="sqlite_agent", name="SQLite Agent", places=(Place("~/.sqlite-agent", "SQLITE_AGENT_HOME"),),
                     roots=roots, discover=discover, parse="sqlite_agent.reader:parse", whole_files=(".db",),
                     keep=LAST, dedup_key="message id", pricing=PricingHints(provider="anthropic"))
''',
    "sqlite_agent/reader.py": '''
from tracker.core.records import UsageEvent
from tracker.core.tokens import Tokens
from tracker.sources import foreign_db
from tracker.sources import logfiles as lf


def parse(fh, start, limit, result):
    with foreign_db.read_only(fh.name) as conn:
        if not {"id", "ts", "model", "input", "output"} <= foreign_db.columns(conn, "message"):
            result.skipped[lf.UNKNOWN_KIND] += 1
            return
        for message_id, ts, model, inp, out in conn.execute("SELECT id, ts, model, input, output FROM message"):
            result.lines_seen += 1
            tokens = [lf.count(inp), lf.count(out)]
            if None in tokens:
                result.skipped[lf.BAD_NUMBER] += 1
                continue
            result.events.append(UsageEvent(source="sqlite_agent", key=str(message_id), ts_ms=ts, model=model,
                                            tokens=Tokens(input_tokens=tokens[0], output_tokens=tokens[1])))
''',
}


@pytest.fixture
def sqlite_agent(site, tmp_path, monkeypatch):
    write_distribution(site, "sqlite-agent", "0.3", {"sqlite_agent": "sqlite_agent:SOURCE"}, SQLITE_PLUGIN)
    home = tmp_path / "sqlite-agent"
    home.mkdir()
    monkeypatch.setenv("SQLITE_AGENT_HOME", str(home))
    writer = sqlite3.connect(home / "agent.db", isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # rows stay in agent.db-wal, as while the agent runs
    writer.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, ts INTEGER, model TEXT, input INTEGER, output INTEGER)")
    yield home, writer
    writer.close()


def _sqlite_rows() -> list[tuple]:
    store = open_store(get_paths().db_path)
    try:
        return store.conn.execute("SELECT key, model, provider, input_tokens, output_tokens, cost_pico IS NOT NULL "
                                  "FROM events WHERE source = 'sqlite_agent' ORDER BY key").fetchall()
    finally:
        store.close()


def test_an_sqlite_database_in_wal_mode_is_read_whole_when_its_wal_changes(sqlite_agent):
    home, writer = sqlite_agent
    writer.execute("INSERT INTO message VALUES (1, 1767607200000, 'claude-sonnet-4-5', 100, 20)")
    db = str(home / "agent.db")
    plain = os.stat(db)
    assert run_import()["by_source"]["sqlite_agent"]["events_added"] == 1
    writer.execute("INSERT INTO message VALUES (2, 1767607260000, 'claude-sonnet-4-5', 300, 40)")
    assert (os.stat(db).st_size, os.stat(db).st_mtime_ns) == (plain.st_size, plain.st_mtime_ns)  # only the WAL moved
    assert discovery.with_companions(discovery.FileStat.from_stat(db, os.stat(db))).size > plain.st_size
    report = run_import()
    assert report["by_source"]["sqlite_agent"]["events_added"] == 1 and report["errors"] == []
    writer.execute("UPDATE message SET output = 45 WHERE id = 2")  # a record the agent updated in place
    run_import()
    assert _sqlite_rows() == [("1", "claude-sonnet-4-5", "anthropic", 100, 20, 1),
                              ("2", "claude-sonnet-4-5", "anthropic", 300, 45, 1)]
    assert run_import()["files_read"] == 0
    with open(db, "rb") as fh:  # the agent's database was never written by the reader
        assert fh.read(16) == b"SQLite format 3\x00"


def test_a_file_that_is_not_a_database_is_that_files_error_only(sqlite_agent):
    home, writer = sqlite_agent
    writer.execute("INSERT INTO message VALUES (1, 1767607200000, 'claude-sonnet-4-5', 100, 20)")
    (home / "damaged.db").write_bytes(b"this is not a database" * 100)
    report = run_import()
    assert report["by_source"]["sqlite_agent"]["events_added"] == 1 and report["files_failed"] == 1
    assert report["errors"] == [f"{home / 'damaged.db'}: cannot read (cannot read as an SQLite database "
                                "(file is not a database))"]


def test_a_database_of_another_shape_is_counted_not_a_crash(sqlite_agent):
    home, writer = sqlite_agent
    other = sqlite3.connect(home / "older.db")
    other.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, text TEXT)")
    other.commit()
    other.close()
    report = run_import()
    assert report["lines_skipped"] == {"unknown_kind": 1} and report["errors"] == []


def test_a_database_the_agent_closed_is_read_without_leaving_files_beside_it(sqlite_agent):
    """The agent closed its WAL database (SQLite removed the -wal and -shm): a read-only open (`mode=ro`) made an
    empty -wal and -shm beside it and left them; in the agent's folder, and the companion stat they changed had
    the next import read the whole database again. Now it is opened immutable: nothing is made, nothing re-read;
    when the agent opens it again, its -wal is read."""
    home, writer = sqlite_agent
    writer.execute("INSERT INTO message VALUES (1, 1767607200000, 'claude-sonnet-4-5', 100, 20)")
    writer.close()  # the agent quits: its last connection checkpoints and removes agent.db-wal and -shm
    assert sorted(os.listdir(home)) == ["agent.db"]
    assert run_import()["by_source"]["sqlite_agent"]["events_added"] == 1
    assert sorted(os.listdir(home)) == ["agent.db"]
    assert run_import()["files_read"] == 0
    again = sqlite3.connect(home / "agent.db", isolation_level=None)  # the agent is back: rows go to its -wal
    again.execute("PRAGMA wal_autocheckpoint=0")
    again.execute("INSERT INTO message VALUES (2, 1767607260000, 'claude-sonnet-4-5', 300, 40)")
    try:
        assert run_import()["by_source"]["sqlite_agent"]["events_added"] == 1
    finally:
        again.close()
    assert [row[0] for row in _sqlite_rows()] == ["1", "2"]


def test_only_a_closed_wal_database_is_opened_immutable(tmp_path, monkeypatch):
    """Immutable (no locks) only where nothing can be written meanwhile without a -wal appearing: a database in
    rollback-journal mode keeps the read-only open, whose lock waits for a write in progress."""
    from tracker.sources import foreign_db

    def database(name: str, journal: str) -> str:
        path = str(tmp_path / name)
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA journal_mode={journal}")
        conn.execute("CREATE TABLE t (x)")
        conn.commit()
        conn.close()
        return path

    closed_wal, rollback = database("wal.db", "WAL"), database("rollback.db", "DELETE")
    assert foreign_db._closed_wal_database(closed_wal)
    assert not foreign_db._closed_wal_database(rollback)
    (tmp_path / "not.db").write_bytes(b"not a database at all, not even close")
    assert not foreign_db._closed_wal_database(str(tmp_path / "not.db"))
    assert not foreign_db._closed_wal_database(str(tmp_path / "missing.db"))

    writer = sqlite3.connect(rollback, isolation_level=None)  # a write in progress holds the lock
    writer.execute("BEGIN EXCLUSIVE")
    writer.execute("INSERT INTO t VALUES (1)")
    monkeypatch.setattr(foreign_db, "BUSY_TIMEOUT_S", 0.05)
    try:
        with pytest.raises(foreign_db.ForeignDatabaseError, match="locked"):
            with foreign_db.read_only(rollback) as conn:
                conn.execute("SELECT count(*) FROM t").fetchone()
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    open_again = sqlite3.connect(closed_wal, isolation_level=None)  # the agent is back: its -wal appears
    open_again.execute("INSERT INTO t VALUES (1)")
    assert not foreign_db._closed_wal_database(closed_wal)
    open_again.close()
