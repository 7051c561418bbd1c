"""The Value page: cost against value per tag.

Self-contained: construct it with an `AppContext` (or a callable returning
one) and call `refresh()`. It reads only the services (`roi.roi_report`,
`forecast.alerts_report`); figures arrive as exact decimal strings and become
floats here only to be drawn.

- cost over time per tag, and value over time per tag (money, or KPI units
  when one KPI tag is picked), on two plots sharing the time axis;
- a scatter of tags, cost against value, on log axes with lines of equal ROI
  (1x, 2x, 5x: a point above a line returns more than that multiple);
- tags ranked by ROI, with the "cost grows, value does not" flag;
- a summary: totals, untagged cost, leverage (if set), forecast and alerts;
- a form to record a value entry, and CSV import with the rejected rows listed.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracker.core.money import format_usd_short, usd_to_pico
from tracker.services import forecast, roi
from tracker.services import value as value_service
from tracker.services.context import AppContext

ROI_LINES = (1, 2, 5)
ALL_TAGS = "All tags"
FLAG_TEXT = "cost up, value flat"
FLAG_COLOR = QColor(200, 60, 40)
TABLE_COLUMNS = (
    "#", "Tag", "Kind", "Cost", "Value", "ROI", "KPIs (cost per unit)", "Cost trend", "Value trend", "Flag",
)
MAX_REJECTS_SHOWN = 5
LEVERAGE_HEIGHT_PX = 130
TABLE_MIN_HEIGHT_PX = 160
CONTENT_MIN_HEIGHT_PX = 820  # below this the page scrolls
RETIRE_AFTER_MS = 2000
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def _usd(text: str | None) -> str:
    return format_usd_short(None if text is None else usd_to_pico(Decimal(text)))


def _f(text: str | None) -> float:
    return float(Decimal(text)) if text is not None else 0.0


class PeriodAxis(pg.AxisItem):
    """A bottom axis that labels integer positions with period names (2026-11, 2026-W47)."""

    def __init__(self):
        super().__init__(orientation="bottom")
        self.labels: list[str] = []

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph's name)
        out = []
        for v in values:
            i = int(round(v))
            out.append(self.labels[i] if 0 <= i < len(self.labels) and abs(v - i) < 1e-6 else "")
        return out


def _quantity(text: str) -> str:
    """A KPI count for reading: '4,346.7' (an entry spread over periods by days is fractional), '14'."""
    value = Decimal(text)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"


class ValueEntryForm(QGroupBox):
    """Record what a tag produced in a period (money or KPI units), or import a CSV of entries."""

    changed = Signal()

    def __init__(self, context: Callable[[], AppContext], parent: QWidget | None = None):
        super().__init__("Record value", parent)
        self._context = context
        self.tag_box = QComboBox()
        self.kind_box = QComboBox()
        self.kind_box.addItem("Money", "money")
        self.kind_box.addItem("KPI units", "kpi")
        self.period_edit = QLineEdit()
        self.period_edit.setPlaceholderText("2026-11, 2026-W47 or 2026-11-05")
        self.amount_edit = QLineEdit()
        self.amount_edit.setPlaceholderText("amount / quantity")
        self.unit_edit = QLineEdit()
        self.unit_edit.setPlaceholderText("USD")
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("note (optional)")
        self.add_button = QPushButton("Add")
        self.import_button = QPushButton("Import CSV...")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # two rows, so that the form fits a small laptop's window beside the navigation
        what = QHBoxLayout()
        for widget in (self.tag_box, self.kind_box, self.period_edit, self.amount_edit, self.unit_edit):
            what.addWidget(widget)
        actions = QHBoxLayout()
        actions.addWidget(self.note_edit, 1)
        actions.addWidget(self.add_button)
        actions.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        layout.addLayout(what)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        self.kind_box.currentIndexChanged.connect(self._on_kind_changed)
        self.add_button.clicked.connect(self.add_entry)
        self.import_button.clicked.connect(self._choose_csv)

    def set_tags(self, names: list[str]) -> None:
        current = self.tag_box.currentText()
        self.tag_box.clear()
        self.tag_box.addItems(names)
        if current in names:
            self.tag_box.setCurrentText(current)

    @Slot(int)
    def _on_kind_changed(self, _index: int) -> None:
        self.unit_edit.clear()
        money = self.kind_box.currentData() == "money"
        self.unit_edit.setPlaceholderText("USD" if money else "unit, e.g. pull requests merged")

    @Slot()
    def add_entry(self) -> bool:
        kind = self.kind_box.currentData()
        other = self.unit_edit.text().strip()
        fields = dict(tag=self.tag_box.currentText(), kind=kind, amount=self.amount_edit.text(),
                      currency=other if kind == "money" else None, unit=other if kind == "kpi" else None,
                      note=self.note_edit.text(), period=self.period_edit.text())
        store = self._context().store
        try:
            # one entry per tag, period and unit: a second one replaces the first, so ask before
            old = value_service.entry_to_replace(store, **fields)
            if old is not None and not self._ask(self._replace_question(fields, old)):
                self._say("Not recorded: the earlier entry is kept.")
                return False
            entry = value_service.add_value(store, **fields)
        except ValueError as exc:
            self._say(f"Not recorded: {exc}", error=True)
            return False
        what = entry["currency"] if kind == "money" else entry["unit"]
        self._say(f"Recorded {entry['amount']} {what} for {entry['tag']}, "
                  f"{entry['period_start']} to {entry['period_end']}{value_service.replaced_text(entry)}.")
        self.amount_edit.clear()
        self.note_edit.clear()
        self.changed.emit()
        return True

    @staticmethod
    def _replace_question(fields: dict, old: dict) -> str:
        note = f" ({old['note']})" if old.get("note") else ""
        return (f"{fields['tag']} already has {old['amount']}{note} recorded for {fields['period']}. "
                f"Replace it with {fields['amount'].strip()}?\n\nTo add to it, enter the new total.")

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Record value", text)
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import value entries", "", "CSV files (*.csv);;All files (*)")
        if path:
            self.import_csv_file(Path(path))

    def import_csv_file(self, path: Path) -> value_service.ImportReport:
        """All rows or none; the rejected rows are listed with their line numbers."""
        report = value_service.import_csv(self._context().store, path)
        if report.ok:
            self._say(f"Imported {report.written} value entries from {path.name}.")
            self.changed.emit()
        else:
            lines = "; ".join(f"line {line}: {reason}" for line, reason in report.rejected[:MAX_REJECTS_SHOWN])
            more = len(report.rejected) - MAX_REJECTS_SHOWN
            self._say(f"Nothing imported from {path.name}: {len(report.rejected)} row(s) rejected: {lines}"
                      + (f"; and {more} more (see `tracker value import`)" if more > 0 else ""), error=True)
        return report

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet(f"color: {FLAG_COLOR.name()}" if error else "")
        self.status.setText(text)


class ValuePage(QWidget):
    """Cost against value per tag; `refresh()` re-reads the services."""

    def __init__(self, context: AppContext | Callable[[], AppContext], parent: QWidget | None = None,
                 background: bool = False):
        super().__init__(parent)
        self._context = context
        self._background = background  # read in a pool thread (the dashboard); tests read inline
        self._reader = None
        self.report: dict | None = None
        self.alerts: dict | None = None
        self.setObjectName("ValuePage")

        self.period_box = QComboBox()
        self.period_box.addItem("By month", "month")
        self.period_box.addItem("By week", "week")
        self.tag_box = QComboBox()
        self.tag_box.addItem(ALL_TAGS)
        self.refresh_button = QPushButton("Refresh")
        header = QHBoxLayout()
        title = QLabel("Cost against value", objectName="pageTitle")
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.period_box)
        header.addWidget(self.tag_box)
        header.addWidget(self.refresh_button)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setObjectName("valueSummary")
        self.entry_form = ValueEntryForm(self.context)
        self.entry_form.changed.connect(self.refresh)

        self.time_charts = pg.GraphicsLayoutWidget()
        self.period_axis = PeriodAxis()
        self.value_axis = PeriodAxis()
        self.cost_plot = self.time_charts.addPlot(row=0, col=0, axisItems={"bottom": self.period_axis})
        self.cost_plot.setLabel("left", "Cost", units="USD")
        self.cost_plot.showGrid(y=True, alpha=0.2)
        self.value_plot = self.time_charts.addPlot(row=1, col=0, axisItems={"bottom": self.value_axis})
        self.value_plot.setLabel("left", "Value", units="USD")
        self.value_plot.setXLink(self.cost_plot)
        self.value_plot.showGrid(y=True, alpha=0.2)
        # the tags' colours in a strip under both charts (inside a chart the legend covered the lines);
        # a plain label: a pyqtgraph legend placed in the charts' layout crashed a repaint now and then
        self.legend = QLabel(objectName="valueLegend", wordWrap=True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend_colours: dict[str, str] = {}

        self.scatter_widget = pg.PlotWidget()
        self.scatter_plot = self.scatter_widget.getPlotItem()
        # Log axes done by hand: every item (points, ROI lines, labels) is placed
        # at log10 coordinates and the axes label them as 10^x.
        for side in ("bottom", "left"):
            self.scatter_plot.getAxis(side).setLogMode(True)
        self.scatter_plot.setLabel("bottom", "Cost (USD)")
        self.scatter_plot.setLabel("left", "Value (USD)")
        self.scatter_plot.setTitle("Value against cost per tag")  # dotted: equal ROI, labelled 1x 2x 5x
        self.scatter = pg.ScatterPlotItem(size=11, pen=pg.mkPen("k"), brush=pg.mkBrush(PALETTE[0]))
        self.scatter_plot.addItem(self.scatter)
        self.roi_lines: dict[int, pg.PlotDataItem] = {}
        self._scatter_labels: list[pg.TextItem] = []
        self._retired: list = []  # see _retire

        charts = QSplitter(Qt.Orientation.Horizontal)
        time_column = QWidget()
        column = QVBoxLayout(time_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.time_charts, 1)
        column.addWidget(self.legend)
        charts.addWidget(time_column)
        self.leverage_widget = pg.PlotWidget()
        self.leverage_widget.setMaximumHeight(LEVERAGE_HEIGHT_PX)
        self.leverage_plot = self.leverage_widget.getPlotItem()
        self.leverage_plot.setTitle("AI spend a year, % of pay")
        self.leverage_plot.hideAxis("left")
        self.leverage_plot.setMouseEnabled(x=False, y=False)
        self.leverage_bar: pg.BarGraphItem | None = None
        self.leverage_reference = pg.InfiniteLine(
            pos=50, angle=90, pen=pg.mkPen((200, 200, 200), style=Qt.PenStyle.DashLine),
            label="50% reference", labelOpts={"position": 0.8, "color": (200, 200, 200)})
        self.leverage_plot.addItem(self.leverage_reference)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.scatter_widget)
        right.addWidget(self.leverage_widget)
        charts.addWidget(right)
        charts.setStretchFactor(0, 3)
        charts.setStretchFactor(1, 2)

        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(TABLE_MIN_HEIGHT_PX)

        # In a small window the page scrolls rather than squeezing the charts and the table to nothing.
        content = QWidget()
        content.setMinimumHeight(CONTENT_MIN_HEIGHT_PX)
        layout = QVBoxLayout(content)
        layout.addLayout(header)
        layout.addWidget(self.summary)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(charts)
        splitter.addWidget(self.table)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.entry_form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.refresh_button.clicked.connect(self.refresh)
        self.period_box.currentIndexChanged.connect(self._on_period_changed)
        self.tag_box.currentIndexChanged.connect(self._on_tag_changed)

    # -- data ------------------------------------------------------------------------
    def context(self) -> AppContext:
        return self._context() if callable(self._context) else self._context

    @property
    def period(self) -> str:
        return self.period_box.currentData() or "month"

    @Slot()
    def refresh(self) -> None:
        """Re-read the services and redraw; in the dashboard the reading runs off the GUI thread."""
        if not self._background:
            self.show_data(self.compute(self.context(), self.period))
            return
        if self._reader is None:
            from tracker.gui.background import BackgroundReader

            ctx = self.context()
            self._reader = BackgroundReader(ctx.paths, ctx.demo, self.show_data, self._show_error, self)
        period = self.period
        self._reader.request(lambda ctx: ValuePage.compute(ctx, period))

    def _show_error(self, text: str) -> None:
        self.summary.setText(f"Could not read the figures: {text}")

    @staticmethod
    def compute(ctx: AppContext, period: str) -> dict:
        """Everything the page shows, as plain data: safe to run in a worker with its own context."""
        zone = ctx.zone()
        return {
            "report": roi.roi_report(ctx.store, zone, period),
            "alerts": forecast.alerts_report(ctx.store, zone),
            "tags": [t["name"] for t in value_service.list_tags(ctx.store)],
        }

    def _retire(self, items) -> None:
        """Keep chart items just taken off their plots alive until the next redraw.

        Dropping the last reference deletes the C++ item at once, while the scene may still hold
        it for a paint already scheduled: the page crashed in GraphicsView.paintEvent now and then
        when redrawn while shown (seen in the test suite).
        """
        self._retired.extend(items)

    def show_data(self, data: dict) -> None:
        """Draw what `compute` returned (GUI thread)."""
        # the last redraw's items go a while later, when the paints that still knew them are done
        retired, self._retired = self._retired, []
        if retired:
            QTimer.singleShot(RETIRE_AFTER_MS, retired.clear)
        self.report, self.alerts = data["report"], data["alerts"]
        self._fill_tag_box()
        self.entry_form.set_tags(data["tags"])
        self._draw_time_charts()
        self._draw_scatter()
        self._fill_table()
        self._fill_summary()
        self._draw_leverage()

    @Slot(int)
    def _on_period_changed(self, _index: int) -> None:
        self.refresh()

    @Slot(int)
    def _on_tag_changed(self, _index: int) -> None:
        if self.report is not None:
            self._draw_time_charts()

    def _fill_tag_box(self) -> None:
        current = self.tag_box.currentText()
        names = [t["tag"] for t in self.report["tags"]]
        self.tag_box.blockSignals(True)
        self.tag_box.clear()
        self.tag_box.addItem(ALL_TAGS)
        self.tag_box.addItems(names)
        index = self.tag_box.findText(current)
        self.tag_box.setCurrentIndex(max(index, 0))
        self.tag_box.blockSignals(False)

    # -- charts ---------------------------------------------------------------------------
    def _periods(self) -> list[str]:
        seen: list[str] = []
        for row in self.report["rows"]:
            if row["period"] not in seen:
                seen.append(row["period"])
        return seen

    def _draw_time_charts(self) -> None:
        periods = self._periods()
        self.period_axis.labels = periods
        self.value_axis.labels = periods
        self._retire(self.cost_plot.listDataItems() + self.value_plot.listDataItems())
        self.cost_plot.clear()
        self.value_plot.clear()
        chosen = self.tag_box.currentText()
        tags = [t for t in self.report["tags"] if chosen in (ALL_TAGS, t["tag"])]
        index = {p: i for i, p in enumerate(periods)}
        kpi_unit = None
        if chosen != ALL_TAGS and tags and tags[0]["value_usd"] is None and tags[0]["kpis"]:
            kpi_unit = tags[0]["kpis"][0]["unit"]  # a KPI-only tag: chart its units instead of money
        self.value_plot.setLabel("left", kpi_unit or "Value", units=None if kpi_unit else "USD")
        # a tag keeps its colour when its rank changes (a new value entry reorders the tags)
        by_name = sorted((t["tag"] for t in self.report["tags"]), key=str.casefold)
        self.legend_colours = {}
        for tag in tags:
            color = PALETTE[by_name.index(tag["tag"]) % len(PALETTE)]
            rows = [r for r in self.report["rows"] if r["tag"] == tag["tag"]]
            xs = [index[r["period"]] for r in rows]
            # an unfinished period (this week, this month) gets a hollow marker
            brushes = [pg.mkBrush(color) if r["complete"] else pg.mkBrush(None) for r in rows]
            self.cost_plot.plot(xs, [_f(r["cost_usd"]) for r in rows], pen=pg.mkPen(color, width=2),
                                symbol="o", symbolSize=6, symbolPen=color, symbolBrush=brushes)
            self.legend_colours[tag["tag"]] = color
            if kpi_unit:
                ys = [_f(next((k["quantity"] for k in r["kpis"] if k["unit"] == kpi_unit), "0")) for r in rows]
            elif tag["value_usd"] is not None:
                ys = [_f(r["value_usd"]) for r in rows]
            else:
                continue
            self.value_plot.plot(xs, ys, pen=pg.mkPen(color, width=2, style=Qt.PenStyle.DashLine),
                                 symbol="s", symbolSize=6, symbolPen=color, symbolBrush=brushes)
        self.legend.setText("&nbsp;&nbsp; ".join(
            f"<span style='color:{colour}'>&#9679;&#8212;</span>&nbsp;{html.escape(name)}"
            for name, colour in self.legend_colours.items()))
        if periods:
            self.cost_plot.setXRange(-0.3, len(periods) - 0.7, padding=0)

    def scatter_points(self) -> list[dict]:
        """Tags with both cost and money value: the ones the scatter can place on log axes."""
        points = []
        for tag in self.report["tags"] if self.report else []:
            cost, value = _f(tag["cost_usd"]), _f(tag["value_usd"])
            if tag["value_usd"] is not None and cost > 0 and value > 0:
                points.append({"tag": tag["tag"], "cost": cost, "value": value, "roi": tag["roi"],
                               "flag": tag["trend"]["cost_grows_value_flat"]})
        return points

    def _draw_scatter(self) -> None:
        for label in self._scatter_labels:
            self.scatter_plot.removeItem(label)
        self._retire(self._scatter_labels)
        self._scatter_labels = []
        for line in self.roi_lines.values():
            self.scatter_plot.removeItem(line)
        self._retire(self.roi_lines.values())
        self.roi_lines = {}
        points = self.scatter_points()
        spots = [{"pos": (math.log10(p["cost"]), math.log10(p["value"])), "data": p["tag"],
                  "brush": pg.mkBrush(FLAG_COLOR if p["flag"] else QColor(PALETTE[0]))} for p in points]
        self.scatter.setData(spots)
        costs = [p["cost"] for p in points] or [1.0]
        values = [p["value"] for p in points] or [1.0]
        lo = min(min(costs), min(values) / max(ROI_LINES)) / 2
        hi = max(max(costs), max(values)) * 2
        for multiple in ROI_LINES:
            line = self.scatter_plot.plot([math.log10(lo), math.log10(hi)],
                                          [math.log10(lo * multiple), math.log10(hi * multiple)],
                                          pen=pg.mkPen((120, 120, 120), width=1, style=Qt.PenStyle.DotLine))
            self.roi_lines[multiple] = line
            text = pg.TextItem(f"{multiple}x", color=(160, 160, 160), anchor=(0, 1))
            text.setPos(math.log10(lo * 1.2), math.log10(lo * 1.2 * multiple))
            self.scatter_plot.addItem(text)
            self._scatter_labels.append(text)
        # readable on the white plot (the light grey was nearly invisible); in value order the labels
        # take turns below and above their point, so two close tags print apart, not over each other
        for n, p in enumerate(sorted(points, key=lambda q: (q["value"], q["cost"]))):
            text = pg.TextItem(p["tag"], color=(60, 60, 60), anchor=(0, 0) if n % 2 == 0 else (0, 1))
            text.setPos(math.log10(p["cost"]), math.log10(p["value"]))
            self.scatter_plot.addItem(text)
            self._scatter_labels.append(text)

    # -- table and summary ---------------------------------------------------------------
    def _fill_table(self) -> None:
        tags = self.report["tags"]
        self.table.setRowCount(len(tags))
        for row, tag in enumerate(tags):
            trend = tag["trend"]
            cells = [
                str(tag["rank"] or ""), tag["tag"], tag["tag_kind"] or "", _usd(tag["cost_usd"]),
                roi.value_text(tag),
                f"{Decimal(tag['roi']):,.2f}x" if tag["roi"] else "",
                "; ".join(f"{_quantity(k['quantity'])} {k['unit']} @ {_usd(k['cost_per_unit_usd'])}"
                          for k in tag["kpis"]),
                f"{trend['cost_change_pct']}%" if trend["cost_change_pct"] else "",
                f"{trend['value_change_pct']}%" if trend["value_change_pct"] else "",
                FLAG_TEXT if trend["cost_grows_value_flat"] else "",
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (0, 3, 4, 5, 7, 8):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if col == len(cells) - 1 and text:
                    item.setForeground(QBrush(FLAG_COLOR))
                    item.setToolTip("Cost grew over the last complete periods while value did not.")
                self.table.setItem(row, col, item)

    def _draw_leverage(self) -> None:
        """One bar: the share of compensation; the 50% line is a reference, never a quota."""
        lev = self.report["leverage"]
        if self.leverage_bar is not None:
            self.leverage_plot.removeItem(self.leverage_bar)
            self._retire([self.leverage_bar])
            self.leverage_bar = None
        if not lev or lev["share"] is None:
            self.leverage_widget.hide()
            return
        pct = float(Decimal(lev["share"]) * 100)
        self.leverage_bar = pg.BarGraphItem(x0=[0], y=[0], width=[pct], height=0.6, brush=pg.mkBrush(PALETTE[0]))
        self.leverage_plot.addItem(self.leverage_bar)
        self.leverage_plot.setXRange(0, max(100.0, pct * 1.1), padding=0)
        self.leverage_plot.setYRange(-0.5, 0.5, padding=0)
        self.leverage_widget.show()

    def leverage_percent(self) -> float | None:
        lev = self.report["leverage"] if self.report else None
        return None if not lev or lev["share"] is None else float(Decimal(lev["share"]) * 100)

    def _fill_summary(self) -> None:
        doc, alerts = self.report, self.alerts
        totals = doc["totals"]
        parts = [f"{doc['since']} to {doc['until']}: cost {_usd(totals['cost_usd'])} "
                 f"(untagged {_usd(totals['untagged_cost_usd'])})"]
        if totals["value_usd"] or totals["unconverted_value"]:
            parts[-1] += f", value {roi.value_text(totals)}"
            if totals["roi"]:
                parts[-1] += f", ROI {Decimal(totals['roi']):,.2f}x"
        if doc["flagged"]:
            parts.append(f"<span style='color:{FLAG_COLOR.name()}'>Cost grows, value does not: "
                         f"{', '.join(doc['flagged'])}</span>")
        lev = doc["leverage"]
        if lev and lev["share"] is not None:
            parts.append(f"Leverage: annualised AI spend {_usd(lev['annualised_spend_usd'])} = "
                         f"{Decimal(lev['share']) * 100:.1f}% of compensation "
                         f"(reference {Decimal(lev['reference_share']) * 100:.0f}%; informative, not a quota)")
        f = alerts["forecast"]
        line = (f"Forecast {f['month']}: {_usd(f['forecast_usd'])} "
                f"({_usd(f['low_usd'])} to {_usd(f['high_usd'])}), {_usd(f['month_to_date_usd'])} so far")
        if f["budget_usd"]:
            line += f"; soft budget {_usd(f['budget_usd'])}"
        base = alerts["baseline"]
        if base["median_daily_usd"]:
            # the alerts' fixed reference, not the Overview's "usual day" (the last 28 days' median)
            line += f"; baseline day {_usd(base['median_daily_usd'])} (median of {base['since']} to {base['until']})"
        parts.append(line)
        for alert in alerts["alerts"]:
            parts.append(f"<b>Alert:</b> {alert['message']}")
        if not alerts["alerts"]:
            parts.append("No spend alerts.")
        self.summary.setText("<br>".join(parts))

    def summary_text(self) -> str:
        return self.summary.text()
