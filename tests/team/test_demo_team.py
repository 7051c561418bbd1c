"""The demo's team of seven: made through the real protocol, merged by the Team page."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.services import team_files as tf
from tracker.services.team_merge import POOLED, merge_folder

END = date(2026, 11, 28)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from tracker.paths import get_paths
    from tracker.services.context import open_context
    from tracker.services.demo import generate
    from tracker.services.demo_team import seed_demo_team

    root = tmp_path_factory.mktemp("demo")
    ctx = open_context(get_paths(root / "home"))
    generate(ctx.store, ctx.pricer, end_day=END, days=50, scale=0.3)
    folder = seed_demo_team(ctx.store, ctx.pricer, END)
    yield ctx, folder
    ctx.close()


def test_the_demo_team_publishes_six_weeks_of_seven_members(demo):
    ctx, folder = demo
    report = merge_folder(folder)
    assert report["problems"] == [] and report["pending"] == []
    assert len(report["weeks"]) == 6 and report["members"] == 7
    assert sorted(w["members"] for w in report["trend"]) == [6, 7, 7, 7, 7, 7]  # one member missed a week
    assert POOLED in [m["family"] for m in report["models"]]
    assert not report["distribution"]["suppressed"]
    # the files are the real protocol's: masked contributions, views, both reveals
    contents = tf.read_folder(folder)
    assert len(contents.weeks) == 6 and all(len(w.views) == 7 for w in contents.weeks.values())
    assert ctx.store.get_setting("team.merge_folder") == str(folder)


def test_the_demo_user_is_one_of_the_members_and_unreadable_in_the_folder(demo):
    from tracker.services.team_summary import build_values
    from tracker.services.team_vector import Layout
    from tracker.core.timeutil import UTC

    ctx, folder = demo
    contents = tf.read_folder(folder)
    settings = contents.settings[0]
    week = sorted(contents.weeks)[-1]
    own = build_values(ctx.store, ctx.pricer, UTC, Layout.from_settings(settings), week).values["base"]["cost_pico"]
    assert own > 0
    for path in folder.rglob("*.json"):
        assert str(own).encode() not in path.read_bytes()


@pytest.mark.gui
def test_the_team_page_shows_the_demo_team(demo, qtbot):
    pytest.importorskip("PySide6")
    from tracker.gui.pages.team_page import TeamPage

    ctx, _folder = demo
    page = TeamPage(lambda: ctx)
    qtbot.addWidget(page)
    page.refresh()
    assert page.last_report is not None and page.last_report["members"] == 7
    assert page.dist_bars is not None and len(page.dist_bars.opts["x"]) == 6
    assert "k = 5 (team setting)" == page.k_label.text()


def test_the_demo_sync_makes_the_team_folder_once_a_day(tmp_path):
    from tracker.paths import get_paths
    from tracker.services.context import open_context
    from tracker.services.demo import generate
    from tracker.services.demo_team import ensure_demo_team

    with open_context(get_paths(tmp_path / "home")) as ctx:
        generate(ctx.store, ctx.pricer, end_day=END, days=20, scale=0.1)
        folder = ensure_demo_team(ctx.store, ctx.pricer, END)
        assert folder is not None and merge_folder(folder)["weeks"]
        assert ensure_demo_team(ctx.store, ctx.pricer, END) is None  # today's is there
