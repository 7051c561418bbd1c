"""Helpers for the agent-source tests: fixture homes copied under the test's HOME, an importer, the rows."""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tracker.pricing import Pricer
from tracker.services.log_import import import_logs
from tracker.storage import open_store

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def agents_pricer():
    return Pricer()


class Agents:
    """The test's HOME (the root conftest makes it empty) with fixtures copied in, and a store to import into."""

    def __init__(self, home: Path, store, pricer):
        self.home, self.store, self.pricer = home, store, pricer

    def copy(self, fixture: str, to: Path | None = None) -> Path:
        """tests/agents/fixtures/<fixture> copied to `to` (default: the home itself)."""
        target = to or self.home
        shutil.copytree(FIXTURES / fixture, target, dirs_exist_ok=True)
        return target

    def run(self, **kwargs):
        return import_logs(self.store, self.pricer, workers=1, **kwargs)

    def events(self, source: str) -> list[dict]:
        cur = self.store.conn.execute("SELECT * FROM events WHERE source = ? ORDER BY ts_ms, key", (source,))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    def by_day_model(self, source: str) -> dict:
        """{(UTC day, model): [input, cache read, cache write, output, requests]} of the stored rows."""
        totals = defaultdict(lambda: [0, 0, 0, 0, 0])
        for e in self.events(source):
            day = datetime.fromtimestamp(e["ts_ms"] / 1000, timezone.utc).date().isoformat()
            t = totals[(day, e["model"])]
            t[0] += e["input_tokens"]
            t[1] += e["cache_read_tokens"]
            t[2] += e["cache_write_5m_tokens"] + e["cache_write_1h_tokens"]
            t[3] += e["output_tokens"]
            t[4] += 1
        return dict(totals)


@pytest.fixture
def agents(tmp_path, agents_pricer):
    home = Path(os.environ["HOME"])
    home.mkdir(parents=True, exist_ok=True)
    store = open_store(tmp_path / "db" / "tracker.db")
    yield Agents(home, store, agents_pricer)
    store.close()
