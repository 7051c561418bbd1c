"""Goose: its sessions.db, per call (usage_ledger) or per session (docs/agents/goose.md).

Fixtures: tests/agents/fixtures/goose (provenance in its README.md); every
figure below is counted by hand from those files.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.agents import support
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tracker.sources.agents import goose as plugin

FIXTURES = Path(__file__).parent / "fixtures" / "goose"
SCHEMA_17 = FIXTURES / "home" / ".local" / "share" / "goose" / "sessions" / "sessions.sql"
# day x model: requests, uncached input, cache read, cache write, output (reasoning in it), reasoning
EXPECTED = {
    ("2026-06-15", "claude-sonnet-4-5"): (1, 20000, 90000, 10000, 8000, 0),  # A: its totals, cache split out
    ("2026-07-02", "claude-sonnet-4-5"): (1, 5000, 40000, 5000, 3000, 0),  # B: carried forward, at its start
    ("2026-07-06", "claude-sonnet-4-5"): (2, 3500, 56000, 2500, 2400, 0),  # B: two calls in the ledger
    ("2026-07-06", "gemini-2.5-pro"): (1, 12000, 0, 0, 1000, 400),  # C: total - input - output = thoughts
    ("2026-07-07", "anthropic/claude-sonnet-4"): (1, 8000, 0, 0, 500, 0),  # D: OpenRouter
}


@pytest.fixture
def sessions_dir(logs) -> Path:
    return logs.home / ".local" / "share" / "goose" / "sessions"


def database(path: Path, sql: Path = SCHEMA_17) -> sqlite3.Connection:
    return support.sqlite_database(path, sql)


def by_day_and_model(logs) -> dict:
    return support.by_day_and_model(logs, "goose")


def test_every_session_and_call_counted_exactly(logs, sessions_dir):
    database(sessions_dir / "sessions.db").close()
    report = logs.run()
    # E has totals but no model (moved from a JSONL session); F is empty
    assert report.lines_skipped == {"missing_model": 1, "no_usage": 1} and report.errors == []
    assert by_day_and_model(logs) == EXPECTED
    events = {e["key"]: e for e in logs.events("goose")}
    assert sorted(events) == ["20260615_1", "20260702_1", "20260702_1:2", "20260702_1:3", "20260706_2:4",
                              "20260707_1:5"]
    a = events["20260615_1"]
    assert (a["session"], a["project"], a["cwd"], a["provider"]) == (
        "20260615_1", "api-server", "/home/u/code/api-server", "anthropic")
    # claude-sonnet-4-5 at $3 / $15, cache reads $0.30, 5-minute writes $3.75: 0.06 + 0.027 + 0.0375 + 0.12
    assert a["cost_pico"] == 244_500_000_000
    assert events["20260707_1:5"]["cost_pico"] == 31_500_000_000  # OpenRouter's own figure: 0.0315
    assert events["20260707_1:5"]["provider"] == "openrouter"
    assert events["20260702_1:3"]["ts_ms"] == 1783350000000  # a ledger time in milliseconds
    assert events["20260702_1:2"]["ts_ms"] == 1783346401000  # ... and in seconds


def test_reading_again_finds_nothing_and_growing_totals_replace_the_session(logs, sessions_dir):
    conn = database(sessions_dir / "sessions.db")
    logs.run()
    assert logs.run().files_read == 0
    conn.execute("UPDATE sessions SET accumulated_input_tokens = 150000, accumulated_output_tokens = 9000, "
                 "accumulated_total_tokens = 159000, accumulated_cache_read_tokens = 115000 WHERE id = '20260615_1'")
    report = logs.run()
    assert report.files_read == 1 and report.events_added == 0
    assert by_day_and_model(logs)[("2026-06-15", "claude-sonnet-4-5")] == (1, 25000, 115000, 10000, 9000, 0)
    conn.execute("INSERT INTO usage_ledger VALUES (6, '20260706_2', 1783346800, 'gemini-2.5-pro', 14000, 300, "
                 "14300, 11000, 0, 0.01, 'estimate', 0)")
    assert logs.run().events_added == 1
    assert by_day_and_model(logs)[("2026-07-06", "gemini-2.5-pro")] == (2, 15000, 11000, 0, 1300, 400)
    conn.close()


def test_a_session_read_before_the_ledger_existed_is_not_counted_twice_after_it(logs, sessions_dir):
    """Schema 14: B is its totals; schema 15 carries them forward into the ledger, then adds calls."""
    conn = database(sessions_dir / "sessions.db")
    ledger = conn.execute("SELECT * FROM usage_ledger ORDER BY id").fetchall()
    later = conn.execute("SELECT * FROM sessions WHERE id IN ('20260706_2', '20260707_1')").fetchall()
    conn.execute("DROP TABLE usage_ledger")  # as at schema 14
    conn.execute("DELETE FROM sessions WHERE id IN ('20260706_2', '20260707_1')")  # not begun yet
    # B's totals so far: what the carried-forward row will hold
    conn.execute("UPDATE sessions SET accumulated_input_tokens = 50000, accumulated_output_tokens = 3000, "
                 "accumulated_total_tokens = 53000, accumulated_cache_read_tokens = 40000, "
                 "accumulated_cache_write_tokens = 5000 WHERE id = '20260702_1'")
    logs.run()
    assert by_day_and_model(logs)[("2026-07-02", "claude-sonnet-4-5")] == (1, 5000, 40000, 5000, 3000, 0)
    conn.execute("CREATE TABLE usage_ledger (id INTEGER PRIMARY KEY, session_id TEXT, created_timestamp INTEGER, "
                 "model TEXT, input_tokens INTEGER, output_tokens INTEGER, total_tokens INTEGER, "
                 "cache_read_tokens INTEGER, cache_write_tokens INTEGER, cost REAL, cost_source TEXT, "
                 "is_compaction INTEGER)")
    conn.executemany("INSERT INTO usage_ledger VALUES (" + ", ".join("?" * 12) + ")", ledger)
    conn.executemany("INSERT INTO sessions VALUES (" + ", ".join("?" * len(later[0])) + ")", later)
    conn.close()
    logs.run()
    got = by_day_and_model(logs)
    assert got[("2026-07-02", "claude-sonnet-4-5")] == (1, 5000, 40000, 5000, 3000, 0)  # the same row, replaced
    assert got == EXPECTED


def test_the_same_database_in_two_places_counts_once(logs, sessions_dir, tmp_path, monkeypatch):
    database(sessions_dir / "sessions.db").close()
    logs.run()
    copy = tmp_path / "goose-root"
    (copy / "data").mkdir(parents=True)
    shutil.copytree(sessions_dir, copy / "data" / "sessions")
    monkeypatch.setenv("GOOSE_PATH_ROOT", str(copy))
    assert plugin.roots(None) == [copy / "data" / "sessions"]
    report = logs.run()
    assert report.files_read == 1 and report.events_added == 0
    assert by_day_and_model(logs) == EXPECTED


def test_a_real_schema_5_database_with_an_empty_session(logs, sessions_dir):
    """No provider, model or cache columns yet, and nothing used: nothing counted, nothing failed."""
    database(sessions_dir / "sessions.db", FIXTURES / "sessions-schema5.sql").close()
    report = logs.run()
    assert report.lines_skipped == {"no_usage": 1} and report.errors == [] and report.events_added == 0


def test_every_bad_record_is_counted_by_reason(logs, sessions_dir):
    conn = database(sessions_dir / "sessions.db")
    conn.execute("DELETE FROM sessions WHERE id IN ('20251020_1', '20260708_1')")
    conn.executescript("""
        INSERT INTO sessions (id, working_dir, created_at, model_config_json, accumulated_input_tokens)
            VALUES ('x1', '/w', '2026-07-09 08:00:00', '{"model_name": "gpt-5"', 100);
        INSERT INTO sessions (id, working_dir, created_at, model_config_json, accumulated_input_tokens)
            VALUES ('x2', '/w', 'not a time', '{"model_name": "gpt-5"}', 100);
        INSERT INTO sessions (id, working_dir, created_at, model_config_json, accumulated_input_tokens)
            VALUES ('x3', '/w', '2026-07-09 08:00:00', '{"model_name": "gpt-5"}', -5);
        INSERT INTO sessions (id, working_dir, created_at, model_config_json, accumulated_input_tokens)
            VALUES ('x4', '/w', '2026-07-09 08:00:00', '{"model_name": "gpt-5"}', 'many');
        INSERT INTO usage_ledger VALUES (7, '20260706_2', 1783346900, 'gemini-2.5-pro', 10, 2.5, 12, 0, 0, 0, 'x', 0);
        INSERT INTO usage_ledger VALUES (8, 'no-such-session', 1783346900, 'gpt-5', 10, 2, 12, 0, 0, 0, 'x', 0);
        INSERT INTO usage_ledger VALUES (9, '20260706_2', 1783346901, 'gemini-2.5-pro', 0, 0, 0, 0, 0, 0, 'x', 0);
    """)
    conn.close()
    report = logs.run()
    assert dict(report.lines_skipped) == {"invalid_json": 1, "bad_timestamp": 1, "bad_number": 3,
                                          "unknown_kind": 1, "no_usage": 1}
    assert by_day_and_model(logs) == EXPECTED and report.errors == []


def test_a_database_that_is_not_gooses(logs, sessions_dir):
    support.other_database(sessions_dir / "sessions.db", "CREATE TABLE sessions (sid TEXT, data BLOB)")
    assert logs.run().lines_skipped == {"unknown_kind": 1}


def test_provider_names_map_to_prices_and_unknown_models_stay_unpriced(logs, sessions_dir):
    conn = database(sessions_dir / "sessions.db")
    for n, (provider, model) in enumerate([("aws_bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0"),
                                           ("xai", "grok-code-fast-1"), ("ollama", "qwen3-coder:30b")]):
        conn.execute("INSERT INTO sessions (id, working_dir, created_at, provider_name, model_config_json, "
                     "accumulated_input_tokens, accumulated_output_tokens, accumulated_total_tokens) "
                     "VALUES (?, '/w', '2026-07-10 08:00:00', ?, ?, 1000, 100, 1100)",
                     (f"p{n}", provider, f'{{"model_name": "{model}"}}'))
    conn.close()
    logs.run()
    got = {e["key"]: (e["provider"], e["cost_pico"] is not None) for e in logs.events("goose") if e["key"][0] == "p"}
    assert got == {"p0": ("aws", True), "p1": ("x-ai", True), "p2": ("ollama", False)}  # unpriced, never $0


def test_where_it_looks(logs, tmp_path, monkeypatch):
    xdg = tmp_path / "xdg"
    database(xdg / "goose" / "sessions" / "sessions.db").close()
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    assert plugin.roots(None) == [xdg / "goose" / "sessions"]
    monkeypatch.delenv("XDG_DATA_HOME")
    appdata = tmp_path / "AppData" / "Roaming"
    database(appdata / "Block" / "goose" / "data" / "sessions" / "sessions.db").close()
    monkeypatch.setenv("APPDATA", str(appdata))
    assert plugin.roots(None) == [appdata / "Block" / "goose" / "data" / "sessions"]
    mac = logs.home / "Library" / "Application Support" / "goose" / "sessions"
    database(mac / "sessions.db").close()
    assert plugin.roots(None)[0] == mac
    # an extra folder: a copy of the data folder, of sessions/, or of a GOOSE_PATH_ROOT
    assert plugin.claim(appdata / "Block") is None
    assert plugin.claim(appdata / "Block" / "goose") == appdata / "Block" / "goose"  # like a GOOSE_PATH_ROOT
    assert plugin.claim(appdata / "Block" / "goose" / "data") == appdata / "Block" / "goose" / "data"
    assert plugin.claim(appdata / "Block" / "goose" / "data" / "sessions") is not None
    assert plugin.claim(tmp_path) is None
