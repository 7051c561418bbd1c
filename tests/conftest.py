"""Suite-wide isolation: nothing a test does touches the user's real files."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def tracker_home(tmp_path, monkeypatch):
    """Every test gets its own TRACKER_HOME (and HOME, so agent-log roots are empty)."""
    home = tmp_path / "tracker-home"
    monkeypatch.setenv("TRACKER_HOME", str(home))
    monkeypatch.setenv("HOME", str(tmp_path / "user-home"))
    for var in ("CLAUDE_CONFIG_DIR", "CODEX_HOME", "GEMINI_DATA_DIR", "GEMINI_CLI_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(var, raising=False)
    import tracker.pricing.pricer as pricer_module

    monkeypatch.setattr(pricer_module, "_default", None)
    yield home


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


def pytest_collection_modifyitems(config, items):
    # Refuse a run that silently collected nothing (CI must never pass vacuously).
    if not items and not config.option.collectonly and os.environ.get("CI"):
        raise pytest.UsageError("no tests were collected")
