#!/usr/bin/env python3
"""Benchmark: a first import run the way the tray app runs it, from a background thread.

Not part of the test run. The GUI syncs in a worker QThread while its main
thread draws; a CPU-heavy import in that thread competes with the GUI for the
interpreter lock. This prints, for one fresh import of a corpus:

* the import's wall time and the CPU of this process and of its workers;
* how late a 10 ms timer on the main thread fires meanwhile (median, p99, max):
  what the dashboard's event loop would feel.

  python tests/corpus/gen_logs.py --mb 1024 --out /path/to/corpora/c1000      # once, ~10 s
  python tests/benchmarks/bench_sync_thread.py --corpus /path/to/corpora/c1000 [--workers 1] [--runs 3]

`--workers 1` parses in the importing thread (the behaviour before spawned workers).
Each run is a fresh process with its own TRACKER_HOME; the corpus is only read.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

TICK_S = 0.010

CHILD = r"""
import json, os, sys, threading, time
from tracker.paths import get_paths
from tracker.services.context import open_context
from tracker.services.log_import import import_logs

workers = int(sys.argv[1]) or None
done = threading.Event()
outcome = {}

def sync():  # as the GUI's SyncWorker: a non-main thread, the process already has other threads
    try:
        ctx = open_context(get_paths().ensure())  # the worker's own connection, as in the GUI
        t0, c0 = time.perf_counter(), os.times()
        report = import_logs(ctx.store, lambda: ctx.pricer, workers=workers)
        c1 = os.times()
        outcome.update(wall=time.perf_counter() - t0, events=report.events_added,
                       cpu_self=c1.user - c0.user + c1.system - c0.system,
                       cpu_workers=c1.children_user - c0.children_user + c1.children_system - c0.children_system)
    finally:
        done.set()

late = []
thread = threading.Thread(target=sync, name="tracker-sync")
thread.start()
while not done.is_set():
    planned = time.perf_counter() + %(tick)r
    time.sleep(%(tick)r)
    late.append(max(0.0, time.perf_counter() - planned))
thread.join()
if "wall" not in outcome:
    sys.exit("the import failed")
outcome["late_ms"] = [x * 1000 for x in late]
print(json.dumps(outcome))
"""


def run_once(corpus: Path, workers: int) -> dict:
    home = corpus / "home"
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as state:
        env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")}
        env.update({"HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"),
                    "CODEX_HOME": str(home / ".codex"), "TZ": "UTC", "TRACKER_HOME": state})
        out = subprocess.run([sys.executable, "-c", CHILD % {"tick": TICK_S}, str(workers)], env=env,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            raise SystemExit(f"import failed:\n{out.stderr[-3000:]}")
        return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, required=True, help="a tests/corpus/gen_logs.py corpus (holds home/)")
    parser.add_argument("--workers", type=int, default=0, help="parse workers (0: one per core, 1: in-thread)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = []
    for _ in range(args.runs):
        r = run_once(args.corpus, args.workers)
        late = sorted(r["late_ms"])
        rows.append({"wall": r["wall"], "cpu_self": r["cpu_self"], "cpu_workers": r["cpu_workers"],
                     "events": r["events"], "late_p50": statistics.median(late),
                     "late_p99": late[min(len(late) - 1, int(len(late) * 0.99))], "late_max": late[-1]})
        print("run: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                                  for k, v in rows[-1].items()), flush=True)
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    print(f"\nmedian of {args.runs} (workers={args.workers or 'per core'}): import {med['wall']:.2f} s wall, "
          f"CPU {med['cpu_self']:.2f} s here + {med['cpu_workers']:.2f} s in workers, {int(med['events']):,} events; "
          f"a {TICK_S * 1000:.0f} ms main-thread tick late by {med['late_p50']:.1f} ms (median), "
          f"{med['late_p99']:.1f} ms (p99), {med['late_max']:.1f} ms (max)")


if __name__ == "__main__":
    main()
