"""Building one member's summary: rounding, identity, allow-list, timezone weeks, degradation."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from tests.team.conftest import NOW, TEAM_SECRET, WEEK, ms, plant_usage, plant_value
from tracker.core.money import usd_to_pico
from tracker.core.records import UsageEvent
from tracker.core.timeutil import get_zone, to_ms
from tracker.core.tokens import Tokens
from tracker.services.ingest import ingest
from tracker.services.team_schema import SCHEMA, SummaryFormatError, validate
from tracker.services.team_summary import (
    TeamSetupError,
    build_summary,
    install_id,
    member_id,
    round_sig3,
    round_usd,
    team_fingerprint,
)

NOW_MS = to_ms(NOW)


@pytest.mark.parametrize("n, expected", [
    (0, 0), (7, 7), (999, 999), (1000, 1000), (1234, 1230), (1235, 1240), (1245, 1240),  # half-even
    (123_456, 123_000), (99_950, 100_000), (999_500, 1_000_000), (987_654_321, 988_000_000),
])
def test_tokens_round_to_three_significant_digits(n, expected):
    assert round_sig3(n) == expected


@pytest.mark.parametrize("usd, expected", [
    ("0", 0), ("0.49", 0), ("0.5", 0), ("1.5", 2), ("2.5", 2), ("2.500000000001", 3), ("74.99", 75), ("1234.4", 1234),
])
def test_cost_rounds_to_whole_dollars_half_even(usd, expected):
    assert round_usd(usd_to_pico(usd)) == expected


def test_member_id_is_stable_in_a_team_and_unlinkable_across_teams(make_ctx):
    a = make_ctx("a")
    first = install_id(a.store)
    assert install_id(a.store) == first and len(first) == 64
    same = member_id(TEAM_SECRET, first)
    assert member_id(TEAM_SECRET, first) == same
    other_team = member_id("another team's long secret phrase", first)
    assert other_team != same
    assert first not in same and first not in other_team
    assert member_id(TEAM_SECRET, install_id(make_ctx("b").store)) != same
    assert team_fingerprint(TEAM_SECRET) != team_fingerprint("another team's long secret phrase")


def test_summary_is_built_from_the_allow_list(make_ctx):
    ctx = make_ctx("a")
    plant_usage(ctx)
    plant_value(ctx)
    doc = build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET).doc
    assert validate(doc) is doc
    assert doc["schema"] == SCHEMA and doc["week"] == WEEK and doc["complete"] is True
    assert list(doc) == ["schema", "team", "member", "week", "generated_at", "complete", "currency", "cost_basis",
                         "totals", "models", "roi", "nudges"]
    families = {(m["provider"], m["family"]) for m in doc["models"]}
    # the fine-tune's private name is reduced to its base family
    assert families == {("anthropic", "claude-sonnet"), ("openai", "gpt-5"), ("openai", "gpt-4o-mini")}
    assert doc["totals"]["unpriced_requests"] == 1  # the fine-tune has no public price: unpriced, not $0
    roi = {c["category"]: c for c in doc["roi"]["categories"]}
    assert doc["roi"]["available"] and set(roi) >= {"consulting", "product"}
    assert roi["consulting"]["value_usd"] == 1235  # 1234.56 rounded to whole dollars
    for value in (doc["totals"]["requests"], *doc["totals"]["tokens"].values()):
        assert value == round_sig3(value)
    # the raw install id never appears
    assert install_id(ctx.store) not in str(doc)


def test_a_week_is_the_iso_week_in_the_configured_timezone(make_ctx):
    ctx = make_ctx("a")
    # Sunday 2026-11-22 23:30 UTC is already Monday of 2026-W48 in Berlin
    ingest(ctx.store, ctx.pricer, events=[UsageEvent(
        source="claude_code", key="late", ts_ms=ms(date(2026, 11, 22), 23, 30), model="claude-sonnet-4-5",
        tokens=Tokens(input_tokens=1_000_000, output_tokens=100_000), provider="anthropic")])
    utc = build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET).doc
    berlin = build_summary(ctx.store, ctx.pricer, get_zone("Europe/Berlin"), WEEK, NOW_MS, TEAM_SECRET).doc
    assert utc["totals"]["requests"] == 1
    assert berlin["totals"]["requests"] == 0
    assert build_summary(ctx.store, ctx.pricer, get_zone("Europe/Berlin"), "2026-W48", NOW_MS,
                         TEAM_SECRET).doc["totals"]["requests"] == 1


def test_no_team_secret_is_a_clear_error(make_ctx):
    ctx = make_ctx("a")
    with pytest.raises(TeamSetupError, match="tracker summary setup --secret"):
        build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS)


def test_missing_value_and_nudge_features_degrade_with_a_stated_reason(make_ctx, monkeypatch):
    ctx = make_ctx("a")
    plant_usage(ctx)
    monkeypatch.setitem(sys.modules, "tracker.services.roi", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "tracker.services.nudges", None)
    doc = build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET).doc
    assert doc["roi"] == {"available": False, "reason": "not_installed", "categories": []}
    assert doc["nudges"]["available"] is False and doc["nudges"]["reason"] == "not_installed"
    assert doc["totals"]["cost_usd"] >= 1


def test_a_category_equal_to_a_local_name_is_sent_as_other(make_ctx):
    from tracker.services import tagging, value

    ctx = make_ctx("a")
    plant_usage(ctx)
    value.add_tag(ctx.store, "LeakyTag", "client", team_category="zebracanary-webshop")  # = a project name
    tagging.add_rule(ctx.store, "LeakyTag", source="claude_code")
    built = build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET)
    cats = [c["category"] for c in built.doc["roi"]["categories"]]
    assert "other" in cats and "zebracanary-webshop" not in cats
    assert any("sent as 'other'" in n for n in built.notes)


def test_a_category_equal_to_a_client_billing_name_is_sent_as_other(make_ctx):
    from tracker.services import tagging, value

    ctx = make_ctx("a")
    plant_usage(ctx)
    value.add_tag(ctx.store, "c1", "client", team_category="Initech Ltd", billing={"name": "Initech Ltd"})
    tagging.add_rule(ctx.store, "c1", source="claude_code")
    doc = build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET).doc
    assert "initech" not in str(doc).lower()


def test_nudge_adoption_counts_switched(make_ctx):
    nudges = pytest.importorskip("tracker.services.nudges")
    ctx = make_ctx("a")
    plant_usage(ctx)
    nudges.mark_switched(ctx.store, "claude_code|claude-opus-4-5|claude-sonnet-4-5", now=NOW_MS - 86_400_000)
    doc = build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET).doc
    assert doc["nudges"]["available"] is True
    assert doc["nudges"]["switched"] == 1


def test_validate_rejects_a_field_outside_the_allow_list(make_ctx):
    ctx = make_ctx("a")
    doc = build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET).doc
    doc["models"].append({"provider": "openai", "family": "gpt-5", "cost_usd": 1, "requests": 1,
                          "unpriced_requests": 0, "tokens": doc["totals"]["tokens"], "project": "x"})
    with pytest.raises(SummaryFormatError, match="unexpected field"):
        validate(doc)


def test_the_install_id_survives_a_restart_after_a_summary(tmp_path):
    # Regression: a read that left an implicit transaction open swallowed the
    # install id written after it, so every run had a new member id.
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    members = []
    for _ in range(2):
        with open_context(get_paths(tmp_path / "m")) as ctx:
            ctx.store.set_setting("timezone", "UTC")
            members.append(build_summary(ctx.store, ctx.pricer, get_zone("UTC"), WEEK, NOW_MS, TEAM_SECRET).doc["member"])
    assert members[0] == members[1]
