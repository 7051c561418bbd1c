"""The GUI's shared state: the snapshot, the sync status, and the signals pages listen to."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QObject, Signal, Slot

from tracker.core.timeutil import local_date, now_ms
from tracker.gui.background import PageReads
from tracker.gui.menu_model import SyncStatus, describe_progress
from tracker.services.context import AppContext
from tracker.services.limits import LimitsSnapshot, badge_mode, limits_snapshot
from tracker.services.overview import DEFAULT_CHART_DAYS, OverviewSnapshot, overview_snapshot
from tracker.services.status import Problem, current_problems, open_nudges

log = logging.getLogger(__name__)

# A sync reports progress per file and per block: thousands of reports in a first import, each
# redrawing the tray icon and the status bar (~0.2 ms). Ten redraws a second look the same.
PROGRESS_REDRAW_S = 0.1


@dataclass
class Figures:
    """What one refresh reads (in any thread, over its own context)."""

    snapshot: OverviewSnapshot
    limits: LimitsSnapshot
    badge: str
    nudges: list | None  # the first refresh only: afterwards the sync brings them
    problems: list[Problem] | None  # the first refresh only: failing accounts show from start-up
    seconds: float


def read_figures(ctx: AppContext, chart_days: int, first: bool) -> Figures:
    started = time.perf_counter()
    snapshot = overview_snapshot(ctx.store, ctx.zone(), chart_days=chart_days)
    return Figures(snapshot, limits_snapshot(ctx.store, snapshot.as_of_ms), badge_mode(ctx.store),
                   open_nudges(ctx) if first else None, current_problems(ctx) if first else None,
                   time.perf_counter() - started)


def read_limits(ctx: AppContext) -> tuple[LimitsSnapshot, str]:
    return limits_snapshot(ctx.store), badge_mode(ctx.store)


class DashboardModel(QObject):
    snapshotChanged = Signal()
    statusChanged = Signal()
    dayRequested = Signal(date)  # a chart click: show that day's rows
    settingsRequested = Signal()  # show the Settings page
    settingsChanged = Signal()  # the user saved a setting: intervals, appearance, accounts may have changed
    syncRequested = Signal()
    demoRequested = Signal(bool)  # True: switch to the demo; False: back to the user's data

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.snapshot: OverviewSnapshot | None = None
        self.limits: LimitsSnapshot | None = None  # plan windows and blocks, read with the snapshot
        self.badge = "spend"  # what the tray badge shows: services.limits.BADGE_MODES
        self.status = SyncStatus()
        self.chart_days = DEFAULT_CHART_DAYS
        self.nudges: list = []
        self.budget_alerts: list[dict] = []  # client budget thresholds fired by the last sync, to announce
        self.last_refresh_s = 0.0
        self.refreshes = 0
        self._seen_version: int | None = None
        self._nudges_loaded = False
        self._seen_day = None
        self._progress_drawn_s = float("-inf")
        self.closed = False  # the app shut down: late worker signals must not touch the store
        # Read in a pool thread, over a connection of its own (the running app sets it, and the
        # pages built on this model follow it); tests read inline and see the figures at once.
        self.background = False
        self._all_reads: list[PageReads] = []
        self._reads: PageReads | None = None
        self._limit_reads: PageReads | None = None

    def reads(self, on_done, on_error) -> PageReads:
        """Reads for a page built on this model: in the pool when the model reads there."""
        reads = PageReads(lambda: self.ctx, self.background, on_done, on_error, self)
        self._all_reads.append(reads)
        return reads

    def close(self) -> None:
        self.closed = True
        for reads in self._all_reads:
            reads.wait()  # a read under way must not outlive the app's context

    @property
    def demo(self) -> bool:
        return self.ctx.demo

    def zone(self):
        return self.ctx.zone()

    def refresh_if_changed(self) -> bool:
        """Refresh when another connection wrote (the worker) or the day turned; else keep the snapshot."""
        version = self.ctx.store.data_version()
        today = local_date(now_ms(), self.zone())
        if self.snapshot is not None and version == self._seen_version and today == self._seen_day:
            return False
        self.refresh()
        return True

    @Slot()
    def refresh(self) -> None:
        if self.closed:
            return
        if self._reads is None:
            self._reads = self.reads(self._show_figures, self._figures_failed)
        self._seen_version = self.ctx.store.data_version()  # this connection's count: read before the figures
        chart_days, first = self.chart_days, not self._nudges_loaded
        self._reads.read(lambda ctx: read_figures(ctx, chart_days, first))

    def _show_figures(self, figures: Figures) -> None:
        if self.closed:
            return
        self.snapshot, self.limits, self.badge = figures.snapshot, figures.limits, figures.badge
        self._seen_day = self.snapshot.today
        if figures.nudges is not None and not self._nudges_loaded:
            self.nudges = figures.nudges
            self._nudges_loaded = True
            self._set_problems(figures.problems or [])
        self.last_refresh_s = figures.seconds
        self.refreshes += 1
        self.snapshotChanged.emit()

    def _figures_failed(self, text: str) -> None:
        log.error("dashboard refresh failed: %s", text)
        if not self.closed:
            self.show_error(f"could not read the figures: {text}")

    def refresh_limits(self) -> None:
        """Plan windows again (a few small queries): a window that reset since the last refresh must not
        keep its old figure in the tray, though no usage changed."""
        if self._limit_reads is None:
            self._limit_reads = self.reads(self._show_limits, lambda text: log.error("reading plan windows "
                                                                                     "failed: %s", text))
        self._limit_reads.read(read_limits)  # on a failure the tray keeps what it had

    def _show_limits(self, result: tuple[LimitsSnapshot, str]) -> None:
        if not self.closed:
            self.limits, self.badge = result

    def set_chart_days(self, days: int) -> None:
        if days != self.chart_days:
            self.chart_days = days
            self.refresh()

    # -- worker signals (received in the GUI thread) ---------------------
    @Slot(str)
    def on_sync_started(self, kind: str) -> None:
        if self.closed:
            return
        self.status.running = True
        self.status.progress = "agent logs" if kind == "logs" else "logs and accounts"
        self.status.percent = None
        self.statusChanged.emit()

    @Slot(object)
    def on_sync_progress(self, info: dict) -> None:
        if self.closed:
            return
        self.status.progress, self.status.percent = describe_progress(info)
        now = time.monotonic()
        if now - self._progress_drawn_s >= PROGRESS_REDRAW_S:  # the latest report shows at the next redraw
            self._progress_drawn_s = now
            self.statusChanged.emit()

    @Slot(object)
    def on_sync_finished(self, report: dict) -> None:
        if self.closed:
            return
        self.status.running = False
        self.status.progress = self.status.percent = None
        self.status.last_sync_ms = report.get("finished_ms")
        try:
            self._set_problems(current_problems(self.ctx, report))
        except Exception:  # the figures of a sync must still show
            log.exception("reading the sources' problems failed")
            self._set_problems([Problem("", str(e), "") for e in report.get("errors") or []])
        if report.get("nudges") is not None:
            self.nudges = report["nudges"]
        if report.get("budget_alerts"):
            self.budget_alerts = report["budget_alerts"]
        self.refresh_limits()
        self.statusChanged.emit()
        self.refresh_if_changed()  # a sync that found nothing new costs no query and no repaint

    def _set_problems(self, problems: list[Problem]) -> None:
        self.status.problems = problems
        self.status.errors = [p.line() for p in problems]

    def show_error(self, message: str) -> None:
        """A problem the user must see (the banner, the tray) that is not a sync's."""
        self._set_problems([Problem("", message, "")])
        self.statusChanged.emit()

    @Slot(str)
    def on_sync_failed(self, message: str) -> None:
        if self.closed:
            return
        self.status.running = False
        self.status.progress = self.status.percent = None
        self._set_problems([Problem("", message, "The log file has the details (`tracker paths` shows where).")])
        self.statusChanged.emit()
