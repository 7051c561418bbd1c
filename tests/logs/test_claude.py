"""Claude Code transcripts: each counting rule with hand-written lines."""

from __future__ import annotations

import json

from tests.logs.conftest import claude_line


def session_file(logs, name="sess-1", project="-home-u-code-my-app"):
    return logs.claude_projects / project / f"{name}.jsonl"


def test_one_event_per_response_with_every_token_class(logs):
    logs.write(session_file(logs), [
        {"type": "summary", "summary": "x", "leafUuid": "l"},
        {"type": "user", "message": {"role": "user", "content": "SECRET PROMPT"}, "sessionId": "sess-1",
         "timestamp": "2025-06-01T09:59:00.000Z"},
        claude_line(inp=7, out=120, cw=500, cr=4000, cw1h=100),
    ])
    report = logs.run()
    [e] = logs.events()
    assert report.events_added == 1
    assert (e["source"], e["key"], e["provider"]) == ("claude_code", "msg_1", "anthropic")
    assert (e["input_tokens"], e["output_tokens"], e["cache_read_tokens"]) == (7, 120, 4000)
    assert (e["cache_write_5m_tokens"], e["cache_write_1h_tokens"]) == (400, 100)
    assert (e["session"], e["project"], e["cwd"], e["git_branch"]) == ("sess-1", "my-app", "/home/u/code/my-app", "main")
    assert e["ts_ms"] == 1748772000000
    assert e["model"] == "claude-sonnet-4-20250514"
    assert e["cost_pico"] is not None and e["cost_pico"] > 0
    assert e["tool_use"] == 0


def test_no_prompt_or_response_text_is_stored(logs):
    logs.write(session_file(logs), [
        {"type": "user", "message": {"role": "user", "content": "SECRET PROMPT"}, "sessionId": "sess-1",
         "timestamp": "2025-06-01T09:59:00.000Z"},
        claude_line(),
    ])
    logs.run()
    logs.store.close()  # checkpoints the WAL into the file
    raw = logs.store.path.read_bytes()
    assert b"SECRET" not in raw
    assert b"msg_1" in raw  # the row is there, only the text is not


def test_streamed_copies_count_once_keeping_the_most_complete(logs):
    blocks_thinking = [{"type": "thinking", "thinking": "hmm", "signature": "s"}]
    blocks_tool = [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]
    logs.write(session_file(logs), [
        claude_line(out=1, blocks=blocks_thinking),
        claude_line(out=214, blocks=blocks_tool, ts="2025-06-01T10:00:02.000Z"),
        claude_line(out=214, blocks=blocks_tool, ts="2025-06-01T10:00:02.000Z"),
    ])
    report = logs.run()
    [e] = logs.events()
    assert e["output_tokens"] == 214
    assert e["tool_use"] == 1
    assert report.lines_skipped["duplicate"] == 2


def test_copies_in_other_files_count_as_duplicates_wherever_the_write_batches_end(logs, monkeypatch):
    """The same response in two files (a session copied to a second place): one request, one duplicate, one
    request written, whether the two files' rows were written in one batch or two (batches end where the workers' results
    happen to fill them: the count shown must not move with that), on a first import (into an empty
    table) as on a later one."""
    from tracker.services import log_import

    line = claude_line(out=214)
    logs.write(session_file(logs, "other"), [claude_line(out=9, msg_id="msg_other", req_id="req_other")])
    copies = [session_file(logs, "sess-1"), session_file(logs, "sess-1", project="-home-u-elsewhere")]
    counts = {}
    for later in (False, True):
        for batch_events in (1, 10_000):
            monkeypatch.setattr(log_import, "BATCH_EVENTS", batch_events)
            logs.store.conn.execute("DELETE FROM cursors")  # read every file again, from the start
            logs.store.conn.execute("DELETE FROM events")
            for path in copies:
                path.unlink(missing_ok=True)
            if later:
                logs.run()  # the other session first: the copies come to a table that has events
            for path in copies:
                logs.write(path, [line])
            report = logs.run()
            counts[(later, batch_events)] = (report.lines_skipped["duplicate"], report.events_added,
                                             report.events_written)
            assert len(logs.events()) == 2
    # (duplicates, requests added, requests written): the copy is one request, written once by the import (a
    # first import reads the other session too)
    assert counts == {(False, 1): (1, 2, 2), (False, 10_000): (1, 2, 2), (True, 1): (1, 1, 1),
                      (True, 10_000): (1, 1, 1)}


def test_a_tool_call_in_any_streamed_block_marks_the_request(logs):
    """The tool_use block came first and the final, most complete copy was a text block: the request
    was stored as without tools, which nudges read as a possibly simple request."""
    blocks_tool = [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]
    blocks_text = [{"type": "text", "text": "done"}]
    logs.write(session_file(logs), [claude_line(out=120, blocks=blocks_tool),
                                    claude_line(out=180, blocks=blocks_text, ts="2025-06-01T10:00:03.000Z")])
    logs.run()
    [e] = logs.events()
    assert (e["output_tokens"], e["tool_use"]) == (180, 1)


def test_duplicate_across_files_keeps_the_most_complete_whatever_the_order(logs):
    logs.write(session_file(logs, "b-resumed"), [claude_line(out=5, session="b-resumed")])
    logs.run()
    logs.write(session_file(logs, "a-original"), [claude_line(out=300, session="a-original")])
    logs.run()
    logs.write(session_file(logs, "c-stale"), [claude_line(out=2, session="c-stale")])
    logs.run()
    [e] = logs.events()
    assert e["output_tokens"] == 300


def test_sidechain_replay_with_another_request_id_counts_once(logs):
    logs.write(session_file(logs), [claude_line(msg_id="msg_parent", req_id="req_a")])
    sub = logs.claude_projects / "-home-u-code-my-app" / "sess-1" / "subagents" / "agent-x.jsonl"
    logs.write(sub, [
        claude_line(msg_id="msg_parent", req_id="req_b", sidechain=True),  # replay of the parent's message
        claude_line(msg_id="msg_sub", req_id="req_c", sidechain=True, out=42),  # the sub-agent's own call
    ])
    flat = logs.claude_projects / "-home-u-code-my-app" / "agent-old.jsonl"  # older flat layout
    logs.write(flat, [claude_line(msg_id="msg_flat", req_id="req_d", sidechain=True, out=9)])
    logs.run()
    events = {e["key"]: e for e in logs.events()}
    assert set(events) == {"msg_parent", "msg_sub", "msg_flat"}
    assert events["msg_sub"]["session"] == "sess-1"  # sidechains carry the parent's session
    assert events["msg_parent"]["output_tokens"] == 100


def test_synthetic_error_lines_are_skipped_and_counted(logs):
    logs.write(session_file(logs), [
        claude_line(msg_id="msg_err", model="<synthetic>", inp=0, out=0, cw=0, cr=0, isApiErrorMessage=True),
        claude_line(),
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events()] == ["msg_1"]
    assert report.lines_skipped["synthetic"] == 1


def test_journal_files_are_ignored(logs):
    journal = logs.claude_projects / "-p" / "sess" / "subagents" / "journal.jsonl"
    logs.write(journal, [claude_line()])
    assert logs.run().files_seen == 0


def test_bad_values_are_skipped_per_reason(logs):
    logs.write(session_file(logs), [
        claude_line(msg_id="m_null", inp=None),
        claude_line(msg_id="m_neg", out=-5),
        claude_line(msg_id="m_text", cr="many"),
        claude_line(msg_id="m_ts", ts="yesterday"),
        claude_line(msg_id="m_model", model=None),
        claude_line(msg_id="m_huge", out=10**9 + 1),  # no request writes a billion tokens
        claude_line(msg_id="m_int64", cr=2**63),  # past SQLite's integers: it failed the whole import
        claude_line(msg_id="m_uint64", inp=2**64 + 1),
        claude_line(msg_id="m_ok"),
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events()] == ["m_ok"]
    assert report.lines_skipped["bad_number"] == 6 and not report.errors
    assert report.lines_skipped["bad_timestamp"] == 1
    assert report.lines_skipped["missing_model"] == 1


def test_usage_inside_tool_output_is_not_a_response(logs):
    tool_result = {"type": "user", "sessionId": "s", "timestamp": "2025-06-01T10:00:00.000Z",
                   "message": {"role": "user", "content": [{"type": "tool_result", "content": "x"}]},
                   "toolUseResult": {"usage": {"input_tokens": 999, "output_tokens": 999}}}
    logs.write(session_file(logs), [tool_result, claude_line()])
    report = logs.run()
    assert len(logs.events()) == 1
    assert report.lines_skipped["no_usage"] == 1


def test_minimal_line_without_content_or_type_is_read(logs):
    line = {"timestamp": "2026-01-09T10:00:00.000Z", "sessionId": "session-alpha",
            "message": {"role": "assistant", "id": "msg-alpha-1", "model": "claude-sonnet-4-20250514",
                        "usage": {"input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 25,
                                  "cache_read_input_tokens": 10}},
            "requestId": "req-alpha-1", "costUSD": 0.12, "version": "1.0.0"}
    logs.write(session_file(logs), [line])
    logs.run()
    [e] = logs.events()
    assert (e["input_tokens"], e["output_tokens"], e["cache_write_5m_tokens"], e["cache_read_tokens"]) == (100, 50, 25, 10)
    assert e["project"] is None and e["session"] == "session-alpha"


def test_unknown_model_is_unpriced_not_free(logs):
    logs.write(session_file(logs), [claude_line(model="claude-from-the-future-9")])
    logs.run()
    [e] = logs.events()
    assert e["cost_pico"] is None


def test_roots_from_claude_config_dir_list_and_xdg(logs, monkeypatch, tmp_path):
    a, b = tmp_path / "cfg-a", tmp_path / "cfg-b" / "projects"
    logs.write(a / "projects" / "-p" / "s1.jsonl", [claude_line(msg_id="m_a")])
    logs.write(b / "-p" / "s2.jsonl", [claude_line(msg_id="m_b")])
    logs.write(logs.claude_projects / "-p" / "s3.jsonl", [claude_line(msg_id="m_home")])
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", f"{a}, {b}")
    logs.run()
    assert {e["key"] for e in logs.events()} == {"m_a", "m_b"}  # the variable replaces the defaults
    monkeypatch.delenv("CLAUDE_CONFIG_DIR")
    logs.write(logs.home / ".config" / "claude" / "projects" / "-p" / "s4.jsonl", [claude_line(msg_id="m_xdg")])
    logs.run()
    assert {e["key"] for e in logs.events()} == {"m_a", "m_b", "m_home", "m_xdg"}


def test_unusual_key_orders_are_parsed_whole_and_counted_right(logs):
    # usage before content
    line = claude_line(msg_id="m_order", out=11)
    message = line["message"]
    line["message"] = {"usage": message["usage"], **{k: v for k, v in message.items() if k != "usage"}}
    # an envelope object with its own content list and usage, written before the message
    decoy = claude_line(msg_id="m_decoy", out=22, blocks=[{"type": "tool_use", "id": "t", "name": "Task",
                                                          "input": {"usage": {"input_tokens": 999}}}])
    decoy = {"toolUseResult": {"content": [{"type": "text", "text": "x"}], "usage": {"input_tokens": 5}}, **decoy}
    logs.write(session_file(logs), [line, decoy])
    logs.run()
    events = {e["key"]: e for e in logs.events()}
    assert events["m_order"]["output_tokens"] == 11
    assert events["m_decoy"]["output_tokens"] == 22 and events["m_decoy"]["input_tokens"] == 10
    assert events["m_decoy"]["tool_use"] == 1


REAL_LINES = [  # providers.md 5.1: two lines of one response (thinking/text block, then the tool call)
    '{"parentUuid":"4d2196f2-bd5f-45fd-9777-83d22fabe49d","isSidechain":false,"userType":"external","cwd":"/home/user/proj","sessionId":"db8f7468-d506-4477-8fb2-21f17cded409","version":"2.1.97","gitBranch":"main","message":{"model":"claude-sonnet-4-6","id":"msg_01Rws28Xg2tBY3A5fNdrk6Mf","type":"message","role":"assistant","content":[{"type":"text","text":"Let me look."}],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":3117,"cache_read_input_tokens":14723,"cache_creation":{"ephemeral_5m_input_tokens":3117,"ephemeral_1h_input_tokens":0},"output_tokens":1,"service_tier":"standard","inference_geo":"not_available"}},"requestId":"req_011CZsJ65HagaeBfrdLdKJ6h","type":"assistant","uuid":"35ceca7e-4b31-4a4a-b19b-291cfca9b2c5","timestamp":"2026-04-09T01:03:35.960Z"}',  # noqa: E501
    '{"parentUuid":"35ceca7e-4b31-4a4a-b19b-291cfca9b2c5","isSidechain":false,"userType":"external","cwd":"/home/user/proj","sessionId":"db8f7468-d506-4477-8fb2-21f17cded409","version":"2.1.97","gitBranch":"main","message":{"model":"claude-sonnet-4-6","id":"msg_01Rws28Xg2tBY3A5fNdrk6Mf","type":"message","role":"assistant","content":[{"type":"tool_use","id":"toolu_01VdNvyRGtzZvniXJGQQjvEP","name":"Glob","input":{"pattern":"**/*.go"}}],"stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":3117,"cache_read_input_tokens":14723,"cache_creation":{"ephemeral_5m_input_tokens":3117,"ephemeral_1h_input_tokens":0},"output_tokens":214,"service_tier":"standard","inference_geo":"not_available"}},"requestId":"req_011CZsJ65HagaeBfrdLdKJ6h","type":"assistant","uuid":"9a1c0c1e-6a57-4d43-9a8e-0d1f2c3b4a5e","timestamp":"2026-04-09T01:03:38.112Z"}',  # noqa: E501
]


def test_real_transcript_lines_take_the_fast_path_and_count_once(logs):
    from collections import Counter

    from tracker.core import request_rows
    from tracker.sources import claude_code
    from tracker.sources.claude_lines import decode_line

    # the typed decode applies to the real shape and agrees with the robust path
    skipped = Counter()
    fast = [claude_code._row_fast(decode_line(line.encode()), line.encode(), skipped, None, {}.setdefault, {})
            for line in REAL_LINES]
    robust = [claude_code.row_from(json.loads(line), line.encode(), skipped, None) for line in REAL_LINES]
    assert fast == robust and not skipped
    assert [row[request_rows.TOOL_USE] for row in fast] == [False, True]
    logs.write(session_file(logs), REAL_LINES)
    logs.run()
    [e] = logs.events()
    assert (e["key"], e["model"], e["output_tokens"], e["cache_write_5m_tokens"], e["cache_read_tokens"]) \
        == ("msg_01Rws28Xg2tBY3A5fNdrk6Mf", "claude-sonnet-4-6", 214, 3117, 14723)
    assert e["tool_use"] == 1 and e["project"] == "proj" and e["ts_ms"] == 1775696618112
    assert e["cost_pico"] is not None


def test_a_log_rewritten_with_spaces_is_counted_not_silently_empty(logs):
    """Claude Code writes compact JSON; a transcript re-saved by json.dumps (`"usage": {`) still counts."""
    spaced = [json.dumps(claude_line(msg_id=f"msg_{i}", req_id=f"req_{i}", out=10 + i)) for i in range(3)]
    assert '"usage": {' in spaced[0]
    logs.write(session_file(logs), spaced + ['{"type": "user", "toolUseResult": {"usage": null}}'])
    report = logs.run()
    assert [e["output_tokens"] for e in logs.events()] == [10, 11, 12]
    assert report.events_added == 3 and report.lines_skipped["no_usage"] == 1  # the rest is counted, not lost


def test_one_file_mixing_compact_and_spaced_lines_counts_every_line(logs):
    """Compact and spaced lines in one block: the spaced ones were searched for only in a block with no
    compact usage at all, so here they were dropped without a word (issue #24, item 4)."""
    compact = [json.dumps(claude_line(msg_id=f"msg_c{i}", req_id=f"req_c{i}", out=10 + i), separators=(",", ":"))
               for i in range(2)]
    spaced = [json.dumps(claude_line(msg_id="msg_s0", req_id="req_s0", out=20)),  # json.dumps: '"usage": {'
              json.dumps(claude_line(msg_id="msg_s1", req_id="req_s1", out=21), indent=None,
                         separators=(" , ", " : ")),  # '"usage" : {'
              json.dumps(claude_line(msg_id="msg_s2", req_id="req_s2", out=22)).replace('"usage": {', '"usage":\t{')]
    assert '"usage":{' in compact[0] and '"usage" : {' in spaced[1] and '"usage":\t{' in spaced[2]
    logs.write(session_file(logs), [compact[0], spaced[0], spaced[1], compact[1], spaced[2]])
    report = logs.run()
    assert sorted(e["output_tokens"] for e in logs.events()) == [10, 11, 20, 21, 22]
    assert report.events_added == 5 and report.lines_parsed == 5 and not report.lines_skipped


def test_a_replay_read_in_a_later_import_does_not_move_the_request(logs):
    """A sidechain copy of a message (same id, same tokens) written after midnight in another folder
    moved the stored request to its own day and project when a later import read it."""
    logs.write(session_file(logs), [claude_line(msg_id="msg_X", ts="2026-04-09T23:59:50.000Z", cwd="/home/u/proj")])
    logs.run()
    agent = logs.claude_projects / "-home-u-proj" / "sess-1" / "subagents" / "agent-1.jsonl"
    logs.write(agent, [claude_line(msg_id="msg_X", req_id="req_other", ts="2026-04-10T00:00:10.000Z",
                                   cwd="/home/u/other", sidechain=True)])
    logs.run()
    [e] = logs.events()
    assert (e["ts_ms"], e["project"]) == (1775779190000, "proj")  # still the main copy's


def test_a_sidechain_copy_with_more_tokens_never_replaces_the_main_copy(logs):
    main = claude_line(msg_id="msg_M", out=100, ts="2026-04-09T10:00:00.000Z", cwd="/home/u/proj")
    replay = claude_line(msg_id="msg_M", req_id="req_side", out=500, ts="2026-04-09T11:00:00.000Z",
                         cwd="/home/u/other", sidechain=True)
    agent = logs.claude_projects / "-home-u-proj" / "sess-1" / "subagents" / "agent-1.jsonl"
    # the sidechain read first (an earlier import), then the main copy: the main copy takes over
    logs.write(agent, [replay])
    logs.run()
    [e] = logs.events()
    assert (e["output_tokens"], e["sidechain"]) == (500, 1)
    logs.write(session_file(logs), [main])
    logs.run()
    [e] = logs.events()
    assert (e["output_tokens"], e["project"], e["sidechain"]) == (100, "proj", 0)
    # a later sidechain copy with still more tokens changes nothing; nor in one file, either order
    logs.write(agent, [dict(replay, message=dict(replay["message"], usage=dict(replay["message"]["usage"],
                                                                               output_tokens=900)))], mode="a")
    logs.run()
    [e] = logs.events()
    assert e["output_tokens"] == 100
    mixed = logs.claude_projects / "-home-u-proj" / "mixed.jsonl"
    logs.write(mixed, [claude_line(msg_id="msg_N", req_id="r1", out=700, sidechain=True),
                       claude_line(msg_id="msg_N", req_id="r2", out=50),
                       claude_line(msg_id="msg_N", req_id="r3", out=800, sidechain=True)])
    logs.run()
    assert {e["key"]: e["output_tokens"] for e in logs.events()}["msg_N"] == 50


def test_fast_mode_is_priced_as_fast_mode(logs):
    lines = [claude_line(msg_id="msg_std", model="claude-opus-4-6", ts="2026-06-01T10:00:00.000Z",
                         inp=1000, cw=0, cr=0, out=500),
             claude_line(msg_id="msg_fast", model="claude-opus-4-6", ts="2026-06-01T10:01:00.000Z",
                         inp=1000, cw=0, cr=0, out=500)]
    lines[1]["message"]["usage"]["speed"] = "fast"
    logs.write(session_file(logs), lines)
    logs.run()
    events = {e["key"]: e for e in logs.events()}
    assert events["msg_std"]["cost_pico"] == 17_500_000_000  # $5 / $25 per MTok
    assert events["msg_fast"]["speed"] == "fast"
    assert events["msg_fast"]["cost_pico"] == 6 * 17_500_000_000  # $30 / $150 per MTok
    assert events["msg_fast"]["partly_priced"] is None


def test_web_searches_are_priced_per_search(logs):
    line = claude_line(msg_id="msg_ws", model="claude-sonnet-4-20250514", ts="2026-06-01T10:00:00.000Z",
                       inp=1000, cw=0, cr=0, out=500)
    line["message"]["usage"]["server_tool_use"] = {"web_search_requests": 4, "web_fetch_requests": 1}
    logs.write(session_file(logs), [line, '{"type":"assistant","timestamp":"2026-06-01T10:00:01.000Z","message":'
                                          '{"id":"msg_bad","model":"claude-sonnet-4-20250514","usage":'
                                          '{"input_tokens":1,"server_tool_use":{"web_search_requests":-3}}}}'])
    report = logs.run()
    [e] = logs.events()
    assert json.loads(e["units"]) == {"web_searches": 4}
    assert e["cost_pico"] == 1000 * 3_000_000 + 500 * 15_000_000 + 4 * 10_000_000_000  # $10 per 1,000 searches
    assert report.lines_skipped["bad_number"] == 1
