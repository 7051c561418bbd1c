"""`tracker import` and `tracker poll` killed with SIGKILL at random points, many times.

Each is a real subprocess (its own TRACKER_HOME; the poll talks to the fake
providers through `sources add --base-url --env-only`, keys in the environment,
no keyring). After every kill the database opens and `PRAGMA integrity_check`
is ok; after the last, an uninterrupted run completes and the totals are exact:
against gen_logs' ground truth for the import, against the fake datasets for
the poll.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from pathlib import Path

from tests.fakes.dataset import AnthropicData, OpenAIData, OpenRouterData
from tests.fakes.server import FakeAnthropic, FakeOpenAI, FakeOpenRouter
from tests.providers.helpers import expected, stored_buckets, window_start
from tracker.storage import open_store
from tracker.storage import providers as pstore

from .conftest import REPO, agent_env, expected_totals, make_corpus, measured_totals, record, scaled

NO_KEYRING = "keyring.backends.fail.Keyring"  # a subprocess must never reach the user's keyring


def tracker_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_KEY", "_API_KEY"))}
    env.update(TRACKER_HOME=str(home), PYTHON_KEYRING_BACKEND=NO_KEYRING, TZ="UTC", PYTHONPATH=str(REPO))
    env.update(extra)
    return env


def tracker(args: list[str], env: dict, timeout_s: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], env=env, capture_output=True, text=True,
                          timeout=timeout_s, cwd=REPO)


def run_and_kill(args: list[str], env: dict, after_s: float) -> bool:
    """Start `tracker ARGS`, SIGKILL it after `after_s`; True if it was killed before ending.

    Only the command's own process is killed, as the out-of-memory killer or a crash does: its parse
    workers must end by themselves, and no process of its session may be left (assert_no_process_left).
    """
    proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(after_s)
        killed = False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        killed = True
    assert_no_process_left(proc.pid)
    return killed


# A worker sees its parent die at once (Linux: the kernel's death signal) or within about a second (the
# parent watch); this only bounds the wait on a loaded machine, it measures nothing.
ORPHAN_WAIT_S = 60
CTRL_C_LATEST_S = 0.2  # after the workers started: well inside the ~1 s they parse the 40 MB corpus


def running_processes() -> Iterator[tuple[int, int, int, str]]:
    """(pid, parent pid, process group, command) of every running process (zombies are over): Linux /proc."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                command = fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # ended meanwhile
            continue
        state, ppid, pgrp = stat[stat.rindex(")") + 2:].split()[:3]  # after "pid (name) "
        if state != "Z":
            yield int(entry), int(ppid), int(pgrp), command


def processes_in_group(pgid: int) -> list[str]:
    return [f"{pid} {command[:120]}" for pid, _, pgrp, command in running_processes() if pgrp == pgid]


def children_of(pid: int) -> list[str]:
    """Command lines of the running children of `pid`."""
    return [command for _, ppid, _, command in running_processes() if ppid == pid]


def assert_no_process_left(pgid: int) -> None:
    """Every process of a killed command's session (started with start_new_session) ends by itself."""
    if not os.path.isdir("/proc"):
        return
    deadline = time.monotonic() + ORPHAN_WAIT_S
    while processes_in_group(pgid):
        if time.monotonic() > deadline:
            left = processes_in_group(pgid)
            try:
                os.killpg(pgid, signal.SIGKILL)  # do not leave them to the rest of the suite
            except ProcessLookupError:
                pass
            pytest.fail(f"processes left {ORPHAN_WAIT_S} s after their parent was killed: {left}")
        time.sleep(0.05)


def check_integrity(db: Path, table: str) -> int:
    """integrity_check is ok; returns the rows of `table` (0 if the schema was not yet created)."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        has = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if has else 0
    finally:
        conn.close()


def startup_s(tmp_path: Path) -> float:
    """How long the interpreter takes to load the tracker: kills before that test nothing."""
    return min(timed(["paths"], tracker_env(tmp_path / f"startup{i}")) for i in range(2))


def timed(args: list[str], env: dict) -> float:
    started = time.perf_counter()
    done = tracker(args, env)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started


MAX_KILLS_PER_ROUND = 12


def kill_until_done(args: list[str], env: dict, db: Path, table: str, window: tuple[float, float],
                    rng: random.Random, final_rows: int) -> tuple[int, int]:
    """SIGKILL runs of `tracker ARGS` at random times until one finishes by itself (or the cap).

    Checks integrity after every kill; returns (kills, kills that left part of the work written).
    """
    kills = partial = 0
    for _ in range(MAX_KILLS_PER_ROUND):
        # from interpreter start-up to past the end: kills land in reading, parsing, fetching, committing
        if not run_and_kill(args, env, rng.uniform(*window)):
            break
        kills += 1
        rows = check_integrity(db, table) if db.exists() else 0
        partial += 0 < rows < final_rows
    return kills, partial


# A kill that is sure to land mid-import: the test holds the database's write lock, so the import waits at its
# first write (SQLite's busy timeout, storage.db.BUSY_TIMEOUT_MS = 10 s) and is killed there, well inside it
HELD_KILL_S = 1.0


def run_and_kill_while_locked(args: list[str], env: dict, db: Path) -> bool:
    """run_and_kill with the database's write lock held by this process until the kill."""
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        return run_and_kill(args, env, HELD_KILL_S)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_import_killed_at_random_points_resumes_exact(tmp_path, corpus):
    """The agents keep writing between the killed imports: kills land with cursors anywhere in the files.

    In each round the first import runs to its end and the second is killed while it waits to write (both
    certain, whatever the machine's speed: a kill with part of the logs stored happens in every round); the
    others are killed at random times, or end first."""
    if scaled(0, 1):  # in full, a larger corpus: longer imports, more places to die
        corpus = make_corpus(tmp_path / "big", 40, seed=9)
    truth = expected_totals(json.loads((corpus / "ground_truth.json").read_text()))
    rng = random.Random(2026)
    probe = tmp_path / "probe"
    full_s = timed(["import", "--json"], tracker_env(probe, **agent_env(corpus)))
    final_rows = check_integrity(probe / "data" / "tracker.db", "events")
    boot_s = startup_s(tmp_path)
    rounds, attempts = scaled(2, 15), scaled(7, 12)
    kills = partial = 0
    sources = [(p.relative_to(corpus / "home"), p.read_bytes()) for p in sorted((corpus / "home").rglob("*.jsonl"))]
    for r in range(rounds):
        home = tmp_path / f"import{r}"
        logs = tmp_path / f"logs{r}"
        env = tracker_env(home, HOME=str(logs), CLAUDE_CONFIG_DIR=str(logs / ".claude"),
                          CODEX_HOME=str(logs / ".codex"))
        written = [0] * len(sources)
        db = home / "data" / "tracker.db"
        for attempt in range(attempts):
            for i in rng.sample(range(len(sources)), k=min(len(sources), rng.randint(1, 4))):
                rel, data = sources[i]
                n = rng.randint(1, max(1, len(data) // rng.randint(1, 3)))  # lines cut anywhere
                (logs / rel).parent.mkdir(parents=True, exist_ok=True)
                with open(logs / rel, "ab") as fh:
                    fh.write(data[written[i]: written[i] + n])
                written[i] = min(len(data), written[i] + n)
            if attempt == 0:
                assert tracker(["import", "--json"], env).returncode == 0
                killed = False
            elif attempt == 1:
                killed = run_and_kill_while_locked(["import", "--json"], env, db)
                assert killed  # (it waited for the lock: it cannot have ended within HELD_KILL_S)
            else:
                killed = run_and_kill(["import", "--json"], env, rng.uniform(boot_s * 0.9, full_s * 1.05))
            kills += killed
            rows = check_integrity(db, "events") if db.exists() else 0
            partial += bool(killed and 0 < rows < final_rows)
            assert attempt != 1 or 0 < rows < final_rows  # (the seeded appends: part of the logs so far)
        for i, (rel, data) in enumerate(sources):  # the agents finish writing
            (logs / rel).parent.mkdir(parents=True, exist_ok=True)
            with open(logs / rel, "ab") as fh:
                fh.write(data[written[i]:])
        done = tracker(["import", "--json"], env)
        assert done.returncode == 0, done.stderr
        report = tracker(["report", "daily", "--json", "--tz", "UTC"], env)
        assert report.returncode == 0, report.stderr
        assert measured_totals(json.loads(report.stdout)) == truth, f"round {r}"
    assert kills > 0 and partial > 0  # runs really were killed, some with part of the corpus stored
    record("crash_import", rounds=rounds, sigkills=kills, kills_that_left_a_partial_import=partial,
           integrity_checks_ok=rounds * attempts, corpus_bytes=sum(len(d) for _, d in sources),
           events=final_rows, uninterrupted_import_s=round(full_s, 2), losses=0, double_counts=0)


def wait_for_children(pid: int, timeout_s: float = 60) -> bool:
    """Until `pid` has started a child (its parse workers): True, or False when it ended first."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if children_of(pid):
            return True
        if pid not in {p for p, _, _, _ in running_processes()}:  # ended (or a zombie)
            return False
        time.sleep(0.01)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the workers in /proc")
def test_ctrl_c_during_a_parallel_import_is_one_line_and_loses_nothing(tmp_path):
    """Ctrl-C goes to the whole process group, parse workers included: each stops quietly within a
    block, the command says 'Aborted!' (no worker traceback), and the next import is exact.

    The Ctrl-C comes once the workers run (a moment later, varied), not after a time measured on another
    run: under load the measured time said nothing about this run, and every try could come too late."""
    corpus = make_corpus(tmp_path / "c", 40, seed=9)  # above the size that starts forked workers
    truth = expected_totals(json.loads((corpus / "ground_truth.json").read_text()))
    rng = random.Random(7)
    tries, interrupted = scaled(6, 40), 0
    for i in range(tries):
        env = tracker_env(tmp_path / f"home{i}", **agent_env(corpus))
        # as from a terminal: Ctrl-C handled by default (pytest-xdist's workers ignore it, and a child
        # inherits an ignored signal: then Python never raises KeyboardInterrupt and the import runs on)
        proc = subprocess.Popen([sys.executable, "-m", "tracker", "import"], env=env, cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        assert wait_for_children(proc.pid), "the import started no parse worker"
        time.sleep(rng.uniform(0, CTRL_C_LATEST_S))
        try:
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
        except ProcessLookupError:  # already done
            pass
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err, err
        if proc.returncode == 1:
            interrupted += 1
            assert err.strip() == "Aborted!", err
        with pytest.raises(ProcessLookupError):  # no worker left behind
            os.killpg(proc.pid, 0)
        done = tracker(["import", "--json"], env)
        assert done.returncode == 0, done.stderr
        report = tracker(["report", "daily", "--json", "--tz", "UTC"], env)
        assert measured_totals(json.loads(report.stdout)) == truth, f"try {i}"
    assert interrupted == tries  # every Ctrl-C came while the workers parsed
    record("ctrl_c_import", tries=tries, interrupted=interrupted, tracebacks=0, losses=0, double_counts=0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds the workers in /proc")
@pytest.mark.parametrize("runner", ["cli", "tray"])
def test_parse_workers_end_when_their_parent_is_killed(tmp_path, runner):
    """SIGKILL of the importing process alone (the out-of-memory killer, a crash, a logout) while its parse
    workers run: they waited on its queue forever, ~50 MB each, holding the database open (issue #24,
    item 3). The command line forks its workers; the tray app's sync (a QThread) spawns them."""
    if runner == "cli":  # above the size that starts forked workers (log_import.PARALLEL_MIN_BYTES)
        corpus, command = make_corpus(tmp_path / "c", 40, seed=9), ["-m", "tracker", "import"]
    else:  # above log_import.SPAWN_MIN_BYTES; the real SyncWorker, as in the tray app
        corpus, command = make_corpus(tmp_path / "c", 72, seed=9), ["-m", "tests.reliability.gui_sync"]
    rng = random.Random(11)
    tries, killed_with_workers, workers_seen = scaled(2, 10), 0, 0
    for i in range(tries):
        env = tracker_env(tmp_path / f"home{i}", **agent_env(corpus))
        proc = subprocess.Popen([sys.executable, *command], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            workers: list[str] = []
            while proc.poll() is None and not workers:
                workers = [c for c in children_of(proc.pid) if "resource_tracker" not in c]
                time.sleep(0.02)
            time.sleep(rng.uniform(0, 0.3))  # kills land while workers start, parse or send rows back
            if proc.poll() is None and workers:
                killed_with_workers += 1
                workers_seen += len(workers)
            proc.kill()
            proc.wait()
        finally:
            assert_no_process_left(proc.pid)
    assert killed_with_workers > 0
    record(f"crash_workers_{runner}", tries=tries, sigkills_with_workers_running=killed_with_workers,
           workers_seen=workers_seen, processes_left=0)


KEYS = {"OPENAI_ADMIN_KEY": "sk-admin-fake-0001", "ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-fake-0001",
        "OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-fake-mgmt-0001"}


def test_poll_killed_at_random_points_resumes_exact(tmp_path):
    now_s = int(time.time())
    oa_data, an_data, or_data = OpenAIData(now_s, seed=3), AnthropicData(now_s, seed=4), OpenRouterData(now_s, seed=5)
    rng = random.Random(7)
    rounds = scaled(2, 20)
    kills = partial = 0
    boot_s = startup_s(tmp_path)
    poll_args = ["poll", "--json", "--source", "oa", "--source", "an", "--source", "or"]
    with FakeOpenAI(oa_data, max_page_buckets=6) as oa, FakeAnthropic(an_data, max_page_buckets=6) as an, \
            FakeOpenRouter(or_data) as orr:

        def configured(home: Path) -> dict:
            env = tracker_env(home, **KEYS)
            for kind, label, fake in (("openai", "oa", oa), ("anthropic", "an", an), ("openrouter", "or", orr)):
                added = tracker(["sources", "add", kind, "--label", label, "--base-url", fake.base_url, "--env-only",
                                 "--no-test", "--no-poll"], env)
                assert added.returncode == 0, added.stdout + added.stderr
            return env

        probe_env = configured(tmp_path / "probe")
        full_s = timed(poll_args, probe_env)
        final_rows = check_integrity(tmp_path / "probe" / "data" / "tracker.db", "buckets")
        for r in range(rounds):
            home = tmp_path / f"poll{r}"
            env = configured(home)
            k, p = kill_until_done(poll_args, env, home / "data" / "tracker.db", "buckets",
                                   (boot_s * 0.9, full_s * 1.05), rng, final_rows)
            kills, partial = kills + k, partial + p
            done = tracker(poll_args, env)
            assert done.returncode == 0, done.stdout + done.stderr
            end_s = now_s + 1
            start = window_start(now_s, 90)
            with open_store(home / "data" / "tracker.db") as store:
                assert stored_buckets(store, "openai", "oa") == expected(oa_data.expected_buckets(start, end_s))
                assert pstore.billed_totals(store, "openai", "oa") == oa_data.expected_billed(start, end_s)
                assert stored_buckets(store, "anthropic", "an") == expected(an_data.expected_buckets(start, end_s))
                assert pstore.billed_totals(store, "anthropic", "an") == an_data.expected_billed(start, end_s)
                got_cc = {(r["day"], r["model"]): r["estimated_cost_pico"]
                          for r in pstore.claude_code_by_day(store, "an")}
                assert got_cc == {k: v["estimated_cost_pico"]
                                  for k, v in an_data.expected_claude_code(start, end_s).items()}
                assert stored_buckets(store, "openrouter", "or") == expected(
                    or_data.expected_buckets(window_start(now_s, 30), end_s))
    assert kills > 0
    record("crash_poll", rounds=rounds, sigkills=kills, kills_that_left_a_partial_poll=partial,
           integrity_checks_ok=kills, buckets=final_rows, uninterrupted_poll_s=round(full_s, 2), losses=0,
           double_counts=0)
