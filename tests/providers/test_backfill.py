"""90-day backfills from each fake end exactly equal to its dataset; re-polls change nothing."""

from __future__ import annotations

import pytest

from tests.fakes.dataset import AnthropicData, DeepSeekData, OpenAIData, OpenRouterData
from tests.fakes.server import FakeAnthropic, FakeDeepSeek, FakeOpenAI, FakeOpenRouter
from tests.providers.conftest import NOW_S
from tests.providers.helpers import DAY_S, configure, expected, stored_buckets, table_dump, window_start
from tracker.core.timeutil import UTC
from tracker.services import poll
from tracker.services.reports import usage_report
from tracker.storage import providers as pstore

OPENAI_KEY = "sk-admin-fake-0001"
ANTHROPIC_KEY = "sk-ant-admin01-fake-0001"
OPENROUTER_MGMT = "sk-or-v1-fake-mgmt-0001"
END_S = NOW_S + 1


@pytest.fixture(scope="module")
def openai_data():
    return OpenAIData(NOW_S)


@pytest.fixture(scope="module")
def anthropic_data():
    return AnthropicData(NOW_S)


def run(store, pricer, http_options, now_s=NOW_S, **kw):
    return poll.poll_sources(store, pricer, now_s=now_s, http_options=http_options, **kw)


def assert_exact_openai(store, data, label="oa", days=90, end_s=END_S):
    start = window_start(NOW_S, days)
    want = expected(data.expected_buckets(start, end_s))
    got = stored_buckets(store, "openai", label)
    assert want, "the dataset must not be empty"
    assert got == want
    assert pstore.billed_totals(store, "openai", label) == data.expected_billed(start, NOW_S // DAY_S * DAY_S + DAY_S)
    assert pstore.overlapping_widths(store, "openai", label) == 0


def test_openai_backfill_is_exact_and_repoll_changes_nothing(store, pricer, http_options, openai_data):
    with FakeOpenAI(openai_data, max_page_buckets=9) as fake:  # short pages: cursors are followed
        configure(store, "openai", "oa", fake.base_url, OPENAI_KEY)
        report = run(store, pricer, http_options)
        assert report.errors == []
        assert_exact_openai(store, openai_data)
        completions = [q for path, q in fake.queries if path.endswith("/usage/completions")]
        assert all("end_time" in q for q in completions if q["bucket_width"] == ["1d"])
        # the hourly window reaches past now: no end_time in the future is sent (the API defaults to now)
        assert all("end_time" not in q for q in completions if q["bucket_width"] == ["1h"])
        widths = {w for (w,) in store.conn.execute("SELECT DISTINCT width_s FROM buckets")}
        assert widths == {86_400, 3_600}  # history daily, the last 48 hours hourly
        before = table_dump(store)
        again = run(store, pricer, http_options)
        assert again.errors == []
        assert table_dump(store) == before
        # 9-bucket pages: each 31-day chunk and the 63-hour window took several pages (cursors followed)
        assert fake.requests_to("/organization/usage/completions") == (4 + 4 + 3 + 7) + (1 + 7)  # backfill + re-poll


def test_hourly_window_moves_on_without_double_counting(store, pricer, http_options):
    later = NOW_S + 30 * 3600
    data = OpenAIData(later)
    with FakeOpenAI(data) as fake:
        configure(store, "openai", "oa", fake.base_url, OPENAI_KEY)
        assert run(store, pricer, http_options).errors == []
        assert run(store, pricer, http_options, now_s=later).errors == []
        start = window_start(NOW_S, 90)
        assert stored_buckets(store, "openai", "oa") == expected(data.expected_buckets(start, later + 1))
        assert pstore.overlapping_widths(store, "openai", "oa") == 0


def test_anthropic_backfill_is_exact(store, pricer, http_options, anthropic_data):
    with FakeAnthropic(anthropic_data, max_page_buckets=10) as fake:
        configure(store, "anthropic", "an", fake.base_url, ANTHROPIC_KEY)
        report = run(store, pricer, http_options)
        assert report.errors == [], report.as_dict()
        start = window_start(NOW_S, 90)
        assert stored_buckets(store, "anthropic", "an") == expected(anthropic_data.expected_buckets(start, END_S))
        assert pstore.billed_totals(store, "anthropic", "an") == anthropic_data.expected_billed(start, END_S)
        got_cc = {(r["day"], r["model"]): {k: r[k] for k in ("input_tokens", "output_tokens", "cache_read_tokens",
                                                              "cache_write_tokens", "estimated_cost_pico")}
                  for r in pstore.claude_code_by_day(store, "an")}
        want_cc = anthropic_data.expected_claude_code(start, END_S)
        assert want_cc and got_cc == want_cc
        assert pstore.overlapping_widths(store, "anthropic", "an") == 0
        before = table_dump(store)
        assert run(store, pricer, http_options).errors == []
        assert table_dump(store) == before


def test_openrouter_management_key_backfills_activity(store, pricer, http_options):
    data = OpenRouterData(NOW_S)
    with FakeOpenRouter(data) as fake:
        configure(store, "openrouter", "or", fake.base_url, OPENROUTER_MGMT)
        report = run(store, pricer, http_options)
        assert report.errors == [] and report.accounts[0].notes == []
        start = window_start(NOW_S, 30)  # OpenRouter keeps 30 days of activity
        want = expected(data.expected_buckets(start, END_S))
        assert want and stored_buckets(store, "openrouter", "or") == want
        metrics = {b.metric: b.amount_pico for b in pstore.latest_balances(store, "or")}
        assert metrics["balance"] == (100_500_000_000_000 - 25_750_000_000_000)
        assert metrics["key_limit_remaining"] == 74_500_000_000_000
        before = table_dump(store)
        assert run(store, pricer, http_options).errors == []
        assert table_dump(store) == before


def test_a_chunk_with_an_unreadable_row_keeps_what_was_stored_for_its_days(store, pricer, http_options):
    """Each chunk replaced the stored buckets of its days: one unreadable row in a re-read deleted
    that row's earlier, good figures. With a rejected record the chunk now only adds and updates."""
    data = OpenRouterData(NOW_S)
    with FakeOpenRouter(data) as fake:
        configure(store, "openrouter", "or", fake.base_url, OPENROUTER_MGMT)
        assert run(store, pricer, http_options).errors == []
        good = stored_buckets(store, "openrouter", "or")
        damaged = fake._activity

        def one_unreadable(query):
            rows = damaged(query)
            if rows:
                rows[0]["prompt_tokens"] = "lots"  # not a number: rejected
            return rows

        fake._activity = one_unreadable
        report = run(store, pricer, http_options, backfill_days=30)
        assert report.accounts[0].rejected  # said, and counted
        assert stored_buckets(store, "openrouter", "or") == good  # nothing lost


def test_openrouter_normal_key_is_ok_with_a_clear_note(store, pricer, http_options):
    with FakeOpenRouter(OpenRouterData(NOW_S)) as fake:
        configure(store, "openrouter", "or", fake.base_url, "sk-or-v1-fake-0002")
        report = run(store, pricer, http_options)
        account = report.accounts[0]
        assert account.ok and account.error is None
        assert any("management key" in note for note in account.notes)
        assert stored_buckets(store, "openrouter", "or") == {}
        status = poll.source_statuses(store)[0]
        assert "management key" in status["note"] and status["last_error"] is None


def test_deepseek_balance_over_time_shows_spend_and_top_ups(store, pricer, http_options):
    data = DeepSeekData()
    with FakeDeepSeek(data) as fake:
        configure(store, "deepseek", "ds", fake.base_url, "sk-deepseek-fake-0001")
        for step, total in enumerate(["110.00", "104.25", "104.25", "99.10", "199.10"]):
            data.set_balance(total, granted="10.00" if step < 3 else "0.00")
            assert run(store, pricer, http_options, now_s=NOW_S + step * 600).errors == []
    changes = poll.balance_changes(store, "ds")
    assert [(c["spent"], c["topped_up"]) for c in changes] == [
        ("5.750000", None), ("5.150000", None), (None, "100.000000")]
    assert all(c["currency"] == "CNY" for c in changes)
    assert poll.source_statuses(store)[0]["balance_changes"] == changes


def test_billed_and_estimated_side_by_side(store, pricer, http_options, openai_data, anthropic_data):
    with FakeOpenAI(openai_data) as oa, FakeAnthropic(anthropic_data) as an:
        configure(store, "openai", "oa", oa.base_url, OPENAI_KEY)
        configure(store, "anthropic", "an", an.base_url, ANTHROPIC_KEY)
        assert run(store, pricer, http_options).errors == []
    from datetime import date

    since, until = date(2026, 11, 1), date(2026, 11, 27)
    report = usage_report(store, UTC, "day", "model", since, until)
    assert report["totals"]["cost_basis"] == "estimated"
    billed = {(b["date"], b["source"]): b for b in report["billed"]}
    assert {s for _, s in billed} == {"openai", "anthropic"}
    start, end = window_start(NOW_S, 90), NOW_S
    from collections import defaultdict

    from tracker.core.money import format_usd

    want = defaultdict(int)
    for (day, _), pico in openai_data.expected_billed(start, end).items():
        if since.isoformat() <= day <= until.isoformat():
            want[(day, "openai")] += pico
    for (day, _), pico in anthropic_data.expected_billed(start, end).items():
        if since.isoformat() <= day <= until.isoformat():
            want[(day, "anthropic")] += pico
    assert {k: v["billed_usd"] for k, v in billed.items()} == {k: format_usd(v) for k, v in want.items()}
    # the estimate beside it comes from the same sources' usage buckets, priced at ingest
    assert any(v["estimated_usd"] != "0.000000" for v in billed.values())


def test_revised_recent_buckets_and_costs_replace_the_old_figures(store, pricer, http_options):
    from tests.fakes.dataset import Row

    data = OpenAIData(NOW_S)
    with FakeOpenAI(data) as fake:
        configure(store, "openai", "oa", fake.base_url, OPENAI_KEY)
        assert run(store, pricer, http_options).errors == []
        today = NOW_S // DAY_S * DAY_S
        # The provider revises the last days: one usage row grows, one disappears, a cost line is withdrawn.
        day3 = today - 3 * DAY_S + 5 * 3600
        rows = data.usage["completions"].by_hour[day3]
        assert rows, "the dataset has usage in that hour"
        rows[0].metrics["output_tokens"] += 1234
        gone = data.usage["embeddings"].by_hour.get(today - 4 * DAY_S + 7 * 3600) or []
        for row in list(gone):
            gone.remove(row)
            data.usage["embeddings"].rows.remove(row)
        withdrawn = data.costs.by_hour[today - DAY_S] or data.costs.by_hour[today - 2 * DAY_S]
        assert withdrawn
        row = withdrawn.pop()
        data.costs.rows.remove(row)
        data.usage["completions"].add(Row(today - 2 * DAY_S, {"model": "gpt-5-mini", "project_id": None,
                                                               "api_key_id": None, "user_id": None, "batch": False,
                                                               "service_tier": None},
                                          {"num_model_requests": 1, "input_tokens": 10, "input_cached_tokens": 0,
                                           "input_cache_write_tokens": 0, "output_tokens": 5}))
        assert run(store, pricer, http_options, now_s=NOW_S + 600).errors == []
    start = window_start(NOW_S, 90)
    assert stored_buckets(store, "openai", "oa") == expected(data.expected_buckets(start, END_S))
    assert pstore.billed_totals(store, "openai", "oa") == data.expected_billed(start, END_S)


def test_two_accounts_of_one_kind_stay_apart(store, pricer, http_options):
    work, home = OpenAIData(NOW_S, seed=21), OpenAIData(NOW_S, seed=22)
    with FakeOpenAI(work) as a, FakeOpenAI(home) as b:
        configure(store, "openai", "work", a.base_url, OPENAI_KEY)
        configure(store, "openai", "home", b.base_url, OPENAI_KEY)
        assert run(store, pricer, http_options, backfill_days=20).errors == []
        assert run(store, pricer, http_options, labels=["home"]).errors == []  # only "home" re-polled
    start = window_start(NOW_S, 20)
    assert stored_buckets(store, "openai", "work") == expected(work.expected_buckets(start, END_S))
    assert stored_buckets(store, "openai", "home") == expected(home.expected_buckets(start, END_S))
    assert stored_buckets(store, "openai", "work") != stored_buckets(store, "openai", "home")
