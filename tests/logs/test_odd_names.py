"""File and folder names that are not valid UTF-8 under the log folders (issue #24, item 1).

Such a name (a tool writing in Latin-1, an archive unpacked from another
system) reaches Python with lone surrogates. It made every import fail at the
cursor write ("surrogates not allowed") until the file was removed. Now its
lines count like any other, its cursor is found again by the next import, and
text made from the name (a session named after its file, a message) is
readable.
"""

from __future__ import annotations

import json
import os
import sys

import pytest
from click.testing import CliRunner

from tests.logs.conftest import claude_line, codex_tokens, codex_turn
from tracker.cli import main

pytestmark = pytest.mark.skipif(sys.platform in ("darwin", "win32"),
                                reason="macOS and Windows file systems refuse names that are not valid Unicode")

BAD = b"caf\xe9"  # "café" in Latin-1: not UTF-8


def bad_path(folder, name: bytes, suffix: bytes = b""):
    """A path under `folder` whose last part is the given bytes (str with surrogateescape, as os.scandir gives)."""
    return folder / os.fsdecode(name + suffix)


def seed_odd_names(logs):
    folder = bad_path(logs.claude_projects, BAD)  # a project folder with a Latin-1 name
    no_session = claude_line(msg_id="m-odd", req_id="r-odd")
    del no_session["sessionId"]  # the session is then named after the file
    logs.write(bad_path(folder, b"sess-\xff", b".jsonl"), [no_session])
    logs.write(logs.claude_projects / "-plain" / "s.jsonl", [claude_line(msg_id="m-plain", req_id="r-plain")])
    # a Codex rollout without session_meta: its thread id comes from the file name
    logs.write(bad_path(logs.codex_home / "sessions", b"rollout-\xe9", b".jsonl"),
               [codex_turn(), codex_tokens((100, 0, 10, 0))])
    chats = bad_path(logs.gemini_tmp, BAD) / "chats"  # a Gemini project folder: the project's name
    chats.mkdir(parents=True)
    (chats / "s.json").write_text(json.dumps({"messages": [
        {"id": "g1", "timestamp": "2026-05-17T11:07:32.000Z", "type": "gemini", "model": "gemini-2.5-pro",
         "tokens": {"input": 10, "output": 2, "cached": 0, "thoughts": 0, "tool": 0, "total": 12}}]}))
    return folder


def test_non_utf8_names_are_read_and_their_cursors_kept(logs):
    folder = seed_odd_names(logs)
    report = logs.run(workers=1)
    assert report.errors == [] and report.files_failed == 0
    assert report.files_read == report.files_seen == 4 and report.events_added == 4
    by_key = {e["key"]: e for e in logs.events()}
    assert by_key["m-odd"]["session"] == "sess-\\xff"  # readable text, not a lone surrogate
    codex = next(e for e in by_key.values() if e["source"] == "codex")
    assert codex["session"] == "rollout-\\xe9"
    gemini = next(e for e in by_key.values() if e["source"] == "gemini_cli")
    assert gemini["project"] == "caf\\xe9"

    again = logs.run(workers=1)  # every cursor found again: nothing is read twice
    assert again.files_unchanged == 4
    assert again.files_read == 0 and again.events_added == 0

    path = bad_path(folder, b"sess-\xff", b".jsonl")
    before = path.stat().st_size
    appended = logs.write(path, [claude_line(msg_id="m-odd2", req_id="r-odd2", session="s2")], mode="a")
    grown = logs.run(workers=1)
    assert grown.files_read == 1 and grown.events_added == 1
    assert grown.bytes_read == appended.stat().st_size - before  # read from its cursor, not from the start


def test_cursor_of_a_non_utf8_path_round_trips_in_the_store(log_store):
    from tracker.core.records import Cursor

    odd = os.fsdecode(b"/logs/caf\xe9/s.jsonl")
    plain = "/logs/cafe/s.jsonl"
    log_store.write_batch(cursors=[Cursor("claude_code", odd, {"offset": 1}, "1:2:3:4"),
                                   Cursor("claude_code", plain, {"offset": 2}, "5:6:7:8")])
    assert log_store.cursor_stat_keys("claude_code") == {odd: "1:2:3:4", plain: "5:6:7:8"}
    assert log_store.cursors("claude_code", [odd]) == {odd: {"offset": 1}}
    assert log_store.cursors("claude_code", [odd, plain]) == {odd: {"offset": 1}, plain: {"offset": 2}}
    assert log_store.get_cursor("claude_code", odd) == {"offset": 1}
    log_store.write_batch(delete_cursors=[("claude_code", odd)])
    assert log_store.cursors("claude_code") == {plain: {"offset": 2}}


def test_import_command_with_non_utf8_names_prints_json(logs):
    seed_odd_names(logs)
    result = CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["errors"] == [] and doc["events_added"] == 4
