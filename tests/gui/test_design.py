"""The dashboard as one product: charts that let the page scroll, errors that reach every surface,
every page within its window at 1024x700 and 1600x1000, light and dark."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from tracker.gui.charts import DayAxis, money_tick, nice_top, period_label
from tracker.gui.dashboard import DashboardWindow
from tracker.gui.model import DashboardModel

CLOSED_LOOPBACK = "http://127.0.0.1:9"  # the discard port: nothing answers, the test stays on this machine


def test_the_wheel_over_a_chart_scrolls_the_page_and_zooms_nothing(qtbot, demo_ctx):
    model = DashboardModel(demo_ctx)
    model.refresh()
    window = DashboardWindow(model)
    qtbot.addWidget(window)
    window.resize(1000, 650)
    window.show()
    page = window.pages["Overview"]
    chart = page.daily
    before_range = chart.plot.getViewBox().viewRange()
    bar = page.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0
    centre = QPointF(chart.width() / 2, chart.height() / 2)
    for _ in range(3):
        event = QWheelEvent(centre, chart.mapToGlobal(centre), QPoint(0, 0), QPoint(0, -120), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(chart.viewport(), event)
    assert bar.value() > 0  # the page moved down
    assert chart.plot.getViewBox().viewRange() == before_range  # the chart did not zoom or pan
    assert chart.plot.buttonsHidden  # no "A" button: there is no zoom to get back from


@pytest.mark.parametrize("width_px", [300, 700, 1200, 2400])
def test_day_labels_never_collide(qapp, width_px):
    axis = DayAxis()
    start = 1_756_684_800  # 1 Sep 2025, UTC
    for days in (7, 30, 90, 365, 730):
        ticks = axis.ticks(start, start + days * 86_400, width_px)
        assert ticks, (days, width_px)
        gap_px = min((b[0] - a[0]) for a, b in zip(ticks, ticks[1:])) / (days * 86_400) * width_px if len(ticks) > 1 \
            else width_px
        assert gap_px >= axis._label_px() - 1, (days, width_px, ticks[:4])
        assert not any(label.startswith(("Nov0", "Dec0")) for _, label in ticks)  # "Nov03": names apart from days


def test_money_and_period_labels_read_plainly():
    assert [money_tick(v, 5) for v in (0, 5, 15)] == ["$0", "$5", "$15"]
    assert money_tick(1500, 500) == "$1.5k" and money_tick(0.5, 0.1) == "$0.5"
    assert nice_top(13.2) == 15 and nice_top(185) == 200 and nice_top(0) == 1


@pytest.mark.parametrize("axis_px", [120, 200, 300, 450])
def test_a_value_axis_ends_close_over_its_tallest_value_on_a_labelled_tick(qapp, axis_px):
    """A $9.30 day drew under a $20 top: more than half the chart blank. The tallest value now reaches past
    60% of the axis, whose top is still a labelled tick at any height of the chart."""
    from tracker.gui.charts import EDGE_LABEL_ROOM, HEADROOM, MoneyAxis

    axis = MoneyAxis()
    for tallest in [round(0.37 * 1.013 ** i, 4) for i in range(600)]:  # $0.37 to about $900
        top = nice_top(tallest * HEADROOM)
        assert tallest / top > 0.6, (tallest, top)
        pad = top * EDGE_LABEL_ROOM
        spacing, ticks = axis.tickValues(-pad, top + pad, axis_px)[0]
        assert any(abs(t - top) < 1e-9 * top for t in ticks), (tallest, top, spacing)
    assert period_label("2026-12", complete=False, last=True) == "Dec so far"
    assert period_label("2026-09", complete=False) == "Sep (part)"
    assert period_label("2027-01") == "Jan 2027" and period_label("2026-W07") == "W7"


def test_a_dead_provider_url_shows_in_the_tray_its_menu_and_a_banner_after_one_sync(qtbot, ctx, memory_keyring):
    """An account on an address where nothing answers: the log said so, the tray stayed green, the menu and the
    dashboard said nothing, and the welcome page still said that no account was set up."""
    from tracker.gui.icon import state_colour
    from tracker.gui.menu_model import menu_entries
    from tracker.gui.tray import TrayController
    from tracker.services import settings as svc
    from tracker.services.sync import run_sync
    from tracker.core.timeutil import now_ms

    svc.add_source(ctx.store, "openai", "work", "sk-admin-test-0123456789", CLOSED_LOOPBACK)
    model = DashboardModel(ctx)
    model.refresh()
    window = DashboardWindow(model)
    qtbot.addWidget(window)
    window.show()
    tray = TrayController(model)

    report = run_sync(ctx, logs=False).as_dict()  # one sync, the one the worker runs
    report["finished_ms"] = now_ms()
    model.on_sync_finished(report)

    assert model.status.errors and model.status.errors[0].startswith("OpenAI 'work': ")
    assert window.banner.isVisibleTo(window) and "OpenAI 'work' is failing" in window.banner.text.text()
    assert window.banner.button.text() == "Open Settings"
    window.banner.button.click()
    assert window.current_page() == "Settings"
    texts = [e.label for e in menu_entries(model.snapshot, model.status, 0, ctx.zone())]
    assert any(t.startswith("⚠ OpenAI 'work': ") for t in texts)
    icon = tray.tray.icon().pixmap(64, 64).toImage()
    assert icon.pixelColor(32, 60).name() == state_colour(False, True, False)  # the error colour
    welcome = window.welcome
    assert "No provider account is set up" not in welcome.state.text.text()
    assert "OpenAI 'work'" in welcome.state.text.text() and "failing" in welcome.state.text.text()
    tray.dispose()


def test_every_page_fits_its_window_light_and_dark(qapp, tmp_path):
    """tests/gui/screens.py renders every page; none may be wider than its window. Both sizes in the light
    palette, the small one in the dark (a palette changes colours, not widths; the script does all four)."""
    from tests.gui import screens

    light = screens.render(tmp_path / "screens", screens=tuple(screens.SCREENS), palettes=("light",))
    dark = screens.render(tmp_path / "screens", screens=("1024",), palettes=("dark",))
    assert not light.overflow + dark.overflow, light.overflow + dark.overflow
    names = {Path(p).name for p in light.files + dark.files}
    assert {"overview-1024-dark.png", "value-1600-light.png", "tray-menu-1024-light.png",
            "first-run-1024-light.png", "settings-1024-dark.png"} <= names
    assert all(Path(p).stat().st_size > 5_000 for p in light.files + dark.files)  # drawn, not blank


def _contrast(a, b) -> float:
    """The WCAG contrast ratio of two QColors."""
    def luminance(c) -> float:
        def channel(v: float) -> float:
            return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
        return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_a_button_that_cannot_be_used_looks_it_in_both_palettes(qapp, name):
    """Invoices: "Set rate…" and "Delete draft", off for an issued invoice, read like "Mark paid" beside them
    (their text was the muted grey of a note). A disabled button's text is now faint on a flat face: less
    than half the contrast of a usable one's, still legible."""
    from PySide6.QtGui import QPalette

    from tracker.gui.appearance import palette_for, qt_palette

    q = qt_palette(palette_for(name))
    on, off = QPalette.ColorGroup.Active, QPalette.ColorGroup.Disabled
    text, face = QPalette.ColorRole.ButtonText, QPalette.ColorRole.Button
    usable = _contrast(q.color(on, text), q.color(on, face))
    unusable = _contrast(q.color(off, text), q.color(off, face))
    assert unusable < usable / 2 and unusable >= 2, (usable, unusable)
    assert q.color(off, face) != q.color(on, face)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_a_disabled_buttons_text_is_drawn_faint_under_the_style_sheet(qapp, name):
    """The palette's faint text (above) is what a disabled button is drawn with: the style sheet's `QWidget
    { color }` drew every button's text, usable or not, in the full text colour."""
    from PySide6.QtWidgets import QPushButton

    from tracker.gui.appearance import palette_for, qt_palette
    from tracker.gui.theme import stylesheet

    palette = palette_for(name)

    def darkest_and_lightest(enabled: bool) -> float:
        button = QPushButton("Delete draft")
        button.setPalette(qt_palette(palette))
        button.setStyleSheet(stylesheet(palette))
        button.setEnabled(enabled)
        button.resize(140, 32)
        image = button.grab().toImage()
        values = [image.pixelColor(x, y).lightnessF() for x in range(20, 120) for y in range(8, 24)]
        button.deleteLater()
        return max(values) - min(values)  # the text against its face

    assert darkest_and_lightest(False) < 0.75 * darkest_and_lightest(True)


@pytest.mark.parametrize("name", ["light", "dark"])
def test_a_sort_arrow_points_the_way_the_rows_run(qapp, name):
    """Usage opens newest first (descending); its header's arrow pointed up, which reads "smallest first".
    Drawn by the app's style under its style sheet: up (narrow at the top) for ascending, down for descending."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView

    from tracker.gui import appearance

    appearance.apply(name, qapp)
    model = QStandardItemModel(2, 2)
    model.setHorizontalHeaderLabels(["", "other"])  # no text in the sorted column: only its arrow is drawn there
    view = QTableView()
    view.setModel(model)
    view.resize(320, 160)
    header = view.horizontalHeader()
    header.setSortIndicatorShown(True)

    def arrow_widths(order: Qt.SortOrder) -> list[int]:
        """How many pixels of the arrow each row of the first section holds, top to bottom."""
        header.setSortIndicator(0, order)
        image = header.grab().toImage()
        face = image.pixelColor(2, 2).lightnessF()
        widths = [sum(1 for x in range(header.sectionSize(0)) if abs(image.pixelColor(x, y).lightnessF() - face) > 0.25)
                  for y in range(image.height() - 2)]  # (the section's bottom border left out)
        return [w for w in widths if w]

    try:
        up, down = arrow_widths(Qt.SortOrder.AscendingOrder), arrow_widths(Qt.SortOrder.DescendingOrder)
    finally:
        view.deleteLater()
        appearance.apply("light", qapp)
    assert len(up) >= 3 and len(down) >= 3, (up, down)
    assert up[0] < up[-1], up  # narrow at the top: pointing up
    assert down[0] > down[-1], down
