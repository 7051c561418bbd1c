"""The plan-covered part of usage read in the same pass as the usage (cost_basis.aggregate over an hourly
rollup, Store.aggregate_covered) gives every figure the separate read of each plan's covered windows gives:
random usage (priced and unpriced, two planned agents, a provider account's buckets), plans that end and are
replaced mid-month, zones of whole hours and a +05:30 one (whose midnights are no whole UTC hours: read
apart), windows that end mid-hour, and every grouping and period a report asks."""

from __future__ import annotations

import random
from datetime import date

import pytest

from tests.plans.helpers import bucket, event
from tracker.core.timeutil import Window, get_zone, windows
from tracker.services import cost_basis, plans
from tracker.storage import Store

ZONES = ("UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata")
GROUPS = (["source", "model"], ["project", "source"], ["source"], ["model"], ["project"])


def _usage(store, seed: int) -> None:
    rng = random.Random(seed)
    events = []
    for i in range(600):
        day = date(2026, rng.choice((9, 10, 11, 12)), rng.randrange(1, 29)).isoformat()
        source, model = rng.choice((("claude_code", "claude-sonnet-4-5"), ("claude_code", "claude-opus-4-5"),
                                    ("codex", "gpt-5"), ("gemini_cli", "gemini-2.5-pro")))
        events.append(event(f"e{i}", day, rng.choice(("1", "2.5", "40", None)), source=source, model=model,
                            hour=rng.randrange(24), minute=rng.randrange(60), project=rng.choice(("web", "etl", None))))
    for day in ("2026-09-30", "2026-10-01", "2026-10-09", "2026-10-10", "2026-11-15", "2026-11-16", "2026-11-19",
                "2026-11-20", "2026-11-30", "2026-12-01"):  # about the plans' first and last days, in every zone
        for hour in (0, 4, 5, 18, 19, 22, 23):
            for source in ("claude_code", "codex"):
                events.append(event(f"{source}-{day}-{hour}", day, rng.choice(("3", None)), source=source,
                                    model="claude-sonnet-4-5" if source == "claude_code" else "gpt-5",
                                    hour=hour, minute=rng.choice((0, 30, 59))))
    store.write_batch(events=events, buckets=[bucket(date(2026, 11, d).isoformat(), "2") for d in range(1, 29)])
    plans.set_plan(store, "claude", "claude-max-20x", date(2026, 10, 1))
    plans.set_plan(store, "claude", "payg", date(2026, 11, 16))
    plans.set_plan(store, "claude", "claude-pro", date(2026, 11, 20))
    plans.set_plan(store, "codex", "my team plan", date(2026, 10, 10), price="25", currency="USD")


def _two_passes(store: Store, monkeypatch, call):
    with monkeypatch.context() as m:
        m.setattr(Store, "aggregate_covered", lambda self, *a, **k: None)
        return call()


@pytest.mark.parametrize("seed", range(2))
def test_covered_usage_read_in_the_same_pass_as_the_usage_is_what_reading_it_apart_gives(store, monkeypatch, seed):
    _usage(store, seed)
    one_pass = []
    real = Store.aggregate_covered
    monkeypatch.setattr(Store, "aggregate_covered", lambda self, *a, **k: one_pass.append(a[3]) or real(self, *a, **k))
    for zone_name in ZONES:
        zone = get_zone(zone_name)
        for period in ("day", "month"):
            wins = windows(date(2026, 9, 1), date(2026, 12, 31), period, zone)
            for wins_asked in (wins, [Window("all", wins[0].start_day, wins[0].start_ms, wins[-1].end_ms)],
                               # windows that end mid-hour (an overview's "so far"): their edges read from events
                               [Window("so far", w.start_day, w.start_ms + 1234, w.end_ms - 1_234_567) for w in wins]):
                for group_by in GROUPS:
                    for sources in (None, ["claude_code"], ["codex", "gemini_cli"]):
                        def call():
                            return cost_basis.aggregate(store, zone, wins_asked, group_by=group_by, sources=sources)
                        assert call() == _two_passes(store, monkeypatch, call), (zone_name, period, group_by, sources)
    assert one_pass  # the whole-hour zones' reads were one pass...
    assert {len(spans) for spans in one_pass} == {1, 2}  # ...over one planned agent, and both


def test_a_plan_share_and_a_zone_of_half_hours_read_the_covered_usage_apart(store, monkeypatch):
    _usage(store, 5)
    calls = []
    monkeypatch.setattr(Store, "aggregate_covered", lambda self, *a, **k: calls.append(a) or None)
    wins = windows(date(2026, 10, 1), date(2026, 11, 30), "day", get_zone("Asia/Kolkata"))
    cost_basis.aggregate(store, get_zone("Asia/Kolkata"), wins)
    wins = windows(date(2026, 10, 1), date(2026, 11, 30), "day", get_zone("UTC"))
    cost_basis.aggregate(store, get_zone("UTC"), wins, basis=cost_basis.BASIS_PLAN_SHARE)
    assert calls == []
    cost_basis.aggregate(store, get_zone("UTC"), wins)
    assert len(calls) == 1
