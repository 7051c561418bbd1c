"""Fixtures for the value tests: a private TRACKER_HOME and a fresh store."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from tracker.services.context import TIMEZONE_SETTING  # noqa: E402
from tracker.storage import open_store  # noqa: E402


@pytest.fixture(autouse=True)
def _tracker_home(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "value.db")
    s.set_setting(TIMEZONE_SETTING, "UTC")
    yield s
    s.close()
