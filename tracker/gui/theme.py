"""Colours, fonts and number formats shared by the tray, the charts and the pages."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from tracker.core.money import PICO_PER_USD, format_usd_short

# Tableau 10: distinct, colour-blind friendly enough, readable on white.
SERIES_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
OTHER_COLOUR = "#c7c7c7"
OK_COLOUR = "#2e7d32"
WARN_COLOUR = "#e67700"
ERROR_COLOUR = "#c62828"
PAUSED_COLOUR = "#757575"
TEXT_MUTED = "#5f6368"
CARD_BG = "#f4f6f8"

STYLESHEET = f"""
QMainWindow, QDialog {{ background: #ffffff; }}
QListWidget#nav {{ background: #f0f2f5; border: none; font-size: 11pt; padding-top: 8px; }}
QListWidget#nav::item {{ padding: 9px 16px; }}
QListWidget#nav::item:selected {{ background: #dde6f3; color: #1a3d6d; }}
QFrame#card {{ background: {CARD_BG}; border-radius: 8px; }}
QLabel#cardTitle {{ color: {TEXT_MUTED}; font-size: 9pt; }}
QLabel#cardValue {{ font-size: 17pt; font-weight: 600; }}
QLabel#cardNote {{ color: {TEXT_MUTED}; font-size: 9pt; }}
QLabel#pageTitle {{ font-size: 15pt; font-weight: 600; }}
QLabel#banner {{ background: #fdecea; color: {ERROR_COLOUR}; padding: 6px 10px; border-radius: 4px; }}
QLabel#notice {{ background: #fff4e5; color: #8a4b00; padding: 6px 10px; border-radius: 4px; }}
"""


SMALLEST_SHOWN_PICO = PICO_PER_USD // 200  # half a cent: below it "$0.00" would read as free


def usd(pico: int | None) -> str:
    if pico is not None and 0 < pico < SMALLEST_SHOWN_PICO:
        return "<$0.01"
    return format_usd_short(pico)


def usd_float(pico: int) -> float:
    """Dollars as a float: for chart coordinates only, never for sums."""
    return float(Decimal(pico) / PICO_PER_USD)


def percent(change: Fraction | None) -> str:
    if change is None:
        return "—"
    value = round(change * 100)
    return f"{value:+d}%"


def colour_for(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]
