"""The team report from a folder: tampered, foreign and misplaced files rejected by name; teams; quantiles."""

from __future__ import annotations

import copy
import json
import shutil
from decimal import Decimal

import pytest

from tests.team.protocol_kit import WEEK, Team
from tracker.services import team_crypto as tc
from tracker.services import team_files as tf
from tracker.services.team_merge import POOLED, TeamChoiceError, merge_folder, quantile_range
from tracker.services.team_vector import DEFAULT_COST_BUCKETS_USD, DEFAULT_FAMILIES, Layout


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A team of six, week W47 published; the folder written once, copied by each test."""
    team = Team([3, 4, 4, 6, 6, 10])
    team.publish(list(range(6)))
    folder = team.write(tmp_path_factory.mktemp("published") / "team")
    return team, folder


def _copy(published, tmp_path):
    team, folder = published
    target = tmp_path / "team"
    shutil.copytree(folder, target)
    return team, target


def _merge(team, folder):
    return merge_folder(folder, team.settings["team"], team.deadline + 10 * 3600_000)


def test_a_published_week_merges_the_same_every_time(published, tmp_path):
    team, folder = _copy(published, tmp_path)
    report = _merge(team, folder)
    assert report["weeks"] == [WEEK] and report["members"] == 6 and report["totals"]["cost_usd"] == 33
    assert report["problems"] == [] and report["k"] == 5 and report["schema"] == "tracker.team-report/2"
    assert _merge(team, folder) == report


@pytest.mark.parametrize("content, message", [
    (b'{"schema": "someone-else/3", "rows": []}', "not a tracker team file"),
    (b'{"schema": "tracker.team-summary/1", "team": "0123456789abcdef"}', "plaintext summary from an older tracker"),
    (b'{"schema": "tracker.team-contribution/1", "team": ', "damaged or not JSON"),
    (b"\xff\xfe garbage", "damaged or not JSON"),
    (b"[1, 2, 3]", "not a JSON object"),
    (b"[" * 100_000 + b"]" * 100_000, "damaged or not JSON"),
])
def test_a_foreign_or_damaged_file_is_rejected_by_name(published, tmp_path, content, message):
    team, folder = _copy(published, tmp_path)
    (folder / "weeks" / WEEK / "bad.json").write_bytes(content)
    report = _merge(team, folder)
    assert [p["file"] for p in report["problems"]] == [f"weeks/{WEEK}/bad.json"]
    assert message in report["problems"][0]["error"]
    assert report["totals"]["cost_usd"] == 33


def _tamper_masked(doc):
    raw = bytearray(tc.unb64(doc["masked"]))
    raw[0] ^= 1
    doc["masked"] = tc.b64(bytes(raw))


def _edit(kind, member_index, mutate):
    def apply(team, folder):
        member = team.members[member_index].id
        path = tf.week_path(folder, WEEK, kind, member)
        doc = json.loads(path.read_bytes())
        mutate(doc)
        path.write_text(json.dumps(doc))
        return f"weeks/{WEEK}/{path.name}"
    return apply


TAMPERED = [
    # (what, change, message in the rejection, week still published?)
    ("a masked vector changed", _edit("contribution", 0, _tamper_masked), "signature does not match", False),
    ("a field added", _edit("contribution", 1, lambda d: d.update(project="zebra")), "unexpected field(s) project", False),
    ("a share removed", _edit("contribution", 2, lambda d: d["shares"].popitem()), "signature does not match", False),
    ("a view's list edited", _edit("view", 0, lambda d: d["present"].pop()), "signature does not match", True),
    ("a view signed by a stranger", _edit("view", 1, lambda d: d.update(member="f" * 32)), "another member", True),
    ("a reveal with a share out of range", _edit("reveal-base", 0, lambda d: next(iter(d["groups"].values())).update(
        base=f"{tc.FIELD:x}")), "share outside the field", True),
    ("a reveal's share changed (and re-signed badly)", _edit("reveal-base", 1, lambda d: next(iter(
        d["groups"].values())).update(base="1")), "signature does not match", True),
    ("a contribution's week", _edit("contribution", 3, lambda d: d.update(week="2026-W99")), "week", False),
    ("a created_at", _edit("view", 2, lambda d: d.update(created_at="yesterday")), "created_at", True),
    ("a member id", _edit("reveal-groups", 3, lambda d: d.update(member="alice@example.org")), "member", True),
    ("a settings_version", _edit("contribution", 4, lambda d: d.update(settings_version=-1)), "settings_version",
     False),
]


@pytest.mark.parametrize("what, change, message, still_published", TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_file_is_rejected_by_name(published, tmp_path, what, change, message, still_published):
    team, folder = _copy(published, tmp_path)
    name = change(team, folder)
    report = _merge(team, folder)
    problems = {p["file"]: p["error"] for p in report["problems"]}
    assert name in problems and message in problems[name], problems
    if still_published:  # a view or reveal more or less: the majority still stands
        assert report["totals"]["cost_usd"] == 33
    else:  # a contribution of the agreed list no longer checks out: the week is not merged without it
        assert report["totals"] == {"suppressed": True}
        assert report["pending"][0]["status"] == "missing"


def test_a_file_under_another_name_or_place_is_not_used(published, tmp_path):
    team, folder = _copy(published, tmp_path)
    a, b = team.members[0].id, team.members[1].id
    week = folder / "weeks" / WEEK
    shutil.copy(week / f"contribution-{a}.json", week / f"contribution-{b}.json")  # member a's under b's name
    shutil.copy(week / f"view-{a}.json", folder / "view-copy.json")
    report = _merge(team, folder)
    problems = {p["file"]: p["error"] for p in report["problems"]}
    assert "another member" in problems[f"weeks/{WEEK}/contribution-{b}.json"]
    assert "outside weeks/" in problems["view-copy.json"]
    assert report["totals"] == {"suppressed": True}  # b's own contribution is gone: not merged with another set


def test_several_teams_in_a_folder_need_a_team_key(published, tmp_path):
    team, folder = _copy(published, tmp_path)
    other = Team([1, 1, 1, 1, 1])
    intruder = tf.make_settings(other.founder, 2, "2026-W40", 2, 48, DEFAULT_FAMILIES, (), DEFAULT_COST_BUCKETS_USD,
                                other.settings["roster"])
    tf.write_file(tf.settings_path(folder, 2), tf.file_bytes(intruder))
    with pytest.raises(TeamChoiceError, match="several teams"):
        merge_folder(folder)
    report = _merge(team, folder)
    assert report["totals"]["cost_usd"] == 33 and report["k"] == 5
    assert {"file": "settings-v0002.json", "error": "settings of another team: not used"} in report["problems"]
    with pytest.raises(TeamChoiceError, match="no settings of your team"):
        merge_folder(folder, "0" * 32)


def test_a_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        merge_folder(tmp_path / "nope")


def test_two_different_settings_of_one_version_are_both_refused(published, tmp_path):
    team, folder = _copy(published, tmp_path)
    twin = tf.make_settings(team.founder, 1, "2026-W40", 2, 48, DEFAULT_FAMILIES, (), DEFAULT_COST_BUCKETS_USD,
                            team.settings["roster"])
    tf.write_file(folder / "elsewhere" / "x.json", tf.file_bytes(twin))
    shutil.move(folder / "elsewhere" / "x.json", folder / "settings-v0001.json.bak.json")
    # the founder's key signed two version-1 settings: a misplaced copy is not used ...
    assert _merge(team, folder)["totals"]["cost_usd"] == 33
    # ... and where both are read, neither is
    contents = tf.read_folder(folder)
    contents.settings.append(twin)
    from tracker.services import team_protocol as tp

    assert tp.TeamSettings.from_docs(team.settings["team"], contents.settings).versions == {}


def test_quantile_ranges_come_from_the_cost_histogram():
    layout = Layout(DEFAULT_FAMILIES, ("other", "uncategorised"), DEFAULT_COST_BUCKETS_USD)
    histogram = [0] * (len(DEFAULT_COST_BUCKETS_USD) + 1)
    for cost in (3, 4, 4, 6, 6):
        histogram[layout.bucket_of(cost * 10**12)] += 1
    assert quantile_range(layout, histogram, Decimal("0.5")) == {"from_usd": 2, "to_usd": 5}
    assert quantile_range(layout, histogram, Decimal("0.75")) == {"from_usd": 5, "to_usd": 10}
    top = [0] * len(histogram)
    top[-1] = 5
    assert quantile_range(layout, top, Decimal("0.25")) == {"from_usd": 5000, "to_usd": None}


def test_a_rare_family_is_pooled_in_the_report(tmp_path):
    families = [{"claude-sonnet": 5, "gpt-5": 3, "gemini-pro": 1} for _ in range(6)] + \
               [{"claude-sonnet": 5, "gpt-5": 3, "gemini-pro": 1, "grok": 9}]
    team = Team([9] * 6 + [18], families=families)
    team.publish(list(range(7)))
    report = merge_folder(team.write(tmp_path / "team"), team.settings["team"], team.deadline + 10 * 3600_000)
    rows = {m["family"]: m for m in report["models"]}
    assert set(rows) == {"claude-sonnet", "gpt-5", POOLED}  # gemini-pro (7 members) is the least used large row
    assert rows[POOLED]["cost_usd"] == 7 + 9 and rows[POOLED]["members"] >= 5
    assert rows["claude-sonnet"]["cost_usd"] == 35 and rows["claude-sonnet"]["provider"] == "anthropic"
    assert any("pooled" in s for s in report["suppressed"])


def test_copies_in_other_folders_do_not_count_twice(published, tmp_path):
    team, folder = _copy(published, tmp_path)
    shutil.copytree(folder / "weeks", folder / "backup" / "weeks")
    report = _merge(team, folder)
    assert report["totals"]["cost_usd"] == 33
    assert all("outside weeks/" in p["error"] or "under another name" in p["error"] for p in report["problems"])
    assert copy.deepcopy(report)["problems"]
