#!/usr/bin/env python3
"""Compare: ccusage 20.0.24 and the tracker on the same agent fixture files, per day x model.

Not part of the test run (pytest collects test_*.py only). For each agent named,
the fixture files of tests/agents/fixtures/<kind>/ are laid out under a fresh
fake HOME exactly as the tests lay them out; then `ccusage <agent> daily --json
--offline --timezone UTC` and `tracker import` + `tracker report daily --json
--tz UTC --source <kind>` run over that HOME, and their token counts are printed
side by side (input, cache read, cache write, output), with every difference.
Why a figure differs, and which one is right, is in docs/agents/<kind>.md and
in the helper's report.

Usage:
  npm install --prefix /tmp/ccusage ccusage@20.0.24
  .venv/bin/python tests/benchmarks/compare_with_ccusage.py --ccusage /tmp/ccusage/node_modules/.bin/ccusage \\
      [--tracker .venv/bin/tracker] opencode goose amp
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "agents" / "fixtures"
CLASSES = ("input", "cache_read", "cache_write", "output")


def build_database(sql: Path, db: Path) -> None:
    """An SQLite database from a fixture's SQL text, where the agent keeps it."""
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    conn.executescript(sql.read_text(encoding="utf-8"))
    conn.commit()
    conn.close()


def lay_out_opencode(home: Path) -> None:
    shutil.copytree(FIXTURES / "opencode" / "home", home, dirs_exist_ok=True)
    build_database(FIXTURES / "opencode" / "opencode-1.16.0.sql", home / ".local/share/opencode/opencode.db")


def lay_out_amp(home: Path) -> None:
    shutil.copytree(FIXTURES / "amp" / "home", home, dirs_exist_ok=True)


def lay_out_goose(home: Path) -> None:
    build_database(FIXTURES / "goose" / "home" / ".local" / "share" / "goose" / "sessions" / "sessions.sql", home / ".local/share/goose/sessions/sessions.db")


# agent -> (ccusage command, tracker kind, how its files are laid out under HOME)
AGENTS: dict[str, tuple[str, str, Callable[[Path], None]]] = {
    "amp": ("amp", "amp", lay_out_amp),
    "goose": ("goose", "goose", lay_out_goose),
    "opencode": ("opencode", "opencode", lay_out_opencode),
}


def ccusage_rows(ccusage: str, command: str, env: dict) -> dict:
    out = subprocess.run([ccusage, command, "daily", "--json", "--offline", "--timezone", "UTC"],
                         env=env, capture_output=True, text=True, check=True).stdout
    rows = {}
    for day in json.loads(out).get("daily", []):
        for m in day.get("modelBreakdowns", []):
            rows[(day["date"], m["modelName"])] = (m.get("inputTokens", 0), m.get("cacheReadTokens", 0),
                                                   m.get("cacheCreationTokens", 0), m.get("outputTokens", 0))
    return rows


def tracker_rows(tracker: str, kind: str, env: dict) -> dict:
    subprocess.run([tracker, "import", "--json"], env=env, capture_output=True, check=True)
    out = subprocess.run([tracker, "report", "daily", "--json", "--tz", "UTC", "--source", kind, "--since",
                          "2000-01-01"], env=env, capture_output=True, text=True, check=True).stdout
    return {(r["date"], r["model"]): (r["input_tokens"], r["cache_read_tokens"],
                                      r["cache_write_tokens"] + r.get("cache_write_1h_tokens", 0), r["output_tokens"])
            for r in json.loads(out)["rows"]}


def compare(agent: str, ccusage: str, tracker: str) -> int:
    command, kind, lay_out = AGENTS[agent]
    scratch = Path(tempfile.mkdtemp(prefix=f"compare-{agent}-"))
    try:
        home = scratch / "home"
        home.mkdir()
        lay_out(home)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "OPENCODE", "GOOSE", "AMP"))}
        env.update(HOME=str(home), TZ="UTC", TRACKER_HOME=str(scratch / "tracker"))
        theirs, ours = ccusage_rows(ccusage, command, env), tracker_rows(tracker, kind, env)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"\n## {agent}\n\n| day | model | ccusage ({', '.join(CLASSES)}) | tracker | same |")
    print("| --- | --- | --- | --- | --- |")
    differing = 0
    for key in sorted(set(theirs) | set(ours)):
        a, b = theirs.get(key), ours.get(key)
        differing += a != b
        print(f"| {key[0]} | {key[1]} | {a or '-'} | {b or '-'} | {'yes' if a == b else 'NO'} |")
    return differing


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ccusage", required=True, help="the ccusage 20.0.24 executable")
    parser.add_argument("--tracker", default=str(Path(sys.executable).with_name("tracker")))
    parser.add_argument("agents", nargs="+", choices=sorted(AGENTS))
    a = parser.parse_args()
    version = subprocess.run([a.ccusage, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"# ccusage {version} and tracker on tests/agents/fixtures, tokens per day x model")
    differing = sum(compare(agent, a.ccusage, a.tracker) for agent in a.agents)
    print(f"\n{differing} row(s) differ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
