"""Plan windows in the tray (menu, badge, 80/95% notifications), the Overview cards, the Limits page, Settings."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.core.limits import HOUR_MS, MINUTE_MS, LimitReading
from tracker.core.timeutil import get_zone, local_date, now_ms
from tracker.gui.menu_model import SyncStatus, menu_entries, tooltip, tray_badge
from tracker.services import limits, plans
from tracker.services.overview import overview_snapshot
from tracker.storage import limits as lstore


def month_start() -> date:
    """The first of this month in UTC (the zone the tests' figures are cut in)."""
    return local_date(now_ms(), get_zone("UTC")).replace(day=1)


def _texts(entries) -> list[str]:
    return [e.label for e in entries if not e.separator]


@pytest.fixture
def windowed(ctx):
    """A Claude 5-hour window at 30% climbing 20%/h (full in 3.5 h, before its 4 h reset), a Codex weekly window."""
    now = now_ms()
    lstore.write_readings(ctx.store, [
        LimitReading("claude_code", "five_hour", now - HOUR_MS, 10.0, 300, now + 4 * HOUR_MS),
        LimitReading("claude_code", "five_hour", now - 5 * MINUTE_MS, 30.0, 300, now + 4 * HOUR_MS),
        LimitReading("codex", "codex.secondary", now - 5 * MINUTE_MS, 12.0, 10080, now + 3 * 86_400_000, "Codex"),
    ])
    ctx.store.set_setting("timezone", "UTC")
    return ctx, now


def test_menu_lists_each_window_with_reset_and_pace(windowed):
    ctx, now = windowed
    snap = overview_snapshot(ctx.store, get_zone("UTC"), now=now)
    lim = limits.limits_snapshot(ctx.store, now)
    texts = _texts(menu_entries(snap, SyncStatus(), 0, get_zone("UTC"), now, limits=lim))
    claude = texts.index("Claude 5-hour: 30% used")  # the figure, then the pace on its own line
    assert texts[claude + 1].strip().startswith("at this rate you reach 100% at ")
    assert texts[claude + 1].endswith("before the reset")
    codex = texts.index("Codex weekly: 12% used")
    assert texts[codex + 1].strip().startswith("at this rate about")
    assert tray_badge(snap, lim, "limits") == "C 30%" and tray_badge(snap, lim, "spend") is None
    assert "Claude 5-hour: 30% used" in tooltip(snap, SyncStatus(), lim)


def test_plan_value_in_the_menu(ctx):
    ctx.store.set_setting("timezone", "UTC")
    plans.set_plan(ctx.store, "claude", "claude-pro", month_start())
    snap = overview_snapshot(ctx.store, get_zone("UTC"))
    texts = _texts(menu_entries(snap, SyncStatus(), 0, get_zone("UTC")))
    assert "Plans this month: $20 for $0 of usage (0.0x)" in texts


def test_tray_badge_and_notifications_once_per_window(qtbot, windowed, monkeypatch):
    from PySide6.QtWidgets import QSystemTrayIcon

    from tracker.gui.model import DashboardModel
    from tracker.gui.tray import TrayController

    ctx, now = windowed
    limits.set_badge_mode(ctx.store, "limits")
    shown = []
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", lambda self, title, text, *a: shown.append((title, text)))
    model = DashboardModel(ctx)
    model.refresh()
    assert model.badge == "limits"
    tray = TrayController(model)
    drawn = []
    monkeypatch.setattr("tracker.gui.tray.draw_icon", lambda *a, **kw: drawn.append(kw.get("text")) or
                        tray.tray.icon())
    tray.update_state()
    assert drawn[-1] == "C 30%" and not [s for s in shown if "limit" in s[0]]
    lstore.write_readings(ctx.store, [LimitReading("claude_code", "five_hour", now_ms(), 82.0, 300,
                                                   now + 4 * HOUR_MS)])
    model.refresh()
    tray.update_state()
    tray.update_state()
    assert [s[0] for s in shown if "limit" in s[0]] == ["Claude 5-hour limit at 82%"]
    lstore.write_readings(ctx.store, [LimitReading("claude_code", "five_hour", now_ms() + 1, 96.0, 300,
                                                   now + 4 * HOUR_MS)])
    model.refresh()
    tray.update_state()
    assert [s[0] for s in shown if "limit" in s[0]] == ["Claude 5-hour limit at 82%", "Claude 5-hour limit at 96%"]
    model.refresh()  # a new session (the store remembers): not again
    TrayController(model).update_state()
    assert len([s for s in shown if "limit" in s[0]]) == 2
    tray.menu.aboutToShow.emit()
    assert any(a.text() == "Claude 5-hour\t96% used" for a in tray.menu.actions())
    tray.menu.deleteLater()


def test_icon_draws_a_window_badge(qapp):
    from tracker.gui.icon import draw_icon

    assert not draw_icon(None, text="C 42%").isNull()


def test_overview_cards_and_limits_page(qtbot, windowed):
    from tracker.gui.model import DashboardModel
    from tracker.gui.pages.limits_page import LimitsPage
    from tracker.gui.pages.overview import OverviewPage

    ctx, now = windowed
    plans.set_plan(ctx.store, "codex", "chatgpt-plus", month_start())
    model = DashboardModel(ctx)
    model.refresh()
    page = OverviewPage(model)
    qtbot.addWidget(page)
    assert not page.plan_cards["limits"].isHidden() and page.plan_cards["limits"].value.text() == "30%"
    assert "Claude 5-hour" in page.plan_cards["limits"].note.text()
    assert not page.plan_cards["plans"].isHidden() and "$20.00 of plans" in page.plan_cards["plans"].note.text()
    limits_page = LimitsPage(ctx, now=lambda: now)
    qtbot.addWidget(limits_page)
    cells = [[limits_page.windows.item(r, c).text() for c in range(5)] for r in range(limits_page.windows.rowCount())]
    assert cells[0][:2] == ["Claude 5-hour", "30%"] and cells[0][3].startswith("at this rate you reach 100%")
    assert cells[1][:2] == ["Codex weekly", "12%"]
    assert limits_page.chart._names == ["Claude 5-hour", "Codex weekly"]
    assert limits_page.plans.rowCount() == 1 and limits_page.plans.item(0, 1).text() == "ChatGPT Plus"
    assert limits_page.empty.isHidden()


def test_the_pace_wraps_whole_in_a_narrow_window(qtbot, windowed):
    """At 1024 px "Where it is heading" ended in "at this pace you reach your usual heavy…", before its figures:
    the column that takes the room left (every figure table's) wraps, its rows as tall as their lines and the
    table as tall as its rows; wide again, one line a row."""
    from tracker.gui.components import TABLE_ROW_PX
    from tracker.gui.pages.limits_page import LimitsPage

    ctx, now = windowed
    page = LimitsPage(ctx, now=lambda: now)
    qtbot.addWidget(page)
    table = page.windows
    pace = [table.item(r, 3).text() for r in range(table.rowCount())]
    longest_px = max(table.fontMetrics().horizontalAdvance(text) for text in pace)

    def rows_px() -> list[int]:
        return [table.rowHeight(r) for r in range(table.rowCount())]

    def shown_whole() -> bool:
        heights = rows_px()
        return table.height() >= table.horizontalHeader().height() + sum(heights) and all(
            h >= TABLE_ROW_PX + table.sizeHintForRow(r) - table.fontMetrics().lineSpacing()
            for r, h in enumerate(heights))

    page.resize(1200, 700)
    page.show()
    qtbot.waitUntil(lambda: table.columnWidth(3) > longest_px and shown_whole(), timeout=5_000)
    assert rows_px() == [TABLE_ROW_PX] * table.rowCount()
    page.resize(1200 - (table.columnWidth(3) - longest_px // 2), 700)  # the pace column half its longest text
    qtbot.waitUntil(lambda: table.columnWidth(3) < longest_px and shown_whole(), timeout=5_000)
    assert max(rows_px()) > TABLE_ROW_PX
    assert [table.item(r, 3).toolTip() for r in range(table.rowCount())] == pace


def test_limits_page_when_there_is_nothing(qtbot, ctx):
    from tracker.gui.pages.limits_page import LimitsPage

    page = LimitsPage(ctx)
    qtbot.addWidget(page)
    assert not page.empty.isHidden() and page.windows.isHidden() and page.chart.isHidden()
    assert not page.plans_empty.isHidden()
    # no block: a sentence, not an empty table's frame
    assert page.blocks.isHidden() and not page.blocks_empty.isHidden()
    assert page.blocks_empty.text().startswith("No Claude Code, Codex CLI or Gemini CLI use in the last 30 days")


def test_a_window_whose_reset_passed_reads_as_the_past(qtbot, ctx):
    """Codex's windows of months ago (no reading since their reset) showed "15%" as if used now: their rows are
    muted, after the current ones, their pace saying "no reading since"."""
    from tracker.gui.components import tone_brush
    from tracker.gui.pages.limits_page import LimitsPage

    now = now_ms()
    for limit_id, used, resets_in, minutes in (("codex.primary", 15.0, -90 * 86_400_000, 300),
                                               ("codex.secondary", 40.0, 3 * HOUR_MS, 10080)):
        lstore.write_readings(ctx.store, [LimitReading(
            source="codex", limit_id=limit_id, used_pct=used, window_minutes=minutes, resets_at_ms=now + resets_in,
            observed_ms=min(now, now + resets_in) - HOUR_MS)])
    page = LimitsPage(ctx, now=lambda: now)
    qtbot.addWidget(page)
    table = page.windows
    rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
    assert [row[1] for row in rows] == ["40%", "15%"] and "no reading since" in rows[1][3]
    muted = tone_brush("muted").color().name()
    assert {table.item(1, c).foreground().color().name() for c in range(table.columnCount())} == {muted}
    assert all(table.item(0, c).foreground().color().name() != muted for c in range(table.columnCount()))


def test_settings_sets_a_plan_and_asks_claude_consent_once(qtbot, ctx, monkeypatch):
    from tracker.gui.model import DashboardModel
    from tracker.gui.pages.settings_page import SettingsPage

    dialog = SettingsPage(DashboardModel(ctx))
    qtbot.addWidget(dialog)
    asked = []
    monkeypatch.setattr(dialog, "ask_claude_consent", lambda: asked.append(1) or True)
    dialog.plan_agent.setCurrentIndex(dialog.plan_agent.findData("claude_code"))
    dialog.plan_choice.setCurrentIndex(dialog.plan_choice.findData("claude-max-20x"))
    assert dialog.plan_price.text() == "200" and dialog.plan_currency.text() == "USD"
    dialog.set_plan()
    assert [p.plan for p in plans.list_plans(ctx.store)] == ["claude-max-20x"]
    assert asked == [1] and limits.claude_consent(ctx.store) is True and dialog.claude_consent.isChecked()
    dialog.plan_choice.setCurrentIndex(dialog.plan_choice.findData("claude-pro"))
    dialog.set_plan()  # the same day: replaces it; consent is not asked again
    assert asked == [1] and [p.plan for p in plans.list_plans(ctx.store)] == ["claude-pro"]
    dialog.plan_choice.setCurrentIndex(dialog.plan_choice.findData(dialog.OTHER_PLAN))
    dialog.plan_name.setText("")
    dialog.plan_price.setText("abc")
    dialog.set_plan()
    assert "Name the plan" in dialog.plan_message.text()
    dialog.badge.setCurrentIndex(dialog.badge.findData("limits"))
    dialog.claude_consent.setChecked(False)
    dialog.save()
    assert limits.badge_mode(ctx.store) == "limits" and limits.claude_consent(ctx.store) is False
    assert not dialog.remove_plan_button.isEnabled()  # none chosen
    dialog.plan_list.setCurrentRow(0)
    assert dialog.remove_plan_button.isEnabled()
    dialog.remove_plan_button.click()
    assert plans.list_plans(ctx.store) == [] and not dialog.remove_plan_button.isEnabled()


def test_a_window_badge_keeps_the_spend_notification(qtbot, windowed, monkeypatch):
    """With the badge on a window under 80%, high spend is still announced (and the badge stays green)."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QSystemTrayIcon

    from tracker.gui.model import DashboardModel
    from tracker.gui.tray import TrayController

    ctx, _now = windowed
    limits.set_badge_mode(ctx.store, "limits")
    shown, colours = [], []
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", lambda self, title, text, *a: shown.append(title))
    monkeypatch.setattr("tracker.gui.tray.draw_icon", lambda *a, **kw: colours.append(kw["warning"]) or QIcon())
    model = DashboardModel(ctx)
    model.refresh()
    model.snapshot.warning, model.snapshot.warning_reason = True, "today is above 1.5x your usual daily spend"
    tray = TrayController(model)
    tray.update_state()
    assert "Spending is up" in shown and colours[-1] is False
    tray.menu.deleteLater()
