"""The Value page: cost against value per tag.

Self-contained: construct it with an `AppContext` (or a callable returning
one) and call `refresh()`. It reads only the services (`roi.roi_report`,
`forecast.alerts_report`); figures arrive as exact decimal strings and become
floats here only to be drawn.

- cards: cost (and what is untagged), value, return, AI spend against pay, the forecast;
- cost per period per tag, and value per period per tag (money, or KPI units
  when one KPI tag is picked); the period still running is drawn as such;
- the return of each tag as bars on a log scale labelled 1x, 10x, 100x;
- tags ranked by return, with the "cost grows, value does not" flag;
- a form to record a value entry, and CSV import with the rejected rows listed.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from tracker.core.money import format_usd_short, usd_to_pico
from tracker.services import forecast, roi
from tracker.services import value as value_service
from tracker.gui.charts import PeriodChart, RoiChart
from tracker.gui.components import (Card, CardRow, Columns, Page, Panel, fit_rows, label, set_role, style_table,
                                    tone_brush, wrap_column)
from tracker.gui.theme import active, colour_for
from tracker.services.context import AppContext

ALL_TAGS = "All tags"
# A tag whose cost grows while its value does not: both trends drawn in the warning colour, the value's
# saying so (no column of its own: the KPIs take that room, whole, in a 1024 px window)
FLAT_VALUE_TEXT = "flat"
FLAG_TIP = "Cost grew over the last complete periods while value did not."
TABLE_COLUMNS = ("Tag", "Kind", "Cost", "Value", "Return", "KPIs (cost per unit)", "Cost trend", "Value trend")
KPI_COLUMN = TABLE_COLUMNS.index("KPIs (cost per unit)")
COST_TREND_COLUMN, VALUE_TREND_COLUMN = TABLE_COLUMNS.index("Cost trend"), TABLE_COLUMNS.index("Value trend")
MAX_REJECTS_SHOWN = 5
TAG_KIND_LABELS = {"kpi": "KPI"}  # (else the kind capitalized: Client, Project)
NO_TAGS_TEXT = ("No tags yet: add a client, project or KPI under Tags above, then record here what it produced "
                "in a period.")
NO_VALUE_TEXT = ("No value recorded yet: record below what a tag produced in a period (money, or units of a KPI), "
                 "or import a CSV of them.")


def _usd(text: str | None) -> str:
    return format_usd_short(None if text is None else usd_to_pico(Decimal(text)))


def _f(text: str | None) -> float:
    return float(Decimal(text)) if text is not None else 0.0


def _quantity(text: str) -> str:
    """A KPI count for reading: '4,346.7' (an entry spread over periods by days is fractional), '14'."""
    value = Decimal(text)
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.1f}"


class ValueEntryForm(QWidget):
    """Record what a tag produced in a period (money or KPI units), or import a CSV of entries."""

    changed = Signal()

    def __init__(self, context: Callable[[], AppContext], parent: QWidget | None = None):
        super().__init__(parent)
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
        _form_column(self, [what, _row_stretching_first(self.note_edit, self.add_button, self.import_button)],
                     self.status)
        self.kind_box.currentIndexChanged.connect(self._on_kind_changed)
        self.add_button.clicked.connect(self.add_entry)
        self.import_button.clicked.connect(self._choose_csv)

    def set_tags(self, names: list[str]) -> None:
        current = self.tag_box.currentText()
        self.tag_box.clear()
        self.tag_box.addItems(names)
        if current in names:
            self.tag_box.setCurrentText(current)
        # (an empty list of tags and an Add that could only fail: the value is recorded for a tag)
        self.tag_box.setEnabled(bool(names))
        self.add_button.setEnabled(bool(names))
        if not names:
            self._say(NO_TAGS_TEXT)
        elif self.status.text() == NO_TAGS_TEXT:
            self._say("")

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
        set_role(self.status, "bad" if error else None)
        self.status.setText(text)


def _row_stretching_first(first: QWidget, *rest: QWidget) -> QHBoxLayout:
    """A form's row: its first field takes the room the others leave."""
    row = QHBoxLayout()
    row.addWidget(first, 1)
    for widget in rest:
        row.addWidget(widget)
    return row


def _form_column(form: QWidget, rows: list[QHBoxLayout], status: QLabel) -> None:
    """A form's rows, then the line that says what came of it, flush with the panel it sits in."""
    layout = QVBoxLayout(form)
    layout.setContentsMargins(0, 0, 0, 0)
    for row in rows:
        layout.addLayout(row)
    layout.addWidget(status)


class NewTagForm(QWidget):
    """Add a client, project or KPI tag: the value, the Usage page's hand tags and the invoices are per tag."""

    changed = Signal()

    def __init__(self, context: Callable[[], AppContext], parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.name_edit = QLineEdit(placeholderText="new tag: a client, project or KPI name")
        self.kind_box = QComboBox()
        for kind in value_service.TAG_KINDS:
            self.kind_box.addItem(TAG_KIND_LABELS.get(kind, kind.capitalize()), kind)
        self.add_button = QPushButton("Add tag")
        self.status = QLabel(wordWrap=True)
        _form_column(self, [_row_stretching_first(self.name_edit, self.kind_box, self.add_button)], self.status)
        self.status.hide()
        self.add_button.clicked.connect(self.add_tag)
        self.name_edit.returnPressed.connect(self.add_tag)

    @Slot()
    def add_tag(self) -> bool:
        name, kind = self.name_edit.text().strip(), self.kind_box.currentData()
        try:
            value_service.add_tag(self._context().store, name, kind)
        except ValueError as exc:
            self._say(f"Not added: {exc}", error=True)
            return False
        self._say(f"Added {name} ({self.kind_box.currentText().lower()}): tag its usage on the Usage page "
                  "(Tag selection…) or with rules (`tracker tags rule add`), and record what it produced below.")
        self.name_edit.clear()
        self.changed.emit()
        return True

    def _say(self, text: str, error: bool = False) -> None:
        set_role(self.status, "bad" if error else "muted")
        self.status.setText(text)
        self.status.setVisible(bool(text))


class ValuePage(Page):
    """Cost against value per tag; `refresh()` re-reads the services."""

    def __init__(self, context: AppContext | Callable[[], AppContext], parent: QWidget | None = None,
                 background: bool = False):
        super().__init__("Value", "What your AI spend returned, per client, project and KPI you tagged.", parent)
        self._context = context
        self._background = background  # read in a pool thread (the dashboard); tests read inline
        self._reader = None
        self.report: dict | None = None
        self.alerts: dict | None = None

        self.period_box = QComboBox()
        self.period_box.addItem("By month", "month")
        self.period_box.addItem("By week", "week")
        self.tag_box = QComboBox()
        self.tag_box.addItem(ALL_TAGS)
        self.header.add_action(self.period_box)
        self.header.add_action(self.tag_box)

        self.cards = {key: Card(title) for key, title in (
            ("cost", "Cost"), ("value", "Value"), ("roi", "Return"), ("leverage", "AI spend vs pay"),
            ("forecast", "Month-end forecast"))}
        self.add(CardRow(self.cards.values()))
        self.flag_notice = self.add(label("", "notice", wrap=True))
        self.flag_notice.hide()
        self.alert_notice = self.add(label("", "notice", wrap=True))
        self.alert_notice.hide()
        self.error = self.add(label("", "bad", wrap=True))
        self.error.hide()

        self.cost_chart = PeriodChart()
        self.cost_plot = self.cost_chart.plot
        self.value_chart = PeriodChart()
        self.value_plot = self.value_chart.plot
        # the tags' colours in one strip for both charts
        self.legend = self.cost_chart.legend
        self.legend_colours: dict[str, str] = {}
        self.cost_panel = Panel("Cost by tag", subtitle="A dotted end is the period still running.")
        self.cost_panel.add(self.legend)
        self.cost_empty = self.cost_panel.add(label("No usage in this range yet.", "muted", wrap=True))
        self.cost_empty.hide()
        self.value_panel = Panel("Value by tag")
        self.value_panel.add(self.value_chart.legend)  # the tags with a value: their lines, named beside them
        self.value_empty = self.value_panel.add(label(NO_VALUE_TEXT, "muted", wrap=True))
        self.value_empty.hide()
        for panel, chart in ((self.cost_panel, self.cost_chart), (self.value_panel, self.value_chart)):
            # the room a taller neighbour leaves goes above the (fixed-height) chart: the titles stay at the
            # top, the two charts' axes on one line
            panel.column.addStretch(1)
            panel.add(chart)
        self.add(Columns([self.cost_panel, self.value_panel], min_width_px=1000, same_height=True))

        self.roi_chart = RoiChart()
        self.roi_panel = Panel("Return per tag", self.roi_chart,
                               subtitle="Value divided by cost; the dashed line is break-even (1x).")
        self.add(self.roi_panel)

        self.table = QTableWidget(0, len(TABLE_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        style_table(self.table, stretch_column=KPI_COLUMN)
        wrap_column(self.table, KPI_COLUMN)  # the KPIs wrap in the room left rather than end in "…"
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        tags_panel = self.add(Panel("Tags", self.table,
                                    subtitle="Ranked by return; trends compare the last complete periods."))
        self.new_tag = tags_panel.add(NewTagForm(self.context))
        self.new_tag.changed.connect(self.refresh)

        self.entry_form = ValueEntryForm(self.context)
        self.entry_form.changed.connect(self.refresh)
        self.add(Panel("Record value", self.entry_form,
                       subtitle="What a tag produced in a period: money, or units of a KPI."))
        self.end()

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
        self.error.setText(f"Could not read the figures: {text}")
        self.error.show()

    @staticmethod
    def compute(ctx: AppContext, period: str) -> dict:
        """Everything the page shows, as plain data: safe to run in a worker with its own context."""
        zone = ctx.zone()
        return {
            "report": roi.roi_report(ctx.store, zone, period),
            "alerts": forecast.alerts_report(ctx.store, zone),
            "tags": [t["name"] for t in value_service.list_tags(ctx.store)],
        }

    def show_data(self, data: dict) -> None:
        """Draw what `compute` returned (GUI thread)."""
        self.report, self.alerts = data["report"], data["alerts"]
        self.error.hide()
        self._fill_tag_box()
        self.entry_form.set_tags(data["tags"])
        self._draw_time_charts()
        self._draw_roi()
        self._fill_table()
        self._fill_summary()

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
        complete = [all(r["complete"] for r in self.report["rows"] if r["period"] == p) for p in periods]
        what = "month" if self.period == "month" else "week"
        self.cost_panel.title.setText(f"Cost by tag, per {what}")
        self.cost_plot.clear()
        self.value_plot.clear()
        for chart in (self.cost_chart, self.value_chart):
            chart.set_periods(periods, complete)
        chosen = self.tag_box.currentText()
        tags = [t for t in self.report["tags"] if chosen in (ALL_TAGS, t["tag"])]
        index = {p: i for i, p in enumerate(periods)}
        kpi_unit = None
        if chosen != ALL_TAGS and tags and tags[0]["value_usd"] is None and tags[0]["kpis"]:
            kpi_unit = tags[0]["kpis"][0]["unit"]  # a KPI-only tag: chart its units instead of money
        self.value_panel.title.setText(f"{kpi_unit.capitalize()} per {what}" if kpi_unit else f"Value by tag, per {what}")
        self.value_plot.setLabel("left", kpi_unit or "")
        # a tag keeps its colour when its rank changes (a new value entry reorders the tags)
        by_name = sorted((t["tag"] for t in self.report["tags"]), key=str.casefold)
        self.legend_colours = {}
        valued: dict[str, str] = {}
        top_cost = top_value = 0.0
        for tag in tags:
            color = colour_for(by_name.index(tag["tag"]))
            rows = [r for r in self.report["rows"] if r["tag"] == tag["tag"]]
            xs = [index[r["period"]] for r in rows]
            done = [r["complete"] for r in rows]
            costs = [_f(r["cost_usd"]) for r in rows]
            self.cost_chart.add_line(xs, costs, done, color)
            top_cost = max([top_cost, *costs])
            self.legend_colours[tag["tag"]] = color
            if kpi_unit:
                ys = [_f(next((k["quantity"] for k in r["kpis"] if k["unit"] == kpi_unit), "0")) for r in rows]
            elif tag["value_usd"] is not None:
                ys = [_f(r["value_usd"]) for r in rows]
            else:
                continue
            self.value_chart.add_line(xs, ys, done, color, dashed=True)
            valued[tag["tag"]] = color
            top_value = max([top_value, *ys])
        self.cost_chart.set_legend([(name, colour, "line") for name, colour in self.legend_colours.items()])
        self.value_chart.set_legend([(name, colour, "dash") for name, colour in valued.items()])
        self.cost_chart.set_money_range(top_cost)
        self.value_chart.set_money_range(top_value)
        # (an empty chart from $0 to $1 said nothing)
        self.cost_chart.setVisible(bool(self.legend_colours))
        self.cost_empty.setVisible(not self.legend_colours)
        self.value_chart.setVisible(bool(valued))
        self.value_empty.setVisible(not valued)

    def roi_rows(self) -> list[tuple[str, float, str]]:
        """Tags with a money value and a cost: (tag, ROI multiple, colour), best first."""
        by_name = sorted((t["tag"] for t in self.report["tags"]), key=str.casefold) if self.report else []
        rows = []
        for tag in self.report["tags"] if self.report else []:
            if tag["roi"] is not None and _f(tag["cost_usd"]) > 0 and _f(tag["roi"]) > 0:
                colour = active().bad if tag["trend"]["cost_grows_value_flat"] else colour_for(by_name.index(tag["tag"]))
                rows.append((tag["tag"], _f(tag["roi"]), colour))
        return sorted(rows, key=lambda r: -r[1])

    def _draw_roi(self) -> None:
        rows = self.roi_rows()
        self.roi_chart.set_data(rows)
        self.roi_panel.setVisible(bool(rows))

    # -- table and summary ---------------------------------------------------------------
    def _fill_table(self) -> None:
        tags = self.report["tags"]
        self.table.setRowCount(len(tags))
        for row, tag in enumerate(tags):
            trend = tag["trend"]
            flagged = trend["cost_grows_value_flat"]
            value_trend = f"{trend['value_change_pct']}%" if trend["value_change_pct"] else ""
            if flagged:
                value_trend = f"{value_trend}, {FLAT_VALUE_TEXT}" if value_trend else FLAT_VALUE_TEXT
            cells = [
                tag["tag"], tag["tag_kind"] or "", _usd(tag["cost_usd"]), roi.value_text(tag),
                f"{Decimal(tag['roi']):,.2f}x" if tag["roi"] else "",
                "; ".join(f"{_quantity(k['quantity'])} {k['unit']} @ {_usd(k['cost_per_unit_usd'])}"
                          for k in tag["kpis"]),
                f"{trend['cost_change_pct']}%" if trend["cost_change_pct"] else "",
                value_trend,
            ]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col in (2, 3, 4, COST_TREND_COLUMN, VALUE_TREND_COLUMN):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if flagged and col in (COST_TREND_COLUMN, VALUE_TREND_COLUMN):
                    item.setForeground(tone_brush("bad"))
                    item.setToolTip(FLAG_TIP)
                elif col == KPI_COLUMN and text:  # wrapped in the room left; cut short only in a very narrow one
                    item.setToolTip(text.replace("; ", "\n"))
                self.table.setItem(row, col, item)
        fit_rows(self.table)
        self.table.setVisible(bool(tags))  # (no usage and no tag yet: the form under it says what to do)

    def leverage_percent(self) -> float | None:
        lev = self.report["leverage"] if self.report else None
        return None if not lev or lev["share"] is None else float(Decimal(lev["share"]) * 100)

    def _fill_summary(self) -> None:
        doc, alerts = self.report, self.alerts
        totals = doc["totals"]
        self.header.set_subtitle(f"What your AI spend returned, per tag, {doc['since']} to {doc['until']}.")
        self.cards["cost"].set(_usd(totals["cost_usd"]), f"untagged {_usd(totals['untagged_cost_usd'])}")
        unconverted = totals.get("unconverted_value") or {}
        if totals["value_usd"]:
            note = "money value recorded"
            if unconverted:  # value in a currency with no rate: said, never silently left out
                note += "; " + roi.value_text({"unconverted_value": unconverted})
            self.cards["value"].set(f"${Decimal(totals['value_usd']):,.0f}", note)
        elif unconverted:
            self.cards["value"].set("—", roi.value_text(totals))
        else:
            self.cards["value"].set("—", "no money value recorded yet")
        if totals["roi"]:
            roi_value = Decimal(totals["roi"])
            self.cards["roi"].set(f"{roi_value:,.1f}x", "value for each dollar spent", "good" if roi_value >= 1 else "bad")
        else:
            self.cards["roi"].set("—", "needs a money value")
        lev = doc["leverage"]
        if lev and lev["share"] is not None:
            self.cards["leverage"].set(f"{Decimal(lev['share']) * 100:.1f}%",
                                       f"{_usd(lev['annualised_spend_usd'])} a year; informative, not a quota")
        else:
            self.cards["leverage"].set("—", "set your pay: tracker value compensation")
        f = alerts["forecast"]
        note = f"likely {_usd(f['low_usd'])} – {_usd(f['high_usd'])}"
        if f["budget_usd"]:
            note += f"; budget {_usd(f['budget_usd'])}"
        self.cards["forecast"].set(_usd(f["forecast_usd"]), note)
        if doc["flagged"]:
            self.flag_notice.setText(f"Cost grows while value does not: {', '.join(doc['flagged'])}.")
        self.flag_notice.setVisible(bool(doc["flagged"]))
        lines = [alert["message"] for alert in alerts["alerts"]]
        self.alert_notice.setText("\n".join(lines))
        self.alert_notice.setVisible(bool(lines))

    def summary_text(self) -> str:
        """The page's figures as text: the cards, the flags and the alerts."""
        parts = [f"{c.title.text()}: {c.value.text()} ({c.note.text()})" for c in self.cards.values()]
        parts += [w.text() for w in (self.flag_notice, self.alert_notice) if not w.isHidden()]
        base = self.alerts["baseline"] if self.alerts else None
        if base and base["median_daily_usd"]:
            # the alerts' fixed reference, not the Overview's "usual day" (the last 28 days' median)
            parts.append(f"Baseline day {_usd(base['median_daily_usd'])} (median of {base['since']} to {base['until']})")
        if self.alerts and not self.alerts["alerts"]:
            parts.append("No spend alerts.")
        return "\n".join(parts)
