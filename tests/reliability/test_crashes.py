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
    """Start `tracker ARGS`, SIGKILL its process group after `after_s`; True if it was killed before ending."""
    proc = subprocess.Popen([sys.executable, "-m", "tracker", *args], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        proc.wait(after_s)
        return False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the whole group: parse workers die too
        proc.wait()
        return True


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


def test_import_killed_at_random_points_resumes_exact(tmp_path, corpus):
    if scaled(0, 1):  # in full, a corpus large enough for several transactions (BATCH_EVENTS each)
        corpus = make_corpus(tmp_path / "big", 15, seed=9)
    truth = expected_totals(json.loads((corpus / "ground_truth.json").read_text()))
    rng = random.Random(2026)
    scratch = tmp_path / "probe"
    full_s = timed(["import", "--json"], tracker_env(scratch, **agent_env(corpus)))
    boot_s = startup_s(tmp_path)
    rounds = scaled(2, 10)
    kills_per_round = scaled(5, 12)
    kills = completed = partial = 0
    final = None  # events after the first complete import: a kill that left fewer wrote part of it
    for r in range(rounds):
        home = tmp_path / f"import{r}"
        env = tracker_env(home, **agent_env(corpus))
        for _ in range(kills_per_round):
            # from interpreter start-up to past the end: kills land in reading, parsing and committing
            killed = run_and_kill(["import", "--json"], env, rng.uniform(boot_s * 0.9, full_s * 1.05))
            kills += killed
            completed += not killed
            db = home / "data" / "tracker.db"
            if db.exists():
                before = check_integrity(db, "events")
                partial += bool(killed and final and 0 < before < final)
        done = tracker(["import", "--json"], env)
        assert done.returncode == 0, done.stderr
        final = check_integrity(home / "data" / "tracker.db", "events")
        report = tracker(["report", "daily", "--json", "--tz", "UTC"], env)
        assert report.returncode == 0, report.stderr
        assert measured_totals(json.loads(report.stdout)) == truth, f"round {r}"
    assert kills > rounds  # most runs really were killed mid-way
    record("crash_import", rounds=rounds, sigkills=kills, kills_after_a_partial_write=partial,
           runs_that_finished_before_the_kill=completed,
           integrity_checks_ok=kills + completed, corpus_bytes=sum(p.stat().st_size for p in corpus.rglob("*.jsonl")),
           uninterrupted_import_s=round(full_s, 2), losses=0, double_counts=0)


KEYS = {"OPENAI_ADMIN_KEY": "sk-admin-fake-0001", "ANTHROPIC_ADMIN_KEY": "sk-ant-admin01-fake-0001",
        "OPENROUTER_MANAGEMENT_KEY": "sk-or-v1-fake-mgmt-0001"}


def test_poll_killed_at_random_points_resumes_exact(tmp_path):
    now_s = int(time.time())
    oa_data, an_data, or_data = OpenAIData(now_s, seed=3), AnthropicData(now_s, seed=4), OpenRouterData(now_s, seed=5)
    rng = random.Random(7)
    rounds = scaled(2, 10)
    kills_per_round = scaled(5, 12)
    kills = completed = partial = 0
    final = None
    boot_s = startup_s(tmp_path)
    with FakeOpenAI(oa_data, max_page_buckets=6) as oa, FakeAnthropic(an_data, max_page_buckets=6) as an, \
            FakeOpenRouter(or_data) as orr:
        full_s = None
        for r in range(rounds):
            home = tmp_path / f"poll{r}"
            env = tracker_env(home, **KEYS)
            for kind, label, fake in (("openai", "oa", oa), ("anthropic", "an", an), ("openrouter", "or", orr)):
                added = tracker(["sources", "add", kind, "--label", label, "--base-url", fake.base_url, "--env-only",
                                 "--no-test", "--no-poll"], env)
                assert added.returncode == 0, added.stdout + added.stderr
            if full_s is None:
                probe = tmp_path / "probe"
                for p in home.rglob("*"):  # a copy of the configured home, polled once to time a full poll
                    target = probe / p.relative_to(home)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    if p.is_file():
                        target.write_bytes(p.read_bytes())
                full_s = timed(["poll", "--json"], tracker_env(probe, **KEYS))
            for _ in range(kills_per_round):
                killed = run_and_kill(["poll", "--json", "--source", "oa", "--source", "an", "--source", "or"], env,
                                      rng.uniform(boot_s * 0.9, full_s * 1.05))
                kills += killed
                completed += not killed
                before = check_integrity(home / "data" / "tracker.db", "buckets")
                partial += bool(killed and final and 0 < before < final)
            done = tracker(["poll", "--json", "--source", "oa", "--source", "an", "--source", "or"], env)
            assert done.returncode == 0, done.stdout + done.stderr
            final = check_integrity(home / "data" / "tracker.db", "buckets")
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
    assert kills > rounds
    record("crash_poll", rounds=rounds, sigkills=kills, kills_after_a_partial_write=partial,
           runs_that_finished_before_the_kill=completed,
           integrity_checks_ok=kills + completed, uninterrupted_poll_s=round(full_s, 2), losses=0, double_counts=0)
