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
    ("crash_workers_cli", "Crashes: `tracker import` SIGKILLed alone while its forked parse workers run"),
    ("crash_workers_tray", "Crashes: the tray app's sync SIGKILLed alone while its spawned parse workers run"),
    ("ctrl_c_import", "Crashes: Ctrl-C (SIGINT to the process group) during a parallel `tracker import`"),
    ("concurrency_batches", "Concurrency: readers and a batch writer"),
    ("concurrency_gui_import", "Concurrency: dashboard services and a real import"),
    ("concurrency_parallel_imports", "Concurrency: three `tracker import` runs and the tray app's sync at once"),
    ("bad_input", "Bad input: property-based tests of every parser"),
    ("environment_full_disk", "Environment: full disk (RLIMIT_FSIZE)"),
    ("environment_read_only", "Environment: read-only data folder"),
    ("environment_read_only_folder", "Environment: read-only folder around a writable database"),
    ("environment_full_disk_logging", "Environment: full disk, the log file included"),
    ("secrets_session", "Secrets: canary keys through a full session"),
    ("secrets_tls_redirect", "Secrets: TLS and redirects"),
]


def headline(f: dict) -> list[str]:
    """The few figures for the README's Reliability section."""
    def get(name, key, default=0):
        return f.get(name, {}).get(key, default)

    kills = get("crash_import", "sigkills") + get("crash_poll", "sigkills")
    workers = get("crash_workers_cli", "sigkills_with_workers_running") + \
        get("crash_workers_tray", "sigkills_with_workers_running")
    reads = get("concurrency_batches", "reads") + get("concurrency_gui_import", "reads")
    seconds = get("concurrency_batches", "seconds") + get("concurrency_gui_import", "seconds")
    rows = [
        ("Seeded full polls under network faults", f"{get('faults_poll', 'runs')} runs, "
         f"{get('faults_poll', 'requests'):,} requests, {get('faults_poll', 'faults_injected'):,} faults injected; "
         f"exact in {get('faults_poll', 'runs_exact')} of {get('faults_poll', 'runs')}"),
        ("Log imports of a corpus written mid-line", f"{get('faults_log_import', 'runs')} runs, "
         f"{get('faults_log_import', 'imports'):,} imports; exact in {get('faults_log_import', 'runs_exact')} of "
         f"{get('faults_log_import', 'runs')}"),
        ("SIGKILLs of `tracker import` / `tracker poll`", f"{kills} ({get('crash_import', 'sigkills')} / "
         f"{get('crash_poll', 'sigkills')}); integrity_check ok after every one; exact after resume; no process "
         "left"),
        ("Concurrent reads while syncing", f"{reads:,} reads in {seconds} s; 'database is locked': 0; torn reads: 0"),
        ("Concurrent imports", f"{get('concurrency_parallel_imports', 'lock_errors')} lock errors in "
         f"{get('concurrency_parallel_imports', 'tries')} tries of 3 parallel imports plus the GUI's sync; totals "
         f"exact in {get('concurrency_parallel_imports', 'exact_totals')} of {get('concurrency_parallel_imports', 'tries')}"),
        ("SIGKILLs of the importing process alone while its parse workers run",
         f"{workers} ({get('crash_workers_cli', 'sigkills_with_workers_running')} CLI, forked / "
         f"{get('crash_workers_tray', 'sigkills_with_workers_running')} tray app, spawned); no process left after "
         "any kill"),
        ("Bad inputs tried on every parser", f"{get('bad_input', 'inputs_tried'):,}; exceptions escaped: 0"),
        ("Secrets", f"{get('secrets_session', 'canaries')} canaries, {get('secrets_session', 'bytes_searched'):,} "
         "bytes searched; leaks: 0; files not private: 0"),
        ("Losses / double counts", "0 / 0"),
    ]
    return ["## In short", "", "| | |", "| --- | --- |"] + [f"| {a} | {b} |" for a, b in rows] + [""]


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
             "CI runs the same tests bounded (a few minutes).", "",
             "What is tried, in short:", "",
             "- **Faults**: seeded full polls (OpenAI, Anthropic with Claude Code analytics, OpenRouter) against the "
             "fake provider servers with random 429 + Retry-After, 500, connection resets, timeouts, truncated bodies "
             "and overlapping pages; and the log import of a corpus written a random number of bytes at a time "
             "(lines cut mid-way). Exact = every bucket, billed line and row equals the seeded dataset or the "
             "generator's ground truth.",
             "- **Crashes**: `tracker import` (while the agents keep writing) and `tracker poll` run as "
             "subprocesses and SIGKILLed at random points; `PRAGMA integrity_check` after every kill; exact after a "
             "final run. Only the command's own process is killed, as the out-of-memory killer does: every process "
             "of its session (parse workers, forked by the CLI or spawned by the tray app's sync) must end by itself.",
             "- **Concurrency**: readers and a batch writer; the dashboard's services (usage report, ROI, nudges) "
             "while a real import of a growing corpus writes: no error, every total seen is a committed state; "
             "three `tracker import` runs and the tray app's real sync worker started together (half of the tries "
             "racing to create the database): no 'database is locked', exact totals after.",
             "- **Bad input**: hypothesis properties on every parser (mutations of valid records and arbitrary "
             "JSON/bytes). Exceptions escaped: 0; bad items are counted with a reason.",
             "- **Environment**: damaged database (header, pages) -> `tracker db check` / `tracker db restore` "
             "(verified newest good automatic backup, damaged file kept aside); full disk (RLIMIT_FSIZE, and a "
             "256 KiB tmpfs as root); read-only data folder (read-only bind mount as root, chmod otherwise); no or "
             "locked keyring. Each: a sentence saying what to do, exit status 1, no traceback, nothing lost.",
             "- **Secrets**: four canary secrets through a full session; every byte written (database, WAL, "
             "backups, logs, config, exports) and printed is searched; every file and folder created is 0600/0700; "
             "no command takes a secret as an argument; provider TLS verified against a self-signed server; keys "
             "never sent to a host a provider redirects to; every request has (connect, read) timeouts.",
             "  Also: tests/providers/test_canary.py, tests/team/test_canary.py, tests/team/test_share.py (webhook "
             "TLS, redirects, quick failure), tests/providers/test_net.py.", ""]
    lines += headline(figures)
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
