#!/usr/bin/env python3
"""Benchmark: `tracker import` + `tracker report daily` against ccusage 20.0.24, side by side.

Not part of the test run (pytest collects test_*.py only). Prints wall time,
CPU time (user+sys, children included) and peak RSS for each command, and the
ratios the import issue sets as goals, all relative to
`ccusage daily --json --offline`:

  (a) first import + daily report (fresh state)         goal <= 1.0x
  (b) second import with nothing new                    goal <= 0.05x
  (c) import after a 1 MB append to one file            goal <= 0.05x

Two rows put them in context: (a') the first import + report of the Claude Code
logs only, the files ccusage reads (CODEX_HOME pointed at an empty folder), and
the floor of (b) and (c): the interpreter starting and importing click, which
every tracker command does before any line of ours runs.

Usage:
  python tests/benchmarks/bench_import.py --bench /work/bench [--corpus DIR | --mb 1024] [--runs 3]

--bench is a writable folder where ccusage 20.0.24 is installed
(node_modules/.bin/ccusage: `npm install ccusage@20.0.24` there, or `npm ci` in a
copy of the peers' bench folder). Without --corpus, a corpus of --mb MiB is
generated with the repo's tests/corpus/gen_logs.py (seed 42) under <bench>/corpora/.
Everything runs sandboxed: HOME=<corpus>/home, TZ=UTC, TRACKER_HOME in a
temporary folder. The corpus is restored after the append runs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
GEN_LOGS = REPO / "tests" / "corpus" / "gen_logs.py"
APPEND_BYTES = 1024 * 1024


def run_timed(cmd: list[str], env: dict, stdout_path: Path | None = None) -> dict:
    """Run once; wall, user+sys CPU (with reaped children) and peak RSS from wait4()."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    try:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
    finally:
        if stdout_path:
            out.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({code}):\n{err[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}


def combine(*runs: dict) -> dict:
    return {"wall": sum(r["wall"] for r in runs), "cpu": sum(r["cpu"] for r in runs),
            "rss_mb": max(r["rss_mb"] for r in runs)}


def median(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in ("wall", "cpu", "rss_mb")}


def sandbox_env(corpus: Path, scratch: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "SYSTEMROOT")}
    home = corpus / "home"
    for sub in ("xdg-cache", "xdg-config", "xdg-data", "tmp"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"), "CODEX_HOME": str(home / ".codex"),
        "TZ": "UTC", "NO_COLOR": "1", "FORCE_COLOR": "0",
        "XDG_CACHE_HOME": str(scratch / "xdg-cache"), "XDG_CONFIG_HOME": str(scratch / "xdg-config"),
        "XDG_DATA_HOME": str(scratch / "xdg-data"), "TMPDIR": str(scratch / "tmp"),
    })
    return env


def append_megabyte(corpus: Path, tag: str) -> tuple[Path, int]:
    """Append ~1 MB of new, unique Claude lines to the largest session file; return (file, old size)."""
    files = sorted((corpus / "home" / ".claude" / "projects").rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    target = files[-1]
    size = target.stat().st_size
    source = files[len(files) // 2].read_bytes().splitlines(keepends=True)
    chunk, total, i = [], 0, 0
    while total < APPEND_BYTES:
        line = source[i % len(source)]
        if line.endswith(b"\n") and b'"usage":{' in line:
            line = line.replace(b'"id":"msg_', f'"id":"msg_{tag}{i}_'.encode()).replace(
                b'"requestId":"req_', f'"requestId":"req_{tag}{i}_'.encode())
        elif not line.endswith(b"\n"):
            line = b""
        chunk.append(line)
        total += len(line)
        i += 1
    with open(target, "ab") as fh:
        fh.write(b"".join(chunk))
    return target, size


def check_truth(corpus: Path, report_path: Path) -> str:
    """Our daily JSON against ground_truth.json, per day, model and token class (zero rows ignored)."""
    truth = json.loads((corpus / "ground_truth.json").read_text())
    doc = json.loads(report_path.read_text())
    want_cl = {(d, m): (r["input_tokens"], r["output_tokens"], r["cache_creation_input_tokens"],
                        r["cache_read_input_tokens"]) for d, ms in truth["claude"]["days"].items() for m, r in ms.items()}
    want_cx = {(d, m): (r["input_tokens"] - r["cached_input_tokens"], r["cached_input_tokens"], r["output_tokens"])
               for d, ms in truth["codex"]["days"].items() for m, r in ms.items()}
    got_cl, got_cx = {}, {}
    for row in doc["rows"]:
        key = (row["date"], row["model"])
        if row["source"] == "claude_code":
            got_cl[key] = (row["input_tokens"], row["output_tokens"], row["cache_write_tokens"], row["cache_read_tokens"])
        elif row["source"] == "codex":
            got_cx[key] = (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"])
    verdicts = []
    for name, want, got in (("claude", want_cl, got_cl), ("codex", want_cx, got_cx)):
        want = {k: v for k, v in want.items() if any(v)}
        got = {k: v for k, v in got.items() if any(v)}
        bad = sum(1 for k in set(want) | set(got) if want.get(k) != got.get(k))
        verdicts.append(f"{name}: {'EXACT' if not bad else f'{bad} day/model rows differ'} ({len(want)} rows)")
    return "; ".join(verdicts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bench", type=Path, default=Path("/work/bench"), help="writable bench copy with node_modules")
    ap.add_argument("--corpus", type=Path, help="an existing corpus (tests/corpus/gen_logs.py or compatible)")
    ap.add_argument("--mb", type=float, default=1024, help="size of the corpus to generate when --corpus is not given")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tracker", default=str(Path(sys.executable).with_name("tracker")), help="the tracker command")
    ap.add_argument("--one-file-gb", type=float, default=0,
                    help="instead: import ONE Claude file of this many GiB (built from the corpus) and report peak RSS")
    a = ap.parse_args()
    if a.one_file_gb:
        one_file(a)
        return

    ccusage = a.bench / "node_modules" / ".bin" / "ccusage"
    if not ccusage.exists():
        raise SystemExit(f"{ccusage} missing: run `npm install ccusage@20.0.24` in {a.bench}")
    corpus = a.corpus
    if corpus is None:
        corpus = a.bench / "corpora" / f"tracker-{int(a.mb)}"
        if not (corpus / "ground_truth.json").exists():
            subprocess.run([sys.executable, str(GEN_LOGS), "--mb", str(a.mb), "--out", str(corpus)], check=True)
    corpus = corpus.resolve()
    scratch = Path(tempfile.mkdtemp(prefix="bench-import-"))
    env = sandbox_env(corpus, scratch)
    size_mb = sum(p.stat().st_size for p in (corpus / "home").rglob("*.jsonl")) / 1048576
    cc_cmd = [str(ccusage), "daily", "--json", "--offline", "--timezone", "UTC"]
    imp_cmd = [a.tracker, "import", "--json"]
    rep_cmd = [a.tracker, "report", "daily", "--json", "--tz", "UTC"]
    floor_cmd = [_interpreter_of(a.tracker), "-c", "import click"]
    no_codex = scratch / "no-codex"  # (a'): the Codex logs out of sight, as they are for ccusage
    no_codex.mkdir()
    print(f"# corpus {corpus} ({size_mb:.0f} MiB), {os.cpu_count()} CPUs, runs={a.runs}, "
          f"{subprocess.run([str(ccusage), '--version'], capture_output=True, text=True).stdout.strip()}")

    # warm the page cache and both programs once
    run_timed(cc_cmd, env)
    warm_env = dict(env, TRACKER_HOME=str(scratch / "warm"))
    run_timed(imp_cmd, warm_env)

    cc_runs, first_runs, second_runs, append_runs, append_report_runs = [], [], [], [], []
    claude_runs, floor_runs = [], []
    report_json = scratch / "ours-daily.json"
    for i in range(a.runs):
        cc_runs.append(run_timed(cc_cmd, env, scratch / "ccusage-daily.json"))
        state = dict(env, TRACKER_HOME=str(scratch / f"state-{i}"))
        imported = run_timed(imp_cmd, state, scratch / "import.json")
        reported = run_timed(rep_cmd, state, report_json)
        first_runs.append(combine(imported, reported))
        claude_only = dict(env, CODEX_HOME=str(no_codex), TRACKER_HOME=str(scratch / f"claude-{i}"))
        claude_runs.append(combine(run_timed(imp_cmd, claude_only), run_timed(rep_cmd, claude_only)))
        floor_runs.append(run_timed(floor_cmd, env))
        second_runs.append(run_timed(imp_cmd, state, scratch / "import2.json"))
        target, old_size = append_megabyte(corpus, f"bench{i}x")
        try:
            appended = run_timed(imp_cmd, state, scratch / "import3.json")
            append_runs.append(appended)
            append_report_runs.append(combine(appended, run_timed(rep_cmd, state)))
        finally:
            with open(target, "r+b") as fh:
                fh.truncate(old_size)
        if i == 0:
            first_import = json.loads((scratch / "import.json").read_text())
            after_append = json.loads((scratch / "import3.json").read_text())

    cc = median(cc_runs)
    rows = [
        ("ccusage daily --json --offline", cc),
        ("(a) tracker import + report daily (first run)", median(first_runs)),
        ("(a') the same, Claude Code logs only (what ccusage reads)", median(claude_runs)),
        ("(b) tracker import, nothing new", median(second_runs)),
        ("(c) tracker import after a 1 MB append", median(append_runs)),
        ("(c') ... plus report daily", median(append_report_runs)),
        ("floor of (b), (c): python -c 'import click'", median(floor_runs)),
    ]
    print("\n| command | wall s | CPU s | peak RSS MB | wall ratio | CPU ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, r in rows:
        print(f"| {name} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['rss_mb']:.0f} | {r['wall'] / cc['wall']:.3f}x "
              f"| {r['cpu'] / cc['cpu']:.3f}x |")
    print(f"\nall walls (s): ccusage {[round(r['wall'], 3) for r in cc_runs]}; "
          f"(a) {[round(r['wall'], 3) for r in first_runs]}; (b) {[round(r['wall'], 3) for r in second_runs]}; "
          f"(c) {[round(r['wall'], 3) for r in append_runs]}")
    print(f"first import: {first_import['events_added']} events from {first_import['files_read']} files, "
          f"{first_import['bytes_read'] / 1048576:.0f} MiB, import service {first_import['seconds']} s; "
          f"skipped {first_import['lines_skipped']}")
    print(f"after append: {after_append['events_added']} events, {after_append['bytes_read'] / 1048576:.2f} MiB read, "
          f"import service {after_append['seconds']} s")
    print("correctness of our daily report vs ground_truth.json:", check_truth(corpus, report_json))
    shutil.rmtree(scratch, ignore_errors=True)


def _interpreter_of(command: str) -> str:
    """The Python a console script runs (its #! line), for the start-up floor; else this one."""
    try:
        with open(shutil.which(command) or command, "rb") as fh:
            first = fh.readline()
    except OSError:
        return sys.executable
    return first[2:].strip().decode() if first.startswith(b"#!") and b"python" in first else sys.executable


def one_file(a) -> None:
    """Memory bound: one huge transcript (the issue's 1 GB file < 300 MB RSS)."""
    source = (a.corpus or a.bench / "corpora" / "c1000").resolve()
    target_dir = a.bench / "corpora" / f"onefile-{a.one_file_gb:g}"
    big = target_dir / "home" / ".claude" / "projects" / "-home-dev-code-big" / "big.jsonl"
    want = int(a.one_file_gb * 1024 ** 3)
    if not big.exists() or big.stat().st_size < want:
        big.parent.mkdir(parents=True, exist_ok=True)
        files = sorted((source / "home" / ".claude" / "projects").rglob("*.jsonl"))
        written = 0
        with open(big, "wb") as out:
            while written < want:
                for path in files:
                    data = path.read_bytes()
                    if not data.endswith(b"\n"):
                        data = data[: data.rfind(b"\n") + 1]
                    out.write(data)
                    written += len(data)
                    if written >= want:
                        break
    scratch = Path(tempfile.mkdtemp(prefix="bench-onefile-"))
    env = dict(sandbox_env(target_dir, scratch), TRACKER_HOME=str(scratch / "state"))
    r = run_timed([a.tracker, "import", "--json"], env, scratch / "import.json")
    doc = json.loads((scratch / "import.json").read_text())
    print(f"one file of {big.stat().st_size / 1048576:.0f} MiB: wall {r['wall']:.2f} s, CPU {r['cpu']:.2f} s, "
          f"peak RSS {r['rss_mb']:.0f} MB, {doc['events_added']} events, skipped {doc['lines_skipped']}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
