"""Interrupted polls resume exactly; seeded faults still end exact; a failing account backs off."""

from __future__ import annotations

import pytest

from tests.fakes.dataset import AnthropicData, OpenAIData, OpenRouterData
from tests.fakes.server import FakeAnthropic, FakeOpenAI, FakeOpenRouter, Faults
from tests.providers.conftest import NOW_S
from tests.providers.helpers import configure, expected, stored_buckets, window_start
from tracker.services import poll
from tracker.storage import providers as pstore

END_S = NOW_S + 1
OPENAI_KEY = "sk-admin-fake-0001"
ANTHROPIC_KEY = "sk-ant-admin01-fake-0001"


def run(store, pricer, http_options, **kw):
    kw.setdefault("now_s", NOW_S)
    return poll.poll_sources(store, pricer, http_options=http_options, **kw)


@pytest.mark.parametrize("fail_after", [3, 11, 30])
def test_openai_poll_interrupted_and_resumed_ends_exact(store, pricer, http_options, fail_after):
    data = OpenAIData(NOW_S)
    with FakeOpenAI(data, faults=Faults(fail_after=fail_after)) as fake:
        configure(store, "openai", "oa", fake.base_url, OPENAI_KEY)
        first = run(store, pricer, http_options)
        assert first.accounts[0].error and "503" in first.accounts[0].error
        fake.faults.fail_after = None
        full_backfill = 33  # requests for the whole 90 days (see the benchmark)
        second = run(store, pricer, http_options, labels=["oa"])  # named: retried despite the backoff
        assert second.errors == []
        if fail_after > 8:  # at least one chunk got written before the outage: the resume skips it
            assert second.requests < full_backfill
        start = window_start(NOW_S, 90)
        assert stored_buckets(store, "openai", "oa") == expected(data.expected_buckets(start, END_S))
        assert pstore.billed_totals(store, "openai", "oa") == data.expected_billed(start, END_S)


def test_anthropic_poll_interrupted_mid_claude_code_resumes_exact(store, pricer, http_options):
    data = AnthropicData(NOW_S)
    with FakeAnthropic(data, faults=Faults(fail_after=40)) as fake:
        configure(store, "anthropic", "an", fake.base_url, ANTHROPIC_KEY)
        assert run(store, pricer, http_options).errors
        done = len(pstore.claude_code_by_day(store, "an"))
        assert done > 0  # some days were written before the outage
        fake.faults.fail_after = None
        assert run(store, pricer, http_options, labels=["an"]).errors == []
        start = window_start(NOW_S, 90)
        assert stored_buckets(store, "anthropic", "an") == expected(data.expected_buckets(start, END_S))
        got = {(r["day"], r["model"]): r["estimated_cost_pico"] for r in pstore.claude_code_by_day(store, "an")}
        assert got == {k: v["estimated_cost_pico"] for k, v in data.expected_claude_code(start, END_S).items()}


FAULTS = dict(rate_429=0.07, rate_500=0.07, rate_slow=0.02, rate_truncate=0.08, slow_s=0.9)


@pytest.mark.parametrize("seed", [11, 12])
def test_seeded_faults_still_end_exact(store, pricer, http_options, sleeps, seed):
    oa_data, an_data, or_data = OpenAIData(NOW_S), AnthropicData(NOW_S), OpenRouterData(NOW_S)
    # each kind of fault surely happens once (scripted), then at random
    with FakeOpenAI(oa_data, faults=Faults(seed=seed, script=["429", "500", "", "slow", "", "truncate", "", "truncate"],
                                           **FAULTS)) as oa, \
            FakeAnthropic(an_data, faults=Faults(seed=seed + 1, retry_after="ms:5", script=["429"], **FAULTS)) as an, \
            FakeOpenRouter(or_data, faults=Faults(seed=seed + 2, **FAULTS)) as orr:
        configure(store, "openai", "oa", oa.base_url, OPENAI_KEY)
        configure(store, "anthropic", "an", an.base_url, ANTHROPIC_KEY)
        configure(store, "openrouter", "or", orr.base_url, "sk-or-v1-fake-mgmt-0001")
        report = run(store, pricer, http_options)
        assert report.errors == []
        faults = {k: sum(f.fault_counts.get(k, 0) for f in (oa, an, orr)) for k in ("429", "500", "slow", "truncate")}
    assert all(faults.values()), faults  # every kind of fault really happened
    assert 1.0 in sleeps and 0.005 in sleeps  # Retry-After in seconds and in milliseconds were honoured
    start = window_start(NOW_S, 90)
    assert stored_buckets(store, "openai", "oa") == expected(oa_data.expected_buckets(start, END_S))
    assert pstore.billed_totals(store, "openai", "oa") == oa_data.expected_billed(start, END_S)
    assert stored_buckets(store, "anthropic", "an") == expected(an_data.expected_buckets(start, END_S))
    assert pstore.billed_totals(store, "anthropic", "an") == an_data.expected_billed(start, END_S)
    assert stored_buckets(store, "openrouter", "or") == expected(or_data.expected_buckets(window_start(NOW_S, 30),
                                                                                          END_S))


def test_failing_account_backs_off_and_says_why(store, pricer, http_options):
    with FakeOpenAI(OpenAIData(NOW_S), faults=Faults(rate_500=1.0)) as fake, \
            FakeOpenRouter(OpenRouterData(NOW_S)) as healthy:
        configure(store, "openai", "oa", fake.base_url, OPENAI_KEY)
        configure(store, "openrouter", "or", healthy.base_url, "sk-or-v1-fake-mgmt-0001")
        first = run(store, pricer, http_options)
        by_label = {a.label: a for a in first.accounts}
        assert "HTTP 500" in by_label["oa"].error and by_label["or"].ok  # one failing does not stop the other
        status = {s["label"]: s for s in poll.source_statuses(store)}["oa"]
        assert status["consecutive_failures"] == 1 and "HTTP 500" in status["last_error"]
        assert status["next_attempt"] == "2026-11-28T14:42:05Z"  # 5 minutes later
        requests_before = fake.requests_to()
        soon = run(store, pricer, http_options, now_s=NOW_S + 60)
        skipped = {a.label: a for a in soon.accounts}["oa"]
        assert skipped.skipped and "backing off" in skipped.skipped and "HTTP 500" in skipped.skipped
        assert fake.requests_to() == requests_before  # no request while backing off
        later = run(store, pricer, http_options, now_s=NOW_S + 301)
        assert {a.label: a for a in later.accounts}["oa"].error
        status = {s["label"]: s for s in poll.source_statuses(store)}["oa"]
        assert status["consecutive_failures"] == 2
        assert status["next_attempt"] == "2026-11-28T14:52:06Z"  # 10 minutes after the second failure
        assert status["last_success"] is None
        fake.faults.rate_500 = 0.0
        assert run(store, pricer, http_options, now_s=NOW_S + 1000).errors == []
        status = {s["label"]: s for s in poll.source_statuses(store)}["oa"]
        assert status["consecutive_failures"] == 0 and status["next_attempt"] is None and status["last_success"]


def test_backoff_grows_to_a_cap():
    assert [poll.failure_backoff_s(n) for n in (1, 2, 3, 4)] == [300, 600, 1200, 2400]
    assert poll.failure_backoff_s(50) == poll.FAILURE_BACKOFF_MAX_S


def test_a_full_disk_during_a_poll_says_what_to_do(store, pricer, http_options, monkeypatch):
    import sqlite3

    def disk_full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(poll, "_poll_stream", disk_full)
    data = OpenAIData(NOW_S)
    with FakeOpenAI(data) as fake:
        configure(store, "openai", "oa", fake.base_url, OPENAI_KEY)
        error = run(store, pricer, http_options).accounts[0].error
    assert "is full" in error and "unexpected error" not in error
