"""Hermes Agent: its state.db, one row per session (docs/agents/hermes.md).

Fixtures: tests/agents/fixtures/hermes (provenance in its README.md); every
figure below is counted by hand from those files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.agents import support
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tracker.sources.agents import hermes as plugin

FIXTURES = Path(__file__).parent / "fixtures" / "hermes"
STATE_SQL = FIXTURES / "home" / ".hermes" / "state.sql"
PROFILE_SQL = FIXTURES / "home" / ".hermes" / "profiles" / "work" / "state.sql"
# day x model: sessions, uncached input, cache read, cache write, output (reasoning in it), reasoning
EXPECTED = {
    ("2026-06-10", "claude-haiku-4-5"): (1, 4000, 20000, 5000, 800, 0),  # D: A's sub-agent
    ("2026-06-10", "claude-sonnet-4-5-20250929"): (1, 12000, 150000, 20000, 3000, 0),  # A
    ("2026-06-11", "anthropic/claude-sonnet-4.5"): (1, 8000, 0, 0, 500, 0),  # C: OpenRouter
    ("2026-06-11", "gpt-5"): (1, 30000, 90000, 0, 6000, 2500),  # B: subscription, reasoning inside output
    ("2026-06-12", "claude-sonnet-4-5"): (1, 2000, 10000, 0, 400, 0),  # P: the `work` profile's database
    ("2026-06-12", "qwen3-coder:30b"): (1, 5000, 0, 0, 700, 0),  # G: a local model
}


@pytest.fixture
def hermes_home(logs) -> Path:
    return logs.home / ".hermes"


class Databases:
    """The fixture's two databases under a home (its own and the `work` profile's), open as while Hermes runs:
    in WAL mode with their `-wal` (a database closed has none until a reader's first open makes one, which
    changes its stat once more)."""

    def __init__(self, home: Path):
        self.profile = support.sqlite_database(home / "profiles" / "work" / "state.db", PROFILE_SQL)
        self.main = support.sqlite_database(home / "state.db", STATE_SQL)

    def execute(self, sql: str, params: tuple = ()):
        return self.main.execute(sql, params)

    def executescript(self, sql: str):
        return self.main.executescript(sql)

    def close(self) -> None:
        self.profile.close()
        self.main.close()


def databases(home: Path) -> Databases:
    return Databases(home)


def by_day_and_model(logs) -> dict:
    return support.by_day_and_model(logs, "hermes")


def test_every_session_counted_exactly(logs, hermes_home):
    databases(hermes_home).close()
    report = logs.run()
    # E never called a model; F has counts but no model
    assert report.lines_skipped == {"missing_model": 1, "no_usage": 1} and report.errors == []
    assert by_day_and_model(logs) == EXPECTED
    events = {e["key"]: e for e in logs.events("hermes")}
    assert sorted(events) == ["20260610_091500_a1b2c3", "20260610_094012_d4e5f6", "20260611_140233_b7c8d9",
                              "20260611_201000_c0ffee", "20260612_100000_a9a9a9", "20260612_163000_p1p2p3"]
    a = events["20260610_091500_a1b2c3"]
    assert (a["session"], a["project"], a["cwd"], a["git_branch"], a["provider"], a["requests"]) == (
        "20260610_091500_a1b2c3", "api-server", "/home/u/code/api-server", "main", "anthropic", 14)
    assert a["ts_ms"] == 1781082900000
    assert events["20260610_094012_d4e5f6"]["ts_ms"] == 1781084412500  # REAL seconds: the fraction kept
    # claude-sonnet-4-5 at $3 / $15, cache reads $0.30, 5-minute writes $3.75: 0.036 + 0.045 + 0.045 + 0.075
    assert a["cost_pico"] == 201_000_000_000
    b = events["20260611_140233_b7c8d9"]
    # gpt-5 at $1.25 / $10, cache reads $0.125: 0.0375 + 0.06 (reasoning inside output, not added) + 0.01125;
    # Hermes's 'included' $0 is not what the tokens are worth
    assert (b["provider"], b["cost_pico"]) == ("openai", 108_750_000_000)
    c = events["20260611_201000_c0ffee"]
    assert (c["provider"], c["cost_pico"]) == ("openrouter", 31_500_000_000)  # priced from tokens, not 'actual'
    g = events["20260612_100000_a9a9a9"]
    assert (g["provider"], g["cost_pico"]) == ("custom", None)  # unpriced, never $0


def test_reading_again_finds_nothing_and_growing_totals_replace_the_session(logs, hermes_home):
    conn = databases(hermes_home)
    logs.run()
    assert logs.run().files_read == 0
    # the session goes on: Hermes adds each call's counts to its row (the new rows sit in the -wal)
    conn.execute("UPDATE sessions SET input_tokens = input_tokens + 1000, output_tokens = output_tokens + 200, "
                 "cache_read_tokens = cache_read_tokens + 30000, api_call_count = 16 "
                 "WHERE id = '20260610_091500_a1b2c3'")
    report = logs.run()
    assert report.files_read == 1 and report.events_added == 0
    assert by_day_and_model(logs)[("2026-06-10", "claude-sonnet-4-5-20250929")] == (1, 13000, 180000, 20000,
                                                                                    3200, 0)
    conn.execute("INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens, billing_provider) "
                 "VALUES ('20260613_090000_n3w000', 'cli', 'gpt-5', 1781341200.0, 700, 70, 'openai')")
    assert logs.run().events_added == 1
    assert by_day_and_model(logs)[("2026-06-13", "gpt-5")] == (1, 700, 0, 0, 70, 0)
    conn.close()  # checkpointed into state.db: the same rows
    assert logs.run().events_added == 0
    assert len(logs.events("hermes")) == 7


def test_a_session_deleted_in_hermes_keeps_its_row(logs, hermes_home):
    conn = databases(hermes_home)
    logs.run()
    conn.execute("DELETE FROM sessions WHERE id = '20260611_201000_c0ffee'")  # `hermes sessions prune`
    report = logs.run()
    assert report.files_read == 1 and report.events_added == 0
    assert by_day_and_model(logs) == EXPECTED
    conn.close()


def test_the_same_home_in_two_places_counts_once(logs, hermes_home, tmp_path, monkeypatch):
    dbs = databases(hermes_home)
    logs.run()
    copy = tmp_path / "backup" / "hermes"
    shutil.copytree(hermes_home, copy)
    monkeypatch.setenv("HERMES_HOME", f"{hermes_home},{copy}")
    assert plugin.roots(None) == [hermes_home, copy]
    report = logs.run()
    assert report.files_read == 2 and report.events_added == 0  # only the copies: new files, the same rows
    assert by_day_and_model(logs) == EXPECTED
    dbs.close()


def test_every_bad_record_is_counted_by_reason(logs, hermes_home):
    conn = databases(hermes_home)
    conn.executescript("""
        INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)
            VALUES ('x1', 'cli', 'gpt-5', 1781341200.0, -5, 10);
        INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)
            VALUES ('x2', 'cli', 'gpt-5', 1781341200.0, 'many', 10);
        INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)
            VALUES ('x3', 'cli', 'gpt-5', 1781341200.0, 100, 2.5);
        INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)
            VALUES ('x4', 'cli', 'gpt-5', 'yesterday', 100, 10);
        INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)
            VALUES ('x5', 'cli', 'gpt-5', -1.0, 100, 10);
        INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)
            VALUES ('x6', 'cli', '   ', 1781341200.0, 100, 10);
        INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens)
            VALUES (NULL, 'cli', 'gpt-5', 1781341200.0, 100, 10);
    """)
    conn.close()
    report = logs.run()
    assert dict(report.lines_skipped) == {"bad_number": 3, "bad_timestamp": 2, "missing_model": 2,
                                          "unknown_kind": 1, "no_usage": 1}
    assert by_day_and_model(logs) == EXPECTED and report.errors == []


def test_an_older_database_without_the_later_columns(logs, hermes_home):
    """Before cache, reasoning, billing and call counts were kept: the counts there are read, the rest is 0."""
    support.other_database(hermes_home / "state.db", "CREATE TABLE sessions (id TEXT PRIMARY KEY, source TEXT, "
                           "model TEXT, started_at REAL, input_tokens INTEGER, output_tokens INTEGER)")
    import sqlite3
    conn = sqlite3.connect(hermes_home / "state.db")
    conn.execute("INSERT INTO sessions VALUES ('old1', 'cli', 'claude-sonnet-4-20250514', 1750000000.25, 1200, 300)")
    conn.commit()
    conn.close()
    report = logs.run()
    assert report.errors == [] and report.lines_skipped == {}
    assert by_day_and_model(logs) == {("2025-06-15", "claude-sonnet-4-20250514"): (1, 1200, 0, 0, 300, 0)}
    (event,) = logs.events("hermes")
    assert (event["provider"], event["requests"]) == (None, 0)  # calls not recorded: priced at the base tier
    assert event["cost_pico"] == 8_100_000_000  # 1200 x $3 + 300 x $15 per million


def test_a_database_that_is_not_hermess(logs, hermes_home):
    support.other_database(hermes_home / "state.db", "CREATE TABLE sessions (token TEXT, user_id INTEGER)")
    assert logs.run().lines_skipped == {"unknown_kind": 1}


def test_provider_slugs_map_to_prices_and_unknown_models_stay_unpriced(logs, hermes_home):
    conn = databases(hermes_home)
    for n, (provider, model) in enumerate([("xai", "grok-code-fast-1"), ("gemini", "gemini-2.5-flash"),
                                           ("nous", "Hermes-4-405B"), ("deepseek", "deepseek-chat")]):
        conn.execute("INSERT INTO sessions (id, source, model, started_at, input_tokens, output_tokens, "
                     "billing_provider) VALUES (?, 'cli', ?, 1781341200.0, 1000, 100, ?)", (f"p{n}", model, provider))
    conn.close()
    logs.run()
    got = {e["key"]: (e["provider"], e["cost_pico"] is not None) for e in logs.events("hermes") if e["key"][0] == "p"}
    assert got == {"p0": ("x-ai", True), "p1": ("google", True), "p2": (None, False), "p3": ("deepseek", True)}


def test_where_it_looks(logs, tmp_path, monkeypatch):
    home = logs.home / ".hermes"
    databases(home).close()
    assert plugin.roots(None) == [home]
    assert [f.path for f in plugin.discover(None)] == [str(home / "state.db"),
                                                       str(home / "profiles" / "work" / "state.db")]
    # HERMES_DATA_DIR_SUFFIX moves the default home (~/.hermes-dev), as in Hermes
    dev = logs.home / ".hermes-dev"
    support.sqlite_database(dev / "state.db", STATE_SQL).close()
    monkeypatch.setenv("HERMES_DATA_DIR_SUFFIX", "-dev")
    assert plugin.roots(None) == [dev]
    monkeypatch.delenv("HERMES_DATA_DIR_SUFFIX")
    # HERMES_HOME replaces it, a profile's home included (then only that profile is read)
    monkeypatch.setenv("HERMES_HOME", str(home / "profiles" / "work"))
    assert [f.path for f in plugin.discover(None)] == [str(home / "profiles" / "work" / "state.db")]
    monkeypatch.delenv("HERMES_HOME")
    # an extra folder: a copy of a home (its state.db, or only profiles)
    assert plugin.claim(home) == home
    assert plugin.claim(home / "profiles" / "work") == home / "profiles" / "work"
    shutil.copytree(home / "profiles", tmp_path / "only-profiles" / "profiles")
    assert plugin.claim(tmp_path / "only-profiles") == tmp_path / "only-profiles"
    assert plugin.claim(tmp_path) is None
