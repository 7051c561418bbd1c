"""Cursors: appends, truncation, replacement, half lines, deletion, growth while reading, bad bytes."""

from __future__ import annotations

import json
import os

import pytest

from tests.logs.conftest import claude_line
from tracker.services.log_import import import_logs
from tracker.sources import claude_code
from tracker.sources import logfiles as lf


def encode(line: dict) -> bytes:
    return json.dumps(line, separators=(",", ":")).encode() + b"\n"


def path_of(logs, name="s1"):
    return logs.claude_projects / "-home-u-code-app" / f"{name}.jsonl"


def test_second_run_reads_nothing_and_an_append_reads_only_the_new_bytes(logs):
    path = logs.write(path_of(logs), [claude_line(msg_id=f"m{i}") for i in range(5)])
    first = logs.run()
    assert (first.files_read, first.events_added) == (1, 5)
    again = logs.run()
    assert (again.files_seen, again.files_read, again.files_unchanged, again.bytes_read) == (1, 0, 1, 0)
    size = path.stat().st_size
    logs.write(path, [claude_line(msg_id="m5"), claude_line(msg_id="m6")], mode="a")
    appended = logs.run()
    assert appended.events_added == 2
    assert appended.bytes_read == path.stat().st_size - size
    assert len(logs.events()) == 7


def test_half_line_is_left_until_it_is_completed(logs):
    path = path_of(logs)
    whole = encode(claude_line(msg_id="m_half", out=77))
    logs.write(path, [claude_line(msg_id="m0")])
    with open(path, "ab") as fh:
        fh.write(whole[:50])  # the agent is mid-write
    first = logs.run()
    assert first.events_added == 1
    assert first.lines_skipped.get("invalid_json", 0) == 0  # a half line is pending, not bad
    with open(path, "ab") as fh:
        fh.write(whole[50:])
    second = logs.run()
    assert second.events_added == 1
    assert {e["key"]: e["output_tokens"] for e in logs.events()} == {"m0": 100, "m_half": 77}


def test_truncated_then_rewritten_file_is_reread_without_double_counting(logs):
    path = logs.write(path_of(logs), [claude_line(msg_id=f"m{i}") for i in range(4)])
    logs.run()
    logs.write(path, [claude_line(msg_id="m0"), claude_line(msg_id="m_new")])  # shorter, rewritten
    report = logs.run()
    assert report.files_read == 1
    assert report.events_added == 1
    assert sorted(e["key"] for e in logs.events()) == ["m0", "m1", "m2", "m3", "m_new"]


def test_replaced_file_of_same_or_larger_size_is_reread(logs):
    path = logs.write(path_of(logs), [claude_line(msg_id="m_old", session="x")])
    logs.run()
    replacement = path.with_suffix(".tmp")
    logs.write(replacement, [claude_line(msg_id="m_rep", session="y"), claude_line(msg_id="m_rep2", session="y")])
    os.replace(replacement, path)  # new inode, different first bytes
    report = logs.run()
    assert report.events_added == 2
    assert sorted(e["key"] for e in logs.events()) == ["m_old", "m_rep", "m_rep2"]


def test_deleted_file_keeps_its_history(logs):
    path = logs.write(path_of(logs), [claude_line()])
    logs.run()
    path.unlink()
    report = logs.run()
    assert report.files_seen == 0
    assert len(logs.events()) == 1


def test_file_growing_while_read_is_finished_next_time(logs):
    path = logs.write(path_of(logs), [claude_line(msg_id="m0")])
    stat = lf.FileStat.from_stat(str(path), os.stat(path))  # the size seen before the agent appends
    logs.write(path, [claude_line(msg_id="m1")], mode="a")
    result, cursor = lf.read_incremental(stat, None, claude_code.parse)
    assert [e.key for e in result.usage_events("claude_code")] == ["m0"]
    assert cursor["offset"] == stat.size
    now = lf.FileStat.from_stat(str(path), os.stat(path))
    assert now.stat_key != stat.stat_key  # its cursor keeps the size it read up to: the next import looks
    result, _ = lf.read_incremental(now, cursor, claude_code.parse)
    assert [e.key for e in result.usage_events("claude_code")] == ["m1"]


def test_bad_bytes_are_skipped_and_counted(logs, monkeypatch):
    monkeypatch.setattr(lf, "MAX_LINE_BYTES", 4096)
    monkeypatch.setattr(lf, "CHUNK_BYTES", 1024)  # huge lines span chunks
    good = encode(claude_line(msg_id="m_ok"))
    huge = encode(claude_line(msg_id="m_huge", blocks=[{"type": "text", "text": "x" * 20000}]))
    truncated = encode(claude_line(msg_id="m_trunc"))[:-40] + b"\n"
    non_utf8 = encode(claude_line(msg_id="m_bytes")).replace(b"my-app", b"my-\xff\xfeapp")
    path = path_of(logs)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\n".join([b"", b"not json", b"\x00\x00\x00", b'[1,"usage":{}]']) + b"\n"
                     + truncated + non_utf8 + huge + b'{"usage":{"x":1}}\n' + b'"usage":{}\n' + good)
    report = logs.run()
    assert [e["key"] for e in logs.events()] == ["m_ok"]
    skipped = report.lines_skipped
    assert skipped["huge_line"] == 1
    assert skipped["non_utf8"] == 1
    assert skipped["invalid_json"] == 3  # truncated, '[1,"usage":{}]' and a bare string
    assert skipped["unknown_kind"] == 1  # an object with usage but no message


def test_huge_line_longer_than_a_chunk_but_allowed_is_read(logs, monkeypatch):
    monkeypatch.setattr(lf, "CHUNK_BYTES", 1024)
    logs.write(path_of(logs), [claude_line(msg_id="m_big", blocks=[{"type": "text", "text": "y" * 50000}]),
                               claude_line(msg_id="m_after")])
    logs.run()
    assert sorted(e["key"] for e in logs.events()) == ["m_after", "m_big"]


def test_cursor_is_written_with_the_rows(logs):
    path = logs.write(path_of(logs), [claude_line()])
    logs.run()
    cursor = logs.store.get_cursor("claude_code", str(path))
    assert cursor["offset"] == path.stat().st_size
    assert cursor["size"] == path.stat().st_size and cursor["ino"] == path.stat().st_ino


def test_a_failing_file_is_reported_and_the_others_still_import(logs, monkeypatch):
    broken = logs.write(path_of(logs, "broken"), [claude_line(msg_id="m_broken")])
    logs.write(path_of(logs, "fine"), [claude_line(msg_id="m_fine")])
    real_parse = claude_code.parse

    def parse(fh, start, limit, result):
        if fh.name == str(broken):
            raise OSError(5, "Input/output error")
        real_parse(fh, start, limit, result)

    monkeypatch.setattr(claude_code, "parse", parse)
    report = logs.run()
    assert [e["key"] for e in logs.events()] == ["m_fine"]
    assert report.files_failed == 1 and "Input/output error" in report.errors[0]
    assert logs.store.get_cursor("claude_code", str(broken)) is None  # tried again next time


def test_first_import_rebuilds_the_events_indexes(logs):
    def indexes():
        return sorted(r[0] for r in logs.store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"))

    before = indexes()
    assert len(before) >= 3
    logs.write(path_of(logs), [claude_line(msg_id=f"m{i}") for i in range(3)])
    logs.run()  # into an empty table: indexes dropped during the bulk insert, then rebuilt
    assert indexes() == before
    plan = " ".join(str(r) for r in logs.store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM events WHERE ts_ms > 0"))
    assert "idx_events_ts_ms" in plan
    assert not logs.store.conn.in_transaction


def test_replaced_file_with_the_same_beginning_is_reread(logs):
    path = logs.write(path_of(logs), [claude_line(msg_id="m0"), claude_line(msg_id="m1", out=5)])
    logs.run()
    replacement = path.with_suffix(".tmp")
    # same first line, a changed second line, one more: written elsewhere and renamed over
    logs.write(replacement, [claude_line(msg_id="m0"), claude_line(msg_id="m1", out=50), claude_line(msg_id="m2")])
    os.replace(replacement, path)
    report = logs.run()
    assert report.bytes_read == path.stat().st_size  # read from the start, not from the old offset
    assert {e["key"]: e["output_tokens"] for e in logs.events()} == {"m0": 100, "m1": 50, "m2": 100}


def test_file_rewritten_in_place_past_its_old_end_is_reread(logs):
    """Same inode, same first line, truncated and written again longer: the old offset is no resume point."""
    same = [claude_line(msg_id=f"m{i}") for i in range(6)]  # more than the head hash covers
    path = logs.write(path_of(logs), same + [claude_line(msg_id="m_old", out=5)])
    logs.run()
    assert path.stat().st_size > lf.HEAD_HASH_BYTES + 400
    logs.write(path, same + [claude_line(msg_id="m_new", out=6), claude_line(msg_id="m_more")])
    report = logs.run()
    assert report.bytes_read == path.stat().st_size  # from the start: the bytes before the old offset changed
    assert {e["key"]: e["output_tokens"] for e in logs.events()} == {
        **{f"m{i}": 100 for i in range(6)}, "m_old": 5, "m_new": 6, "m_more": 100}
    assert report.lines_skipped.get("invalid_json", 0) == 0  # never resumed mid-line


def test_cursor_without_a_tail_hash_still_resumes(logs):
    """Cursors stored before the tail hash existed keep working: an append reads only the new bytes."""
    path = logs.write(path_of(logs), [claude_line(msg_id="m0")])
    logs.run()
    key = str(path)
    cursor = logs.store.cursors(claude_code.KIND)[key]
    del cursor["tail"]
    from tracker.core.records import Cursor

    logs.store.write_batch(cursors=[Cursor(claude_code.KIND, key, cursor)])
    size = path.stat().st_size
    logs.write(path, [claude_line(msg_id="m1")], mode="a")
    report = logs.run()
    assert (report.events_added, report.bytes_read) == (1, path.stat().st_size - size)


def test_cursors_from_before_stat_keys_need_no_reread_after_the_upgrade(logs, tmp_path):
    """m070 writes each log cursor's stat_key from its JSON exactly as FileStat.stat_key does."""
    from tracker.storage import open_store
    from tracker.storage.db import connect
    from tracker.storage.migrations import migrations

    paths = [logs.write(path_of(logs, f"s{n}"), [claude_line(msg_id=f"m{n}")]) for n in range(2)]
    logs.run()
    rows = logs.store.conn.execute("SELECT source, key, value, updated_ms FROM cursors ORDER BY key").fetchall()
    old = connect(tmp_path / "old.db")
    migrations.apply(old, stop_before="m070_cursor_stat_keys")
    api_cursor = ("openai", "usage/costs", '{"through_s": 1748736000}', 1)
    old.executemany("INSERT INTO cursors (source, key, value, updated_ms) VALUES (?, ?, ?, ?)", rows + [api_cursor])
    old.commit()
    old.close()
    with open_store(tmp_path / "old.db") as upgraded:
        keys = dict(upgraded.conn.execute("SELECT key, stat_key FROM cursors"))
        assert keys == {**{str(p): lf.FileStat.from_stat(str(p), os.stat(p)).stat_key for p in paths},
                        "usage/costs": None}
        again = import_logs(upgraded, logs.pricer)
    assert (again.files_seen, again.files_read, again.bytes_read) == (2, 0, 0)


def test_the_block_hook_sees_each_block_and_can_give_the_read_up(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"x":1}\n' * 2048)  # 16 KiB: four blocks of 4 KiB

    def hook(bytes_read):
        seen.append(bytes_read)
        if len(seen) == 3:
            raise KeyError("stop")

    seen = []
    previous = lf.set_block_hook(hook)
    try:
        with open(path, "rb") as fh, pytest.raises(lf.ReadAbandoned) as stopped:
            for _ in lf.iter_blocks(fh, 0, path.stat().st_size, lf.ReadResult(), chunk_bytes=4096):
                pass
    finally:
        lf.set_block_hook(previous)
    assert seen == [0, 4096, 8192] and isinstance(stopped.value.__cause__, KeyError)
