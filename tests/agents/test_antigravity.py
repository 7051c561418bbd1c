"""Antigravity: one row per model generation in its conversation databases (docs/agents/antigravity.md).

Fixtures: tests/agents/fixtures/antigravity (derived from the app's protobuf
descriptors, not captured: README.md there); every figure below is counted by
hand from the values that README lists.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.agents import protobuf_blobs as pb
from tests.agents import support
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tests.reliability.conftest import PROFILE
from tracker.services.log_import import roots_with_folders
from tracker.sources import google_antigravity as reader
from tracker.sources import logfiles as lf
from tracker.sources import protowire
from tracker.sources.agents import google_antigravity as plugin

FIXTURES = Path(__file__).parent / "fixtures" / "antigravity" / "home" / ".gemini"
CLI_ID = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"
IDE_ID = "8c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5"
CLI_SQL = FIXTURES / "antigravity-cli" / "conversations" / f"{CLI_ID}.sql"
IDE_SQL = FIXTURES / "antigravity-ide" / "conversations" / f"{IDE_ID}.sql"
# day x model: requests, uncached input, cache read, cache write, output (thinking in it), thinking
EXPECTED = {
    ("2026-06-10", "gemini-3-flash-preview"): (2, 5210 + 830, 5120, 0, 412 + 95, 300),
    ("2026-06-11", "claude-sonnet-4-5"): (1, 2400, 18000, 1200, 640, 200),  # dated by its step (agy 1.1.18)
    ("2026-06-11", "gemini-3.1-pro-preview"): (1, 12000, 0, 0, 900, 700),
    ("2026-06-11", "gemini-4-ultra-exp"): (1, 300, 0, 0, 50, 0),
    ("2026-06-11", "model_placeholder_m187"): (1, 100, 0, 0, 20, 0),
}
SKIPPED = {"no_usage": 2, "invalid_protobuf": 1, "duplicate": 1}


def install(logs, which=("cli", "ide")) -> dict[str, Path]:
    """The fixture conversations built where Antigravity keeps them; {which: database path}."""
    made = {}
    for name, sql, folder, conversation in (("cli", CLI_SQL, "antigravity-cli", CLI_ID),
                                            ("ide", IDE_SQL, "antigravity-ide", IDE_ID)):
        if name in which:
            path = logs.home / ".gemini" / folder / "conversations" / f"{conversation}.db"
            support.sqlite_database(path, sql).close()
            made[name] = path
    return made


def add_row(path: Path, idx: int, blob: bytes) -> None:
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO gen_metadata VALUES (?, ?, ?)", (idx, blob, len(blob)))
    conn.commit()
    conn.close()


def conversation(path: Path, rows: list[bytes], trajectory: bytes | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE gen_metadata(idx INTEGER PRIMARY KEY, data BLOB, size INTEGER)")
    conn.execute("CREATE TABLE trajectory_metadata_blob(id TEXT PRIMARY KEY, data BLOB)")
    if trajectory is not None:
        conn.execute("INSERT INTO trajectory_metadata_blob VALUES ('main', ?)", (trajectory,))
    conn.executemany("INSERT INTO gen_metadata VALUES (?, ?, ?)", [(i, r, len(r)) for i, r in enumerate(rows)])
    conn.commit()
    conn.close()


T0 = 1_781_082_000_000  # 2026-06-10T09:00:00Z


# -- counts ---------------------------------------------------------------------------
def test_the_fixture_per_day_and_model(logs):
    install(logs)
    report = logs.run()
    assert report.errors == [] and report.files_failed == 0
    assert support.by_day_and_model(logs, "antigravity") == EXPECTED
    assert report.lines_parsed == 7 + 3 and dict(report.lines_skipped) == SKIPPED
    events = {e["key"]: e for e in logs.events("antigravity")}
    assert sorted(events) == [f"{IDE_ID}:2", "resp-a1", "resp-a2", "resp-a3", "resp-b1", "resp-b2"]
    first = events["resp-a1"]
    assert (first["ts_ms"], first["session"], first["project"], first["cwd"]) == (
        T0 + 5000, CLI_ID, "shop", "/home/dev/code/shop")
    # the model enum (1132) is never added to the input: 5210 is the input, as ModelUsageStats.input_tokens says
    assert (first["input_tokens"], first["output_tokens"], first["reasoning_tokens"]) == (5210, 412, 300)
    # the continuation turn names no model: the label "Gemini 3 Flash" names it in the row before
    assert events["resp-a2"]["model"] == "gemini-3-flash-preview" and events["resp-a2"]["ts_ms"] == T0 + 70250
    assert events["resp-a3"]["ts_ms"] == 1_781_136_030_000  # steps[6].created_at, 2026-06-11T00:00:30Z
    assert events["resp-b1"]["cwd"] == "/home/dev/code/api v2" and events["resp-b1"]["project"] == "api v2"


def test_prices_at_the_models_rates_and_unknown_models_stay_unpriced(logs):
    install(logs)
    logs.run()
    events = {e["key"]: e for e in logs.events("antigravity")}
    # gemini-3-flash-preview: $0.50 / M input, $0.05 / M cache read, $3 / M output (thinking included)
    assert events["resp-a2"]["cost_pico"] == 830 * 500_000 + 5120 * 50_000 + 95 * 3_000_000
    # claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 5-minute cache write, $15 output
    assert events["resp-a3"]["cost_pico"] == 2400 * 3_000_000 + 18000 * 300_000 + 1200 * 3_750_000 + 640 * 15_000_000
    assert events["resp-b1"]["model"] == "gemini-3.1-pro-preview" and events["resp-b1"]["cost_pico"] > 0
    for key in ("resp-b2", f"{IDE_ID}:2"):
        assert events[key]["cost_pico"] is None  # never $0


# -- no double count -------------------------------------------------------------------
def test_reading_again_finds_nothing_and_a_new_generation_in_the_wal_is_read(logs):
    install(logs)
    logs.run()
    again = logs.run()
    assert again.events_added == 0 and again.lines_skipped.get("invalid_protobuf", 0) <= 1
    conn = support.sqlite_database(logs.home / ".gemini" / "antigravity-cli" / "conversations" / "new.db", CLI_SQL)
    blob = pb.generation(pb.usage(inp=70, response=7, response_id="resp-live"), T0 + 90_000, model="gemini-3-flash-a")
    conn.execute("INSERT INTO gen_metadata VALUES (99, ?, ?)", (blob, len(blob)))  # still in the -wal: open
    report = logs.run()
    conn.close()
    # the copy's earlier rows are the same generations (their response ids): only the new one is added
    assert report.events_added == 1 and len(logs.events("antigravity")) == 7


def test_the_same_conversation_in_a_backup_folder_counts_once(logs, tmp_path, monkeypatch):
    made = install(logs)
    logs.run()
    backup = tmp_path / "antigravity-backup"
    shutil.copytree(made["cli"].parent.parent, backup)
    monkeypatch.setenv("ANTIGRAVITY_DATA_DIR", f"{made['cli'].parent.parent},{backup},{made['ide'].parent.parent}")
    report = logs.run()
    # (only the copy is read: the originals were opened immutable, nothing left beside them to change their stat)
    assert report.events_added == 0 and report.files_read == 1
    assert support.by_day_and_model(logs, "antigravity") == EXPECTED


def test_a_rewritten_database_keeps_one_row_per_generation(logs):
    made = install(logs, which=("cli",))
    logs.run()
    add_row(made["cli"], 10, pb.generation(pb.usage(inp=40, response=4, response_id="resp-a9"), T0 + 600_000,
                                           model="gemini-3-flash-a"))
    report = logs.run()
    assert report.events_added == 1 and len(logs.events("antigravity")) == 4


# -- bad input -------------------------------------------------------------------------------
def test_every_bad_row_is_counted_by_reason(logs):
    path = logs.home / ".gemini" / "antigravity-cli" / "conversations" / "bad.db"
    ok = pb.generation(pb.usage(inp=10, response=1, response_id="ok"), T0, model="gemini-3-flash-a")
    conversation(path, [
        b"\x0a\x05\x01",  # a length past the end
        b"\x08" + b"\xff" * 11,  # an overlong varint
        b"\x0b\x00",  # a group (wire type 3)
        pb.length(1, pb.length(4, pb.varint(2, 10**9))),  # a token count of a billion
        pb.injected(),
        pb.generation(None, T0, model="gemini-3-flash-a"),  # no usage at all
        pb.length(1, pb.length(4, pb.usage(inp=10, response=1, response_id="nomodel", model_enum=0))
                  + pb.length(9, pb.length(4, pb.timestamp(T0)))),  # no model id, label or enum
        pb.generation(pb.usage(inp=10, response=1, response_id="notime"), model="gemini-3-flash-a"),
        ok,
        ok,
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events("antigravity")] == ["ok"]
    assert dict(report.lines_skipped) == {"invalid_protobuf": 3, "bad_number": 1, "no_usage": 2,
                                          "missing_model": 1, "bad_timestamp": 1, "duplicate": 1}


def test_a_row_without_a_time_of_its_own_takes_the_conversations(logs):
    path = logs.home / ".gemini" / "antigravity-cli" / "conversations" / "c.db"
    conversation(path, [pb.generation(pb.usage(inp=10, response=1, response_id="r"), model="gemini-3-flash-a")],
                 trajectory=pb.trajectory(T0, "file:///C:/work/site"))
    logs.run()
    [event] = logs.events("antigravity")
    assert (event["ts_ms"], event["cwd"], event["project"]) == (T0, "C:/work/site", "site")


def test_a_database_that_is_not_a_conversation(logs):
    support.other_database(logs.home / ".gemini" / "antigravity-cli" / "conversations" / "x.db",
                           "CREATE TABLE summaries(id TEXT)")
    (logs.home / ".gemini" / "antigravity-cli" / "conversations" / "y.db").write_bytes(b"not a database")
    report = logs.run()
    assert dict(report.lines_skipped) == {"unknown_kind": 1, "file_error": 1} and report.files_failed == 1
    assert logs.events("antigravity") == []


@PROFILE
@given(st.binary(max_size=200))
def test_any_bytes_are_walked_safely(data):
    try:
        found = protowire.scan(data)
    except protowire.WireError:
        return
    assert all(n > 0 and values for n, values in found.items())


@PROFILE
@given(st.lists(st.binary(max_size=60), max_size=6))
def test_damaged_rows_never_escape_the_reader(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("ag") / "d.db"
    conversation(path, rows + [pb.generation(pb.usage(inp=5, response=1), T0, model="m")])
    result = lf.ReadResult()
    with open(path, "rb") as fh:
        reader.parse(fh, 0, path.stat().st_size, result)
    assert result.lines_seen == len(rows) + 1 and len(result.events) >= 1


# -- where -------------------------------------------------------------------------------------
def test_where_it_looks_and_the_variable(logs, tmp_path, monkeypatch):
    gemini = logs.home / ".gemini"
    assert plugin.roots() == []  # nothing there yet
    install(logs)
    desktop = gemini / "antigravity" / "conversations" / "old.db"
    conversation(desktop, [pb.generation(pb.usage(inp=1, response=1, response_id="d1"), T0, model="gemini-3-flash-a")])
    assert plugin.roots() == [gemini / "antigravity-cli", gemini / "antigravity-ide", gemini / "antigravity"]
    assert len(plugin.discover()) == 3
    monkeypatch.setenv("ANTIGRAVITY_DATA_DIR", str(gemini / "antigravity"))
    assert [Path(f.path).name for f in plugin.discover()] == ["old.db"]


@pytest.mark.parametrize("sub", ["", "conversations"])
def test_an_extra_folder_is_claimed(logs, tmp_path, sub):
    made = install(logs, which=("cli",))
    copy = tmp_path / "agy-copy"
    shutil.copytree(made["cli"].parent.parent, copy)
    assert plugin.claim(copy / sub if sub else copy) == copy
    assert plugin.claim(tmp_path) is None
    roots, notes = roots_with_folders([copy])
    assert copy in roots["antigravity"] and notes == []
