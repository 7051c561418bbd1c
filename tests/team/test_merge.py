"""Merging summaries: k-suppression, quantiles, idempotence, schema checks on foreign/damaged files."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil

import pytest

from tracker.services.team_merge import POOLED, load_folder, merge, merge_folder, quantile
from tracker.services.team_schema import SCHEMA, validate

TEAM = "0123456789abcdef"


def member(i: int) -> str:
    return hashlib.sha256(f"member-{i}".encode()).hexdigest()


def fake(i: int, week: str = "2026-W47", cost: int = 10, families=(("anthropic", "claude-sonnet"),),
         generated_at: str = "2026-11-23T09:00Z", categories=(), team: str = TEAM) -> dict:
    tokens = {"input": 1000, "cache_read": 5000, "cache_write": 100, "output": 200, "reasoning": 0}
    doc = {
        "schema": SCHEMA, "team": team, "member": member(i), "week": week, "generated_at": generated_at,
        "complete": True, "currency": "USD", "cost_basis": "estimated",
        "totals": {"cost_usd": cost, "requests": 10, "unpriced_requests": 0, "tokens": tokens},
        "models": [{"provider": p, "family": f, "cost_usd": cost // len(families), "requests": 10 // len(families),
                    "unpriced_requests": 0, "tokens": tokens} for p, f in families],
        "roi": {"available": bool(categories), "reason": None if categories else "no_tags",
                "categories": [{"category": c, "cost_usd": cost, "value_usd": v} for c, v in categories]},
        "nudges": {"available": True, "reason": None, "open": 1, "switched": i % 2, "realised_weekly_savings_usd": 2},
    }
    return validate(doc)


def write(folder, name, doc) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(doc))


def test_quantiles_interpolate_between_order_statistics():
    assert quantile([10, 20, 30, 40, 50], __import__("decimal").Decimal("0.5")) == 30
    assert quantile([10, 20, 30, 40], __import__("decimal").Decimal("0.25")) == 18  # 17.5 -> 18 half-even
    assert quantile([7], __import__("decimal").Decimal("0.75")) == 7


def test_breakdowns_under_k_members_are_suppressed(tmp_path):
    folder = tmp_path / "team"
    for i in range(4):
        write(folder, f"m{i}.json", fake(i, cost=10 * (i + 1)))
    report = merge_folder(folder, k=5)
    assert report["totals"] == {"suppressed": True}
    assert report["distribution"] == {"suppressed": True}
    assert report["models"] == [] and report["trend"] == [{"week": "2026-W47", "suppressed": True}]
    assert report["members"] is None and report["members_label"] == "fewer than 5 members"
    assert any("fewer than 5" in s for s in report["suppressed"])
    write(folder, "m4.json", fake(4, cost=50))
    report = merge_folder(folder, k=5)
    assert report["totals"]["cost_usd"] == 150 and report["members"] == 5
    assert (report["distribution"]["p25_usd"], report["distribution"]["median_usd"],
            report["distribution"]["p75_usd"]) == (20, 30, 40)
    assert report["trend"][0]["median_usd"] == 30


def test_a_rare_model_family_is_pooled_and_the_pool_never_reveals_one_member(tmp_path):
    folder = tmp_path / "team"
    for i in range(6):
        families = [("anthropic", "claude-sonnet"), ("openai", "gpt-5")]
        if i == 0:
            families.append(("google", "gemini-pro"))  # one member only
        write(folder, f"m{i}.json", fake(i, cost=30, families=tuple(families)))
    report = merge_folder(folder, k=5)
    labels = [m["family"] for m in report["models"]]
    assert "gemini-pro" not in labels
    # the pool alone would be one member: the smallest shown row was pooled with it (>= k members)
    assert POOLED in labels
    pooled = next(m for m in report["models"] if m["family"] == POOLED)
    assert pooled["members"] >= 5
    assert any("Model mix" in s for s in report["suppressed"])


def test_roi_by_category_is_summed_and_suppressed_under_k(tmp_path):
    folder = tmp_path / "team"
    for i in range(5):
        cats = [("product", 100), ("ops", None)] + ([("research", 5)] if i < 2 else [])
        write(folder, f"m{i}.json", fake(i, cost=10, categories=tuple(cats)))
    report = merge_folder(folder, k=5)
    rows = {r["category"]: r for r in report["roi"]}
    assert rows["product"]["cost_usd"] == 50 and rows["product"]["value_usd"] == 500
    assert "research" not in rows
    # research alone (2 members) could be recovered as total - shown rows, so the
    # next smallest row (ops, equal cost: by name) is pooled with it
    assert "ops" not in rows and rows[POOLED]["members"] == 5


def test_merge_is_idempotent_and_the_latest_summary_wins(tmp_path):
    folder = tmp_path / "team"
    for i in range(5):
        write(folder, f"m{i}.json", fake(i, cost=10))
    once = merge_folder(folder, k=5)
    # the same file twice (a copy), and a re-generated summary for member 0
    shutil.copy(folder / "m1.json", folder / "m1 (copy).json")
    (folder / "sub").mkdir()
    shutil.copy(folder / "m2.json", folder / "sub" / "m2.json")
    write(folder, "m0-newer.json", fake(0, cost=20, generated_at="2026-11-24T09:00Z"))
    write(folder, "m0-older.json", fake(0, cost=99, generated_at="2026-11-20T09:00Z"))
    twice = merge_folder(folder, k=5)
    assert once["totals"]["cost_usd"] == 50
    assert twice["totals"]["cost_usd"] == 60  # member 0 counted once, at its latest figure
    assert twice["files"]["duplicates"] == 4 and twice["members"] == 5
    assert merge_folder(folder, k=5) == twice


@pytest.mark.parametrize("content, message", [
    (b'{"schema": "someone-else/3", "rows": []}', "not a tracker team summary"),
    (b'{"schema": "tracker.team-summary/2"}', "not supported by this version"),
    (b'{"schema": "tracker.team-summary/1", "team": ', "damaged or not JSON"),
    (b"\xff\xfe garbage", "damaged or not JSON"),
    (b"[1, 2, 3]", "not a JSON object"),
])
def test_a_foreign_or_damaged_file_is_rejected_whole_with_a_clear_error(tmp_path, content, message):
    folder = tmp_path / "team"
    for i in range(5):
        write(folder, f"m{i}.json", fake(i, cost=10))
    (folder / "bad.json").write_bytes(content)
    report = merge_folder(folder, k=5)
    assert [p["file"] for p in report["problems"]] == ["bad.json"]
    assert message in report["problems"][0]["error"]
    assert report["totals"]["cost_usd"] == 50 and report["files"]["merged"] == 5


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(project="zebra"), "unexpected field(s) project"),
    (lambda d: d["models"][0].update(cost_usd=-3), "models[0].cost_usd"),
    (lambda d: d["models"][0].update(family="Secret Project X"), "models[0].family"),
    (lambda d: d.update(member="alice@example.org"), "member"),
    (lambda d: d["totals"]["tokens"].pop("output"), "missing field(s) output"),
    (lambda d: d["roi"].update(reason="/home/alice/x"), "unknown reason code"),
    (lambda d: d.update(week="2026-W99"), "week"),
    # found by an audit: '$' matched before a final newline, and the rest was not checked at all
    (lambda d: d.update(member=d["member"] + "\n"), "member"),  # one person counted twice toward k
    (lambda d: d.update(week="2026-W47\n"), "week"),
    (lambda d: d["models"][0].update(family="alice-finetune\n"), "models[0].family"),
    (lambda d: d.update(week="2025-W53"), "2025 has no week 53"),
    (lambda d: d.update(generated_at="2026-99-99T99:99Z"), "not a real time"),
    (lambda d: d.update(generated_at="2099-01-01T00:00Z"), "in the future"),  # would win every later merge
    (lambda d: d["totals"].update(cost_usd=999_999), "does not match its model rows"),
    (lambda d: d["roi"].update(categories=[{"category": "x", "cost_usd": 1, "value_usd": 2}]),
     "listed although roi.available is false"),
])
def test_a_file_with_one_bad_field_contributes_nothing(tmp_path, mutate, message):
    folder = tmp_path / "team"
    for i in range(5):
        write(folder, f"m{i}.json", fake(i, cost=10))
    bad = copy.deepcopy(fake(5, cost=1000))
    mutate(bad)
    write(folder, "m5.json", bad)
    report = merge_folder(folder, k=5)
    assert len(report["problems"]) == 1 and message in report["problems"][0]["error"]
    assert report["totals"]["cost_usd"] == 50  # none of member 5's $1000


def test_files_from_another_team_are_not_merged(tmp_path):
    folder = tmp_path / "team"
    for i in range(5):
        write(folder, f"m{i}.json", fake(i, cost=10))
    write(folder, "stranger.json", fake(9, cost=500, team="fedcba9876543210"))
    report = merge_folder(folder, k=5, expected_team=TEAM)
    assert report["totals"]["cost_usd"] == 50
    assert "another team" in report["problems"][0]["error"]
    assert merge(load_folder(folder), 5)["totals"]["cost_usd"] == 50  # majority team without a secret


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        merge_folder(tmp_path / "nope")



def test_the_weeks_shown_never_give_away_a_suppressed_week_through_the_totals(tmp_path):
    """Five members in two weeks and one other member alone in a third: total minus the two weeks
    shown was that one member's cost. The smallest shown week now joins the suppressed one."""
    folder = tmp_path / "team"
    for i in range(5):
        for week, cost in (("2026-W47", 10 + i), ("2026-W48", 20 + i)):
            write(folder, f"m{i}-{week}.json", fake(i, week=week, cost=cost))
    write(folder, "lonely.json", fake(9, week="2026-W49", cost=137))
    report = merge_folder(folder, k=5)
    shown = [w for w in report["trend"] if not w["suppressed"]]
    hidden = [w["week"] for w in report["trend"] if w["suppressed"]]
    assert hidden == ["2026-W47", "2026-W49"] and [w["week"] for w in shown] == ["2026-W48"]
    assert report["totals"]["cost_usd"] - sum(w["cost_usd"] for w in shown) == 60 + 137  # a pool of 6 members
