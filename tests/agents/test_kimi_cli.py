"""Kimi CLI wire logs: one row per model step, however many logs repeat it.

Fixtures (tests/agents/fixtures/kimi_cli/README.md): a `.kimi` folder with a
session, its sub-agent's own log and a /fork of it; every figure below is
counted by hand from those files.
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tests.logs.conftest import isolated_home, log_store, logs, shared_pricer  # noqa: F401  (fixtures)
from tests.agents.checks import damaged_records_parse_safely, spaced, utc_day
from tests.reliability.conftest import PROFILE
from tracker.services.log_import import roots_with_folders
from tracker.sources import kimi_cli as reader
from tracker.sources.agents import kimi_cli as plugin

FIXTURE = Path(__file__).parent / "fixtures" / "kimi_cli" / "home" / ".kimi"
GROUP = "e32247ebaf80119f9feb17957c5ede2c"  # md5("/home/dev/code/api")
S1 = "9ce64e58-5796-47fd-94f6-e52162446e90"
FORK = "4b1f0c2e-7a3d-4e5f-9a8b-1c2d3e4f5a6b"
AGENT = "agent-3f9a"

# (UTC day, model) -> (input, cache read, output, requests), counted by hand
EXPECTED = {
    ("2026-03-30", "kimi-for-coding"): (4120 + 2950 + 1800, 1024 + 7936, 310 + 640 + 90, 3),
    ("2026-03-31", "kimi-for-coding"): (650 + 900, 11264 + 9216, 1210 + 420, 2),
}


def by_day_model(events) -> dict:
    totals: dict = defaultdict(lambda: [0] * 4)
    for e in events:
        row = totals[(utc_day(e["ts_ms"]), e["model"])]
        for i, name in enumerate(("input_tokens", "cache_read_tokens", "output_tokens")):
            row[i] += e[name]
        row[3] += 1
    return {k: tuple(v) for k, v in totals.items()}


def install(logs) -> Path:
    shutil.copytree(FIXTURE, logs.home / ".kimi")
    return logs.home / ".kimi"


def status_line(mid="chatcmpl-x", ts=1774860000.0, usage=None, **payload) -> dict:
    body = {"context_usage": None, "token_usage": usage if usage is not None else
            {"input_other": 100, "output": 10, "input_cache_read": 0, "input_cache_creation": 0},
            "message_id": mid, "plan_mode": False}
    body.update(payload)
    return {"timestamp": ts, "message": {"type": "StatusUpdate", "payload": body}}


def write_spaced(path: Path, records: list, mode: str = "w") -> None:
    """As Kimi CLI writes them: json.dumps with its default spacing (text and bytes written as they are)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, mode + "b") as fh:
        for record in records:
            line = record if isinstance(record, (str, bytes)) else spaced(record)
            fh.write((line.encode() if isinstance(line, str) else line) + b"\n")


# -- counts ---------------------------------------------------------------------------
def test_the_fixture_per_day_and_model(logs):
    install(logs)
    report = logs.run()
    events = logs.events("kimi_cli")
    assert by_day_model(events) == EXPECTED
    assert report.lines_parsed == 5 + 1 + 4  # the session, the sub-agent's log, the fork
    # the fork's copies of three steps and the sub-agent's own copy of its step: one row each
    assert dict(report.lines_skipped) == {"no_usage": 1, "duplicate": 4}  # no_usage: the plan-mode update
    assert len(events) == 5
    keys = {e["key"] for e in events}
    assert "chatcmpl-b1dqq0rsBjfW2OPoJRr7eBKv" in keys and "chatcmpl-9Sd0aLq3Wm5EyTn7Vb2Hc4Rf" in keys
    live = next(e for e in events if e["key"] == "chatcmpl-b1dqq0rsBjfW2OPoJRr7eBKv")
    assert (live["ts_ms"], live["provider"], live["project"], live["cwd"]) == \
        (1774854982582, "moonshotai", "api", "/home/dev/code/api")
    sub = next(e for e in events if e["key"] == "chatcmpl-9Sd0aLq3Wm5EyTn7Vb2Hc4Rf")
    assert sub["sidechain"] == 1 and (sub["input_tokens"], sub["cache_read_tokens"], sub["output_tokens"]) \
        == (2950, 1024, 640)
    own = next(e for e in events if e["key"] == "chatcmpl-Zx1Cv3Bn5Mq7Wl9Ek2Rt4Yu6")
    assert own["session"] == FORK


def test_kimi_for_coding_is_unpriced_and_a_configured_api_model_is_priced(logs):
    home = install(logs)
    logs.run()
    assert all(e["cost_pico"] is None for e in logs.events("kimi_cli"))  # a membership model: no list price
    config = (home / "config.toml").read_text().replace('default_model = "kimi-code/kimi-for-coding"',
                                                         'default_model = "kimi-k2-turbo"')
    (home / "config.toml").write_text(config)
    write_spaced(home / "sessions" / GROUP / "s-api" / "wire.jsonl", [status_line("api-1")])
    logs.run()
    [api] = [e for e in logs.events("kimi_cli") if e["key"] == "api-1"]
    assert api["model"] == "kimi-k2-turbo-preview"
    assert api["cost_pico"] == 100 * 1_150_000 + 10 * 8_000_000  # $1.15 / M input, $8 / M output


def test_the_model_from_config_json_and_the_default(tmp_path):
    root = tmp_path / ".kimi"
    root.mkdir()
    assert reader._configured_model(root) == "kimi-for-coding"
    (root / "config.json").write_text(json.dumps({"default_model": "k2", "models": {"k2": {"model": "kimi-k2-0905"}}}))
    assert reader._configured_model(root) == "kimi-k2-0905"
    (root / "config.toml").write_text('default_model = "plain"  # no models table\n')
    assert reader._configured_model(root) == "plain"


# -- no double count -------------------------------------------------------------------
def test_reading_again_appending_and_an_undo(logs):
    home = install(logs)
    logs.run()
    assert logs.run().files_read == 0
    wire = home / "sessions" / GROUP / S1 / "wire.jsonl"
    write_spaced(wire, [status_line("chatcmpl-new", ts=1774916000.0)], mode="a")
    report = logs.run()
    assert (report.files_read, report.events_added, report.lines_parsed) == (1, 1, 1)
    # /undo rewrites the log without its last turn: read again from the start, nothing counted twice
    lines = wire.read_text().splitlines()
    wire.write_text("\n".join(lines[:12]) + "\n")
    report = logs.run()
    assert report.events_added == 0 and len(logs.events("kimi_cli")) == 6


def test_an_imported_session_and_a_second_machine_count_once(logs, tmp_path, monkeypatch):
    home = install(logs)
    logs.run()
    imported = home / "imported_sessions" / S1
    shutil.copytree(home / "sessions" / GROUP / S1, imported)  # kimi vis import
    other = tmp_path / "laptop" / ".kimi"
    shutil.copytree(FIXTURE, other)
    monkeypatch.setenv("KIMI_DATA_DIR", f"{home},{other}")
    report = logs.run()
    assert report.events_added == 0 and report.files_read == 2 + 3
    assert by_day_model(logs.events("kimi_cli")) == EXPECTED


# -- bad input -------------------------------------------------------------------------------
def test_every_bad_line_is_counted_by_reason(logs):
    wire = logs.home / ".kimi" / "sessions" / "g" / "s" / "wire.jsonl"
    write_spaced(wire, [
        json.dumps({"type": "metadata", "protocol_version": "1.10"}),
        status_line("a", usage={"input_other": -1, "output": 1}),
        status_line("b", usage={"output": 1}),
        status_line("c", usage=[1, 2]),
        status_line("d", ts="yesterday"),
        status_line("e", ts=1e300),
        status_line("f", usage={"input_other": 0, "output": 0}),
        {"timestamp": 1774860000.0, "message": {"type": "Hologram", "payload": {"token_usage": {}}}},
        {"timestamp": 1774860000.0, "message": ["token_usage"]},
        {"timestamp": 1774860000.0, "message": {"type": "StatusUpdate", "payload": "token_usage"}},
        '{"timestamp": 1774860000.0, "message": {"type": "StatusUpdate", "payload": {"token_usage": {',
        b'\xff"token_usage"',
        status_line("ok"),
        status_line("ok"),
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events("kimi_cli")] == ["ok"]
    assert dict(report.lines_skipped) == {"bad_number": 3, "bad_timestamp": 2, "no_usage": 1, "unknown_kind": 1,
                                          "not_an_object": 2, "invalid_json": 1, "non_utf8": 1, "duplicate": 1}


@PROFILE
@given(st.data())
def test_damaged_lines_never_escape_the_reader(data):
    wire = FIXTURE / "sessions" / GROUP / S1 / "wire.jsonl"
    records = [json.loads(line) for line in wire.read_bytes().splitlines()]
    damaged_records_parse_safely(reader.parse, records, data, f"/h/.kimi/sessions/{GROUP}/{S1}/wire.jsonl", spaced)


# -- where -------------------------------------------------------------------------------------
def test_where_the_variables_move_it(logs, tmp_path, monkeypatch):
    install(logs)
    assert plugin.roots() == [logs.home / ".kimi"]
    share = tmp_path / "kimi-share"
    write_spaced(share / "sessions" / "g" / "s" / "wire.jsonl", [status_line("shared")])
    write_spaced(share / "sessions" / "g" / "s" / "context.jsonl", [status_line("not-the-wire")])
    monkeypatch.setenv("KIMI_SHARE_DIR", str(share))
    assert plugin.roots() == [share]
    logs.run()
    assert [e["key"] for e in logs.events("kimi_cli")] == ["shared"]
    monkeypatch.setenv("KIMI_DATA_DIR", str(logs.home / ".kimi"))  # ccusage's variable wins, as ccusage reads it
    assert plugin.roots() == [logs.home / ".kimi"]


def test_an_extra_folder_is_claimed(logs, tmp_path):
    backup = tmp_path / "kimi-backup"
    shutil.copytree(FIXTURE, backup)
    assert plugin.claim(backup) == backup and plugin.claim(backup / "sessions") == backup
    assert plugin.claim(tmp_path) is None
    roots, notes = roots_with_folders([backup])
    assert backup in roots["kimi_cli"] and notes == []
    logs.run(roots={"kimi_cli": roots["kimi_cli"]})
    assert by_day_model(logs.events("kimi_cli")) == EXPECTED
