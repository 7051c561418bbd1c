"""The Value page renders the demo data: charts, ROI table, flag, leverage, forecast."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QScrollArea  # noqa: E402

from tracker.paths import get_paths  # noqa: E402
from tracker.services import demo  # noqa: E402
from tracker.services.context import open_context  # noqa: E402

END_DAY = date(2026, 11, 28)


@pytest.fixture
def demo_context():
    ctx = open_context(get_paths(), demo=True)
    ctx.store.set_setting("timezone", "UTC")
    demo.generate(ctx.store, ctx.pricer, end_day=END_DAY)
    yield ctx
    ctx.close()


@pytest.mark.gui
def test_value_page_renders_demo_data(qtbot, demo_context):
    from tracker.gui.pages.value_page import FLAT_VALUE_TEXT, TABLE_COLUMNS, ValuePage
    from tracker.gui.theme import active

    page = ValuePage(lambda: demo_context)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.refresh()
    report = page.report
    tags = [t["tag"] for t in report["tags"]]
    assert page.table.rowCount() == len(tags) >= 7
    column = {name: i for i, name in enumerate(TABLE_COLUMNS)}
    assert [page.table.item(r, column["Tag"]).text() for r in range(page.table.rowCount())] == tags
    assert page.table.item(0, 0).text() == "ACME" and page.table.item(0, column["Return"]).text().endswith("x")
    # cost lines, one per tag; value lines for tags with money value; the running month dotted, apart
    with_value = [t for t in report["tags"] if t["value_usd"]]
    partial = {r["period"] for r in report["rows"] if not r["complete"]}
    per_line = 1 + 2 * len(partial)  # finished periods, then a dotted piece and a hollow marker per partial one
    assert len(page.cost_plot.listDataItems()) == len(tags) * per_line
    assert len(page.value_plot.listDataItems()) == len(with_value) * per_line
    running = report["rows"][-1]["period"] in partial
    assert page.cost_chart.period_axis.labels[-1].endswith("so far") == running
    # return per tag: the client tags with money, best first, with a break-even line at 1x
    assert [r[0] for r in page.roi_rows()] == ["ACME", "Globex"]
    assert page.roi_chart.names.names == ["Globex", "ACME"]  # drawn bottom-up: the best at the top
    assert page.roi_chart.even.value() == 0  # log10(1x)
    summary = page.summary_text()
    assert "Month-end forecast" in summary and "AI spend vs pay" in summary and "untagged" in summary
    assert page.leverage_percent() == pytest.approx(float(report["leverage"]["share"]) * 100)
    assert page.cards["leverage"].value.text() == f"{Decimal(report['leverage']['share']) * 100:.1f}%"
    assert page.cards["roi"].value.text().endswith("x")
    # a tag whose cost grows while its value does not: both trends in the warning colour, the value's says so
    flagged = [page.table.item(r, 0).text() for r in range(page.table.rowCount())
               if page.table.item(r, column["Value trend"]).text().endswith(FLAT_VALUE_TEXT)]
    assert flagged and sorted(flagged) == sorted(report["flagged"])
    for r in range(page.table.rowCount()):
        warned = {page.table.item(r, column[name]).foreground().color().name() == active().bad
                  for name in ("Cost trend", "Value trend")}
        assert warned == {page.table.item(r, 0).text() in flagged}

    # switching to weeks re-reads; picking a KPI tag charts its units
    page.period_box.setCurrentIndex(page.period_box.findData("week"))
    assert page.report["period"] == "week"
    assert any(page.table.item(r, column["Value trend"]).text().endswith(FLAT_VALUE_TEXT)
               for r in range(page.table.rowCount()))
    page.tag_box.setCurrentText("support bot")
    partial = {r["period"] for r in page.report["rows"] if not r["complete"]}
    assert len(page.cost_plot.listDataItems()) == 1 + 2 * len(partial)
    assert page.value_plot.getAxis("left").labelText == "tickets resolved"
    grab = page.grab()
    assert not grab.isNull() and grab.width() > 0



@pytest.mark.gui
def test_value_form_asks_before_replacing_an_entry_of_the_same_period(qtbot, demo_context):
    """One entry per tag, period and unit: recording a second one replaces the first, so the form asks."""
    from tracker.gui.pages.value_page import ValuePage

    page = ValuePage(demo_context)
    qtbot.addWidget(page)
    page.refresh()
    form = page.entry_form
    store = demo_context.store
    first = dict(tag="Globex", period="2026-10-15", amount="700", note="workshop")
    form.tag_box.setCurrentText(first["tag"])
    form.period_edit.setText(first["period"])
    form.amount_edit.setText(first["amount"])
    form.note_edit.setText(first["note"])
    asked = []
    form._ask = lambda text: asked.append(text) or False
    assert form.add_entry() is True and not asked  # nothing to replace: no question
    count = len(store.value_entries())

    form.period_edit.setText(first["period"])
    form.amount_edit.setText("50")
    assert form.add_entry() is False  # the user said no
    assert asked == ["Globex already has 700 (workshop) recorded for 2026-10-15. Replace it with 50?\n\n"
                     "To add to it, enter the new total."]
    assert "earlier entry is kept" in form.status.text()
    kept = [e for e in store.value_entries() if e["period_start"] == "2026-10-15" and e["tag"] == "Globex"]
    assert [e["amount"] for e in kept] == ["700"] and len(store.value_entries()) == count

    form._ask = lambda text: True
    assert form.add_entry() is True
    assert "replacing the earlier entry of 700, note 'workshop'" in form.status.text()
    kept = [e for e in store.value_entries() if e["period_start"] == "2026-10-15" and e["tag"] == "Globex"]
    assert [e["amount"] for e in kept] == ["50"] and len(store.value_entries()) == count

@pytest.mark.gui
def test_value_form_records_entries_and_reports_bad_csv_rows(qtbot, demo_context, tmp_path):
    from tracker.gui.pages.value_page import ValuePage

    page = ValuePage(demo_context)
    qtbot.addWidget(page)
    page.refresh()
    form = page.entry_form
    before = len(demo_context.store.value_entries())
    globex_before = next(t for t in page.report["tags"] if t["tag"] == "Globex")["value_usd"]

    form.tag_box.setCurrentText("Globex")
    form.period_edit.setText("2026-11-27")
    form.amount_edit.setText("500")
    form.note_edit.setText("bonus")
    with qtbot.waitSignal(form.changed, timeout=2000):
        qtbot.mouseClick(form.add_button, Qt.MouseButton.LeftButton)
    assert "Recorded 500 USD for Globex" in form.status.text()
    assert len(demo_context.store.value_entries()) == before + 1
    globex_after = next(t for t in page.report["tags"] if t["tag"] == "Globex")["value_usd"]
    assert Decimal(globex_after) - Decimal(globex_before) == 500  # the page refreshed itself

    form.kind_box.setCurrentIndex(form.kind_box.findData("kpi"))
    form.amount_edit.setText("3")
    assert form.add_entry() is False  # no unit
    assert "unit name" in form.status.text()
    assert len(demo_context.store.value_entries()) == before + 1

    bad = tmp_path / "bad.csv"
    bad.write_text("tag,period,amount\nGlobex,2026-10,1\nNobody,2026-10,1\n")
    report = form.import_csv_file(bad)
    assert not report.ok and "line 3: unknown tag 'Nobody'" in form.status.text()
    assert "Nothing imported" in form.status.text()
    assert len(demo_context.store.value_entries()) == before + 1


@pytest.mark.gui
def test_value_page_keeps_colours_and_its_legend_off_the_lines(qtbot, demo_context):
    """Colours went by rank (ACME turned from blue to orange after a value entry) and the legend sat on
    the cost lines; at 1024x700 the page squeezed its table to three rows."""
    from tracker.gui.pages.value_page import ValuePage
    from tracker.services.value import add_value

    page = ValuePage(demo_context)
    qtbot.addWidget(page)
    page.resize(850, 650)
    page.show()
    page.refresh()

    def colours() -> dict[str, str]:
        return dict(page.legend_colours)

    before = colours()
    assert {"ACME", "Globex"} <= set(before)
    assert f"color:{before['ACME']}" in page.legend.text() and page.legend.isVisibleTo(page)  # above the charts
    ranks = [t["tag"] for t in page.report["tags"]]
    add_value(demo_context.store, tag=ranks[-2], amount="900000", period="2026-11")  # a new leader
    page.refresh()
    assert [t["tag"] for t in page.report["tags"]] != ranks
    assert colours() == before
    assert isinstance(page, QScrollArea) and page.verticalScrollBar().maximum() > 0  # scrolls, not squeezes
    assert page.table.height() >= 26 * page.table.rowCount()  # every row shown


@pytest.mark.gui
def test_value_page_shows_value_it_cannot_convert(qtbot, demo_context):
    from tracker.gui.pages.value_page import TABLE_COLUMNS, ValuePage
    from tracker.services.value import add_value

    add_value(demo_context.store, tag="ACME", amount="300", currency="CHF", period="2026-11")
    page = ValuePage(lambda: demo_context)
    qtbot.addWidget(page)
    page.refresh()
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == "ACME")
    assert "300.00 CHF not converted" in page.table.item(row, TABLE_COLUMNS.index("Value")).text()
    assert "300.00 CHF not converted" in page.summary_text()


@pytest.mark.gui
def test_the_value_chart_names_its_lines(qtbot, demo_context):
    """Side by side at 1600 px, the value chart's lines had no names: the legend sat in the cost panel
    only. Its own legend names the tags with a value, in their colours, dashed like their lines."""
    from tracker.gui.pages.value_page import ValuePage

    page = ValuePage(demo_context)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    page.refresh()
    legend = page.value_chart.legend
    valued = [t["tag"] for t in page.report["tags"] if t["value_usd"] is not None]
    assert valued and legend.isVisibleTo(page) and legend.parent() is not page.cost_chart.legend.parent()
    for tag in valued:
        assert f"color:{page.legend_colours[tag]}" in legend.text() and tag in legend.text()
    assert all(t["tag"] not in legend.text() for t in page.report["tags"] if t["value_usd"] is None)


@pytest.mark.gui
def test_a_kpi_in_a_narrow_window_wraps_whole_in_a_taller_row(qtbot, demo_context):
    """At 1024x700 the KPIs column (the one that takes the room left) showed "45.4 …": it wraps now, each row
    as tall as its lines and the table as tall as its rows (the page scrolls); narrowed further, the rows
    grow again. The tooltip still says it all."""
    from PySide6.QtCore import Qt

    from tracker.gui.components import TABLE_ROW_PX
    from tracker.gui.pages.value_page import KPI_COLUMN, ValuePage

    page = ValuePage(demo_context)
    qtbot.addWidget(page)
    table = page.table
    line_px = table.fontMetrics().lineSpacing()

    def rows_fit() -> bool:
        """Each row shows all of its lines, and the table all of its rows."""
        heights = [table.rowHeight(row) for row in range(table.rowCount())]
        needed = [TABLE_ROW_PX + max(0, table.sizeHintForRow(row) - line_px) for row in range(table.rowCount())]
        return heights == needed and table.height() >= table.horizontalHeader().height() + sum(heights)

    def wrapped() -> int:
        return sum(table.sizeHintForRow(row) > line_px for row in range(table.rowCount()))

    page.resize(780, 650)
    page.show()
    page.refresh()
    cells = [table.item(r, KPI_COLUMN) for r in range(table.rowCount())]
    kpis = [c for c in cells if c.text()]
    assert table.columnWidth(KPI_COLUMN) < max(table.fontMetrics().horizontalAdvance(c.text())
                                               for c in kpis)  # wrapped: not vacuous
    qtbot.waitUntil(lambda: wrapped() >= 1 and rows_fit(), timeout=5_000)
    assert max(table.rowHeight(row) for row in range(table.rowCount())) > TABLE_ROW_PX
    before = [table.rowHeight(row) for row in range(table.rowCount())]
    kpi_px = table.columnWidth(KPI_COLUMN)
    page.resize(page.width() - (kpi_px - 60), 650)  # the KPIs column down to ~60 px: more lines, taller rows
    qtbot.waitUntil(lambda: table.columnWidth(KPI_COLUMN) < kpi_px and rows_fit(), timeout=5_000)
    assert sum(table.rowHeight(row) for row in range(table.rowCount())) > sum(before)
    for cell in kpis:
        assert cell.data(Qt.ItemDataRole.ToolTipRole).replace("\n", "; ") == cell.text()


@pytest.mark.gui
def test_the_cost_and_value_charts_side_by_side_are_as_tall_as_each_other(qtbot, demo_context):
    """On a wide window the two chart panels read as a pair: the same height, though the cost chart's panel
    asks for more (a subtitle, a legend of every tag) than the value chart's."""
    from PySide6.QtWidgets import QApplication

    from tracker.gui.pages.value_page import ValuePage

    page = ValuePage(lambda: demo_context)
    qtbot.addWidget(page)
    page.resize(1400, 900)
    page.show()
    page.refresh()
    QApplication.processEvents()
    cost, value = page.cost_panel.geometry(), page.value_panel.geometry()
    assert cost.right() < value.left() and cost.top() == value.top()  # side by side
    assert page.cost_panel.sizeHint().height() != page.value_panel.sizeHint().height()  # the case
    assert cost.height() == value.height()
    assert page.cost_panel.title.y() == page.value_panel.title.y()  # the room went under the titles


@pytest.mark.gui
def test_a_new_user_makes_a_tag_and_records_its_value_on_the_page(qtbot):
    """With no usage and no tag the page showed two empty charts, an empty table and a form whose tag list was
    empty (and the Usage page's tag menu sent the user here to add tags, which the page could not do). Now
    each empty part says so, a tag is added under Tags, and the form records a value for it."""
    from tracker.gui.pages.value_page import NO_TAGS_TEXT, NO_VALUE_TEXT, ValuePage

    ctx = open_context(get_paths())
    try:
        page = ValuePage(ctx)
        qtbot.addWidget(page)
        page.resize(900, 1100)
        page.show()
        page.refresh()
        assert not page.cost_chart.isVisibleTo(page) and page.cost_empty.isVisibleTo(page)
        assert not page.value_chart.isVisibleTo(page) and page.value_empty.text() == NO_VALUE_TEXT
        assert not page.table.isVisibleTo(page)
        form = page.entry_form
        assert not form.add_button.isEnabled() and form.status.text() == NO_TAGS_TEXT

        page.new_tag.name_edit.setText("  ")
        assert not page.new_tag.add_tag() and "Not added" in page.new_tag.status.text()
        page.new_tag.name_edit.setText("ACME")
        assert page.new_tag.add_tag() and page.new_tag.status.text().startswith("Added ACME (client)")
        assert form.add_button.isEnabled() and form.tag_box.currentText() == "ACME" and form.status.text() == ""
        page.new_tag.name_edit.setText("ACME")
        assert not page.new_tag.add_tag() and "already exists" in page.new_tag.status.text()

        form.period_edit.setText(page.report["until"][:7])  # the month the page shows (it starts at the first usage)
        form.amount_edit.setText("1200")
        assert form.add_entry()
        assert page.value_chart.isVisibleTo(page) and not page.value_empty.isVisibleTo(page)
        assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())] == ["ACME"]
    finally:
        ctx.close()
