"""Usage > Sessions reads a page of sessions at a time: the newest first, the next page when the table is
scrolled to its end, and a click on a column's header sorts every session of the range (in the database),
not just the rows loaded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tracker.core.money import usd_to_pico

from tracker.core.timeutil import windows
from tracker.services import reports, usage
from tracker.storage import session_pages

PAGE = 7


@pytest.fixture
def page(qtbot, demo_ctx, monkeypatch):
    from tracker.gui.model import DashboardModel
    from tracker.gui.pages.usage import UsagePage

    monkeypatch.setattr(reports, "SESSION_PAGE_ROWS", PAGE)
    model = DashboardModel(demo_ctx)
    model.refresh()
    shown = UsagePage(model)
    qtbot.addWidget(shown)
    shown.since.setDate(shown.since.date().addDays(-60))  # 90 days: many pages
    shown.view.setCurrentIndex(shown.view.findData("sessions"))
    return shown


def _every_session(page, order, descending):
    """Every session of the page's range in that order (the exact one: costs in picodollars), as rows."""
    since, until = page._dates()
    ctx, zone = page.model.ctx, page.model.ctx.zone()
    if order not in session_pages.SORTABLE:
        every = reports.sessions_report(ctx.store, zone, since, until)["rows"]
        return sorted(every, key=reports._public_sort_key(order), reverse=descending)
    wins = windows(since, until, "day", zone)
    every = ctx.store.sessions(wins[0].start_ms, wins[-1].end_ms)
    return [reports.session_row(s, zone) for s in sorted(every, key=session_pages.sort_key(order), reverse=descending)]


def test_the_newest_sessions_first_and_the_next_page_at_the_end(page):
    table = page.table_model.table
    every = _every_session(page, "first_seen", True)
    assert len(every) > 3 * PAGE
    assert table.paged and table.total_rows == len(every) and table.rows == every[:PAGE]
    assert f"{len(every)} sessions" in page.totals.text() and f"{PAGE} shown: scroll down for more" in page.totals.text()
    assert page.proxy.canFetchMore(page.proxy.index(-1, -1))
    page.proxy.fetchMore(page.proxy.index(-1, -1))  # what the view does when scrolled to its end
    assert page.table_model.rowCount() == 2 * PAGE and table.rows == every[:2 * PAGE]
    while page.table_model.canFetchMore():
        page.table_model.fetchMore()
    assert table.rows == every and "scroll down" not in page.totals.text()


def test_a_header_click_sorts_every_session_in_the_database(page):
    cost = page.table_model.table.columns.index("cost_usd")
    page.table.sortByColumn(cost, Qt.SortOrder.DescendingOrder)
    table = page.table_model.table
    assert (table.order, table.descending) == ("cost_usd", True)
    every = _every_session(page, "cost_usd", True)
    assert table.rows == every[:PAGE]
    shown = [page.proxy.index(r, cost).data() for r in range(page.proxy.rowCount())]
    assert shown == [page.table_model.index(r, cost).data() for r in range(PAGE)]  # in the database's order
    assert page.table.horizontalHeader().sortIndicatorSection() == cost
    page.table.sortByColumn(table.columns.index("project"), Qt.SortOrder.AscendingOrder)  # not a totals column
    every = _every_session(page, "project", False)
    assert page.table_model.table.rows == every[:PAGE]


def test_a_page_asked_for_before_another_range_is_dropped(page):
    old = page.table_model.table
    more = usage.more_rows(page.model.ctx.store, page.model.ctx.zone(), old)
    page.until.setDate(page.until.date().addDays(-5))
    page.reload()
    new = page.table_model.table
    page.table_model.append_rows(old, more)
    assert page.table_model.table is new and len(new.rows) == PAGE


def test_the_other_views_are_whole_and_sorted_on_the_screen(page):
    page.view.setCurrentIndex(page.view.findData("projects"))
    table = page.table_model.table
    assert not table.paged and table.complete and not page.table_model.canFetchMore()
    requests = table.columns.index("requests")
    page.table.sortByColumn(requests, Qt.SortOrder.AscendingOrder)
    values = [page.proxy.index(r, requests).data(page.table_model.SORT_ROLE) for r in range(page.proxy.rowCount())]
    assert values == sorted(values)


def _filtered(qtbot, page, text):
    """Type `text` into the filter and wait for the page's answer (read once typing pauses)."""
    page.filter.setText(text)
    qtbot.waitUntil(lambda: page.table_model.table.text == text.strip())
    return page.table_model.table


def test_the_filter_finds_a_session_beyond_the_pages_loaded(qtbot, page):
    """Sessions come a page at a time: the filter looks them up in the database, so the oldest session of
    the range, far below the first page, is found by its id, and a project's every session by its name."""
    every = _every_session(page, "first_seen", True)
    oldest = every[-1]
    assert oldest not in page.table_model.table.rows  # not loaded: many pages further down
    table = _filtered(qtbot, page, oldest["session"].upper())
    assert table.rows == [oldest] and table.total_rows == 1 and table.complete
    assert f"1 session matches \u201c{oldest['session'].upper()}\u201d" in page.totals.text()
    assert page.proxy.rowCount() == 1  # shown, not hidden again by the on-screen filter

    dotfiles = [row for row in every if row["project"] == "dotfiles"]
    assert PAGE < len(dotfiles) < len(every)
    table = _filtered(qtbot, page, "dotfiles")
    assert table.total_rows == len(dotfiles) and table.rows == dotfiles[:PAGE]
    while page.table_model.canFetchMore():
        page.table_model.fetchMore()
    assert table.rows == dotfiles and page.proxy.rowCount() == len(dotfiles)
    cost = sum(usd_to_pico(row["cost_usd"] or 0) for row in dotfiles)
    assert f"estimated cost ${Decimal(cost) / 10**12:,.2f}" in page.totals.text()

    page.filter.clear()
    qtbot.waitUntil(lambda: page.table_model.table.total_rows == len(every))
    assert f"{len(every)} sessions" in page.totals.text()


def test_the_sessions_filter_looks_where_the_table_shows(qtbot, page):
    """A source's name as shown, a model, a start time as shown: the same sessions the database finds as
    every session of the range filtered here, in the order asked."""
    every = _every_session(page, "first_seen", True)
    cases = {"gemini cli": lambda r: r["source"] == "gemini_cli", "opus": lambda r: "claude-opus-4-5" in r["models"],
             every[PAGE * 2]["first_seen"][:13].replace("T", " "): lambda r: r["first_seen"].startswith(
                 every[PAGE * 2]["first_seen"][:13])}
    for text, wanted in cases.items():
        table = _filtered(qtbot, page, text)
        while page.table_model.canFetchMore():
            page.table_model.fetchMore()
        assert table.rows == [row for row in every if wanted(row)], text
    cost = page.table_model.table.columns.index("cost_usd")
    page.table.sortByColumn(cost, Qt.SortOrder.DescendingOrder)  # the matches, sorted by the database
    table = page.table_model.table
    assert table.text and table.rows == [row for row in _every_session(page, "cost_usd", True)
                                         if wanted(row)][:PAGE]


def test_a_whole_table_is_filtered_on_the_screen(qtbot, page):
    """Days and projects are whole: filtered at once, the summary says how many rows match."""
    page.view.setCurrentIndex(page.view.findData("projects"))
    page.filter.setText("dotfiles")
    table = page.table_model.table
    assert not table.text and 0 < page.proxy.rowCount() < len(table.rows)
    assert f"{page.proxy.rowCount()} match" in page.totals.text()


def test_the_arrow_over_a_whole_table_is_the_order_of_its_rows(page):
    """Back from the sessions (rows in the database's order), the daily rows came oldest first under an
    arrow that said newest first, and the projects under an arrow on Project; each view now starts in its
    own order, shown by the arrow, and a view shown again keeps the order the user chose."""
    header = page.table.horizontalHeader()

    def shown(column):
        i = page.table_model.table.columns.index(column)
        return [page.proxy.index(r, i).data(page.table_model.SORT_ROLE) for r in range(page.proxy.rowCount())]

    for view, column in (("projects", "cost_usd"), ("daily", "date"), ("sessions", "first_seen"),
                         ("daily", "date")):
        page.view.setCurrentIndex(page.view.findData(view))
        table = page.table_model.table
        assert table.view == view
        assert header.sortIndicatorSection() == table.columns.index(column), view
        assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder, view
        if not table.paged:
            assert shown(column) == sorted(shown(column), reverse=True), view
    requests = page.table_model.table.columns.index("requests")
    page.table.sortByColumn(requests, Qt.SortOrder.AscendingOrder)
    page.reload()  # (a sync, or Show) the same view: the user's order stays
    assert header.sortIndicatorSection() == requests and shown("requests") == sorted(shown("requests"))


def test_a_wider_figure_on_a_later_page_widens_its_column(page):
    """The rows of a page scrolled to are measured (those alone): a cost wider than its column widens it."""
    page.resize(1600, 900)
    page.show()
    table = page.table_model.table
    cost = table.columns.index("cost_usd")
    header = page.table.horizontalHeader()
    before = header.sectionSize(cost)
    more = usage.more_rows(page.model.ctx.store, page.model.ctx.zone(), table)
    more[-1] = dict(more[-1], cost_usd=Decimal("123456789.25"))
    page._append_rows((table, more))
    cell = page.proxy.mapFromSource(page.table_model.index(page.table_model.rowCount() - 1, cost))
    assert cell.data() == "$123,456,789"
    assert header.sectionSize(cost) >= page.table.sizeHintForIndex(cell).width() > before


def test_fitting_the_columns_measures_each_cell_a_few_times_only(page, monkeypatch):
    """A table shown is measured once for its columns' widths: sections left to resize to their contents
    measured their rows again at every size the fitting asked of them (~14 times a cell: seconds a view)."""
    from tracker.gui.pages import usage as usage_page

    page.resize(1024, 700)
    page.show()
    texts = []
    real = usage_page._display

    def counted(column, value):
        texts.append(column)
        return real(column, value)

    monkeypatch.setattr(usage_page, "_display", counted)  # a cell's text, each time the view asks for it
    page.view.setCurrentIndex(page.view.findData("projects"))
    page.view.setCurrentIndex(page.view.findData("daily"))
    table = page.table_model.table
    assert len(table.rows) > 60
    cells = len(table.rows) * len(table.columns)
    assert len(texts) < 3 * cells + 2_000  # (each cell measured, the rows on the screen painted)


def test_the_summary_says_searching_until_the_filters_answer_comes(qtbot, page):
    """The sessions' filter is looked up once typing pauses: meanwhile the summary says it is searching, not
    the figures of the rows still shown (which no longer answer the text typed)."""
    from tracker.gui.pages.usage import SEARCHING_TEXT

    every = _every_session(page, "first_seen", True)
    page.filter.setText("dotfiles")
    assert page.totals.text() == SEARCHING_TEXT and page.table_model.table.text == ""  # not looked up yet
    page.filter.setText("dotfile")  # typing on: still searching
    assert page.totals.text() == SEARCHING_TEXT
    qtbot.waitUntil(lambda: page.table_model.table.text == "dotfile")
    dotfiles = [row for row in every if row["project"] == "dotfiles"]
    assert page.totals.text().startswith(f"{len(dotfiles)} sessions")
    page.view.setCurrentIndex(page.view.findData("projects"))  # a whole table: filtered at once, on the screen
    page.filter.setText("dot")
    assert SEARCHING_TEXT not in page.totals.text() and "match" in page.totals.text()


@pytest.mark.parametrize("view, column", [("sessions", "cost_usd"), ("daily", "requests"), ("projects", "requests")])
def test_the_sort_arrow_sits_beside_a_right_aligned_header_not_over_it(qtbot, page, view, column):
    """A column of figures has its header at the right, where the style draws the sort arrow: the sorted one
    keeps room for the arrow after its text ("Cost▲" covered the t), under the app's style sheet. In a whole
    table too (sorted on the screen, not fitted again), at 1024 px: "Requests" is wider than its figures."""
    from tracker.gui.appearance import palette_for, qt_palette
    from tracker.gui.theme import stylesheet

    page.setPalette(qt_palette(palette_for("light")))
    page.setStyleSheet(stylesheet(palette_for("light")))
    page.resize(1024, 700)
    page.show()
    page.view.setCurrentIndex(page.view.findData(view))
    qtbot.waitUntil(lambda: page.table_model.table.view == view)
    header, table = page.table.horizontalHeader(), page.table_model.table
    sorted_column = table.columns.index(column)
    header.setSortIndicator(sorted_column, Qt.SortOrder.DescendingOrder)  # a click on its header
    if table.paged:
        qtbot.waitUntil(lambda: page.table_model.table.order == column)
    QApplication.processEvents()  # (the header lays its sections out again after the click)
    left, width = header.sectionViewportPosition(sorted_column), header.sectionSize(sorted_column)

    def pixels(arrow: bool) -> dict:
        header.setSortIndicatorShown(arrow)
        image = header.grab().toImage()
        return {(x, y): image.pixelColor(left + x, y).rgb() for x in range(width) for y in range(image.height() - 2)}

    plain, with_arrow = pixels(False), pixels(True)
    background = plain[(1, 1)]
    text = {x for (x, y), colour in plain.items() if colour != background}
    arrow = {x for (x, y), colour in with_arrow.items() if colour != plain[(x, y)]}
    assert text and arrow
    assert max(text) < min(arrow), (sorted(text), sorted(arrow))
