"""Light or dark: the palette the app draws with, following the desktop unless the user chose.

Fusion everywhere, with a QPalette and the style sheet written from our palette: the platform
styles mix their own colours with ours (a dark GTK theme under light panels was the result).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle, QStyleOptionHeader

from tracker.gui.theme import DARK, LIGHT, Palette, active, set_active, stylesheet

STYLE = "Fusion"


class SortArrowStyle(QProxyStyle):
    """Fusion, with a table header's sort arrow pointing the way the rows run: up for ascending (smallest
    first), down for descending.

    Qt's header asks for the opposite (QHeaderView maps ascending to SortDown), so a table of the newest or
    dearest rows first showed an arrow pointing up, which read as "smallest first"."""

    _FLIPPED = {QStyleOptionHeader.SortIndicator.SortUp: QStyleOptionHeader.SortIndicator.SortDown,
                QStyleOptionHeader.SortIndicator.SortDown: QStyleOptionHeader.SortIndicator.SortUp}

    def drawPrimitive(self, element, option, painter, widget=None) -> None:
        if element == QStyle.PrimitiveElement.PE_IndicatorHeaderArrow and isinstance(option, QStyleOptionHeader) \
                and option.sortIndicator in self._FLIPPED:
            option = QStyleOptionHeader(option)
            option.sortIndicator = self._FLIPPED[option.sortIndicator]
        super().drawPrimitive(element, option, painter, widget)


def desktop_is_dark() -> bool:
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme != Qt.ColorScheme.Unknown:
        return scheme == Qt.ColorScheme.Dark
    return QGuiApplication.palette().color(QPalette.ColorRole.Window).lightness() < 128


def palette_for(choice: str) -> Palette:
    if choice == "dark":
        return DARK
    if choice == "light":
        return LIGHT
    return DARK if desktop_is_dark() else LIGHT


def qt_palette(p: Palette) -> QPalette:
    q = QPalette()
    roles = {
        QPalette.ColorRole.Window: p.window, QPalette.ColorRole.WindowText: p.text,
        QPalette.ColorRole.Base: p.surface, QPalette.ColorRole.AlternateBase: p.window,
        QPalette.ColorRole.Text: p.text, QPalette.ColorRole.Button: p.surface,
        QPalette.ColorRole.ButtonText: p.text, QPalette.ColorRole.Highlight: p.accent,
        QPalette.ColorRole.HighlightedText: p.accent_text, QPalette.ColorRole.ToolTipBase: p.surface,
        QPalette.ColorRole.ToolTipText: p.text, QPalette.ColorRole.PlaceholderText: p.muted,
        QPalette.ColorRole.Link: p.accent, QPalette.ColorRole.Mid: p.border, QPalette.ColorRole.Midlight: p.border,
    }
    for role, colour in roles.items():
        q.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        q.setColor(QPalette.ColorGroup.Disabled, role, QColor(p.muted))
    # a button that cannot be used now reads as such: flat and faint (in muted text it looked usable)
    q.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(p.disabled))
    q.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor(p.sunken))
    return q


def apply(choice: str = "auto", app: QApplication | None = None) -> Palette:
    """Draw the whole app with the chosen palette from now on (charts made later included)."""
    app = app or QApplication.instance()
    palette = palette_for(choice)
    set_active(palette)
    if app is not None:
        app.setStyle(SortArrowStyle(STYLE))  # (the application takes it, and deletes the one before)
        app.setPalette(qt_palette(palette))
        app.setStyleSheet(stylesheet(palette))
    pg.setConfigOptions(antialias=True, background=palette.surface, foreground=palette.muted)
    return palette


class AppearanceWatcher(QObject):
    """Re-applies the palette when the desktop switches between light and dark ("auto" only)."""

    changed = Signal()

    def __init__(self, choice: str = "auto", parent: QObject | None = None):
        super().__init__(parent)
        self.choice = choice
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_scheme_changed)

    def set_choice(self, choice: str) -> None:
        self.choice = choice
        before = active()
        if apply(choice) != before:
            self.changed.emit()

    @Slot()
    def _on_scheme_changed(self, *args) -> None:
        if self.choice == "auto":
            self.set_choice("auto")
