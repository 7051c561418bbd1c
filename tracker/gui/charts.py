"""pyqtgraph charts: stacked daily cost bars and the cumulative month line with its forecast band."""

from __future__ import annotations

from datetime import date, datetime, tzinfo

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics

from tracker.gui.menu_model import source_label
from tracker.gui.theme import OTHER_COLOUR, TEXT_MUTED, colour_for, usd, usd_float
from tracker.services.overview import DailySeries, MonthSeries

MAX_SERIES = 7  # more groups than this are summed as "other" so the colours stay readable
LEGEND_ENTRY_EXTRA_PX = 48  # a legend entry's colour sample and spacing beside its text
LEGEND_MARGIN_PX = 90  # the value axis and the legend's offset
LEGEND_ROW_HEADROOM = 0.22  # of the tallest bar, per legend row: the rows sit above the bars
BAR_WIDTH_S = 86_400 * 0.8
HALF_DAY_S = 43_200

pg.setConfigOptions(antialias=True, background="w", foreground=TEXT_MUTED)


def _styled_plot(widget: pg.PlotWidget) -> pg.PlotItem:
    plot = widget.getPlotItem()
    plot.showGrid(x=False, y=True, alpha=0.25)
    plot.setMenuEnabled(False)
    font = QFont()
    font.setPointSize(9)
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setTickFont(font)
        axis.setTextPen(pg.mkPen(TEXT_MUTED))
        axis.setPen(pg.mkPen("#c0c4c8"))
    plot.getAxis("left").setLabel("USD")
    return plot


def set_axis_zone(widget: pg.PlotWidget, zone: tzinfo) -> None:
    """Date ticks in the configured timezone, not the machine's (DateAxisItem's offset: seconds west)."""
    offset = zone.utcoffset(datetime.now(zone))
    widget.getPlotItem().getAxis("bottom").utcOffset = -int(offset.total_seconds()) if offset is not None else None


def top_groups(groups: dict[str, list[int]], limit: int = MAX_SERIES) -> list[tuple[str, list[int]]]:
    """The `limit - 1` biggest groups by total, and the rest summed as 'other'."""
    ordered = sorted(groups.items(), key=lambda kv: -sum(kv[1]))
    if len(ordered) <= limit:
        return ordered
    keep, rest = ordered[: limit - 1], ordered[limit - 1 :]
    other = [sum(values) for values in zip(*(v for _, v in rest))]
    return [*keep, ("other", other)]


class DailyCostChart(pg.PlotWidget):
    """Stacked bars of cost per day by source or model; hover shows the day's values, click opens it."""

    dayClicked = Signal(date)
    hoverText = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent=parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot = _styled_plot(self)
        self.plot.setMouseEnabled(x=True, y=False)
        # legend entries along the top, above the bars (rows and headroom in _fit_legend)
        self.legend = self.plot.addLegend(offset=(8, 2), colCount=MAX_SERIES, horSpacing=18)
        self.series: DailySeries | None = None
        self.groups: list[tuple[str, list[int]]] = []
        # A fixed pool of bar items fed new data on refresh: no item churn per refresh
        # (cheaper, and the legend only changes when the group names do).
        self._bars: list[pg.BarGraphItem] = []
        self._legend_names: list[str] = []
        self._top = 1.0  # the tallest stacked bar, in dollars
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.setMinimumHeight(300)

    def set_data(self, series: DailySeries, by: str = "source") -> None:
        self.series = series
        if by == "source":
            groups = {source_label(k): v for k, v in series.by_source.items()}
        else:
            groups = series.by_model
        self.groups = top_groups(groups)
        while len(self._bars) < len(self.groups):
            bar = pg.BarGraphItem(x=[0], height=[0], width=BAR_WIDTH_S)
            self.plot.addItem(bar)
            self._bars.append(bar)
        xs = [s + HALF_DAY_S for s in series.day_start_s]
        bottom = [0.0] * len(xs)
        names = []
        for i, bar in enumerate(self._bars):
            if i >= len(self.groups):
                bar.setOpts(x=[], height=[], y0=[])
                bar.hide()
                continue
            name, values = self.groups[i]
            heights = [usd_float(v) for v in values]
            colour = OTHER_COLOUR if name == "other" else colour_for(i)
            bar.setOpts(x=xs, height=heights, y0=list(bottom), width=BAR_WIDTH_S, brush=pg.mkBrush(colour),
                        pen=pg.mkPen(None))
            bar.show()
            names.append(name)
            bottom = [b + h for b, h in zip(bottom, heights)]
        if names != self._legend_names:
            self.legend.clear()
            for name, bar in zip(names, self._bars):
                self.legend.addItem(bar, name)
            self._legend_names = names
        self._top = max(bottom) if bottom and max(bottom) > 0 else 1
        if xs:
            self.plot.setXRange(xs[0] - HALF_DAY_S, xs[-1] + HALF_DAY_S, padding=0.01)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """As many legend entries per row as the width holds (long model names wrap to a second row,
        instead of the last ones being cut off), and headroom above the bars for those rows."""
        names = self.__dict__.get("_legend_names")  # resizeEvent runs inside PlotWidget's own __init__
        if not names:
            return
        metrics = QFontMetrics(self.font())
        entry_px = max(metrics.horizontalAdvance(name) for name in names) + LEGEND_ENTRY_EXTRA_PX
        columns = max(1, min(len(names), int((self.width() - LEGEND_MARGIN_PX) // entry_px)))
        if columns != self.legend.columnCount:
            self.legend.setColumnCount(columns)
        rows = -(-len(names) // columns)
        self.plot.setYRange(0, self._top * (1 + LEGEND_ROW_HEADROOM * rows), padding=0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_legend()

    def day_index_at(self, scene_pos: QPointF) -> int | None:
        if self.series is None or not self.series.days:
            return None
        view = self.plot.getViewBox()
        if not view.sceneBoundingRect().contains(scene_pos):
            return None
        x = view.mapSceneToView(scene_pos).x()
        starts = self.series.day_start_s
        for i, start in enumerate(starts):
            end = starts[i + 1] if i + 1 < len(starts) else start + 86_400
            if start <= x < end:
                return i
        return None

    def describe_day(self, i: int) -> str:
        s = self.series
        parts = [f"{name} {usd(values[i])}" for name, values in self.groups if values[i]]
        text = f"{s.days[i]:%a %d %b %Y}: {usd(s.totals[i])}"
        if parts:
            text += " — " + ", ".join(parts)
        if s.unpriced_by_day[i]:
            text += f" · {s.unpriced_by_day[i]} unpriced"
        return text

    def _on_mouse_moved(self, pos: QPointF) -> None:
        i = self.day_index_at(pos)
        if i is not None:
            text = self.describe_day(i)
            self.setToolTip(text)
            self.hoverText.emit(text)

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        i = self.day_index_at(event.scenePos())
        if i is not None:
            self.dayClicked.emit(self.series.days[i])


class MonthChart(pg.PlotWidget):
    """Cumulative month-to-date cost, last month for comparison, and the forecast with its band.

    The items are made once and fed new data on refresh: re-creating a
    FillBetweenItem on every refresh crashed PySide6 6.12 at exit (a refcount
    error in bool_dealloc), and reusing items is cheaper anyway.
    """

    def __init__(self, parent=None):
        super().__init__(parent=parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot = _styled_plot(self)
        self.plot.setMouseEnabled(x=False, y=False)
        self.legend = self.plot.addLegend(offset=(8, 2), colCount=3, horSpacing=18)
        self.last = self.plot.plot([], [], pen=pg.mkPen("#9aa0a6", width=2, style=Qt.PenStyle.DotLine),
                                   name="last month")
        self.upper = pg.PlotDataItem([], [], pen=pg.mkPen(None))
        self.lower = pg.PlotDataItem([], [], pen=pg.mkPen(None))
        self.band = pg.FillBetweenItem(self.upper, self.lower, brush=pg.mkBrush(QColor(242, 142, 43, 60)))
        for item in (self.upper, self.lower, self.band):
            self.plot.addItem(item)
        self.forecast = self.plot.plot([], [], pen=pg.mkPen("#f28e2b", width=2, style=Qt.PenStyle.DashLine),
                                       name="forecast (band: likely range)")
        self.cumulative = self.plot.plot([], [], pen=pg.mkPen("#4e79a7", width=3), name="this month",
                                         symbol="o", symbolSize=4, symbolBrush="#4e79a7", symbolPen=None)
        self.setMinimumHeight(240)

    def set_data(self, month: MonthSeries) -> None:
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
            top = usd_float(max(values)) if values and max(values) > 0 else 1
            self.plot.setYRange(0, top * 1.2, padding=0)  # headroom for the legend row


class LimitsChart(pg.PlotWidget):
    """Each plan window's percent used over time (one line per window), with the 80% and 95% marks.

    Lines are made once and fed new data on refresh (see MonthChart); a window's
    line breaks where it reset, so a drop to 0 reads as the reset it is.
    """

    def __init__(self, parent=None):
        super().__init__(parent=parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot = _styled_plot(self)
        self.plot.getAxis("left").setLabel("% used")
        self.plot.setMouseEnabled(x=True, y=False)
        self.legend = self.plot.addLegend(offset=(8, 2), colCount=4, horSpacing=18)
        for level, colour in ((80, "#e67700"), (95, "#c62828")):
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
        names = []
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
            names.append(name)
        if names != self._names:
            self.legend.clear()
            for name, line in zip(names, self._lines):
                self.legend.addItem(line, name)
            self._names = names
        top = max((max(ys) for _, _, ys, _ in series if ys), default=100)
        self.plot.setYRange(0, max(100, top) * 1.15, padding=0)
        xs_all = [x for _, xs, _, _ in series for x in xs]
        if xs_all:
            self.plot.setXRange(min(xs_all), max(xs_all), padding=0.02)
