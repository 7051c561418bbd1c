"""Fixtures for the nudges tests: a private TRACKER_HOME, a real store, offscreen Qt."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def tracker_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("TRACKER_HOME", str(home))
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    return home


@pytest.fixture
def store(tmp_path):
    from tracker.storage import open_store

    with open_store(tmp_path / "nudges.db") as s:
        yield s


@pytest.fixture(scope="session")
def pricer():
    from tracker.pricing import Pricer

    return Pricer(user_overrides=None)


@pytest.fixture
def config_dir(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    return folder


@pytest.fixture
def ladders(config_dir):
    from tracker.services.ladders import load_ladders

    return load_ladders(config_dir)
