"""Compare tracker and ccusage 20.0.24 per day x model on the same agent fixture files (not collected by pytest).

For each agent both read (Antigravity, GitHub Copilot CLI, Qwen Code, Kimi CLI, Droid, pi, OpenClaw), the
fixture home under tests/agents/fixtures/<kind>/home is copied to a scratch
HOME; `tracker` imports it (in this process, a scratch store) and
`ccusage <agent> daily --json --offline --timezone UTC` reads it. The table
prints both figures per UTC day x model and token class, and marks each
difference; docs/agents/<kind>.md says which figure is right and why.

    python tests/benchmarks/compare_ccusage_agents.py --ccusage /tmp/ccusage/node_modules/.bin/ccusage [KIND ...]

ccusage: `npm install --prefix /tmp/ccusage ccusage@20.0.24` (or ../shared/bench's pinned copy).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "agents" / "fixtures"
# kind -> (ccusage's subcommand, what to prepare in the scratch home before reading)
AGENTS = {
    "antigravity": "antigravity",
    "copilot_cli": "copilot",
    "qwen_code": "qwen",
    "kimi_cli": "kimi",
    "droid": "droid",
    "pi": "pi",
    "openclaw": "openclaw",
}
CLASSES = ("input", "cache_read", "cache_write", "output")


def prepare_home(kind: str, home: Path) -> None:
    """The fixture home as the agent lays it out (the Copilot session store built from its SQL)."""
    shutil.copytree(FIXTURES / kind / "home", home, dirs_exist_ok=True)
    for sql in home.rglob("*.sql"):
        conn = sqlite3.connect(sql.with_suffix(".db"))
        conn.executescript(sql.read_text())
        conn.close()
        sql.unlink()


def tracker_figures(kind: str, home: Path, scratch: Path) -> dict:
    os.environ["HOME"] = str(home)
    os.environ["TRACKER_HOME"] = str(scratch / "tracker-home")
    from tracker.pricing import Pricer
    from tracker.services.log_import import import_logs
    from tracker.sources import registry
    from tracker.storage import open_store

    for source in registry.sources().values():
        for place in source.places:
            if place.env:
                os.environ.pop(place.env, None)
    store = open_store(scratch / f"{kind}.db")
    try:
        import_logs(store, Pricer(), roots={kind: registry.sources()[kind].roots(None)}, workers=1)
        rows = store.conn.execute(
            "SELECT ts_ms, model, input_tokens, cache_read_tokens, cache_write_5m_tokens + cache_write_1h_tokens, "
            "output_tokens, reasoning_tokens, cost_pico FROM events WHERE source = ?", (kind,)).fetchall()
    finally:
        store.close()
    figures: dict = defaultdict(lambda: defaultdict(int))
    for ts_ms, model, inp, cr, cw, out, reasoning, cost in rows:
        cell = figures[(datetime.fromtimestamp(ts_ms / 1000, timezone.utc).strftime("%Y-%m-%d"), model)]
        for name, value in zip(CLASSES + ("reasoning", "requests"), (inp, cr, cw, out, reasoning, 1)):
            cell[name] += value
        cell["cost_usd"] += (cost or 0) / 1e12
    return figures


def ccusage_figures(ccusage: str, subcommand: str, home: Path) -> dict:
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "0", "TZ": "UTC"}
    run = subprocess.run([ccusage, subcommand, "daily", "--json", "--offline", "--timezone", "UTC"],
                         capture_output=True, text=True, env=env, timeout=300)
    if run.returncode != 0:  # a finding of its own (ccusage 20.0.24 stops on an Antigravity row it cannot read)
        print(f"\nccusage {subcommand} failed: {run.stderr.strip() or run.stdout.strip()}")
        return {}
    figures: dict = defaultdict(lambda: defaultdict(int))
    for day in json.loads(run.stdout).get("daily", []):
        for m in day.get("modelBreakdowns", []):
            # ccusage labels some agents' models ("[pi] claude-sonnet-4-5"): compared without the label
            cell = figures[(day["date"], re.sub(r"^\[[^\]]+\] ", "", m["modelName"]))]
            for name, key in zip(CLASSES, ("inputTokens", "cacheReadTokens", "cacheCreationTokens", "outputTokens")):
                cell[name] += m.get(key, 0)
            cell["cost_usd"] += m.get("cost", 0.0)
    return figures


def compare(kind: str, ccusage: str) -> int:
    differences = 0
    with tempfile.TemporaryDirectory(prefix=f"compare-{kind}-") as tmp:
        scratch = Path(tmp)
        home = scratch / "home"
        prepare_home(kind, home)
        ours = tracker_figures(kind, home, scratch)
        theirs = ccusage_figures(ccusage, AGENTS[kind], home)
    print(f"\n## {kind} (ccusage {AGENTS[kind]})\n")
    print("| day | model | class | tracker | ccusage | |")
    print("| --- | --- | --- | ---: | ---: | --- |")
    for key in sorted(set(ours) | set(theirs)):
        for name in CLASSES + ("cost_usd",):
            a, b = ours.get(key, {}).get(name, 0), theirs.get(key, {}).get(name, 0)
            same = abs(a - b) < 5e-7 if name == "cost_usd" else a == b
            differences += not same
            shown = (f"{a:.6f}", f"{b:.6f}") if name == "cost_usd" else (a, b)
            print(f"| {key[0]} | {key[1]} | {name} | {shown[0]} | {shown[1]} | {'' if same else 'DIFFERS'} |")
        reasoning = ours.get(key, {}).get("reasoning", 0)
        if reasoning:
            print(f"| {key[0]} | {key[1]} | (reasoning, inside tracker's output) | {reasoning} | | |")
    print(f"\n{differences} cells differ")
    return differences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccusage", default="/tmp/ccusage/node_modules/.bin/ccusage")
    parser.add_argument("kinds", nargs="*", default=[k for k in AGENTS if (FIXTURES / k / "home").is_dir()])
    a = parser.parse_args()
    if not Path(a.ccusage).exists():
        raise SystemExit(f"{a.ccusage} missing: npm install --prefix /tmp/ccusage ccusage@20.0.24")
    version = subprocess.run([a.ccusage, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"{version}; tracker from {HERE.parent.parent}")
    for kind in a.kinds:
        compare(kind, a.ccusage)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent))
    main()
