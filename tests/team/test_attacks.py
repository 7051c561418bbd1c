"""Every attack of issue #23, tried: each must fail to learn a member's weekly figure.

* quartiles: total minus the published quantiles gave the rest of the members away;
* differencing two merges: the folder fills over days, a late file made the difference one member;
* reading the folder: every member's own weekly file was there in plaintext;
* `--k 2`: whoever merged chose k;
* a late file: it must never unmask anyone.
"""

from __future__ import annotations

import json
import random
import shutil
from decimal import Decimal

import pytest
from click.testing import CliRunner

from tests.team.conftest import AFTER_DEADLINE, WEEK
from tests.team.protocol_kit import PICO, Team, attacker_unmask
from tracker.core.timeutil import to_ms
from tracker.services import team_files as tf
from tracker.services import team_protocol as tp
from tracker.services.team_merge import merge_folder
from tracker.services.team_vector import DEFAULT_COST_BUCKETS_USD

AFTER_MS = to_ms(AFTER_DEADLINE) + 5 * 3600_000


def _numbers(obj):
    """Every whole number in a JSON document (what a reader could try as a member's figure)."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, int):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _numbers(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _numbers(value)


def _rest_interval(report: dict) -> tuple[int, int | None]:
    """The attack of the issue on what is published now: total - p25 - median - p75 is the cost of the
    members at no quartile. With ranges it is an interval; returns its (low, high) in whole dollars."""
    d = report["distribution"]
    total = report["totals"]["cost_usd"]
    highs = [d[q]["to_usd"] for q in ("p25", "median", "p75")]
    high = total - sum(d[q]["from_usd"] for q in ("p25", "median", "p75"))
    low = None if None in highs else max(total - sum(highs), 0)
    return low, high


# -- quartiles -----------------------------------------------------------------------------
def test_quartiles_no_longer_give_members_away(tmp_path):
    team = Team([3, 4, 4, 6, 6])
    team.publish(list(range(5)))
    report = merge_folder(team.write(tmp_path / "team"), team.settings["team"], AFTER_MS)
    assert report["totals"]["cost_usd"] == 23
    d = report["distribution"]
    # before: p25/median/p75 = 4/4/6, each one member's own figure, and 23 - 14 = 9 the other two's
    assert "p25_usd" not in d and "median_usd" not in d
    assert {q: (d[q]["from_usd"], d[q]["to_usd"]) for q in ("p25", "median", "p75")} == \
           {"p25": (2, 5), "median": (2, 5), "p75": (5, 10)}
    low, high = _rest_interval(report)
    assert (low, high) == (3, 14)  # the other two: anywhere from $3 to $14, not $9
    week = report["trend"][0]
    assert "p25_usd" not in week and week["median"] == d["median"]


@pytest.mark.parametrize("n", [5, 6, 7, 8, 9])
def test_quantiles_are_bucket_ranges_for_any_team_size(tmp_path, n):
    rng = random.Random(n)
    costs = [rng.randint(1, 60) for _ in range(n)]
    team = Team(costs)
    team.publish(list(range(n)))
    report = merge_folder(team.write(tmp_path / "team"), team.settings["team"], AFTER_MS)
    assert report["totals"]["cost_usd"] == sum(costs)
    edges = {0, *DEFAULT_COST_BUCKETS_USD}
    for q in ("p25", "median", "p75"):
        rng_ = report["distribution"][q]
        assert rng_["from_usd"] in edges and rng_["to_usd"] in edges | {None}
        assert rng_["to_usd"] is None or rng_["to_usd"] > rng_["from_usd"]
    low, high = _rest_interval(report)
    assert low is None or high - low >= 3  # never pinned to one figure
    # the distribution and the week's row publish bucket edges, counts and the sum: no member's figure
    week = report["trend"][0]
    assert set(_numbers(report["distribution"])) <= edges | {n}
    assert set(_numbers(week)) <= edges | {n, sum(costs), 10 * n}  # members, cost, requests


# -- differencing two merges, and a late file --------------------------------------------------
def test_merging_while_the_folder_fills_shows_nothing_then_one_figure_once(tmp_path):
    team = Team([3, 4, 4, 6, 6, 1, 3])
    folder = tmp_path / "team"
    reports = []
    team.contribute(0, 1, 2, 3, 4, 5)
    reports.append(merge_folder(team.write(folder), team.settings["team"], team.deadline - 60_000))
    team.contribute(6)
    reports.append(merge_folder(team.write(folder), team.settings["team"], team.deadline - 1))
    for report in reports:  # before the deadline: who contributed is known, not a dollar
        assert report["totals"] == {"suppressed": True} and report["weeks"] == []
        assert report["pending"][0]["status"] == tp.COLLECTING
    team.view(*range(7))
    team.reveal("base", *range(7))
    team.reveal("groups", *range(7))
    final = merge_folder(team.write(folder), team.settings["team"], AFTER_MS)
    assert final["totals"]["cost_usd"] == 27
    assert merge_folder(folder, team.settings["team"], AFTER_MS + 7 * 86_400_000) == final


def test_a_late_file_never_unmasks_anyone_nor_changes_the_week(tmp_path):
    team = Team([3, 4, 4, 6, 6, 1, 3])
    folder = tmp_path / "team"
    team.publish([0, 1, 2, 3, 4, 5], online=[0, 1, 2, 3, 4, 5])  # member 6 missed the week
    before = merge_folder(team.write(folder), team.settings["team"], AFTER_MS)
    assert before["totals"]["cost_usd"] == 24 and before["members"] == 6
    # member 6's file, written before the deadline, reaches the folder after the week was published
    team.contribute(6)
    after = merge_folder(team.write(folder), team.settings["team"], AFTER_MS)
    assert after["files"]["read"] == before["files"]["read"] + 1
    # before, $27 - $26 was member 6's exact cost; now there is no second figure
    assert {k: v for k, v in after.items() if k != "files"} == {k: v for k, v in before.items() if k != "files"}
    # the reader takes member 6's file and removes every mask the folder lets it rebuild:
    # its pairwise masks with the others were revealed (to publish the week without it) ...
    late = team.members[6].id
    revealed_pairs = {d for reveal in team.files.reveals["base"].values() for pairs in reveal["pairs"].values()
                      for d in pairs}
    assert revealed_pairs == {late}
    # ... but its own self-mask never is: what is left is noise, not $3
    guess = attacker_unmask(team.settings, team.files, late)
    assert guess["cost_pico"] != 3 * PICO and guess["members"] != 1


def test_a_merge_with_another_set_of_members_is_refused(tmp_path):
    team = Team([3, 4, 4, 6, 6, 1, 3])
    folder = tmp_path / "team"
    team.publish(list(range(7)))
    full = merge_folder(team.write(folder), team.settings["team"], AFTER_MS)
    assert full["totals"]["cost_usd"] == 27
    # the merger drops member 6's contribution (or swaps in another one) to get the sum of six
    subset = tmp_path / "subset"
    shutil.copytree(folder, subset)
    (subset / "weeks" / WEEK / f"contribution-{team.members[6].id}.json").unlink()
    report = merge_folder(subset, team.settings["team"], AFTER_MS)
    assert report["totals"] == {"suppressed": True} and report["weeks"] == []
    assert report["pending"][0]["status"] == tp.MISSING and "not merged with another set" in report["pending"][0]["detail"]


# -- reading the folder ------------------------------------------------------------------------
def test_no_file_in_the_folder_holds_a_members_figure(tmp_path):
    costs = [3, 4, 4, 6, 6, 1, 3]
    team = Team(costs)
    team.publish(list(range(7)))
    folder = team.write(tmp_path / "team")
    figures = {c * PICO for c in costs} | set(costs)
    for path in folder.rglob("*.json"):
        doc = json.loads(path.read_bytes())
        assert not figures & set(_numbers(doc)) - {1}, f"{path.name} holds a member's figure"
        if doc["schema"] == tf.CONTRIBUTION:
            vector = set(tp.tc.unpack(tp.tc.unb64(doc["masked"])))
            assert not figures & vector, f"{path.name}'s vector holds a member's figure unmasked"
    # every share revealed to publish the week, used against each member: noise, never the member's cost
    for i, member in enumerate(team.members):
        guess = attacker_unmask(team.settings, team.files, member.id)
        assert guess["cost_pico"] != costs[i] * PICO


def test_the_folder_of_a_real_team_of_seven_holds_no_members_figure(real_team):
    run = real_team(7)
    run.run_week()
    report = run.merge()
    figures = [run.figures(i) for i in range(7)]
    # the same totals as the plaintext sum of the members' own figures: money exact to the picodollar
    total_pico = sum(f["base"]["cost_pico"] for f in figures)
    assert Decimal(report["totals"]["cost_usd_exact"]) * PICO == total_pico
    assert report["totals"]["requests"] == sum(f["base"]["requests"] for f in figures)
    own = {f["base"]["cost_pico"] for f in figures} | {f["base"]["requests"] for f in figures}
    files = tf.read_folder(run.drive)
    assert not files.problems
    for path in run.drive.rglob("*.json"):
        doc = json.loads(path.read_bytes())
        assert not own & set(_numbers(doc)), f"{path.name} holds a member's figure"
    week = files.weeks[WEEK]
    settings = tp.TeamSettings.from_docs(run.team, files.settings).for_week(WEEK)
    for member, figure in zip(week.contributions, figures, strict=False):
        assert attacker_unmask(settings, week, member)["cost_pico"] not in own


# -- k chosen by whoever merges ----------------------------------------------------------------------
def test_k_is_not_a_merge_option(tmp_path, real_team, monkeypatch):
    from tracker.cli import main

    run = real_team(4)
    run.run_week()
    monkeypatch.setenv("TRACKER_HOME", str(run.contexts[0].paths.data_dir.parent))
    result = CliRunner().invoke(main, ["summary", "merge", str(run.drive), "--k", "2", "--json"])
    assert result.exit_code == 1 and "k is not a merge option" in result.output
    report = json.loads(CliRunner().invoke(main, ["summary", "merge", str(run.drive), "--json"]).output)
    assert report["members_label"] == "fewer than 5 members" and report["totals"] == {"suppressed": True}


def test_settings_with_another_k_are_rejected_unless_the_founder_signed_them(tmp_path):
    team = Team([3, 4, 4, 6])  # four members: nothing published at k = 5
    team.publish([0, 1, 2, 3])
    folder = team.write(tmp_path / "team")
    forged = dict(team.settings, k=2, version=2)  # edited, signature kept
    (folder / "settings-v0002.json").write_text(json.dumps(forged))
    other = tp.tc.SigningKey.generate()  # re-signed by someone else: another team key
    resigned = tf.make_settings(other, 2, "2026-W40", 2, 48, tuple(team.settings["families"]), (),
                                tuple(team.settings["cost_buckets_usd"]), team.settings["roster"])
    (folder / "settings-v0003.json").write_text(json.dumps(resigned | {"version": 3}))
    report = merge_folder(folder, team.settings["team"], AFTER_MS)
    assert report["k"] == 5 and report["members_label"] == "fewer than 5 members"
    assert report["totals"] == {"suppressed": True}
    problems = {p["file"]: p["error"] for p in report["problems"]}
    assert "not signed by the team's founder key" in problems["settings-v0002.json"]
    assert "settings-v0003.json" in problems
    # and even a merger who takes the other "team" cannot unmask: its members never revealed for it
    with pytest.raises(ValueError):
        merge_folder(folder, resigned["team"], AFTER_MS)


def test_a_team_of_four_publishes_nothing_but_fewer_than_five_members(real_team):
    run = real_team(4)
    run.run_week()
    report = run.merge()
    assert report["members_label"] == "fewer than 5 members"
    assert report["totals"] == {"suppressed": True} and report["distribution"] == {"suppressed": True}
    assert report["models"] == [] and report["roi"] == [] and report["trend"] == [] and report["weeks"] == []
    assert report["pending"] == [] and report["files"] == {"rejected": 0}
    assert report["suppressed"] == ["Everything: fewer than 5 members."]
    # and nothing in the folder would let anyone do better: no member revealed anything
    assert not list(run.drive.glob("weeks/*/reveal-*.json"))
    assert not list(run.drive.glob("weeks/*/*.json"))
