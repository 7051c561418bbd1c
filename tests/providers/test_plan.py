"""What a poll asks for: backfill chunks within page limits, trailing re-reads, widths that never overlap."""

from __future__ import annotations

from tests.fakes.dataset import OpenAIData
from tests.fakes.server import FakeOpenAI
from tests.providers.conftest import NOW_S
from tests.providers.helpers import configure, expected, stored_buckets, window_start
from tracker.services import poll
from tracker.services.accounts import AccountError, add_account
from tracker.sources import anthropic, openai, openrouter
from tracker.storage import providers as pstore

DAY, HOUR = 86_400, 3_600
TODAY = NOW_S // DAY * DAY


def spans(chunks):
    return [((c.start_s - TODAY) // DAY if c.width_s == DAY else (c.start_s - TODAY) // HOUR,
             (c.end_s - c.start_s) // c.width_s, "d" if c.width_s == DAY else "h") for c in chunks]


def test_first_poll_backfills_daily_then_hourly_within_page_limits():
    chunks = poll.plan_stream(openai.USAGE, None, NOW_S, None)
    # 90 days back to the midnight before "now - 48 h", in pages of 31 days, then the hours since
    assert spans(chunks) == [(-90, 31, "d"), (-59, 31, "d"), (-28, 26, "d"), (-48, 63, "h")]
    assert all(c.end_s - c.start_s <= openai.MAX_BUCKETS[c.width_s] * c.width_s for c in chunks)
    assert chunks[-2].end_s == chunks[-1].start_s  # daily history ends where the hourly window begins
    assert chunks[-1].end_s == (NOW_S // HOUR + 1) * HOUR


def test_later_polls_reread_a_trailing_window():
    cursor = {"from": TODAY - 90 * DAY, "until": TODAY - 2 * DAY}
    chunks = poll.plan_stream(openai.USAGE, cursor, NOW_S + 3600, None)
    assert spans(chunks) == [(-5, 3, "d"), (-48, 64, "h")]
    assert chunks[0].cursor == {"from": TODAY - 90 * DAY, "until": TODAY - 2 * DAY}


def test_a_gap_since_the_last_poll_is_filled():
    cursor = {"from": TODAY - 90 * DAY, "until": TODAY - 40 * DAY}
    chunks = poll.plan_stream(anthropic.COSTS, cursor, NOW_S, None)
    assert spans(chunks) == [(-40, 31, "d"), (-9, 10, "d")]


def test_longer_backfill_extends_history_backwards():
    cursor = {"from": TODAY - 10 * DAY, "until": TODAY + DAY}
    chunks = poll.plan_stream(openai.COSTS, cursor, NOW_S, 400)
    assert spans(chunks) == [(-40, 30, "d"), (-220, 180, "d"), (-400, 180, "d"), (-2, 3, "d")]
    extension = [c for c in chunks if c.start_s < TODAY - 10 * DAY]
    assert extension[0].end_s == TODAY - 10 * DAY and extension[-1].start_s == TODAY - 400 * DAY
    assert all(c.cursor["from"] == c.start_s for c in extension)  # written newest first, contiguous


def test_openrouter_activity_keeps_to_30_days_and_asks_today_alone():
    chunks = poll.plan_stream(openrouter.ACTIVITY, None, NOW_S, 90)
    assert spans(chunks) == [(-30, 30, "d"), (0, 1, "d")]
    stale = {"from": TODAY - 80 * DAY, "until": TODAY - 60 * DAY}  # not polled for two months
    assert spans(poll.plan_stream(openrouter.ACTIVITY, stale, NOW_S, None))[0][0] == -30


def test_backfill_can_be_extended_and_stays_exact(store, pricer, http_options):
    data = OpenAIData(NOW_S)
    with FakeOpenAI(data) as fake:
        configure(store, "openai", "oa", fake.base_url, "sk-admin-fake-0001")
        assert poll.poll_sources(store, pricer, backfill_days=10, now_s=NOW_S, http_options=http_options).errors == []
        assert min(day for day, _, _ in stored_buckets(store, "openai", "oa")) >= "2026-11-18"
        assert poll.poll_sources(store, pricer, backfill_days=90, now_s=NOW_S, http_options=http_options).errors == []
        start = window_start(NOW_S, 90)
        assert stored_buckets(store, "openai", "oa") == expected(data.expected_buckets(start, NOW_S + 1))
        assert pstore.billed_totals(store, "openai", "oa") == data.expected_billed(start, NOW_S + 1)


def test_a_label_belongs_to_one_kind(store):
    add_account(store, "deepseek", "main", "k", "http://127.0.0.1:1", test=False)
    try:
        add_account(store, "openai", "main", "k2", test=False)
    except AccountError as exc:
        assert "already used by a deepseek account" in str(exc)
    else:
        raise AssertionError("a second kind under one label was accepted")
