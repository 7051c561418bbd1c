"""The system-tray icon and its menu, rebuilt from the snapshot each time it opens."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from tracker.gui.icon import draw_icon
from tracker.gui.menu_model import limit_warning, menu_entries, tooltip, tray_badge
from tracker.gui.model import DashboardModel
from tracker.gui.notify import NotificationGate
from tracker.services.limits import due_alerts, mark_alerted
from tracker.services.status import mark_announced, unannounced
from tracker.gui.theme import usd

log = logging.getLogger(__name__)


class TrayController(QObject):
    actionTriggered = Signal(str)  # the actions of menu_model.MenuEntry

    def __init__(self, model: DashboardModel, gate: NotificationGate | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.model = model
        self.gate = gate or NotificationGate()
        self.tray = QSystemTrayIcon(self)
        self.menu = QMenu()
        self.menu.aboutToShow.connect(self.rebuild_menu)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_activated)
        model.snapshotChanged.connect(self.update_state)
        model.statusChanged.connect(self.update_state)
        self.update_state()
        self.rebuild_menu()

    def show(self) -> None:
        self.tray.show()
        log.info("tray: system tray available=%s, icon visible=%s",
                 QSystemTrayIcon.isSystemTrayAvailable(), self.tray.isVisible())

    def hide(self) -> None:
        self.tray.hide()

    def dispose(self) -> None:
        """Remove the icon and free the menu (a top-level widget: no parent frees it)."""
        self.tray.hide()
        self.tray.setContextMenu(None)
        self.menu.deleteLater()
        self.deleteLater()

    @Slot()
    def rebuild_menu(self) -> None:
        self.menu.clear()
        self.model.refresh_limits()  # a window may have reset since the last sync
        limits = self.model.limits
        entries = menu_entries(self.model.snapshot, self.model.status, len(self.model.nudges), self.model.zone(),
                               now_ms=limits.as_of_ms if limits else None, limits=limits, demo=self.model.demo)
        for entry in entries:
            if entry.separator:
                self.menu.addSeparator()
                continue
            if entry.section:
                self.menu.addSection(entry.text)
                continue
            # a tab puts the figure in the menu's right-aligned column (where shortcuts go)
            action = QAction(f"{entry.text}\t{entry.figure}" if entry.figure else entry.text, self.menu)
            action.setEnabled(entry.enabled)
            if entry.checked is not None:
                action.setCheckable(True)
                action.setChecked(entry.checked)
            if entry.action:
                action.setData(entry.action)
                action.triggered.connect(self._on_action)
            self.menu.addAction(action)

    @Slot()
    def _on_action(self) -> None:
        action = self.sender()
        if isinstance(action, QAction):
            self.actionTriggered.emit(action.data())

    @Slot(QSystemTrayIcon.ActivationReason)
    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.actionTriggered.emit("dashboard")

    @Slot()
    def update_state(self) -> None:
        snap, status = self.model.snapshot, self.model.status
        today = snap.today_pico if snap else None
        warning = bool(snap and snap.warning)
        badge = tray_badge(snap, self.model.limits, self.model.badge)
        # a badge showing a plan window is amber when that window is close to its limit
        amber = limit_warning(self.model.limits) if badge is not None else warning
        self.tray.setIcon(draw_icon(today, warning=amber, error=bool(status.errors), paused=status.paused,
                                    text=badge))
        self.tray.setToolTip(tooltip(snap, status, self.model.limits))
        self.notify_limits()
        if self.gate.should_notify("spend", warning and snap and snap.warning_reason):
            self.tray.showMessage("Spending is up", f"Today {usd(snap.today_pico)}: {snap.warning_reason}.",
                                  QSystemTrayIcon.MessageIcon.Warning)
        error_state = status.errors[0] if status.errors else None
        if self.gate.should_notify("sync-error", error_state):
            self.tray.showMessage("A source is failing", error_state, QSystemTrayIcon.MessageIcon.Critical)
        if self.model.budget_alerts:  # each fires once per client and month (recorded): never rate-limited away
            alerts, self.model.budget_alerts = self.model.budget_alerts, []
            self.tray.showMessage("Client budget", " ".join(a["message"] for a in alerts),
                                  QSystemTrayIcon.MessageIcon.Warning)
        fresh = unannounced(self.model.nudges)
        if self.gate.should_notify("nudges", tuple(n.id for n in fresh) or None):
            first = fresh[0]
            more = f" (+{len(fresh) - 1} more)" if len(fresh) > 1 else ""
            self.tray.showMessage(
                "A cheaper model would likely do",
                f"{first.model} → {first.suggested_model}: about {usd(first.weekly_savings_pico)} a week{more}. "
                "Open the dashboard's Nudges page for the evidence.",
                QSystemTrayIcon.MessageIcon.Information,
            )
            mark_announced(self.model.ctx, fresh)

    def notify_limits(self) -> None:
        """A plan window at 80% or 95%: told once per window (services.limits decides, the gate paces)."""
        limits = self.model.limits
        if limits is None:
            return
        alerts = due_alerts(self.model.ctx.store, limits, self.model.zone())
        # one kind per window and level: the gate's hourly pacing must not hold back the 95% after the 80%
        shown = [a for a in alerts if self.gate.should_notify(f"limit:{a.key}", a.key)]
        for alert in shown:
            icon = QSystemTrayIcon.MessageIcon.Warning if alert.threshold_pct >= 95 \
                else QSystemTrayIcon.MessageIcon.Information
            self.tray.showMessage(alert.title, alert.text, icon)
        mark_alerted(self.model.ctx.store, shown)
