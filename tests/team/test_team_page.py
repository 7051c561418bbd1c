"""The Team page widget, offscreen."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6")
pytestmark = pytest.mark.gui

from tests.team.conftest import TEAM_SECRET, plant_usage  # noqa: E402
from tests.team.test_merge import fake  # noqa: E402
from tracker.services import team, team_keys  # noqa: E402
from tracker.services.team_summary import team_fingerprint  # noqa: E402


@pytest.fixture
def page(qtbot, make_ctx):
    from tracker.gui.pages.team_page import TeamPage

    ctx = make_ctx("gui")
    plant_usage(ctx)
    widget = TeamPage(lambda: ctx)
    qtbot.addWidget(widget)
    widget.ctx = ctx
    return widget


def test_preview_explains_missing_secret_then_shows_summary(page):
    page.refresh()
    assert "team secret" in page.preview_view.toPlainText().lower()
    assert "tracker summary setup" not in page.preview_view.toPlainText()  # the field is right here
    assert page.charts_hint.isVisibleTo(page) and not page.mix_plot.isVisibleTo(page)  # no empty 0-1 axes
    page.secret_edit.setText(TEAM_SECRET)
    page.save_settings()
    assert team_keys.get(team_keys.TEAM_SECRET) == TEAM_SECRET
    text = page.preview_view.toPlainText()
    assert "Team summary" in text and "Exactly what will be sent" in text
    assert page.last_built is not None and page.last_built.doc["week"] in text
    assert page.week_combo.count() >= 2


def test_share_settings_and_share_now(page, tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    team_keys.put(team_keys.TEAM_SECRET, TEAM_SECRET)
    page.refresh()
    page.share_now()
    assert "sharing is off" in page.share_status.text()
    page.opt_in.setChecked(True)
    page.folder_edit.setText(str(drive))
    page.save_settings()
    assert team.load_settings(page.ctx.store).opt_in
    page.share_now()
    assert "folder: sent" in page.share_status.text()
    assert len(list(drive.glob("*.json"))) == 1


def test_team_view_merges_and_draws_charts(page, tmp_path):
    team_keys.put(team_keys.TEAM_SECRET, TEAM_SECRET)
    own_team = team_fingerprint(TEAM_SECRET)
    folder = tmp_path / "team"
    folder.mkdir()
    (folder / "other-team.json").write_text(json.dumps(fake(9, cost=1000)))
    for i in range(6):
        for week in ("2026-W46", "2026-W47"):
            (folder / f"m{i}-{week}.json").write_text(json.dumps(fake(i, week=week, cost=10 + i, team=own_team)))
    (folder / "broken.json").write_text("{")
    page.refresh()
    page.merge_folder_edit.setText(str(folder))
    page.merge_now()
    report = page.last_report
    assert report["members"] == 6 and len(report["problems"]) == 2
    assert report["totals"]["cost_usd"] == 2 * sum(10 + i for i in range(6))
    text = page.report_view.toPlainText()
    assert "Team report" in text and "broken.json" in text
    assert page.dist_bars is not None and len(page.dist_bars.opts["x"]) == 2
    assert page.mix_plot.isVisibleTo(page) and not page.charts_hint.isVisibleTo(page)
    assert page.mix_bars is not None and len(page.mix_bars.opts["width"]) == 1  # one model family, as a bar across
    page.k_spin.setValue(10)
    page.merge_now()
    assert page.dist_bars is None and page.mix_bars is None
    assert "Suppressed" in page.report_view.toPlainText()
