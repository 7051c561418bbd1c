"""Import local coding-agent logs incrementally, for every installed agent-log source.

The sources are plug-ins (tracker.sources.plugin, found by
tracker.sources.registry): this module names none of them. For every log
file: one stat(); an unchanged file costs nothing more. A changed file is read
from its cursor (or from the start when it shrank or was replaced), or whole
when its source says the agent rewrites it (AgentSource.whole_files); its
events are priced and written in the same transaction as its new cursor, so a
crash never half-counts and re-reading never double-counts (rows are keyed
naturally and upserted; repeated keys resolved by the source's `keep` rule).
Nothing here imports a reader, the pricer or the bulk writer until some file
changed: an import with nothing new only walks folders and compares stats.

A big import parses in worker processes and in this one, which writes every
file's rows and parses a file itself whenever no worker's result is waiting:
workers are forked from the command line, started as fresh interpreters from a
multi-threaded process (the GUI's sync thread) and on macOS and Windows. Small
imports (an append, a few files) stay in-process: starting workers would cost
more than they save. Requests are priced here, where they are written: prices
are resolved once, in one process.

Lines not counted are reported per reason (`lines_skipped`): bad input
(invalid_json, non_utf8, huge_line, not_an_object, bad_number, bad_timestamp,
missing_model, unknown_kind, file_error, and whatever reasons a plug-in's
reader counts) and lines that are rightly not
counted (duplicate, synthetic, no_usage, not_advanced, fork_replay,
no_usage_info, total_regressed); bad_rate_limits counts plan windows that could
not be read (their line's usage still counts). Plan limit-window readings
(Codex `rate_limits`) are written in the same transaction as the events and
cursors of their files. Only lines that pass a reader's prefilter
can be classified; a half line at the end of a file is pending, not bad.
"""

from __future__ import annotations

import functools
import gc
import os
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tracker.core.collector import collector_paused
from tracker.core.plain_record import PlainRecord
from tracker.core.records import Cursor, replaces_copy
from tracker.services.log_changes import (  # noqa: F401  (this module's names too)
    IMPORT_FOLDERS_SETTING, ImportReport, changed_files, roots_with_folders,
)
from tracker.sources import registry
from tracker.sources.discovery import FileStat, path_text

Progress = Callable[[dict], None]

BATCH_EVENTS = 20_000  # events per transaction (with the cursors of their files)
# Below these many bytes to read, starting workers costs more than it saves: a forked worker
# starts in milliseconds, a spawned one imports the readers first (~0.2 s).
PARALLEL_MIN_BYTES = 16 * 1024 * 1024
SPAWN_MIN_BYTES = 64 * 1024 * 1024
# Small files go to the workers in groups of at least this many bytes: one pool message per file
# made the pool's own threads cost ~1 s of the parent's CPU on a 2,000-file import.
TASK_MIN_BYTES = 4 * 1024 * 1024
WORKER_GROUPS_AHEAD = 2  # groups queued per worker, so that none waits while this process writes
OWN_CHECK_BYTES = 1024 * 1024  # while this process parses a group itself, it looks for results this often
FILE_ERROR = "file_error"


class _Work(PlainRecord):
    """A file to read: its source, its stat, its cursor, and whether it is read whole (the agent rewrites it)
    rather than from the cursor's offset."""

    _fields = __slots__ = ("kind", "stat", "cursor", "whole")
    __hash__ = None  # (the cursor is a dict)

    def __init__(self, kind: str, stat: FileStat, cursor: dict | None, whole: bool = False):
        self.kind, self.stat, self.cursor, self.whole = kind, stat, cursor, whole


def _read(work: _Work):
    """(work, ReadResult, cursor, error) of one file (in a worker or in-process); the result's
    limit-window readings as store rows already (its requests are priced where they are written).

    Errors are returned; only a given-up read raises.
    """
    from tracker.sources import logfiles as lf  # the readers' machinery: only when a file changed
    from tracker.storage.limits import reading_row

    try:
        parse = registry.get(work.kind).reader()
        if work.whole:
            result, cursor = lf.read_whole(work.stat, parse)
        else:
            result, cursor = lf.read_incremental(work.stat, work.cursor, parse)
    except lf.ReadAbandoned:
        raise
    except OSError as exc:
        return work, None, None, f"{path_text(work.stat.path)}: cannot read ({exc.strerror or exc})"
    except Exception as exc:  # a reader bug (or a plug-in's reader that fails to import) must not stop the other files
        return work, None, None, f"{path_text(work.stat.path)}: {type(exc).__name__}: {exc}"
    result.readings = [reading_row(r) for r in result.readings]
    return work, result, cursor, None


# The event a worker's import sets when it is abandoned (an error, the app quitting; set by _start_worker).
_WORKER_ABANDONED = None


class WorkAbandoned(Exception):
    """The import a worker reads for was abandoned: its reads stop within a block."""


def _start_worker(abandoned, parent_pid: int) -> None:
    # first: a worker whose importing process is killed outright (out of memory, a crash, a logout)
    # would otherwise wait on its queue forever, holding the database open
    from tracker.services.parent_watch import exit_with_parent  # (threading: a worker's import only)
    from tracker.sources import logfiles as lf

    exit_with_parent(parent_pid)
    gc.disable()  # a worker only parses (see core.collector); a forked one is started with it off already
    global _WORKER_ABANDONED
    _WORKER_ABANDONED = abandoned
    lf.set_block_hook(_stop_if_abandoned)
    # Ctrl-C reaches the whole process group: the importing process handles it (and then sets
    # `abandoned`); a worker interrupted on its own would print a traceback from the pool's queues.
    # It was started with Ctrl-C held (_ctrl_c_held): ignoring it drops one already pending.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


@contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C in this thread while workers start; it arrives when the block ends.

    A worker starts with this thread's signal mask, so none can be interrupted before
    _start_worker makes it ignore Ctrl-C (it printed a traceback from its bootstrap).
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no process-group Ctrl-C to the workers
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _stop_if_abandoned(_bytes_read: int) -> None:
    if _WORKER_ABANDONED.is_set():
        raise WorkAbandoned()


def _store_rows(work: _Work, result, pricer) -> str | None:
    """Price the file's requests (services.ingest.price_event for UsageEvents, Pricer.price_counts for
    request tuples) and put their store rows in result.events; the error that stopped it, or None.

    In the importing process, which writes them: the prices are resolved once, in one process
    (genai-prices is loaded there only, and only when the price cache does not know a price).
    """
    from tracker.services.ingest import price_event
    from tracker.sources import logfiles as lf
    from tracker.storage.store import import_row

    hints = registry.get(work.kind).pricing
    try:
        rows = []
        for event in result.events:
            # every reader's events pass here: one check for all
            if not isinstance(event.model, str) or not event.model:
                result.skipped[lf.MISSING_MODEL] += 1
                continue
            if lf.implausible(event.tokens):
                result.skipped[lf.BAD_NUMBER] += 1
                continue
            if event.provider is None or not hints.changes_nothing:  # the model id genai-prices knows
                event.model, event.provider = hints.apply(event.model, event.provider)
            price_event(pricer, event)
            rows.append(import_row(event, work.kind))
        if result.rows:
            rows += _price_requests(result.rows, hints, pricer, result.skipped)
    except Exception as exc:  # never lose the other files to one bad record
        return f"{path_text(work.stat.path)}: pricing failed: {type(exc).__name__}: {exc}"
    result.events, result.rows = rows, []
    return None


def _price_requests(requests: list[tuple], hints, pricer, skipped) -> list[tuple]:
    """Import rows (storage.store.IMPORT_COLUMNS) of a reader's requests in core.request_rows form: the checks,
    names and prices that _store_rows gives UsageEvents (storage.store.import_row), without building one per
    request. The same row as import_row of the UsageEvent a request stands for, but for NULL_PARAM in place of
    most Nones.

    Spelled out for the hundreds of thousands of requests of a first import (~1 us a request less than calls
    to Pricer.price_counts and a row builder): a request's price is Pricer.price_counts' memo of its day's
    price (Pricer.day_prices: whole picodollars per token, as price_counts computes them), else price_counts
    itself, which fills that memo (tests/logs/test_request_rows.py compares both ways)."""
    from tracker.core.units import units_text
    from tracker.pricing.linear import tier_index
    from tracker.pricing.pricer import DAY_MS
    from tracker.sources import logfiles as lf
    from tracker.storage.transactions import NULL_PARAM

    price, day_prices, same_names, most = pricer.price_counts, pricer.day_prices, hints.changes_nothing, \
        lf.MAX_REQUEST_TOKENS
    rows = []
    append = rows.append
    for r in requests:
        (key, ts_ms, model, provider, session, project, cwd, branch, u, cr, w5, w1, o, x, tool_use, tier, sidechain,
         speed, units) = r  # (core.request_rows' positions)
        if not isinstance(model, str) or not model:
            skipped[lf.MISSING_MODEL] += 1
            continue
        if max(u, cr, w5, w1, o) > most:  # (lf.implausible_counts)
            skipped[lf.BAD_NUMBER] += 1
            continue
        if provider is None or not same_names:
            model, provider = hints.apply(model, provider)
        ints = None
        if not units:
            found = day_prices.get((model, provider, ts_ms // DAY_MS, tier, speed))
            if found is not None:
                price_id, starts, partly, by_tier = found
                ints = by_tier.get(tier_index(starts, u + cr + w5 + w1) if starts else 0)
        if ints is not None:
            cost = ints[0] * u + ints[1] * cr + ints[2] * w5 + ints[3] * w1 + ints[4] * o + ints[5] * x + ints[6]
        else:
            cost, price_id, partly = price((u, cr, w5, w1, o, x), model, provider, ts_ms, tier, speed, units)
        # NULL_PARAM for the NULLs of most rows (not the sidechain flag, which the import's dedup reads)
        append((key, ts_ms, model, provider, session, project, cwd, branch, u, cr, w5, w1, o, x,
                NULL_PARAM if tool_use is None else int(bool(tool_use)), NULL_PARAM if tier is None else tier,
                NULL_PARAM if cost is None else cost, NULL_PARAM if price_id is None else price_id,
                None if sidechain is None else int(bool(sidechain)), NULL_PARAM if speed is None else speed,
                units_text(units) if units else NULL_PARAM, NULL_PARAM if partly is None else partly))
    return rows


def import_folders(store) -> list[str]:
    return list(store.get_setting(IMPORT_FOLDERS_SETTING, []))


def set_import_folders(store, folders: list[str]) -> None:
    cleaned = []
    for folder in folders:
        folder = folder.strip()
        if folder and folder not in cleaned:
            cleaned.append(folder)
    store.set_setting(IMPORT_FOLDERS_SETTING, cleaned)


def _read_group(group: list[_Work]) -> list[tuple]:
    """_read of each file of a group, in a parse worker."""
    return [_read(work) for work in group]


def _groups(ordered: list[_Work]) -> Iterator[list[_Work]]:
    """Consecutive files with at least TASK_MIN_BYTES to read in all (a big file alone), in order."""
    group, size = [], 0
    for work in ordered:
        group.append(work)
        size += _pending_bytes(work)
        if size >= TASK_MIN_BYTES:
            yield group
            group, size = [], 0
    if group:
        yield group


def _plan_files(store, files: list[Path], report: ImportReport) -> list[_Work]:
    """Files the user named (`tracker import FILE...`), each read by the first source that recognises it.

    Read like any log file (whole or from its cursor, keyed by its path), so naming the same file
    again reads nothing new; the rows' keys (the source's) make an overlapping export add only its new rows.
    """
    loaded = registry.load()
    work = []
    for path in files:
        shown = path_text(str(path))
        try:
            st = os.stat(path)
        except OSError as exc:
            report.files_failed += 1
            report.errors.append(f"{shown}: cannot read ({exc.strerror or exc})")
            continue
        source = next((s for s in loaded.sources.values() if _recognised(s, path, report)), None)
        if source is None:
            report.files_failed += 1
            known = ", ".join(s.name for s in loaded.sources.values() if s.recognises is not None) or "none"
            report.errors.append(f"{shown}: no agent source reads this file (sources that read named files: {known})")
            continue
        stat = FileStat.from_stat(str(path), st)
        figures = report.by_source.setdefault(source.kind, {"files_seen": 0, "files_read": 0, "events_added": 0})
        figures["files_seen"] += 1
        report.files_seen += 1
        if store.cursor_stat_keys(source.kind).get(stat.path) == stat.stat_key:
            report.files_unchanged += 1
            continue
        cursor = store.cursors(source.kind, [stat.path]).get(stat.path)
        work.append(_Work(source.kind, stat, cursor, source.reads_whole(stat.path)))
    return work


def _recognised(source, path: Path, report: ImportReport) -> bool:
    if source.recognises is None:
        return False
    try:
        return bool(source.recognises(path))
    except Exception as exc:  # a plug-in's bug: that source passes, the others may read the file
        report.errors.append(f"{source.name} could not look at {path_text(str(path))}: {type(exc).__name__}: {exc}")
        return False


def _plan(store, roots: dict[str, list[Path]] | None, report: ImportReport) -> list[_Work]:
    work = []
    for kind, source, changed in changed_files(store.cursor_stat_keys, roots, report):
        cursors = store.cursors(kind, [stat.path for stat in changed]) if changed else {}
        work += [_Work(kind, stat, cursors.get(stat.path), source.reads_whole(stat.path)) for stat in changed]
    return work


def _pending_bytes(work: _Work) -> int:
    if work.whole:
        return work.stat.size
    offset = (work.cursor or {}).get("offset") or 0
    return max(0, work.stat.size - offset) if offset <= work.stat.size else work.stat.size


class WorkerDied(RuntimeError):
    """A parse worker process was killed mid-import."""


def _start_method() -> str:
    """How parse workers start from here: "fork" where that is safe, else "spawn".

    Fork (a copy of this process, ready in milliseconds) only on Linux, from
    the main thread of a single-threaded process (the command line): forking
    while other threads run can leave a child holding a lock that no thread
    will release, and the GUI runs its sync in a worker QThread. macOS system
    libraries are not fork-safe (Python defaults to spawn there) and Windows
    cannot fork. Spawned workers are fresh interpreters: safe from any thread,
    slower to start (hence SPAWN_MIN_BYTES). In a pyinstaller bundle a spawned
    worker is the app's own executable, which build/launcher.py turns into a
    worker (multiprocessing.freeze_support) before anything else runs.
    """
    import threading  # (only where workers may start: a small import does without it)

    if (
        sys.platform.startswith("linux")
        and threading.current_thread() is threading.main_thread()
        and threading.active_count() == 1
    ):
        return "fork"
    return "spawn"


def _results(work: list[_Work], workers: int | None, report: ImportReport,
             reading: Callable[[_Work, int], None]) -> Iterator[tuple]:
    """_read's (work, result, cursor, error) per file, in this process and in parse workers.

    In this process, reading(work, bytes read) is called between blocks of a file.
    """
    if workers is None:  # a process per core, this one included, when there is enough to read to pay for workers
        total = sum(_pending_bytes(w) for w in work)
        # (below the lower of the two sizes, how workers would start is not asked: threading, ~0.5 ms at
        # start-up, is not loaded for a small import)
        big_enough = total >= PARALLEL_MIN_BYTES and \
            total >= (PARALLEL_MIN_BYTES if _start_method() == "fork" else SPAWN_MIN_BYTES)
        # This process writes every row (pricing, SQLite, the end of the transaction: the import's longest
        # part) and parses when no result waits; a worker more than the cores left beside it took a core from
        # it: on 2 cores one worker instead of two, a first import of 300 MiB used 2-4% less CPU (alternating
        # rounds, tests/benchmarks/RESULTS-import.md, branch first10) and no more wall.
        workers = (os.cpu_count() or 1) if big_enough else 1
    if workers <= 1 or len(work) < 2:
        yield from _in_process(work, reading)
        return
    method = _start_method()
    # largest first so that no big file is left for the end of the run
    ordered = sorted(work, key=_pending_bytes, reverse=True)
    import multiprocessing  # ~3 ms at start-up: only when the import is big enough for workers
    from tracker.pricing import genai_lean
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # Forked workers fed through pipes (_ForkedWorkers), spawned ones by an executor, never multiprocessing.Pool:
    # a Pool whose worker is killed (out of memory, a user's kill) waits for that worker's result forever, which
    # would stop every later sync of the app. Both tell a killed worker (BrokenProcessPool).
    groups = deque(_groups(ordered))
    started = min(workers - 1, len(groups))  # this process parses too
    pool = None
    try:
        with _ctrl_c_held():
            if method == "fork":
                _load_before_fork(work)
            context = multiprocessing.get_context(method)
            abandoned = context.Event()
            # the executor's threads (spawned workers) start here: genai-prices is made ready to load lean (without
            # its update client) while this thread is still alone, as pricing the workers' results will load it
            genai_lean.load()
            if method == "fork":
                pool = _ForkedWorkers(list(groups), started, context, abandoned)
            else:
                pool = _Executor(ProcessPoolExecutor(started, mp_context=context, initializer=_start_worker,
                                                     initargs=(abandoned, os.getpid())))
            in_flight = [pool.submit(groups.popleft()) for _ in range(started)]
    except (OSError, ImportError) as exc:  # no semaphores (no /dev/shm), no process left (a limit): one core works
        import logging

        logging.getLogger(__name__).warning("log import: parse workers could not start (%s); reading in this process",
                                            exc)
        if pool is not None:  # some groups may have started: stop them rather than wait for them
            abandoned.set()
            pool.shutdown(wait=True, cancel_futures=True)
        yield from _in_process(work, reading)
        return
    except BaseException:  # Ctrl-C held while they started: the workers stop within a block
        if pool is not None:
            abandoned.set()
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    report.workers = started
    finished = False
    try:
        yield from _shared(groups, in_flight, pool, started * WORKER_GROUPS_AHEAD, reading)
        finished = True
    except BrokenProcessPool as exc:
        raise WorkerDied("a log-reading worker process ended unexpectedly (killed, or out of memory); "
                         "what it had not finished is read again by the next import") from exc
    finally:
        if not finished:  # an error, or the GUI cancelling a sync on quit: not a wait for a big file's parse
            abandoned.set()  # running groups stop within one block (_stop_if_abandoned); nothing is lost
        pool.shutdown(wait=True, cancel_futures=True)


def _shared(groups: deque, in_flight: list, pool, ahead: int, reading) -> Iterator[tuple]:
    """The workers' results as they finish, and this process's own between them.

    The workers take groups from the big end, each with a few queued so that none waits for
    this process (which writes every result); whenever no result is ready, this process
    parses a group from the small end itself rather than wait: the two cores stay busy and
    its own results need no pickling. `pool`: _ForkedWorkers or _Executor.
    """
    while in_flight or groups:
        _queue(groups, in_flight, pool, ahead)
        ready = pool.ready(in_flight)
        if not ready:
            if groups:
                yield from _own_group(groups.pop(), groups, in_flight, pool, ahead, reading)
                continue
            ready = pool.wait(in_flight)
        yield from _take(ready, in_flight, pool)


def _queue(groups: deque, in_flight: list, pool, ahead: int) -> None:
    """Groups from the big end to the workers, up to `ahead` waiting."""
    while groups and len(in_flight) < ahead:
        in_flight.append(pool.submit(groups.popleft()))


def _take(ready: list, in_flight: list, pool) -> Iterator[tuple]:
    for task in ready:
        in_flight.remove(task)
        yield from pool.result(task)


def _own_group(group: list[_Work], groups: deque, in_flight: list, pool, ahead: int, reading) -> Iterator[tuple]:
    """A group from the small end, parsed here. A forked worker whose results outgrow its pipe's buffer waits
    until this process reads them: every OWN_CHECK_BYTES, the results that wait are read (and the workers
    queued more) before this process goes on with its group. The group stays here: a worker is only ever
    sent the number of a group it inherited (a few bytes), so no send here can block on a worker that is
    itself blocked sending its results."""
    parsed = 0
    for item in group:
        yield from _in_process([item], reading)
        parsed += _pending_bytes(item)
        if parsed >= OWN_CHECK_BYTES:
            parsed = 0
            ready = pool.ready(in_flight)
            if ready:
                yield from _take(ready, in_flight, pool)
                _queue(groups, in_flight, pool, ahead)


class _Executor:
    """A ProcessPoolExecutor (spawned workers) as _shared uses a pool: its futures are the tasks."""

    def __init__(self, executor):
        self.executor = executor

    def submit(self, group: list[_Work]):
        return self.executor.submit(_read_group, group)

    @staticmethod
    def ready(in_flight: list) -> list:
        return [future for future in in_flight if future.done()]

    @staticmethod
    def wait(in_flight: list) -> list:
        from concurrent.futures import FIRST_COMPLETED, wait

        return list(wait(in_flight, return_when=FIRST_COMPLETED)[0])

    @staticmethod
    def result(future) -> list[tuple]:
        return future.result()

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=cancel_futures)


class _ForkedWorkers:
    """Parse workers forked from this process (the command line), fed through pipes by this thread alone:
    the executor's work without its two threads. A process that has ever run a second thread pays for it in
    every lock it takes from then on (glibc takes a lock without an atomic instruction in a process that
    never had threads: SQLite's mutex around each bound parameter and step, the allocator's); the threads'
    own work (the results read and unpickled beside this thread) goes too.

    Each worker inherits the groups (the fork) and is sent the numbers of those it is to read, in turn; it
    sends back each group's results in that order, or the exception that stopped it. A task is (a worker's
    pipe, the group). A worker that ends without a word (killed) is BrokenProcessPool, as with the
    executor.
    """

    def __init__(self, groups: list[list[_Work]], count: int, context, abandoned):
        self.groups = groups  # (held: the numbers are of these objects' ids)
        self.numbers = {id(group): number for number, group in enumerate(groups)}
        self.abandoned = abandoned
        self.workers = []  # (process, this end of its pipe)
        self.sent: dict = {}  # this end of a worker's pipe -> its tasks not answered yet, oldest first
        try:
            for _ in range(count):
                mine, theirs = context.Pipe()
                others = [conn for _, conn in self.workers] + [mine]  # (a worker keeps its own end only)
                process = context.Process(target=_forked_worker, args=(theirs, others, groups, abandoned,
                                                                       os.getpid()), daemon=True)
                try:
                    process.start()
                finally:
                    theirs.close()
                self.workers.append((process, mine))
                self.sent[mine] = deque()
        except BaseException:  # (no process left; Ctrl-C held meanwhile): those started stop
            abandoned.set()
            self.shutdown()
            raise

    def submit(self, group: list[_Work]) -> tuple:
        """Group sent to the worker with the fewest groups waiting, by its number (every worker inherited it)."""
        conn = min(self.sent, key=lambda c: len(self.sent[c]))
        conn.send(self.numbers[id(group)])
        task = (conn, group)
        self.sent[conn].append(task)
        return task

    def ready(self, in_flight: list, timeout: float | None = 0) -> list[tuple]:
        """The tasks whose results wait in their pipe (a worker answers its tasks in order)."""
        from multiprocessing.connection import wait

        return [self.sent[conn][0] for conn in wait([conn for conn, tasks in self.sent.items() if tasks], timeout)]

    def wait(self, in_flight: list) -> list[tuple]:
        return self.ready(in_flight, None)

    def result(self, task: tuple) -> list[tuple]:
        conn, group = task
        self.sent[conn].popleft()
        try:
            answer = conn.recv_bytes()
        except (EOFError, OSError) as exc:  # killed (out of memory, a user's kill): its pipe closed
            from concurrent.futures.process import BrokenProcessPool

            raise BrokenProcessPool("a parse worker ended") from exc
        failed, value = _unpacked(group, answer)
        if failed:
            raise value
        return value

    def shutdown(self, wait: bool = True, cancel_futures: bool = True) -> None:
        """Workers told to stop (or, abandoned, stopped within a block), their pipes closed, each waited for."""
        for _, conn in self.workers:
            try:
                if not self.abandoned.is_set():
                    conn.send(None)
            except OSError:  # it ended already
                pass
            conn.close()  # a worker still sending its results (abandoned) sees the pipe closed and ends
        for process, _ in self.workers:
            process.join()


def _forked_worker(conn, others: list, groups: list[list[_Work]], abandoned, parent_pid: int) -> None:
    """A forked parse worker: reads the groups whose numbers it is sent, until it is sent None. `others`: the
    importing process's ends of the pipes, which the fork copied (closed here, so that a worker sees the
    importing process close its end)."""
    _start_worker(abandoned, parent_pid)
    for other in others:
        other.close()
    try:
        while True:
            task = conn.recv()
            if task is None:
                return
            try:
                answer = _packed(_read_group(groups[task]))
            except WorkAbandoned:
                return
            except Exception as exc:  # what the executor raises from a task's result: raised there
                answer = _pickled(True, exc)
            conn.send_bytes(answer)
    except (EOFError, OSError):  # the importing process closed its end: it gave the import up
        return


# A forked worker's answer for a group: MARSHALLED and the results in plain form (_packed), or PICKLED and
# (failed, the results or the exception that stopped it).
MARSHALLED, PICKLED = b"M", b"P"


def _packed(results: list[tuple]) -> bytes:
    """A group's _read results as a forked worker sends them: without the work items (the importing process has
    them: it sent the group's number), each ReadResult as the list of its fields, marshalled: marshal writes and
    reads these lists of tuples, numbers and texts in ~60% of pickle's time (the ~30,000 rows and ~20,000 readings
    of 300 MiB of logs: ~32 vs ~50 ms, both ends). Both ends are one interpreter (a fork). A result marshal does
    not take (a plug-in's UsageEvents, a subclass of a plain type, an attribute a reader added) is pickled,
    with the rest of its group, as it always was."""
    import marshal

    names = _result_fields()
    skipped = names.index("skipped")
    plain = []
    for _, result, cursor, error in results:
        if result is not None:
            fields = vars(result)
            if len(fields) != len(names) or type(result.skipped) is not Counter:
                return _pickled(False, results)
            try:
                result = [fields[name] for name in names]
            except KeyError:
                return _pickled(False, results)
            result[skipped] = dict(result[skipped])  # (a Counter: marshal takes plain dicts only)
        plain.append((result, cursor, error))
    try:
        return MARSHALLED + marshal.dumps(plain)
    except ValueError:  # "unmarshallable object"
        return _pickled(False, results)


def _pickled(failed: bool, value) -> bytes:
    from multiprocessing.reduction import ForkingPickler

    return PICKLED + bytes(ForkingPickler.dumps((failed, value)))


def _unpacked(group: list[_Work], answer: bytes) -> tuple[bool, object]:
    """(failed, the group's _read results or the exception that stopped it) from a forked worker's answer."""
    if answer[:1] == PICKLED:
        from multiprocessing.reduction import ForkingPickler

        return ForkingPickler.loads(memoryview(answer)[1:])
    import marshal
    from tracker.sources.logfiles import ReadResult

    names = _result_fields()
    results = []
    for work, (plain, cursor, error) in zip(group, marshal.loads(memoryview(answer)[1:]), strict=True):
        result = None
        if plain is not None:
            result = ReadResult.__new__(ReadResult)
            result.__dict__.update(zip(names, plain, strict=True))
            result.skipped = Counter(result.skipped)
        results.append((work, result, cursor, error))
    return False, results


def _result_fields() -> tuple[str, ...]:
    """A ReadResult's fields, in order (a dataclass)."""
    from tracker.sources.logfiles import ReadResult

    return tuple(ReadResult.__dataclass_fields__)


def _load_before_fork(work: list[_Work]) -> None:
    """The readers, which every forked worker would otherwise import on its own."""
    for kind in {item.kind for item in work}:
        parse = registry.get(kind).reader()
        # a reader that reads a process's first bytes without its fast decoder (a built-in's msgspec decoder,
        # ~7 ms to import) loads that decoder here, for a big import's workers: once, not in each of them
        load = getattr(parse, "load_for_big_reads", None)
        if load is not None:
            load()


def _in_process(work: list[_Work], reading: Callable[[_Work, int], None]) -> Iterator[tuple]:
    from tracker.sources import logfiles as lf

    for item in work:
        previous = lf.set_block_hook(functools.partial(reading, item))
        try:
            done = _read(item)
        except lf.ReadAbandoned as stop:  # `reading` raised (the GUI cancelling): that, not a file error
            raise (stop.__cause__ or stop) from None
        finally:
            lf.set_block_hook(previous)
        yield done


class _Batch:
    """Rows and cursors of one source waiting for their transaction."""

    def __init__(self, kind: str, keep_most_complete: bool, flushed: set[int] | None):
        self.kind = kind
        self.keep_most_complete = keep_most_complete
        self.rows: dict[str, tuple] = {}
        self.readings: list[tuple] = []
        self.cursors: list[Cursor] = []
        self.duplicates = 0
        self.again = 0  # keys of this batch that an earlier batch of this import wrote (later imports: flushed)
        # The hashes of the keys this import wrote in the kind's earlier batches: a copy of one of them is a
        # duplicate too (still offered to the store, which keeps the most complete), so the count does not
        # depend on where the batches happened to end (the order the workers finish files in). Hashes, not
        # the keys (two keys of one hash, one chance in ~10^8, only miscount a skip count). None on a first
        # import (into an empty table), where every stored key the store meets is this import's own: the
        # store's count of rows added tells those copies (flush), without ~40 MB of hashes at 4 GiB.
        self.flushed = flushed

    def next(self) -> "_Batch":
        """The kind's next batch, once this one is written."""
        if self.flushed is not None:
            self.flushed.update(map(hash, self.rows))
        return _Batch(self.kind, self.keep_most_complete, self.flushed)

    def add(self, rows: Iterable[tuple], cursor: Cursor, readings: Iterable[tuple] = ()) -> None:
        from tracker.storage.bulk import ROW_KEY, ROW_SIDECHAIN, ROW_TOKENS

        self.readings += readings
        most_complete = self.keep_most_complete
        mine, flushed = self.rows, self.flushed
        for row in rows:
            key = row[ROW_KEY]
            old = mine.get(key)
            if old is None and flushed and hash(key) in flushed:
                self.duplicates += 1
                self.again += 1
            elif old is not None:
                self.duplicates += 1
                if most_complete and not replaces_copy(row[ROW_SIDECHAIN], sum(row[ROW_TOKENS]),
                                                       old[ROW_SIDECHAIN], sum(old[ROW_TOKENS])):
                    continue
            mine[key] = row
        self.cursors.append(cursor)

    def __len__(self) -> int:
        return len(self.rows)


def import_logs(
    store,
    pricer,
    roots: dict[str, list[Path]] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    files: list[Path] | None = None,
) -> ImportReport:
    """Read what is new in every agent log and store it.

    `pricer` is a Pricer, or a function that makes one: it is called only when
    some file changed, so an import with nothing new never loads prices.
    `roots` limits the import to the given sources and folders ({kind: [dirs]},
    dirs as the agents' environment variables name them); None reads every
    source from the environment and the defaults. `workers`: how many processes
    parse, this one included (it writes too, and parses whenever no result
    waits): None is a process per core, this one and a worker on each other core,
    when there is enough to read, else 1 (all in this process); a number is used as given. Workers never
    run where _start_method() says they cannot. `files` (the user's `tracker import FILE...`)
    reads those files only, each by the source whose `recognises` accepts it (AgentSource.recognises).
    """
    started = time.perf_counter()
    report = ImportReport()
    work = _plan_files(store, files, report) if files is not None else _plan(store, roots, report)
    if not work:
        report.seconds = time.perf_counter() - started
        return report
    from tracker.storage.bulk import bulk_writes, write_import_rows  # only with something to write

    if callable(pricer):
        pricer = pricer()
    bytes_total = sum(_pending_bytes(w) for w in work)
    files_total = len(work)
    done_files = done_bytes = 0
    sources = registry.sources()
    batches: dict[str, _Batch] = {}

    def emit(path: str = "", within_file: int = 0) -> None:
        if progress is not None:
            progress({"stage": "logs", "files_done": done_files, "files_total": files_total,
                      "bytes_done": done_bytes + within_file, "bytes_total": bytes_total,
                      "path": path_text(path)})

    def reading(item: _Work, bytes_read: int) -> None:
        # between blocks of a file read here: a big file moves the bar, and the GUI can cancel in it
        if bytes_read:
            emit(item.stat.path, min(bytes_read, _pending_bytes(item)))

    def flush(batch: _Batch) -> None:
        if not batch.cursors:
            return
        # rows arrive priced (services.ingest.price_event, run where they were
        # parsed); this is the ingest write: rows and cursors in one transaction.
        # Key order fills the primary-key index left to right: fewer page splits.
        rows = [batch.rows[key] for key in sorted(batch.rows)]
        result = write_import_rows(store, batch.kind, rows, batch.cursors,
                                   keep_most_complete=batch.keep_most_complete, reading_rows=batch.readings)
        report.limit_readings += len(batch.readings)
        report.events_added += result.events_added
        report.by_source[batch.kind]["events_added"] += result.events_added
        copies = batch.duplicates
        if batch.flushed is None:  # a first import: a key the store already had came from an earlier batch
            again = len(rows) - result.events_added
            copies += again
        else:  # (already counted as duplicates by add)
            again = batch.again
        # requests written, each once: a copy of one an earlier batch of this import wrote is not another (the
        # count must not move with where the batches ended)
        report.events_written += result.events_written - again
        if copies:
            report.lines_skipped["duplicate"] += copies
        batches[batch.kind] = batch.next()

    emit()
    with collector_paused(), bulk_writes(store) as first_import:
        batches.update((kind, _Batch(kind, source.keeps_most_complete, None if first_import else set()))
                       for kind, source in sources.items())
        for item, result, cursor, error in _results(work, workers, report, reading):
            if error is None:
                with _ctrl_c_held():  # genai-prices may load meanwhile: an import cut short breaks pydantic's classes
                    error = _store_rows(item, result, pricer)
            done_files += 1
            done_bytes += _pending_bytes(item)
            if error is not None:
                report.files_failed += 1
                report.errors.append(error)
                report.lines_skipped[FILE_ERROR] += 1
                emit(item.stat.path)
                continue
            report.files_read += 1
            report.by_source[item.kind]["files_read"] += 1
            report.bytes_read += result.bytes_read
            report.lines_parsed += result.lines_seen
            report.lines_skipped.update(result.skipped)
            batch = batches[item.kind]
            batch.add(result.events, Cursor(item.kind, item.stat.path, cursor, item.stat.stat_key), result.readings)
            if len(batch) >= BATCH_EVENTS:
                flush(batch)
            emit(item.stat.path)
        for batch in list(batches.values()):
            flush(batch)
    pricer.save_cache()
    report.seconds = time.perf_counter() - started
    return report
