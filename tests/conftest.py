"""Suite-wide isolation: nothing a test does touches the user's real files."""

from __future__ import annotations

import gc
import os
import sys

import keyring
import pytest
from hypothesis import settings
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

# The same examples on every run (a property that fails one run in ten would be a flaky CI), and no example
# database left in the checkout. To explore new examples: `pytest --hypothesis-seed=N` or HYPOTHESIS_EXPLORE=1.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", database=None)
settings.load_profile("explore" if os.environ.get("HYPOTHESIS_EXPLORE") == "1" else "deterministic")


class MemoryKeyring(KeyringBackend):
    """An in-memory keyring backend (tests must never touch the user's real keyring)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.items.get((service, username))

    def set_password(self, service, username, password):
        self.items[(service, username)] = password

    def delete_password(self, service, username):
        if self.items.pop((service, username), None) is None:
            raise PasswordDeleteError("not found")


@pytest.fixture(autouse=True)
def tracker_home(tmp_path, monkeypatch):
    """Every test gets its own TRACKER_HOME (and HOME, so agent-log roots are empty)."""
    home = tmp_path / "tracker-home"
    monkeypatch.setenv("TRACKER_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    # No agent-log roots and no provider keys leak in from the machine running the tests.
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DATA_DIR", "GEMINI_CLI_HOME", "XDG_CONFIG_HOME",
                "OPENAI_ADMIN_KEY", "ANTHROPIC_ADMIN_KEY", "OPENROUTER_API_KEY", "OPENROUTER_MANAGEMENT_KEY",
                "DEEPSEEK_API_KEY", "TRACKER_TEAM_SECRET", "TRACKER_TEAM_WEBHOOK_URL", "TRACKER_TEAM_MEMBER_KEY",
                "TRACKER_TEAM_FOUNDER_KEY"):
        monkeypatch.delenv(var, raising=False)
    from tracker.sources import registry  # every agent-log plug-in's variables too (a new agent needs no line here)

    for source in registry.sources().values():
        for place in source.places:
            if place.env:
                monkeypatch.delenv(place.env, raising=False)
    yield home


@pytest.fixture
def memory_keyring():
    """Installs an in-memory keyring for the test and restores the previous backend after."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def store(tmp_path):
    from tracker.storage import open_store

    s = open_store(tmp_path / "db" / "tracker.db")
    yield s
    s.close()


@pytest.fixture
def pricer():
    from tracker.pricing import Pricer

    return Pricer()


@pytest.fixture(autouse=True)
def _signal_handlers_restored():
    """A test that changes how Ctrl-C or SIGTERM is handled puts it back: the next test relies on it."""
    import signal

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    after = {sig: signal.getsignal(sig) for sig in before}
    changed = [sig.name for sig in before if after[sig] is not before[sig]]
    for sig, handler in before.items():
        signal.signal(sig, handler)
    assert not changed, f"the test left other handlers for {changed}"


QT_FIXTURES = {"qapp", "qtbot"}


def _uses_qt(item) -> bool:
    return bool(QT_FIXTURES & set(getattr(item, "fixturenames", ()))) or "tests/gui/" in item.nodeid


def _app_windows(app) -> list:
    """Top-level windows and pages of the app's own (pyqtgraph's menus belong to their plots: not these)."""
    from PySide6.QtWidgets import QDialog, QMainWindow

    return [w for w in app.topLevelWidgets()
            if isinstance(w, (QMainWindow, QDialog)) or type(w).__module__.startswith("tracker.")]


@pytest.fixture(autouse=True)
def _collector_as_it_was():
    """The cycle collector as it was before each test. The `tracker` entry point (tracker.quick.main) turns
    it off, and freezes what an import leaves, for the rest of its process, which ends there; a test that
    runs it in this process and stops on an error left it off for the tests after it, which then saw a
    collector that never runs (one asserts it is on: it failed whenever it ran after one of those)."""
    collecting = gc.isenabled()
    yield
    gc.unfreeze()
    if collecting:
        gc.enable()


@pytest.fixture(autouse=True)
def _free_qt_objects(request):
    """After a Qt test, free every window and page it made, now rather than at some later moment.

    A window is never freed by the garbage collector alone: its connected lambdas reach back to it
    through Qt's side, which the collector cannot see. Left alone, 450 top-level widgets piled up by
    the end of the suite, destroyed whenever (the rare crashes in pyqtgraph's paint came from there).
    Deleting them with Qt (deleteLater, then the deferred deletes) frees them with their charts at a
    known point; the collector then frees what only they held. No window may outlive its test.
    """
    yield
    if not QT_FIXTURES & set(request.fixturenames):
        return
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        return
    for widget in _app_windows(app):
        if widget.isVisible():  # (pyqtgraph's close() of a plot already closed by pytest-qt fails)
            widget.close()
        widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    left = [type(w).__name__ for w in _app_windows(app)]
    assert not left, f"windows outlived the test: {left}"


def pytest_collection_modifyitems(config, items):
    # Refuse a run that silently collected nothing (CI must never pass vacuously).
    if not items and not config.option.collectonly and os.environ.get("CI"):
        raise pytest.UsageError("no tests were collected")
    for item in items:  # `-m gui` selects every test that runs Qt, wherever it lives
        if _uses_qt(item):
            item.add_marker(pytest.mark.gui)


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = [f"Python {sys.version.split()[0]}"]
    for dist in ("PySide6-Essentials", "shiboken6", "pyqtgraph", "genai-prices", "sqlite-utils"):
        try:
            found.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            found.append(f"{dist} missing")
    try:
        from PySide6.QtCore import qVersion

        found.append(f"Qt {qVersion()}")
    except ImportError as exc:
        found.append(f"Qt not importable ({exc})")
    import sqlite3

    found.append(f"SQLite {sqlite3.sqlite_version}")
    return ", ".join(found)


def pytest_report_header(config):
    return f"tracker test run: {_versions()}"


def pytest_sessionstart(session):
    # -q hides the report header: CI's log still says which versions ran
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and session.config.get_verbosity() < 0:
        reporter.write_line(f"tracker test run: {_versions()}")
