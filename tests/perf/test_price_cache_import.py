"""The log import keeps what its (forked) parse workers learned in the price cache."""

from __future__ import annotations

import json
import sys

import pytest

from tests.logs.conftest import claude_line
from tracker.pricing import Pricer
from tracker.services import log_import
from tracker.storage import open_store


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parse workers are forked on Linux only")
@pytest.mark.parametrize("workers", [1, 2])
def test_import_stores_the_resolutions_of_its_workers(tmp_path, workers):
    projects = tmp_path / "claude" / "projects" / "-home-u-code-app"
    projects.mkdir(parents=True)
    days = ["2025-06-01", "2025-07-15", "2025-09-30", "2025-10-02"]
    for n, day in enumerate(days):
        lines = [claude_line(msg_id=f"msg_{n}_{i}", req_id=f"req_{n}_{i}", ts=f"{day}T1{i}:00:00.000Z",
                             session=f"s{n}") for i in range(3)]
        (projects / f"s{n}.jsonl").write_text("".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines))
    cache = tmp_path / "cache" / "prices.json"
    pricer = Pricer(cache_path=cache)
    with open_store(tmp_path / "db" / "t.db") as store:
        report = log_import.import_logs(store, pricer, roots={"claude_code": [tmp_path / "claude"]}, workers=workers)
        costs = store.conn.execute("SELECT key, cost_pico, price_id FROM events ORDER BY key").fetchall()
    assert report.events_added == 12 and all(c[1] for c in costs)
    stored_days = {entry[2] for entry in json.loads(cache.read_text())["ids"]}
    assert len(stored_days) == len(days)  # every day priced, in whichever process, is kept
    with open_store(tmp_path / "db2" / "t.db") as store:
        log_import.import_logs(store, Pricer(cache_path=cache), roots={"claude_code": [tmp_path / "claude"]}, workers=1)
        assert store.conn.execute("SELECT key, cost_pico, price_id FROM events ORDER BY key").fetchall() == costs
