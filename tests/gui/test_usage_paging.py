"""Usage > Sessions reads a page of sessions at a time: the newest first, the next page when the table is
scrolled to its end, and a click on a column's header sorts every session of the range (in the database),
not just the rows loaded."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

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
    assert f"{len(every)} rows" in page.totals.text() and f"{PAGE} shown: scroll down for more" in page.totals.text()
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


def test_a_filter_over_sessions_still_loading_says_it_looks_at_the_loaded_ones(page):
    """The text filter works on the rows loaded so far: typed while more sessions wait, it says so, and
    the note goes once everything is loaded."""
    page.filter.setText("claude")
    assert f"the filter looks at the {PAGE} sessions loaded so far" in page.totals.text()
    page.filter.clear()
    assert f"{PAGE} shown: scroll down for more" in page.totals.text()
    page.filter.setText("claude")
    while page.table_model.canFetchMore():
        page.table_model.fetchMore()
    assert "loaded so far" not in page.totals.text() and "scroll down" not in page.totals.text()
