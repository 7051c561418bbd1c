"""App behaviour: no tray -> a normal window; tray mode keeps running on close; one instance;
SIGTERM quits through the normal path; unexpected errors are logged and shown."""

from __future__ import annotations

import logging
import os
import signal
import sys

from PySide6.QtWidgets import QApplication

from tracker.gui.app import AppShell, TrackerApp
from tracker.gui.errors import CrashDialog, CrashReporter
from tracker.gui.quit_signals import SignalQuitter
from tracker.services.sync import SyncReport


def quiet_sync(ctx, logs=True, providers=True, progress=None):
    return SyncReport(logs={"events_added": 0})


def test_no_tray_opens_the_dashboard_as_a_window(qtbot, demo_ctx):
    app = TrackerApp(demo_ctx, sync_fn=quiet_sync, use_tray=False)
    try:
        app.start()
        assert app.tray is None
        assert app.window is not None and app.window.isVisible()
        assert not app.window.keep_running_on_close  # closing it quits the app
        qtbot.waitUntil(lambda: app.model.status.last_sync_ms is not None, timeout=10_000)
    finally:
        app.shutdown()
    assert not app.sync.thread.isRunning()


def test_tray_mode_keeps_running_when_the_window_closes(qtbot, demo_ctx):
    app = TrackerApp(demo_ctx, sync_fn=quiet_sync, use_tray=True)
    try:
        app.start(show_window=False)  # started at login: the tray only
        assert app.tray is not None and not QApplication.instance().quitOnLastWindowClosed()
        assert app.window is None
        window = app.open_dashboard()
        window.close()
        assert not window.isVisible() and app.window is window  # hidden, still there
        app.on_tray_action("pause")
        assert app.model.status.paused
        settings = app.open_settings()
        assert settings.isVisible()
        settings.close()
        app.on_tray_action("sync")
        qtbot.waitUntil(lambda: app.worker.syncs_run >= 1, timeout=10_000)
    finally:
        QApplication.instance().setQuitOnLastWindowClosed(True)
        app.shutdown()


def test_first_run_without_data_opens_the_welcome_page(qtbot, ctx):
    app = TrackerApp(ctx, sync_fn=quiet_sync, use_tray=True)
    try:
        app.start()  # the figures arrive from a pool thread: the welcome page follows them
        qtbot.waitUntil(lambda: app.window is not None and app.window.stack.currentWidget() is app.window.welcome,
                        timeout=10_000)
    finally:
        QApplication.instance().setQuitOnLastWindowClosed(True)
        app.shutdown()


def test_sigterm_quits_through_the_app(qtbot, qapp):
    quits = []
    quitter = SignalQuitter(qapp, on_quit=lambda: quits.append(True))
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: bool(quits), timeout=5_000)
        assert signal.SIGTERM in quitter.received
    finally:
        quitter.restore()
    assert signal.getsignal(signal.SIGTERM) is not quitter._python_handler


def test_unexpected_exception_is_logged_and_reported(qtbot, tmp_path, caplog):
    reporter = CrashReporter(tmp_path / "tracker.log", show_dialog=False)
    reporter.install()
    try:
        with caplog.at_level(logging.ERROR, logger="tracker.crash"):
            try:
                raise RuntimeError("chart exploded")
            except RuntimeError:
                sys.excepthook(*sys.exc_info())
    finally:
        reporter.uninstall()
    assert "RuntimeError: chart exploded" in reporter.reports[0]
    assert "chart exploded" in caplog.text
    dialog = CrashDialog(reporter.reports[0], tmp_path / "tracker.log")
    qtbot.addWidget(dialog)
    assert dialog.details.isReadOnly() and "chart exploded" in dialog.details.toPlainText()


def test_a_late_tray_is_picked_up(qtbot, demo_ctx, monkeypatch):
    from PySide6.QtWidgets import QSystemTrayIcon

    app = TrackerApp(demo_ctx, sync_fn=quiet_sync)  # offscreen: no tray at start
    try:
        app.start()
        assert app.tray is None and app.window.isVisible() and app._late_tray_timer.isActive()
        monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
        app._look_for_tray()
        assert app.tray is not None and app._late_tray_timer is None
        assert app.window.keep_running_on_close
    finally:
        QApplication.instance().setQuitOnLastWindowClosed(True)
        app.shutdown()


def test_unusable_database_is_a_sentence(qapp, tracker_home, capsys):
    from tracker.commands.base import AppState
    from tracker.gui.app import run

    db = tracker_home / "data" / "tracker.db"
    db.parent.mkdir(parents=True)
    db.write_bytes(b"this is not a database" * 100)
    assert run(AppState()) == 1
    assert "Tracker cannot start" in capsys.readouterr().err


def test_a_key_in_an_exception_never_reaches_the_crash_dialog_or_the_log(qtbot, tmp_path):
    from tracker.log import setup_logging

    canary = "sk-ant-admin01-CANARY0123456789abcdef"
    log_file = tmp_path / "logs" / "tracker.log"
    setup_logging(log_file)
    reporter = CrashReporter(log_file, show_dialog=False)
    reporter.install()
    try:
        try:
            raise RuntimeError(f"provider said: bad key {canary}")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        reporter.uninstall()
    assert "provider said: bad key" in reporter.reports[0] and canary not in reporter.reports[0]
    dialog = CrashDialog(reporter.reports[0], log_file)
    qtbot.addWidget(dialog)
    assert canary not in dialog.details.toPlainText()
    root = logging.getLogger("tracker")
    for handler in [h for h in root.handlers if getattr(h, "_tracker_file", None) == str(log_file)]:
        handler.flush()
        root.removeHandler(handler)
        handler.close()
    assert "provider said: bad key" in log_file.read_text() and canary not in log_file.read_text()
