"""Fixtures for provider tests: a private TRACKER_HOME, an in-memory keyring, the fakes, a tiny-sleep policy."""

from __future__ import annotations

import random
from datetime import datetime, timezone

import pytest

from tracker.net import HttpOptions, RetryPolicy
from tracker.pricing import Pricer
from tracker.storage import open_store

# A fixed "now" (mid-afternoon UTC) so datasets and polls agree.
NOW_S = int(datetime(2026, 11, 28, 14, 37, 5, tzinfo=timezone.utc).timestamp())


@pytest.fixture(autouse=True)
def _memory_keyring_for_every_test(memory_keyring):
    return memory_keyring


@pytest.fixture(scope="session")
def pricer():
    return Pricer()


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "poll.db")
    yield s
    s.close()


@pytest.fixture
def sleeps():
    return []


@pytest.fixture
def http_options(sleeps):
    """Retries sleep for no time (the requested delays are recorded) and time out fast."""
    policy = RetryPolicy(sleep=sleeps.append, rng=random.Random(7))
    return HttpOptions(connect_timeout_s=2.0, read_timeout_s=0.4, policy=policy)
