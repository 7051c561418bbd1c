"""Nudges on generated usage with a known share of simple requests."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from nudge_usage import DAY_MS, NOW_MS, SIMPLE, events, hand_cost_pico, hand_savings_pico, write

from tracker.core.money import format_usd, usd_to_pico
from tracker.core.timeutil import UTC
from tracker.core.tokens import Tokens
from tracker.services import nudges
from tracker.services.nudges import NudgeSettings, is_simple, is_simple_average

WEEK_MS = 7 * DAY_MS
SINCE_MS = NOW_MS - 28 * DAY_MS
OPUS_ID = "claude_code|claude-opus-4-5|claude-sonnet-4-5"


def _by_id(found):
    return {n.id: n for n in found}


# -- detection ----------------------------------------------------------------
@pytest.mark.parametrize(
    "tokens, tool_use, simple",
    [
        (Tokens(input_tokens=1600, cache_write_5m_tokens=400, output_tokens=600, reasoning_tokens=200), False, True),
        (Tokens(input_tokens=1601, cache_write_5m_tokens=400, output_tokens=600), False, False),  # fresh input
        (Tokens(input_tokens=100, output_tokens=601), False, False),  # output
        (Tokens(input_tokens=100, output_tokens=500, reasoning_tokens=201), False, False),  # reasoning
        (Tokens(input_tokens=100, output_tokens=100), True, False),  # tools
        (Tokens(input_tokens=100, output_tokens=100), None, False),  # tool use unknown: not simple
        (Tokens(input_tokens=100, cache_read_tokens=500_000, output_tokens=100), False, True),  # cache reads ok
        (Tokens(input_tokens=100, cache_write_1h_tokens=1901, output_tokens=100), False, False),
    ],
)
def test_simple_request_thresholds(tokens, tool_use, simple):
    assert is_simple(tokens, tool_use, NudgeSettings()) is simple


def test_bucket_average_thresholds():
    settings = NudgeSettings()
    ok = Tokens(input_tokens=2000 * 10, output_tokens=600 * 10, cache_read_tokens=10**7)
    assert is_simple_average(ok, 10, settings)
    assert not is_simple_average(Tokens(input_tokens=2000 * 10, output_tokens=600 * 10 + 1), 10, settings)
    assert not is_simple_average(ok, 0, settings)


def test_thresholds_come_from_settings(store):
    store.set_setting("nudges.max_output_tokens", 100)
    store.set_setting("nudges.min_weekly_savings_usd", "2.5")
    warnings: list[str] = []
    settings = nudges.load_settings(store, warnings)
    assert settings.max_output_tokens == 100 and settings.min_weekly_savings_pico == usd_to_pico("2.5")
    assert warnings == []
    store.set_setting("nudges.max_output_tokens", "lots")
    store.set_setting("nudges.min_simple_share_percent", -3)
    settings = nudges.load_settings(store, warnings)
    assert settings.max_output_tokens == 600 and settings.min_simple_share_percent == 20
    assert len(warnings) == 2 and "nudges.max_output_tokens" in warnings[0]


def test_set_setting_checks_values(store):
    assert nudges.set_setting(store, "min_weekly_savings_usd", "2.50") == Decimal("2.50")
    assert nudges.load_settings(store).min_weekly_savings_pico == usd_to_pico("2.5")
    assert nudges.set_setting(store, "lookback_days", "14") == 14
    for name, value in [("lookback_days", "0"), ("max_output_tokens", "1.5"), ("min_weekly_savings_usd", "-1"),
                        ("min_simple_share_percent", "nan"), ("nonsense", "1")]:
        with pytest.raises(ValueError):
            nudges.set_setting(store, name, value)
    assert nudges.load_settings(store).lookback_days == 14


# -- the nudge and its savings -------------------------------------------------
def test_nudge_appears_with_hand_computed_savings(store, pricer, ladders):
    # 4 weeks, 1200 simple of 2400 requests (50%), first request exactly at the window start
    evts = events(1200, 1200, SINCE_MS, 28)
    write(store, pricer, evts)
    found = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))
    assert OPUS_ID in found, found.keys()
    nudge = found[OPUS_ID]
    expected_total = hand_savings_pico(evts, "claude-sonnet-4-5")
    assert expected_total > 0
    assert nudge.savings_pico == expected_total
    # the model was in use over the whole 28-day window: four weeks
    assert nudge.weekly_savings_pico == expected_total // 4
    assert nudge.weekly_savings_pico > usd_to_pico(5)
    assert (nudge.requests, nudge.simple_requests) == (2400, 1200)
    assert nudge.share == Fraction(1, 2)
    assert nudge.simple_cost_pico == sum(
        hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in evts if not e.tool_use
    )
    assert nudge.status == "open" and nudge.basis == "per session"
    assert (nudge.sessions, nudge.simple_sessions) == (120, 60)
    # the next rung down is offered as an alternative with its own (bigger) saving
    assert [m for m, _ in nudge.alternatives] == ["claude-haiku-4-5"]
    assert nudge.alternatives[0][1] > nudge.weekly_savings_pico
    # evidence is metadata only: time, project, tokens
    assert len(nudge.examples) == 5
    assert set(nudge.examples[0]) == {
        "time", "project", "requests", "input_tokens", "cache_read_tokens", "cache_write_tokens",
        "output_tokens", "reasoning_tokens", "tool_use",
    }
    assert nudge.examples[0]["output_tokens"] == SIMPLE.output_tokens
    assert "/model claude-sonnet-4-5" in nudge.how_to_switch and "ANTHROPIC_MODEL" in nudge.how_to_switch
    doc = nudge.as_dict(UTC)
    assert doc["estimated_weekly_savings_usd"] == format_usd(expected_total // 4)
    assert "your call" in doc["note"]


def test_weekly_savings_count_only_the_weeks_in_use(store, pricer, ladders):
    # used only in the last 14 days: savings are spread over two weeks, not four
    evts = events(1200, 600, NOW_MS - 14 * DAY_MS, 14)
    write(store, pricer, evts)
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))[OPUS_ID]
    assert nudge.weekly_savings_pico == hand_savings_pico(evts, "claude-sonnet-4-5") // 2


def test_nothing_below_the_savings_threshold(store, pricer, ladders):
    evts = events(1200, 1200, SINCE_MS, 28)
    write(store, pricer, evts)
    weekly = hand_savings_pico(evts, "claude-sonnet-4-5") // 4
    # exactly at the threshold: shown; a picodollar above it: not shown
    store.set_setting("nudges.min_weekly_savings_usd", str(Decimal(weekly) / 10**12))
    assert OPUS_ID in _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))
    store.set_setting("nudges.min_weekly_savings_usd", str(Decimal(weekly + 1) / 10**12))
    assert OPUS_ID not in _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))


def test_nothing_below_the_default_savings_threshold(store, pricer, ladders):
    # 50% simple but only 40 simple requests over 4 weeks: well under $5 a week
    write(store, pricer, events(40, 40, SINCE_MS, 28))
    assert nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders) == []
    store.set_setting("nudges.min_weekly_savings_usd", 0)
    assert OPUS_ID in _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))


def test_nothing_below_the_share_threshold(store, pricer, ladders):
    # 20% simple exactly passes; 19.9% does not, although the savings are large
    write(store, pricer, events(1000, 4000, SINCE_MS, 28, prefix="a"))
    found = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))
    assert OPUS_ID in found and found[OPUS_ID].weekly_savings_pico > usd_to_pico(5)
    write(store, pricer, events(0, 25, SINCE_MS + DAY_MS, 20, prefix="b"))  # 1000 of 5025 = 19.9%
    assert OPUS_ID not in _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))


def test_unpriced_side_is_skipped_and_said(store, pricer, config_dir):
    from tracker.services.ladders import load_ladders

    (config_dir / "ladders.json").write_text(
        '{"families": {"anthropic": {"rules": [{"match": ["claude-opus-*"], '
        '"cheaper": ["claude-imaginary-1", "claude-sonnet-4-5"]}]}}}'
    )
    write(store, pricer, events(1200, 1200, SINCE_MS, 28))
    analysis = nudges.analyse(store, pricer, UTC, now=NOW_MS, ladders=load_ladders(config_dir))
    # the unknown rung is skipped (never $0), the next priced rung is suggested
    assert [n.id for n in analysis.nudges] == [OPUS_ID]
    assert any("claude-imaginary-1" in w and "no known price" in w for w in analysis.warnings)


def test_unknown_premium_model_gives_no_nudge(store, pricer, config_dir):
    from tracker.services.ladders import load_ladders

    (config_dir / "ladders.json").write_text(
        '{"families": {"mine": {"rules": [{"match": ["house-model-xl"], "cheaper": ["claude-haiku-4-5"]}]}}}'
    )
    write(store, pricer, events(1200, 0, SINCE_MS, 28, model="house-model-xl", provider=None))
    analysis = nudges.analyse(store, pricer, UTC, now=NOW_MS, ladders=load_ladders(config_dir))
    assert analysis.nudges == []
    assert any("house-model-xl" in w for w in analysis.warnings)


def test_provider_buckets_use_daily_averages(store, pricer, ladders):
    from nudge_usage import openai_day_bucket

    day0_s = SINCE_MS // 1000
    small = Tokens(input_tokens=800, cache_read_tokens=200, output_tokens=200)
    large = Tokens(input_tokens=800, output_tokens=700)  # average output above 600: not simple
    buckets = [openai_day_bucket(day0_s + d * 86400, "gpt-4.1", 1000, small) for d in range(0, 28, 2)]
    buckets += [openai_day_bucket(day0_s + d * 86400, "gpt-4.1", 1000, large) for d in range(1, 28, 2)]
    write(store, pricer, buckets=buckets)
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))["openai|gpt-4.1|gpt-4.1-mini"]
    assert nudge.basis == "daily average per request"
    assert (nudge.requests, nudge.simple_requests) == (28_000, 14_000)
    expected = sum(
        hand_cost_pico(b.tokens, "gpt-4.1", "openai", b.start_s * 1000, 1000)
        - hand_cost_pico(b.tokens, "gpt-4.1-mini", "openai", b.start_s * 1000, 1000)
        for b in buckets[:14]
    )
    assert nudge.savings_pico == expected and nudge.weekly_savings_pico == expected // 4
    assert nudge.examples[0]["per_request_average"] is True and nudge.examples[0]["output_tokens"] == 200
    assert "`model` parameter" in nudge.how_to_switch


def test_codex_models_step_down_to_gpt5_mini(store, pricer, ladders):
    store.set_setting("nudges.min_weekly_savings_usd", 0)
    write(store, pricer, events(300, 300, SINCE_MS, 28, model="gpt-5-codex", source="codex", provider="openai"))
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))["codex|gpt-5-codex|gpt-5-mini"]
    assert "codex -m gpt-5-mini" in nudge.how_to_switch and "config.toml" in nudge.how_to_switch


# -- the user's answers ----------------------------------------------------------
def test_dismissed_and_snoozed_nudges(store, pricer, ladders):
    # usage goes on for 12 days after "now", so the nudge still qualifies when the snooze ends
    write(store, pricer, events(1700, 1700, SINCE_MS, 40))
    assert [n.id for n in nudges.open_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders)] == [OPUS_ID]

    until = nudges.snooze(store, OPUS_ID, 7, now=NOW_MS)
    assert until == NOW_MS + 7 * DAY_MS
    assert nudges.open_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders) == []
    later = NOW_MS + 3 * DAY_MS
    snoozed = _by_id(nudges.compute_nudges(store, pricer, UTC, now=later, ladders=ladders))[OPUS_ID]
    assert snoozed.status == "snoozed" and snoozed.snoozed_until_ms == until
    # the snooze expires: the nudge is open again
    after = until + 1
    assert [n.id for n in nudges.open_nudges(store, pricer, UTC, now=after, ladders=ladders)] == [OPUS_ID]

    nudges.dismiss(store, OPUS_ID)
    assert nudges.open_nudges(store, pricer, UTC, now=after, ladders=ladders) == []
    assert _by_id(nudges.compute_nudges(store, pricer, UTC, now=after, ladders=ladders))[OPUS_ID].status == "dismissed"
    nudges.reopen(store, OPUS_ID)
    assert [n.id for n in nudges.open_nudges(store, pricer, UTC, now=after, ladders=ladders)] == [OPUS_ID]


def test_notified_at_most_once(store, pricer, ladders):
    write(store, pricer, events(1700, 1700, SINCE_MS, 40))
    pending = nudges.pending_notifications(store, pricer, UTC, now=NOW_MS, ladders=ladders)
    assert [n.id for n in pending] == [OPUS_ID]
    nudges.mark_notified(store, pending)
    assert nudges.pending_notifications(store, pricer, UTC, now=NOW_MS, ladders=ladders) == []
    # still open (the count in the tray), just not announced again
    assert [n.id for n in nudges.open_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders)] == [OPUS_ID]
    # a snooze that expires does not re-announce it either
    nudges.snooze(store, OPUS_ID, 1, now=NOW_MS)
    assert [n.id for n in nudges.open_nudges(store, pricer, UTC, now=NOW_MS + 2 * DAY_MS, ladders=ladders)] == [OPUS_ID]
    assert nudges.pending_notifications(store, pricer, UTC, now=NOW_MS + 2 * DAY_MS, ladders=ladders) == []


def test_bad_ids_are_refused(store):
    with pytest.raises(ValueError, match="not a nudge id"):
        nudges.dismiss(store, "no-bars-here")
    with pytest.raises(ValueError, match="at least 1"):
        nudges.snooze(store, OPUS_ID, 0)


# -- follow-through ------------------------------------------------------------------
def test_realised_savings_after_a_switch(store, pricer, ladders):
    switch_ms = NOW_MS
    before = events(1200, 1200, switch_ms - 28 * DAY_MS, 28, prefix="before")
    # after the switch: the simple work runs on sonnet, the complex work stays on opus
    after_simple = events(600, 0, switch_ms, 14, model="claude-sonnet-4-5", prefix="after")
    after_complex = events(0, 600, switch_ms, 14, prefix="after")
    write(store, pricer, before + after_simple + after_complex)
    estimate = _by_id(nudges.compute_nudges(store, pricer, UTC, now=switch_ms, ladders=ladders))[OPUS_ID]
    nudges.mark_switched(store, OPUS_ID, estimate.weekly_savings_pico, now=switch_ms)

    later = switch_ms + 14 * DAY_MS
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=later, ladders=ladders))[OPUS_ID]
    assert nudge.status == "switched"
    f = nudge.follow_through
    assert f is not None and f.switched_by == "user" and f.switched_at_ms == switch_ms
    premium_before_weekly = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in before
                                if not e.tool_use) // 4
    cheaper_after_weekly = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in after_simple) // 2
    assert f.before_weekly_pico == premium_before_weekly
    assert f.after_weekly_pico == 0
    assert f.cheaper_before_weekly_pico == 0
    assert f.cheaper_after_weekly_pico == cheaper_after_weekly
    # normalised per simple request: (premium per request before - cheaper per request after) x moved per week
    premium_before = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in before if not e.tool_use)
    cheaper_after = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in after_simple)
    assert f.moved_per_week == 300
    assert f.realised_weekly_pico == (Fraction(premium_before, 1200) - Fraction(cheaper_after, 600)) * 300 // 1
    assert abs(f.realised_weekly_pico - (premium_before_weekly - cheaper_after_weekly)) <= 2
    assert f.estimated_weekly_pico == estimate.weekly_savings_pico
    # same volume, same tokens: what was estimated is what was realised, within rounding of the weekly figures
    assert abs(f.realised_weekly_pico - f.estimated_weekly_pico) <= 2
    assert float(f.before_simple_per_week) == 300 and float(f.after_simple_per_week) == 0
    doc = nudge.as_dict(UTC)["follow_through"]
    assert doc["realised_weekly_savings_usd"] is not None and doc["switched_by"] == "user"


def test_realised_savings_wait_a_day(store, pricer, ladders):
    write(store, pricer, events(1200, 1200, NOW_MS - 28 * DAY_MS, 28))
    nudges.mark_switched(store, OPUS_ID, 123, now=NOW_MS)
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS + 3_600_000, ladders=ladders))[OPUS_ID]
    assert nudge.follow_through.realised_weekly_pico is None
    assert nudge.follow_through.estimated_weekly_pico == 123


def test_detected_shift_is_recorded(store, pricer, ladders):
    switch_ms = NOW_MS
    before = events(1200, 1200, switch_ms - 28 * DAY_MS, 28, prefix="before")
    write(store, pricer, before)
    shown = nudges.pending_notifications(store, pricer, UTC, now=switch_ms, ladders=ladders)
    nudges.mark_notified(store, shown)
    # the user moves the simple work to sonnet without telling us
    moved = events(300, 0, switch_ms, 7, model="claude-sonnet-4-5", prefix="after")
    write(store, pricer, moved + events(0, 300, switch_ms, 7, prefix="after"))
    later = switch_ms + 7 * DAY_MS
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=later, ladders=ladders))[OPUS_ID]
    assert nudge.status == "switched"
    assert nudge.follow_through.switched_by == "detected"
    f = nudge.follow_through
    assert f.switched_at_ms == later - 7 * DAY_MS == switch_ms
    # the estimate is the one the evidence before the move gave
    assert f.estimated_weekly_pico == hand_savings_pico(before, "claude-sonnet-4-5") // 4
    premium_before = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in before if not e.tool_use) // 4
    cheaper_after = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in moved)
    assert f.moved_per_week == 300  # 300 simple requests on sonnet in the week since, none before
    assert abs(f.realised_weekly_pico - (premium_before - cheaper_after)) <= 2
    assert abs(f.realised_weekly_pico - f.estimated_weekly_pico) <= 2


def test_no_shift_without_a_move(store, pricer, ladders):
    write(store, pricer, events(1600, 1600, NOW_MS - 35 * DAY_MS, 35))
    nudges.mark_notified(store, [OPUS_ID])
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))[OPUS_ID]
    assert nudge.status == "open" and nudge.follow_through is None


def test_bucket_savings_use_a_requests_long_context_tier_not_the_days(store, pricer, ladders):
    """A day's bucket of 1,000 small requests holds 1M prompt tokens: priced as one request it crossed
    gpt-5.4's long-context threshold and the savings came out about twice the real ones."""
    from nudge_usage import openai_day_bucket

    day0_s = SINCE_MS // 1000
    per_request = Tokens(input_tokens=1000, output_tokens=100)
    buckets = [openai_day_bucket(day0_s + d * 86400, "gpt-5.4", 1000, per_request) for d in range(10)]
    write(store, pricer, buckets=buckets)
    nudge = _by_id(nudges.compute_nudges(store, pricer, UTC, now=NOW_MS, ladders=ladders))["openai|gpt-5.4|gpt-5.4-mini"]
    expected = sum(
        1000 * (hand_cost_pico(per_request, "gpt-5.4", "openai", b.start_s * 1000)
                - hand_cost_pico(per_request, "gpt-5.4-mini", "openai", b.start_s * 1000))
        for b in buckets
    )
    assert abs(nudge.savings_pico - expected) <= 1000  # picodollars: each request's rounding
