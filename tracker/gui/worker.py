"""Background sync: a QObject on its own QThread, with its own timer and database connection.

The worker calls the same sync service as `tracker import` / `tracker poll`
(`services.sync.run_sync` by default; injected in tests). Agent logs are read
every `logs_interval_s`, provider accounts every `providers_interval_s`, and a
wall-clock gap bigger than the timer explains (sleep/resume) triggers a
catch-up of both. Results and errors go out as signals, received by @Slot
methods of GUI-thread objects.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QMetaObject, QObject, Qt, QThread, QTimer, Signal, Slot

from tracker.services.context import AppContext
from tracker.services.settings import DEFAULT_LOGS_INTERVAL_S, DEFAULT_PROVIDERS_INTERVAL_S
from tracker.services.status import budget_alerts, open_nudges

log = logging.getLogger(__name__)

WAKE_GAP_S = 120  # a tick this much later than planned means the machine slept
STOP_WAIT_MS = 10_000

SyncFn = Callable[..., object]
ContextFactory = Callable[[], AppContext]


class SyncCancelled(Exception):
    """Raised from the progress callback when the app is quitting."""


def _default_sync() -> SyncFn:
    from tracker.services.sync import scheduled_sync

    return scheduled_sync


def _report_dict(report: object) -> dict:
    if isinstance(report, dict):
        return report
    as_dict = getattr(report, "as_dict", None)
    return as_dict() if as_dict else {"result": repr(report)}


class SyncWorker(QObject):
    syncStarted = Signal(str)  # "logs" or "all"
    progress = Signal(object)  # dict; `object` passes the Python dict as is (no QVariantMap round trip)
    finished = Signal(object)  # dict: the sync report as a dict, plus "finished_ms"
    failed = Signal(str)  # a sentence for the user
    stopped = Signal()

    def __init__(self, context_factory: ContextFactory, sync_fn: SyncFn | None = None,
                 logs_interval_s: int = DEFAULT_LOGS_INTERVAL_S,
                 providers_interval_s: int = DEFAULT_PROVIDERS_INTERVAL_S,
                 clock: Callable[[], float] = time.time):
        super().__init__()
        self._context_factory = context_factory
        self._sync_fn = sync_fn
        self.logs_interval_s = logs_interval_s
        self.providers_interval_s = providers_interval_s
        self._clock = clock
        self._ctx: AppContext | None = None
        self._timer: QTimer | None = None
        self._paused = False
        self._cancel = threading.Event()  # set from the GUI thread to cut a long import short
        self._last_tick = 0.0
        self._last_providers = 0.0
        self.syncs_run = 0

    # -- lifecycle (worker thread) --------------------------------------
    @Slot()
    def start(self) -> None:
        try:
            self._ctx = self._context_factory()
        except Exception as exc:
            log.exception("sync worker could not open the database")
            self.failed.emit(f"sync cannot open the database: {exc}")
            return
        self._timer = QTimer(self)
        self._timer.setInterval(self.logs_interval_s * 1000)
        self._timer.timeout.connect(self._tick)
        self._timer.start()
        self._last_tick = self._clock()
        # first run: import what is there at once (logs and accounts)
        QTimer.singleShot(0, self.sync_now)

    @Slot()
    def shutdown(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None
        if self._ctx is not None:
            self._ctx.close()
            self._ctx = None
        self.stopped.emit()
        if self.thread() is not QCoreApplication.instance().thread():
            self.thread().quit()

    def cancel(self) -> None:
        """Thread-safe: ask a running sync to stop at its next progress report."""
        self._cancel.set()

    # -- control (queued from the GUI thread) ---------------------------
    @Slot()
    def sync_now(self) -> None:
        self._run(logs=True, providers=True)

    @Slot(bool)
    def set_paused(self, paused: bool) -> None:
        self._paused = paused

    @Slot(int, int)
    def set_intervals(self, logs_s: int, providers_s: int) -> None:
        self.logs_interval_s, self.providers_interval_s = logs_s, providers_s
        if self._timer is not None:
            self._timer.setInterval(logs_s * 1000)

    # -- the schedule ---------------------------------------------------
    @Slot()
    def _tick(self) -> None:
        now = self._clock()
        gap = now - self._last_tick
        self._last_tick = now
        if self._paused:
            return
        if gap > self.logs_interval_s + WAKE_GAP_S:
            log.info("clock gap of %.0f s (sleep or resume): catching up", gap)
            self._run(logs=True, providers=True)
            return
        due_providers = now - self._last_providers >= self.providers_interval_s
        self._run(logs=True, providers=due_providers)

    def _progress(self, info: dict) -> None:
        if self._cancel.is_set():
            raise SyncCancelled()
        self.progress.emit(dict(info))

    def _run(self, logs: bool, providers: bool) -> None:
        if self._ctx is None or self._cancel.is_set():
            return
        self.syncStarted.emit("all" if providers else "logs")
        try:
            sync_fn = self._sync_fn or _default_sync()
            writes_before = self._ctx.store.conn.total_changes
            report = _report_dict(sync_fn(self._ctx, logs=logs, providers=providers, progress=self._progress))
            if self._ctx.store.conn.total_changes != writes_before:
                # New usage: the nudges and client budgets are recomputed here, off the GUI thread.
                report["nudges"] = open_nudges(self._ctx)
                report["budget_alerts"] = budget_alerts(self._ctx)
        except SyncCancelled:
            log.info("sync cancelled: the app is quitting")
            return
        except Exception as exc:  # ImportError of a missing half included: shown, never fatal
            log.error("sync failed: %s", "".join(traceback.format_exception(exc)))
            self.failed.emit(f"sync failed: {exc}")
            return
        finally:
            self.syncs_run += 1
        if providers:
            self._last_providers = self._clock()
        report["finished_ms"] = int(self._clock() * 1000)
        report["providers_polled"] = providers
        self.finished.emit(report)


class SyncController(QObject):
    """GUI-thread owner of the worker and its thread: start, commands, clean stop."""

    requestSync = Signal()
    requestPause = Signal(bool)
    requestIntervals = Signal(int, int)

    def __init__(self, worker: SyncWorker, parent: QObject | None = None):
        super().__init__(parent)
        self.worker = worker
        self.thread = QThread()
        self.thread.setObjectName("tracker-sync")
        worker.moveToThread(self.thread)
        self.thread.started.connect(worker.start)
        self.requestSync.connect(worker.sync_now)
        self.requestPause.connect(worker.set_paused)
        self.requestIntervals.connect(worker.set_intervals)

    def start(self) -> None:
        self.thread.start()

    def stop(self, wait_ms: int = STOP_WAIT_MS) -> bool:
        """Cancel any running sync, stop the timer, close the connection, join the thread."""
        if not self.thread.isRunning():
            return True
        self.worker.cancel()
        # queued into the worker's event loop: runs after the sync in progress returns
        QMetaObject.invokeMethod(self.worker, "shutdown", Qt.ConnectionType.QueuedConnection)
        done = self.thread.wait(wait_ms)
        if not done:
            log.error("sync thread did not stop within %d ms", wait_ms)
        return done
