"""In the running app no page reads the database on the GUI thread: the figures, the Usage table and the
Limits, Nudges, Invoices and Team pages are read in a pool thread over a connection of its own, the answer
is drawn on the GUI thread, an answer a newer read overtook is dropped, and a failed read is shown."""

from __future__ import annotations

import threading

import pytest

from tracker.gui.background import BackgroundReader, PageReads


def _record_threads(monkeypatch, module, name: str, seen: list) -> None:
    """Wrap module.name so that every call records the thread it ran in."""
    original = getattr(module, name)

    def wrapped(*args, **kwargs):
        seen.append((name, threading.current_thread() is threading.main_thread()))
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)


def test_every_page_of_the_app_reads_off_the_gui_thread(qtbot, demo_ctx, monkeypatch):
    from tracker.gui import model as model_module
    from tracker.gui.dashboard import DashboardWindow
    from tracker.gui.model import DashboardModel
    from tracker.gui.pages import invoices_page, limits_page, nudges_page, team_page, usage

    seen: list = []
    for module, name in ((model_module, "overview_snapshot"), (usage, "usage_table"),
                         (limits_page.limits, "limits_snapshot"), (nudges_page.service, "analyse"),
                         (invoices_page.service, "list_invoices"), (team_page.team, "summary")):
        _record_threads(monkeypatch, module, name, seen)
    model = DashboardModel(demo_ctx)
    model.background = True  # as TrackerApp sets it
    model.refresh()
    assert model.snapshot is None  # not read here: it arrives from the pool
    qtbot.waitUntil(lambda: model.snapshot is not None, timeout=20_000)
    window = DashboardWindow(model)
    qtbot.addWidget(window)
    usage_page = window.pages["Usage"]
    qtbot.waitUntil(lambda: bool(usage_page.table_model.table.rows), timeout=20_000)
    for name in ("Limits", "Nudges", "Invoices", "Team"):
        window.show_page(name)
    pages = window.pages
    qtbot.waitUntil(lambda: pages["Limits"].blocks.rowCount() > 0, timeout=30_000)
    qtbot.waitUntil(lambda: bool(pages["Nudges"].cards), timeout=30_000)
    qtbot.waitUntil(lambda: bool(pages["Invoices"].client_box.count()), timeout=30_000)
    qtbot.waitUntil(lambda: pages["Team"].last_built is not None, timeout=30_000)
    model.close()  # waits for every read under way
    names = {name for name, _ in seen}
    assert names == {"overview_snapshot", "usage_table", "limits_snapshot", "analyse", "list_invoices", "summary"}
    assert not [name for name, on_gui_thread in seen if on_gui_thread]


def test_pages_built_for_tests_read_inline(qtbot, demo_ctx):
    """Without the app (background off), refresh() reads at once on this thread, as tests expect."""
    from tracker.gui.pages.limits_page import LimitsPage
    from tracker.gui.pages.nudges_page import NudgesPage

    page = NudgesPage(demo_ctx)
    qtbot.addWidget(page)
    page.refresh()
    assert page.cards and not page._reads.busy
    limits = LimitsPage(demo_ctx)
    qtbot.addWidget(limits)
    assert limits.blocks.rowCount() > 0


def test_an_answer_a_newer_read_overtook_is_dropped(qtbot, ctx):
    release = threading.Event()
    shown, errors = [], []
    reader = BackgroundReader(ctx.paths, ctx.demo, shown.append, errors.append)

    def slow(_ctx):
        release.wait(10)
        return "old"

    reader.request(slow)
    reader.request(lambda _ctx: "new")
    release.set()
    qtbot.waitUntil(lambda: shown == ["new"], timeout=10_000)
    assert reader.wait(10_000)
    qtbot.wait(50)  # the old answer's queued signal has been delivered, and dropped
    assert shown == ["new"] and not errors


def test_a_read_is_busy_until_its_answer_is_on_the_page(qtbot, ctx):
    """The pool thread ends before the GUI thread takes its answer: the reader is busy until then (the
    screenshots waited for the thread alone and caught a page half drawn). A superseded or cancelled read is
    not waited for."""
    shown = []
    reader = BackgroundReader(ctx.paths, ctx.demo, shown.append, shown.append)
    reader.request(lambda _ctx: "answer")
    assert reader.wait(10_000)  # the thread is done; its answer waits in the GUI thread's queue
    assert reader.busy and shown == []
    qtbot.waitUntil(lambda: shown == ["answer"], timeout=10_000)
    assert not reader.busy
    reader.request(lambda _ctx: "late")
    reader.cancel()
    assert not reader.busy
    assert reader.wait(10_000)
    qtbot.wait(50)
    assert shown == ["answer"] and not reader.busy


def test_a_cancelled_read_draws_nothing(qtbot, ctx):
    release = threading.Event()
    shown = []
    reads = PageReads(lambda: ctx, True, shown.append, shown.append)
    reads.read(lambda _ctx: release.wait(10) and "late")
    reads.cancel()
    release.set()
    assert reads.wait(10_000)
    qtbot.wait(50)
    assert shown == []


@pytest.mark.parametrize("background", [True, False])
def test_a_failed_read_is_shown_on_the_page(qtbot, demo_ctx, monkeypatch, background):
    from tracker.gui.pages import usage
    from tracker.gui.model import DashboardModel

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(usage, "usage_table", broken)
    model = DashboardModel(demo_ctx)
    model.background = background
    page = usage.UsagePage(model)
    qtbot.addWidget(page)
    qtbot.waitUntil(lambda: "disk on fire" in page.notice.text(), timeout=10_000)
    assert "Could not read the usage" in page.notice.text()
    model.close()


def test_a_failed_refresh_of_the_figures_is_shown(qtbot, demo_ctx, monkeypatch):
    from tracker.gui import model as model_module

    def broken(*args, **kwargs):
        raise RuntimeError("no figures today")

    monkeypatch.setattr(model_module, "overview_snapshot", broken)
    model = model_module.DashboardModel(demo_ctx)
    model.background = True
    model.refresh()
    qtbot.waitUntil(lambda: bool(model.status.errors), timeout=10_000)
    assert "no figures today" in model.status.errors[0] and model.snapshot is None
    model.close()
