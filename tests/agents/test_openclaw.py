"""OpenClaw: pi's session format under each agent's sessions folder, archived copies counted once
(docs/agents/openclaw.md; the reader is pi's, tests/agents/test_pi.py covers its bad lines).

Fixtures: tests/agents/fixtures/openclaw (derived from OpenClaw's and pi's
source: README.md there); every figure below is counted by hand from them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.agents import support
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tracker.services.log_import import roots_with_folders
from tracker.sources.agents import openclaw as plugin

FIXTURE = Path(__file__).parent / "fixtures" / "openclaw" / "home" / ".openclaw"
A = "3c9e1f20-7a4b-4c5d-8e6f-a1b2c3d4e5f6"
B = "5d0f2a31-8b5c-4d6e-9f70-b2c3d4e5f607"
# day x model: requests, uncached input, cache read, cache write, output, reasoning
EXPECTED = {
    ("2026-06-01", "claude-opus-4-5"): (2, 6 + 4, 9000, 9000 + 200, 120 + 80, 0),  # the reset session's
    ("2026-06-01", "kimi-k2.5"): (1, 2000, 0, 0, 300, 0),  # via OpenRouter: moonshotai/kimi-k2.5
    ("2026-06-02", "gemini-2.5-flash"): (1, 5000 - 4000, 4000, 0, 100, 0),  # another agent's topic session
}


def install(logs) -> Path:
    shutil.copytree(FIXTURE, logs.home / ".openclaw")
    return logs.home / ".openclaw"


def test_the_fixture_per_day_and_model(logs):
    install(logs)
    report = logs.run()
    assert report.files_read == 3 and report.errors == []  # sessions.json is not a transcript
    assert support.by_day_and_model(logs, "openclaw") == EXPECTED
    assert report.lines_parsed == 4 + 3 + 2 and dict(report.lines_skipped) == {"no_usage": 2 + 2 + 1}
    events = {e["ts_ms"]: e for e in logs.events("openclaw")}
    # the second response names no model: the session's model_change does
    second = events[1780299060000]
    assert (second["model"], second["provider"], second["session"], second["project"]) == (
        "claude-opus-4-5", "anthropic", A, "workspace")
    kimi = events[1780308300000]
    assert (kimi["provider"], kimi["session"]) == ("moonshotai", B) and kimi["cost_pico"] > 0


def test_a_reset_renames_the_transcript_and_the_copy_counts_once(logs):
    home = install(logs)
    sessions = home / "agents" / "main" / "sessions"
    live = sessions / f"{A}.jsonl"
    archived = next(sessions.glob(f"{A}.jsonl.reset.*"))
    archived.rename(live)  # as it was before the reset
    logs.run()
    live.rename(sessions / f"{A}.jsonl.deleted.1780310000000")  # then deleted: renamed again
    report = logs.run()
    assert report.events_added == 0 and support.by_day_and_model(logs, "openclaw") == EXPECTED


def test_reading_again_and_a_second_state_dir(logs, tmp_path, monkeypatch):
    home = install(logs)
    logs.run()
    assert logs.run().files_read == 0
    old = tmp_path / ".clawdbot"
    shutil.copytree(home, old)
    monkeypatch.setenv("OPENCLAW_DIR", f"{home},{old}")
    report = logs.run()
    assert report.events_added == 0 and report.files_read == 3
    assert support.by_day_and_model(logs, "openclaw") == EXPECTED


def test_where_it_looks(logs, tmp_path, monkeypatch):
    assert plugin.roots() == []
    home = install(logs)
    legacy = logs.home / ".moltbot" / "agents" / "main" / "sessions"
    legacy.mkdir(parents=True)
    assert plugin.roots() == [home, logs.home / ".moltbot"]
    state = tmp_path / "state"
    shutil.copytree(home, state)
    monkeypatch.setenv("OPENCLAW_STATE_DIR", str(state))
    assert plugin.roots() == [state]
    assert len(plugin.discover()) == 3
    assert plugin.is_transcript("x.jsonl.reset.2026-06-01T10-00-00.000Z") and not plugin.is_transcript("sessions.json")


def test_an_extra_folder_is_claimed(logs, tmp_path):
    copy = tmp_path / "claw-backup"
    shutil.copytree(FIXTURE, copy)
    assert plugin.claim(copy) == copy and plugin.claim(copy / "agents") == copy
    assert plugin.claim(tmp_path) is None
    roots, notes = roots_with_folders([copy])
    assert copy in roots["openclaw"] and notes == []
