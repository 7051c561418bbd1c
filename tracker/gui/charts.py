"""Charts that behave like part of the app, not like a plotting library.

Every chart is a `Chart`: the mouse wheel scrolls the page (no zoom, no pan, no "A" button, no
context menu), the value axis is money from $0, a date axis picks its ticks so that labels never
collide at any width, the legend is a wrapping line above the plot (never over the bars), and
colours come from the active palette. The daily chart highlights the hovered day and shows its
figures in a compact tooltip; a click opens that day.
"""

from __future__ import annotations

import html
import math
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetrics
from PySide6.QtWidgets import QGraphicsRectItem, QLabel, QToolTip

from tracker.gui.menu_model import source_label
from tracker.gui.theme import active, colour_for, usd, usd_float
from tracker.gui.wheel import scroll_page

MAX_SERIES = 7  # more groups than this are summed as "other" so the colours stay readable
BAR_WIDTH_S = 86_400 * 0.8
HALF_DAY_S = 43_200
DAY_S = 86_400
TICK_FONT_PT = 9
LABEL_GAP_PX = 14  # at least this much room between two tick labels
HEADROOM = 1.08  # the tallest value sits a little under the top
# A value axis' top: close over the tallest value (a $9.30 day under a $20 top left half the chart blank), and
# a multiple of the major tick spacing pyqtgraph picks for it at any height, so that the top is labelled (not
# 2.5, 5, 7.5 or 12: pyqtgraph can tick those by 1, 2 or 5)
NICE_STEPS = (1, 1.5, 2, 3, 4, 6, 8, 10)
PERIOD_CHART_PX = 240
EDGE_LABEL_ROOM = 0.05  # of the value range, below $0 and above the top, so both ends keep their labels


def money_tick(value: float, spacing: float) -> str:
    """$0, $5, $12.5, $1.2k, $3M: as short as the spacing of the ticks allows."""
    if abs(value) < 1e-9:
        return "$0"
    if abs(value) >= 1_000_000:
        return f"${value / 1_000_000:g}M"
    if abs(value) >= 1_000 and spacing >= 100:
        return f"${value / 1_000:g}k"
    decimals = 0 if spacing >= 1 else (1 if spacing >= 0.1 else 2)
    return f"${value:,.{decimals}f}"


def nice_top(top: float) -> float:
    """A round upper bound for a value axis (so the top tick is labelled)."""
    if top <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(top))
    for step in NICE_STEPS:
        if step * magnitude >= top:
            return step * magnitude
    return 10 * magnitude


class MoneyAxis(pg.AxisItem):
    """Dollars, with a "$"."""

    def __init__(self, orientation: str = "left", **kwargs):
        super().__init__(orientation, **kwargs)

    def tickStrings(self, values, scale, spacing):
        return [money_tick(v * scale, spacing * scale) for v in values]


class DayAxis(pg.AxisItem):
    """Days in the user's timezone (x in epoch seconds), ticked so that labels never collide.

    Days when there is room ("Nov 3"), else every 2 days, every week, two weeks, then months
    ("Nov", "Jan 2027"): the step is chosen from the axis's width in pixels, not from a fixed count.
    """

    def __init__(self, **kwargs):
        super().__init__("bottom", **kwargs)
        self.zone: tzinfo | None = None
        self.utcOffset = None  # seconds west of UTC, as pyqtgraph's DateAxisItem names it (tests read it)

    def set_zone(self, zone: tzinfo) -> None:
        self.zone = zone
        offset = zone.utcoffset(datetime.now(zone))
        self.utcOffset = -int(offset.total_seconds()) if offset is not None else None
        self.picture = None  # the labels change over the same range
        self.update()

    def _day(self, seconds: float) -> date:
        return datetime.fromtimestamp(seconds, self.zone or timezone.utc).date()

    def _start(self, day: date) -> float:
        return datetime(day.year, day.month, day.day, tzinfo=self.zone or timezone.utc).timestamp()

    def _label_px(self, text: str = "Nov 30") -> int:
        font = QFont()
        font.setPointSize(TICK_FONT_PT)
        return QFontMetrics(font).horizontalAdvance(text) + LABEL_GAP_PX

    def step_days(self, min_s: float, max_s: float, width_px: float) -> int:
        """Days between ticks: 1, 2, 7 or 14; 30 times the number of months between month ticks."""
        days = max((max_s - min_s) / DAY_S, 1e-9)
        px_per_day = max(width_px, 1) / days
        for step in (1, 2, 7, 14):
            if self._label_px() / px_per_day <= step:
                return step
        months = self._label_px("Sep 2026") / px_per_day / 30  # month labels may carry a year
        return 30 * next((m for m in (1, 2, 3, 6, 12) if m >= months), math.ceil(months / 12) * 12)

    def ticks(self, min_s: float, max_s: float, width_px: float) -> list[tuple[float, str]]:
        if not (math.isfinite(min_s) and math.isfinite(max_s)) or max_s <= min_s:
            return []
        step = self.step_days(min_s, max_s, width_px)
        first, last = self._day(min_s), self._day(max_s)
        out = []
        if step < 30:
            day = first
            if step >= 7:  # weeks start on Mondays
                day += timedelta(days=(7 - day.weekday()) % 7)
            while day <= last:
                at = self._start(day) + HALF_DAY_S
                if min_s <= at <= max_s:
                    out.append((at, f"{day:%b} {day.day}"))
                day += timedelta(days=step)
            return out
        months = step // 30
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            # every `months`-th calendar month (Jan, Apr, Jul, Oct for 3): evenly spaced, whatever the start
            day = date(year, month, 1)
            at = self._start(day)
            if min_s <= at <= max_s and (year * 12 + month - 1) % months == 0:
                out.append((at, f"{day:%b %Y}" if month == 1 or not out else f"{day:%b}"))
            month += 1
            if month > 12:
                year, month = year + 1, 1
        return out

    def tickValues(self, minVal, maxVal, size):
        ticks = self.ticks(minVal, maxVal, size)
        self._labels = dict(ticks)
        return [(DAY_S, [t for t, _ in ticks])] if ticks else []

    def tickStrings(self, values, scale, spacing):
        labels = getattr(self, "_labels", {})
        return [labels.get(v, "") for v in values]


class Chart(pg.PlotWidget):
    """A pyqtgraph plot made quiet: the page scrolls over it, nothing zooms, colours follow the theme."""

    def __init__(self, date_axis: bool = True, money_axis: bool = True, parent=None, axes: dict | None = None):
        axes = dict(axes or {})
        if date_axis:
            axes.setdefault("bottom", DayAxis())
        if money_axis:
            axes.setdefault("left", MoneyAxis())
        super().__init__(parent=parent, axisItems=axes)
        self.plot = self.getPlotItem()
        self.plot.hideButtons()  # the tiny "A" (auto-range) button: nothing to reset, nothing zooms
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.getViewBox().setMouseEnabled(x=False, y=False)
        self.legend = QLabel()  # placed by the page above the chart: it wraps, and never covers a bar
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.apply_palette()

    def apply_palette(self) -> None:
        p = active()
        self.setBackground(p.surface)
        font = QFont()
        font.setPointSize(TICK_FONT_PT)
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.setTickFont(font)
            axis.setTextPen(pg.mkPen(p.muted))
            axis.setPen(pg.mkPen(p.border))
        # Fixed room for the labels: pyqtgraph sizes an axis by the labels it drew first, so one drawn
        # before the data came (no labels, or "$50") stayed too small for "$1,200" or "Dec so far".
        metrics = QFontMetrics(font)
        self.plot.getAxis("left").setWidth(metrics.horizontalAdvance("$1,250") + LABEL_GAP_PX + 6)
        self.plot.getAxis("bottom").setHeight(metrics.height() + 12)
        self.plot.showGrid(x=False, y=True, alpha=0.35 if p.dark else 0.25)

    def wheelEvent(self, event) -> None:
        scroll_page(self, event)  # the page scrolls; nothing zooms

    def set_legend(self, entries: list[tuple[str, str, str]]) -> None:
        """(name, colour, kind) with kind "box", "line" or "dash": one wrapping line of swatches."""
        glyph = {"box": "■", "line": "━", "dash": "╍"}
        parts = [f'<span style="color:{colour}">{glyph.get(kind, "■")}</span>&nbsp;{html.escape(name)}'
                 for name, colour, kind in entries]
        self.legend.setText("&nbsp;&nbsp;&nbsp; ".join(parts))
        self.legend.setVisible(bool(entries))

    def set_money_range(self, top: float) -> None:
        """From $0 to a round top, both labelled: pyqtgraph drops a label that would reach past the axis'
        end, so the range reaches a little past both."""
        top = nice_top(top * HEADROOM)
        pad = top * EDGE_LABEL_ROOM
        self.plot.setYRange(-pad, top + pad, padding=0)
        self.redraw_axes()

    def redraw_axes(self) -> None:
        """Draw the tick labels again: pyqtgraph redraws them only when the range changes, so new labels
        over the same range (other periods, other figures) would keep the old picture."""
        for name in ("left", "bottom"):
            axis = self.plot.getAxis(name)
            axis.picture = None
            axis.update()

    def set_axis_zone(self, zone: tzinfo) -> None:
        axis = self.plot.getAxis("bottom")
        if isinstance(axis, DayAxis):
            axis.set_zone(zone)


def set_axis_zone(widget: Chart, zone: tzinfo) -> None:
    """Date ticks in the configured timezone, not the machine's."""
    widget.set_axis_zone(zone)


def top_groups(groups: dict[str, list[int]], limit: int = MAX_SERIES) -> list[tuple[str, list[int]]]:
    """The `limit - 1` biggest groups by total, and the rest summed as 'other'."""
    ordered = sorted(groups.items(), key=lambda kv: -sum(kv[1]))
    if len(ordered) <= limit:
        return ordered
    keep, rest = ordered[: limit - 1], ordered[limit - 1 :]
    other = [sum(values) for values in zip(*(v for _, v in rest))]
    return [*keep, ("other", other)]


class DailyCostChart(Chart):
    """Stacked bars of cost per day by source or model; hover highlights the day and shows its figures."""

    dayClicked = Signal(date)
    hoverText = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent=parent)
        self.series = None
        self.groups: list[tuple[str, list[int]]] = []
        # A fixed pool of bar items fed new data on refresh: no item churn per refresh.
        self._bars: list[pg.BarGraphItem] = []
        self._legend_names: list[str] = []
        self._top = 1.0
        self.highlight = QGraphicsRectItem()
        self.highlight.setPen(pg.mkPen(None))
        self.highlight.setZValue(10)
        self.highlight.hide()
        self.plot.addItem(self.highlight, ignoreBounds=True)
        self._hovered: int | None = None
        self.setMouseTracking(True)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.setMinimumHeight(220)

    def set_data(self, series, by: str = "source") -> None:
        self.series = series
        groups = {source_label(k): v for k, v in series.by_source.items()} if by == "source" else series.by_model
        self.groups = top_groups(groups)
        while len(self._bars) < len(self.groups):
            bar = pg.BarGraphItem(x=[0], height=[0], width=BAR_WIDTH_S)
            self.plot.addItem(bar)
            self._bars.append(bar)
        xs = [s + HALF_DAY_S for s in series.day_start_s]
        bottom = [0.0] * len(xs)
        names, legend = [], []
        p = active()
        for i, bar in enumerate(self._bars):
            if i >= len(self.groups):
                bar.setOpts(x=[], height=[], y0=[])
                bar.hide()
                continue
            name, values = self.groups[i]
            heights = [usd_float(v) for v in values]
            colour = p.other_series if name == "other" else colour_for(i)
            bar.setOpts(x=xs, height=heights, y0=list(bottom), width=BAR_WIDTH_S, brush=pg.mkBrush(colour),
                        pen=pg.mkPen(None))
            bar.show()
            names.append(name)
            legend.append((name, colour, "box"))
            bottom = [b + h for b, h in zip(bottom, heights)]
        self._legend_names = names
        self.set_legend(legend)
        self._top = max(bottom) if bottom and max(bottom) > 0 else 1
        if xs:
            self.plot.setXRange(xs[0] - HALF_DAY_S, xs[-1] + HALF_DAY_S, padding=0.01)
        self.set_money_range(self._top)
        self._hovered = None
        self.highlight.hide()

    def day_index_at(self, scene_pos: QPointF) -> int | None:
        if self.series is None or not self.series.days:
            return None
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        x = view.mapSceneToView(scene_pos).x()
        starts = self.series.day_start_s
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else start + DAY_S
            if start <= x < end:
                return i
        return None

    def describe_day(self, i: int) -> str:
        """The day's figures on one line (for a screen reader or a status line)."""
        s = self.series
        parts = [f"{name} {usd(values[i])}" for name, values in self.groups if values[i]]
        text = f"{s.days[i]:%a %d %b %Y}: {usd(s.totals[i])}"
        if parts:
            text += " — " + ", ".join(parts)
        if s.unpriced_by_day[i]:
            text += f" · {s.unpriced_by_day[i]} unpriced"
        return text

    def tooltip_html(self, i: int) -> str:
        """The day's figures as a compact table: the total, then each group with its colour."""
        s = self.series
        p = active()
        rows = [f"<tr><td colspan=2><b>{s.days[i]:%a %d %b %Y}</b></td></tr>",
                f"<tr><td>Total</td><td align=right><b>{html.escape(usd(s.totals[i]))}</b></td></tr>"]
        for n, (name, values) in enumerate(self.groups):
            if values[i]:
                colour = p.other_series if name == "other" else colour_for(n)
                rows.append(f'<tr><td><span style="color:{colour}">■</span> {html.escape(name)}&nbsp;&nbsp;</td>'
                            f"<td align=right>{html.escape(usd(values[i]))}</td></tr>")
        if s.unpriced_by_day[i]:
            rows.append(f"<tr><td colspan=2>{s.unpriced_by_day[i]} unpriced (not counted as $0)</td></tr>")
        rows.append(f'<tr><td colspan=2 style="color:{p.muted}">Click for the day\'s rows</td></tr>')
        return "<table cellspacing=0 cellpadding=1>" + "".join(rows) + "</table>"

    def _highlight(self, i: int | None) -> None:
        if i is None or self.series is None:
            self.highlight.hide()
            return
        start = self.series.day_start_s[i]
        colour = QColor(active().text)
        colour.setAlpha(28)
        self.highlight.setBrush(colour)
        self.highlight.setRect(QRectF(start, 0, DAY_S, self.plot.getViewBox().viewRange()[1][1]))
        self.highlight.show()

    def _on_mouse_moved(self, pos: QPointF) -> None:
        i = self.day_index_at(pos)
        if i == self._hovered:
            return
        self._hovered = i
        self._highlight(i)
        if i is None:
            QToolTip.hideText()
            return
        QToolTip.showText(QCursor.pos(), self.tooltip_html(i), self)
        self.hoverText.emit(self.describe_day(i))

    def leaveEvent(self, event) -> None:
        self._hovered = None
        self._highlight(None)
        super().leaveEvent(event)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        i = self.day_index_at(event.scenePos())
        if i is not None:
            self.dayClicked.emit(self.series.days[i])


class MonthChart(Chart):
    """Cumulative month-to-date cost, last month for comparison, and the forecast with its band.

    The items are made once and fed new data on refresh: re-creating a FillBetweenItem on every
    refresh crashed PySide6 6.12 at exit (a refcount error in bool_dealloc), and reuse is cheaper.
    """

    LAST, FORECAST, THIS = "#9aa0a6", "#f28e2b", "#4e79a7"

    def __init__(self, parent=None):
        super().__init__(parent=parent)
        self.last = self.plot.plot([], [], pen=pg.mkPen(self.LAST, width=2, style=Qt.PenStyle.DotLine))
        self.upper = pg.PlotDataItem([], [], pen=pg.mkPen(None))
        self.lower = pg.PlotDataItem([], [], pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.upper, self.lower, brush=pg.mkBrush(QColor(242, 142, 43, 60)))
        for item in (self.upper, self.lower, self.band):
            self.plot.addItem(item)
        self.forecast = self.plot.plot([], [], pen=pg.mkPen(self.FORECAST, width=2, style=Qt.PenStyle.DashLine))
        self.cumulative = self.plot.plot([], [], pen=pg.mkPen(self.THIS, width=3), symbol="o", symbolSize=4,
                                         symbolBrush=self.THIS, symbolPen=None)
        self.set_legend([("this month", self.THIS, "line"), ("forecast, with its likely range", self.FORECAST, "dash"),
                         ("last month", self.LAST, "dash")])
        self.setMinimumHeight(200)

    def set_data(self, month) -> None:
        xs = [s + HALF_DAY_S for s in month.day_start_s]

        def points(values):
            pts = [(x, usd_float(v)) for x, v in zip(xs, values) if v is not None]
            return [p[0] for p in pts], [p[1] for p in pts]

        self.last.setData(*points(month.last_month_cumulative))
        self.upper.setData(*points(month.forecast_high))
        self.lower.setData(*points(month.forecast_low))
        self.forecast.setData(*points(month.forecast))
        self.cumulative.setData(*points(month.cumulative))
        values = [v for series in (month.cumulative, month.forecast_high, month.last_month_cumulative)
                  for v in series if v is not None]
        if xs:
            self.plot.setXRange(xs[0] - HALF_DAY_S, xs[-1] + HALF_DAY_S, padding=0.01)
            self.set_money_range(usd_float(max(values)) if values and max(values) > 0 else 1)


def decimal_usd(value: Decimal | str | None) -> float:
    """A report's decimal-string dollars as a chart coordinate (never for sums)."""
    return float(Decimal(value)) if value not in (None, "") else 0.0


def period_label(period: str, complete: bool = True, first: bool = False, last: bool = False) -> str:
    """'2026-11' -> 'Nov' ('Nov 2026' first and in January), '2026-W47' -> 'W47'; the unfinished last one
    'so far', an earlier one cut by the range's start '(part)'."""
    if "-W" in period:
        text = "W" + period.split("-W")[1].lstrip("0")
    else:
        try:
            moment = datetime.strptime(period, "%Y-%m")
            text = f"{moment:%b %Y}" if moment.month == 1 and not first else f"{moment:%b}"
        except ValueError:
            text = period
    if complete:
        return text
    return f"{text} so far" if last else f"{text} (part)"


class PeriodAxis(pg.AxisItem):
    """A bottom axis labelling integer positions with period names; labels thinned so they never collide."""

    def __init__(self):
        super().__init__("bottom")
        self.labels: list[str] = []

    def tickValues(self, minVal, maxVal, size):
        if not self.labels:
            return []
        font = QFont()
        font.setPointSize(TICK_FONT_PT)
        widest = max(QFontMetrics(font).horizontalAdvance(t) for t in self.labels) + LABEL_GAP_PX
        every = max(1, math.ceil(widest * len(self.labels) / max(size, 1)))
        last = len(self.labels) - 1
        shown = [i for i in range(len(self.labels)) if (last - i) % every == 0]  # the newest always labelled
        return [(1, shown)]

    def tickStrings(self, values, scale, spacing):
        out = []
        for v in values:
            i = int(round(v))
            out.append(self.labels[i] if 0 <= i < len(self.labels) and abs(v - i) < 1e-6 else "")
        return out


class PeriodChart(Chart):
    """Lines over periods (months or weeks): finished periods solid, a partial one (the running one, or
    one cut by the range's start) dotted with a hollow marker."""

    def __init__(self, parent=None):
        self.period_axis = PeriodAxis()
        super().__init__(date_axis=False, parent=parent, axes={"bottom": self.period_axis})
        self.setFixedHeight(PERIOD_CHART_PX)

    def set_periods(self, periods: list[str], complete: list[bool]) -> None:
        last = len(periods) - 1
        self.period_axis.labels = [period_label(p, c, first=(i == 0), last=(i == last))
                                   for i, (p, c) in enumerate(zip(periods, complete))]
        if periods:
            self.plot.setXRange(-0.6, len(periods) - 0.4, padding=0)
        self.redraw_axes()

    def add_line(self, xs: list[int], ys: list[float], complete: list[bool], colour: str,
                 dashed: bool = False) -> None:
        """One series: solid (or dashed) through the finished periods, dotted into the unfinished one."""
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        done = [i for i, c in enumerate(complete) if c]
        if done:
            self.plot.plot([xs[i] for i in done], [ys[i] for i in done], pen=pg.mkPen(colour, width=2, style=style),
                           symbol="o", symbolSize=6, symbolPen=colour, symbolBrush=colour)
        open_ = [i for i, c in enumerate(complete) if not c]
        for i in open_:  # joined to the nearest finished point by a dotted line, with a hollow marker
            near = min(done, key=lambda j: abs(j - i), default=None)
            pts = sorted([i] if near is None else [near, i])
            self.plot.plot([xs[j] for j in pts], [ys[j] for j in pts],
                           pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DotLine))
            self.plot.plot([xs[i]], [ys[i]], pen=None, symbol="o", symbolSize=7, symbolPen=colour,
                           symbolBrush=pg.mkBrush(None))


class RoiChart(Chart):
    """Return per tag as horizontal bars on a log scale labelled in plain multiples (0.5x, 1x, 10x, 100x),
    with the break-even line at 1x: a bar to its right returned more than it cost."""

    def __init__(self, parent=None):
        self.names = NameAxis("left")
        super().__init__(date_axis=False, money_axis=False, parent=parent,
                         axes={"bottom": MultipleAxis("bottom"), "left": self.names})
        self.plot.showGrid(x=True, y=False, alpha=0.25)
        self.bars = pg.BarGraphItem(x0=[], y=[], width=[], height=0.6)
        self.plot.addItem(self.bars)
        self.even = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen(active().muted, style=Qt.PenStyle.DashLine))
        self.plot.addItem(self.even)
        self.labels: list[pg.TextItem] = []
        self.setMinimumHeight(160)

    def set_data(self, rows: list[tuple[str, float, str]]) -> None:
        """(tag, ROI multiple, colour) rows, best first."""
        for text in self.labels:
            self.plot.removeItem(text)
        self.labels = []
        rows = [r for r in rows if r[1] > 0]
        self.names.names = [r[0] for r in reversed(rows)]
        font = QFont()
        font.setPointSize(TICK_FONT_PT)
        widest = max((QFontMetrics(font).horizontalAdvance(n) for n in self.names.names), default=40)
        self.names.setWidth(widest + LABEL_GAP_PX)
        ys = list(range(len(rows)))
        logs = [math.log10(r[1]) for r in reversed(rows)]
        low = min([0.0, *logs]) - 0.3
        self.bars.setOpts(x0=[low] * len(rows), y=ys, width=[v - low for v in logs], height=0.6,
                          brushes=[pg.mkBrush(r[2]) for r in reversed(rows)], pen=pg.mkPen(None))
        for y, (name, multiple, _colour) in zip(ys, reversed(rows)):
            text = pg.TextItem(f"{multiple:,.1f}x" if multiple < 10 else f"{multiple:,.0f}x", color=active().text,
                               anchor=(0, 0.5))
            text.setPos(math.log10(multiple), y)
            self.plot.addItem(text)
            self.labels.append(text)
        high = max([1.0, *logs]) + 0.6
        self.plot.setXRange(low, high, padding=0)
        self.plot.setYRange(-0.6, max(len(rows), 1) - 0.4, padding=0)
        self.redraw_axes()
        self.setFixedHeight(60 + 28 * max(len(rows), 1))


class MultipleAxis(pg.AxisItem):
    """log10 positions labelled as plain multiples: 0.1x, 1x, 10x, 100x."""

    def tickValues(self, minVal, maxVal, size):
        return [(1, [float(p) for p in range(math.floor(minVal), math.ceil(maxVal) + 1)])]

    def tickStrings(self, values, scale, spacing):
        return [f"{10 ** v:g}x" for v in values]


class NameAxis(pg.AxisItem):
    """Integer positions labelled with names (the tags of the ROI bars)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.names: list[str] = []

    def tickValues(self, minVal, maxVal, size):
        return [(1, list(range(len(self.names))))]

    def tickStrings(self, values, scale, spacing):
        return [self.names[int(v)] if 0 <= int(v) < len(self.names) else "" for v in values]


class PercentAxis(pg.AxisItem):
    """0%, 50%, 100%."""

    def tickStrings(self, values, scale, spacing):
        return [f"{v * scale:g}%" for v in values]


class LimitsChart(Chart):
    """Each plan window's percent used over time (one line per window), with the 80% and 95% marks.

    Lines are made once and fed new data on refresh (see MonthChart); a window's line breaks where
    it reset, so a drop to 0 reads as the reset it is.
    """

    def __init__(self, parent=None):
        super().__init__(money_axis=False, parent=parent, axes={"left": PercentAxis("left")})
        p = active()
        for level, colour in ((80, p.warn), (95, p.bad)):
            self.plot.addItem(pg.InfiniteLine(pos=level, angle=0, pen=pg.mkPen(colour, width=1,
                                                                               style=Qt.PenStyle.DotLine)))
        self._lines: list[pg.PlotDataItem] = []
        self._names: list[str] = []
        self.setMinimumHeight(240)

    def set_data(self, series: list[tuple[str, list[float], list[float], list[bool]]]) -> None:
        """series: (name, x seconds, percent used, True where a new run of the window starts) per window."""
        while len(self._lines) < len(series):
            line = pg.PlotDataItem([], [])
            self.plot.addItem(line)
            self._lines.append(line)
        legend = []
        for i, line in enumerate(self._lines):
            if i >= len(series):
                line.setData([], [])
                line.hide()
                continue
            name, xs, ys, breaks = series[i]
            # connect every point to the next unless the next starts a new run of the window
            connect = np.array([not b for b in breaks[1:]] + [False], dtype=bool) if xs else "all"
            line.setData(xs, ys, connect=connect, pen=pg.mkPen(colour_for(i), width=2), symbol="o", symbolSize=3,
                         symbolBrush=colour_for(i), symbolPen=None)
            line.show()
            legend.append((name, colour_for(i), "line"))
        self._names = [name for name, _, _ in legend]
        self.set_legend(legend)
        top = max((max(ys) for _, _, ys, _ in series if ys), default=100)
        self.plot.setYRange(-5, max(100, top) + 5, padding=0)
        xs_all = [x for _, xs, _, _ in series for x in xs]
        if xs_all:
            self.plot.setXRange(min(xs_all), max(xs_all), padding=0.02)
        self.redraw_axes()
