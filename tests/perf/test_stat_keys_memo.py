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
