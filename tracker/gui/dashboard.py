"""The dashboard window: navigation on the left, registered pages on the right, sync status on top."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QBuffer, QIODevice, QRect, QSize, Signal, Slot
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QProgressBar, QPushButton, QStackedWidget,
    QVBoxLayout, QWidget,
)

from tracker.gui.components import Banner, label
from tracker.gui.glyphs import app_mark, glyph_icon
from tracker.gui.icon import draw_icon
from tracker.gui.menu_model import last_sync
from tracker.gui.model import DashboardModel
from tracker.gui.pages import SETTINGS_PAGE, registered_pages
from tracker.gui.pages.welcome import WelcomePage
from tracker.gui.theme import PAGE_MARGIN_PX, SPACE_M, SPACE_S, active
from tracker.gui.wheel import guard_wheel

NAV_WIDTH_PX = 176
NAV_ICON_PX = 18

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
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            self.setGeometry(first_geometry(screen.availableGeometry()))

        central = QWidget()
        self.setCentralWidget(central)
        outer = QHBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self._sidebar())
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        outer.addLayout(right, stretch=1)
        right.addWidget(self._top_bar())
        self.banner = Banner("error")
        right.addWidget(self._padded(self.banner))
        if model.demo:
            self.demo_bar = Banner("notice")
            self.demo_bar.show_message("Demo data: generated figures, kept apart from your own.", "Back to my data",
                                       lambda: self.model.demoRequested.emit(False))
            self.leave_demo_button = self.demo_bar.button
            right.addWidget(self._padded(self.demo_bar))

        self.stack = QStackedWidget()
        right.addWidget(self.stack, stretch=1)
        self.pages: dict[str, QWidget] = {}
        self._icons: dict[str, str] = {}
        for spec in registered_pages():
            self.add_page(spec.name, spec.factory(model), spec.icon)
        self.welcome = WelcomePage(model)
        self.stack.addWidget(self.welcome)

        self.nav.currentRowChanged.connect(self._show_row)
        self.sync_button.clicked.connect(model.syncRequested)
        model.settingsRequested.connect(lambda: self.show_page(SETTINGS_PAGE))
        model.statusChanged.connect(self.update_status)
        model.snapshotChanged.connect(self.update_status)
        model.dayRequested.connect(self.open_day)
        self.nav.setCurrentRow(0)
        self.update_status()

    def _sidebar(self) -> QWidget:
        side = QWidget(objectName="sidebar")
        side.setFixedWidth(NAV_WIDTH_PX)
        column = QVBoxLayout(side)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        mark = QLabel(objectName="appMark")
        mark.setText(f'<img src="{self._mark_uri()}" width="22" height="22" style="vertical-align: middle">'
                     "&nbsp;&nbsp;Tracker")
        column.addWidget(mark)
        self.nav = QListWidget(objectName="nav")
        self.nav.setIconSize(QSize(NAV_ICON_PX, NAV_ICON_PX))
        column.addWidget(self.nav, stretch=1)
        return side

    def _mark_uri(self) -> str:
        """The app mark as an inline image for the label (a data URI: no file to find in a bundle)."""
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        app_mark(active().accent, 44).save(buffer, "PNG")
        return "data:image/png;base64," + bytes(buffer.data().toBase64()).decode()

    def _top_bar(self) -> QWidget:
        bar = QWidget(objectName="topBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(PAGE_MARGIN_PX, SPACE_M, PAGE_MARGIN_PX, 0)
        self.sync_label = label("", "muted")
        self.progress = QProgressBar(maximumWidth=180, textVisible=False)
        self.progress.setRange(0, 0)
        self.progress.hide()
        self.sync_button = QPushButton("Sync now")
        row.addWidget(self.sync_label, stretch=1)
        row.addWidget(self.progress)
        row.addWidget(self.sync_button)
        return bar

    @staticmethod
    def _padded(widget: QWidget) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(PAGE_MARGIN_PX, SPACE_S, PAGE_MARGIN_PX, 0)
        row.addWidget(widget)
        return holder

    def add_page(self, name: str, widget: QWidget, icon: str = "page") -> None:
        guard_wheel(widget)
        self.pages[name] = widget
        self.stack.addWidget(widget)
        item = QListWidgetItem(glyph_icon(icon, active().muted), name)
        self.nav.addItem(item)

    def show_page(self, name: str) -> None:
        self.nav.setCurrentRow(list(self.pages).index(name))

    def current_page(self) -> str | None:
        item = self.nav.currentItem()
        return item.text() if item is not None else None

    @Slot(int)
    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        name = self.nav.item(row).text()
        widget = self.pages[name]
        if self._show_welcome() and name != SETTINGS_PAGE:
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
            what, when = last_sync(status, self.model.zone(), now, self.model.demo)
            self.sync_label.setText(f"{what}: {when}{paused}")
        self.progress.setVisible(status.running)
        if status.percent is None:
            self.progress.setRange(0, 0)  # busy: the sync has not said how far it is
        else:
            self.progress.setRange(0, 100)
            self.progress.setValue(status.percent)
        self.sync_button.setEnabled(not status.running)
        self._show_problems(status.problems or [])
        on_welcome = self.stack.currentWidget() is self.welcome
        if self._show_welcome() != on_welcome:
            self._show_row(self.nav.currentRow())

    def _show_problems(self, problems: list) -> None:
        if not problems:
            self.banner.clear()
            self.banner.parentWidget().hide()
            return
        if len(problems) == 1:
            p = problems[0]
            text = (f"{p.where} is failing: {p.text}" if p.where else p.text).rstrip(".") + f". {p.fix}".rstrip(" .")
        else:
            text = f"{len(problems)} sources are failing: " + "; ".join(p.line() for p in problems) + "."
        self.banner.show_message(text, "Open Settings", lambda: self.show_page(SETTINGS_PAGE))
        self.banner.parentWidget().show()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.keep_running_on_close:
            event.ignore()
            self.hide()  # the tray keeps running
        else:
            event.accept()
