"""Qt tests run offscreen, with a private TRACKER_HOME, an in-memory keyring, and no dangling timers or threads."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before any Qt import; the e2e test sets its own

import gc  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def tracker_home(tracker_home, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # autostart files land here
    return tracker_home


@pytest.fixture(autouse=True)
def _gui_keyring(memory_keyring):
    return memory_keyring


def _live_qt_objects():
    from PySide6.QtCore import QThread, QTimer

    gc.collect()
    threads = [o for o in gc.get_objects() if isinstance(o, QThread) and _alive(o) and o.isRunning()]
    timers = [o for o in gc.get_objects() if isinstance(o, QTimer) and _alive(o) and o.isActive()]
    return threads, timers


def _alive(obj) -> bool:
    try:
        import shiboken6

        return shiboken6.isValid(obj)
    except Exception:
        return False


@pytest.fixture(autouse=True)
def no_dangling_qt(request):
    """Fail a test that leaves a running QThread or an active QTimer behind (napari does the same)."""
    if "qapp" not in request.fixturenames and "qtbot" not in request.fixturenames:
        yield
        return
    before_threads, before_timers = _live_qt_objects()
    yield
    threads, timers = _live_qt_objects()
    new_threads = [t for t in threads if t not in before_threads]
    new_timers = [t for t in timers if t not in before_timers]
    assert not new_threads, f"test left running QThreads: {[t.objectName() for t in new_threads]}"
    assert not new_timers, f"test left active QTimers: {new_timers}"


@pytest.fixture
def ctx(tracker_home):
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    context = open_context(get_paths())
    yield context
    context.close()


@pytest.fixture
def demo_ctx(tracker_home):
    """A context over a freshly generated 90-day demo database (about 0.2 s)."""
    from tracker.paths import demo_paths
    from tracker.services.context import open_context
    from tracker.services.demo import generate

    context = open_context(demo_paths(), demo=True)
    generate(context.store, context.pricer)
    yield context
    context.close()
