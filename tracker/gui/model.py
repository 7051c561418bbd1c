"""The GUI's shared state: the snapshot, the sync status, and the signals pages listen to."""

from __future__ import annotations

import logging
import time
from datetime import date

from PySide6.QtCore import QObject, Signal, Slot

from tracker.core.timeutil import local_date, now_ms
from tracker.gui.menu_model import SyncStatus, describe_progress
from tracker.services.context import AppContext
from tracker.services.limits import LimitsSnapshot, badge_mode, limits_snapshot
from tracker.services.overview import DEFAULT_CHART_DAYS, OverviewSnapshot, overview_snapshot
from tracker.services.status import Problem, current_problems, open_nudges

log = logging.getLogger(__name__)

# A sync reports progress per file and per block: thousands of reports in a first import, each
# redrawing the tray icon and the status bar (~0.2 ms). Ten redraws a second look the same.
PROGRESS_REDRAW_S = 0.1


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

    def close(self) -> None:
        self.closed = True

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
        started = time.perf_counter()
        try:
            self._seen_version = self.ctx.store.data_version()
            self.snapshot = overview_snapshot(self.ctx.store, self.zone(), chart_days=self.chart_days)
            self.limits = limits_snapshot(self.ctx.store, self.snapshot.as_of_ms)
            self.badge = badge_mode(self.ctx.store)
            self._seen_day = self.snapshot.today
            if not self._nudges_loaded:  # afterwards the sync worker brings them with new usage
                self.nudges = open_nudges(self.ctx)
                self._nudges_loaded = True
                self._set_problems(current_problems(self.ctx))  # failing accounts show from start-up
        except Exception as exc:
            log.exception("dashboard refresh failed")
            self.show_error(f"could not read the figures: {exc}")
            return
        self.last_refresh_s = time.perf_counter() - started
        self.refreshes += 1
        self.snapshotChanged.emit()

    def refresh_limits(self) -> None:
        """Plan windows again (a few small queries): a window that reset since the last refresh must not
        keep its old figure in the tray, though no usage changed."""
        try:
            self.limits = limits_snapshot(self.ctx.store)
            self.badge = badge_mode(self.ctx.store)
        except Exception:  # the tray keeps what it had; the next refresh says what is wrong
            log.exception("reading plan windows failed")

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
