"""Nudges a power user would trust: judged per session, realised savings normalised per simple
request, a settling period after a switch, and hidden nudges said to be hidden (issue #23)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from nudge_usage import DAY_MS, NOW_MS, SIMPLE, events, hand_cost_pico, write

from tracker.core.money import usd_to_pico
from tracker.core.records import UsageEvent
from tracker.core.timeutil import UTC
from tracker.core.tokens import Tokens
from tracker.services import nudges

OPUS = "claude-opus-4-6"
OPUS_ID = f"claude_code|{OPUS}|claude-sonnet-4-6"
SONNET_ID = "claude_code|claude-sonnet-4-6|claude-haiku-4-5"
TOOL_CALL = Tokens(input_tokens=40, cache_read_tokens=90_000, cache_write_5m_tokens=1500, output_tokens=250)


def agentic_history(sessions: int, turns: int, start_ms: int, days: int, one_session_per_request=False):
    """Claude Code sessions of tool-using turns: each turn is three tool calls and a closing answer.

    The closing answer has no tool use, a short output and a cached context: simple by the per-request
    rule, though it ends agentic work.
    """
    out = []
    per_session = turns * 4
    step = days * DAY_MS // (sessions * per_session)
    for s in range(sessions):
        for t in range(turns):
            for call in range(4):
                i = (s * turns + t) * 4 + call
                closing = call == 3
                out.append(UsageEvent(
                    source="claude_code", key=f"agent-{i}", ts_ms=start_ms + i * step, model=OPUS,
                    tokens=SIMPLE if closing else TOOL_CALL, provider="anthropic",
                    session=f"req-{i}" if one_session_per_request else f"agent-session-{s}",
                    project="webshop", tool_use=not closing,
                ))
    return out


def _by_id(store, pricer, ladders, now=NOW_MS):
    return {n.id: n for n in nudges.compute_nudges(store, pricer, UTC, now=now, ladders=ladders)}


def test_an_agentic_claude_code_history_gets_no_nudge(store, pricer, ladders):
    history = agentic_history(sessions=40, turns=25, start_ms=NOW_MS - 28 * DAY_MS, days=28)
    write(store, pricer, history)
    assert sum(1 for e in history if e.tool_use is False) * 4 == len(history)  # 25% "simple" requests
    assert _by_id(store, pricer, ladders) == {}


def test_the_same_requests_judged_one_by_one_would_have_given_the_nudge(tmp_path, pricer, ladders):
    """The test above is not vacuous: with each request its own session (the old per-request rule),
    the closing answers are 25% simple requests saving well over $5 a week."""
    from tracker.storage import open_store

    with open_store(tmp_path / "per-request.db") as store:
        write(store, pricer, agentic_history(40, 25, NOW_MS - 28 * DAY_MS, 28, one_session_per_request=True))
        found = _by_id(store, pricer, ladders)
        assert OPUS_ID in found and found[OPUS_ID].weekly_savings_pico > usd_to_pico(5)


def test_quick_sessions_beside_agentic_ones_are_counted_per_session(store, pricer, ladders):
    agentic = agentic_history(sessions=30, turns=10, start_ms=NOW_MS - 28 * DAY_MS, days=28)
    quick = events(1200, 0, NOW_MS - 28 * DAY_MS + 1, 28, model=OPUS, prefix="q")  # 60 sessions of 20
    write(store, pricer, agentic + quick)
    nudge = _by_id(store, pricer, ladders)[OPUS_ID]
    assert (nudge.sessions, nudge.simple_sessions) == (90, 60)
    assert nudge.basis == "per session"
    # savings are the quick sessions' only: none of the closing answers of the agentic sessions
    expected = sum(hand_cost_pico(e.tokens, OPUS, "anthropic", e.ts_ms)
                   - hand_cost_pico(e.tokens, "claude-sonnet-4-6", "anthropic", e.ts_ms) for e in quick)
    assert nudge.savings_pico == expected
    evidence = nudge.as_dict(UTC)["evidence"]
    assert (evidence["sessions"], evidence["simple_sessions"], evidence["simple_requests"]) == (90, 60, 1200)


def _switch_scenario(store, pricer, ladders, after_simple_on_sonnet: int, after_days: int = 14):
    before = events(1200, 1200, NOW_MS - 28 * DAY_MS, 28, model=OPUS, prefix="before")
    after = events(after_simple_on_sonnet, 0, NOW_MS, after_days, model="claude-sonnet-4-6", prefix="after")
    write(store, pricer, before + after)
    estimate = _by_id(store, pricer, ladders)[OPUS_ID]
    nudges.mark_switched(store, OPUS_ID, estimate.weekly_savings_pico, now=NOW_MS)
    return before, after, estimate


def test_a_switch_followed_by_no_work_realises_nothing(store, pricer, ladders):
    _before, _after, estimate = _switch_scenario(store, pricer, ladders, after_simple_on_sonnet=0)
    assert estimate.weekly_savings_pico > usd_to_pico(5)
    f = _by_id(store, pricer, ladders, NOW_MS + 14 * DAY_MS)[OPUS_ID].follow_through
    # before: the old formula gave the whole premium cost of simple work before as "saved"
    assert f.before_weekly_pico > usd_to_pico(5) and f.after_weekly_pico == 0
    assert f.realised_weekly_pico == 0 and f.moved_per_week == 0
    assert "nothing moved" in f.basis


def test_a_switch_followed_by_less_work_realises_only_what_moved(store, pricer, ladders):
    # the same simple work per request, but only a quarter as much of it after the switch
    before, after, estimate = _switch_scenario(store, pricer, ladders, after_simple_on_sonnet=150)
    f = _by_id(store, pricer, ladders, NOW_MS + 14 * DAY_MS)[OPUS_ID].follow_through
    premium = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in before if not e.tool_use)
    cheaper = sum(hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) for e in after)
    assert f.premium_per_request_pico * 1200 == premium and f.cheaper_per_request_pico * 150 == cheaper
    assert f.moved_per_week == 75  # 150 simple requests in two weeks, none on sonnet before
    expected = (premium * 75) // 1200 - (cheaper * 75) // 150
    assert abs(f.realised_weekly_pico - expected) <= 1
    # a quarter of the work moved: a quarter of the estimate, not more
    assert abs(4 * f.realised_weekly_pico - estimate.weekly_savings_pico) <= 8
    doc = _by_id(store, pricer, ladders, NOW_MS + 14 * DAY_MS)[OPUS_ID].as_dict(UTC)["follow_through"]
    assert doc["moved_simple_requests_per_week"] == 75.0 and "moved to claude-sonnet-4-6" in doc["realised_basis"]


def test_no_new_nudge_on_the_model_just_switched_to_until_it_settles(store, pricer, ladders):
    before = events(1200, 1200, NOW_MS - 28 * DAY_MS, 28, model=OPUS, prefix="before")
    # the simple work moves to sonnet for the next 40 days: that alone is a sonnet -> haiku nudge
    moved = events(2400, 0, NOW_MS, 40, model="claude-sonnet-4-6", prefix="moved")
    write(store, pricer, before + moved)
    nudges.mark_switched(store, OPUS_ID, 1, now=NOW_MS)
    for days in (1, 7, 13):
        found = _by_id(store, pricer, ladders, NOW_MS + days * DAY_MS)
        assert SONNET_ID not in found, f"a sonnet -> haiku nudge {days} day(s) after switching to sonnet"
    analysis = nudges.analyse(store, pricer, UTC, now=NOW_MS + DAY_MS, ladders=ladders)
    assert analysis.settling == [("claude_code", "claude-sonnet-4-6", NOW_MS + nudges.SETTLING_DAYS * DAY_MS)]
    # settled: judged like any other model again
    later = NOW_MS + nudges.SETTLING_DAYS * DAY_MS
    assert SONNET_ID in _by_id(store, pricer, ladders, later)
    assert nudges.analyse(store, pricer, UTC, now=later, ladders=ladders).settling == []


def _seed_cli(tracker_home, now_ms):
    from tracker.paths import get_paths
    from tracker.pricing import Pricer
    from tracker.storage import open_store

    paths = get_paths().ensure()
    with open_store(paths.db_path) as store:
        write(store, Pricer(), events(1200, 1200, now_ms - 27 * DAY_MS, 27))


def test_the_cli_says_when_the_only_nudges_are_dismissed_or_snoozed(tracker_home):
    from tracker.cli import main
    from tracker.core.timeutil import now_ms

    _seed_cli(tracker_home, now_ms())
    runner = CliRunner()
    nudge_id = json.loads(runner.invoke(main, ["nudges", "--json"]).output)["nudges"][0]["id"]
    runner.invoke(main, ["nudges", "dismiss", nudge_id])
    out = runner.invoke(main, ["nudges"]).output
    assert out.startswith("No open nudges: 1 dismissed") and "--all" in out
    assert "would save at least" not in out
    runner.invoke(main, ["nudges", "snooze", nudge_id, "--days", "3"])
    assert "1 snoozed (the first back on" in runner.invoke(main, ["nudges"]).output
    assert f"[snoozed] {nudge_id}" in runner.invoke(main, ["nudges", "--all"]).output
