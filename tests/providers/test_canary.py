"""Canary: a key passed in never shows in the database file, the logs, CLI output or error texts."""

from __future__ import annotations

import secrets
import time

from click.testing import CliRunner

from tests.fakes.dataset import AnthropicData, OpenAIData
from tests.fakes.server import FakeAnthropic, FakeOpenAI, Faults
from tracker.cli import main
from tracker.paths import get_paths


def files_under(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_keys_never_leak(tracker_home, monkeypatch, memory_keyring):
    canary_openai = f"sk-admin-CANARY{secrets.token_hex(12)}"
    canary_anthropic = f"sk-ant-admin01-CANARY{secrets.token_hex(12)}"
    now = int(time.time())
    outputs: list[str] = []
    runner = CliRunner()

    def cli(*args, input=None):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=True)
        outputs.append(result.output)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            outputs.append(repr(result.exception) + str(result.exception))
        return result

    faults = Faults(seed=5, rate_429=0.1, rate_500=0.03, rate_truncate=0.03, retry_after="ms:1")
    with FakeOpenAI(OpenAIData(now), faults=faults) as oa, FakeAnthropic(AnthropicData(now)) as an:
        oa.keys[canary_openai] = "admin"
        an.keys[canary_anthropic] = "admin"
        monkeypatch.setenv("CANARY_KEY", canary_openai)
        assert cli("sources", "add", "openai", "--label", "oa", "--base-url", oa.base_url,
                   "--key-env", "CANARY_KEY", "--backfill-days", "5").exit_code == 0
        assert cli("sources", "add", "anthropic", "--label", "an", "--base-url", an.root_url, "--no-poll",
                   input=canary_anthropic + "\n").exit_code == 0
        assert cli("poll", "--backfill-days", "5").exit_code == 0
        cli("poll", "--json")
        cli("sources", "list")
        cli("sources", "list", "--json")
        cli("sources", "test")
        # Now the providers refuse the keys; OpenAI's 401 message quotes the key back.
        del oa.keys[canary_openai]
        an.keys[canary_anthropic] = "api"
        assert cli("poll", "--source", "oa", "--source", "an").exit_code == 1
        cli("poll", "--json", "--source", "oa")
        cli("sources", "test")
        cli("sources", "list", "--json")
        cli("report", "daily", "--json")
    text = "\n".join(outputs)
    assert "HTTP 401" in text and "[redacted]" in text  # the failure was reported, with the key cut out
    assert memory_keyring.items  # the keys are in the keyring ...
    paths = get_paths()
    files = files_under(paths.data_dir) + files_under(paths.log_dir) + files_under(paths.config_dir)
    assert any(p.name == "tracker.db" for p in files) and any(p.suffix == ".log" for p in files)
    for canary in (canary_openai, canary_anthropic):
        assert canary not in text
        for path in files:  # ... and nowhere else: database (with WAL), backups, logs, config
            assert canary.encode() not in path.read_bytes(), path
        assert canary[-12:] not in text  # not even the tail
