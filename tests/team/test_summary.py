"""One member's values: exact, from the allow-list of the team's layout, timezone weeks, degradation."""

from __future__ import annotations

import sys
from datetime import date

import pytest

from tests.team.conftest import NOW, WEEK, ms, plant_usage, plant_value
from tracker.core.money import usd_to_pico
from tracker.core.records import UsageEvent
from tracker.core.timeutil import get_zone, to_ms
from tracker.core.tokens import Tokens
from tracker.services.ingest import ingest
from tracker.services.team_summary import (
    build_values,
    default_layout,
    install_id,
    round_sig3,
    round_usd,
    week_window,
)
from tracker.services.team_vector import BASE, NUDGES, ROI, Layout, category_group, family_group

NOW_MS = to_ms(NOW)


def team_layout(categories=("consulting", "product")) -> Layout:
    from tracker.services.team_vector import DEFAULT_COST_BUCKETS_USD, DEFAULT_FAMILIES

    return Layout(DEFAULT_FAMILIES, (*categories, "other", "uncategorised"), DEFAULT_COST_BUCKETS_USD)


@pytest.mark.parametrize("n, expected", [
    (0, 0), (7, 7), (999, 999), (1000, 1000), (1234, 1230), (1235, 1240), (1245, 1240),  # half-even
    (123_456, 123_000), (99_950, 100_000), (999_500, 1_000_000), (987_654_321, 988_000_000),
])
def test_counts_read_to_three_significant_digits(n, expected):
    assert round_sig3(n) == expected


@pytest.mark.parametrize("usd, expected", [
    ("0", 0), ("0.49", 0), ("0.5", 0), ("1.5", 2), ("2.5", 2), ("2.500000000001", 3), ("74.99", 75), ("1234.4", 1234),
])
def test_cost_reads_in_whole_dollars_half_even(usd, expected):
    assert round_usd(usd_to_pico(usd)) == expected


def test_values_are_exact_and_built_from_the_layout(make_ctx):
    ctx = make_ctx("a")
    plant_usage(ctx)
    plant_value(ctx)
    built = build_values(ctx.store, ctx.pricer, get_zone("UTC"), team_layout(), WEEK, NOW_MS)
    layout = built.layout
    assert layout.encode(built.values)  # nothing outside the allow-list
    base = built.values[BASE]
    rows = ctx.store.aggregate([week_window(WEEK, get_zone("UTC"))], group_by=[])
    assert base["cost_pico"] == sum(r["cost_pico"] for r in rows)  # exact picodollars, not whole dollars
    assert base["requests"] == 6 + 1 + 50  # six agent requests, one fine-tune, a bucket of 50
    assert base["members"] == 1 and sum(v for k, v in base.items() if k.startswith("hist.")) == 1
    used = {f for f in layout.families if base[f"family_used.{f}"]}
    # the fine-tune's private name is reduced to its base family
    assert used == {"claude-sonnet", "gpt-5", "gpt-4o-mini"}
    assert base["unpriced_requests"] == 1  # the fine-tune has no public price: unpriced, not $0
    assert built.values[family_group("claude-sonnet")]["cost_pico"] > 0
    assert built.values[ROI]["value_pico"] == usd_to_pico("1234.56")  # exact, not rounded
    assert built.values[category_group("consulting")]["with_value"] == 1
    assert base["roi_available"] == 1 and base["nudges_available"] == 1 and NUDGES in built.values
    doc = built.readable
    assert doc["schema"] == "tracker.team-values/1" and doc["week"] == WEEK
    assert {m["family"] for m in doc["models"]} == used
    assert install_id(ctx.store) not in str(built.values) + str(doc)


def test_a_week_is_the_iso_week_in_the_configured_timezone(make_ctx):
    ctx = make_ctx("a")
    # Sunday 2026-11-22 23:30 UTC is already Monday of 2026-W48 in Berlin
    ingest(ctx.store, ctx.pricer, events=[UsageEvent(
        source="claude_code", key="late", ts_ms=ms(date(2026, 11, 22), 23, 30), model="claude-sonnet-4-5",
        tokens=Tokens(input_tokens=1_000_000, output_tokens=100_000), provider="anthropic")])
    layout = team_layout()
    utc = build_values(ctx.store, ctx.pricer, get_zone("UTC"), layout, WEEK, NOW_MS).values[BASE]
    berlin = build_values(ctx.store, ctx.pricer, get_zone("Europe/Berlin"), layout, WEEK, NOW_MS).values[BASE]
    assert utc["requests"] == 1 and berlin["requests"] == 0
    assert build_values(ctx.store, ctx.pricer, get_zone("Europe/Berlin"), layout, "2026-W48",
                        NOW_MS).values[BASE]["requests"] == 1


def test_missing_value_and_nudge_features_degrade_with_a_stated_reason(make_ctx, monkeypatch):
    ctx = make_ctx("a")
    plant_usage(ctx)
    monkeypatch.setitem(sys.modules, "tracker.services.roi", None)  # import now raises ImportError
    monkeypatch.setitem(sys.modules, "tracker.services.nudges", None)
    built = build_values(ctx.store, ctx.pricer, get_zone("UTC"), team_layout(), WEEK, NOW_MS)
    assert built.values[BASE]["roi_available"] == 0 and built.values[BASE]["nudges_available"] == 0
    assert ROI not in built.values and NUDGES not in built.values
    assert built.readable["roi"] == {"available": False, "reason": "not_installed", "categories": []}
    assert built.values[BASE]["cost_pico"] >= usd_to_pico(1)


def test_a_category_outside_the_teams_list_or_equal_to_a_local_name_is_sent_as_other(make_ctx):
    from tracker.services import tagging, value

    ctx = make_ctx("a")
    plant_usage(ctx)
    value.add_tag(ctx.store, "LeakyTag", "client", team_category="zebracanary-webshop")  # = a project name
    tagging.add_rule(ctx.store, "LeakyTag", source="claude_code")
    value.add_tag(ctx.store, "c1", "client", team_category="Initech Ltd", billing={"name": "Initech Ltd"})
    tagging.add_rule(ctx.store, "c1", source="openai")
    built = build_values(ctx.store, ctx.pricer, get_zone("UTC"), team_layout(), WEEK, NOW_MS)
    used = {c for c in built.layout.categories if built.values[BASE][f"category_used.{c}"]}
    assert used <= {"other", "uncategorised"} and "other" in used
    assert "initech" not in str(built.values).lower() and "zebracanary" not in str(built.values)
    assert any("sent as 'other'" in n for n in built.notes)


def test_nudge_adoption_counts_switched(make_ctx):
    nudges = pytest.importorskip("tracker.services.nudges")
    ctx = make_ctx("a")
    plant_usage(ctx)
    nudges.mark_switched(ctx.store, "claude_code|claude-opus-4-5|claude-sonnet-4-5", now=NOW_MS - 86_400_000)
    built = build_values(ctx.store, ctx.pricer, get_zone("UTC"), team_layout(), WEEK, NOW_MS)
    assert built.values[NUDGES]["switched"] == 1
    assert built.values[NUDGES]["realised_weekly_pico"] == 0  # nothing moved: no invented savings


def test_a_value_outside_the_layout_never_gets_to_a_mask(make_ctx):
    layout = team_layout()
    with pytest.raises(ValueError, match="not in the team's layout"):
        layout.encode({"project:zebra": {"cost_pico": 1}})
    with pytest.raises(ValueError, match="not in group"):
        layout.encode({BASE: {"project": 1}})
    with pytest.raises(ValueError, match="whole number"):
        layout.encode({BASE: {"cost_pico": -1}})


def test_the_preview_layout_before_joining_a_team_uses_the_local_category_list(make_ctx):
    ctx = make_ctx("a")
    ctx.store.set_setting("team.categories", ["Product", "ops", "other"])
    assert default_layout(ctx.store).categories == ("product", "ops", "other", "uncategorised")


def test_the_install_id_survives_a_restart(tmp_path):
    # Regression: a read that left an implicit transaction open swallowed the install id written
    # after it, so every run had a new id (and with it, new keyring entries for the team keys).
    from tracker.paths import get_paths
    from tracker.services.context import open_context

    ids = []
    for _ in range(2):
        with open_context(get_paths(tmp_path / "m")) as ctx:
            ctx.store.set_setting("timezone", "UTC")
            build_values(ctx.store, ctx.pricer, get_zone("UTC"), team_layout(), WEEK, NOW_MS)
            ids.append(install_id(ctx.store))
    assert ids[0] == ids[1]


def test_a_reports_figures_are_aligned_right_and_its_names_left():
    """Counts and amounts read by their length only when aligned right; the tables had every cell left-aligned
    (the HTML the Team page and an export show, and the Markdown's alignment row)."""
    from tracker.services.team_render import Block, to_html, to_markdown

    table = Block("table", headers=("Week", "Family", "Members", "Cost", "Share of cost", "p25", "ROI"),
                  rows=(("2026-W43", "gpt-4.1", "7", "$1,891", "33.7%", "$20–$50", "18.7×"),
                        ("2026-W44", "other (pooled)", "12", "—", "0.0%", "$100 or more", "—")))
    html_text = to_html([table])
    header = html_text.split("<tr>")[1]
    assert header.count('align="left"') == 2 and header.count('align="right"') == 5
    assert '<td align="left">2026-W43</td>' in html_text and '<td align="right">$1,891</td>' in html_text
    assert to_markdown([table]).splitlines()[1] == "|---|---|---:|---:|---:|---:|---:|"
    words = Block("table", headers=("Week", "Cost"), rows=(("2026-W45", "fewer than k"),))
    assert to_html([words]).count('align="right"') == 0  # a column with a word in it is text
