"""pi: one row per assistant message of its session files, forks and migrations counted once (docs/agents/pi.md).

Fixtures: tests/agents/fixtures/pi (derived from pi-mono's source: README.md
there); every figure below is counted by hand from those files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.agents import support
from tests.agents.checks import damaged_records_parse_safely
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tests.reliability.conftest import PROFILE
from tracker.services.log_import import roots_with_folders
from tracker.sources import pi_sessions as reader
from tracker.sources.agents import pi as plugin

FIXTURE = Path(__file__).parent / "fixtures" / "pi" / "home" / ".pi"
PROJECT = "--home-dev-code-notes--"
S1 = "6f1c2a3b-4d5e-4f60-8a71-92b3c4d5e6f7"
MAIN = f"2026-05-04T08-00-00-000Z_{S1}.jsonl"
FORK = "2026-05-05T09-00-00-000Z_9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d.jsonl"
# day x model: requests, uncached input, cache read, cache write, output, reasoning
EXPECTED = {
    ("2026-05-04", "claude-sonnet-4-5"): (2, 3 + 12, 4800, 4800 + 350, 210 + 95, 0),
    ("2026-05-04", "gemini-2.5-pro"): (1, 9000 - 6000, 6000, 0, 400, 0),  # Google's input held the cache
    ("2026-05-05", "claude-sonnet-4-5"): (1, 8, 5150, 0, 60, 0),  # the fork's own turn
    ("2026-05-05", "gpt-5"): (1, 1500, 2048, 0, 800, 0),
}


def install(logs) -> Path:
    shutil.copytree(FIXTURE, logs.home / ".pi")
    return logs.home / ".pi" / "agent" / "sessions" / PROJECT


def assistant(ts_ms: int, usage: dict, model="claude-sonnet-4-5", provider="anthropic") -> dict:
    return {"type": "message", "id": "x", "parentId": None, "timestamp": "2026-05-06T00:00:00.000Z",
            "message": {"role": "assistant", "content": [], "api": "anthropic-messages", "provider": provider,
                        "model": model, "usage": usage, "stopReason": "stop", "timestamp": ts_ms}}


USAGE = {"input": 100, "output": 10, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 110}


def test_the_fixture_per_day_and_model(logs):
    install(logs)
    report = logs.run()
    assert support.by_day_and_model(logs, "pi") == EXPECTED
    # the fork copies the first two responses: the same fields, one row each
    # looked at: headers, model changes and assistant messages (9 + 5); no_usage: those without usage and the
    # aborted response with zero counts
    assert report.lines_parsed == 9 + 5 and dict(report.lines_skipped) == {"duplicate": 2, "no_usage": 5 + 2}
    events = {e["ts_ms"]: e for e in logs.events("pi")}
    first = events[1777881604000]
    assert (first["session"], first["project"], first["cwd"], first["provider"], first["tool_use"]) == (
        S1, "notes", "/home/dev/code/notes", "anthropic", 1)
    # claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute write, $15 output (pi's own cost is not used)
    assert first["cost_pico"] == 3 * 3_000_000 + 4800 * 3_750_000 + 210 * 15_000_000


def test_reading_again_and_appending(logs):
    folder = install(logs)
    logs.run()
    assert logs.run().files_read == 0
    logs.write(folder / MAIN, [assistant(1778000000000, USAGE)], mode="a")
    report = logs.run()
    assert (report.files_read, report.events_added, report.lines_parsed) == (1, 1, 1)
    [new] = [e for e in logs.events("pi") if e["ts_ms"] == 1778000000000]
    assert new["session"] == S1 and new["cwd"] == "/home/dev/code/notes"  # the header, from the cursor's state


def test_a_migrated_session_rewritten_with_new_entry_ids_counts_once(logs):
    folder = install(logs)
    logs.run()
    path = folder / MAIN
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    for i, record in enumerate(lines[1:]):
        record["id"] = f"{i:08x}"  # pi's v1 -> v2 migration gives every entry a new id and rewrites the file
    path.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in lines))
    report = logs.run()
    assert report.events_added == 0 and support.by_day_and_model(logs, "pi") == EXPECTED


def test_a_second_machines_copy_counts_once(logs, tmp_path, monkeypatch):
    folder = install(logs)
    logs.run()
    other = tmp_path / "laptop-sessions"
    shutil.copytree(folder.parent, other)
    monkeypatch.setenv("PI_AGENT_DIR", f"{folder.parent},{other}")
    report = logs.run()
    assert report.events_added == 0 and report.files_read == 2
    assert support.by_day_and_model(logs, "pi") == EXPECTED


def test_every_bad_line_is_counted_by_reason(logs):
    path = logs.home / ".pi" / "agent" / "sessions" / "--x--" / "2026-05-06T00-00-00-000Z_s.jsonl"
    logs.write(path, [
        assistant(1778025600000, dict(USAGE, input=-1)),
        assistant(1778025600000, dict(USAGE, output="ten")),
        assistant(1778025600000, dict(USAGE, totalTokens=None) | {"totalTokens": 1.5}),
        assistant(1778025600000, [1, 2]),
        assistant("yesterday", USAGE) | {"timestamp": "soon"},
        assistant(1778025600000, USAGE, model=""),
        assistant(1778025600000, dict(USAGE, input=0, output=0, totalTokens=0)),
        {"type": "message", "message": "usage"},
        {"type": "hologram", "usage": {}},
        {"type": "message", "message": {"role": "oracle", "usage": {}}},
        '{"type":"message","message":{"role":"assistant","usage":{',
        b'\xff"usage"',
        assistant(1778025600000, USAGE),
        assistant(1778025600000, USAGE),
    ])
    report = logs.run()
    assert len(logs.events("pi")) == 1
    assert dict(report.lines_skipped) == {"bad_number": 4, "bad_timestamp": 1, "missing_model": 1, "no_usage": 1,
                                          "not_an_object": 1, "unknown_kind": 2, "invalid_json": 1, "non_utf8": 1,
                                          "duplicate": 1}


@PROFILE
@given(st.data())
def test_damaged_lines_never_escape_the_reader(data):
    records = [json.loads(line) for line in (FIXTURE / "agent" / "sessions" / PROJECT / MAIN).read_text().splitlines()]
    damaged_records_parse_safely(reader.parse_pi, records, data, f"/h/.pi/agent/sessions/{PROJECT}/{MAIN}")


def test_where_the_variables_move_it(logs, tmp_path, monkeypatch):
    folder = install(logs)
    assert plugin.roots() == [folder.parent]
    agent = tmp_path / "pi-agent"
    (agent / "sessions" / "--y--").mkdir(parents=True)
    monkeypatch.setenv("PI_CODING_AGENT_DIR", str(agent))
    assert plugin.roots() == [agent / "sessions"]
    monkeypatch.setenv("PI_AGENT_DIR", str(folder.parent))  # ccusage's variable wins, as ccusage reads it
    assert plugin.roots() == [folder.parent]


def test_an_extra_folder_is_claimed(logs, tmp_path):
    copy = tmp_path / "pi-backup"
    shutil.copytree(FIXTURE / "agent", copy)
    assert plugin.claim(copy) == copy / "sessions" and plugin.claim(copy / "sessions") == copy / "sessions"
    assert plugin.claim(tmp_path) is None
    roots, notes = roots_with_folders([copy])
    assert copy / "sessions" in roots["pi"] and notes == []
    logs.run(roots={"pi": roots["pi"]})
    assert support.by_day_and_model(logs, "pi") == EXPECTED
