"""Qwen Code chats: responses counted once per uuid, Google GenAI usage read by the rules Gemini CLI's reader uses.

Fixtures (tests/agents/fixtures/qwen_code/README.md): two session files laid
out as Qwen Code writes them; every figure below is counted by hand from them.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.logs.conftest import isolated_home, log_store, logs, shared_pricer  # noqa: F401  (fixtures)
from tests.agents.checks import damaged_records_parse_safely, utc_day
from tests.reliability.conftest import PROFILE
from tracker.services.log_import import roots_with_folders
from tracker.sources import qwen_code as reader
from tracker.sources.agents import qwen_code as plugin
from tracker.sources.gemini_cli import genai_tokens

FIXTURE = Path(__file__).parent / "fixtures" / "qwen_code" / "home" / ".qwen"
PROJECT = "-home-dev-code-engram"
S1 = "9ac9a7c3-5b1e-4c2d-8f3a-2ce24fc677d6"
S2 = "f16aad1d-2c3b-4d4e-9f5a-6b7c8d9e0f1a"

# (UTC day, model) -> (input, cache read, output, reasoning, requests), counted by hand
EXPECTED = {
    ("2026-04-23", "qwen3.5-plus"): (16928, 0, 40, 21, 1),  # reasoning inside the 40 (total = prompt + candidates)
    ("2026-04-23", "qwen3.6-plus"): (17297 + (25062 - 17024), 17024, 533 + 310, 20 + 44, 2),
    ("2026-04-24", "qwen3-coder-plus"): (5200, 0, 180, 0, 1),  # a sub-agent's response
    ("2026-04-24", "gemini-2.5-pro"): (12000 - 8000, 8000, 300 + 700, 700, 1),  # Google's shape: thoughts beside
    ("2026-04-25", "qwen3.5-plus"): (17100 - 16800, 16800, 90, 0, 1),  # the fork's own response
}


def by_day_model(events) -> dict:
    totals: dict = defaultdict(lambda: [0] * 5)
    for e in events:
        row = totals[(utc_day(e["ts_ms"]), e["model"])]
        for i, name in enumerate(("input_tokens", "cache_read_tokens", "output_tokens", "reasoning_tokens")):
            row[i] += e[name]
        row[4] += 1
    return {k: tuple(v) for k, v in totals.items()}


def install(logs) -> Path:
    target = logs.home / ".qwen"
    shutil.copytree(FIXTURE, target)
    return target / "projects" / PROJECT / "chats"


def assistant(uuid="u-1", session="s-1", ts="2026-05-01T10:00:00.000Z", model="qwen3-coder-plus", **usage) -> dict:
    counts = {"promptTokenCount": 1000, "candidatesTokenCount": 100, "totalTokenCount": 1100}
    counts.update(usage)
    return {"uuid": uuid, "parentUuid": None, "sessionId": session, "timestamp": ts, "type": "assistant",
            "cwd": "/home/dev/app", "version": "0.15.0", "model": model,
            "usageMetadata": {k: v for k, v in counts.items() if v is not None},
            "message": {"role": "model", "parts": [{"text": "SECRET"}]}}


# -- counts ---------------------------------------------------------------------------
def test_the_fixture_per_day_and_model(logs):
    install(logs)
    report = logs.run()
    events = logs.events("qwen_code")
    assert by_day_model(events) == EXPECTED
    assert report.lines_parsed == 5 + 2
    assert dict(report.lines_skipped) == {"duplicate": 1}  # the fork's copy of the first response: the same row
    assert report.events_added == 6
    first = next(e for e in events if e["key"] == "7171547f-3b4c-4d5e-8f6a-1b2c3d4e5f60")
    assert (first["session"], first["project"], first["cwd"], first["git_branch"]) == \
        (S1, "engram", "/home/dev/code/engram", "main")
    assert [e["tool_use"] for e in events if e["model"] == "qwen3.6-plus"] == [1, 0]
    assert [e["sidechain"] for e in events if e["model"] == "qwen3-coder-plus"] == [1]


def test_usage_shapes_shared_with_gemini_cli():
    # Google's API: total = prompt + candidates + thoughts + tool; the prompt includes the cache
    t = genai_tokens(12000, 300, 8000, 700, 0, 13000)
    assert (t.input_tokens, t.cache_read_tokens, t.output_tokens, t.reasoning_tokens) == (4000, 8000, 1000, 700)
    # converted from an OpenAI-compatible API: completion tokens include the reasoning
    t = genai_tokens(25062, 310, 17024, 44, 0, 25372)
    assert (t.input_tokens, t.cache_read_tokens, t.output_tokens, t.reasoning_tokens) == (8038, 17024, 310, 44)
    # a total that matches neither: the prompt is taken as uncached (Gemini CLI's rule)
    t = genai_tokens(100, 10, 50, 0, 0, 160)
    assert (t.input_tokens, t.cache_read_tokens, t.output_tokens) == (100, 50, 10)


def test_prices_known_models_and_leaves_qwen_s_own_unpriced(logs):
    install(logs)
    logs.write(logs.home / ".qwen" / "projects" / "p" / "chats" / "s.jsonl", [
        assistant("or-1", model="anthropic/claude-sonnet-4-5"),
        assistant("ds-1", model="deepseek-chat")])
    logs.run()
    events = {e["key"]: e for e in logs.events("qwen_code")}
    gemini = next(e for e in events.values() if e["model"] == "gemini-2.5-pro")
    # Qwen Code names no provider: genai-prices finds the model by its id
    assert gemini["cost_pico"] > 0 and gemini["provider"] is None
    assert (events["or-1"]["model"], events["or-1"]["provider"]) == ("claude-sonnet-4-5", "anthropic")
    assert events["or-1"]["cost_pico"] == 1000 * 3_000_000 + 100 * 15_000_000
    assert events["ds-1"]["cost_pico"] > 0
    for e in events.values():
        if e["model"].startswith("qwen"):  # Alibaba's models are not in genai-prices: unpriced, never $0
            assert e["cost_pico"] is None, e["model"]


# -- no double count -------------------------------------------------------------------
def test_reading_again_and_appending(logs):
    chats = install(logs)
    logs.run()
    assert logs.run().files_read == 0
    logs.write(chats / f"{S1}.jsonl", [assistant("new-1", session=S1, ts="2026-04-25T09:00:00.000Z")], mode="a")
    report = logs.run()
    assert (report.files_read, report.events_added, report.lines_parsed) == (1, 1, 1)


def test_an_archived_copy_and_a_second_machine_count_once(logs, tmp_path, monkeypatch):
    chats = install(logs)
    logs.run()
    archive = chats / "archive"
    archive.mkdir()
    shutil.move(str(chats / f"{S2}.jsonl"), archive / f"{S2}.jsonl")  # Qwen archives a session
    other = tmp_path / "laptop" / ".qwen"
    shutil.copytree(FIXTURE, other)
    monkeypatch.setenv("QWEN_DATA_DIR", f"{logs.home / '.qwen'},{other}")
    report = logs.run()
    assert report.events_added == 0 and report.files_read == 3
    assert by_day_model(logs.events("qwen_code")) == EXPECTED


def test_a_record_twice_in_one_file_is_counted_once(logs):
    path = logs.home / ".qwen" / "projects" / "p" / "chats" / "s.jsonl"
    logs.write(path, [assistant("dup"), assistant("dup")])
    report = logs.run()
    assert len(logs.events("qwen_code")) == 1 and report.lines_skipped["duplicate"] == 1


# -- bad input -------------------------------------------------------------------------------
def test_every_bad_record_is_counted_by_reason(logs):
    path = logs.home / ".qwen" / "projects" / "p" / "chats" / "s.jsonl"
    logs.write(path, [
        assistant("a", promptTokenCount=-1),
        assistant("b", candidatesTokenCount="many"),
        dict(assistant("c"), usageMetadata=[1, 2]),
        assistant("d", model=""),
        dict(assistant("e"), timestamp="later"),
        assistant("f", promptTokenCount=0, candidatesTokenCount=0, totalTokenCount=0),
        dict(assistant("g"), type="user"),
        dict(assistant("h"), type="hologram"),
        b'{"type":"assistant","usageMetadata":{',
        b'\xfe"usageMetadata"',
        b'["usageMetadata"]',
        assistant("ok"),
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events("qwen_code")] == ["ok"]
    assert dict(report.lines_skipped) == {"bad_number": 3, "missing_model": 1, "bad_timestamp": 1, "no_usage": 2,
                                          "unknown_kind": 1, "invalid_json": 1, "non_utf8": 1, "not_an_object": 1}


@PROFILE
@given(st.data())
def test_damaged_records_never_escape_the_reader(data):
    with open(FIXTURE / "projects" / PROJECT / "chats" / f"{S1}.jsonl", "rb") as fh:
        records = [json.loads(line) for line in fh.read().splitlines()]
    damaged_records_parse_safely(reader.parse, records, data, "/h/.qwen/projects/p/chats/s.jsonl")


# -- where -------------------------------------------------------------------------------------
def test_where_the_variables_move_it(logs, tmp_path, monkeypatch):
    install(logs)
    assert plugin.roots() == [logs.home / ".qwen"]
    runtime = tmp_path / "qwen-runtime"
    logs.write(runtime / "projects" / "p" / "chats" / "s.jsonl", [assistant("rt", session="runtime")])
    logs.write(runtime / "projects" / "p" / "notes.jsonl", [assistant("not-a-chat")])  # not in chats/
    monkeypatch.setenv("QWEN_RUNTIME_DIR", str(runtime))
    assert plugin.roots() == [runtime]
    logs.run()
    assert [e["key"] for e in logs.events("qwen_code")] == ["rt"]
    data = tmp_path / "qwen-data"
    shutil.copytree(FIXTURE, data)
    monkeypatch.setenv("QWEN_DATA_DIR", str(data))  # ccusage's variable wins, as ccusage reads it
    assert plugin.roots() == [data]


def test_an_extra_folder_is_claimed(logs, tmp_path):
    backup = tmp_path / "qwen-backup"
    shutil.copytree(FIXTURE, backup)
    assert plugin.claim(backup) == backup and plugin.claim(backup / "projects") == backup
    assert plugin.claim(tmp_path) is None
    roots, notes = roots_with_folders([backup])
    assert backup in roots["qwen_code"] and notes == []
    logs.run(roots={"qwen_code": roots["qwen_code"]})
    assert by_day_model(logs.events("qwen_code")) == EXPECTED


@pytest.mark.parametrize("name", ["logs.json", "s.runtime.json"])
def test_other_files_are_not_chats(logs, name):
    logs.write(logs.home / ".qwen" / "projects" / "p" / "chats" / name, [assistant()])
    assert logs.run().files_seen == 0
