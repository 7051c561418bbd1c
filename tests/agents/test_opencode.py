"""OpenCode: its SQLite database and its JSON message store (docs/agents/opencode.md).

Fixtures: tests/agents/fixtures/opencode (provenance in its README.md); every
figure below is counted by hand from those files.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.agents import support
from tests.agents.support import logs  # noqa: F401  (the fixture)
from tests.agents.support import tokens
from tracker.sources.agents import opencode as plugin

FIXTURES = Path(__file__).parent / "fixtures" / "opencode"
REAL_SQL = FIXTURES / "opencode-1.16.0.sql"
SESSION = "ses_04ca851f7ffevKrKMHW3RsPK1U"
DEEPSEEK = "monkeycode-basic/deepseek-v4-flash"


@pytest.fixture
def data_dir(logs) -> Path:
    return logs.home / ".local" / "share" / "opencode"


def real_database(path: Path) -> sqlite3.Connection:
    """The 1.16.0 database of the fixture; the connection stays open to write (support.sqlite_database)."""
    return support.sqlite_database(path, REAL_SQL)


def assistant(message_id: str, created: int, tokens: dict, session: str = SESSION, model: str = "claude-sonnet-4-5",
              provider: str = "anthropic", **extra) -> dict:
    data = {"role": "assistant", "time": {"created": created, "completed": created + 2000}, "modelID": model,
            "providerID": provider, "mode": "build", "agent": "build",
            "path": {"cwd": "/home/u/code/api-server", "root": "/home/u/code/api-server"}, "cost": 0,
            "tokens": tokens, "finish": "stop"}
    data.update(extra)
    return {"id": message_id, "session_id": session, "created": created, "data": data}


def insert(conn: sqlite3.Connection, *messages: dict, table: str = "message") -> None:
    for m in messages:
        data = m["data"] if isinstance(m["data"], str) else json.dumps(m["data"], separators=(",", ":"))
        if table == "message":
            conn.execute("INSERT OR REPLACE INTO message VALUES (?, ?, ?, ?, ?)",
                         (m["id"], m["session_id"], m["created"], m["created"], data))
        else:
            conn.execute("INSERT OR REPLACE INTO session_message (id, session_id, type, time_created, time_updated, "
                         "data, seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (m["id"], m["session_id"], m.get("type", "assistant"), m["created"], m["created"], data,
                          m.get("seq", 1)))


def by_day_and_model(logs) -> dict:
    return support.by_day_and_model(logs, "opencode")


# -- real files --------------------------------------------------------------------------
def test_a_real_1_16_database_counted_exactly(logs, data_dir):
    real_database(data_dir / "opencode.db").close()
    report = logs.run()
    # 35 messages: 8 prompts, 26 finished responses, 1 response still streaming (no counts yet)
    assert report.lines_skipped == {"no_usage": 1} and report.errors == []
    assert report.events_added == 26 and report.lines_parsed == 35
    assert by_day_and_model(logs) == {("2026-07-30", DEEPSEEK): (26, 5387, 622720, 0, 4814, 0)}
    events = logs.events("opencode")
    first = events[0]
    assert tokens(first) == (27, 20480, 0, 70, 0)
    assert (first["key"], first["session"], first["project"], first["cwd"]) == (
        f"1785420302768:monkeycode-ai:{DEEPSEEK}:27:70:0:20480:0", SESSION, "workspace", "/workspace")
    assert first["tool_use"] == 1 and events[3]["tool_use"] == 0  # finish "tool-calls" / "stop"
    # a gateway's own model name: no known price, so unpriced (never $0)
    assert {(e["provider"], e["cost_pico"]) for e in events} == {("monkeycode-ai", None)}


def test_the_json_store_of_0_x_to_1_1_and_the_earliest_builds(logs):
    shutil.copytree(FIXTURES / "home", logs.home, dirs_exist_ok=True)
    report = logs.run()
    assert report.errors == [] and not report.lines_skipped  # the prompt is not a response; nothing else is left out
    assert by_day_and_model(logs) == {
        ("2025-06-15", "claude-sonnet-4-20250514"): (1, 12, 5000, 1200, 340, 0),  # metadata.assistant (earliest)
        ("2025-08-14", "claude-sonnet-4-20250514"): (1, 8, 9348, 376, 81, 0),  # 0.5.1
        ("2025-09-04", "o3"): (1, 2000, 0, 0, 500, 300),  # no total: OpenAI's reasoning is inside output
        ("2026-02-11", "gemini-2.5-pro"): (1, 3000, 1000, 0, 900, 700),  # total = ... + reasoning: added to output
        ("2026-02-11", "gpt-5.2"): (1, 10803, 4000, 0, 538, 421),  # total = input + cache + output: inside it
    }
    events = {e["model"] + "@" + str(e["ts_ms"]): e for e in logs.events("opencode")}
    earliest = events["claude-sonnet-4-20250514@1750000000000"]
    assert (earliest["session"], earliest["project"]) == ("ses_7fff00000001EarliestBuild01", "web-shop")
    sonnet = events["claude-sonnet-4-20250514@1755210976995"]
    assert (sonnet["session"], sonnet["project"], sonnet["provider"]) == (
        "ses_75545f167ffeWfPEtVLVSaFfjA", "project", "anthropic")
    # claude-sonnet-4 at $3 / $15, cache reads $0.30, 5-minute writes $3.75: 24 + 1215 + 2804.4 + 1410 micro-dollars
    assert sonnet["cost_pico"] == 5_453_400_000
    assert all(e["cost_pico"] for e in events.values())  # every model here has a list price


# -- re-reading, changes, copies ------------------------------------------------------------
def test_reading_again_finds_nothing_and_a_new_response_in_the_wal_is_read(logs, data_dir):
    conn = real_database(data_dir / "opencode.db")
    logs.run()
    assert logs.run().files_read == 0
    streaming = assistant("msg_fb3605bba001tYUKnXw4Bc8vYb", 1785420864442,
                          {"input": 0, "output": 0, "reasoning": 0, "cache": {"read": 0, "write": 0}}, finish=None)
    streaming["data"]["time"] = {"created": 1785420864442}
    insert(conn, streaming)  # OpenCode writes the message first, with zero counts
    report = logs.run()
    assert report.files_read == 1 and report.events_added == 0 and report.lines_skipped["no_usage"] == 2
    done = assistant("msg_fb3605bba001tYUKnXw4Bc8vYb", 1785420864442,
                     {"total": 27000, "input": 120, "output": 400, "reasoning": 0, "cache": {"read": 26480, "write": 0}},
                     model=DEEPSEEK, provider="monkeycode-ai")
    insert(conn, done)  # ... and updates it in place when the response ends
    assert logs.run().events_added == 1
    assert by_day_and_model(logs)[("2026-07-30", DEEPSEEK)] == (27, 5507, 649200, 0, 5214, 0)
    conn.close()


def test_counts_written_before_the_response_ended_wait_for_the_end(logs, data_dir):
    conn = real_database(data_dir / "opencode.db")
    partial = assistant("msg_fc0000000001PartialStep01", 1785500000000,
                        {"input": 10, "output": 5, "reasoning": 0, "cache": {"read": 0, "write": 0}}, finish=None)
    partial["data"]["time"] = {"created": 1785500000000}
    insert(conn, partial)
    report = logs.run()
    assert report.lines_skipped["in_progress"] == 1 and report.events_added == 26
    insert(conn, assistant("msg_fc0000000001PartialStep01", 1785500000000,
                           {"input": 10, "output": 5, "reasoning": 0, "cache": {"read": 0, "write": 0}}))
    assert logs.run().events_added == 1
    conn.close()


def test_the_json_store_and_the_database_it_was_copied_into_count_once(logs, data_dir):
    # 1.2 copied storage/ into opencode.db on its first start and left the files where they were
    shutil.copytree(FIXTURES / "home", logs.home, dirs_exist_ok=True)
    conn = real_database(data_dir / "opencode.db")
    record = json.loads((data_dir / "storage" / "message" / "ses_75545f167ffeWfPEtVLVSaFfjA" /
                         "msg_8aaba0ee3001YGUGe4U2GF5oAZ.json").read_text())
    message_id, session = record.pop("id"), record.pop("sessionID")
    insert(conn, {"id": message_id, "session_id": session, "created": record["time"]["created"], "data": record})
    conn.close()
    report = logs.run()
    assert report.events_added == 26 + 5 and len(logs.events("opencode")) == 26 + 5  # the copy is the same row
    assert by_day_and_model(logs)[("2025-08-14", "claude-sonnet-4-20250514")] == (1, 8, 9348, 376, 81, 0)


def test_a_forked_session_copies_earlier_responses_under_new_ids_counted_once(logs, data_dir):
    conn = real_database(data_dir / "opencode.db")
    rows = conn.execute("SELECT id, data FROM message WHERE session_id = ? ORDER BY id LIMIT 4", (SESSION,)).fetchall()
    conn.execute("INSERT INTO session (id, project_id, slug, directory, title, version, time_created, time_updated) "
                 "VALUES ('ses_04ca00000000Fork00000001', 'b8946d214b0266774971151309788023fe1e25a2', 'fork', "
                 "'/workspace', 'fork #1', 'v1.16.0', 1785420900000, 1785420900000)")
    for n, (message_id, data) in enumerate(rows):  # Session.fork: every message again, a new id, the same fields
        conn.execute("INSERT INTO message VALUES (?, 'ses_04ca00000000Fork00000001', ?, ?, ?)",
                     (f"msg_fc10000000{n:02d}ForkCopy0000{n}", 1785420900000 + n, 1785420900000 + n, data))
    report = logs.run()
    assert report.events_added == 26 and report.lines_skipped == {"no_usage": 1, "fork_copy": 3}
    assert {e["session"] for e in logs.events("opencode")} == {SESSION}  # the original keeps its row
    # a fork copied into a second database (another channel) is the same response too
    conn.close()
    shutil.copyfile(data_dir / "opencode.db", data_dir / "opencode-dev.db")
    report = logs.run()  # (closing the writer checkpointed the WAL: opencode.db is read again too)
    assert report.events_added == 0 and len(logs.events("opencode")) == 26


def test_a_deleted_database_keeps_its_rows(logs, data_dir):
    real_database(data_dir / "opencode.db").close()
    logs.run()
    for name in os.listdir(data_dir):
        os.unlink(data_dir / name)
    logs.run()
    assert len(logs.events("opencode")) == 26


# -- the 2.0 runtime ---------------------------------------------------------------------
def test_session_message_rows_and_their_copy_in_message(logs, data_dir):
    conn = real_database(data_dir / "opencode.db")
    v2 = {"id": "msg_fd0000000001SessionMsg0001", "session_id": SESSION, "created": 1785600000000,
          "data": {"id": "msg_fd0000000001SessionMsg0001", "type": "assistant", "agent": "build",
                   "model": {"id": "claude-opus-4-6", "providerID": "anthropic"},
                   "content": [{"type": "tool", "id": "toolu_1", "name": "read", "state": {"status": "completed"}}],
                   "finish": "tool-calls", "cost": 0.5,
                   "tokens": {"input": 100, "output": 50, "reasoning": 30, "cache": {"read": 2000, "write": 300}},
                   "time": {"created": 1785600000000, "completed": 1785600004000}}}
    insert(conn, v2, table="session_message")
    # the same response in the 1.x projection (a 2.0 build may keep both)
    insert(conn, assistant("msg_fd0000000001SessionMsg0001", 1785600000000,
                           {"input": 100, "output": 50, "reasoning": 30, "cache": {"read": 2000, "write": 300}},
                           model="claude-opus-4-6"))
    insert(conn, {"id": "msg_fd0000000002UserPrompt001", "session_id": SESSION, "created": 1785600000001,
                  "type": "user", "seq": 2, "data": {"type": "user", "text": "SECRET PROMPT"}}, table="session_message")
    conn.close()
    report = logs.run()
    assert report.lines_skipped == {"no_usage": 1, "duplicate": 1}
    [e] = [e for e in logs.events("opencode") if e["model"] == "claude-opus-4-6"]
    # 2.0 leaves reasoning out of output: 50 + 30
    assert tokens(e) == (100, 2000, 300, 80, 30) and e["tool_use"] == 1 and e["cwd"] == "/workspace"
    assert e["cost_pico"] > 0


# -- bad input --------------------------------------------------------------------------
def test_every_bad_record_is_counted_by_reason(logs, data_dir):
    conn = real_database(data_dir / "opencode.db")
    ok = {"input": 1, "output": 1, "reasoning": 0, "cache": {"read": 0, "write": 0}}
    insert(conn,
           {"id": "msg_z01", "session_id": SESSION, "created": 1, "data": "{not json"},
           {"id": "msg_z02", "session_id": SESSION, "created": 1, "data": "[1, 2]"},
           assistant("msg_z03", 1785700000000, dict(ok, input=-5)),
           assistant("msg_z04", 1785700000000, dict(ok, output=None)),
           assistant("msg_z05", 1785700000000, dict(ok, cache="lots")),
           assistant("msg_z06", 1785700000000, "many"),
           assistant("msg_z07", 1785700000000, ok, model=""),
           assistant("msg_z08", 1785700000000, ok, time={"created": "yesterday", "completed": 1}),
           {"id": "msg_z09", "session_id": SESSION, "created": 1, "data": {"role": "hologram"}},
           assistant("msg_z10", 1785700000000, dict(ok, input=2**63)),  # past SQLite's integers
           assistant("msg_z11", 1785700000001, ok))
    conn.close()
    report = logs.run()
    assert report.errors == []
    assert dict(report.lines_skipped) == {"no_usage": 1, "invalid_json": 1, "not_an_object": 1, "bad_number": 5,
                                          "missing_model": 1, "bad_timestamp": 1, "unknown_kind": 1}
    assert report.events_added == 27


def test_a_database_that_is_not_opencodes(logs, data_dir):
    support.other_database(data_dir / "opencode-old.db", "CREATE TABLE conversations (id TEXT, body TEXT)")
    (data_dir / "opencode-broken.db").write_bytes(b"not a database" * 200)
    report = logs.run()
    assert report.lines_skipped == {"unknown_kind": 1, "file_error": 1} and report.files_failed == 1
    assert "opencode-broken.db: cannot read (cannot read as an SQLite database" in report.errors[0]


# -- models and prices -----------------------------------------------------------------
def test_provider_ids_and_model_names_map_to_prices(logs, data_dir):
    conn = real_database(data_dir / "opencode.db")
    counts = {"input": 1000, "output": 100, "reasoning": 0, "cache": {"read": 0, "write": 0}}
    insert(conn,
           assistant("msg_p01", 1785800000000, counts, model="eu.anthropic.claude-opus-4-6-v1",
                     provider="amazon-bedrock"),
           assistant("msg_p02", 1785800000001, counts, model="gemini-3-pro-high", provider="google"),
           assistant("msg_p03", 1785800000002, counts, model="anthropic/claude-sonnet-4.5", provider="openrouter"),
           assistant("msg_p04", 1785800000003, counts, model="big-pickle", provider="opencode"),
           assistant("msg_p05", 1785800000004, counts, model="grok-code-fast-1", provider="xai"))
    conn.close()
    logs.run()
    got = {e["key"].split(":")[0]: (e["model"], e["provider"], e["cost_pico"] is not None)
           for e in logs.events("opencode") if e["ts_ms"] >= 1785800000000}
    assert got == {
        "1785800000000": ("eu.anthropic.claude-opus-4-6-v1", "aws", True),
        "1785800000001": ("gemini-3-pro-preview", "google", True),  # an alias ccusage knows too
        "1785800000002": ("anthropic/claude-sonnet-4.5", "openrouter", True),
        "1785800000003": ("big-pickle", "opencode", False),  # OpenCode Zen's own model: unpriced, never $0
        "1785800000004": ("grok-code-fast-1", "x-ai", True),
    }


# -- where it looks ---------------------------------------------------------------------
def test_xdg_data_home_opencode_data_dir_and_opencode_db(logs, tmp_path, monkeypatch):
    xdg = tmp_path / "xdg"
    real_database(xdg / "opencode" / "opencode.db").close()
    monkeypatch.setenv("XDG_DATA_HOME", str(xdg))
    assert plugin.roots(None) == [xdg / "opencode"]
    assert logs.run().events_added == 26
    monkeypatch.delenv("XDG_DATA_HOME")
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(FIXTURES / "home" / ".local" / "share" / "opencode", elsewhere / "a")
    monkeypatch.setenv("OPENCODE_DATA_DIR", f"{elsewhere / 'a'}, {elsewhere / 'missing'}")
    assert plugin.roots(None) == [elsewhere / "a"]
    assert logs.run().events_added == 5
    monkeypatch.delenv("OPENCODE_DATA_DIR")
    named = tmp_path / "dbs" / "mine.db"
    real_database(named).close()
    monkeypatch.setenv("OPENCODE_DB", str(named))
    found = [Path(s.path).name for s in plugin.discover(None, [])]
    assert found == ["mine.db"]


def test_an_extra_folder_is_claimed_when_it_holds_opencodes_data(tmp_path):
    copy = tmp_path / "backup"
    assert plugin.claim(copy) is None
    (copy / "storage" / "message").mkdir(parents=True)
    assert plugin.claim(copy) == copy
    other = tmp_path / "other"
    other.mkdir()
    (other / "opencode-beta.db").write_bytes(b"")
    assert plugin.claim(other) == other
    (tmp_path / "nothing").mkdir()
    assert plugin.claim(tmp_path / "nothing") is None


def test_only_the_message_files_and_databases_are_walked(logs, data_dir):
    shutil.copytree(FIXTURES / "home", logs.home, dirs_exist_ok=True)
    for noise in ("storage/part/msg_1/prt_1.json", "storage/session_diff/ses_1.json", "snapshot/x/config.json",
                  "log/2026.json", "opencode.db-shm"):
        (data_dir / noise).parent.mkdir(parents=True, exist_ok=True)
        (data_dir / noise).write_text("{}")
    names = sorted(Path(s.path).name for s in plugin.discover(None, []))
    assert len(names) == 6 and all(n.startswith("msg_") for n in names)
