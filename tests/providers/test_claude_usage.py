"""Claude plan windows from the (fake) usage endpoint, with Claude Code's login on this machine."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest
from click.testing import CliRunner

from tests.fakes.claude_usage import FakeClaudeUsage, usage_body, write_credentials
from tests.fakes.server import Faults
from tracker.cli import main
from tracker.net import HttpOptions, RetryPolicy
from tracker.services import limits
from tracker.sources import claude_usage
from tracker.storage import limits as lstore

TOKEN = "sk-ant-oat01-fake-token-0001"
FAST = HttpOptions(connect_timeout_s=2, read_timeout_s=2, policy=RetryPolicy(max_retries=0, sleep=lambda s: None))


@pytest.fixture
def claude_home(tmp_path, monkeypatch):
    folder = tmp_path / "claude-config"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture
def fake(monkeypatch):
    with FakeClaudeUsage() as server:
        monkeypatch.setenv(claude_usage.BASE_URL_ENV, server.root_url)
        yield server


def poll(store, **kw):
    return limits.poll_claude(store, options=FAST, **kw)


def latest(store):
    return {r.limit_id: r for r in lstore.latest_readings(store)}


def test_nothing_is_read_without_consent(store, claude_home, fake):
    write_credentials(claude_home)
    status = poll(store)
    assert status.consent is None and not status.polled
    assert fake.requests_to() == 0
    assert "consent" in status.message
    limits.set_claude_consent(store, False)
    assert not poll(store).polled and fake.requests_to() == 0


def test_windows_of_every_shape_are_read(store, claude_home, fake):
    write_credentials(claude_home, expires_ms=int(time.time() * 1000) + 3_600_000)
    limits.set_claude_consent(store, True)
    status = poll(store)
    assert status.ok and status.polled and status.readings == 4
    got = latest(store)
    assert set(got) == {"five_hour", "seven_day", "seven_day_opus", "extra_usage"}  # nulls and non-windows skipped
    five = got["five_hour"]
    assert five.used_pct == 42.0 and five.window_minutes == 300 and five.source == "claude_code"
    assert five.resets_at_ms - five.observed_ms == pytest.approx(2 * 3_600_000, abs=2000)
    assert got["seven_day"].window_minutes == 10080 and got["seven_day_opus"].window_minutes == 10080
    extra = got["extra_usage"]
    assert extra.used_pct == 25.0 and extra.detail == {"used_credits": "1250", "monthly_limit": "5000",
                                                       "currency": "USD"}
    headers = fake.headers_seen[-1]
    assert headers["authorization"] == f"Bearer {TOKEN}" and headers["anthropic-beta"] == "oauth-2025-04-20"


def test_missing_keys_and_unknown_windows(store, claude_home, monkeypatch):
    now = time.time()
    body = {"five_hour": {"utilization": 7, "resets_at": None}, "seven_day_foo": {"utilization": 3,
            "resets_at": "2030-01-01T00:00:00Z"}, "seven_day": {"utilization": "lots", "resets_at": None},
            "five_hour_bar": {"utilization": 1, "resets_at": "not a time"}}
    with FakeClaudeUsage(body=body) as server:
        monkeypatch.setenv(claude_usage.BASE_URL_ENV, server.root_url)
        write_credentials(claude_home)
        limits.set_claude_consent(store, True)
        status = poll(store)
    got = latest(store)
    assert set(got) == {"five_hour", "seven_day_foo"}
    assert got["five_hour"].resets_at_ms is None and got["seven_day_foo"].window_minutes == 10080
    assert status.ok and "seven_day: utilization is not a percentage" in status.message
    assert "five_hour_bar: resets_at is not a time" in status.message
    assert now  # (the answer's shape, not the clock, decides)


@pytest.mark.parametrize("body", [["not", "an", "object"], {}, {"five_hour": None, "extra_usage": None}])
def test_answers_with_no_windows_are_said_not_crashed(store, claude_home, monkeypatch, body):
    with FakeClaudeUsage(body=body) as server:
        monkeypatch.setenv(claude_usage.BASE_URL_ENV, server.root_url)
        write_credentials(claude_home)
        limits.set_claude_consent(store, True)
        status = poll(store)
    assert latest(store) == {}
    if isinstance(body, list):
        assert status.ok is False and "cannot read" in status.message
    else:
        assert status.ok and "no windows" in status.message


def test_an_expired_login_gets_a_sentence_and_no_retry_loop(store, claude_home, fake):
    path = write_credentials(claude_home, expires_ms=int(time.time() * 1000) - 60_000)
    limits.set_claude_consent(store, True)
    status = poll(store)
    assert status.ok is False and "run `claude` once" in status.message
    assert fake.requests_to() == 0  # an expired login is not even tried
    for _ in range(3):
        assert poll(store).message == status.message
    assert fake.requests_to() == 0
    # the agent renewed its login: the next poll reads the windows
    write_credentials(claude_home, expires_ms=int(time.time() * 1000) + 3_600_000)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert poll(store).ok and fake.requests_to() == 1


def test_a_refused_login_is_asked_once(store, claude_home, fake):
    write_credentials(claude_home, token="sk-ant-oat01-revoked-0002")
    limits.set_claude_consent(store, True)
    status = poll(store)
    assert status.ok is False and "run `claude` once" in status.message and fake.requests_to() == 1
    poll(store)
    poll(store)
    assert fake.requests_to() == 1


def test_a_login_without_the_profile_scope(store, claude_home, fake):
    write_credentials(claude_home, scopes=("user:inference",))
    limits.set_claude_consent(store, True)
    status = poll(store)
    assert status.ok is False and "user:profile" in status.message and fake.requests_to() == 0
    fake.keys["sk-ant-oat01-inference-0003"] = "inference"
    write_credentials(claude_home, token="sk-ant-oat01-inference-0003", scopes=())  # scopes unknown: asked
    status = poll(store, force=True)
    assert status.ok is False and "/login" in status.message and fake.requests_to() == 1


def test_no_login_at_all(store, claude_home, fake):
    limits.set_claude_consent(store, True)
    status = poll(store)
    assert status.ok is False and "No Claude Code login" in status.message and fake.requests_to() == 0
    claude_home.mkdir(parents=True)
    (claude_home / ".credentials.json").write_text("{not json " + TOKEN)
    status = poll(store)
    assert "not valid JSON" in status.message and TOKEN not in status.message


def test_429_is_one_request_then_a_wait(store, claude_home, monkeypatch):
    with FakeClaudeUsage(faults=Faults(script=["429"], retry_after="30")) as server:
        monkeypatch.setenv(claude_usage.BASE_URL_ENV, server.root_url)
        write_credentials(claude_home)
        limits.set_claude_consent(store, True)
        status = limits.poll_claude(store)  # the default options: no retries for this endpoint
        assert status.ok is False and "429" in status.message and server.requests_to() == 1
        assert not limits.poll_claude(store).polled and server.requests_to() == 1  # waits, no loop
        later = int(time.time() * 1000) + (limits.CLAUDE_RETRY_AFTER_FAILURE_S + 1) * 1000
        assert limits.poll_claude(store, now=later).ok and server.requests_to() == 2


def test_server_errors_and_truncation_are_sentences(store, claude_home, monkeypatch):
    with FakeClaudeUsage(faults=Faults(script=["500", "truncate"])) as server:
        monkeypatch.setenv(claude_usage.BASE_URL_ENV, server.root_url)
        write_credentials(claude_home)
        limits.set_claude_consent(store, True)
        first = poll(store, force=True)
        second = poll(store, force=True)
        third = poll(store, force=True)
    assert "HTTP 500" in first.message and first.ok is False
    assert second.ok is False and second.message
    assert third.ok


def test_the_token_is_never_stored_logged_or_shown(store, claude_home, fake, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    write_credentials(claude_home)
    limits.set_claude_consent(store, True)
    poll(store)
    write_credentials(claude_home, token="sk-ant-oat01-revoked-0002")
    refused = poll(store, force=True)
    store.conn.execute("PRAGMA wal_checkpoint(FULL)")
    stored = b"".join(p.read_bytes() for p in store.path.parent.iterdir() if p.is_file())
    for secret in (TOKEN, "sk-ant-oat01-revoked-0002", "sk-ant-ort01-fake-refresh"):
        assert secret.encode() not in stored
        assert secret not in caplog.text
        assert secret not in refused.message
        assert secret not in json.dumps(store.all_settings())
    login = claude_usage.find_login([claude_home / ".credentials.json"])
    assert "revoked" not in repr(login)


def test_the_test_base_url_must_be_loopback(monkeypatch):
    monkeypatch.setenv(claude_usage.BASE_URL_ENV, "https://collector.example.com")
    assert claude_usage.base_url() == claude_usage.DEFAULT_BASE_URL
    monkeypatch.setenv(claude_usage.BASE_URL_ENV, "http://127.0.0.1:9/")
    assert claude_usage.base_url() == "http://127.0.0.1:9/"
    monkeypatch.delenv(claude_usage.BASE_URL_ENV)
    assert claude_usage.base_url() == claude_usage.DEFAULT_BASE_URL


def test_cli_shows_the_fake_endpoints_windows(claude_home, fake, monkeypatch):
    write_credentials(claude_home)
    monkeypatch.setenv("TZ", "UTC")
    runner = CliRunner()
    assert runner.invoke(main, ["limits", "--claude-login", "on", "--json"]).exit_code == 0
    result = runner.invoke(main, ["limits", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    windows = {w["limit_id"]: w for w in doc["windows"] if w["source"] == "claude_code"}
    body = usage_body(time.time())
    assert windows["five_hour"]["used_percent"] == body["five_hour"]["utilization"]
    assert windows["seven_day"]["used_percent"] == body["seven_day"]["utilization"]
    assert windows["five_hour"]["window_minutes"] == 300 and windows["five_hour"]["current"] is True
    assert windows["five_hour"]["resets_at"][:16] == body["five_hour"]["resets_at"][:16]
    assert doc["claude_login"]["consent"] is True and doc["claude_login"]["ok"] is True
    assert doc["tightest"]["limit_id"] == "seven_day"
    text = runner.invoke(main, ["limits", "--no-refresh"]).output
    assert "Claude 5-hour: 42% used" in text and "Claude weekly: 62% used" in text
    off = runner.invoke(main, ["limits", "--claude-login", "off", "--json"])
    assert json.loads(off.output)["claude_login"]["consent"] is False


def test_the_tray_sync_reads_claude_windows_with_consent(claude_home, fake):
    from tracker.services.context import open_context
    from tracker.services.sync import run_sync

    write_credentials(claude_home)
    with open_context() as ctx:
        assert "claude_limits" not in run_sync(ctx, logs=False, providers=True).as_dict()  # not without consent
        assert fake.requests_to() == 0
        limits.set_claude_consent(ctx.store, True)
        report = run_sync(ctx, logs=False, providers=True).as_dict()
        assert report["claude_limits"]["ok"] is True and report["claude_limits"]["readings"] == 4
        assert report["errors"] == []
        run_sync(ctx, logs=False, providers=True)  # within the poll interval: not asked again
        assert fake.requests_to() == 1
