"""GitHub Copilot CLI, Qwen Code, Kimi CLI and Droid in one home: `tracker import` counts each exactly, once.

The fixture homes of the four agents (tests/agents/fixtures/<kind>/home) laid
side by side under one HOME, imported through the CLI as a user runs it.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from tracker.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
# kind -> (rows, lines looked at, skipped by reason): the per-agent tests count each by hand
EXPECTED = {
    # the span exported twice, and the two calls both the export and the session store hold
    "copilot_cli": (5 + 5 - 2, 8 + 6, {"duplicate": 1 + 2, "agent_total": 1, "not_a_span": 1, "no_usage": 1}),
    "qwen_code": (6, 5 + 2, {"duplicate": 1}),
    "kimi_cli": (5, 5 + 1 + 4, {"duplicate": 4, "no_usage": 1}),
    "droid": (3, 4, {"no_usage": 1}),
}


def cli(*args: str) -> dict:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_one_home_with_the_four_agents(tmp_path):
    home = Path.home()  # the suite's own (tests/conftest.py points HOME at a temporary folder)
    for kind in EXPECTED:
        shutil.copytree(FIXTURES / kind / "home", home, dirs_exist_ok=True)
    sql = home / ".copilot" / "session-store.sql"
    conn = sqlite3.connect(home / ".copilot" / "session-store.db")
    conn.executescript(sql.read_text())
    conn.close()
    sql.unlink()

    agents = {a["kind"]: a for a in cli("sources", "agents", "--json")["agents"]}
    assert all(agents[kind]["found"] for kind in EXPECTED)

    report = cli("import", "--json")
    for kind, (rows, lines, skipped) in EXPECTED.items():
        assert report["by_source"][kind]["events_added"] == rows, kind
    assert report["lines_parsed"] == sum(lines for _, lines, _ in EXPECTED.values())
    total_skipped: dict = {}
    for _, _, skipped in EXPECTED.values():
        for reason, n in skipped.items():
            total_skipped[reason] = total_skipped.get(reason, 0) + n
    assert report["lines_skipped"] == dict(sorted(total_skipped.items()))
    assert report["files_failed"] == 0 and report["errors"] == []

    # a WAL database its writer closed is opened immutable (a read-only open put an empty -wal and -shm beside
    # it, whose stat had the next import read the store again): nothing is left beside it, nothing read again
    assert sorted(p.name for p in (home / ".copilot").iterdir() if p.name.startswith("session-store")) == [
        "session-store.db"]
    again = cli("import", "--json")
    assert (again["files_read"], again["events_added"], again["events_written"]) == (0, 0, 0)
