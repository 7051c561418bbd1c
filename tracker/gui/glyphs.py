"""Small line icons for the navigation, and the app's mark, drawn in code (no image files to ship).

Each glyph is drawn on a 24-unit grid in the palette's text colour, so it reads in light and dark.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPainterPath, QPen, QPixmap

GRID = 24
ICON_PX = 48


def _overview(p: QPainter) -> None:
    for x, h in ((4, 7), (10, 12), (16, 17)):
        p.drawRoundedRect(QRectF(x, 21 - h, 4, h), 1, 1)


def _usage(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(3, 4, 18, 16), 2, 2)
    for y in (9, 14):
        p.drawLine(QPointF(3, y), QPointF(21, y))
    p.drawLine(QPointF(9, 4), QPointF(9, 20))


def _value(p: QPainter) -> None:
    p.drawLine(QPointF(3, 20), QPointF(21, 20))
    path = QPainterPath(QPointF(4, 16))
    path.lineTo(9, 11)
    path.lineTo(13, 14)
    path.lineTo(20, 6)
    p.drawPath(path)
    p.drawLine(QPointF(20, 6), QPointF(16, 6))
    p.drawLine(QPointF(20, 6), QPointF(20, 10))


def _nudges(p: QPainter) -> None:
    p.drawEllipse(QRectF(6, 3, 12, 12))
    p.drawLine(QPointF(10, 15), QPointF(10, 18))
    p.drawLine(QPointF(14, 15), QPointF(14, 18))
    p.drawLine(QPointF(9.5, 18.5), QPointF(14.5, 18.5))
    p.drawLine(QPointF(10.5, 21), QPointF(13.5, 21))


def _invoices(p: QPainter) -> None:
    path = QPainterPath(QPointF(6, 3))
    path.lineTo(15, 3)
    path.lineTo(19, 7)
    path.lineTo(19, 21)
    path.lineTo(6, 21)
    path.closeSubpath()
    p.drawPath(path)
    for y in (10, 13.5, 17):
        p.drawLine(QPointF(9, y), QPointF(16, y))


def _team(p: QPainter) -> None:
    p.drawEllipse(QRectF(5, 5, 6, 6))
    p.drawEllipse(QRectF(13, 5, 6, 6))
    p.drawArc(QRectF(2, 13, 12, 12), 0, 180 * 16)
    p.drawArc(QRectF(10, 13, 12, 12), 0, 180 * 16)


def _limits(p: QPainter) -> None:
    p.drawArc(QRectF(3, 5, 18, 18), 0, 180 * 16)
    p.drawLine(QPointF(12, 14), QPointF(16.5, 8.5))
    p.drawEllipse(QPointF(12, 14), 1.2, 1.2)


def _settings(p: QPainter) -> None:
    p.drawEllipse(QPointF(12, 12), 3, 3)
    for i in range(8):
        angle = math.radians(i * 45)
        inner, outer = 6.5, 9.5
        p.drawLine(QPointF(12 + inner * math.cos(angle), 12 + inner * math.sin(angle)),
                   QPointF(12 + outer * math.cos(angle), 12 + outer * math.sin(angle)))
    p.drawEllipse(QPointF(12, 12), 6.5, 6.5)


def _page(p: QPainter) -> None:
    p.drawRoundedRect(QRectF(5, 3, 14, 18), 2, 2)


GLYPHS = {"overview": _overview, "usage": _usage, "value": _value, "nudges": _nudges, "invoices": _invoices,
          "team": _team, "limits": _limits, "settings": _settings, "page": _page}


def glyph_icon(name: str, colour: str, px: int = ICON_PX) -> QIcon:
    pixmap = QPixmap(px, px)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(px / GRID, px / GRID)
    pen = QPen(QColor(colour), 1.7)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    GLYPHS.get(name, _page)(painter)
    painter.end()
    return QIcon(pixmap)


def app_mark(accent: str, px: int = 64) -> QPixmap:
    """The app's mark: three rising bars on a rounded square (a chart of spend, in the accent colour)."""
    pixmap = QPixmap(px, px)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(px / GRID, px / GRID)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(accent))
    painter.drawRoundedRect(QRectF(1, 1, 22, 22), 5, 5)
    painter.setBrush(QColor("white"))
    for x, h in ((6, 6), (10.5, 10), (15, 14)):
        painter.drawRoundedRect(QRectF(x, 19 - h, 3, h), 1, 1)
    painter.end()
    return pixmap


def mark_font(size_pt: float = 12) -> QFont:
    font = QFont()
    font.setPointSizeF(size_pt)
    font.setBold(True)
    return font
