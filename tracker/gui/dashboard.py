"""The dashboard window: navigation on the left, registered pages on the right, sync status on top."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QRect, QSize, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QMainWindow, QProgressBar, QPushButton, QStackedWidget, QVBoxLayout, QWidget,
)

from tracker.gui.icon import draw_icon
from tracker.gui.menu_model import when_text
from tracker.gui.model import DashboardModel
from tracker.gui.pages import registered_pages
from tracker.gui.pages.welcome import WelcomePage
from tracker.gui.theme import STYLESHEET, TEXT_MUTED
from tracker.gui.wheel import guard_wheel

PREFERRED_SIZE = QSize(1280, 900)
SCREEN_MARGIN_PX = 24  # room left around the first window on a small screen


def first_geometry(available: QRect, preferred: QSize = PREFERRED_SIZE) -> QRect:
    """The preferred size, shrunk to fit the screen's free area with a margin, centred in it."""
    width = min(preferred.width(), available.width() - 2 * SCREEN_MARGIN_PX)
    height = min(preferred.height(), available.height() - 2 * SCREEN_MARGIN_PX)
    rect = QRect(0, 0, max(width, 1), max(height, 1))
    rect.moveCenter(available.center())
    return rect


class DashboardWindow(QMainWindow):
    settingsRequested = Signal()

    def __init__(self, model: DashboardModel, keep_running_on_close: bool = False, parent=None):
        super().__init__(parent)
        self.model = model
        self.keep_running_on_close = keep_running_on_close
        # the desktop adds the application's display name ("Tracker") after the title
        self.setWindowTitle("Demo data" if model.demo else "Dashboard")
        self.setWindowIcon(draw_icon(None))
        self.setStyleSheet(STYLESHEET)
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            self.setGeometry(first_geometry(screen.availableGeometry()))

        central = QWidget()
        self.setCentralWidget(central)
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.nav = QListWidget(objectName="nav")
        self.nav.setFixedWidth(170)
        outer.addWidget(self.nav)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(right, stretch=1)

        bar = QHBoxLayout()
        bar.setContentsMargins(20, 10, 20, 0)
        self.sync_label = QLabel("", styleSheet=f"color: {TEXT_MUTED};")
        self.progress = QProgressBar(maximumWidth=180, textVisible=False)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.sync_button = QPushButton("Sync now")
        self.settings_button = QPushButton("Settings")
        bar.addWidget(self.sync_label, stretch=1)
        bar.addWidget(self.progress)
        bar.addWidget(self.sync_button)
        bar.addWidget(self.settings_button)
        right.addLayout(bar)
        self.banner = QLabel("", objectName="banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        banner_row = QHBoxLayout()
        banner_row.setContentsMargins(20, 6, 20, 0)
        banner_row.addWidget(self.banner)
        right.addLayout(banner_row)
        if model.demo:
            right.addWidget(self._demo_bar())

        self.stack = QStackedWidget()
        right.addWidget(self.stack, stretch=1)
        self.pages: dict[str, QWidget] = {}
        for spec in registered_pages():
            self.add_page(spec.name, spec.factory(model))
        self.welcome = WelcomePage(model)
        self.stack.addWidget(self.welcome)

        self.nav.currentRowChanged.connect(self._show_row)
        self.sync_button.clicked.connect(model.syncRequested)
        self.settings_button.clicked.connect(model.settingsRequested)
        model.statusChanged.connect(self.update_status)
        model.snapshotChanged.connect(self.update_status)
        model.dayRequested.connect(self.open_day)
        self.nav.setCurrentRow(0)
        self.update_status()

    def _demo_bar(self) -> QWidget:
        """Says, on every page, that these figures are generated, with the way back."""
        bar = QWidget(objectName="demoBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(20, 6, 20, 0)
        note = QLabel("Demo data: generated figures, kept apart from your own.", objectName="notice")
        self.leave_demo_button = QPushButton("Back to my data")
        self.leave_demo_button.clicked.connect(lambda: self.model.demoRequested.emit(False))
        row.addWidget(note, stretch=1)
        row.addWidget(self.leave_demo_button)
        return bar

    def current_page(self) -> str | None:
        item = self.nav.currentItem()
        return item.text() if item is not None else None

    def add_page(self, name: str, widget: QWidget) -> None:
        guard_wheel(widget)
        self.pages[name] = widget
        self.stack.addWidget(widget)
        self.nav.addItem(name)

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(list(self.pages).index(name))

    @Slot(int)
    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        name = self.nav.item(row).text()
        widget = self.pages[name]
        if self._show_welcome():
            self.stack.setCurrentWidget(self.welcome)
            return
        self.stack.setCurrentWidget(widget)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh) and name != "Overview":
            refresh()

    def _show_welcome(self) -> bool:
        snap = self.model.snapshot
        return snap is not None and not snap.has_data and not self.model.status.running and not self.model.demo

    @Slot(date)
    def open_day(self, day: date) -> None:
        self.show_page("Usage")

    @Slot()
    def update_status(self) -> None:
        status = self.model.status
        if status.running:
            self.sync_label.setText(f"Syncing {status.progress or ''}…")
        else:
            now = self.model.snapshot.as_of_ms if self.model.snapshot else 0
            paused = " · syncing paused" if status.paused else ""
            self.sync_label.setText(f"Last sync: {when_text(status.last_sync_ms, self.model.zone(), now)}{paused}")
        self.progress.setVisible(status.running)
        if status.percent is None:
            self.progress.setRange(0, 0)  # busy: the sync has not said how far it is
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(status.percent)
        self.sync_button.setEnabled(not status.running)
        self.banner.setText("Sync problem: " + "; ".join(status.errors) if status.errors else "")
        self.banner.setVisible(bool(status.errors))
        on_welcome = self.stack.currentWidget() is self.welcome
        if self._show_welcome() != on_welcome:
            self._show_row(self.nav.currentRow())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.keep_running_on_close:
            event.ignore()
            self.hide()  # the tray keeps running
        else:
            event.accept()
