"""The tray icon, drawn from live state: today's spend on a coloured badge."""

from __future__ import annotations

from decimal import ROUND_HALF_UP

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap

from tracker.core.money import pico_to_usd
from tracker.gui.theme import ERROR_COLOUR, OK_COLOUR, PAUSED_COLOUR, WARN_COLOUR

ICON_PX = 64


def badge_text(pico: int | None) -> str:
    """Today's spend in whole dollars, readable at 16-24 px: $0, <$1, $6, $79, $412, $1k, $12k.

    Cents are false precision on a badge (and '.00' read as nothing at all); the menu has the exact figure.
    """
    if pico is None:
        return "?"
    usd = pico_to_usd(pico)
    if usd == 0:
        return "$0"
    if usd < 1:
        return "<$1"
    if usd < 1000:
        return f"${int(usd.to_integral_value(ROUND_HALF_UP))}"
    return f"${int((usd / 1000).to_integral_value(ROUND_HALF_UP))}k"


def state_colour(warning: bool, error: bool, paused: bool) -> str:
    if error:
        return ERROR_COLOUR
    if paused:
        return PAUSED_COLOUR
    return WARN_COLOUR if warning else OK_COLOUR


def draw_icon(today_pico: int | None, warning: bool = False, error: bool = False, paused: bool = False,
              text: str | None = None) -> QIcon:
    """The badge: today's spend, or `text` ("C 42%": a plan window, drawn on two lines)."""
    pixmap = QPixmap(ICON_PX, ICON_PX)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(state_colour(warning, error, paused)))
    painter.drawRoundedRect(QRectF(2, 2, ICON_PX - 4, ICON_PX - 4), 14, 14)
    lines = text.split(" ", 1) if text else [badge_text(today_pico)]
    longest = max(len(line) for line in lines)
    font = QFont()
    font.setBold(True)
    size = 34 if longest <= 2 else 28 if longest == 3 else 22
    font.setPixelSize(size if len(lines) == 1 else min(size, 24))
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(QRectF(0, 0, ICON_PX, ICON_PX), Qt.AlignmentFlag.AlignCenter, "\n".join(lines))
    if warning or error:
        painter.setBrush(QColor("white"))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(QRectF(ICON_PX - 20, 4, 14, 14))
        painter.setBrush(QColor(state_colour(warning, error, False)))
        painter.drawEllipse(QRectF(ICON_PX - 17, 7, 8, 8))
    painter.end()
    return QIcon(pixmap)
