"""Colours, spacing, fonts and number formats shared by the tray, the charts and the pages.

Two palettes, light and dark, and one style sheet written from whichever is active: the app
follows the desktop's colour scheme (Qt's style hints) unless the user picked one in Settings.
Pages never write colours of their own: they name a role (an object name such as `muted`,
`card`, `banner`) and the style sheet colours it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tracker.core.money import PICO_PER_USD, format_usd_short

# Tableau 10: distinct, colour-blind friendly enough, readable on white and on dark grey.
SERIES_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                  "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
# The tray badge's states: the same in both palettes (the panel's colour is not ours).
OK_COLOUR = "#2e7d32"
WARN_COLOUR = "#e67700"
ERROR_COLOUR = "#c62828"
PAUSED_COLOUR = "#757575"

# One spacing scale (px) for every margin and gap.
SPACE_XS, SPACE_S, SPACE_M, SPACE_L, SPACE_XL = 4, 8, 12, 16, 24
PAGE_MARGIN_PX = SPACE_XL
RADIUS_PX = 8


@dataclass(frozen=True)
class Palette:
    name: str
    window: str  # the page behind everything
    surface: str  # cards, panels, tables
    sunken: str  # the navigation, table headers
    border: str
    text: str
    muted: str
    accent: str
    accent_text: str
    selection: str
    good: str
    warn: str
    bad: str
    notice_bg: str
    notice_fg: str
    error_bg: str
    error_fg: str
    other_series: str  # the "other" group of a chart
    grid: str
    disabled: str  # the text of a button that cannot be used now: plainly fainter than a usable one's

    @property
    def dark(self) -> bool:
        return self.name == "dark"


LIGHT = Palette(
    name="light", window="#f5f6f8", surface="#ffffff", sunken="#eceff3", border="#dde1e6", text="#1f2328",
    muted="#5f6368", accent="#2f6fdb", accent_text="#ffffff", selection="#dbe7fb", good="#2e7d32",
    warn="#b35c00", bad="#c62828", notice_bg="#fff4e5", notice_fg="#7a4100", error_bg="#fdecea",
    error_fg="#a31515", other_series="#c7c7c7", grid="#e3e6ea", disabled="#9aa0a6",
)
DARK = Palette(
    name="dark", window="#1b1d21", surface="#24272c", sunken="#202328", border="#363a41", text="#e6e8eb",
    muted="#a0a6ad", accent="#6ea1ff", accent_text="#0d1117", selection="#2d3f5c", good="#66bb6a",
    warn="#ffb74d", bad="#ef7070", notice_bg="#3a2e1a", notice_fg="#ffd08a", error_bg="#46201f",
    error_fg="#ffb4ab", other_series="#6b7078", grid="#30343a", disabled="#6b7178",
)

_active = LIGHT


def active() -> Palette:
    """The palette in use (light until the app applies the desktop's)."""
    return _active


def set_active(palette: Palette) -> None:
    global _active
    _active = palette


def stylesheet(p: Palette) -> str:
    """The app's one style sheet, for palette `p`."""
    return f"""
QMainWindow, QDialog, QScrollArea#page, QWidget#pageBody {{ background: {p.window}; }}
QWidget {{ color: {p.text}; }}
QPushButton:disabled, QToolButton:disabled {{ color: {p.disabled}; }}
QListWidget::item {{ padding: 4px 4px; }}
QListWidget#nav {{ background: {p.sunken}; border: none; font-size: 10.5pt; padding: 4px 8px; outline: 0; }}
QListWidget#nav::item {{ padding: 8px 10px; border-radius: 6px; margin: 1px 0; color: {p.text}; }}
QListWidget#nav::item:selected {{ background: {p.selection}; color: {p.text}; }}
QListWidget#nav::item:hover:!selected {{ background: {p.border}; }}
QLabel#appMark {{ font-size: 12pt; font-weight: 700; padding: 14px 18px 10px 18px; }}
QWidget#topBar {{ background: {p.window}; }}
QFrame#card, QFrame#panel {{ background: {p.surface}; border: 1px solid {p.border}; border-radius: {RADIUS_PX}px; }}
QLabel#cardTitle {{ color: {p.muted}; font-size: 9pt; }}
QLabel#cardValue, QLabel#cardValue-good, QLabel#cardValue-warn, QLabel#cardValue-bad,
QLabel#cardValue-muted {{ font-size: 17pt; font-weight: 600; }}
QLabel#cardValue-good {{ color: {p.good}; }}
QLabel#cardValue-warn {{ color: {p.warn}; }}
QLabel#cardValue-bad {{ color: {p.bad}; }}
QLabel#cardValue-muted {{ color: {p.muted}; }}
QLabel#cardNote, QLabel#muted {{ color: {p.muted}; }}
QLabel#cardNote {{ font-size: 9pt; }}
QLabel#pageTitle {{ font-size: 16pt; font-weight: 600; }}
QLabel#panelTitle {{ font-size: 10.5pt; font-weight: 600; }}
QLabel#good {{ color: {p.good}; }}
QLabel#warn {{ color: {p.warn}; }}
QLabel#bad {{ color: {p.bad}; }}
QFrame#banner {{ background: {p.error_bg}; border-radius: 6px; }}
QFrame#banner QLabel {{ color: {p.error_fg}; }}
QFrame#notice, QLabel#notice {{ background: {p.notice_bg}; border-radius: 6px; }}
QFrame#notice QLabel, QLabel#notice {{ color: {p.notice_fg}; }}
QLabel#notice {{ padding: 6px 10px; }}
QTableView, QTableWidget {{ background: {p.surface}; alternate-background-color: {p.window};
    border: 1px solid {p.border}; border-radius: 6px; gridline-color: {p.border};
    selection-background-color: {p.selection}; selection-color: {p.text}; }}
QHeaderView::section {{ background: {p.sunken}; color: {p.muted}; border: none;
    border-bottom: 1px solid {p.border}; padding: 4px 8px; font-weight: 600; }}
QPushButton#primary {{ background: {p.accent}; color: {p.accent_text}; border: none; border-radius: 6px;
    padding: 6px 14px; font-weight: 600; }}
QPushButton#primary:disabled {{ background: {p.border}; color: {p.muted}; }}
QGroupBox {{ border: 1px solid {p.border}; border-radius: {RADIUS_PX}px; margin-top: 14px; padding: 10px;
    background: {p.surface}; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; color: {p.muted}; }}
QToolTip {{ background: {p.surface}; color: {p.text}; border: 1px solid {p.border}; padding: 6px; }}
"""


def colour_for(index: int) -> str:
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]


SMALLEST_SHOWN_PICO = PICO_PER_USD // 200  # half a cent: below it "$0.00" would read as free


def usd(pico: int | None) -> str:
    if pico is not None and 0 < pico < SMALLEST_SHOWN_PICO:
        return "<$0.01"
    return format_usd_short(pico)


def paid_or_in_plan(paid_pico: int | None, plan_covered_pico: int) -> str:
    """Money paid as you go, or "in plan" where none was paid because a subscription plan covered the usage
    ($0.00 would read as free)."""
    return "in plan" if paid_pico == 0 and plan_covered_pico else usd(paid_pico)


def usd_float(pico: int) -> float:
    """Dollars as a float: for chart coordinates only, never for sums."""
    return float(Decimal(pico) / PICO_PER_USD)


def percent(change: Fraction | None) -> str:
    if change is None:
        return "—"
    value = round(change * 100)
    return f"{value:+d}%"
