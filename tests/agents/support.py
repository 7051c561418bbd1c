"""What the agent tests share: fixture homes laid out, an importer over the test's fake HOME, agent databases built
from SQL, exact sums."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.logs.conftest import Logs
from tracker.sources import registry

FIXTURES = Path(__file__).resolve().parent / "fixtures"

TOKEN_COLUMNS = ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens", "output_tokens", "reasoning_tokens")


def fixture_of(kind: str) -> tuple[Path | None, list[str]]:
    """(the kind's fixture home or None, the export files to pass to `tracker import`)."""
    folder = FIXTURES / kind
    home = folder / "home"
    if home.is_dir():
        return home, []
    recognises = registry.get(kind).recognises
    files = sorted(str(p) for p in folder.glob("*") if p.is_file() and recognises and recognises(p))
    return None, files


def lay_out(home: Path, kinds: list[str]) -> list[str]:
    """The kinds' fixture homes copied into `home` (SQL built into databases); the export files to pass."""
    home.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    for kind in kinds:
        fixture_home, exports = fixture_of(kind)
        if fixture_home is not None:
            shutil.copytree(fixture_home, home, dirs_exist_ok=True)
        files += exports
    for sql in sorted(home.rglob("*.sql")):
        conn = sqlite3.connect(sql.with_suffix(".db"))
        conn.executescript(sql.read_text(encoding="utf-8"))
        conn.close()
        sql.unlink()
    return files


@pytest.fixture
def logs(store, pricer) -> Logs:
    """The importer bound to a fresh store, over the fake HOME every test gets (tests/conftest.py)."""
    return Logs(Path(os.environ["HOME"]), store, pricer)


def sqlite_database(path: Path, sql: Path) -> sqlite3.Connection:
    """An agent's database built from a fixture's SQL, in WAL mode as the agents keep theirs.

    The connection stays open to write more (rows stay in the `-wal` until it closes, as while the
    agent runs); close it to have them checkpointed into the database file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.executescript(sql.read_text(encoding="utf-8"))
    return conn


def by_day_and_model(logs: Logs, source: str) -> dict:
    """{(UTC day, model): (requests, input, cache read, cache write, output, reasoning)} of one source's rows."""
    rows = logs.store.conn.execute(
        "SELECT date(ts_ms / 1000, 'unixepoch'), model, count(*), " + ", ".join(f"sum({c})" for c in TOKEN_COLUMNS) +
        " FROM events WHERE source = ? GROUP BY 1, 2 ORDER BY 1, 2", (source,)).fetchall()
    return {(day, model): tuple(rest) for day, model, *rest in rows}


def tokens(event: dict) -> tuple:
    """An event row's token classes, in TOKEN_COLUMNS order."""
    return tuple(event[c] for c in TOKEN_COLUMNS)


def other_database(path: Path, ddl: str) -> None:
    """An SQLite file where the agent keeps its database, of a shape that is not the agent's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute(ddl)
    conn.commit()
    conn.close()
