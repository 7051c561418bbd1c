

def test_extra_import_folders_are_read_with_the_defaults(tmp_path, tracker_home):
    """A folder added in Settings (a copy of ~/.claude) is imported beside the agents' own folders."""
    import json as _json

    from tracker.services.context import open_context
    from tracker.services.settings import set_import_folders
    from tracker.services.sync import run_sync

    copy = tmp_path / "backup-of-claude"
    project = copy / "projects" / "-home-me-proj"
    project.mkdir(parents=True)
    line = {"type": "assistant", "timestamp": "2026-05-01T10:00:00.000Z", "sessionId": "s1", "cwd": "/home/me/proj",
            "requestId": "req_1", "message": {"id": "msg_1", "model": "claude-sonnet-4-5",
                                              "usage": {"input_tokens": 10, "output_tokens": 5}}}
    (project / "s1.jsonl").write_text(_json.dumps(line, separators=(",", ":")) + "\n")  # compact, as Claude writes
    empty = tmp_path / "nothing-here"
    empty.mkdir()
    with open_context() as ctx:
        set_import_folders(ctx.store, [str(copy), str(empty)])
        report = run_sync(ctx, providers=False)
        assert report.errors == []
        assert report.logs["events_added"] == 1
        assert any("nothing-here" in note for note in report.logs["notes"])
        assert run_sync(ctx, providers=False).logs["events_added"] == 0


def test_a_fifo_among_the_logs_is_left_alone_not_waited_on(logs):
    """A named pipe called *.jsonl would block the import forever on open(): only regular files are logs."""
    import os
    import signal

    from tests.logs.conftest import claude_line

    folder = logs.claude_projects / "-home-u-code-app"
    logs.write(folder / "s.jsonl", [claude_line()])
    os.mkfifo(folder / "pipe.jsonl")

    def waited(*_):
        raise TimeoutError("the import waited on the FIFO")

    previous = signal.signal(signal.SIGALRM, waited)  # interrupts a blocked open() in this thread
    signal.alarm(20)
    try:
        report = logs.run()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert report.files_seen == 1 and report.events_added == 1


def test_ctrl_c_waits_while_workers_start_and_workers_ignore_it(monkeypatch):
    """Ctrl-C reaches every process of the group: a parse worker interrupted while it started printed a
    traceback from multiprocessing's bootstrap. Workers start with Ctrl-C held and then ignore it; the
    importing process gets it as soon as they have started (and stops them: test_crashes)."""
    import gc
    import signal
    import threading

    import pytest

    from tracker.services import log_import
    from tracker.sources import logfiles as lf

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("Python delivers Ctrl-C to the main thread only")
    me = threading.get_ident()  # this thread, not the process: another thread would take a process signal
    previous_handler = signal.signal(signal.SIGINT, signal.default_int_handler)  # what Ctrl-C does, whatever ran before
    try:
        with pytest.raises(KeyboardInterrupt):
            with log_import._ctrl_c_held():
                signal.pthread_kill(me, signal.SIGINT)  # held: nothing happens inside the block
                assert signal.SIGINT in signal.sigpending()
        assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())

        watched = []  # here, in the test's own process, no parent watch (tests/reliability: kills)
        from tracker.services import parent_watch

        monkeypatch.setattr(parent_watch, "exit_with_parent", watched.append)
        with log_import._ctrl_c_held():  # as a worker starts: Ctrl-C held, then _start_worker
            signal.pthread_kill(me, signal.SIGINT)
            log_import._start_worker(None, 4242)
        assert watched == [4242]
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # the pending one was dropped, not raised
        assert signal.SIGINT not in signal.sigpending()
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        lf.set_block_hook(None)  # _start_worker set a worker's
        gc.enable()  # and turned a worker's cycle collector off


def test_a_worker_follows_a_watched_process_that_is_not_its_parent():
    """In the pyinstaller bundle a spawned worker's parent is a bootloader, not the importing process:
    the watch then probes the importing process's pid, and the worker ends soon after it does."""
    import subprocess
    import sys

    import pytest

    from tracker.services.parent_watch import ORPHANED_EXIT_STATUS

    if sys.platform == "win32":
        pytest.skip("POSIX pid probe")
    watched = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    worker = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from tracker.services.parent_watch import exit_with_parent\n"
                               f"exit_with_parent({watched.pid}); print('watching', flush=True); time.sleep(120)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline().strip() == "watching"
        assert worker.poll() is None  # alive while the watched process is
        watched.kill()
        watched.wait()
        assert worker.wait(timeout=60) == ORPHANED_EXIT_STATUS
    finally:
        for proc in (watched, worker):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        worker.stdout.close()


def test_the_cycle_collector_is_off_while_an_import_reads_and_back_after(logs, monkeypatch):
    """Paused for the rows' sake (core.collector.collector_paused, in services.log_import), in the workers too;
    restored as it was, after an import that fails as well; an import with nothing new leaves it alone."""
    import gc

    from tests.logs.conftest import claude_line
    from tracker.services import log_import

    for i in range(3):
        logs.write(logs.claude_projects / "-home-u-app" / f"s{i}.jsonl",
                   [claude_line(msg_id=f"m{i}-{j}", req_id=f"r{i}-{j}") for j in range(3)])
    seen = []
    read = log_import._read

    def reading(work):
        seen.append(gc.isenabled())
        return read(work)

    monkeypatch.setattr(log_import, "_read", reading)
    assert gc.isenabled()
    assert logs.run(workers=1).events_added == 9
    assert seen == [False] * 3 and gc.isenabled()
    assert logs.run().events_added == 0 and gc.isenabled()

    gc.disable()  # whoever turned it off keeps it off
    try:
        logs.write(logs.claude_projects / "-home-u-app" / "s0.jsonl", [claude_line(msg_id="m-new")], mode="a")
        assert logs.run(workers=1).events_added == 1
        assert not gc.isenabled()
    finally:
        gc.enable()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("tracker.storage.bulk.write_import_rows", broken)
    logs.write(logs.claude_projects / "-home-u-app" / "s1.jsonl", [claude_line(msg_id="m-more")], mode="a")
    try:
        logs.run(workers=1)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the write error should reach the caller")
    assert gc.isenabled()


def test_a_parse_worker_runs_without_the_cycle_collector():
    import gc
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tracker.services import log_import

    context = multiprocessing.get_context("spawn")  # a fresh interpreter: what _start_worker does, not fork's copy
    with ProcessPoolExecutor(1, mp_context=context, initializer=log_import._start_worker,
                             initargs=(context.Event(), 0)) as pool:
        assert pool.submit(gc.isenabled).result() is False


def test_a_group_parsed_here_gives_way_to_a_waiting_result(monkeypatch):
    """While the importing process parses a group itself, a forked worker may wait to send its results (its
    pipe's buffer full): every OWN_CHECK_BYTES it looks, and a result that waits is read (and the workers
    queued more) before it goes on with its own group, which stays here; every file is read once."""
    from collections import deque

    from tracker.services import log_import
    from tracker.sources.discovery import FileStat

    class Pool:  # a worker whose result waits from the third look on
        looks = 0
        submitted = []

        def submit(self, group):
            self.submitted.append(group)
            return [item.stat.path for item in group]

        def ready(self, in_flight):
            self.looks += 1
            return list(in_flight) if self.looks > 2 else []

        def wait(self, in_flight):
            return list(in_flight)

        def result(self, task):
            return [("worker", path) for path in task]

    monkeypatch.setattr(log_import, "OWN_CHECK_BYTES", 100)
    monkeypatch.setattr(log_import, "_in_process", lambda items, reading: [("here", item.stat.path) for item in items])
    own = [log_import._Work("codex", FileStat(f"/logs/f{i}", 0, 0, 60, 0), None) for i in range(5)]
    pool = Pool()
    order = list(log_import._shared(deque([own]), [["/logs/big"]], pool, 1, None))
    # no result at the first look: the group starts here; 120 bytes later none yet; 120 more, one waits
    assert order == [("here", "/logs/f0"), ("here", "/logs/f1"), ("here", "/logs/f2"), ("here", "/logs/f3"),
                     ("worker", "/logs/big"), ("here", "/logs/f4")]
    assert pool.submitted == []  # no part of a group begun here goes to a worker
