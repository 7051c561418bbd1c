"""Store.cursor_stat_keys is kept between calls only while nobody changed the database."""

from __future__ import annotations

from tracker.core.records import Cursor
from tracker.storage import open_store


def _cursor(path: str, stat_key: str) -> Cursor:
    return Cursor("codex", path, {"offset": 1}, stat_key)


def test_a_commit_by_another_connection_or_by_this_one_is_seen(tmp_path):
    db = tmp_path / "tracker.db"
    with open_store(db) as tray, open_store(db) as command:
        assert tray.cursor_stat_keys("codex") == {}
        command.write_batch(cursors=[_cursor("/logs/a.jsonl", "1:2:3:4")])  # another process's import
        assert tray.cursor_stat_keys("codex") == {"/logs/a.jsonl": "1:2:3:4"}
        assert tray.cursor_stat_keys("codex") is tray.cursor_stat_keys("codex")  # kept while nothing changed
        tray.write_batch(cursors=[_cursor("/logs/a.jsonl", "1:2:9:4")])  # its own sync
        assert tray.cursor_stat_keys("codex") == {"/logs/a.jsonl": "1:2:9:4"}
        command.write_batch(cursors=[_cursor("/logs/b.jsonl", "5:6:7:8")])
        assert tray.cursor_stat_keys("codex") == {"/logs/a.jsonl": "1:2:9:4", "/logs/b.jsonl": "5:6:7:8"}
        assert tray.cursor_stat_keys("claude_code") == {}


def test_every_sources_stat_keys_in_one_pass_are_each_sources_own(tmp_path):
    from tracker.storage import quick

    db = tmp_path / "tracker.db"
    odd = "/logs/caf\udce9.jsonl"  # a name that is not UTF-8: kept as bytes, read back as the same text
    with open_store(db) as store:
        store.write_batch(cursors=[_cursor("/logs/a.jsonl", "1:2:3:4"), _cursor(odd, "9:9:9:9"),
                                   Cursor("claude_code", "/p/s.jsonl", {"offset": 2}, None)])
        every = quick.all_cursor_stat_keys(store.conn)
        assert every == {source: quick.cursor_stat_keys(store.conn, source) for source in ("codex", "claude_code")}
        assert every["codex"] == {"/logs/a.jsonl": "1:2:3:4", odd: "9:9:9:9"}
        assert store.cursor_stat_keys("codex") == every["codex"] and store.cursor_stat_keys("amp") == {}
