"""The dashboard renders demo data; chart clicks open a day's rows; pages can be registered."""

from __future__ import annotations

from decimal import Decimal

import pytest

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel

from tracker.gui.dashboard import DashboardWindow
from tracker.gui.model import DashboardModel
from tracker.gui.pages import register_page, registered_pages, unregister_page
from tracker.gui.theme import usd


def _window(qtbot, ctx) -> tuple[DashboardWindow, DashboardModel]:
    model = DashboardModel(ctx)
    model.refresh()
    window = DashboardWindow(model)
    qtbot.addWidget(window)
    window.show()
    return window, model


def test_overview_renders_demo_data(qtbot, demo_ctx):
    window, model = _window(qtbot, demo_ctx)
    snap = model.snapshot
    page = window.pages["Overview"]
    assert window.stack.currentWidget() is page
    assert page.cards["today"].value.text() == usd(snap.today_pico)
    assert page.cards["month"].value.text() == usd(snap.month_pico)
    assert page.cards["forecast"].value.text() == usd(snap.forecast_pico)
    assert "likely" in page.cards["forecast"].note.text()
    assert page.cards["change"].value.text().endswith("%")
    # stacked bars: one visible series per source, aligned with the chart days
    chart = page.daily
    names = [name for name, _ in chart.groups]
    assert "Claude Code" in names and "OpenAI" in names
    visible = [b for b in chart._bars if b.isVisible()]
    assert len(visible) == len(chart.groups)
    assert len(visible[0].opts["x"]) == len(snap.daily.days) == 90
    # unpriced usage is shown, not hidden
    assert "internal-preview-model" in page.unpriced.text()
    assert page.billed.rowCount() == 1 and page.billed.item(0, 0).text() == "OpenAI"
    from decimal import Decimal

    def money(column: int) -> Decimal:
        return Decimal(page.billed.item(0, column).text().replace("−", "-").replace("$", "").replace(",", ""))

    assert money(2) - money(1) == money(3)  # the row adds up as shown ($18.80, $18.83: +$0.03, not +$0.02)
    assert page.sources.rowCount() == len(snap.sources) + 1  # and the total
    assert page.sources.item(len(snap.sources), 0).text() == "Total"
    # by model
    next(b for b in page.by_group.buttons() if b.property("by") == "model").setChecked(True)
    assert "claude-sonnet-4-5" in [name for name, _ in chart.groups]
    # hover text of the last day
    assert chart.describe_day(len(snap.daily.days) - 1).startswith(f"{snap.today:%a %d %b %Y}: {usd(snap.today_pico)}")
    tip = chart.tooltip_html(len(snap.daily.days) - 1)  # the hover's compact tooltip: one line per figure
    assert f"{snap.today:%a %d %b %Y}" in tip and usd(snap.today_pico) in tip and tip.count("<tr>") >= 3


def test_chart_click_opens_usage_for_that_day(qtbot, demo_ctx):
    window, model = _window(qtbot, demo_ctx)
    chart = window.pages["Overview"].daily
    day = model.snapshot.daily.days[-3]
    # map the middle of that day's bar to the scene and resolve it back, as a click does
    view = chart.plot.getViewBox()
    x = model.snapshot.daily.day_start_s[-3] + 43_200
    y = view.viewRange()[1][1] / 2
    scene_pos = view.mapViewToScene(QPointF(x, y))
    assert chart.day_index_at(scene_pos) == len(model.snapshot.daily.days) - 3
    chart.dayClicked.emit(day)
    usage = window.pages["Usage"]
    assert window.stack.currentWidget() is usage
    rows = usage.table_model.table.rows
    assert rows and {r["date"] for r in rows} == {day.isoformat()}
    usage.filter.setText("claude-opus")
    assert 0 < usage.proxy.rowCount() < len(rows)


def test_usage_views_sort_and_filter(qtbot, demo_ctx):
    window, model = _window(qtbot, demo_ctx)
    usage = window.pages["Usage"]
    for view in ("sessions", "projects", "daily"):
        usage.view.setCurrentIndex(usage.view.findData(view))
        assert usage.table_model.rowCount() > 0
    cost_col = usage.table_model.table.columns.index("cost_usd")
    usage.table.sortByColumn(cost_col, Qt.SortOrder.DescendingOrder)
    costs = [usage.proxy.index(r, cost_col).data(usage.table_model.SORT_ROLE) for r in range(usage.proxy.rowCount())]
    assert costs == sorted(costs, reverse=True)
    assert "unpriced" in usage.totals.text() and "billed" in usage.totals.text()
    assert isinstance(costs[0][1], Decimal)


def test_register_page(qtbot, demo_ctx):
    register_page("Team", lambda model: QLabel("team page"))
    try:
        assert [p.name for p in registered_pages()][:2] == ["Overview", "Usage"]
        window, _ = _window(qtbot, demo_ctx)
        names = [window.nav.item(i).text() for i in range(window.nav.count())]
        assert names[-2:] == ["Team", "Settings"]  # after the other pages; Settings stays last
        window.show_page("Team")
        assert window.stack.currentWidget().text() == "team page"
    finally:
        unregister_page("Team")


def test_first_run_offers_demo_and_settings(qtbot, ctx):
    window, model = _window(qtbot, ctx)
    assert not model.snapshot.has_data
    assert window.stack.currentWidget() is window.welcome
    with qtbot.waitSignal(model.settingsRequested):
        window.welcome.settings_button.click()
    assert window.current_page() == "Settings" and window.stack.currentWidget() is window.pages["Settings"]
    with qtbot.waitSignal(model.syncRequested):
        window.welcome.import_button.click()


def test_a_history_older_than_the_chart_is_pointed_out(qtbot, ctx):
    """Logs from months ago: zeros everywhere must not read as 'nothing was imported'."""
    from datetime import datetime, timedelta

    from tests.gui.test_overview_service import event
    from tracker.core.timeutil import UTC
    from tracker.services.ingest import ingest

    long_ago = datetime.now(UTC) - timedelta(days=400)
    ingest(ctx.store, ctx.pricer, events=[event(long_ago.date(), "1.00")])
    window, model = _window(qtbot, ctx)
    page = window.pages["Overview"]
    assert page.history.isVisibleTo(window)
    assert f"newest recorded request is from {long_ago:%d %b %Y}" in page.history.text()
    assert "last 90 days" in page.history.text()
    # "By source" was an empty table's frame: it says there is nothing in its weeks instead
    assert not page.sources.isVisibleTo(window) and page.sources_empty.isVisibleTo(window)
    assert page.sources_empty.text() == "No usage in the last 7 days or this month."


def test_recent_usage_needs_no_history_note(qtbot, demo_ctx):
    window, _ = _window(qtbot, demo_ctx)
    assert not window.pages["Overview"].history.isVisibleTo(window)
    assert window.pages["Overview"].sources.isVisibleTo(window)
    assert not window.pages["Overview"].sources_empty.isVisibleTo(window)


def test_sync_errors_and_progress_shown(qtbot, demo_ctx, monkeypatch):
    from tracker.gui import model as model_module

    monkeypatch.setattr(model_module, "PROGRESS_REDRAW_S", 0)  # every report drawn
    window, model = _window(qtbot, demo_ctx)
    model.on_sync_started("all")
    assert window.progress.maximum() == 0  # busy until the sync says how far it is
    # what services.log_import reports
    model.on_sync_progress({"stage": "logs", "files_done": 312, "files_total": 2039, "bytes_done": 300 * 2**20,
                            "bytes_total": 1200 * 2**20, "path": "/x.jsonl"})
    assert window.sync_label.text() == "Syncing agent logs, 300/1,200 MiB (312/2,039 files)…"
    assert (window.progress.maximum(), window.progress.value()) == (100, 25)
    assert not window.progress.isHidden() and not window.sync_button.isEnabled()
    # what services.poll reports
    model.on_sync_progress({"phase": "poll", "source": "openai", "kind": "openai", "stream": "usage", "chunk": 3,
                            "chunks": 4, "from": "2026-11-01", "width_s": 86400})
    assert window.sync_label.text() == "Syncing OpenAI from 2026-11-01 (3/4)…"
    assert window.progress.value() == 50
    model.on_sync_finished({"finished_ms": model.snapshot.as_of_ms, "errors": ["agent logs: no module"]})
    assert window.banner.isVisibleTo(window) and "agent logs is failing: no module" in window.banner.text.text()
    assert window.sync_label.text().startswith("Last sync:")


def test_progress_reports_redraw_at_most_ten_times_a_second(qtbot, demo_ctx):
    """A first import reports per file and per block (thousands): the status bar and tray icon follow at 10 Hz."""
    window, model = _window(qtbot, demo_ctx)
    redraws = []
    model.statusChanged.connect(lambda: redraws.append(window.sync_label.text()))
    model.on_sync_started("logs")
    for i in range(1, 2001):
        model.on_sync_progress({"stage": "logs", "files_done": i, "files_total": 2000, "bytes_done": i,
                                "bytes_total": 2000, "path": "/x"})
    assert 2 <= len(redraws) <= 20  # the first report at once, then what 0.1 s steps allow
    assert model.status.progress == "agent logs (2,000/2,000 files)" and model.status.percent == 100  # the latest
    model.on_sync_finished({"finished_ms": model.snapshot.as_of_ms})
    assert window.sync_label.text().startswith("Last sync:")


def test_date_axis_follows_the_configured_timezone(qtbot, demo_ctx):
    from tracker.core.timeutil import get_zone
    from tracker.gui.charts import DailyCostChart, set_axis_zone

    chart = DailyCostChart()
    qtbot.addWidget(chart)
    set_axis_zone(chart, get_zone("Asia/Tokyo"))
    assert chart.getPlotItem().getAxis("bottom").utcOffset == -9 * 3600


def test_usage_table_selection_tagged_by_hand(qtbot, demo_ctx):
    """Value tags by hand from a selection in the Usage table; rules do not undo it."""
    from datetime import timedelta

    from tracker.gui.model import DashboardModel
    from tracker.gui.pages.usage import UsagePage
    from tracker.services import tagging
    from tracker.services.reports import usage_report

    model = DashboardModel(demo_ctx)
    model.refresh()
    page = UsagePage(model)
    qtbot.addWidget(page)
    day = model.snapshot.today - timedelta(days=8)  # the demo ends today
    page.show_day(day)
    rows = page.table_model.table.rows
    target = next(i for i, r in enumerate(rows) if r["source"] == "claude_code")
    page.table.selectRow(page.proxy.mapFromSource(page.table_model.index(target, 0)).row())
    chosen = page.selected_rows()
    assert chosen == [rows[target]]
    page.tag_selected("Globex")
    assert "usage record(s) tagged 'Globex'" in page.notice.text()
    tagging.apply_rules(demo_ctx.store)  # re-applying the rules keeps the hand assignment
    zone = demo_ctx.zone()
    by_tag = usage_report(demo_ctx.store, zone, by="tag", since=day, until=day)
    globex = sum(r["requests"] for r in by_tag["rows"] if r["tag"] == "Globex" and r["source"] == "claude_code")
    assert globex >= chosen[0]["requests"]


def test_usage_tagging_says_what_it_did_after_the_reload_it_causes(qtbot, demo_ctx):
    """The tagging refreshes the data and so the shown table: its answer must outlive that reload."""
    from tracker.gui.model import DashboardModel
    from tracker.gui.pages.usage import UsagePage

    model = DashboardModel(demo_ctx)
    model.refresh()
    page = UsagePage(model)
    qtbot.addWidget(page)
    page.show()  # visible: a new snapshot reloads the table at once
    page.view.setCurrentIndex(page.view.findData("projects"))
    rows = page.table_model.table.rows
    named = next(i for i, r in enumerate(rows) if r.get("project"))
    page.table.selectRow(page.proxy.mapFromSource(page.table_model.index(named, 0)).row())
    page.tag_selected("Globex")
    table = page.table_model.table
    assert page.notice.isVisible()
    assert f"from {table.since} to {table.until} tagged 'Globex'" in page.notice.text()
    assert page.totals.text().startswith(table.summary)  # reloaded, and both lines are there
    page.view.setCurrentIndex(page.view.findData("daily"))  # another question: the answer goes
    assert not page.notice.isVisible()


def test_usage_range_ending_today_follows_today(qtbot, demo_ctx):
    """Past midnight, or in another zone, the default range still ends today; a range the user set stays."""
    from datetime import timedelta

    from tracker.gui.model import DashboardModel
    from tracker.gui.pages.usage import UsagePage
    from tracker.services.context import TIMEZONE_SETTING

    demo_ctx.store.set_setting(TIMEZONE_SETTING, "Etc/GMT+12")  # UTC-12 and UTC+14: always different dates
    model = DashboardModel(demo_ctx)
    model.refresh()
    page = UsagePage(model)
    qtbot.addWidget(page)
    before = model.snapshot.today
    length = page.until.date().toPython() - page.since.date().toPython()
    assert page.until.date().toPython() == before
    demo_ctx.store.set_setting(TIMEZONE_SETTING, "Etc/GMT-14")
    model.refresh()
    after = model.snapshot.today
    assert after > before
    assert page.until.date().toPython() == after
    assert page.until.date().toPython() - page.since.date().toPython() == length

    chosen = after - timedelta(days=40)
    page.show_day(chosen)  # the user looks at one past day
    demo_ctx.store.set_setting(TIMEZONE_SETTING, "Etc/GMT+12")
    model.refresh()
    assert page.since.date().toPython() == page.until.date().toPython() == chosen


def test_value_page_reads_off_the_gui_thread_in_the_dashboard(qtbot, demo_ctx):
    from tracker.gui.dashboard import DashboardWindow
    from tracker.gui.model import DashboardModel

    model = DashboardModel(demo_ctx)
    model.refresh()
    window = DashboardWindow(model)
    qtbot.addWidget(window)
    page = window.pages["Value"]
    window.show_page("Value")
    assert page._reader is not None
    qtbot.waitUntil(lambda: page.report is not None, timeout=20_000)
    assert page.report["rows"] and "Return" in page.summary_text()
    assert page._reader.wait(10_000)


def test_the_wheel_scrolls_the_page_over_a_combo_box_the_user_has_not_clicked(qtbot):
    """Scrolling the Team page changed 'Webhook format' from json to slack as it passed under the pointer."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication, QComboBox, QScrollArea, QVBoxLayout, QWidget

    from tracker.gui.wheel import guard_wheel

    area = QScrollArea()
    content = QWidget()
    layout = QVBoxLayout(content)
    combo = QComboBox()
    combo.addItems(["json", "slack", "teams"])
    layout.addWidget(combo)
    layout.addSpacing(3000)  # a long page
    area.setWidget(content)
    area.resize(300, 200)
    qtbot.addWidget(area)
    guard_wheel(area)
    area.show()
    qtbot.waitExposed(area)

    def wheel_down():
        event = QWheelEvent(QPointF(5, 5), QPointF(area.mapToGlobal(QPoint(5, 5))), QPoint(0, 0), QPoint(0, -120),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(combo, event)

    wheel_down()
    assert combo.currentText() == "json"  # unchanged
    assert area.verticalScrollBar().value() > 0  # the page scrolled instead
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    wheel_down()
    assert combo.currentText() == "slack"  # clicked into: the wheel is the combo's


def test_the_daily_chart_legend_wraps_instead_of_cutting_names_off(qtbot):
    """By model at 1024 px, the last entries ('gemini-2.5-pro', 'other') were cut off the one legend row,
    and a wrapped legend covered the bars: the legend is a wrapping line above the plot now."""
    from datetime import date, timedelta

    from tracker.gui.charts import DailyCostChart
    from tracker.services.overview import DailySeries

    names = ["gpt-4.1", "gpt-4.1-mini", "claude-sonnet-4-5", "claude-opus-4-5", "gpt-5-codex", "gemini-2.5-pro",
             "gemini-2.5-flash", "deepseek-chat"]
    series = DailySeries(days=[date(2026, 11, 1) + timedelta(days=i) for i in range(5)],
                         day_start_s=[1_761_955_200 + 86_400 * i for i in range(5)], by_source={},
                         by_model={n: [10**12 * (i + 1)] * 5 for i, n in enumerate(names)},
                         unpriced_by_day=[0] * 5, totals=[0] * 5)
    chart = DailyCostChart()
    qtbot.addWidget(chart)
    chart.resize(700, 300)
    chart.show()
    chart.set_data(series, "model")
    assert len(chart._legend_names) == 7  # six models and "other"
    assert all(name in chart.legend.text() for name in chart._legend_names)
    assert chart.legend.wordWrap() and chart.legend.parent() is not chart  # placed by the page, not on the bars
    assert chart.plot.legend is None


def test_usage_columns_hidden_for_a_narrow_table_come_back_when_the_table_is_wide(qtbot, demo_ctx):
    """The table is fitted to its own width whenever that changes: the Usage page, filled while another
    page was shown, shows every column once it is opened in a wide window, and hides the least-read
    ones when the window is narrow."""
    from PySide6.QtCore import QRect

    from tracker.gui.dashboard import DashboardWindow
    from tracker.gui.model import DashboardModel

    model = DashboardModel(demo_ctx)
    model.refresh()
    window = DashboardWindow(model)
    qtbot.addWidget(window)
    window.setGeometry(QRect(0, 0, 1600, 1000))
    window.show()
    qtbot.waitExposed(window)
    window.show_page("Usage")
    page = window.stack.currentWidget()
    header = page.table.horizontalHeader()
    columns = range(len(page.table_model.table.columns))

    def hidden() -> list[int]:
        return [i for i in columns if header.isSectionHidden(i)]

    qtbot.waitUntil(lambda: page.table_model.table.rows and not hidden())
    assert "hidden to fit the window" not in page.totals.text()
    assert sum(header.sectionSize(i) for i in columns) <= page.table.viewport().width()
    window.resize(900, 700)
    qtbot.waitUntil(lambda: bool(hidden()))
    assert "hidden to fit the window" in page.totals.text()


@pytest.mark.parametrize("screen", [(1024, 700), (1600, 1000)])
def test_usage_columns_fill_the_table_with_the_figures_under_right_aligned_headers(qtbot, demo_ctx, screen):
    """No blank strip at the table's right (it left ~80 px at 1024x700): the columns shown share the room
    left, in every view and as more sessions load, and a column of figures has its header over them, at
    its right."""
    from PySide6.QtCore import QRect

    from tracker.gui.dashboard import first_geometry

    window, _ = _window(qtbot, demo_ctx)
    window.setGeometry(first_geometry(QRect(0, 0, *screen)))
    window.show()
    qtbot.waitExposed(window)
    window.show_page("Usage")
    page = window.stack.currentWidget()
    header = page.table.horizontalHeader()

    def widths() -> tuple[int, int]:
        shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
        return sum(header.sectionSize(i) for i in shown), page.table.viewport().width()

    for view in ("daily", "sessions", "projects"):
        page.view.setCurrentIndex(page.view.findData(view))
        qtbot.waitUntil(lambda: page.table_model.table.view == view)
        assert widths()[0] == widths()[1], view
        qtbot.waitUntil(lambda: not page.table.horizontalScrollBar().isVisible())  # (laid out when idle)
        table = page.table_model.table
        for column in ("cost_usd", "requests", "output_tokens"):
            i = table.columns.index(column)
            align = Qt.AlignmentFlag(page.table_model.headerData(i, Qt.Orientation.Horizontal,
                                                                 Qt.ItemDataRole.TextAlignmentRole))
            cell = Qt.AlignmentFlag(page.table_model.index(0, i).data(Qt.ItemDataRole.TextAlignmentRole))
            assert align & Qt.AlignmentFlag.AlignRight and cell & Qt.AlignmentFlag.AlignRight, column
        first = table.columns[0]
        assert not Qt.AlignmentFlag(page.table_model.headerData(0, Qt.Orientation.Horizontal,
                                    Qt.ItemDataRole.TextAlignmentRole)) & Qt.AlignmentFlag.AlignRight, first
    page.table_model.fetchMore()  # the next page of sessions: still filling the width
    assert widths()[0] == widths()[1]


def test_usage_rows_a_plan_covered_say_in_plan_with_the_api_price_in_the_tooltip(qtbot, demo_ctx):
    """The demo's Claude Code runs under Claude Max: its rows' cost is $0 paid as you go, not free usage."""
    from datetime import date, timedelta

    from tracker.services.demo import seed_demo_plans

    seed_demo_plans(demo_ctx.store, date.today() - timedelta(days=89), date.today())
    window, _ = _window(qtbot, demo_ctx)
    usage = window.pages["Usage"]
    usage.view.setCurrentIndex(usage.view.findData("daily"))
    table = usage.table_model
    cost_col = table.table.columns.index("cost_usd")
    shown = {}
    for r, row in enumerate(table.table.rows):
        index = table.index(r, cost_col)
        shown[row["source"]] = (index.data(), index.data(Qt.ItemDataRole.ToolTipRole), row)
    text, tip, row = shown["claude_code"]
    assert Decimal(row["cost_usd"]) == 0 and Decimal(row["plan_covered_usd"]) > 0
    assert text == "in plan"
    assert usd(int(Decimal(row["plan_covered_usd"]) * 10**12)) in tip and "subscription plan" in tip
    text, tip, row = shown["openai"]  # pay as you go: its cost, no plan tooltip
    assert text == usd(int(Decimal(row["cost_usd"]) * 10**12)) and tip is None


def test_usage_long_lists_are_cut_to_a_width_with_the_whole_text_in_the_tooltip(qtbot, demo_ctx):
    """A session's models ("claude-haiku-4-5, claude-opus-4-5, claude-sonnet-4-5") must not push the
    token columns out of a wide window: the column is cut, the cell's tooltip says it all."""
    from PySide6.QtCore import QRect

    from tracker.gui.pages.usage import LONG_TEXT_MAX_PX

    window, _ = _window(qtbot, demo_ctx)
    window.setGeometry(QRect(0, 0, 1600, 1000))
    window.show_page("Usage")
    page = window.stack.currentWidget()
    page.view.setCurrentIndex(page.view.findData("sessions"))
    qtbot.waitUntil(lambda: page.table_model.table.view == "sessions" and bool(page.table_model.table.rows))
    table = page.table_model.table
    header = page.table.horizontalHeader()
    models = table.columns.index("models")
    longest = max(range(len(table.rows)), key=lambda r: len(", ".join(table.rows[r]["models"])))
    whole = ", ".join(table.rows[longest]["models"])
    assert page.table.fontMetrics().horizontalAdvance(whole) > LONG_TEXT_MAX_PX  # not vacuous: it is cut
    assert header.sectionSize(models) == LONG_TEXT_MAX_PX and not header.isSectionHidden(models)
    assert page.table_model.index(longest, models).data(Qt.ItemDataRole.ToolTipRole) == whole
    assert not header.isSectionHidden(table.columns.index("cache_read_tokens"))  # room the list left


def test_usage_a_narrow_column_hidden_before_a_wide_one_comes_back_when_it_fits(qtbot, demo_ctx):
    """At 1024x700 the sessions hide their columns in NARROW_HIDES' order until they fit; the models list
    (wide) hidden last leaves room that a token column hidden before it fits in: shown again."""
    from PySide6.QtCore import QRect

    from tracker.gui.dashboard import first_geometry
    from tracker.services.usage import NARROW_HIDES

    window, _ = _window(qtbot, demo_ctx)
    window.setGeometry(first_geometry(QRect(0, 0, 1024, 700)))
    window.show()
    qtbot.waitExposed(window)
    window.show_page("Usage")
    page = window.stack.currentWidget()
    page.view.setCurrentIndex(page.view.findData("sessions"))
    qtbot.waitUntil(lambda: page.table_model.table.view == "sessions")
    header, table = page.table.horizontalHeader(), page.table_model.table
    hidden = [c for c in table.columns if header.isSectionHidden(table.columns.index(c))]
    assert "models" in hidden  # the wide one went
    came_back = [c for c in NARROW_HIDES[:NARROW_HIDES.index("models")] if c not in hidden]
    assert came_back, hidden
    shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
    assert sum(header.sectionSize(i) for i in shown) == page.table.viewport().width()
    assert "hidden to fit the window" in page.totals.text()
    assert all(table.headers[table.columns.index(c)] not in page.totals.text().split("hidden to fit")[1]
               for c in came_back)


def test_the_demo_before_any_sync_says_demo_data_not_last_sync_never(qtbot, demo_ctx, ctx):
    """Over the demo nothing was synced until its own sync runs: the top bar and the tray menu say so plainly
    instead of "Last sync: never" (which reads like a fault); the user's own data still says never."""
    from tracker.gui.menu_model import menu_entries

    window, model = _window(qtbot, demo_ctx)
    assert model.demo and model.status.last_sync_ms is None
    assert window.sync_label.text() == "Demo data: not synced"
    texts = [e.label for e in menu_entries(model.snapshot, model.status, 0, demo=True) if not e.separator]
    assert "Demo data: not synced" in texts and not any(t.startswith("Last sync") for t in texts)
    model.on_sync_finished({"finished_ms": model.snapshot.as_of_ms})  # the demo's own sync ran
    assert window.sync_label.text() == "Last sync: just now"
    own, own_model = _window(qtbot, ctx)
    assert own.sync_label.text() == "Last sync: never"
    texts = [e.label for e in menu_entries(own_model.snapshot, own_model.status, 0) if not e.separator]
    assert "Last sync: never" in texts


def test_a_session_total_without_a_call_count_shows_no_request_count(qtbot, ctx):
    """Droid (and an older Hermes) keep a session's token totals but not its calls: their rows, 0 requests beside
    thousands of tokens, read as "no request". The cell says it was not recorded instead; a counted row keeps
    its count."""
    from datetime import datetime, time

    from tracker.core.records import UsageEvent
    from tracker.core.timeutil import UTC, to_ms
    from tracker.core.tokens import Tokens
    from tracker.gui.pages.usage import UNCOUNTED_CALLS_TIP
    from tracker.services.ingest import ingest

    ts = to_ms(datetime.combine(datetime.now(UTC).date(), time(0), UTC))
    ingest(ctx.store, ctx.pricer, events=[
        UsageEvent(source="droid", key="s1", ts_ms=ts, model="claude-sonnet-4-5", requests=0,
                   tokens=Tokens(input_tokens=5000, output_tokens=700)),
        UsageEvent(source="claude_code", key="m1", ts_ms=ts, model="claude-sonnet-4-5",
                   tokens=Tokens(input_tokens=10, output_tokens=10))])
    window, _ = _window(qtbot, ctx)
    window.show_page("Usage")
    usage = window.pages["Usage"]
    usage.view.setCurrentIndex(usage.view.findData("daily"))
    table = usage.table_model
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=5_000)
    column = table.table.columns.index("requests")
    by_source = {table.table.rows[r]["source"]: table.index(r, column) for r in range(table.rowCount())}
    assert by_source["droid"].data() == "—" and by_source["droid"].data(Qt.ItemDataRole.ToolTipRole) == UNCOUNTED_CALLS_TIP
    assert by_source["claude_code"].data() == "1" and by_source["claude_code"].data(Qt.ItemDataRole.ToolTipRole) is None
