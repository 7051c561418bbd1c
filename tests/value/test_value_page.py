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
    from tracker.gui.pages.value_page import FLAG_TEXT, ROI_LINES, ValuePage

    page = ValuePage(lambda: demo_context)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.refresh()
    report = page.report
    tags = [t["tag"] for t in report["tags"]]
    assert page.table.rowCount() == len(tags) >= 7
    assert [page.table.item(r, 1).text() for r in range(page.table.rowCount())] == tags
    assert page.table.item(0, 1).text() == "ACME" and page.table.item(0, 5).text().endswith("x")
    # cost lines, one per tag; value lines for tags with money value
    assert len(page.cost_plot.listDataItems()) == len(tags)
    assert len(page.value_plot.listDataItems()) == sum(1 for t in report["tags"] if t["value_usd"])
    # scatter: the client tags with money, and the 1x/2x/5x lines
    assert {p["tag"] for p in page.scatter_points()} == {"ACME", "Globex"}
    assert len(page.scatter.points()) == 2
    assert sorted(page.roi_lines) == list(ROI_LINES)
    summary = page.summary_text()
    assert "Forecast" in summary and "Leverage" in summary and "untagged" in summary
    assert page.leverage_percent() == pytest.approx(float(report["leverage"]["share"]) * 100)
    assert page.leverage_bar is not None and page.leverage_widget.isVisible()
    assert page.leverage_reference.value() == 50
    flags = [page.table.item(r, 9).text() for r in range(page.table.rowCount())]
    assert flags.count(FLAG_TEXT) == len(report["flagged"])

    # switching to weeks re-reads; picking a KPI tag charts its units
    page.period_box.setCurrentIndex(page.period_box.findData("week"))
    assert page.report["period"] == "week"
    assert FLAG_TEXT in [page.table.item(r, 9).text() for r in range(page.table.rowCount())]
    page.tag_box.setCurrentText("support bot")
    assert len(page.cost_plot.listDataItems()) == 1
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
    assert f"color:{before['ACME']}" in page.legend.text() and page.legend.isVisibleTo(page)  # under the charts
    ranks = [t["tag"] for t in page.report["tags"]]
    add_value(demo_context.store, tag=ranks[-2], amount="900000", period="2026-11")  # a new leader
    page.refresh()
    assert [t["tag"] for t in page.report["tags"]] != ranks
    assert colours() == before
    scroll = page.findChild(QScrollArea)
    assert scroll is not None and scroll.verticalScrollBar().maximum() > 0  # scrolls instead of squeezing
    assert page.table.height() >= 150
    # hidden before pytest-qt's own event processing: after ~800 tests in one process, a paint of this
    # shown standalone page then crashed the interpreter in pyqtgraph now and then (not reproducible
    # alone, nor in 45 shown redraws of the page in a fresh process; see the session note)
    page.hide()


@pytest.mark.gui
def test_value_page_shows_value_it_cannot_convert(qtbot, demo_context):
    from tracker.gui.pages.value_page import ValuePage
    from tracker.services.value import add_value

    add_value(demo_context.store, tag="ACME", amount="300", currency="CHF", period="2026-11")
    page = ValuePage(lambda: demo_context)
    qtbot.addWidget(page)
    page.refresh()
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 1).text() == "ACME")
    assert "300.00 CHF not converted" in page.table.item(row, 4).text()
    assert "300.00 CHF not converted" in page.summary_text()
