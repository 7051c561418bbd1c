"""A new database's schema in one step: the one every migration together makes, stored.

Creating a database by running each migration through sqlite-utils took ~70 ms
of a first `tracker import` (importing sqlite-utils and click, one transaction
per migration, sqlite-utils' table introspection between its statements). The
schema those migrations end with is stored in new_database_schema.py, with the
names of the migrations that made it: a database with no schema yet is created
from it in one transaction, with the same records of the migrations applied
that sqlite-utils would have written.

The stored schema can never drift from the migrations: it is used only when its
names are exactly the registered migrations' (a migration added since falls
back to running them all, as before), and a test builds a database both ways
and requires the same schema, statement for statement, and the same rows
(tests/spine/test_new_database.py). After adding a migration, write the stored
schema again:

    python -m tracker.storage.new_database
"""

from __future__ import annotations

import sqlite3
import sys
from datetime import datetime, timezone
from pathlib import Path

from tracker.storage.migrations import MIGRATIONS_TABLE, migrations
from tracker.storage.transactions import write_transaction

STORED_MODULE = Path(__file__).with_name("new_database_schema.py")
# What sqlite_master holds that a statement of ours made (SQLite's own tables and the indexes of its
# constraints come with their statements)
_SCHEMA_QUERY = ("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
                 "ORDER BY rowid")


def create(conn: sqlite3.Connection) -> bool:
    """Create the migrations' schema in `conn`'s empty database from the stored one, with the records of the
    migrations applied, in one transaction. False, with nothing done, when the stored schema is not the
    registered migrations' (then they are to be run)."""
    from tracker.storage import new_database_schema as stored

    names = migrations.names()
    if list(stored.MIGRATIONS) != names:
        return False
    applied_at = str(datetime.now(timezone.utc))  # as sqlite-utils' Migrations records it
    with write_transaction(conn):
        for statement in stored.SCHEMA:
            conn.execute(statement)
        conn.executemany(f"INSERT INTO {MIGRATIONS_TABLE} (migration_set, name, applied_at) VALUES (?, ?, ?)",
                         [(migrations.name, name, applied_at) for name in names])
    return True


def schema_of(conn: sqlite3.Connection) -> list[str]:
    """The statements that make `conn`'s schema, in the order they were made."""
    return [row[0] for row in conn.execute(_SCHEMA_QUERY)]


def stored_module_text(conn: sqlite3.Connection) -> str:
    """new_database_schema.py for the schema of `conn`, made by the registered migrations."""
    lines = [
        '"""The schema the migrations make (written by `python -m tracker.storage.new_database`: do not edit).',
        "",
        "storage.new_database creates a new database from it; tests/spine/test_new_database.py checks that it is",
        'the migrations\' own."""',
        "",
        "MIGRATIONS = (",
        *(f"    {name!r}," for name in migrations.names()),
        ")",
        "",
        "SCHEMA = (",
        *(f"    {statement!r}," for statement in schema_of(conn)),
        ")",
        "",
    ]
    return "\n".join(lines)


def _write_stored_module() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrations.apply(conn)
    STORED_MODULE.write_text(stored_module_text(conn), encoding="utf-8")
    conn.close()
    sys.stdout.write(f"wrote {STORED_MODULE} ({len(migrations.names())} migrations)\n")


if __name__ == "__main__":
    _write_stored_module()
