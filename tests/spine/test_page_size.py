"""A new database is made with 8 KiB pages (storage.db.NEW_DATABASE_PAGE_BYTES); a database keeps the page size it
was made with."""

from __future__ import annotations

from tracker.storage import db, open_store


def _page_bytes(store) -> int:
    return store.conn.execute("PRAGMA page_size").fetchone()[0]


def test_a_new_database_has_8_kib_pages_and_is_in_wal(tmp_path):
    with open_store(tmp_path / "t.db") as store:
        assert _page_bytes(store) == db.NEW_DATABASE_PAGE_BYTES == 8192
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        store.set_setting("kept", 1)
    with open_store(tmp_path / "t.db") as store:
        assert _page_bytes(store) == 8192 and store.get_setting("kept") == 1


def test_a_database_made_with_4_kib_pages_keeps_them(tmp_path, monkeypatch):
    monkeypatch.setattr(db, "NEW_DATABASE_PAGE_BYTES", 4096)  # (a database made before this release)
    with open_store(tmp_path / "old.db") as store:
        store.set_setting("kept", 1)
        assert _page_bytes(store) == 4096
    monkeypatch.undo()
    with open_store(tmp_path / "old.db") as store:
        assert _page_bytes(store) == 4096 and store.get_setting("kept") == 1
