"""Suite-wide isolation: nothing a test does touches the user's real files."""

from __future__ import annotations

import os

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


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


def pytest_collection_modifyitems(config, items):
    # Refuse a run that silently collected nothing (CI must never pass vacuously).
    if not items and not config.option.collectonly and os.environ.get("CI"):
        raise pytest.UsageError("no tests were collected")
