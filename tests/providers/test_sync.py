"""The shared sync entry point (CLI and GUI worker) polls the provider accounts."""

from __future__ import annotations

from tests.fakes.dataset import DeepSeekData
from tests.fakes.server import FakeDeepSeek
from tests.providers.helpers import configure
from tracker.services.context import open_context
from tracker.services.sync import run_sync


def test_run_sync_polls_provider_accounts():
    with FakeDeepSeek(DeepSeekData()) as fake, open_context() as ctx:
        configure(ctx.store, "deepseek", "ds", fake.root_url, "sk-deepseek-fake-0001")
        report = run_sync(ctx, logs=False, providers=True).as_dict()
    assert report["errors"] == []
    assert report["providers"]["accounts"][0]["ok"] is True and report["providers"]["requests"] == 1
