"""Exactness against generated corpora: every day, model and token class equals ground_truth.json.

The corpora come from the project's own generator (tests/corpus/gen_logs.py). Each is a few MB,
with its own seed and rates of duplicated Claude lines, re-emitted Codex events and malformed lines.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.corpus.gen_logs import generate
from tracker.cli import main
from tracker.services import log_import
from tracker.sources import logfiles as lf

CORPORA = {
    # name: generator knobs
    "defaults": dict(mb=3, seed=1),
    "many-duplicates": dict(mb=3, seed=7, dup_rate=0.45, reemit_rate=0.5),
    "malformed": dict(mb=2.5, seed=11, malformed_rate=0.03, codex_share=0.5),
    "short-window": dict(mb=4, seed=23, days=20, projects=5, session_kb=60, dup_rate=0.25, reemit_rate=0.3,
                         malformed_rate=0.01),
    # sidechain transcripts replaying their parent's responses; Codex threads replaying their parent's totals
    "sub-agents": dict(mb=3, seed=3, session_kb=80, claude_subagent_rate=0.3, codex_subagent_rate=1,
                       synthetic_rate=0.02),
}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    made = {}
    for name, args in CORPORA.items():
        out = tmp_path_factory.mktemp("corpus") / name
        generate(out, **args)
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


def _pool_methods(monkeypatch) -> list[str]:
    """The start method of every worker pool created from now on (the pool really ran)."""
    pools = []
    real_get_context = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_context", lambda m: pools.append(m) or real_get_context(m))
    return pools


@pytest.fixture
def forked_workers(monkeypatch):
    """Workers forked, as from the command line, whatever ran earlier in this test process: a finished
    foreign thread that ran Python (a GUI test's QThread) stays in threading's table, which would make
    _start_method() spawn them instead."""
    monkeypatch.setattr(log_import, "_start_method", lambda: "fork")


def _rows(store):
    query = "SELECT source, key, ts_ms, model, input_tokens, cache_read_tokens, cache_write_5m_tokens, " \
            "cache_write_1h_tokens, output_tokens, reasoning_tokens, cost_pico, tool_use, session, project " \
            "FROM events ORDER BY source, key"
    return store.conn.execute(query).fetchall()


def _assert_same_rows_in_process(store, pricer, roots, folder):
    from tracker.storage import open_store

    with open_store(folder / "t.db") as serial:
        log_import.import_logs(serial, pricer, roots=roots, workers=1)
        assert _rows(store) == _rows(serial)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parse workers are forked on Linux only")
def test_parallel_workers_give_the_same_rows(corpora, tmp_path, monkeypatch, log_store, shared_pricer,
                                             forked_workers):
    corpus = corpora["defaults"]
    pools = _pool_methods(monkeypatch)
    roots = {"claude_code": [corpus / "home" / ".claude"], "codex": [corpus / "home" / ".codex"]}
    parallel = log_import.import_logs(log_store, shared_pricer, roots=roots, workers=2)
    assert pools == ["fork"]
    _assert_same_rows_in_process(log_store, shared_pricer, roots, tmp_path / "serial")
    assert parallel.events_added > 200


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parse workers are forked on Linux only")
def test_a_forked_workers_result_is_read_while_this_process_parses_its_own_group(
        corpora, tmp_path, monkeypatch, log_store, shared_pricer, forked_workers):
    """A worker's result that waits is read between the files of a group this process parses itself
    (_own_group); the rows are the in-process import's."""
    from multiprocessing.connection import wait

    corpus = corpora["defaults"]
    roots = {"claude_code": [corpus / "home" / ".claude"], "codex": [corpus / "home" / ".codex"]}
    sizes = sorted((p.stat().st_size for p in (corpus / "home").rglob("*.jsonl")), reverse=True)
    monkeypatch.setattr(log_import, "TASK_MIN_BYTES", sum(sizes) // 3)  # three groups or so: two go to the worker
    monkeypatch.setattr(log_import, "OWN_CHECK_BYTES", 1)  # a look after every file of this process's group
    pools, inside, taken_inside = [], [], []
    real_init, real_in_process = log_import._ForkedWorkers.__init__, log_import._in_process
    real_own, real_take = log_import._own_group, log_import._take

    def init(self, *args):
        real_init(self, *args)
        pools.append(self)

    def in_process(items, reading):  # this process's files: each ends once a worker's result waits (if one is due)
        rows = real_in_process(items, reading)
        due = [conn for conn, tasks in pools[0].sent.items() if tasks] if inside and pools else []
        if due:
            wait(due, 60)
        return rows

    def own_group(*args):
        inside.append(True)
        try:
            yield from real_own(*args)
        finally:
            inside.pop()

    def take(*args):
        taken_inside.append(bool(inside))
        yield from real_take(*args)

    monkeypatch.setattr(log_import._ForkedWorkers, "__init__", init)
    monkeypatch.setattr(log_import, "_in_process", in_process)
    monkeypatch.setattr(log_import, "_own_group", own_group)
    monkeypatch.setattr(log_import, "_take", take)
    report = log_import.import_logs(log_store, shared_pricer, roots=roots, workers=2)
    assert report.workers == 1 and not report.errors
    assert True in taken_inside  # a result read in the middle of this process's own group
    monkeypatch.undo()
    _assert_same_rows_in_process(log_store, shared_pricer, roots, tmp_path / "serial")
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parse workers are forked on Linux only")
@pytest.mark.parametrize("cores", [1, 2, 3])
def test_a_big_import_parses_in_one_process_per_core(corpora, tmp_path, monkeypatch, log_store, shared_pricer,
                                                     forked_workers, cores):
    """By default this process (which writes every row, and parses when no result waits) and a worker on each
    other core: one process per core, none waiting for a core; one core reads in this process alone."""
    corpus = corpora["defaults"]
    roots = {"claude_code": [corpus / "home" / ".claude"], "codex": [corpus / "home" / ".codex"]}
    pools = _pool_methods(monkeypatch)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(log_import, "PARALLEL_MIN_BYTES", 1)  # big enough for workers
    monkeypatch.setattr(log_import, "TASK_MIN_BYTES", 1)  # a group per file: enough for every worker
    report = log_import.import_logs(log_store, shared_pricer, roots=roots)
    assert report.workers == cores - 1 and pools == (["fork"] if cores > 1 else [])
    assert report.events_added > 200 and not report.errors
    monkeypatch.undo()
    _assert_same_rows_in_process(log_store, shared_pricer, roots, tmp_path / "serial")
    assert multiprocessing.active_children() == []


def test_a_small_import_starts_no_workers_unless_asked(corpora, tmp_path, monkeypatch, log_store, shared_pricer):
    """By default workers start only when there is enough to read to pay for them (a few MB is not)."""
    corpus = corpora["defaults"]
    pools = _pool_methods(monkeypatch)
    report = log_import.import_logs(log_store, shared_pricer, roots={"codex": [corpus / "home" / ".codex"]})
    assert report.files_read > 1 and report.workers == 0 and pools == []


class _NoProcesses:
    """A ProcessPoolExecutor where no worker can start: no semaphores (no /dev/shm), or a process limit."""

    def __init__(self, *args, fail_at: str, **kwargs):
        if fail_at == "start":
            raise OSError(38, "Function not implemented")  # what sem_open gives without /dev/shm

    def submit(self, *args):
        raise OSError(11, "Resource temporarily unavailable")  # fork() at the process limit

    def shutdown(self, **kwargs):
        pass


@pytest.mark.parametrize("fail_at", ["start", "submit"])
def test_workers_that_cannot_start_leave_the_import_to_this_process(corpora, tmp_path, monkeypatch, log_store,
                                                                   shared_pricer, fail_at):
    import concurrent.futures

    corpus = corpora["defaults"]
    monkeypatch.setattr(log_import, "_start_method", lambda: "spawn")  # the executor's way (forked: below)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor",
                        lambda *a, **k: _NoProcesses(*a, fail_at=fail_at, **k))
    roots = {"claude_code": [corpus / "home" / ".claude"], "codex": [corpus / "home" / ".codex"]}
    report = log_import.import_logs(log_store, shared_pricer, roots=roots, workers=2)
    assert report.workers == 0 and report.events_added > 200 and not report.errors
    monkeypatch.undo()
    _assert_same_rows_in_process(log_store, shared_pricer, roots, tmp_path / "serial")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forked workers")
@pytest.mark.parametrize("fail_at", ["semaphores", "first fork", "second fork"])
def test_forked_workers_that_cannot_start_leave_the_import_to_this_process(corpora, tmp_path, monkeypatch, log_store,
                                                                          shared_pricer, forked_workers, fail_at):
    """No semaphores (no /dev/shm), or fork() failing at the process limit for the first or the second
    worker: the import reads in this process, and the worker started before the failure is stopped."""
    from multiprocessing import context, process

    corpus = corpora["defaults"]
    monkeypatch.setattr(log_import, "TASK_MIN_BYTES", 1)  # a group per file: enough for two workers
    if fail_at == "semaphores":
        def no_event(self):
            raise OSError(38, "Function not implemented")  # what sem_open gives without /dev/shm

        monkeypatch.setattr(context.BaseContext, "Event", no_event)
    else:
        started = []
        real_start = process.BaseProcess.start

        def start(self):
            if fail_at == "first fork" or started:
                raise OSError(11, "Resource temporarily unavailable")
            started.append(self)
            real_start(self)

        monkeypatch.setattr(process.BaseProcess, "start", start)
    roots = {"claude_code": [corpus / "home" / ".claude"], "codex": [corpus / "home" / ".codex"]}
    report = log_import.import_logs(log_store, shared_pricer, roots=roots, workers=3)
    assert report.workers == 0 and report.events_added > 200 and not report.errors
    if fail_at == "second fork":
        assert [worker.exitcode for worker in started] == [0]  # it started, and ended when told
    assert multiprocessing.active_children() == []
    monkeypatch.undo()
    _assert_same_rows_in_process(log_store, shared_pricer, roots, tmp_path / "serial")


def test_spawned_workers_while_other_threads_run(corpora, tmp_path, monkeypatch, log_store, shared_pricer):
    """From a multi-threaded process (the GUI) workers are spawned, never forked; same rows as in-process."""
    import threading

    corpus = corpora["defaults"]
    pools = _pool_methods(monkeypatch)
    roots = {"claude_code": [corpus / "home" / ".claude"], "codex": [corpus / "home" / ".codex"]}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        report = log_import.import_logs(log_store, shared_pricer, roots=roots, workers=2)
    finally:
        stop.set()
        other.join()
    assert pools == ["spawn"]
    assert report.files_read > 1 and report.events_added > 200 and not report.errors and report.workers >= 1
    _assert_same_rows_in_process(log_store, shared_pricer, roots, tmp_path / "serial")
    assert multiprocessing.active_children() == []


def test_cancelled_import_stops_its_spawned_workers(corpora, tmp_path, monkeypatch, shared_pricer):
    """The GUI cancels a sync by raising from its progress callback: workers end, nothing half-written."""
    import threading

    corpus = corpora["defaults"]
    monkeypatch.setattr(log_import, "TASK_MIN_BYTES", 1)  # one file per task: many results to cancel among
    pools = _pool_methods(monkeypatch)

    class Cancelled(Exception):
        pass

    def progress(info):
        if info["files_done"] >= 2:
            raise Cancelled()

    from tracker.storage import open_store

    errors, left = [], []

    def sync():  # the GUI's sync thread opens its own connection
        with open_store(tmp_path / "t.db") as store:
            try:
                log_import.import_logs(store, shared_pricer, roots={"codex": [corpus / "home" / ".codex"]},
                                       progress=progress, workers=2)
            except Cancelled:
                errors.append("cancelled")
            left.append(store.conn.execute("SELECT (SELECT count(*) FROM events), "
                                           "(SELECT count(*) FROM cursors)").fetchone())

    thread = threading.Thread(target=sync)
    thread.start()
    thread.join(60)
    assert errors == ["cancelled"] and pools == ["spawn"]
    assert multiprocessing.active_children() == []
    assert left == [(0, 0)]  # a first import is one transaction: cancelled, nothing half-written


def test_no_fork_from_a_worker_thread():
    import threading

    fresh = subprocess.run([sys.executable, "-c", "from tracker.services.log_import import _start_method as m; "
                            "print(m())"], capture_output=True, text=True, check=True).stdout.strip()
    assert fresh == ("fork" if sys.platform.startswith("linux") else "spawn")  # the command line
    seen = []
    thread = threading.Thread(target=lambda: seen.append(log_import._start_method()))  # e.g. the GUI's sync worker
    thread.start()
    thread.join()
    assert seen == ["spawn"]


_REAL_ITER_BLOCKS = lf.iter_blocks
_SLOW_FILE: list[str] = []  # set before the workers fork
SLOW_BLOCK_S = 0.5


def _slow_blocks(fh, *args, **kwargs):
    for block in _REAL_ITER_BLOCKS(fh, *args, **kwargs):
        if fh.name in _SLOW_FILE:
            time.sleep(SLOW_BLOCK_S)  # one block of a huge file
        yield block


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the patched reader reaches forked workers")
def test_cancelling_does_not_wait_for_a_file_still_being_parsed(corpora, tmp_path, monkeypatch, shared_pricer,
                                                                forked_workers):
    """Quitting the app mid-import stops its workers within a block, even one busy with a huge file."""
    from tracker.storage import open_store

    codex = corpora["defaults"] / "home" / ".codex"
    biggest = max(codex.rglob("*.jsonl"), key=lambda p: p.stat().st_size)
    monkeypatch.setattr(lf, "CHUNK_BYTES", 4096)
    whole_parse_s = biggest.stat().st_size / 4096 * SLOW_BLOCK_S
    assert whole_parse_s > 30  # what quitting would wait without the stop
    _SLOW_FILE[:] = [str(biggest)]
    monkeypatch.setattr(log_import, "TASK_MIN_BYTES", 1)  # one file per group: the biggest goes first, alone
    monkeypatch.setattr(lf, "iter_blocks", _slow_blocks)  # inherited by the forked workers

    class Cancelled(Exception):
        pass

    def progress(info):
        if info["files_done"] >= 1:
            raise Cancelled()

    started = time.monotonic()
    try:
        with open_store(tmp_path / "t.db") as store, pytest.raises(Cancelled):
            log_import.import_logs(store, shared_pricer, roots={"codex": [codex]}, progress=progress, workers=2)
        assert time.monotonic() - started < 15
        assert multiprocessing.active_children() == []
    finally:
        _SLOW_FILE.clear()


def _killed_worker(group):
    os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the patched worker function reaches forked workers")
def test_a_killed_worker_fails_the_import_instead_of_hanging_it(corpora, tmp_path, monkeypatch, shared_pricer,
                                                                forked_workers):
    """A multiprocessing.Pool waits forever for a killed worker's result: every later sync would hang."""
    from tracker.storage import open_store

    corpus = corpora["defaults"]
    monkeypatch.setattr(log_import, "_read_group", _killed_worker)  # inherited by the forked workers
    roots = {"codex": [corpus / "home" / ".codex"]}
    with open_store(tmp_path / "t.db") as store:
        with pytest.raises(log_import.WorkerDied, match="ended unexpectedly"):
            log_import.import_logs(store, shared_pricer, roots=roots, workers=2)
        assert multiprocessing.active_children() == []
        monkeypatch.undo()
        again = log_import.import_logs(store, shared_pricer, roots=roots, workers=1)  # the next import reads it all
        assert again.events_added > 50 and not again.errors
