"""The store works on a plain sqlite3 connection; sqlite-utils loads only when needed."""

from __future__ import annotations

import sqlite3

import pytest

from tests.perf.test_lazy_cli import _modules_after
from tracker.storage import open_store
from tracker.storage.db import connect
from tracker.storage.migrations import migrations
from tracker.storage.quick import CREATED_SETTING


def test_opening_an_up_to_date_store_does_not_import_sqlite_utils(tmp_path):
    path = tmp_path / "t.db"
    open_store(path).close()
    loaded = _modules_after(
        "import pathlib\nfrom tracker.storage import open_store\n"
        f"s = open_store(pathlib.Path({str(path)!r}))\ns.set_setting('k', 1)\nassert s.get_setting('k') == 1\n"
        "s.cursors('claude_code')\ns.close()"
    )
    assert "tracker.storage.store" in loaded
    assert "sqlite_utils" not in loaded and "numpy" not in loaded


def test_pending_names_agree_with_sqlite_utils(tmp_path):
    conn = connect(tmp_path / "t.db")
    assert migrations.pending_names(conn) == migrations.names() == [m.name for m in migrations.pending(conn)]
    stop = migrations.names()[2]
    migrations.apply(conn, stop_before=stop)
    assert migrations.pending_names(conn) == [m.name for m in migrations.pending(conn)]
    assert migrations.pending_names(conn)[0] == stop
    migrations.apply(conn)
    assert migrations.pending_names(conn) == [] == migrations.pending(conn)
    conn.close()


def test_names_are_registered_once_and_in_order():
    names = migrations.names()
    assert names[0] == "m001_initial" and len(set(names)) == len(names) >= 7
    with pytest.raises(ValueError):
        migrations(name="m001_initial")(lambda db: None)


def _count(store) -> int:  # (besides the creation time that the new database records)
    return store.conn.execute("SELECT count(*) FROM settings WHERE key != ?", (CREATED_SETTING,)).fetchone()[0]


def test_atomic_commits_and_rolls_back(store):
    with store.atomic():
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
    assert _count(store) == 1 and not store.conn.in_transaction
    with pytest.raises(RuntimeError):
        with store.atomic():
            store.conn.execute("INSERT INTO settings (key, value) VALUES ('b', '1')")
            raise RuntimeError("boom")
    assert _count(store) == 1 and not store.conn.in_transaction


def test_nested_atomic_is_a_savepoint_and_mixes_with_sqlite_utils(store):
    with store.atomic():
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        with pytest.raises(RuntimeError):
            with store.db.atomic():  # sqlite-utils' own, nested: a savepoint
                store.conn.execute("INSERT INTO settings (key, value) VALUES ('b', '1')")
                raise RuntimeError("inner")
        with store.atomic():
            store.conn.execute("INSERT INTO settings (key, value) VALUES ('c', '1')")
        assert store.conn.in_transaction
    assert {r[0] for r in store.conn.execute("SELECT key FROM settings")} == {"a", "c", CREATED_SETTING}
    with store.db.atomic():
        with pytest.raises(sqlite3.IntegrityError):
            with store.atomic():
                store.conn.execute("INSERT INTO settings (key, value) VALUES ('a', '2')")
        store.conn.execute("INSERT INTO settings (key, value) VALUES ('d', '1')")
    assert _count(store) == 3 and not store.conn.in_transaction


def test_first_automatic_backup_skips_the_integrity_read_later_ones_do_it(tmp_path):
    """quick_check reads the whole file; it guards rotation, and the first copy rotates nothing out."""
    from tracker.storage.recovery import backup_if_due, list_backups
    from tracker.storage.store import Store

    path = tmp_path / "t.db"
    conn = connect(path)
    migrations.apply(conn)
    conn.execute("INSERT INTO events (source, key, ts_ms, model) VALUES ('claude_code', 'k', 1, 'm')")
    conn.commit()
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    first = backup_if_due(conn, path, tmp_path / "backups")
    assert first is not None and not any("quick_check" in sql for sql in seen)
    first.rename(first.with_name("t-20200101T000000-auto.db"))  # an older copy (names carry the second)
    assert backup_if_due(conn, path, tmp_path / "backups", interval_s=0) is not None  # a later day's copy
    assert any("quick_check" in sql for sql in seen)
    assert len(list_backups(tmp_path / "backups", "t")) == 2
    Store(conn, path, tmp_path / "backups").close()


def _migration_pending(path):
    """A database made by an older version: its last migration runs through sqlite-utils when it is opened (a new
    one is created from the stored schema, storage.new_database, without sqlite-utils)."""
    conn = connect(path)
    migrations.apply(conn, stop_before=migrations.names()[-1])
    conn.close()
    return path


def test_migrating_a_store_loads_sqlite_utils_without_numpy(tmp_path):
    """Migrations run through sqlite-utils: numpy (whose OpenBLAS threads spin ~0.05 s of CPU) and pandas stay
    unloaded, and stay importable for whoever needs them after."""
    loaded = _modules_after(
        "import pathlib\nfrom tracker.storage import open_store\n"
        f"s = open_store(pathlib.Path({str(_migration_pending(tmp_path / 'old.db'))!r}))\ns.db.execute('SELECT 1')\ns.close()\n"
        "import sys\nassert 'numpy' not in sys.modules and 'pandas' not in sys.modules\n"
        "import sqlite_utils.db\nassert sqlite_utils.db.np is None\n"
        "import numpy\nassert numpy.int64(2) == 2"
    )
    assert "sqlite_utils" in loaded and "numpy" in loaded  # loaded, then numpy imported on its own


def test_numpy_already_imported_is_left_to_sqlite_utils(tmp_path):
    loaded = _modules_after(
        "import numpy, pathlib\nfrom tracker.storage import open_store\n"
        f"open_store(pathlib.Path({str(_migration_pending(tmp_path / 'old.db'))!r})).close()\n"
        "import sqlite_utils.db\nassert sqlite_utils.db.np is numpy"
    )
    assert "sqlite_utils" in loaded


def test_beside_other_threads_sqlite_utils_loads_as_usual(tmp_path):
    """Hiding numpy would fail another thread's `import numpy` meanwhile (the GUI's charts): a store migrated from a
    thread that is not alone in its process (the GUI's sync) lets sqlite-utils import numpy as it always did."""
    old = _migration_pending(tmp_path / "old.db")
    loaded = _modules_after(
        "import pathlib, threading\nfrom tracker.storage import open_store\n"
        f"t = threading.Thread(target=lambda: open_store(pathlib.Path({str(old)!r})).close())\n"
        "t.start()\nt.join()\n"
        "import sqlite_utils.db\nassert sqlite_utils.db.np is not None"
    )
    assert "numpy" in loaded


def test_migrating_a_store_loads_no_sqlite_utils_plugins(tmp_path):
    """sqlite-utils' plug-ins are found by reading every installed distribution's entry points (~19 ms of a
    migration); none has any business with the tracker's own connection."""
    loaded = _modules_after(
        "import pathlib\nfrom tracker.storage import open_store\n"
        f"s = open_store(pathlib.Path({str(_migration_pending(tmp_path / 'old.db'))!r}))\ns.db.execute('SELECT 1')\ns.close()\n"
        "import sqlite_utils.plugins\nassert not sqlite_utils.plugins._plugins_loaded\n"
    )
    assert "sqlite_utils.db" in loaded  # not vacuous: the migration ran through sqlite-utils


def test_creating_a_store_loads_no_sqlite_utils(tmp_path):
    """A new database is made from the stored schema (storage.new_database): neither sqlite-utils nor click."""
    loaded = _modules_after(
        "import pathlib\nfrom tracker.storage import open_store\n"
        f"s = open_store(pathlib.Path({str(tmp_path / 'new.db')!r}))\ns.set_setting('k', 1)\ns.close()\n"
    )
    assert "tracker.storage.new_database_schema" in loaded
    assert "sqlite_utils" not in loaded and "click" not in loaded


def test_a_store_given_its_files_as_text_gives_them_as_paths(tmp_path):
    """The quick sessions report (tracker.quick) names the store's files as text, to import no pathlib; the
    store makes them Paths where they are used (a backup, the demo team's folder beside the database)."""
    from pathlib import Path

    from tracker.storage import Store

    path = tmp_path / "t.db"
    conn = connect(path)
    migrations.apply(conn)
    store = Store(conn, str(path), str(tmp_path / "backups"))
    try:
        assert store.path == path and isinstance(store.path, Path) and store.path.parent == tmp_path
        assert store.backup_dir == tmp_path / "backups" and isinstance(store.backup_dir, Path)
        copy = store.backup("manual")
        assert copy.parent == tmp_path / "backups" and copy.name.startswith("t-") and copy.exists()
    finally:
        store.close()
