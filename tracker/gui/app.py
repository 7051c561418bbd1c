"""The tray app: wiring of the model, the sync worker, the tray and the dashboard window.

`run(state)` is what `tracker` (no subcommand) starts. Without a system tray
(offscreen, some Linux desktops) the dashboard opens as a normal window and
closing it quits; with a tray, closing the window keeps the app in the tray.
"""

from __future__ import annotations

import logging
import sys
import time

from PySide6.QtCore import QLockFile, QObject, QTimer, Slot
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from tracker.gui.dashboard import DashboardWindow
from tracker.gui.errors import CrashReporter
from tracker.gui.model import DashboardModel
from tracker.gui.quit_signals import SignalQuitter
from tracker.gui.settings_dialog import SettingsDialog
from tracker.gui.tray import TrayController
from tracker.gui.worker import SyncController, SyncFn, SyncWorker
from tracker.services.context import AppContext, open_context
from tracker.services.settings import sync_intervals
from tracker.services.status import demo_sync, is_first_run
from tracker.services.status import StoreError

log = logging.getLogger(__name__)

LOCK_FILE = "tracker.lock"
LOCK_WAIT_MS = 200
# At login the panel may start after us: keep looking for a tray this long before settling
# for the window alone (aw-qt waits for a late tray too).
LATE_TRAY_POLL_MS = 2_000
LATE_TRAY_WAIT_MS = 60_000


class TrackerApp(QObject):
    """Owns every long-lived GUI object; `start()` and `shutdown()` bracket the event loop."""

    def __init__(self, ctx: AppContext, sync_fn: SyncFn | None = None, use_tray: bool | None = None,
                 context_factory=None):
        super().__init__()
        self.ctx = ctx
        self.model = DashboardModel(ctx, self)
        self.use_tray = QSystemTrayIcon.isSystemTrayAvailable() if use_tray is None else use_tray
        logs_s, providers_s = sync_intervals(ctx.store)
        if sync_fn is None and ctx.demo:
            sync_fn = demo_sync  # the demo never reads the user's real logs
        factory = context_factory or (lambda: open_context(ctx.paths, demo=ctx.demo))
        self.worker = SyncWorker(factory, sync_fn, logs_interval_s=logs_s, providers_interval_s=providers_s)
        self.sync = SyncController(self.worker, self)
        self.worker.syncStarted.connect(self.model.on_sync_started)
        self.worker.progress.connect(self.model.on_sync_progress)
        self.worker.finished.connect(self.model.on_sync_finished)
        self.worker.failed.connect(self.model.on_sync_failed)
        self.model.syncRequested.connect(self.sync.requestSync)
        self.model.settingsRequested.connect(self.open_settings)
        self.tray: TrayController | None = None
        self.window: DashboardWindow | None = None
        self.settings_dialog: SettingsDialog | None = None
        self._auto_tray = use_tray is None
        self._late_tray_timer: QTimer | None = None
        self._late_tray_waited_ms = 0

    def start(self) -> None:
        started = time.perf_counter()
        self.model.refresh()
        if self.use_tray:
            self._show_tray()
        else:
            log.info("tray: no system tray available; opening the dashboard as a normal window")
            if self._auto_tray:
                self._late_tray_timer = QTimer(self)
                self._late_tray_timer.setInterval(LATE_TRAY_POLL_MS)
                self._late_tray_timer.timeout.connect(self._look_for_tray)
                self._late_tray_timer.start()
        log.info("startup: tray or window shown after %.0f ms", (time.perf_counter() - started) * 1000)
        if not self.use_tray or (is_first_run(self.ctx) and not self.ctx.demo):
            self.open_dashboard()
        self.sync.start()

    def _show_tray(self) -> None:
        QApplication.instance().setQuitOnLastWindowClosed(False)
        self.tray = TrayController(self.model, parent=self)
        self.tray.actionTriggered.connect(self.on_tray_action)
        self.tray.show()
        if self.window is not None:
            self.window.keep_running_on_close = True

    @Slot()
    def _look_for_tray(self) -> None:
        self._late_tray_waited_ms += LATE_TRAY_POLL_MS
        if QSystemTrayIcon.isSystemTrayAvailable():
            log.info("tray: a system tray appeared after %d ms", self._late_tray_waited_ms)
            self._stop_late_tray_timer()
            self.use_tray = True
            self._show_tray()
        elif self._late_tray_waited_ms >= LATE_TRAY_WAIT_MS:
            self._stop_late_tray_timer()

    def _stop_late_tray_timer(self) -> None:
        if self._late_tray_timer is not None:
            self._late_tray_timer.stop()
            self._late_tray_timer = None

    def shutdown(self) -> None:
        self._stop_late_tray_timer()
        self.sync.stop()
        if self.tray is not None:
            self.tray.hide()
        if self.window is not None:
            self.window.keep_running_on_close = False
            self.window.close()

    @Slot(str)
    def on_tray_action(self, action: str) -> None:
        if action == "sync":
            self.sync.requestSync.emit()
        elif action == "pause":
            self.model.status.paused = not self.model.status.paused
            self.sync.requestPause.emit(self.model.status.paused)
            self.model.statusChanged.emit()
        elif action == "dashboard":
            self.open_dashboard()
        elif action == "settings":
            self.open_settings()
        elif action == "quit":
            self.request_quit()

    @Slot()
    def request_quit(self) -> None:
        """Quit for real: in Qt 6, quit() is refused while a window ignores its close event."""
        if self.window is not None:
            self.window.keep_running_on_close = False
        QApplication.instance().quit()

    @Slot()
    def open_dashboard(self) -> DashboardWindow:
        if self.window is None:
            self.window = DashboardWindow(self.model, keep_running_on_close=self.tray is not None)
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        return self.window

    @Slot()
    def open_settings(self) -> SettingsDialog:
        if self.settings_dialog is None:
            self.settings_dialog = SettingsDialog(self.ctx.store, self.window, demo=self.ctx.demo,
                                                  config_dir=self.ctx.paths.config_dir)
            self.settings_dialog.settingsChanged.connect(self.on_settings_changed)
        self.settings_dialog.show()
        self.settings_dialog.raise_()
        return self.settings_dialog

    @Slot()
    def on_settings_changed(self) -> None:
        logs_s, providers_s = sync_intervals(self.ctx.store)
        self.sync.requestIntervals.emit(logs_s, providers_s)
        self.model.refresh()


def acquire_lock(ctx: AppContext) -> QLockFile | None:
    lock = QLockFile(str(ctx.paths.data_dir / LOCK_FILE))
    lock.setStaleLockTime(0)  # a dead owner's lock is detected by its pid, not by age
    if lock.tryLock(LOCK_WAIT_MS):
        return lock
    return None


def run(state, argv: list[str] | None = None) -> int:
    try:
        ctx = state.context()
    except StoreError as exc:  # a damaged or newer database: a sentence, not a traceback
        print(f"Tracker cannot start: {exc}", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("tracker")
    app.setApplicationDisplayName("Tracker")
    lock = acquire_lock(ctx)
    if lock is None:
        message = f"Tracker is already running (lock {ctx.paths.data_dir / LOCK_FILE}); look for its tray icon."
        print(message, file=sys.stderr)
        log.info(message)
        return 1
    reporter = CrashReporter(ctx.paths.log_path)
    reporter.install()
    tracker_app = TrackerApp(ctx)
    quitter = SignalQuitter(app, tracker_app.request_quit)
    try:
        tracker_app.start()
        code = app.exec()
    finally:
        tracker_app.shutdown()
        quitter.restore()
        reporter.uninstall()
        lock.unlock()
    log.info("quit with status %s", code)
    return code
