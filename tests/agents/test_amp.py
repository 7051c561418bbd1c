"""Amp: thread files, from their usage ledger and their messages' usage (docs/agents/amp.md).

Fixtures: tests/agents/fixtures/amp (provenance in its README.md); every
figure below is counted by hand from those files.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.agents import support
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tests.agents.support import tokens
from tracker.sources.agents import amp as plugin

FIXTURES = Path(__file__).parent / "fixtures" / "amp"
LEGACY = "T-0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
CURRENT = "T-7a8b9c0d-1e2f-4a3b-9c4d-5e6f7a8b9c0d"
PARTIAL = "T-3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
# day x model: requests, uncached input, cache read, cache write, output, reasoning
EXPECTED = {
    ("2025-11-23", "claude-haiku-4-5-20251001"): (1, 100, 11372, 986, 50, 0),  # ledger event + its message's cache
    ("2025-11-23", "claude-sonnet-4-5-20250929"): (1, 2000, 0, 0, 300, 0),  # ledger event, message without usage
    ("2026-01-22", "claude-haiku-4-5-20251001"): (1, 5, 12000, 0, 42, 0),  # messages only (2026 builds)
    ("2026-01-22", "claude-opus-4-5-20251101"): (1, 10, 16371, 6904, 220, 0),
    ("2026-04-08", "claude-sonnet-4-0"): (1, 100, 500, 0, 20, 0),  # a ledger that covers message 1 ...
    ("2026-04-09", "claude-sonnet-4-0"): (1, 40, 600, 0, 10, 0),  # ... but not message 2
}


@pytest.fixture
def threads(logs) -> Path:
    shutil.copytree(FIXTURES / "home", logs.home, dirs_exist_ok=True)
    return logs.home / ".local" / "share" / "amp" / "threads"


def by_day_and_model(logs) -> dict:
    return support.by_day_and_model(logs, "amp")


def rewrite(path: Path, doc: dict) -> None:
    """As Amp does: the whole thread again (a new size and time)."""
    before = path.stat()
    path.write_text(json.dumps(doc), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))


def test_every_response_counted_exactly(logs, threads):
    report = logs.run()
    assert report.errors == [] and not report.lines_skipped  # prompts and a response still streaming: not candidates
    assert by_day_and_model(logs) == EXPECTED
    events = {e["key"]: e for e in logs.events("amp")}
    assert sorted(events) == sorted([f"{LEGACY}:1", f"{LEGACY}:3", f"{CURRENT}:1", f"{CURRENT}:3",
                                     f"{PARTIAL}:1", f"{PARTIAL}:2"])
    assert events[f"{LEGACY}:1"]["tool_use"] == 1 and events[f"{CURRENT}:1"]["tool_use"] == 0
    assert events[f"{CURRENT}:1"]["session"] == CURRENT
    # claude-opus-4-5 at $5 / $25, cache reads $0.50, 5-minute writes $6.25: 50 + 8185.5 + 43150 + 5500 micro-dollars
    assert events[f"{CURRENT}:1"]["cost_pico"] == 56_885_500_000


def test_a_thread_rewritten_as_it_grows_keeps_each_response_once(logs, threads):
    logs.run()
    assert logs.run().files_read == 0
    path = threads / f"{CURRENT}.json"
    doc = json.loads(path.read_text())
    doc["messages"][4]["usage"] = {"model": "claude-haiku-4-5-20251001", "inputTokens": 7, "outputTokens": 30,
                                   "cacheReadInputTokens": 12100, "cacheCreationInputTokens": 0,
                                   "timestamp": "2026-01-22T22:44:00.000Z"}
    rewrite(path, doc)
    report = logs.run()
    assert (report.files_read, report.events_added) == (1, 1)
    assert by_day_and_model(logs)[("2026-01-22", "claude-haiku-4-5-20251001")] == (2, 12, 24100, 0, 72, 0)


def test_a_legacy_thread_rewritten_without_its_ledger_lands_on_the_same_rows(logs, threads):
    """The key is thread + message, whichever record a response was counted from."""
    logs.run()
    path = threads / f"{PARTIAL}.json"
    doc = json.loads(path.read_text())
    del doc["usageLedger"]
    rewrite(path, doc)
    assert logs.run().events_added == 0
    assert by_day_and_model(logs) == EXPECTED


def test_a_copy_of_the_threads_elsewhere_counts_once(logs, threads, tmp_path, monkeypatch):
    logs.run()
    backup = tmp_path / "amp-backup"
    shutil.copytree(threads.parent, backup)
    monkeypatch.setenv("AMP_DATA_DIR", f"{threads.parent},{backup}")
    assert plugin.roots(None) == [threads.parent, backup]
    report = logs.run()
    assert report.files_read == 3 and report.events_added == 0
    assert by_day_and_model(logs) == EXPECTED


def test_every_bad_record_is_counted_by_reason(logs, threads):
    ok = {"model": "claude-sonnet-4-0", "inputTokens": 1, "outputTokens": 1, "timestamp": "2026-05-01T00:00:00Z"}
    (threads / "T-bad.json").write_text(json.dumps({"id": "T-bad", "messages": [
        "not an object",
        {"role": "narrator"},
        {"role": "assistant", "messageId": 1, "usage": dict(ok, inputTokens=-3)},
        {"role": "assistant", "messageId": 2, "usage": dict(ok, outputTokens="lots")},
        {"role": "assistant", "messageId": 3, "usage": dict(ok, model="")},
        {"role": "assistant", "messageId": 4, "usage": dict(ok, timestamp="yesterday")},
        {"role": "assistant", "messageId": 5, "usage": dict(ok, inputTokens=0, outputTokens=0)},
        {"role": "assistant", "messageId": 6, "usage": "big"},
        {"role": "assistant", "messageId": 7, "usage": ok},
    ], "usageLedger": {"events": [7, {"id": "e1", "timestamp": "2026-05-01T00:00:01Z", "model": "gpt-5",
                                        "tokens": None}]}}))
    (threads / "T-torn.json").write_text('{"id": "T-torn", "messages": [')  # caught mid-rewrite
    report = logs.run()
    assert dict(report.lines_skipped) == {"not_an_object": 2, "unknown_kind": 2, "bad_number": 3,
                                          "missing_model": 1, "bad_timestamp": 1, "no_usage": 1, "invalid_json": 1}
    assert [e["key"] for e in logs.events("amp") if e["key"].startswith("T-bad")] == ["T-bad:7"]


def test_ledger_events_alone_and_unknown_models(logs, threads):
    (threads / "T-ledger.json").write_text(json.dumps({"id": "T-ledger", "usageLedger": {"events": [
        {"id": "e1", "timestamp": "2026-05-02T00:00:00Z", "model": "claude-sonnet-4-0",
         "tokens": {"input": 10, "output": 5, "cacheRead": 100, "cacheWrite": 20}},
        {"id": "e2", "timestamp": "2026-05-02T00:01:00Z", "model": "gpt-5", "tokens": {"total": 345}},
        {"timestamp": "2026-05-02T00:02:00Z", "model": "amp-internal-router", "tokens": {"input": 10, "output": 1}},
    ]}}))
    logs.run()
    got = {e["key"]: (tokens(e), e["cost_pico"] is not None) for e in logs.events("amp")
           if e["key"].startswith("T-ledger")}
    assert got == {
        "T-ledger:event:e1": ((10, 100, 20, 5, 0), True),  # tokscale's cacheRead / cacheWrite spelling
        "T-ledger:event:e2": ((0, 0, 0, 345, 0), True),  # only a total: output, as ccusage counts it
        "T-ledger:event:2026-05-02T00:02:00Z:amp-internal-router": ((10, 0, 0, 1, 0), False),  # unpriced, not $0
    }


def test_where_it_looks(logs, tmp_path, monkeypatch):
    assert plugin.roots(None) == []
    default = logs.home / ".local" / "share" / "amp"
    (default / "threads").mkdir(parents=True)
    assert plugin.roots(None) == [default]
    xdg = tmp_path / "xdg"
    (xdg / "amp" / "threads").mkdir(parents=True)
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    assert plugin.roots(None) == [xdg / "amp", default]
    assert plugin.claim(default) == default and plugin.claim(default / "threads") == default
    assert plugin.claim(tmp_path) is None
