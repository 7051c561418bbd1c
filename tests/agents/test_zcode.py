"""ZCode: its usage database (`~/.zcode/cli/db/db.sqlite`, table model_usage), one row per completed model call.

Fixtures: tests/agents/fixtures/zcode (provenance in its README.md); every figure
below is counted by hand from `db.sql`.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.agents import support
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tracker.sources.agents import zcode as plugin

FIXTURES = Path(__file__).parent / "fixtures" / "zcode"
SQL = FIXTURES / "db.sql"
HOME_DB = FIXTURES / "home" / ".zcode" / "cli" / "db" / "db.sqlite"
# day x model: requests, uncached input, cache read, cache write, output (reasoning in it), reasoning
EXPECTED = {
    # mu_01, mu_02, mu_04 (mu_03 failed, mu_06 was cancelled, mu_07 logged nothing): input less its cached part
    ("2026-08-01", "glm-4.6"): (3, (12000 - 8000) + (15500 - 11000) + (16000 - 15000), 8000 + 11000 + 15000, 0,
                                900 + 1200 + 700, 300),
    ("2026-08-01", "glm-4.5-air"): (1, 600, 0, 0, 20, 0),  # mu_05, the turn's title
    ("2026-08-02", "glm-5.1"): (1, 30000 - 20000, 20000, 0, 1500, 0),  # mu_08 (mu_11 still running)
    # mu_09: cache above its input, so the input is the uncached part (an Anthropic-shaped channel)
    ("2026-08-02", "claude-sonnet-4-5"): (1, 50, 20000, 3000, 400, 0),
    ("2026-08-02", "glm-5.3"): (1, 5000, 0, 0, 200, 50),  # mu_10, logged `z-ai/glm-5.3` by a custom channel
}


@pytest.fixture
def db_path(logs) -> Path:
    return logs.home / ".zcode" / "cli" / "db" / "db.sqlite"


def database(path: Path) -> sqlite3.Connection:
    return support.sqlite_database(path, SQL)


def by_day_and_model(logs) -> dict:
    return support.by_day_and_model(logs, "zcode")


def insert(conn, row_id: str, status: str = "completed", started_ms: int = 1785834000000, model="glm-4.6",
           counts=(1000, 100, 0, 0, 0), provider="builtin:zai-coding-plan", session="sess_b") -> None:
    """A model_usage row: counts are (input, output, reasoning, cache write, cache read)."""
    conn.execute("INSERT OR REPLACE INTO model_usage (id, session_id, turn_id, provider_id, model_id, status, "
                 "started_at, input_tokens, output_tokens, reasoning_tokens, cache_creation_input_tokens, "
                 "cache_read_input_tokens) VALUES (?, ?, 't', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (row_id, session, provider, model, status, started_ms, *counts))


def test_every_call_counted_exactly(logs, db_path):
    database(db_path).close()
    report = logs.run()
    assert report.lines_parsed == 11
    assert dict(report.lines_skipped) == {"not_completed": 3, "no_usage": 1} and report.errors == []
    assert by_day_and_model(logs) == EXPECTED
    events = {e["key"]: e for e in logs.events("zcode")}
    assert sorted(events) == ["mu_01", "mu_02", "mu_04", "mu_05", "mu_08", "mu_09", "mu_10"]
    first = events["mu_01"]
    assert (first["session"], first["project"], first["cwd"], first["provider"]) == (
        "sess_a", "web", "/home/dev/code/web", "zai")
    assert first["ts_ms"] == 1785574800000  # 2026-08-01 09:00:00 UTC
    # GLM-4.6 at Z.ai's $0.60 in / $0.11 cache read / $2.20 out per million: 0.0024 + 0.00088 + 0.00198
    assert first["cost_pico"] == 5_260_000_000
    assert events["mu_10"]["provider"] == "zai"  # the prefix names the vendor
    assert events["mu_09"]["provider"] is None and events["mu_09"]["cost_pico"] is not None  # priced by model


def test_the_committed_home_database_holds_what_db_sql_builds(tmp_path):
    """The one-home and ccusage tests read the binary db.sqlite in the fixture home: it is db.sql built."""
    built = support.sqlite_database(tmp_path / "db.sqlite", SQL)
    committed = sqlite3.connect(f"file:{HOME_DB}?mode=ro", uri=True)
    for table in ("session", "model_usage"):
        query = f"SELECT * FROM {table} ORDER BY id"
        assert committed.execute(query).fetchall() == built.execute(query).fetchall()
    built.close()
    committed.close()


def test_reading_again_finds_nothing_and_a_finished_call_replaces_its_running_row(logs, db_path):
    conn = database(db_path)  # left open: new rows stay in the -wal, as while ZCode runs
    logs.run()
    assert logs.run().files_read == 0
    conn.execute("UPDATE model_usage SET status = 'completed', input_tokens = 42000, output_tokens = 800, "
                 "cache_read_input_tokens = 30000 WHERE id = 'mu_11'")
    report = logs.run()
    assert report.files_read == 1 and report.events_added == 1
    assert by_day_and_model(logs)[("2026-08-02", "glm-5.1")] == (2, 10000 + 12000, 20000 + 30000, 0, 1500 + 800, 0)
    # a row rewritten later (ZCode updates a call's row) replaces it, even with fewer tokens
    conn.execute("UPDATE model_usage SET output_tokens = 600 WHERE id = 'mu_11'")
    assert logs.run().events_added == 0
    assert by_day_and_model(logs)[("2026-08-02", "glm-5.1")][4] == 1500 + 600
    conn.close()
    assert logs.run().events_added == 0  # checkpointed into the database file: the same rows


def test_the_same_database_in_two_places_counts_once(logs, db_path, tmp_path, monkeypatch):
    conn = database(db_path)  # open, as while ZCode runs (its -wal and -shm beside the database)
    logs.run()
    copy = tmp_path / "backup" / ".zcode"
    shutil.copytree(logs.home / ".zcode", copy)
    monkeypatch.setenv("ZCODE_HOME", f"{logs.home / '.zcode'},{copy}")
    assert plugin.roots(None) == [logs.home / ".zcode", copy]
    report = logs.run()
    assert report.files_read == 1 and report.events_added == 0
    assert by_day_and_model(logs) == EXPECTED
    conn.close()


def test_every_bad_row_is_counted_by_reason(logs, db_path):
    conn = database(db_path)
    insert(conn, "x1", counts=(-5, 10, 0, 0, 0))
    insert(conn, "x2", counts=("many", 10, 0, 0, 0))
    insert(conn, "x3", counts=(10, 2.5, 0, 0, 0))
    insert(conn, "x4", started_ms="yesterday")
    insert(conn, "x5", started_ms=None)
    insert(conn, "x6", model="")
    insert(conn, "x7", model=None)
    insert(conn, "x8", status="error", counts=(5000, 20, 0, 0, 0))
    conn.execute("INSERT INTO model_usage (id, status, started_at, model_id, input_tokens, output_tokens) "
                 "VALUES (NULL, 'completed', 1785834000000, 'glm-4.6', 10, 1)")
    conn.close()
    report = logs.run()
    assert dict(report.lines_skipped) == {"bad_number": 3, "bad_timestamp": 2, "missing_model": 2,
                                          "not_completed": 4, "no_usage": 1, "unknown_kind": 1}
    assert by_day_and_model(logs) == EXPECTED and report.errors == []


def test_an_older_shape_without_status_or_cache_columns_and_one_that_is_not_zcodes(logs, db_path):
    db_path.parent.mkdir(parents=True)
    conn = sqlite3.connect(db_path)
    conn.executescript("""
        CREATE TABLE model_usage (id TEXT PRIMARY KEY, session_id TEXT, model_id TEXT, started_at INTEGER,
                                  input_tokens INTEGER, output_tokens INTEGER);
        INSERT INTO model_usage VALUES ('o1', 'gone', 'glm-4.6', 1785834000000, 2000, 300);
    """)
    conn.close()
    report = logs.run()
    assert report.errors == [] and report.lines_skipped == {}
    assert by_day_and_model(logs) == {("2026-08-04", "glm-4.6"): (1, 2000, 0, 0, 300, 0)}
    assert logs.events("zcode")[0]["cwd"] is None  # no session table: no folder
    db_path.unlink()
    support.other_database(db_path, "CREATE TABLE model_usage (id INTEGER PRIMARY KEY)")
    assert logs.run().lines_skipped == {"unknown_kind": 1}


def test_a_file_that_is_not_a_database_is_that_files_error(logs, db_path):
    db_path.parent.mkdir(parents=True)
    db_path.write_bytes(b"not sqlite at all" * 100)
    report = logs.run()
    assert report.files_failed == 1 and len(report.errors) == 1
    assert by_day_and_model(logs) == {}


def test_unknown_models_stay_unpriced(logs, db_path):
    conn = database(db_path)
    insert(conn, "u1", model="ox-alpha-free", provider="7a9e0c44-1b2d-4c3e-8f5a-6b7c8d9e0f12")
    conn.close()
    logs.run()
    row = next(e for e in logs.events("zcode") if e["key"] == "u1")
    assert row["cost_pico"] is None  # unpriced, never $0


def test_where_it_looks(logs, tmp_path, monkeypatch):
    assert plugin.roots(None) == []  # nothing there: nothing to walk
    database(logs.home / ".zcode" / "cli" / "db" / "db.sqlite").close()
    assert plugin.roots(None) == [logs.home / ".zcode"]
    moved = tmp_path / "elsewhere"
    database(moved / "cli" / "db" / "db.sqlite").close()
    monkeypatch.setenv("ZCODE_HOME", str(moved))
    assert plugin.roots(None) == [moved]
    assert [Path(s.path) for s in plugin.discover(None, [])] == [moved / "cli" / "db" / "db.sqlite"]
    # an extra folder: a copy of .zcode, of its cli/ or of cli/db/
    assert plugin.claim(moved) == moved
    assert plugin.claim(moved / "cli") == moved
    assert plugin.claim(moved / "cli" / "db") == moved
    assert plugin.claim(tmp_path) is None
    assert plugin.roots([moved / "cli" / "db"]) == []  # claim's answer is what roots reads, not the db folder


def test_the_plugin_module_declares_what_the_source_uses():
    source = plugin.SOURCE
    assert source.kind == plugin.KIND == "zcode" and source.discover is plugin.discover
    assert source.whole_files == (".sqlite",) and source.keep == "last"
    assert source.pricing.apply("z-ai/glm-5.3", None) == ("glm-5.3", "zai")
    assert source.pricing.apply("glm-4.6", "zai") == ("glm-4.6", "zai")
