"""Gemini CLI chats: JSON and JSONL sessions, token semantics."""

from __future__ import annotations

import json

SESSION = "0b3f8f5e-1111-2222-3333-444455556666"


def gemini_msg(mid="msg-a", ts="2026-05-17T11:07:32.000Z", model="gemini-2.5-pro", **tokens):
    t = {"input": 15327, "output": 23, "cached": 11526, "thoughts": 919, "tool": 7, "total": 16276}
    t.update(tokens)
    return {"id": mid, "timestamp": ts, "type": "gemini", "content": "SECRET REPLY", "model": model, "tokens": t}


def user_msg(mid="m1"):
    return {"id": mid, "timestamp": "2026-05-17T11:07:10.000Z", "type": "user", "content": "SECRET PROMPT"}


def test_json_session_token_math(logs):
    chats = logs.gemini_tmp / "my-project" / "chats"
    chats.mkdir(parents=True)
    (chats / "session-1.json").write_text(json.dumps({
        "sessionId": SESSION, "projectHash": "9c1d", "startTime": "2026-05-17T11:07:00.000Z",
        "messages": [user_msg(), gemini_msg()],
    }))
    logs.run()
    [e] = logs.events()
    assert (e["source"], e["provider"], e["key"]) == ("gemini_cli", "google", f"{SESSION}:msg-a")
    assert (e["input_tokens"], e["cache_read_tokens"], e["output_tokens"], e["reasoning_tokens"]) \
        == (3808, 11526, 942, 919)
    assert e["project"] == "my-project" and e["cost_pico"] > 0


def test_input_without_cached_included(logs):
    chats = logs.gemini_tmp / "a" / "chats"
    # total = input + cached + output + thoughts + tool: input was already uncached
    logs.write(chats / "s.jsonl", [{"sessionId": SESSION}, gemini_msg(input=100, cached=50, output=10, thoughts=0,
                                                                      tool=0, total=160)])
    logs.run()
    [e] = logs.events()
    assert (e["input_tokens"], e["cache_read_tokens"]) == (100, 50)


def test_json_rewritten_on_every_turn_is_counted_once(logs):
    chats = logs.gemini_tmp / ("ab" * 32) / "chats"  # older builds: a hash, not a readable name
    chats.mkdir(parents=True)
    path = chats / "session-1.json"
    doc = {"sessionId": SESSION, "messages": [user_msg(), gemini_msg()]}
    path.write_text(json.dumps(doc))
    logs.run()
    doc["messages"].append(gemini_msg("msg-b", ts="2026-05-17T11:09:00.000Z", input=2000, cached=0, total=2949))
    path.write_text(json.dumps(doc, indent=1))
    report = logs.run()
    assert report.events_added == 1
    events = logs.events()
    assert [e["key"].split(":")[1] for e in events] == ["msg-a", "msg-b"]
    assert events[0]["project"] is None


def test_jsonl_repeated_id_replaces_the_earlier_record(logs):
    chats = logs.gemini_tmp / "proj" / "chats"
    path = logs.write(chats / "session-2.jsonl", [
        {"sessionId": SESSION, "projectHash": "9c1d", "startTime": "2026-05-17T11:07:00.000Z"},
        user_msg(),
        gemini_msg(output=5, total=16258),
        gemini_msg(output=23),
    ])
    report = logs.run()
    [e] = logs.events()
    assert e["output_tokens"] == 23 + 919
    assert report.lines_skipped["duplicate"] == 1
    # an append that replaces the record again, read incrementally
    logs.write(path, [gemini_msg(output=40, total=16293)], mode="a")
    logs.run()
    [e] = logs.events()
    assert e["output_tokens"] == 40 + 919 and e["session"] == SESSION


def test_project_root_file_gives_the_readable_project(logs):
    folder = logs.gemini_tmp / ("cd" * 32)
    logs.write(folder / "chats" / "s.jsonl", [{"sessionId": SESSION}, gemini_msg()])
    (folder / ".project_root").write_text("/home/u/code/web-shop\n")
    logs.run()
    [e] = logs.events()
    assert (e["project"], e["cwd"]) == ("web-shop", "/home/u/code/web-shop")


def test_other_json_files_in_tmp_are_not_chats(logs):
    logs.write(logs.gemini_tmp / "proj" / "logs.json", [json.dumps([{"message": "SECRET"}])])
    assert logs.run().files_seen == 0


def test_gemini_data_dir_and_cli_home(logs, monkeypatch, tmp_path):
    data = tmp_path / "gdata"
    logs.write(data / "p" / "chats" / "s.jsonl", [{"sessionId": "s-data"}, gemini_msg()])
    monkeypatch.setenv("GEMINI_DATA_DIR", str(data))
    logs.run()
    monkeypatch.delenv("GEMINI_DATA_DIR")
    cli_home = tmp_path / "ghome"
    logs.write(cli_home / ".gemini" / "tmp" / "p" / "chats" / "s.jsonl", [{"sessionId": "s-home"}, gemini_msg()])
    monkeypatch.setenv("GEMINI_CLI_HOME", str(cli_home))
    logs.run()
    assert sorted(e["session"] for e in logs.events()) == ["s-data", "s-home"]


def test_bad_gemini_records(logs):
    logs.write(logs.gemini_tmp / "p" / "chats" / "s.jsonl", [
        {"sessionId": SESSION},
        gemini_msg("m-null", input=None),
        gemini_msg("m-huge", input=2**63),  # past SQLite's integers: it failed the whole import
        gemini_msg("m-model", model=""),
        {"id": "x", "type": "hologram"},
        gemini_msg("m-ok"),
    ])
    report = logs.run()
    assert [e["key"] for e in logs.events()] == [f"{SESSION}:m-ok"]
    assert report.lines_skipped["bad_number"] == 2
    assert report.lines_skipped["missing_model"] == 1
    assert report.lines_skipped["unknown_kind"] == 1
