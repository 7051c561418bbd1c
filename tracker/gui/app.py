"""The tray app: wiring of the model, the sync worker, the tray and the dashboard window.

`run(state)` is what `tracker` (no subcommand) starts. Without a system tray
(offscreen, some Linux desktops) the dashboard opens as a normal window and
closing it quits; with a tray, closing the window keeps the app in the tray.
"""

from __future__ import annotations

import logging
import sys
import time

from PySide6.QtCore import QLockFile, QObject, Slot
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

log = logging.getLogger(__name__)

LOCK_FILE = "tracker.lock"
LOCK_WAIT_MS = 200


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

    def start(self) -> None:
        started = time.perf_counter()
        app = QApplication.instance()
        self.model.refresh()
        if self.use_tray:
            app.setQuitOnLastWindowClosed(False)
            self.tray = TrayController(self.model, parent=self)
            self.tray.actionTriggered.connect(self.on_tray_action)
            self.tray.show()
        else:
            log.info("tray: no system tray available; opening the dashboard as a normal window")
        log.info("startup: tray or window shown after %.0f ms", (time.perf_counter() - started) * 1000)
        if not self.use_tray or (is_first_run(self.ctx) and not self.ctx.demo):
            self.open_dashboard()
        self.sync.start()

    def shutdown(self) -> None:
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
            self.settings_dialog = SettingsDialog(self.ctx.store, self.window)
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
    ctx = state.context()
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
