"""A third-party agent-log source, installed as its own package, is listed and imported exactly.

The package is tests/plugins/example_package (its own pyproject.toml declares
the `tracker.sources` entry point); its logs are tests/plugins/data/example-agent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from tests.plugins.conftest import EXAMPLE_PACKAGE
from tracker.cli import main
from tracker.paths import get_paths
from tracker.sources import registry
from tracker.storage import open_store

# What the example fixture holds, counted by hand (tests/plugins/data/example-agent/sessions):
# s1.json: u1 a user message, m1 and m2 counted, m3 a negative count, m4 no model; s2.json: m1 counted
# (a model nobody prices); broken.json: a document cut short.
EXPECTED_ROWS = [
    # key, ts_ms, model, provider, session, project, input, cache read, output, priced
    ("s1:m1", 1767607200000, "claude-sonnet-4-5", "anthropic", "s1", "shop", 1200, 800, 300, True),
    ("s1:m2", 1767607260000, "gpt-5", "openai", "s1", "shop", 500, 0, 100, True),
    ("s2:m1", 1767686400250, "my-own-model", None, "s2", "blog", 10, 0, 5, False),
]
EXPECTED_SKIPPED = {"no_usage": 1, "bad_number": 1, "missing_model": 1, "invalid_json": 1}


def stored_rows(source: str = "example_agent") -> list[tuple]:
    store = open_store(get_paths().db_path)
    try:
        rows = store.conn.execute(
            "SELECT key, ts_ms, model, provider, session, project, input_tokens, cache_read_tokens, output_tokens, "
            "cost_pico IS NOT NULL FROM events WHERE source = ? ORDER BY key", (source,)).fetchall()
    finally:
        store.close()
    return [(*row[:-1], bool(row[-1])) for row in rows]


def run(*args: str) -> dict:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_plugin_is_listed_with_the_built_ins(example_installed, example_logs):
    doc = run("sources", "agents", "--json")
    agents = {a["kind"]: a for a in doc["agents"]}
    assert list(agents) == [name for name, _ in registry.BUILTIN] + ["example_agent"]  # built-ins first
    example = agents["example_agent"]
    assert example["name"] == "Example Agent" and example["origin"] == "tracker-example-source 1.0.0"
    assert example["found"] is True and example["folders"][0]["path"] == str(example_logs)
    assert example["looked_in"] == [{"path": "~/.example-agent/sessions", "env": "EXAMPLE_AGENT_HOME",
                                     "env_value": str(example_logs.parent)}]
    assert (example["files_found"], example["files_read"], example["problems"]) == (3, 0, [])
    assert agents["codex"]["origin"] == "built-in" and agents["codex"]["found"] is False
    assert agents["codex"]["looked_in"][0] == {"path": "~/.codex/sessions", "env": "CODEX_HOME", "env_value": None}
    assert doc["plugins_skipped"] == []


def test_tracker_import_reads_the_plugins_logs_exactly(example_installed, example_logs):
    report = run("import", "--json")
    assert report["by_source"]["example_agent"] == {"files_seen": 3, "files_read": 3, "events_added": 3}
    assert report["lines_skipped"] == EXPECTED_SKIPPED
    assert report["errors"] == [] and report["plugins_skipped"] == 0
    assert stored_rows() == EXPECTED_ROWS
    again = run("import", "--json")  # nothing new: three stats, nothing read, nothing added
    assert (again["files_read"], again["files_skipped"], again["events_added"]) == (0, 3, 0)
    assert run("sources", "agents", "--json")["agents"][-1]["files_read"] == 3
    daily = run("report", "daily", "--json", "--source", "example_agent", "--tz", "UTC")
    assert sum(r["requests"] for r in daily["rows"]) == 3 and daily["totals"]["unpriced_requests"] == 1


def test_the_import_text_names_the_plugin(example_installed, example_logs):
    result = CliRunner().invoke(main, ["import"], catch_exceptions=False)
    assert "example_agent: 3 files, 3 new requests" in result.output


def test_pip_installs_the_package_and_a_fresh_tracker_process_imports_it(tmp_path, example_logs):
    """The real thing: pip builds and installs the package (offline, no build isolation) into a folder that
    a separate `tracker` process finds on its path; nothing of tracker's own environment is changed."""
    setuptools = pytest.importorskip("setuptools")  # the package's build backend; 70.1 builds wheels without `wheel`
    if tuple(int(p) for p in setuptools.__version__.split(".")[:2]) < (70, 1):
        pytest.importorskip("wheel")
    source = tmp_path / "src"
    shutil.copytree(EXAMPLE_PACKAGE, source)  # pip builds in place: keep the repository clean
    target = tmp_path / "target"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                          "--no-build-isolation", "--disable-pip-version-check", "--target", str(target), str(source)],
                         capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr
    assert list(target.glob("tracker_example_source-1.0.0.dist-info/entry_points.txt"))
    env = dict(os.environ, PYTHONPATH=str(target))

    def tracker(*args: str) -> dict:
        done = subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True, env=env,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    agents = {a["kind"]: a for a in tracker("sources", "agents", "--json")["agents"]}
    assert agents["example_agent"]["origin"] == "tracker-example-source 1.0.0" and agents["example_agent"]["found"]
    report = tracker("import", "--json")
    assert report["by_source"]["example_agent"]["events_added"] == 3 and report["lines_skipped"] == EXPECTED_SKIPPED
    assert stored_rows() == EXPECTED_ROWS
    assert tracker("import", "--json")["events_added"] == 0
    # without the package on the path the plug-in is gone, and nothing fails
    del env["PYTHONPATH"]
    assert "example_agent" not in {a["kind"] for a in tracker("sources", "agents", "--json")["agents"]}
    assert stored_rows() == EXPECTED_ROWS  # its history stays


def test_an_extra_import_folder_is_claimed_by_the_plugin(example_installed, tmp_path):
    """Settings > Agent logs > extra folders: a copy of the agent's folder, recognised by the plug-in's claim."""
    from tests.plugins.conftest import EXAMPLE_LOGS
    from tracker.services.settings import set_import_folders

    copy = tmp_path / "backup-of-example-agent"
    shutil.copytree(EXAMPLE_LOGS, copy)
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    store = open_store(get_paths().db_path)
    try:
        set_import_folders(store, [str(copy), str(empty)])
    finally:
        store.close()
    result = CliRunner().invoke(main, ["import", "--json"], catch_exceptions=False)
    doc = json.loads(result.output)
    assert doc["by_source"]["example_agent"]["events_added"] == 3
    expected = ", ".join(f"{s.folder_hint} ({s.name})" for s in registry.sources().values() if s.folder_hint)
    assert expected.startswith("projects/ (Claude Code), sessions/ (Codex CLI), ")
    assert expected.endswith(", sessions/ (Example Agent)")
    assert doc["notes"] == [f"import folder {empty} holds no agent's logs (expected inside: {expected})"]
    assert len(stored_rows()) == 3
