"""The Team page widget, offscreen."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")
pytestmark = pytest.mark.gui

from tests.team.conftest import plant_usage  # noqa: E402
from tests.team.protocol_kit import Team  # noqa: E402
from tracker.services import team  # noqa: E402


@pytest.fixture
def page(qtbot, make_ctx):
    from tracker.gui.pages.team_page import TeamPage

    ctx = make_ctx("gui")
    plant_usage(ctx)
    widget = TeamPage(lambda: ctx)
    qtbot.addWidget(widget)
    widget.ctx = ctx
    return widget


def test_the_preview_shows_the_figures_the_masks_hide(page):
    page.refresh()
    text = page.preview_view.toPlainText()
    assert "Your figures for" in text and "never leave as they are" in text
    assert page.last_built is not None and page.last_built.week in text
    assert page.charts_hint.isVisibleTo(page) and not page.mix_plot.isVisibleTo(page)  # no empty 0-1 axes
    assert page.week_combo.count() >= 2
    assert "Not in a team yet" in page.team_info.text()


def test_set_up_a_team_join_it_and_admit_from_the_page(page, qtbot, make_ctx, tmp_path):
    from tracker.gui.pages.team_page import TeamPage

    drive = tmp_path / "drive"
    drive.mkdir()
    page.refresh()
    page.share_now()
    assert "sharing is off" in page.share_status.text()
    page.opt_in.setChecked(True)
    page.folder_edit.setText(str(drive))
    page.save_settings()
    assert team.load_settings(page.ctx.store).opt_in
    page.create_team()
    key = team.load_settings(page.ctx.store).team
    assert key and team.team_key_text(key) in page.share_status.text()
    assert "(founder)" in page.team_info.text() and "k = 5" in page.k_label.text()
    assert not page.create_button.isVisibleTo(page) and page.admit_button.isVisibleTo(page)
    # a member's own page: the team key typed in, saved: a request to join
    other_ctx = make_ctx("member")
    other = TeamPage(lambda: other_ctx)
    qtbot.addWidget(other)
    other.refresh()
    other.opt_in.setChecked(True)
    other.folder_edit.setText(str(drive))
    other.team_key_edit.setText(team.team_key_text(key))
    other.save_settings()
    assert "asked to join as member" in other.share_status.text()
    assert "waiting for the founder to admit you" in other.team_info.text()
    page.refresh()
    assert "1 asking to join" in page.team_info.text()
    page.admit_members()
    assert "2 members on the roster" in page.share_status.text()


def test_team_view_merges_a_published_week_and_draws_charts(page, tmp_path):
    costs = [3, 4, 4, 6, 6, 10, 20]
    synthetic = Team(costs, families=[{"claude-sonnet": c} for c in costs])
    synthetic.publish(list(range(7)))
    folder = synthetic.write(tmp_path / "team")
    (folder / "broken.json").write_text("{")
    page.ctx.store.set_setting(team.MEMBERSHIP_SETTING, {"team": synthetic.settings["team"]})
    page.refresh()
    page.merge_folder_edit.setText(str(folder))
    page.merge_now()
    report = page.last_report
    assert report["members"] == 7 and report["totals"]["cost_usd"] == sum(costs)
    assert [p["file"] for p in report["problems"]] == ["broken.json"]
    text = page.report_view.toPlainText()
    assert "Team report" in text and "broken.json" in text and "$2–$5" in text
    assert page.dist_bars is not None and len(page.dist_bars.opts["x"]) == 1
    assert page.mix_plot.isVisibleTo(page) and not page.charts_hint.isVisibleTo(page)
    assert page.mix_bars is not None and len(page.mix_bars.opts["width"]) == 1  # one model family, as a bar across
    assert page.k_label.text() == "k = 5 (team setting)"  # read from the signed settings, not chosen here


def test_the_reports_show_whole_in_the_page_without_a_scroll_box_of_their_own(page, qtbot):
    """The page scrolls; a report inside it is as tall as its text (it was a 260 px box scrolling inside
    the scrolling page), at any width, its tables in the palette's lines."""
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    page.refresh()
    view = page.preview_view
    tall = view.height()
    assert view.verticalScrollBar().maximum() == 0
    assert tall >= int(view.document().size().height()) > 260
    page.resize(600, 700)  # narrower: the text wraps onto more lines, the view grows with it
    qtbot.waitUntil(lambda: view.height() > tall)
    assert view.verticalScrollBar().maximum() == 0
    assert "border-color" in view.document().defaultStyleSheet()
    heading = view.document().firstBlock()
    assert heading.blockFormat().headingLevel() == 1 and "Your figures for" in heading.text()
    # the size of a panel's title (a line 1.2x the text's), not twice the text's as Qt draws an h1
    assert heading.layout().boundingRect().height() <= 1.5 * view.fontMetrics().height()
