"""The sync worker: its own thread, timer and connection; syncing, errors, catch-up, pause, clean stop."""

from __future__ import annotations

import threading

import pytest
from datetime import datetime

from tracker.core.records import UsageEvent
from tracker.core.timeutil import UTC, to_ms
from tracker.core.tokens import Tokens
from tracker.gui.model import DashboardModel
from tracker.gui.worker import WAKE_GAP_S, SyncController, SyncWorker
from tracker.paths import get_paths
from tracker.services.context import open_context
from tracker.services.ingest import ingest
from tracker.services.sync import SyncReport


class DemoRowsSync:
    """A real sync function: writes usage rows through the ingest service, reports progress."""

    def __init__(self, fail: Exception | None = None, steps: int = 2):
        self.calls: list[tuple[bool, bool]] = []
        self.threads: set[int] = set()
        self.fail = fail
        self.steps = steps

    def __call__(self, ctx, logs=True, providers=True, progress=None):
        self.calls.append((logs, providers))
        self.threads.add(threading.get_ident())
        if self.fail:
            raise self.fail
        n = len(self.calls)
        for step in range(self.steps):
            if progress:
                progress({"source": "claude_code", "done": step + 1, "total": self.steps})
        events = [UsageEvent(source="claude_code", key=f"sync{n}-{i}", ts_ms=to_ms(datetime.now(UTC)) - i * 1000,
                             model="claude-sonnet-4-5", provider="anthropic",
                             tokens=Tokens(input_tokens=100, output_tokens=50)) for i in range(5)]
        result = ingest(ctx.store, ctx.pricer, events=events)
        return SyncReport(logs={"events_added": result.events_added})


_STARTED: list[SyncController] = []


def _controller(sync_fn, **kw):
    paths = get_paths()
    worker = SyncWorker(lambda: open_context(paths), sync_fn, **kw)
    controller = SyncController(worker)
    _STARTED.append(controller)
    return controller, worker


@pytest.fixture(autouse=True)
def stop_controllers():
    """A failing assertion must not leave a thread behind for the next test."""
    yield
    while _STARTED:
        _STARTED.pop().stop()


def test_worker_syncs_in_its_thread_and_stops_cleanly(qtbot, ctx):
    sync = DemoRowsSync()
    controller, worker = _controller(sync)
    model = DashboardModel(ctx)
    worker.syncStarted.connect(model.on_sync_started)
    worker.progress.connect(model.on_sync_progress)
    worker.finished.connect(model.on_sync_finished)
    progress_seen = []
    worker.progress.connect(progress_seen.append)
    with qtbot.waitSignal(worker.finished, timeout=10_000) as blocker:
        controller.start()
    report = blocker.args[0]
    # qtbot's own callback ran in the worker thread; the model's @Slot is queued to this one
    qtbot.waitUntil(lambda: model.status.last_sync_ms is not None)
    assert report["logs"] == {"events_added": 5} and report["errors"] == []
    assert report["providers_polled"] is True  # the first sync reads logs and accounts
    assert sync.threads and threading.get_ident() not in sync.threads
    # the GUI-thread model received the result and re-read the store through its own connection
    assert model.status.last_sync_ms == report["finished_ms"] and not model.status.running
    assert model.snapshot.today_pico > 0
    assert progress_seen[-1] == {"source": "claude_code", "done": 2, "total": 2}
    # new usage: the worker recomputed the nudges in its thread and the model took them
    assert isinstance(report["nudges"], list) and model.nudges == report["nudges"]
    # sync now, queued from the GUI thread
    with qtbot.waitSignal(worker.finished, timeout=10_000):
        controller.requestSync.emit()
    assert ctx.store.counts()["events"] == 10  # the GUI connection sees the worker's writes
    assert controller.stop()
    assert not controller.thread.isRunning()
    assert worker._ctx is None and worker._timer is None


def test_sync_errors_are_signalled_not_raised(qtbot, ctx):
    controller, worker = _controller(DemoRowsSync(fail=ImportError("No module named 'tracker.services.poll'")))
    model = DashboardModel(ctx)
    worker.failed.connect(model.on_sync_failed)
    with qtbot.waitSignal(worker.failed, timeout=10_000) as blocker:
        controller.start()
    assert "tracker.services.poll" in blocker.args[0]
    qtbot.waitUntil(lambda: bool(model.status.errors))
    assert model.status.errors == [blocker.args[0]]
    assert controller.stop()


def test_real_run_sync_reports_missing_halves_as_errors(qtbot, ctx, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "nohome"))  # never the user's own agent logs
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "nohome" / ".claude"))
    monkeypatch.setenv("CODEX_HOME", str(tmp_path / "nohome" / ".codex"))
    controller, worker = _controller(None)  # the default: services.sync.run_sync
    outcomes: list = []
    worker.finished.connect(outcomes.append)
    worker.failed.connect(outcomes.append)
    controller.start()
    qtbot.waitUntil(lambda: bool(outcomes), timeout=20_000)
    assert controller.stop()
    outcome = outcomes[0]
    if isinstance(outcome, str):  # a half not in this build: a sentence for the UI, not a crash
        assert outcome.startswith("sync failed:") and "tracker.services" in outcome
    else:
        assert set(outcome) >= {"logs", "providers", "errors"}


def test_schedule_catch_up_and_pause(qtbot, ctx):
    now = [1000.0]
    sync = DemoRowsSync(steps=0)
    worker = SyncWorker(lambda: open_context(get_paths()), sync, logs_interval_s=60, providers_interval_s=900,
                        clock=lambda: now[0])
    worker.start()  # in this thread: the schedule is plain method calls
    try:
        qtbot.waitUntil(lambda: len(sync.calls) == 1)  # the immediate first sync
        assert sync.calls[-1] == (True, True)
        now[0] += 60
        worker._tick()
        assert sync.calls[-1] == (True, False)  # logs only: accounts are not due
        now[0] += 900
        worker._tick()
        # a tick 900 s after the last one: the machine slept -> catch up on everything
        assert sync.calls[-1] == (True, True) and 900 > 60 + WAKE_GAP_S
        now[0] += 60
        worker._tick()
        assert sync.calls[-1] == (True, False)
        worker.set_paused(True)
        now[0] += 60
        worker._tick()
        assert len(sync.calls) == 4
        worker.set_paused(False)
        worker.set_intervals(30, 60)
        assert worker._timer.interval() == 30_000
    finally:
        worker.shutdown()
    assert worker._timer is None


def test_cancel_stops_a_long_sync(qtbot, ctx):
    started = threading.Event()

    def slow_sync(ctx, logs=True, providers=True, progress=None):
        started.set()
        for i in range(10_000):
            progress({"stage": "reading", "done": i, "total": 10_000})
            threading.Event().wait(0.001)
        raise AssertionError("the sync was not cancelled")

    controller, worker = _controller(slow_sync)
    finished = []
    worker.finished.connect(finished.append)
    controller.start()
    assert started.wait(10)
    assert controller.stop(wait_ms=10_000)
    assert finished == []


def test_model_skips_refresh_when_nothing_was_written(qtbot, ctx):
    model = DashboardModel(ctx)
    model.refresh()
    assert model.refreshes == 1
    model.on_sync_finished({"finished_ms": 1, "errors": []})
    assert model.refreshes == 1  # nothing new: no query, no repaint
    other = open_context(get_paths())  # another connection writes, as the worker does
    try:
        DemoRowsSync(steps=0)(other)
    finally:
        other.close()
    model.on_sync_finished({"finished_ms": 2, "errors": []})
    assert model.refreshes == 2 and model.snapshot.today_pico > 0


def test_a_sync_that_writes_nothing_does_not_recompute_nudges(qtbot, ctx):
    def quiet(ctx, logs=True, providers=True, progress=None):
        return SyncReport(logs={"events_added": 0})

    controller, worker = _controller(quiet)
    with qtbot.waitSignal(worker.finished, timeout=10_000) as blocker:
        controller.start()
    assert "nudges" not in blocker.args[0]
    assert controller.stop()
