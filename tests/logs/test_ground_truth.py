"""Exactness against gen_logs.py corpora: every day, model and token class equals ground_truth.json.

The generator lives in the shared bench folder beside the checkout (../shared/bench).
Each corpus is a few MB, with its own seed and rates of duplicated Claude lines,
re-emitted Codex events and malformed lines.
"""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.cli import main
from tracker.services import log_import

REPO = Path(__file__).resolve().parents[2]
GEN_LOGS = (REPO / ".." / "shared" / "bench" / "gen_logs.py").resolve()

CORPORA = {
    # name: gen_logs arguments
    "defaults": ["--mb", "3", "--seed", "1"],
    "many-duplicates": ["--mb", "3", "--seed", "7", "--dup-rate", "0.45", "--reemit-rate", "0.5"],
    "malformed": ["--mb", "2.5", "--seed", "11", "--malformed-rate", "0.03", "--codex-share", "0.5"],
    "short-window": ["--mb", "4", "--seed", "23", "--days", "20", "--projects", "5", "--session-kb", "60",
                     "--dup-rate", "0.25", "--reemit-rate", "0.3", "--malformed-rate", "0.01"],
}

pytestmark = pytest.mark.skipif(not GEN_LOGS.exists(), reason=f"corpus generator not found at {GEN_LOGS}")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    made = {}
    for name, args in CORPORA.items():
        out = tmp_path_factory.mktemp("corpus") / name
        subprocess.run([sys.executable, str(GEN_LOGS), *args, "--out", str(out)], check=True, capture_output=True)
        made[name] = out
    return made


def expected(truth: dict) -> tuple[dict, dict]:
    claude = {(day, model): (r["input_tokens"], r["cache_creation_input_tokens"], r["cache_read_input_tokens"],
                             r["output_tokens"])
              for day, models in truth["claude"]["days"].items() for model, r in models.items()}
    codex = {(day, model): (r["input_tokens"] - r["cached_input_tokens"], r["cached_input_tokens"], r["output_tokens"],
                            r["reasoning_output_tokens"])
             for day, models in truth["codex"]["days"].items() for model, r in models.items()}
    # zero-token rows are Claude Code '<synthetic>' error lines: nothing to count
    return {k: v for k, v in claude.items() if any(v)}, {k: v for k, v in codex.items() if any(v)}


def measured(report: dict) -> tuple[dict, dict]:
    claude, codex = {}, {}
    for row in report["rows"]:
        key = (row["date"], row["model"])
        if row["source"] == "claude_code":
            claude[key] = (row["input_tokens"], row["cache_write_tokens"], row["cache_read_tokens"], row["output_tokens"])
        elif row["source"] == "codex":
            codex[key] = (row["input_tokens"], row["cache_read_tokens"], row["output_tokens"], row["reasoning_tokens"])
    return claude, codex


def run_cli(corpus: Path, tracker_home: Path, *args: str) -> dict:
    env = {"HOME": str(corpus / "home"), "CLAUDE_CONFIG_DIR": str(corpus / "home" / ".claude"),
           "CODEX_HOME": str(corpus / "home" / ".codex"), "TRACKER_HOME": str(tracker_home), "TZ": "UTC"}
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@pytest.mark.parametrize("name", list(CORPORA))
def test_daily_report_equals_ground_truth(corpora, tmp_path, name):
    corpus = corpora[name]
    truth = json.loads((corpus / "ground_truth.json").read_text())
    imported = run_cli(corpus, tmp_path / "state", "import", "--json")
    assert imported["files_failed"] == 0
    assert imported["events_added"] > 200
    report = run_cli(corpus, tmp_path / "state", "report", "daily", "--json", "--tz", "UTC")
    want_claude, want_codex = expected(truth)
    got_claude, got_codex = measured(report)
    assert got_claude == want_claude
    assert got_codex == want_codex
    assert report["totals"]["unpriced_requests"] == 0
    # bookkeeping agrees with what the generator wrote
    stats = truth["stats"]
    skipped = imported["lines_skipped"]
    assert skipped.get("not_advanced", 0) == stats["codex_reemitted_events"]
    assert skipped.get("no_usage_info", 0) == stats["codex_null_info_events"]
    again = run_cli(corpus, tmp_path / "state", "import", "--json")
    assert (again["files_read"], again["events_added"], again["bytes_read"]) == (0, 0, 0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parse workers are forked on Linux only")
def test_parallel_workers_give_the_same_rows(corpora, tmp_path, monkeypatch, log_store, shared_pricer):
    corpus = corpora["defaults"]
    monkeypatch.setattr(log_import, "PARALLEL_MIN_BYTES", 0)
    pools = []
    real_get_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda m: pools.append(m) or real_get_context(m))
    roots = {"claude_code": [corpus / "home" / ".claude"], "codex": [corpus / "home" / ".codex"]}
    parallel = log_import.import_logs(log_store, shared_pricer, roots=roots, workers=2)
    assert pools == ["fork"]  # the worker pool really ran
    serial_store_dir = tmp_path / "serial"
    from tracker.storage import open_store

    with open_store(serial_store_dir / "t.db") as serial:
        log_import.import_logs(serial, shared_pricer, roots=roots, workers=1)
        query = "SELECT source, key, ts_ms, model, input_tokens, cache_read_tokens, cache_write_5m_tokens, " \
                "cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_pico, tool_use, session, project " \
                "FROM events ORDER BY source, key"
        assert log_store.conn.execute(query).fetchall() == serial.conn.execute(query).fetchall()
    assert parallel.events_added > 200


def test_no_fork_while_other_threads_run(corpora, monkeypatch, log_store, shared_pricer):
    import threading

    corpus = corpora["defaults"]
    monkeypatch.setattr(log_import, "PARALLEL_MIN_BYTES", 0)

    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started from a multi-threaded process")

    monkeypatch.setattr(multiprocessing, "get_context", no_pool)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        report = log_import.import_logs(log_store, shared_pricer, roots={"codex": [corpus / "home" / ".codex"]},
                                        workers=2)
    finally:
        stop.set()
        other.join()
    assert report.files_read > 1 and report.events_added > 50


def test_no_fork_from_a_worker_thread():
    import sys
    import threading

    assert log_import._can_fork() == sys.platform.startswith("linux")
    seen = []
    thread = threading.Thread(target=lambda: seen.append(log_import._can_fork()))
    thread.start()
    thread.join()
    assert seen == [False]  # e.g. the GUI's sync worker
