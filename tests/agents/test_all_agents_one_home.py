"""Every built-in agent in one home: `tracker import` counts each exactly as it counts that agent alone.

For each kind in the registry's BUILTIN (a new agent is included without
touching this file), its fixture home `tests/agents/fixtures/<kind>/home` is
laid out under a HOME of its own and imported through the real CLI, then all
of them under one HOME together. An export read with `tracker import FILE`
(Cursor's usage CSV) has no home: the files in its fixture folder that its
source recognises are passed as arguments. `<name>.sql` files in a fixture
home are built into the `<name>.db` beside them (the agents' SQLite stores).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from click.testing import CliRunner

from tests.agents.support import fixture_of, lay_out
from tracker.cli import main
from tracker.sources import registry

KINDS = [name for name, _ in registry.BUILTIN]  # entry-point names are the kinds
ROW_FIELDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens",
              "requests", "cost_usd", "unpriced_requests")


def cli(env: dict, *args: str) -> dict:
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def merged(reports: list[dict]) -> dict:
    """The figures of several import reports added up (per source too)."""
    total: dict = {"errors": [], "by_source": defaultdict(lambda: defaultdict(int))}
    for report in reports:
        for name in ("files_read", "files_failed", "events_added", "lines_parsed"):
            total[name] = total.get(name, 0) + report[name]
        total["errors"] += report["errors"]
        for kind, figures in report["by_source"].items():
            for name, value in figures.items():
                total["by_source"][kind][name] += value
    return total


def run(home: Path, state: Path, files: list[str]) -> tuple[dict, dict]:
    """`tracker import --json` over `home` (and `tracker import --json FILE...` for the exports: given files are
    read instead of the logs), then `tracker report daily --json --tz UTC`:
    (the imports' reports added up, {source: {(day, model): the row's figures}})."""
    env = {"HOME": str(home), "TRACKER_HOME": str(state), "TZ": "UTC"}
    imported = merged([cli(env, "import", "--json")] + ([cli(env, "import", "--json", *files)] if files else []))
    report = cli(env, "report", "daily", "--json", "--tz", "UTC")
    rows: dict = defaultdict(dict)
    for row in report["rows"]:
        key = (row["date"], row["model"])
        assert key not in rows[row["source"]], f"two report rows for {row['source']} {key}"
        rows[row["source"]][key] = tuple(row[f] for f in ROW_FIELDS)
    return imported, dict(rows)


def test_every_builtin_agent_has_a_fixture():
    missing = [kind for kind in KINDS if fixture_of(kind) == (None, [])]
    assert not missing, (
        f"no fixture for {', '.join(missing)}: add tests/agents/fixtures/<kind>/home holding the agent's files laid "
        "out under a home as the agent writes them (or, for an export read with `tracker import FILE`, the file in "
        "tests/agents/fixtures/<kind>/), so that the one-home test covers it")


def test_all_agents_in_one_home_count_as_each_alone(tmp_path):
    env_names = {place.env for source in registry.sources().values() for place in source.places if place.env}
    assert not env_names & set(os.environ), "the suite's conftest clears every agent's variable"

    alone: dict[str, dict] = {}
    for kind in KINDS:
        files = lay_out(tmp_path / kind / "home", [kind])
        imported, rows = run(tmp_path / kind / "home", tmp_path / kind / "state", files)
        assert imported["files_failed"] == 0 and imported["errors"] == [], (kind, imported["errors"])
        # nothing of this agent's is claimed or read by another source
        others = {k: v["files_seen"] for k, v in imported["by_source"].items() if k != kind and v["files_seen"]}
        assert others == {}, f"{kind}'s fixture files are seen by {others}"
        assert set(rows) <= {kind}, f"{kind}'s fixture gave rows to {set(rows) - {kind}}"
        assert rows.get(kind), f"{kind}'s fixture gave no row: it must hold at least one request"
        alone[kind] = {"rows": rows[kind], "files_seen": imported["by_source"].get(kind, {}).get("files_seen", 0),
                       "events": imported["by_source"].get(kind, {}).get("events_added", 0)}

    home, state = tmp_path / "all" / "home", tmp_path / "all" / "state"
    files = lay_out(home, KINDS)
    first, rows = run(home, state, files)
    assert first["files_failed"] == 0 and first["errors"] == []
    assert set(rows) == set(KINDS), f"no rows for {set(KINDS) - set(rows)}"
    for kind in KINDS:
        assert rows[kind] == alone[kind]["rows"], f"{kind}: together {rows[kind]} != alone {alone[kind]['rows']}"
        seen = first["by_source"].get(kind, {})
        assert (seen.get("files_seen", 0), seen.get("events_added", 0)) == (
            alone[kind]["files_seen"], alone[kind]["events"]), kind

    # SQLite puts an empty -wal and a -shm beside a WAL database the first read-only open finds without them: those
    # databases are read once more (nothing new in them); after that nothing is read at all
    second, rows_again = run(home, state, files)
    assert second["events_added"] == 0 and second["files_failed"] == 0 and rows_again == rows
    third, rows_third = run(home, state, files)
    assert (third["files_read"], third["events_added"], third["lines_parsed"]) == (0, 0, 0)
    assert rows_third == rows
