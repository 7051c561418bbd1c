"""Droid (Factory): one row per session, its latest running totals.

Fixtures (tests/agents/fixtures/droid/README.md): a `.factory` folder with
session settings in the nested and the older flat layout; every figure below
is counted by hand from them.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.agents.checks import utc_day
from tests.logs.conftest import isolated_home, log_store, logs, shared_pricer  # noqa: F401  (fixtures)
from tracker.services.log_import import roots_with_folders
from tracker.services.reprice import reprice
from tracker.sources.agents import droid as plugin
from tracker.sources.droid import model_name, session_tokens

FIXTURE = Path(__file__).parent / "fixtures" / "droid" / "home" / ".factory"
S1 = "0c3f6a2e-5b7d-4e19-8a21-6f4e2d1c9b80"
S2 = "7d2e9b14-3c8a-4f6e-b5d0-2a9c8e7f1b36"
S3 = "b91a4c07-2e5f-4d83-9c6b-5e0f7a3d2c18"
NESTED = "-home-dev-code-shop"

# session -> (UTC day, model, input, cache read, cache write, output, reasoning), counted by hand
EXPECTED = {
    S1: ("2026-02-10", "claude-sonnet-4-5-20250929", 48210, 1254400, 61200, 9120 + 2210, 2210),
    S2: ("2026-02-11", "gpt-5-2025-08-07", 30500, 212000, 0, 7400, 5100),  # the total puts thinking inside output
    S3: ("2026-02-11", "glm-4.6", 8800, 40000, 0, 1500, 0),  # custom:GLM-4.6-[Z.AI]-0
}


def rows(events) -> dict:
    return {e["session"]: (utc_day(e["ts_ms"]), e["model"],
                           e["input_tokens"], e["cache_read_tokens"], e["cache_write_5m_tokens"], e["output_tokens"],
                           e["reasoning_tokens"]) for e in events}


def install(logs) -> Path:
    shutil.copytree(FIXTURE, logs.home / ".factory")
    return logs.home / ".factory" / "sessions"


def rewrite(path: Path, doc: dict) -> None:
    """As Droid does: the whole file again, with a later modification time."""
    before = path.stat()
    path.write_text(json.dumps(doc, indent=2))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


# -- counts ---------------------------------------------------------------------------
def test_the_fixture_per_session(logs):
    install(logs)
    report = logs.run()
    events = logs.events("droid")
    assert rows(events) == EXPECTED
    assert report.lines_parsed == 4 and dict(report.lines_skipped) == {"no_usage": 1}
    s1 = next(e for e in events if e["session"] == S1)
    assert (s1["key"], s1["provider"], s1["project"], s1["cwd"], s1["requests"]) == \
        (S1, "anthropic", "shop", "/home/dev/code/shop", 0)


def test_a_session_total_is_priced_per_request_not_as_one_long_prompt(logs, shared_pricer):
    """A session's 1.36M prompt tokens are many requests: Sonnet 4.5's >200k tier must not apply to them."""
    install(logs)
    logs.run()
    s1 = next(e for e in logs.events("droid") if e["session"] == S1)
    # $3 / M input, $3.75 / M cache write, $0.30 / M cache read, $15 / M output: the base tier
    assert s1["cost_pico"] == 48210 * 3_000_000 + 61200 * 3_750_000 + 1254400 * 300_000 + 11330 * 15_000_000
    # tracker reprice agrees with the import
    assert reprice(logs.store, shared_pricer).changed == 0
    unpriced = next(e for e in logs.events("droid") if e["session"] == S3)
    assert unpriced["cost_pico"] is None  # glm-4.6 with no provider named: unpriced, never $0


@pytest.mark.parametrize("usage, expected", [
    # no total: cache beside the input, thinking beside the output (as ccusage and tokscale read it)
    ({"inputTokens": 100, "outputTokens": 10, "cacheReadTokens": 50, "thinkingTokens": 5}, (100, 50, 15, 5)),
    # total = everything apart
    ({"inputTokens": 100, "outputTokens": 10, "cacheReadTokens": 50, "thinkingTokens": 5, "totalTokens": 165},
     (100, 50, 15, 5)),
    # total without the thinking: it is inside the output
    ({"inputTokens": 100, "outputTokens": 10, "cacheReadTokens": 50, "thinkingTokens": 5, "totalTokens": 160},
     (100, 50, 10, 5)),
    # total without the cache: the input included it
    ({"inputTokens": 100, "outputTokens": 10, "cacheReadTokens": 50, "thinkingTokens": 5, "totalTokens": 115},
     (50, 50, 15, 5)),
])
def test_what_the_total_says_about_the_parts(usage, expected):
    t = session_tokens(usage)
    assert (t.input_tokens, t.cache_read_tokens, t.output_tokens, t.reasoning_tokens) == expected


def test_model_names():
    assert model_name("custom:GLM-4.6-[Z.AI]-0") == "glm-4.6"
    assert model_name("custom:Claude Opus 4.5 Thinking [Anthropic]-1") == "claude-opus-4.5-thinking"
    assert model_name("custom:deepseek/deepseek-v4.1-flash") == "deepseek/deepseek-v4.1-flash"
    assert model_name("gpt-5-2025-08-07") == "gpt-5-2025-08-07"
    assert model_name("  ") is None and model_name(None) is None


# -- no double count -------------------------------------------------------------------
def test_a_growing_session_replaces_its_row(logs):
    sessions = install(logs)
    logs.run()
    path = sessions / NESTED / f"{S1}.settings.json"
    doc = json.loads(path.read_text())
    doc["tokenUsage"]["inputTokens"] += 1000
    doc["tokenUsage"]["outputTokens"] += 200
    rewrite(path, doc)
    report = logs.run()
    assert (report.files_read, report.events_added, report.events_written) == (1, 0, 1)
    s1 = next(e for e in logs.events("droid") if e["session"] == S1)
    assert (s1["input_tokens"], s1["output_tokens"]) == (48210 + 1000, 9120 + 200 + 2210)
    assert len(logs.events("droid")) == 3
    assert logs.run().files_read == 0


def test_a_copy_elsewhere_and_a_deleted_session(logs, tmp_path, monkeypatch):
    sessions = install(logs)
    logs.run()
    backup = tmp_path / "backup" / "sessions"
    shutil.copytree(FIXTURE / "sessions", backup)
    (sessions / f"{S3}.settings.json").unlink()  # Droid's history pruned: the billed session stays counted
    monkeypatch.setenv("DROID_SESSIONS_DIR", f"{sessions},{backup}")
    report = logs.run()
    assert report.events_added == 0 and rows(logs.events("droid")) == EXPECTED


def test_a_settings_file_caught_mid_rewrite_is_read_again(logs):
    sessions = install(logs)
    logs.run()
    path = sessions / NESTED / f"{S2}.settings.json"
    whole = path.read_text()
    path.write_text(whole[: len(whole) // 2])
    assert logs.run().lines_skipped["invalid_json"] == 1
    rewrite(path, json.loads(whole))
    assert logs.run().lines_skipped.get("invalid_json", 0) == 0
    assert rows(logs.events("droid")) == EXPECTED


# -- bad input -------------------------------------------------------------------------------
def test_every_bad_document_is_counted_by_reason(logs):
    folder = logs.home / ".factory" / "sessions"
    folder.mkdir(parents=True)
    for name, body in [("a", {"tokenUsage": {"inputTokens": -1}}), ("b", {"tokenUsage": {"inputTokens": "many"}}),
                       ("c", {"tokenUsage": [1]}), ("d", {"tokenUsage": {"inputTokens": 1, "totalTokens": "x"}}),
                       ("e", {"tokenUsage": {"inputTokens": 0}}), ("f", [1, 2]), ("g", {"model": "gpt-5"})]:
        (folder / f"{name}.settings.json").write_text(json.dumps(body))
    (folder / "h.settings.json").write_bytes(b"\xff\xfe{")
    (folder / "ok.settings.json").write_text(json.dumps({"providerLockTimestamp": 1770000000000,
                                                         "tokenUsage": {"inputTokens": 5, "outputTokens": 1}}))
    report = logs.run()
    [ok] = logs.events("droid")
    assert (ok["session"], ok["model"], ok["ts_ms"], ok["cost_pico"]) == ("ok", "unknown", 1770000000000, None)
    assert dict(report.lines_skipped) == {"bad_number": 4, "no_usage": 2, "not_an_object": 1, "non_utf8": 1}


# -- where -------------------------------------------------------------------------------------
def test_where_the_variable_moves_it_and_extra_folders(logs, tmp_path, monkeypatch):
    install(logs)
    assert plugin.roots() == [logs.home / ".factory" / "sessions"]
    moved = tmp_path / "droid-sessions"
    shutil.copytree(FIXTURE / "sessions", moved)
    monkeypatch.setenv("DROID_SESSIONS_DIR", str(moved))
    assert plugin.roots() == [moved]
    assert plugin.claim(tmp_path / "nothing") is None
    backup = tmp_path / "factory-backup"
    shutil.copytree(FIXTURE, backup)
    assert plugin.claim(backup) == backup / "sessions" and plugin.claim(backup / "sessions") == backup / "sessions"
    roots, notes = roots_with_folders([backup])
    assert backup / "sessions" in roots["droid"] and notes == []
    logs.run(roots={"droid": [backup / "sessions"]})
    assert rows(logs.events("droid")) == EXPECTED
