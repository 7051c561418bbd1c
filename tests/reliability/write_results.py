"""Write tests/reliability/RESULTS.md from the JSON figures of a full run.

    RELIABILITY_FULL=1 python -m pytest tests/reliability -q -s
    python -m tests.reliability.write_results
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"

SECTIONS = [
    ("faults_poll", "Faults: provider polls against the fake servers"),
    ("faults_log_import", "Faults: log import of a corpus that grows mid-line"),
    ("crash_import", "Crashes: `tracker import` SIGKILLed"),
    ("crash_poll", "Crashes: `tracker poll` SIGKILLed"),
    ("concurrency_batches", "Concurrency: readers and a batch writer"),
    ("concurrency_gui_import", "Concurrency: dashboard services and a real import"),
    ("bad_input", "Bad input: property-based tests of every parser"),
    ("environment_full_disk", "Environment: full disk (RLIMIT_FSIZE)"),
    ("environment_read_only", "Environment: read-only data folder"),
    ("secrets_session", "Secrets: canary keys through a full session"),
    ("secrets_tls_redirect", "Secrets: TLS and redirects"),
]


def main() -> int:
    figures = {p.stem: json.loads(p.read_text()) for p in sorted(RESULTS.glob("*.json"))}
    if not figures:
        print("no results: run RELIABILITY_FULL=1 python -m pytest tests/reliability -q -s first", file=sys.stderr)
        return 1
    lines = ["# Reliability: figures of a full run", "",
             f"Written {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `python -m "
             "tests.reliability.write_results` from `tests/reliability/results/*.json` "
             f"(Python {platform.python_version()}, {platform.system()}).", "",
             "Reproduce: `RELIABILITY_FULL=1 python -m pytest tests/reliability -q -s`. "
             "CI runs the same tests bounded (a few minutes).", ""]
    for name, title in SECTIONS:
        doc = figures.get(name)
        if doc is None:
            continue
        lines += [f"## {title}", "", "| figure | value |", "| --- | --- |"]
        for k, v in doc.items():
            if k == "full":
                continue
            if isinstance(v, dict):
                v = ", ".join(f"{a}: {b}" for a, b in v.items())
            lines.append(f"| {k.replace('_', ' ')} | {v} |")
        lines.append("")
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    print(f"wrote {HERE / 'RESULTS.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
