"""GitHub Copilot CLI: the session store and OpenTelemetry exports, counted exactly and once.

Fixtures (tests/agents/fixtures/copilot_cli/README.md): an OpenTelemetry export
and the session store as SQL, both derived from Copilot's published schemas.
Every figure below is counted by hand from those files.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.logs.conftest import isolated_home, log_store, logs, shared_pricer  # noqa: F401  (fixtures)
from tests.agents.checks import damaged_records_parse_safely, utc_day
from tests.reliability.conftest import PROFILE
from tracker.sources import copilot_cli as reader
from tracker.services.log_import import roots_with_folders
from tracker.sources import logfiles as lf
from tracker.sources.agents import copilot_cli as plugin
from tracker.sources.copilot_cli import call_tokens

FIXTURE = Path(__file__).parent / "fixtures" / "copilot_cli" / "home" / ".copilot"
OTEL_NAME = "copilot-otel-20260611-095900.jsonl"
SESSION_A = "5e0b1f0a-0c1d-4e5f-8a9b-0c1d2e3f4a5b"
SESSION_B = "9a7c3d21-6b4e-4f80-b1c2-d3e4f5a6b7c8"
SESSION_C = "3c2b1a09-8f7e-4d6c-9b5a-493827160504"

# (UTC day, model) -> (input, cache read, cache write, output, reasoning, requests), counted by hand
OTEL_EXPECTED = {
    ("2026-06-11", "claude-sonnet-4.6"): (12000 - 9000 - 2500, 9000, 2500, 400, 0, 1),
    ("2026-06-11", "gpt-5.4"): (8000 - 6000, 6000, 0, 900, 300, 1),  # exported twice: once
    ("2026-06-12", "gpt-5-mini"): (500, 0, 0, 50, 0, 1),
    ("2026-06-12", "raptor-mini"): (700, 0, 0, 70, 0, 1),
    ("2026-06-13", "claude-opus-4.6"): (30000 - 28000 - 1500, 28000, 1500, 1200, 0, 1),  # ended after midnight
}
STORE_EXPECTED = {
    ("2026-06-11", "claude-sonnet-4.6"): (500, 9000, 2500, 400, 0, 1),
    ("2026-06-11", "gpt-5.4"): (2000, 6000, 0, 900, 300, 1),
    ("2026-06-14", "claude-haiku-4.5"): ((4000 - 3000) + (1500 - 1200), 3000, 1200, 250 + 100, 0, 2),
    ("2026-06-14", "gpt-5.4-mini"): (2000, 0, 0, 300, 120, 1),
}


def by_day_model(events: list[dict]) -> dict:
    totals: dict = defaultdict(lambda: [0] * 6)
    for e in events:
        row = totals[(utc_day(e["ts_ms"]), e["model"])]
        for i, name in enumerate(("input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "output_tokens",
                                  "reasoning_tokens")):
            row[i] += e[name]
        row[5] += 1
    return {k: tuple(v) for k, v in totals.items()}


def copilot_home(logs) -> Path:
    return logs.home / ".copilot"


def install_otel(logs) -> Path:
    target = copilot_home(logs) / "otel"
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURE / "otel" / OTEL_NAME, target / OTEL_NAME)
    return target / OTEL_NAME


def build_store(home: Path) -> Path:
    """session-store.db from the fixture's SQL, in WAL mode (the connection closed: rows checkpointed)."""
    home.mkdir(parents=True, exist_ok=True)
    db = home / "session-store.db"
    conn = sqlite3.connect(db)
    conn.executescript((FIXTURE / "session-store.sql").read_text())
    conn.close()
    return db


def writer(db: Path) -> sqlite3.Connection:
    """A connection like the CLI's: WAL, no automatic checkpoint, left open (new rows stay in `-wal`)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    return conn


def add_call(conn, session=SESSION_C, model="gpt-5.4-mini", inp=100, out=10, cr=0, cw=0, reasoning=0,
             created="2026-06-15 08:00:00") -> None:
    conn.execute("INSERT INTO assistant_usage_events (session_id, turn_index, model, input_tokens, output_tokens, "
                 "cache_read_tokens, cache_write_tokens, reasoning_tokens, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                 (session, 9, model, inp, out, cr, cw, reasoning, created))


def span(name="chat gpt-5.4", session=SESSION_A, trace="feedc0de00000000feedc0de00000000", span_id="0000000000000001",
         end=(1781258400, 0), **attrs) -> dict:
    """A chat span as the CLI's file exporter writes it; `attrs` replace or add attributes (None removes one)."""
    attributes = {"gen_ai.operation.name": name.split(" ")[0], "gen_ai.request.model": "gpt-5.4",
                  "gen_ai.response.model": "gpt-5.4", "gen_ai.conversation.id": session,
                  "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100}
    for key, value in attrs.items():
        key = key.replace("__", ".")
        if value is None:
            attributes.pop(key, None)
        else:
            attributes[key] = value
    return {"type": "span", "traceId": trace, "spanId": span_id, "name": name, "kind": 2,
            "startTime": [end[0] - 2, end[1]], "endTime": list(end), "attributes": attributes}


# -- counts ---------------------------------------------------------------------------
def test_an_opentelemetry_export_per_day_and_model(logs):
    install_otel(logs)
    report = logs.run()
    events = logs.events("copilot_cli")
    assert by_day_model(events) == OTEL_EXPECTED
    # 10 lines: execute_tool span and metric export carry no "gen_ai.usage." (not looked at)
    assert report.lines_parsed == 8
    assert dict(report.lines_skipped) == {"duplicate": 1, "agent_total": 1, "not_a_span": 1}
    sonnet = next(e for e in events if e["model"] == "claude-sonnet-4.6")
    assert (sonnet["session"], sonnet["key"], sonnet["tool_use"]) == (SESSION_A, f"{SESSION_A}:12000:400:9000:2500", 1)
    assert sonnet["ts_ms"] == 1781172002500  # the span's end
    mini = next(e for e in events if e["model"] == "gpt-5-mini")
    assert mini["session"] == "trace:77aa88bb99cc00dd11ee22ff33aa44bb"


def test_the_session_store_per_day_and_model(logs):
    build_store(copilot_home(logs))
    report = logs.run()
    events = logs.events("copilot_cli")
    assert by_day_model(events) == STORE_EXPECTED
    assert report.lines_parsed == 6 and dict(report.lines_skipped) == {"no_usage": 1}
    haiku = [e for e in events if e["model"] == "claude-haiku-4.5"]
    assert {(e["project"], e["cwd"], e["git_branch"]) for e in haiku} == {("api", "/home/dev/code/api",
                                                                            "feature/rate-limit")}
    assert [e["tool_use"] for e in haiku] == [1, 0]


def test_a_call_in_the_store_and_in_an_export_is_one_row(logs):
    install_otel(logs)
    build_store(copilot_home(logs))
    logs.run()
    combined = dict(OTEL_EXPECTED)
    combined.update(STORE_EXPECTED)  # the two 2026-06-11 calls are in both, with the same figures
    assert by_day_model(logs.events("copilot_cli")) == combined
    assert len(logs.events("copilot_cli")) == 5 + 5 - 2


def test_prices_copilot_model_ids_and_leaves_an_unknown_model_unpriced(logs, shared_pricer):
    install_otel(logs)
    logs.run()
    events = {e["model"]: e for e in logs.events("copilot_cli")}
    assert events["raptor-mini"]["cost_pico"] is None and events["raptor-mini"]["price_id"] is None
    for model in ("claude-sonnet-4.6", "gpt-5.4", "claude-opus-4.6", "gpt-5-mini"):
        e = events[model]
        assert e["provider"] == "github-copilot"
        assert e["cost_pico"] and e["cost_pico"] > 0, model
    sonnet = events["claude-sonnet-4.6"]
    expected = shared_pricer.price(call_tokens(12000, 400, 9000, 2500, 0), "claude-sonnet-4.6", "github-copilot",
                                   sonnet["ts_ms"]).cost_pico
    # $3 / M input, $0.30 cache read, $3.75 cache write, $15 output (Copilot's list = Anthropic's)
    assert expected == sonnet["cost_pico"] == 500 * 3_000_000 + 9000 * 300_000 + 2500 * 3_750_000 + 400 * 15_000_000


def test_input_reported_without_the_cache_is_taken_as_it_is():
    # inclusive (documented): 12000 with 9000 + 2500 cached -> 500 uncached
    assert call_tokens(12000, 400, 9000, 2500, 0).input_tokens == 500
    # smaller than the cache it would include: a build that reported it apart
    tokens = call_tokens(300, 40, 9000, 0, 50)
    assert (tokens.input_tokens, tokens.cache_read_tokens, tokens.output_tokens, tokens.reasoning_tokens) \
        == (300, 9000, 40, 40)  # reasoning is part of output: never more than it


# -- no double count -------------------------------------------------------------------
def test_reading_again_and_appending_to_an_export(logs):
    path = install_otel(logs)
    logs.run()
    again = logs.run()
    assert (again.files_read, again.events_added) == (0, 0)
    # the CLI appends the next call; the same span exported once more rides along
    extra = span(trace="4bf92f3577b34da6a3ce929d0e0e4736", span_id="c0c0c0c0c0c0c0c0",
                 gen_ai__usage__input_tokens=9100, gen_ai__usage__output_tokens=120,
                 gen_ai__usage__cache_read__input_tokens=8000)
    with open(FIXTURE / "otel" / OTEL_NAME, "rb") as fh:
        old_line = fh.read().splitlines()[2]  # the gpt-5.4 span
    logs.write(path, [extra, old_line], mode="a")
    report = logs.run()
    assert report.events_added == 1 and report.bytes_read == len(json.dumps(extra, separators=(",", ":"))) + 1 \
        + len(old_line) + 1
    assert len(logs.events("copilot_cli")) == len(OTEL_EXPECTED) + 1


def test_a_rotated_export_and_a_copy_elsewhere_count_once(logs, tmp_path, monkeypatch):
    path = install_otel(logs)
    logs.run()
    path.rename(path.with_name("copilot-otel-rotated.jsonl"))  # a new name for the same export
    backup = tmp_path / "other-machine" / ".copilot"
    (backup / "otel").mkdir(parents=True)
    shutil.copy(FIXTURE / "otel" / OTEL_NAME, backup / "otel" / OTEL_NAME)
    build_store(backup)
    monkeypatch.setenv("COPILOT_HOME", f"{copilot_home(logs)},{backup}")
    report = logs.run()
    assert report.events_added == 5 - 2  # the store's calls the export lacked: 5 rows, 2 also exported
    combined = dict(OTEL_EXPECTED)
    combined.update(STORE_EXPECTED)
    assert by_day_model(logs.events("copilot_cli")) == combined


def test_rows_committed_to_the_write_ahead_log_are_read(logs):
    db = build_store(copilot_home(logs))
    logs.run()
    conn = writer(db)
    try:
        add_call(conn, inp=700, out=70, cr=500)
        assert Path(str(db) + "-wal").stat().st_size > 0  # the row is in the WAL, the database file unchanged
        report = logs.run()
        assert (report.files_read, report.events_added) == (1, 1)
        new = [e for e in logs.events("copilot_cli") if utc_day(e["ts_ms"]) == "2026-06-15"]
        assert [(e["input_tokens"], e["cache_read_tokens"], e["output_tokens"]) for e in new] == [(200, 500, 70)]
        assert logs.run().files_read == 0
    finally:
        conn.close()


def test_a_store_that_dropped_rows_keeps_them_counted(logs):
    db = build_store(copilot_home(logs))
    logs.run()
    conn = writer(db)
    try:
        conn.execute("DELETE FROM assistant_usage_events WHERE session_id = ?", (SESSION_A,))
        add_call(conn)
        logs.run()
    finally:
        conn.close()
    assert len(logs.events("copilot_cli")) == 5 + 1  # billed calls stay when the agent prunes its store


# -- bad input ----------------------------------------------------------------------------
def test_every_bad_span_is_counted_by_reason(logs):
    otel = copilot_home(logs) / "otel"
    logs.write(otel / "bad.jsonl", [
        span(span_id="1", gen_ai__usage__output_tokens=-3),
        span(span_id="2", gen_ai__usage__input_tokens="many"),
        span(span_id="3", gen_ai__response__model=None, gen_ai__request__model=None),
        dict(span(span_id="4"), endTime="yesterday", startTime=None),
        dict(span(span_id="4b"), endTime=[2**62, 0]),  # past year 9999: damage, and too big for the store
        span(name="embeddings text-embedding-3", span_id="5"),
        span(span_id="6", gen_ai__usage__input_tokens=0, gen_ai__usage__output_tokens=0),
        dict(span(span_id="7"), attributes=["gen_ai.usage.input_tokens"]),
        b'{"type":"span","attributes":{"gen_ai.usage.input_tokens":1',  # cut off, then a newline
        b'\xff{"gen_ai.usage.input_tokens":1}',
        b'["gen_ai.usage.input_tokens"]',
        span(span_id="8"),
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events("copilot_cli")] == [f"{SESSION_A}:1000:100:0:0"]
    assert dict(report.lines_skipped) == {"bad_number": 2, "missing_model": 1, "bad_timestamp": 2,
                                          "unknown_kind": 1, "no_usage": 1, "not_an_object": 2,
                                          "invalid_json": 1, "non_utf8": 1}


def test_bad_store_rows_are_counted_by_reason(logs):
    db = build_store(copilot_home(logs))
    conn = writer(db)
    try:
        add_call(conn, inp=-5)
        add_call(conn, created="not a time")
        add_call(conn, model="")
        conn.execute("UPDATE assistant_usage_events SET output_tokens = 'lots' WHERE id = 5")
    finally:
        conn.close()
    report = logs.run()
    assert dict(report.lines_skipped) == {"no_usage": 1, "bad_number": 2, "bad_timestamp": 1, "missing_model": 1}
    assert report.lines_parsed == 9


@pytest.mark.parametrize("schema, reason", [
    ("CREATE TABLE sessions (id TEXT PRIMARY KEY, cwd TEXT)", "no_usage"),  # a store before usage rows
    ("CREATE TABLE assistant_usage_events (id INTEGER PRIMARY KEY, session_id TEXT, tokens INTEGER)", "unknown_kind"),
])
def test_a_store_without_usage_rows_is_counted_not_failed(logs, schema, reason):
    home = copilot_home(logs)
    home.mkdir(parents=True)
    conn = sqlite3.connect(home / "session-store.db")
    conn.execute(schema)
    conn.close()
    report = logs.run()
    assert (report.files_failed, dict(report.lines_skipped), logs.events()) == (0, {reason: 1}, [])


def test_a_damaged_store_is_that_file_s_error(logs):
    home = copilot_home(logs)
    home.mkdir(parents=True)
    (home / "session-store.db").write_bytes(b"not a database at all" * 100)
    report = logs.run()
    assert report.files_failed == 1 and "session-store.db" in report.errors[0]


def test_an_otlp_json_export_line(logs):
    """The OTLP/JSON encoding (a collector's file exporter): nested spans, typed attribute values."""
    def attr(key, value):
        kind = "intValue" if isinstance(value, int) else "stringValue"
        return {"key": key, "value": {kind: str(value) if kind == "intValue" else value}}

    spans = [{"traceId": "ab" * 16, "spanId": "cd" * 8, "name": "chat claude-haiku-4.5", "kind": 3,
              "startTimeUnixNano": "1781258398000000000", "endTimeUnixNano": "1781258400000000000",
              "attributes": [attr("gen_ai.operation.name", "chat"), attr("gen_ai.response.model", "claude-haiku-4.5"),
                             attr("gen_ai.conversation.id", SESSION_B), attr("gen_ai.usage.input_tokens", 5000),
                             attr("gen_ai.usage.output_tokens", 60), attr("gen_ai.usage.cache_read.input_tokens", 4000),
                             {"key": "gen_ai.response.finish_reasons",
                              "value": {"arrayValue": {"values": [{"stringValue": "tool_calls"}]}}}]}]
    logs.write(copilot_home(logs) / "otel" / "collector.jsonl",
               [{"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}])
    logs.run()
    [e] = logs.events("copilot_cli")
    assert (e["model"], e["session"], e["ts_ms"], e["input_tokens"], e["cache_read_tokens"], e["output_tokens"],
            e["tool_use"]) == ("claude-haiku-4.5", SESSION_B, 1781258400000, 1000, 4000, 60, 1)


# -- where -----------------------------------------------------------------------------------
def test_where_copilot_home_and_the_exporter_file(logs, tmp_path, monkeypatch):
    assert plugin.roots() == []  # nothing under the fake home yet
    install_otel(logs)
    assert plugin.roots() == [copilot_home(logs)]
    moved = tmp_path / "copilot-elsewhere"
    build_store(moved)
    monkeypatch.setenv("COPILOT_HOME", str(moved))
    assert plugin.roots() == [moved]
    exporter = tmp_path / "exports" / "today.jsonl"
    logs.write(exporter, [span(span_id="e1", session="exported")])
    monkeypatch.setenv("COPILOT_OTEL_FILE_EXPORTER_PATH", str(exporter))
    found = [Path(f.path).name for f in plugin.discover()]
    assert found == ["session-store.db", "today.jsonl"]
    logs.run()
    sessions = {e["session"] for e in logs.events("copilot_cli")}
    assert sessions == {SESSION_A, SESSION_C, "exported"}  # the default home is not read when COPILOT_HOME is set


def test_the_exporter_file_inside_the_otel_folder_is_listed_once(logs, monkeypatch):
    path = install_otel(logs)
    monkeypatch.setenv("COPILOT_OTEL_FILE_EXPORTER_PATH", str(path))
    assert [f.path for f in plugin.discover()] == [str(path)]


def test_an_extra_folder_is_claimed(logs, tmp_path):
    backup = tmp_path / "backup-copilot"
    build_store(backup)
    otel_only = tmp_path / "exports-home"
    (otel_only / "otel").mkdir(parents=True)
    assert plugin.claim(backup) == backup
    assert plugin.claim(otel_only / "otel") == otel_only
    assert plugin.claim(tmp_path) is None
    roots, notes = roots_with_folders([backup])
    assert roots["copilot_cli"] == [backup] and notes == []
    logs.run(roots=roots)
    assert by_day_model(logs.events("copilot_cli")) == STORE_EXPECTED


def test_the_fixture_export_is_what_the_readme_says():
    """The fixture's lines, as the README lists them (kinds in order)."""
    with open(FIXTURE / "otel" / OTEL_NAME, "rb") as fh:
        records = [lf.loads_line(line, defaultdict(int)) for line in fh.read().splitlines()]
    names = [r.get("name") or ("log" if "hrTime" in r else "metrics") for r in records]
    assert names == ["execute_tool view", "chat claude-sonnet-4.6", "chat gpt-5.4", "chat gpt-5.4",
                     "invoke_agent GitHub Copilot CLI", "log", "metrics", "chat claude-opus-4.6", "chat gpt-5-mini",
                     "chat raptor-mini"]
    assert all(r.get("attributes", {}).get("gen_ai.conversation.id") in (None, SESSION_A, SESSION_B) for r in records)


@PROFILE
@given(st.data())
def test_damaged_spans_never_escape_the_reader(data):
    with open(FIXTURE / "otel" / OTEL_NAME, "rb") as fh:
        records = [json.loads(line) for line in fh.read().splitlines()]
    damaged_records_parse_safely(reader.parse, records[1:5] + records[7:], data, "/h/.copilot/otel/x.jsonl")
