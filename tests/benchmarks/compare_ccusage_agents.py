"""Compare tracker and ccusage 20.0.24 per UTC day x model x token class on the same agent fixture homes.

Not collected by pytest. For every agent both tools read (AGENTS), the agent's fixture home
(tests/agents/fixtures/<kind>/home) is laid out under a scratch HOME by the helper the agent tests use
(tests/agents/support.py `lay_out`: the fixture's SQL built into the agent's databases); tracker imports it in
this process into a scratch store, and `ccusage <agent> daily --json --offline --timezone UTC` reads it. The
table prints both figures per UTC day x model and class (input, cache read, cache write, output, cost) and marks
each difference. tests/agents/test_against_ccusage.py compares the same figures, with the same functions, against
ccusage's recorded output in CI (which has no ccusage) and declares every difference; docs/agents/<kind>.md says
which figure is right and why.

    python tests/benchmarks/compare_ccusage_agents.py [--ccusage PATH] [KIND ...]
    python tests/benchmarks/compare_ccusage_agents.py --record    # every agent: refresh the recordings

`--record` writes ccusage's raw standard output for each agent to tests/agents/fixtures/ccusage-20.0.24/<kind>.json
(where ccusage fails on the home: its exit code and error output to <kind>.failed.txt instead) and that
folder's README.md (version, command, date).

ccusage: `npm install --prefix /tmp/ccusage ccusage@20.0.24`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "agents" / "fixtures"
CCUSAGE_VERSION = "20.0.24"
RECORDINGS = FIXTURES / f"ccusage-{CCUSAGE_VERSION}"
# tracker's kind -> ccusage's subcommand for the same agent. ccusage's `kilo` reads the Kilo CLI's kilo.db, not the
# Kilo Code editor extension tracker reads; ccusage reads neither Cline, Roo Code nor Cursor's CSV.
AGENTS = {
    "amp": "amp",
    "antigravity": "antigravity",
    "claude_code": "claude",
    "codex": "codex",
    "copilot_cli": "copilot",
    "droid": "droid",
    "gemini_cli": "gemini",
    "goose": "goose",
    "grok_build": "grok",
    "hermes": "hermes",
    "kimi_cli": "kimi",
    "openclaw": "openclaw",
    "opencode": "opencode",
    "pi": "pi",
    "qwen_code": "qwen",
    "zcode": "zcode",
}
CLASSES = ("input", "cache_read", "cache_write", "output")
COST = "cost"  # picodollars; None: no price (tracker's unpriced, ccusage's $0)
# ccusage adds costs in binary floating point (0.012408500000000001): within a nanodollar is the same cost
COST_TOLERANCE_PICO = 1_000
PICO_PER_USD = 10**12
# ccusage labels some agents' models with the agent ("[pi] claude-sonnet-4-5"): compared without the label
AGENT_LABEL = re.compile(r"^\[[^\]]+\] ")
# a recorded run: ccusage's standard output, or (where it failed on the home) its exit code and error output
RECORDED_OUTPUT, RECORDED_FAILURE = ".json", ".failed.txt"


def recording_of(kind: str) -> Path | None:
    """The kind's recorded ccusage run (RECORDINGS/<kind>.json or <kind>.failed.txt), None if there is none."""
    for suffix in (RECORDED_OUTPUT, RECORDED_FAILURE):
        if (path := RECORDINGS / f"{kind}{suffix}").is_file():
            return path
    return None


def ccusage_args(kind: str) -> list[str]:
    """What ccusage is run with for the agent (after the executable)."""
    return [AGENTS[kind], "daily", "--json", "--offline", "--timezone", "UTC"]


def ccusage_env(home: Path) -> dict:
    """Only HOME moves ccusage (no agent variable from this machine), UTC, no log noise."""
    return {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "LOG_LEVEL": "0", "TZ": "UTC"}


def tracker_figures(store, kind: str) -> dict:
    """{(UTC day, model): {class: tokens, COST: picodollars or None}} of the kind's stored rows.

    A cell's cost is None when one of its requests is unpriced (tracker stores no price as NULL, never $0)."""
    figures: dict = defaultdict(lambda: dict.fromkeys(CLASSES, 0) | {COST: 0})
    rows = store.conn.execute(
        "SELECT ts_ms, model, input_tokens, cache_read_tokens, cache_write_5m_tokens + cache_write_1h_tokens, "
        "output_tokens, cost_pico FROM events WHERE source = ?", (kind,))
    for ts_ms, model, *counts, cost_pico in rows:
        cell = figures[(datetime.fromtimestamp(ts_ms / 1000, timezone.utc).strftime("%Y-%m-%d"), model)]
        for name, value in zip(CLASSES, counts):
            cell[name] += value
        cell[COST] = None if cost_pico is None or cell[COST] is None else cell[COST] + cost_pico
    return dict(figures)


def _pico(usd) -> int | None:
    """ccusage's cost (a JSON number, read as Decimal) in picodollars; $0 is how ccusage shows no price."""
    pico = round(Decimal(usd or 0) * PICO_PER_USD)
    return pico or None


def ccusage_figures(output: str) -> dict:
    """{(UTC day, model): {class: tokens, COST: picodollars or None}} from `ccusage <agent> daily --json`.

    Most agents' days list `modelBreakdowns` with a cost each; Codex's list `models` without one, and the day's
    `costUSD` is then the cost of its only model (a day of several models has no cost per model: refused)."""
    figures: dict = {}
    for day in json.loads(output, parse_float=Decimal).get("daily", []):
        if "modelBreakdowns" in day:
            breakdowns = [(m["modelName"], m, m.get("cost")) for m in day["modelBreakdowns"]]
        else:
            models = day.get("models", {})
            if len(models) > 1:
                raise ValueError(f"ccusage gives {day['date']}'s cost for {len(models)} models together")
            breakdowns = [(name, m, day.get("costUSD")) for name, m in models.items()]
        for name, m, cost in breakdowns:
            key = (day["date"], AGENT_LABEL.sub("", name))
            if key in figures:
                raise ValueError(f"ccusage lists {key} twice")
            figures[key] = {CLASSES[0]: m.get("inputTokens", 0), CLASSES[1]: m.get("cacheReadTokens", 0),
                            CLASSES[2]: m.get("cacheCreationTokens", 0), CLASSES[3]: m.get("outputTokens", 0),
                            COST: _pico(cost)}
    return figures


def same(name: str, a, b) -> bool:
    if name == COST and a is not None and b is not None:
        return abs(a - b) <= COST_TOLERANCE_PICO
    return a == b


def cells(ours: dict, theirs: dict, names=CLASSES + (COST,)) -> list[tuple]:
    """[(day, model, class, tracker's figure, ccusage's figure)] for every cell either tool has, in order.

    A (day, model) only one tool has counts 0 tokens (and no price) on the other side."""
    empty = dict.fromkeys(CLASSES, 0) | {COST: None}
    return [(day, model, name, ours.get((day, model), empty)[name], theirs.get((day, model), empty)[name])
            for day, model in sorted(set(ours) | set(theirs)) for name in names]


def differences(ours: dict, theirs: dict, names=CLASSES + (COST,)) -> dict:
    """{(day, model, class): (tracker's figure, ccusage's figure)} where they are not the same."""
    return {(day, model, name): (a, b) for day, model, name, a, b in cells(ours, theirs, names)
            if not same(name, a, b)}


def shown(name: str, value) -> str:
    if name != COST:
        return str(value)
    return "no price" if value is None else f"${Decimal(value) / PICO_PER_USD:.6f}"


def import_figures(store, pricer, kind: str) -> dict:
    """tracker's figures for the kind: its files under the current HOME imported into `store`, in this process.

    The one import both this script and tests/agents/test_against_ccusage.py run (the caller sets HOME and clears
    the agents' variables, so that only HOME moves the agent, as for ccusage)."""
    from tracker.services.log_import import import_logs
    from tracker.sources import registry

    import_logs(store, pricer, roots={kind: registry.sources()[kind].roots(None)}, workers=1)
    return tracker_figures(store, kind)


# -- the command ------------------------------------------------------------------------------------------------
def import_home(kind: str, home: Path, scratch: Path, pricer) -> dict:
    """tracker's figures for the kind's files under `home` (imported in this process, into a scratch store)."""
    from tracker.sources import registry
    from tracker.storage import open_store

    os.environ["HOME"] = str(home)
    os.environ["TRACKER_HOME"] = str(scratch / "tracker-home")
    for source in registry.sources().values():  # only HOME moves the agents here, as for ccusage
        for place in source.places:
            if place.env:
                os.environ.pop(place.env, None)
    store = open_store(scratch / "tracker.db")
    try:
        return import_figures(store, pricer, kind)
    finally:
        store.close()


def run_ccusage(ccusage: str, kind: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ccusage, *ccusage_args(kind)], capture_output=True, text=True, env=ccusage_env(home),
                          timeout=300)


def failure_text(run: subprocess.CompletedProcess, home: Path) -> str:
    """What a failed run is recorded as: its exit code, then its error output (the scratch HOME written `$HOME`)."""
    said = (run.stderr.strip() or run.stdout.strip()).replace(str(home), "$HOME")
    return f"exit code {run.returncode}\n{said}\n"


def compare(kind: str, ccusage: str, pricer, record: bool) -> int:
    """Prints the agent's table; returns how many cells differ (record: writes ccusage's output too)."""
    from tests.agents.support import lay_out

    with tempfile.TemporaryDirectory(prefix=f"compare-{kind}-") as tmp:
        scratch = Path(tmp)
        home = scratch / "home"
        lay_out(home, [kind])
        run = run_ccusage(ccusage, kind, home)
        ours = import_home(kind, home, scratch, pricer)
        failed = failure_text(run, home) if run.returncode != 0 else None
    if record:
        RECORDINGS.mkdir(parents=True, exist_ok=True)
        for stale in RECORDINGS.glob(f"{kind}.*"):
            stale.unlink()
        if failed:
            (RECORDINGS / f"{kind}{RECORDED_FAILURE}").write_text(failed, encoding="utf-8")
        else:
            (RECORDINGS / f"{kind}{RECORDED_OUTPUT}").write_text(run.stdout, encoding="utf-8")
    print(f"\n## {kind} (`ccusage {' '.join(ccusage_args(kind))}`)\n")
    if failed:  # a finding of its own (ccusage 20.0.24 stops on Antigravity's first row without a chat model)
        print(f"ccusage failed: {failed}")
    theirs = ccusage_figures(run.stdout) if not failed else {}
    print("| day | model | class | tracker | ccusage | |")
    print("| --- | --- | --- | ---: | ---: | --- |")
    differing = 0
    for day, model, name, a, b in cells(ours, theirs):
        differing += not same(name, a, b)
        print(f"| {day} | {model} | {name} | {shown(name, a)} | {shown(name, b)} | "
              f"{'' if same(name, a, b) else 'DIFFERS'} |")
    print(f"\n{differing} cells differ")
    return differing


README = """# ccusage {version}'s output on the agents' fixture homes

Recorded by `tests/benchmarks/compare_ccusage_agents.py --record` on {date} with ccusage {version} (npm package
`ccusage@{version}`, its Linux x64 binary), for tests/agents/test_against_ccusage.py, which compares tracker
with it where ccusage is not installed.

For each agent, its fixture home `tests/agents/fixtures/<kind>/home` was laid out under an otherwise empty HOME
the way the agent tests lay it out (`tests/agents/support.py` `lay_out`: `<name>.sql` built into `<name>.db`), and
ccusage run on it with only `HOME`, `PATH`, `LOG_LEVEL=0` and `TZ=UTC` in its environment:

| kind | command | recorded |
| --- | --- | --- |
{rows}

`<kind>.json` is ccusage's standard output as it printed it. `<kind>.failed.txt` is a run that failed: its exit
code on the first line, then its error output, with the scratch HOME's path written `$HOME`.
"""


def write_readme(recorded: dict[str, str]) -> None:
    rows = "\n".join(f"| {kind} | `ccusage {' '.join(ccusage_args(kind))}` | `{name}` |"
                     for kind, name in sorted(recorded.items()))
    date = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    (RECORDINGS / "README.md").write_text(README.format(version=CCUSAGE_VERSION, date=date, rows=rows),
                                          encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ccusage", default="/tmp/ccusage/node_modules/.bin/ccusage")
    parser.add_argument("--record", action="store_true",
                        help=f"write ccusage's output for every agent to {RECORDINGS.relative_to(REPO)}/")
    parser.add_argument("kinds", nargs="*", metavar="KIND", help=f"some of: {', '.join(AGENTS)} (default: all)")
    a = parser.parse_args()
    if unknown := [kind for kind in a.kinds if kind not in AGENTS]:
        parser.error(f"not an agent both read: {', '.join(unknown)}")
    if a.record and a.kinds:
        parser.error("--record records every agent (one README, one date for all)")
    a.kinds = a.kinds or list(AGENTS)
    if not Path(a.ccusage).exists():
        raise SystemExit(f"{a.ccusage} missing: npm install --prefix /tmp/ccusage ccusage@{CCUSAGE_VERSION}")
    version = subprocess.run([a.ccusage, "--version"], capture_output=True, text=True).stdout.strip()
    if a.record and version != f"ccusage {CCUSAGE_VERSION}":
        raise SystemExit(f"{version} is not ccusage {CCUSAGE_VERSION}: the recordings are of that version")
    print(f"{version}; tracker from {REPO}")
    from tracker.pricing import Pricer

    pricer = Pricer()
    total = sum(compare(kind, a.ccusage, pricer, a.record) for kind in a.kinds)
    if a.record:
        write_readme({p.name.split(".")[0]: p.name for p in RECORDINGS.iterdir() if p.name != "README.md"})
    print(f"\n{total} cells differ in all")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
