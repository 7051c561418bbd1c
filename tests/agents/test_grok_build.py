"""Grok Build CLI session logs: one row per completed turn and model, however many logs repeat it.

Fixtures (tests/agents/fixtures/grok_build/README.md): a `.grok` folder with a
session, its sub-agent's own session and a /fork of it; every figure below is
counted by hand from those files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.logs.conftest import isolated_home, log_store, logs, shared_pricer  # noqa: F401  (fixtures)
from tests.agents.checks import damaged_records_parse_safely
from tests.agents.support import by_day_and_model
from tests.reliability.conftest import PROFILE
from tracker.core.tokens import Tokens
from tracker.services.log_import import roots_with_folders
from tracker.sources import grok_build as reader
from tracker.sources.agents import grok_build as plugin

FIXTURE = Path(__file__).parent / "fixtures" / "grok_build" / "home" / ".grok"
GROUP = "%2Fhome%2Fdev%2Fcode%2Fapi"
MAIN = "019f8870-5a1e-7c3b-9d2e-4f6a8b0c1d2e"
CHILD = "019f8871-0b2c-7d4e-8f10-2a3b4c5d6e7f"
FORK = "019f8872-6c7d-7e8f-9a0b-1c2d3e4f5a6b"

# (UTC day, model) -> (requests, input, cache read, cache write, output, reasoning), counted by hand:
# input is inputTokens less cachedReadTokens and cacheCreationTokens; one row per turn and model
EXPECTED = {
    ("2026-07-22", "grok-4.5-build"): (1, 432353 - 376576, 376576, 0, 9958, 6134),
    ("2026-07-22", "grok-code-fast-1"): (1, 52000 - 40960, 40960, 0, 2100, 800),  # the sub-agent, once
    ("2026-07-23", "grok-4.3-build"): (1, 30000 - 24576 - 512, 24576, 512, 1500, 400),  # the fork's own turn
    ("2026-07-23", "grok-4.5-build"): (1, 120000 - 98304, 98304, 0, 3000, 1200),  # the incomplete bill
}


def install(logs) -> Path:
    shutil.copytree(FIXTURE, logs.home / ".grok")
    return logs.home / ".grok"


def updates_of(home: Path, session: str, group: str = GROUP) -> Path:
    return home / "sessions" / group / session / "updates.jsonl"


def turn(event="s-1", prompt="p-1", ts_ms=1784700657779, models=None, ts=1784700657, **usage) -> dict:
    """A turn_completed line as Grok Build appends it (compact JSON, the envelope around the update)."""
    body = {"inputTokens": 1000, "outputTokens": 100, "cachedReadTokens": 0, "modelCalls": 1}
    body.update(usage)
    if models is not None:
        body["modelUsage"] = models
    meta = {} if event is None else {"eventId": event}
    if ts_ms is not None:
        meta["agentTimestampMs"] = ts_ms
    return {"timestamp": ts, "method": "_x.ai/session/update",
            "params": {"sessionId": "s", "update": {"sessionUpdate": "turn_completed", "prompt_id": prompt,
                                                    "stop_reason": "end_turn", "usage": body}, "_meta": meta}}


# -- counts ---------------------------------------------------------------------------
def test_the_fixture_per_day_and_model(logs):
    install(logs)
    report = logs.run()
    assert by_day_and_model(logs, "grok_build") == EXPECTED
    # the turns' ends: 3 in the session, 1 in the sub-agent's, 3 in the fork (2 copied, 1 its own)
    assert report.lines_parsed == 3 + 1 + 3
    # the fork's copy of the two-model turn (same eventIds), the cancelled turn and its copy (no usage), the
    # sub-agent's turn (billed inside the parent's)
    assert dict(report.lines_skipped) == {"duplicate": 2, "no_usage": 2, "subagent_in_parent": 1}
    events = {e["key"]: e for e in logs.events("grok_build")}
    assert set(events) == {f"{MAIN}-42#grok-4.5-build", f"{MAIN}-42#grok-code-fast-1", f"{MAIN}-58#grok-4.5-build",
                           f"{FORK}-9#grok-4.3-build"}
    first = events[f"{MAIN}-42#grok-4.5-build"]
    assert (first["ts_ms"], first["session"], first["project"], first["cwd"], first["provider"], first["requests"]) \
        == (1784700657779, MAIN, "api", "/home/dev/code/api", "x-ai", 10)
    assert events[f"{FORK}-9#grok-4.3-build"]["session"] == FORK


def test_the_logged_cost_is_used_and_an_incomplete_bill_is_priced_or_unpriced(logs, shared_pricer):
    install(logs)
    logs.run()
    cost = {e["key"]: e["cost_pico"] for e in logs.events("grok_build")}
    assert cost[f"{MAIN}-42#grok-4.5-build"] == 2842748000 * 100  # costUsdTicks: 1e10 ticks to the dollar
    assert cost[f"{MAIN}-42#grok-code-fast-1"] == 60000000 * 100
    assert cost[f"{FORK}-9#grok-4.3-build"] == 95000000 * 100
    assert cost[f"{MAIN}-58#grok-4.5-build"] is None  # no cost logged, and grok-4.5-build has no list price
    # a turn whose cost Grok marked partial is priced from its tokens, where the model has a price
    logs.write(updates_of(logs.home / ".grok", "s-partial"),
               [turn("e-partial", models={"grok-code-fast-1": {"inputTokens": 3000, "cachedReadTokens": 1000,
                                                               "outputTokens": 200, "costUsdTicks": 5,
                                                               "costIsPartial": True}})])
    logs.run()
    [partial] = [e for e in logs.events("grok_build") if e["key"] == "e-partial#grok-code-fast-1"]
    priced = shared_pricer.price(Tokens(input_tokens=2000, cache_read_tokens=1000, output_tokens=200),
                                 "grok-code-fast-1", "x-ai", partial["ts_ms"])
    assert partial["cost_pico"] == priced.cost_pico and priced.cost_pico > 0


def test_a_turn_without_model_usage_takes_the_sessions_model(logs):
    home = logs.home / ".grok"
    logs.write(updates_of(home, "s-old"), [turn("e-old", inputTokens=500, cachedReadTokens=100, outputTokens=50)])
    (updates_of(home, "s-old").parent / "summary.json").write_text(json.dumps(
        {"info": {"id": "s-old", "cwd": "/srv/web"}, "current_model_id": "grok-code-fast-1"}))
    logs.write(updates_of(home, "s-bare", group="%2Fsrv%2Fbare"), [turn("e-bare")])  # no summary.json
    report = logs.run()
    [old] = logs.events("grok_build")
    assert (old["key"], old["model"], old["input_tokens"], old["cache_read_tokens"], old["project"]) == \
        ("e-old#grok-code-fast-1", "grok-code-fast-1", 400, 100, "web")
    assert report.lines_skipped["missing_model"] == 1  # no modelUsage and no summary naming the model


# -- no double count -------------------------------------------------------------------
def test_reading_again_appending_and_a_second_machine(logs, tmp_path, monkeypatch):
    home = install(logs)
    logs.run()
    assert logs.run().files_read == 0
    logs.write(updates_of(home, MAIN), [turn(f"{MAIN}-70", models={"grok-4.5-build": {
        "inputTokens": 9000, "cachedReadTokens": 8192, "outputTokens": 300, "modelCalls": 1,
        "costUsdTicks": 4000000}}, ts_ms=1784800000000)], mode="a")
    report = logs.run()
    assert (report.files_read, report.events_added, report.lines_parsed) == (1, 1, 1)
    other = tmp_path / "laptop" / ".grok"
    shutil.copytree(FIXTURE, other)
    monkeypatch.setenv("GROK_HOME", f"{home},{other}")
    report = logs.run()
    assert report.events_added == 0 and report.files_read == 3
    assert len(logs.events("grok_build")) == 5


def test_a_fork_copy_keeps_the_turns_time_not_the_copys(logs):
    """The fork's copy of a turn carries the time of the copy in `timestamp`; its `_meta` keeps the turn's own."""
    home = logs.home / ".grok"
    models = {"grok-code-fast-1": {"inputTokens": 100, "outputTokens": 10}}
    logs.write(updates_of(home, "fork"), [turn("s1-42", models=models, ts=1784780000)])  # copied a day later
    logs.write(updates_of(home, "main"), [turn("s1-42", models=models)])
    logs.run()
    assert [e["ts_ms"] for e in logs.events("grok_build")] == [1784700657779]
    # a line without agentTimestampMs: the envelope's seconds
    logs.write(updates_of(home, "older"), [turn("o-1", models=models, ts_ms=None, ts=1784000000)])
    logs.run()
    assert [e["ts_ms"] for e in logs.events("grok_build") if e["key"] == "o-1#grok-code-fast-1"] == [1784000000000]


def test_without_an_event_id_the_prompt_id_is_the_key(logs):
    home = logs.home / ".grok"
    models = {"grok-code-fast-1": {"inputTokens": 100, "outputTokens": 10}}
    logs.write(updates_of(home, "a"), [turn(None, prompt="p-9", models=models)])
    logs.write(updates_of(home, "b"), [turn(None, prompt="p-9", models=models, ts=1784780000)])
    logs.run()
    assert [e["key"] for e in logs.events("grok_build")] == ["prompt:p-9#grok-code-fast-1"]


# -- bad input -------------------------------------------------------------------------------
def test_every_bad_line_is_counted_by_reason(logs):
    one = {"grok-code-fast-1": {"inputTokens": 100, "outputTokens": 10}}
    cancelled = turn("c")
    del cancelled["params"]["update"]["usage"]
    chunk = {"timestamp": 1, "method": "session/update",
             "params": {"update": {"sessionUpdate": "tool_call", "rawInput": {"turn_completed": True}}}}
    logs.write(updates_of(logs.home / ".grok", "s"), [
        turn("a", models={"grok-code-fast-1": {"inputTokens": -1, "outputTokens": 1}}),
        turn("b", models={"grok-code-fast-1": {"inputTokens": 10, "cachedReadTokens": 20, "outputTokens": 1}}),
        turn("c2", models={"grok-code-fast-1": {"inputTokens": "many", "outputTokens": 1}}),
        turn("d", models={"grok-code-fast-1": [1, 2]}),
        turn("e", models=one, ts_ms="today", ts="today"),
        turn("f", models=one, ts_ms=None, ts=1e300),
        turn("g", models={"grok-code-fast-1": {"inputTokens": 0, "outputTokens": 0}}),
        turn("h", models=["grok-code-fast-1"]),
        cancelled,
        chunk,
        {"timestamp": 1, "method": "_x.ai/session/update", "params": {"update": ["turn_completed"]}},
        {"timestamp": 1, "method": "_x.ai/session/update", "params": {"update": {"turn_completed": 1}}},
        '{"timestamp":1,"method":"_x.ai/session/update","params":{"update":{"sessionUpdate":"turn_completed",',
        b'\xff"turn_completed"',
        turn("ok", models=one),
        turn("ok", models=one),
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events("grok_build")] == ["ok#grok-code-fast-1"]
    assert dict(report.lines_skipped) == {"bad_number": 4, "bad_timestamp": 2, "no_usage": 3, "not_an_object": 2,
                                          "unknown_kind": 1, "invalid_json": 1, "non_utf8": 1, "duplicate": 1}


@PROFILE
@given(st.data())
def test_damaged_lines_never_escape_the_reader(data):
    updates = FIXTURE / "sessions" / GROUP / MAIN / "updates.jsonl"
    records = [json.loads(line) for line in updates.read_bytes().splitlines()]
    damaged_records_parse_safely(reader.parse, records, data, f"/h/.grok/sessions/{GROUP}/{MAIN}/updates.jsonl")


# -- where -------------------------------------------------------------------------------------
def test_where_the_variable_moves_it(logs, tmp_path, monkeypatch):
    install(logs)
    assert plugin.roots() == [logs.home / ".grok"]
    moved = tmp_path / "grok-home"
    logs.write(updates_of(moved, "s"), [turn("moved", models={"grok-code-fast-1": {"inputTokens": 10,
                                                                                   "outputTokens": 1}})])
    logs.write(moved / "sessions" / GROUP / "s" / "chat_history.jsonl", [turn("not-the-updates")])
    monkeypatch.setenv("GROK_HOME", str(moved))
    assert plugin.roots() == [moved]
    logs.run()
    assert [e["key"] for e in logs.events("grok_build")] == ["moved#grok-code-fast-1"]


def test_an_extra_folder_is_claimed(logs, tmp_path):
    backup = tmp_path / "grok-backup"
    shutil.copytree(FIXTURE, backup)
    assert plugin.claim(backup) == backup and plugin.claim(backup / "sessions") == backup
    assert plugin.claim(tmp_path) is None
    roots, notes = roots_with_folders([backup])
    assert backup in roots["grok_build"] and notes == []
    logs.run(roots={"grok_build": roots["grok_build"]})
    assert by_day_and_model(logs, "grok_build") == EXPECTED
