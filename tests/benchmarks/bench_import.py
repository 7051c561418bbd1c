#!/usr/bin/env python3
"""Benchmark: `tracker import` + `tracker report daily --json` against ccusage 20.0.24, in the same run.

Not part of the test run (pytest collects test_*.py only). Every round runs
each command once, ccusage's beside ours, and the figures are medians over the
rounds: wall time, CPU time (user+sys, children included) and peak RSS, with
both ratios (wall and CPU) against ccusage:

  (a)  first import + daily report, the whole corpus   vs `ccusage daily`         aim 1.0x, CPU <= 1.3x
  (a') the same, Claude Code logs only                 vs `ccusage claude daily`  CPU <= 1.0x (like for like)
  (b)  import with nothing new + daily report          vs `ccusage daily`         wall <= 0.05x
  (c)  import after a 1 MB append + daily report       vs `ccusage daily`         wall <= 0.05x

and the floor under (b) and (c): two interpreter start-ups (`python -c pass`) of the tracker's own Python.
(a') points CODEX_HOME at an empty folder; `ccusage claude daily` reads the Claude Code logs alone.

Usage:
  python tests/benchmarks/bench_import.py --ccusage /tmp/ccusage/node_modules/.bin/ccusage \
      [--corpus DIR | --mb 1024] [--runs 5] [--tracker PATH]
  python tests/benchmarks/bench_import.py --scaling 100,1024,4096 --out DIR [--tracker PATH]
  python tests/benchmarks/bench_import.py --one-file-gb 1 --corpus DIR [--tracker PATH]

ccusage: `npm install --prefix /tmp/ccusage ccusage@20.0.24`. --tracker is the `tracker` command to time
(default: the one beside this Python); time an ordinary install (`pip install .` into a venv): an editable
install's import finder adds ~12 ms to every start-up. Without --corpus, a corpus of --mb MiB is generated
with the repo's tests/corpus/gen_logs.py (seed 42) in a temporary folder and removed after. Everything runs
sandboxed: HOME=<corpus>/home, TZ=UTC, TRACKER_HOME in a temporary folder; the corpus is restored after
each append. --scaling: for each size, a generated corpus: first import, import with nothing new, and a
1 MB append, each with the daily report, time and peak RSS (the corpus is deleted after its row).
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
    # every folder the tracker writes to is the scratch's (XDG_STATE_HOME too: its log folder would otherwise
    # be made under the corpus's home, which a run must never write into)
    for sub in ("xdg-cache", "xdg-config", "xdg-data", "xdg-state", "tmp"):
        (scratch / sub).mkdir(parents=True, exist_ok=True)
    env.update({
        "HOME": str(home), "CLAUDE_CONFIG_DIR": str(home / ".claude"), "CODEX_HOME": str(home / ".codex"),
        "TZ": "UTC", "NO_COLOR": "1", "FORCE_COLOR": "0",
        "XDG_CACHE_HOME": str(scratch / "xdg-cache"), "XDG_CONFIG_HOME": str(scratch / "xdg-config"),
        "XDG_DATA_HOME": str(scratch / "xdg-data"), "XDG_STATE_HOME": str(scratch / "xdg-state"),
        "TMPDIR": str(scratch / "tmp"),
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
    ap.add_argument("--ccusage", type=Path, help="the ccusage 20.0.24 command (node_modules/.bin/ccusage)")
    ap.add_argument("--bench", type=Path, help="(older form) a folder with node_modules/.bin/ccusage")
    ap.add_argument("--corpus", type=Path, help="an existing corpus (tests/corpus/gen_logs.py or compatible)")
    ap.add_argument("--mb", type=float, default=1024, help="size of the corpus to generate when --corpus is not given")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tracker", default=str(Path(sys.executable).with_name("tracker")), help="the tracker command")
    ap.add_argument("--one-file-gb", type=float, default=0,
                    help="instead: import ONE Claude file of this many GiB (built from the corpus) and report peak RSS")
    ap.add_argument("--scaling", help="instead: sizes in MiB (comma-separated) for the scaling table")
    ap.add_argument("--out", type=Path, help="with --scaling or --one-file-gb: where the corpora are made")
    a = ap.parse_args()
    if a.one_file_gb:
        one_file(a)
        return
    if a.scaling:
        scaling(a)
        return
    ccusage = a.ccusage or (a.bench / "node_modules" / ".bin" / "ccusage" if a.bench else None)
    if ccusage is None or not ccusage.exists():
        raise SystemExit("give --ccusage (npm install --prefix /tmp/ccusage ccusage@20.0.24)")
    scratch = Path(tempfile.mkdtemp(prefix="bench-import-"))
    corpus = a.corpus
    if corpus is None:
        corpus = scratch / "corpus"
        subprocess.run([sys.executable, str(GEN_LOGS), "--mb", str(a.mb), "--out", str(corpus)], check=True,
                       stdout=subprocess.DEVNULL)
    corpus = corpus.resolve()
    try:
        compare(a, ccusage, corpus, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def compare(a, ccusage: Path, corpus: Path, scratch: Path) -> None:
    env = sandbox_env(corpus, scratch)
    size_mb = sum(p.stat().st_size for p in (corpus / "home").rglob("*.jsonl")) / 1048576
    cc_all = [str(ccusage), "daily", "--json", "--offline", "--timezone", "UTC"]
    cc_claude = [str(ccusage), "claude", "daily", "--json", "--offline", "--timezone", "UTC"]
    imp_cmd = [a.tracker, "import", "--json"]
    rep_cmd = [a.tracker, "report", "daily", "--json", "--tz", "UTC"]
    floor_cmd = [_interpreter_of(a.tracker), "-c", "pass"]
    no_codex = scratch / "no-codex"  # (a'): the Codex logs out of sight
    no_codex.mkdir()
    version = subprocess.run([str(ccusage), "--version"], capture_output=True, text=True).stdout.strip()
    print(f"# corpus {corpus} ({size_mb:.0f} MiB), {os.cpu_count()} CPUs, runs={a.runs}, ccusage {version}, "
          f"tracker {a.tracker}")

    # warm the page cache and both programs once
    run_timed(cc_all, env)
    run_timed(imp_cmd, dict(env, TRACKER_HOME=str(scratch / "warm")))
    shutil.rmtree(scratch / "warm", ignore_errors=True)

    rows = {name: [] for name in ("cc", "cc_claude", "a", "a_claude", "b", "c", "floor")}
    report_json = scratch / "ours-daily.json"
    first_import = after_append = None
    for i in range(a.runs):
        state = dict(env, TRACKER_HOME=str(scratch / f"state-{i}"))
        claude_only = dict(env, CODEX_HOME=str(no_codex), TRACKER_HOME=str(scratch / f"claude-{i}"))
        rows["cc"].append(run_timed(cc_all, env, scratch / "ccusage-daily.json"))
        imported = run_timed(imp_cmd, state, scratch / "import.json")
        rows["a"].append(combine(imported, run_timed(rep_cmd, state, report_json)))
        rows["cc_claude"].append(run_timed(cc_claude, env))
        rows["a_claude"].append(combine(run_timed(imp_cmd, claude_only), run_timed(rep_cmd, claude_only)))
        rows["b"].append(combine(run_timed(imp_cmd, state, scratch / "import2.json"), run_timed(rep_cmd, state)))
        target, old_size = append_megabyte(corpus, f"bench{i}x")
        try:
            rows["c"].append(combine(run_timed(imp_cmd, state, scratch / "import3.json"), run_timed(rep_cmd, state)))
        finally:
            with open(target, "r+b") as fh:
                fh.truncate(old_size)
        rows["floor"].append(combine(run_timed(floor_cmd, env), run_timed(floor_cmd, env)))
        if i == 0:
            first_import = json.loads((scratch / "import.json").read_text())
            after_append = json.loads((scratch / "import3.json").read_text())
        for name in ("state", "claude"):  # each round's databases are its own: keep the disk small
            shutil.rmtree(scratch / f"{name}-{i}", ignore_errors=True)

    cc, cc_claude = median(rows["cc"]), median(rows["cc_claude"])
    table = [
        ("ccusage daily --json --offline", rows["cc"], cc),
        ("ccusage claude daily --json --offline", rows["cc_claude"], cc_claude),
        ("(a) tracker import + report daily, first run", rows["a"], cc),
        ("(a') the same, Claude Code logs only (vs ccusage claude daily)", rows["a_claude"], cc_claude),
        ("(b) import with nothing new + report daily", rows["b"], cc),
        ("(c) import after a 1 MB append + report daily", rows["c"], cc),
        ("floor of (b), (c): two `python -c pass`", rows["floor"], cc),
    ]
    print("\n| command | wall s | CPU s | peak RSS MB | wall ratio | CPU ratio |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, runs, base in table:
        r = median(runs)
        print(f"| {name} | {r['wall']:.3f} | {r['cpu']:.3f} | {r['rss_mb']:.0f} | {r['wall'] / base['wall']:.3f}x "
              f"| {r['cpu'] / base['cpu']:.3f}x |")
    print("\nall walls (s): " + "; ".join(f"{key} {[round(r['wall'], 3) for r in runs]}" for key, runs in rows.items()))
    print(f"first import: {first_import['events_added']} events from {first_import['files_read']} files, "
          f"{first_import['bytes_read'] / 1048576:.0f} MiB, {first_import['workers']} parse worker(s), import service "
          f"{first_import['seconds']} s; skipped {first_import['lines_skipped']}")
    print(f"after append: {after_append['events_added']} events, {after_append['bytes_read'] / 1048576:.2f} MiB read, "
          f"import service {after_append['seconds']} s")
    print("correctness of our daily report vs ground_truth.json:", check_truth(corpus, report_json))


def scaling(a) -> None:
    """Time and peak RSS of the first import, the import with nothing new and a 1 MB append, per corpus size."""
    out = (a.out or Path(tempfile.mkdtemp(prefix="bench-scaling-"))).resolve()
    out.mkdir(parents=True, exist_ok=True)
    imp_cmd = [a.tracker, "import", "--json"]
    rep_cmd = [a.tracker, "report", "daily", "--json", "--tz", "UTC"]
    print(f"# {os.cpu_count()} CPUs, tracker {a.tracker}")
    print("\n| corpus | files | requests | first import wall / CPU s | MiB/s (wall) | peak RSS MB | "
          "nothing new: import + report wall s | 1 MB append: import + report wall s | peak RSS MB (all) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for mb in (float(x) for x in a.scaling.split(",")):
        corpus = out / f"scale-{mb:g}"
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run([sys.executable, str(GEN_LOGS), "--mb", str(mb), "--out", str(corpus)], check=True,
                       stdout=subprocess.DEVNULL)
        scratch = out / f"state-{mb:g}"
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            env = dict(sandbox_env(corpus, scratch), TRACKER_HOME=str(scratch / "home"))
            size = sum(p.stat().st_size for p in (corpus / "home").rglob("*.jsonl"))
            first = run_timed(imp_cmd, env, scratch / "import.json")
            doc = json.loads((scratch / "import.json").read_text())
            report = run_timed(rep_cmd, env)  # (the first open after an import takes the day's backup)
            warm = median([combine(run_timed(imp_cmd, env), run_timed(rep_cmd, env)) for _ in range(5)])
            appends = []
            for i in range(3):
                target, old_size = append_megabyte(corpus, f"scale{i}x")
                try:
                    appends.append(combine(run_timed(imp_cmd, env), run_timed(rep_cmd, env)))
                finally:
                    with open(target, "r+b") as fh:
                        fh.truncate(old_size)
            append = median(appends)
            peak = max(first["rss_mb"], report["rss_mb"], warm["rss_mb"], append["rss_mb"])
            print(f"| {size / 1048576:,.0f} MiB | {doc['files_read']:,} | {doc['events_added']:,} | "
                  f"{first['wall']:.2f} / {first['cpu']:.2f} | {size / 1048576 / first['wall']:.0f} | "
                  f"{first['rss_mb']:.0f} | {warm['wall']:.3f} | {append['wall']:.3f} | {peak:.0f} |", flush=True)
        finally:
            if not a.corpus:
                shutil.rmtree(corpus, ignore_errors=True)
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
    source = a.corpus.resolve()
    target_dir = (a.out or a.bench / "corpora") / f"onefile-{a.one_file_gb:g}"
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
