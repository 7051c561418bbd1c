"""The front door: a window whenever the user asks for the app, one app at a time, the demo in the
same window, and a sentence instead of Qt's abort when a system library is missing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QRect, QSize
from PySide6.QtWidgets import QApplication, QMainWindow

from tracker.gui import qt_libraries
from tracker.gui.app import AppShell, TrackerApp
from tracker.gui.dashboard import PREFERRED_SIZE, SCREEN_MARGIN_PX, first_geometry
from tracker.gui.instance import SingleInstance
from tracker.services.sync import SyncReport

REPO = Path(__file__).resolve().parents[2]


def quiet_sync(ctx, logs=True, providers=True, progress=None):
    return SyncReport(logs={"events_added": 0})


def visible_windows() -> list[QMainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()]


def test_the_app_opens_its_dashboard_even_with_a_tray(qtbot, demo_ctx):
    app = TrackerApp(demo_ctx, sync_fn=quiet_sync, use_tray=True)
    try:
        app.start()
        assert app.window is not None and app.window.isVisible()
        assert app.window.keep_running_on_close  # the tray keeps the app when it closes
    finally:
        QApplication.instance().setQuitOnLastWindowClosed(True)
        app.shutdown()


@pytest.mark.parametrize("screen", [QSize(1024, 700), QSize(1600, 1000), QSize(800, 600)])
def test_the_first_window_fits_the_screen(screen):
    available = QRect(0, 0, screen.width(), screen.height())
    rect = first_geometry(available)
    assert available.contains(rect)
    assert rect.width() == min(PREFERRED_SIZE.width(), screen.width() - 2 * SCREEN_MARGIN_PX)
    assert rect.height() == min(PREFERRED_SIZE.height(), screen.height() - 2 * SCREEN_MARGIN_PX)
    assert rect.center() == available.center() or abs(rect.center().x() - available.center().x()) <= 1


def test_the_dashboard_can_shrink_to_a_1024x700_screen(qtbot, demo_ctx):
    app = TrackerApp(demo_ctx, sync_fn=quiet_sync, use_tray=False)
    try:
        app.start()
        window = app.window
        for name in window.pages:  # every page, as the user would visit it
            window.show_page(name)
            need = window.minimumSizeHint()
            assert need.width() <= 1024 - 2 * SCREEN_MARGIN_PX and need.height() <= 700 - 2 * SCREEN_MARGIN_PX, \
                f"the {name} page needs {need.width()}x{need.height()}"
    finally:
        app.shutdown()


def shell_over(ctx, demo_ctx) -> AppShell:
    opened = []

    def open_ctx(demo: bool):
        opened.append(demo)
        return demo_ctx if demo else ctx

    shell = AppShell(ctx, open_ctx=open_ctx, make_app=lambda c: TrackerApp(c, sync_fn=quiet_sync, use_tray=False))
    shell.opened = opened
    return shell


def test_try_the_demo_switches_this_window_and_back(qtbot, ctx, demo_ctx):
    shell = shell_over(ctx, demo_ctx)
    try:
        shell.start()
        window = shell.app.window
        window.resize(1000, 650)
        size = window.size()
        # nothing yet: the welcome page, once the figures (read in a pool thread) say so
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.welcome, timeout=10_000)
        window.welcome.demo_button.click()
        assert shell.app.ctx is demo_ctx and shell.opened == [True]
        demo_window = shell.app.window
        assert demo_window.isVisible() and demo_window.windowTitle() == "Demo data"
        assert demo_window.leave_demo_button.isVisible()
        assert demo_window.size() == size
        # the user's window is gone the moment the demo's shows, before Qt frees it: never two windows
        assert visible_windows() == [demo_window]
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert visible_windows() == [demo_window]  # the same place, not a second app

        demo_window.leave_demo_button.click()
        assert shell.app.ctx is ctx and not shell.app.ctx.demo
        assert visible_windows() == [shell.app.window]
        qtbot.waitUntil(lambda: shell.app.window.stack.currentWidget() is shell.app.window.welcome, timeout=10_000)

        shell.show(True)  # a second launch of `tracker --demo`: the context is opened once, then reused
        assert shell.app.ctx is demo_ctx and shell.opened == [True]
    finally:
        shell.shutdown()


def test_the_tray_menu_offers_the_demo_and_the_way_back(qtbot, ctx, demo_ctx):
    from tracker.gui.menu_model import menu_entries
    from tracker.gui.model import DashboardModel

    empty = DashboardModel(ctx)
    empty.refresh()
    actions = [e.action for e in menu_entries(empty.snapshot, empty.status, 0)]
    assert "demo" in actions and "leave-demo" not in actions
    demo = DashboardModel(demo_ctx)
    demo.refresh()
    entries = menu_entries(demo.snapshot, demo.status, 0, demo=True)
    assert entries[0].text.startswith("Demo data") and "leave-demo" in [e.action for e in entries]


def _launch(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", *args], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _app_env(tracker_home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(TRACKER_HOME=str(tracker_home), QT_QPA_PLATFORM="offscreen")
    return env


def test_a_second_launch_shows_the_running_app_and_exits_0(qtbot, tracker_home):
    lock_dir = tracker_home / "data"
    lock_dir.mkdir(parents=True)
    running = SingleInstance(lock_dir)
    assert running.acquire()
    asked: list[bool] = []
    running.showRequested.connect(asked.append)
    try:
        second = _launch(_app_env(tracker_home), "--demo")
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=30_000)
        out, err = second.communicate()
        assert second.returncode == 0, err
        assert "already running" in err and "Traceback" not in err
        qtbot.waitUntil(lambda: asked == [True], timeout=5_000)  # show the demo, as the launch asked
        assert not (tracker_home / "demo").exists()  # it opened no database of its own
    finally:
        running.release()
    again = SingleInstance(lock_dir)
    assert again.acquire()  # released: the next launch owns the app
    again.release()


def test_a_running_app_that_does_not_answer_is_named(qtbot, tracker_home):
    from PySide6.QtCore import QLockFile

    lock_dir = tracker_home / "data"
    lock_dir.mkdir(parents=True)
    silent = QLockFile(str(lock_dir / "tracker.lock"))  # holds the lock, listens to nobody
    assert silent.tryLock(0)
    try:
        second = _launch(_app_env(tracker_home))
        qtbot.waitUntil(lambda: second.poll() is not None, timeout=30_000)
        _, err = second.communicate()
        assert second.returncode == 1
        assert f"already running (process {os.getpid()}) but did not answer" in err and "Traceback" not in err
    finally:
        silent.unlock()


# -- a missing or broken system library: a sentence, exit 1, never Qt's abort ------------------

@pytest.mark.parametrize("soname, package", [
    ("libxcb-icccm.so.4", "libxcb-icccm4"), ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"), ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libEGL.so.1", "libegl1"), ("libdbus-1.so.3", "libdbus-1-3"), ("libglib-2.0.so.0", "libglib2.0-0"),
])
def test_a_library_is_named_with_its_debian_package(soname, package):
    assert qt_libraries.debian_package(soname) == package


def _plugin_needing(tmp_path: Path, missing: dict[bytes, bytes]) -> Path:
    """A copy of Qt's xcb plugin whose needed-library names are changed (same length) to ones no system has."""
    real = qt_libraries.xcb_plugin_path()
    assert real is not None, "PySide6's xcb plugin is part of the wheel"
    data = real.read_bytes()
    for old, new in missing.items():
        assert data.count(old + b"\0") == 1 and len(old) == len(new)
        data = data.replace(old + b"\0", new + b"\0")
    plugin = tmp_path / "Qt" / "plugins" / "platforms" / "libqxcb.so"
    plugin.parent.mkdir(parents=True)
    plugin.write_bytes(data)
    (tmp_path / "Qt" / "lib").symlink_to(real.parents[2] / "lib")  # its RUNPATH: $ORIGIN/../../lib
    return plugin


def test_missing_libraries_are_all_named_with_one_command(tmp_path, monkeypatch):
    plugin = _plugin_needing(tmp_path, {b"libxcb-icccm.so.4": b"libxcb-icccQ.so.4",
                                        b"libxcb-keysyms.so.1": b"libxcb-keysymQ.so.1"})
    monkeypatch.setattr(qt_libraries, "xcb_plugin_path", lambda: plugin)
    message = qt_libraries.missing_library_message({"DISPLAY": ":0"})
    assert message == ("The desktop app cannot open a window: Qt's X11 plugin needs libxcb-icccQ.so.4 and "
                       "libxcb-keysymQ.so.1, which are not installed; install with "
                       "`sudo apt-get install libxcb-icccq4 libxcb-keysymq1`.")


def test_no_message_where_qt_can_load_or_xcb_is_not_used():
    assert qt_libraries.missing_library_message({"DISPLAY": ":0"}) is None  # this machine has them all
    assert not qt_libraries.uses_xcb({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"})
    assert not qt_libraries.uses_xcb({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"})
    assert qt_libraries.uses_xcb({"QT_QPA_PLATFORM": "xcb", "WAYLAND_DISPLAY": "wayland-0"})


def test_a_broken_xcb_library_gives_one_sentence_and_exit_1(tmp_path, tracker_home):
    broken = tmp_path / "broken-libs"
    broken.mkdir()
    (broken / "libxcb-icccm.so.4").write_bytes(b"not a library")  # truncated by a failed upgrade, say
    env = _app_env(tracker_home)
    env.pop("QT_QPA_PLATFORM")
    env.update(DISPLAY=":999", LD_LIBRARY_PATH=str(broken))  # the check runs before any X connection
    result = subprocess.run([sys.executable, "-m", "tracker", "--demo"], env=env, cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "libxcb-icccm.so.4" in lines[0] and "sudo apt-get install --reinstall libxcb-icccm4" in lines[0]


def test_the_install_script_knows_the_app_packages():
    script = REPO / ".ci" / "install-debian-packages"
    text = script.read_text()
    for package in ("libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0"):
        assert package in text.split("TEST_PACKAGES")[0]  # installed for the app, not only for tests
    if shutil.which("bash"):
        bad = subprocess.run(["bash", str(script), "nonsense"], capture_output=True, text=True)
        assert bad.returncode == 2 and "usage" in bad.stderr
