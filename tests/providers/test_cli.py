"""`tracker sources ...` and `tracker poll` against the fakes."""

from __future__ import annotations

import json

import keyring
import keyring.backends.fail
import pytest
from click.testing import CliRunner

from tests.fakes.dataset import DeepSeekData, OpenAIData
from tests.fakes.server import FakeDeepSeek, FakeOpenAI
from tracker import credentials
from tracker.cli import main

ADMIN = "sk-admin-fake-0001"


@pytest.fixture(scope="module")
def openai_fake():
    import time

    with FakeOpenAI(OpenAIData(int(time.time()))) as fake:
        yield fake


def cli(*args, input=None, env=None):
    result = CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)
    return result


def test_add_tests_the_key_then_keeps_it_in_the_keyring(openai_fake, memory_keyring):
    r = cli("sources", "add", "openai", "--label", "org", "--base-url", openai_fake.base_url, "--backfill-days", "3",
            input=ADMIN + "\n")
    assert r.exit_code == 0, r.output
    assert "admin key accepted" in r.output and "Added openai account 'org'" in r.output
    assert "org (openai): ok" in r.output  # the first poll ran at once
    assert credentials.find_key("openai", "org").origin == "keyring"
    listing = json.loads(cli("sources", "list", "--json").output)
    assert [(a["label"], a["kind"], a["base_url"]) for a in listing] == [("org", "openai", openai_fake.base_url)]
    r = cli("sources", "test")
    assert r.exit_code == 0 and "org: ok (keyring)" in r.output
    r = cli("sources", "add", "openai", "--label", "org", "--base-url", openai_fake.base_url, "--no-poll",
            input=ADMIN + "\n")  # the same label again: a new key for the same account
    assert r.exit_code == 0 and "Updated openai account 'org'" in r.output, r.output
    r = cli("poll", "--backfill-days", "3", "--json")
    doc = json.loads(r.output)
    assert r.exit_code == 0 and doc["errors"] == [] and doc["accounts"][0]["buckets_written"] > 0
    r = cli("sources", "list")
    assert "org" in r.output and "never" not in r.output  # a last success is shown
    r = cli("sources", "remove", "org")
    assert r.exit_code == 0 and "deleted from the keyring" in r.output
    assert memory_keyring.items == {}


def test_project_key_gets_a_wrong_key_type_message_and_is_not_saved(openai_fake, memory_keyring):
    r = cli("sources", "add", "openai", "--label", "p", "--base-url", openai_fake.base_url,
            input="sk-proj-fake-0002\n")
    assert r.exit_code == 1
    assert "project key" in r.output and "Admin key" in r.output and "Admin keys" in r.output
    assert "not saved" in r.output and memory_keyring.items == {}


def test_invalid_or_expired_admin_key(openai_fake, memory_keyring):
    r = cli("sources", "add", "openai", "--label", "x", "--base-url", openai_fake.base_url,
            input="sk-admin-revoked-9999\n")
    assert r.exit_code == 1
    assert "invalid, revoked or expired" in r.output and "sk-admin-revoked-9999" not in r.output


def test_key_from_environment_variable(monkeypatch, memory_keyring):
    with FakeDeepSeek(DeepSeekData()) as fake:
        monkeypatch.setenv("MY_DS_KEY", "sk-deepseek-fake-0001")
        r = cli("sources", "add", "deepseek", "--label", "ds", "--base-url", fake.root_url, "--key-env", "MY_DS_KEY")
        assert r.exit_code == 0, r.output
        assert "balance readable (CNY)" in r.output
        r = cli("poll", "--source", "ds")
        assert r.exit_code == 0 and "ds (deepseek): ok" in r.output
        assert "balance 110.000000 CNY" in cli("sources", "list").output


def test_missing_keyring_backend_is_explained(openai_fake):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    r = cli("sources", "add", "openai", "--label", "org", "--base-url", openai_fake.base_url, input=ADMIN + "\n")
    assert r.exit_code == 1
    assert "No usable keyring backend" in r.output and "OPENAI_ADMIN_KEY" in r.output


def test_failures_show_in_sources_list(openai_fake, memory_keyring):
    cli("sources", "add", "openai", "--label", "org", "--base-url", openai_fake.base_url, "--no-test", "--no-poll",
        input="sk-admin-revoked-9999\n")
    r = cli("poll")
    assert r.exit_code == 1 and "org (openai): FAILED" in r.output
    listing = json.loads(cli("sources", "list", "--json").output)[0]
    assert "HTTP 401" in listing["last_error"] and listing["next_attempt"] and listing["consecutive_failures"] == 1
    assert "Next attempt" in cli("sources", "list").output


def test_poll_without_accounts_and_unknown_label():
    assert "No provider accounts" in cli("poll").output
    r = cli("poll", "--source", "nope")
    assert r.exit_code == 1 and "no provider account labelled nope" in r.output


def test_env_only_account_needs_no_keyring(monkeypatch):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    with FakeDeepSeek(DeepSeekData()) as fake:
        monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-deepseek-fake-0001")
        r = cli("sources", "add", "deepseek", "--label", "ds", "--base-url", fake.root_url, "--env-only")
        assert r.exit_code == 0, r.output
        assert "read the key from DEEPSEEK_API_KEY" in r.output
        r = cli("poll", "--json")
        assert r.exit_code == 0 and json.loads(r.output)["accounts"][0]["ok"] is True
