"""The tray app: wiring of the model, the sync worker, the tray and the dashboard window.

`run(state)` is what `tracker` (no subcommand) starts: it opens the dashboard (unless
started in the background, as at login) and keeps a tray icon. Without a system tray
(offscreen, some Linux desktops) closing the window quits; with one, the app keeps
running in the tray. One app runs per user: a second launch shows the running one's
window. The demo is another universe of the same app: "Try the demo" switches the
window over to it, and "Back to my data" switches back, in the same process.
"""

from __future__ import annotations

import logging
import sys
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from tracker.gui.dashboard import DashboardWindow
from tracker.gui.errors import CrashReporter
from tracker.gui.instance import SingleInstance, ask_running_instance
from tracker.gui.model import DashboardModel
from tracker.gui.quit_signals import SignalQuitter
from tracker.gui.appearance import AppearanceWatcher
from tracker.gui.appearance import apply as apply_appearance
from tracker.gui.pages import SETTINGS_PAGE
from tracker.gui.tray import TrayController
from tracker.gui.worker import SyncController, SyncFn, SyncWorker
from tracker.paths import get_paths, make_private_dir
from tracker.services.context import AppContext, open_context, open_universe
from tracker.services.settings import appearance, sync_intervals
from tracker.services.status import StoreError, demo_sync

log = logging.getLogger(__name__)

# At login the panel may start after us: keep looking for a tray this long before settling
# for the window alone (aw-qt waits for a late tray too).
LATE_TRAY_POLL_MS = 2_000
LATE_TRAY_WAIT_MS = 60_000


class TrackerApp(QObject):
    """Owns every long-lived GUI object of one universe; `start()` and `shutdown()` bracket its life."""

    universeRequested = Signal(bool)  # True: show the demo; False: the user's own data

    def __init__(self, ctx: AppContext, sync_fn: SyncFn | None = None, use_tray: bool | None = None,
                 context_factory=None):
        super().__init__()
        self.ctx = ctx
        apply_appearance(appearance(ctx.store))  # before any window or chart is made
        self.appearance = AppearanceWatcher(appearance(ctx.store), self)
        self.model = DashboardModel(ctx, self)
        self.model.background = True  # the figures and the pages are read in a pool thread, never the GUI's
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
        self.model.settingsChanged.connect(self.on_settings_changed)
        self.model.demoRequested.connect(self.universeRequested)
        self.tray: TrayController | None = None
        self.window: DashboardWindow | None = None
        self._auto_tray = use_tray is None
        self._late_tray_timer: QTimer | None = None
        self._late_tray_waited_ms = 0

    def start(self, show_window: bool = True) -> None:
        """Show the tray (or wait for one) and, unless asked not to (start at login), the dashboard."""
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
        if show_window or not self.use_tray:
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
        self.model.close()  # a report queued before the stop still arrives: it must not read the store
        if self.tray is not None:
            self.tray.hide()
        if self.window is not None:
            self.window.keep_running_on_close = False
            self.window.close()

    def dispose(self) -> None:
        """Shut down and free every window now (a switch of universe replaces this app)."""
        self.shutdown()
        if self.window is not None:
            self.window.deleteLater()
            self.window = None
        if self.tray is not None:
            self.tray.dispose()
            self.tray = None
        self.deleteLater()

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
        elif action in ("demo", "leave-demo"):
            self.universeRequested.emit(action == "demo")
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
    def open_settings(self) -> DashboardWindow:
        window = self.open_dashboard()
        window.show_page(SETTINGS_PAGE)
        return window

    @Slot()
    def on_settings_changed(self) -> None:
        logs_s, providers_s = sync_intervals(self.ctx.store)
        self.sync.requestIntervals.emit(logs_s, providers_s)
        self.appearance.set_choice(appearance(self.ctx.store))
        self.model.refresh()


class AppShell(QObject):
    """The running app: the single instance, and the TrackerApp of the universe on show (own data or demo).

    A switch replaces the TrackerApp (its tray, worker and window) by one over the other
    universe's database, at the same window geometry; each universe's context is opened
    once and kept until quit, so switching back and forth costs a window, not a database.
    """

    def __init__(self, ctx: AppContext, instance: SingleInstance | None = None, open_ctx=open_universe,
                 make_app=TrackerApp):
        super().__init__()
        self.instance = instance
        self.open_ctx, self.make_app = open_ctx, make_app
        self._given = ctx  # owned by the caller
        self._contexts: dict[bool, AppContext] = {ctx.demo: ctx}
        self.app = self._new_app(ctx)
        if instance is not None:
            instance.showRequested.connect(self.show)

    def _new_app(self, ctx: AppContext) -> TrackerApp:
        app = self.make_app(ctx)
        app.universeRequested.connect(self.show)
        return app

    def start(self, show_window: bool = True) -> None:
        self.app.start(show_window=show_window)

    @Slot(bool)
    def show(self, demo: bool) -> None:
        """Bring the dashboard to the front, over the demo or the user's data."""
        if demo != self.app.ctx.demo:
            self.switch(demo)
        self.app.open_dashboard()

    def switch(self, demo: bool) -> None:
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the demo's first generation takes a moment
        try:
            ctx = self._contexts.get(demo)
            if ctx is None:
                ctx = self._contexts[demo] = self.open_ctx(demo)
        except Exception as exc:
            log.exception("switching to the %s failed", "demo" if demo else "user's data")
            self.app.model.show_error(f"could not open the {'demo' if demo else 'your data'}: {exc}")
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
        old = self.app.window
        geometry, maximized = (old.geometry(), old.isMaximized()) if old is not None else (None, False)
        page = old.current_page() if old is not None else None
        self.app.dispose()
        self.app = self._new_app(ctx)
        self.app.start(show_window=False)
        window = self.app.open_dashboard()
        if geometry is not None:  # where the user had it, not back at the first size
            window.setGeometry(geometry)
            if maximized:
                window.showMaximized()
        if page is not None:
            window.show_page(page)
        log.info("switched to the %s", "demo" if demo else "user's data")

    def request_quit(self) -> None:
        self.app.request_quit()

    def shutdown(self) -> None:
        self.app.shutdown()
        for ctx in self._contexts.values():
            if ctx is not self._given:
                ctx.close()
        self._contexts = {self._given.demo: self._given}


def run(state, argv: list[str] | None = None, background: bool = False) -> int:
    """The app's main: one instance per user, a window unless `background` (start at login)."""
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("tracker")
    app.setApplicationDisplayName("Tracker")
    lock_dir = get_paths().data_dir  # one app for both universes: the lock lives with the user's data
    make_private_dir(lock_dir)
    instance = SingleInstance(lock_dir)
    if not instance.acquire():
        if ask_running_instance(lock_dir, state.demo):
            print("Tracker is already running: its window is in front now.", file=sys.stderr)
            return 0
        pid = instance.owner_pid()
        print(f"Tracker is already running{f' (process {pid})' if pid else ''} but did not answer; "
              "look for its tray icon, or end that process and start Tracker again.", file=sys.stderr)
        return 1
    try:
        try:
            ctx = state.context()
        except StoreError as exc:  # a damaged or newer database: a sentence, not a traceback
            print(f"Tracker cannot start: {exc}", file=sys.stderr)
            return 1
        reporter = CrashReporter(ctx.paths.log_path)
        reporter.install()
        shell = AppShell(ctx, instance)
        quitter = SignalQuitter(app, shell.request_quit)
        try:
            shell.start(show_window=not background)
            code = app.exec()
        finally:
            shell.shutdown()
            quitter.restore()
            reporter.uninstall()
    finally:
        instance.release()
    log.info("quit with status %s", code)
    return code
