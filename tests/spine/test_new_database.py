"""A new database is created from the stored schema (storage.new_database), which must be the migrations' own."""

from __future__ import annotations

import sqlite3

from tracker.storage import new_database, open_store
from tracker.storage.db import connect
from tracker.storage.migrations import MIGRATIONS_TABLE, migrations
from tracker.storage.quick import CREATED_SETTING

REGENERATE = "the stored schema is not the migrations': run `python -m tracker.storage.new_database`"


def _master(conn: sqlite3.Connection) -> list[tuple]:
    """sqlite_master as a schema comparison needs it (the pages tables start at may differ)."""
    return conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid").fetchall()


def _rows(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    """Every table's rows, but for the times of creation (applied_at, database_created_s)."""
    tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    rows = {table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr) for table in tables}
    rows[MIGRATIONS_TABLE] = conn.execute(f"SELECT id, migration_set, name FROM {MIGRATIONS_TABLE} ORDER BY id").fetchall()
    rows["settings"] = [row for row in rows["settings"] if row[0] != CREATED_SETTING]
    return rows


def _pragmas(conn: sqlite3.Connection) -> list:
    return [conn.execute(f"PRAGMA {name}").fetchone()[0] for name in ("user_version", "application_id", "encoding",
                                                                      "auto_vacuum", "page_size")]


def test_the_stored_schema_is_the_one_the_migrations_make(tmp_path):
    by_migrations = connect(tmp_path / "migrated.db")
    migrations.apply(by_migrations)
    from tracker.storage import new_database_schema as stored

    assert list(stored.MIGRATIONS) == migrations.names(), REGENERATE
    assert list(stored.SCHEMA) == new_database.schema_of(by_migrations), REGENERATE
    assert new_database.stored_module_text(by_migrations) == new_database.STORED_MODULE.read_text(encoding="utf-8"), \
        REGENERATE

    created = connect(tmp_path / "created.db")
    assert new_database.create(created)
    assert _master(created) == _master(by_migrations)  # statement for statement, in the same order
    assert _rows(created) == _rows(by_migrations)
    assert _pragmas(created) == _pragmas(by_migrations)
    assert migrations.pending_names(created) == [] == migrations.pending(created)
    applied = created.execute(f"SELECT applied_at FROM {MIGRATIONS_TABLE}").fetchall()
    assert len({at for (at,) in applied}) == 1 and applied[0][0].endswith("+00:00")  # sqlite-utils' format
    assert created.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert created.execute("PRAGMA foreign_key_check").fetchall() == []
    created.close()
    by_migrations.close()


def test_open_store_creates_a_new_database_from_the_stored_schema(tmp_path, monkeypatch):
    """Without sqlite-utils' migrations (which would fail here), and with the time it was created."""
    def no_migrations(*args, **kwargs):
        raise AssertionError("the migrations ran")

    monkeypatch.setattr(migrations, "apply", no_migrations)
    store = open_store(tmp_path / "new.db")
    assert migrations.pending_names(store.conn) == []
    assert store.conn.execute("SELECT value FROM settings WHERE key = ?", (CREATED_SETTING,)).fetchone() is not None
    store.close()


def test_a_migration_the_stored_schema_lacks_runs_the_migrations(tmp_path):
    """A migration added since the schema was stored: the new database is made by running them all, never from a
    stored schema without it."""
    @migrations(name="m999_test_only")
    def m999_test_only(db):
        db.execute("CREATE TABLE test_only (x INTEGER)")

    try:
        conn = connect(tmp_path / "t.db")
        assert not new_database.create(conn)
        assert _master(conn) == []  # nothing done
        conn.close()
        store = open_store(tmp_path / "new.db")
        assert migrations.pending_names(store.conn) == []
        assert store.conn.execute("SELECT count(*) FROM test_only").fetchone()[0] == 0
        store.close()
    finally:
        migrations._migrations.pop()


def test_a_failed_creation_leaves_no_schema(tmp_path, monkeypatch):
    """One transaction: a statement that fails leaves the file as empty as it was, to be created again."""
    from tracker.storage import new_database_schema as stored

    monkeypatch.setattr(stored, "SCHEMA", (*stored.SCHEMA[:5], "CREATE TABLE broken (", *stored.SCHEMA[5:]))
    conn = connect(tmp_path / "t.db")
    try:
        new_database.create(conn)
    except sqlite3.OperationalError:
        pass
    else:
        raise AssertionError("the broken statement ran")
    assert _master(conn) == []
    conn.close()
