"""Rows written into a database an older version made: only the columns its schema had.

Upgrade tests stop the migrations before the one they test, then put today's
rows in; later migrations add columns that table does not have yet.
"""

from __future__ import annotations

from collections.abc import Sequence


def insert_rows(conn, table: str, columns: Sequence[str], rows: Sequence[tuple], replace: bool = False) -> None:
    """INSERT (OR REPLACE) the rows' values of the columns `table` has; the rest are left out."""
    present = {r[1] for r in conn.execute(f"PRAGMA table_info({table})")}
    keep = [i for i, name in enumerate(columns) if name in present]
    names = ", ".join(columns[i] for i in keep)
    verb = "INSERT OR REPLACE" if replace else "INSERT"
    conn.executemany(f"{verb} INTO {table} ({names}) VALUES ({', '.join('?' for _ in keep)})",
                     [tuple(row[i] for i in keep) for row in rows])
