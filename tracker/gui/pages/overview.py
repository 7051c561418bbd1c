"""Overview: the cards, the stacked daily chart, the month line, billed vs estimated, unpriced usage."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QRadioButton,
    QScrollArea, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from tracker.core.money import shown_usd
from tracker.core.timeutil import local_date
from tracker.core.wording import counted
from tracker.gui.charts import DailyCostChart, MonthChart, set_axis_zone
from tracker.gui.menu_model import source_label
from tracker.gui.model import DashboardModel
from tracker.gui.theme import ERROR_COLOUR, TEXT_MUTED, WARN_COLOUR, percent, usd
from tracker.services.limits import pct_text
from tracker.services.plans import multiple

DAILY_CHART_PX = 270
MONTH_CHART_PX = 215
CHART_RANGES = [("30 days", 30), ("90 days", 90), ("1 year", 365), ("2 years", 730)]
HOVER_HINT = "Hover a bar for the day's figures; click it to open that day's rows."


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().hide()
    table.verticalHeader().setDefaultSectionSize(24)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if c:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


class Card(QFrame):
    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.setSpacing(2)
        self.title = QLabel(title, objectName="cardTitle")
        self.value = QLabel("—", objectName="cardValue")
        self.note = QLabel("", objectName="cardNote")
        self.note.setWordWrap(True)
        for w in (self.title, self.value, self.note):
            layout.addWidget(w)

    def set(self, value: str, note: str = "", colour: str | None = None) -> None:
        self.value.setText(value)
        self.value.setStyleSheet(f"color: {colour};" if colour else "")
        self.note.setText(note)


class OverviewPage(QScrollArea):
    def __init__(self, model: DashboardModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)

        title_row = QHBoxLayout()
        self.title = QLabel("Overview", objectName="pageTitle")
        self.as_of = QLabel("", styleSheet=f"color: {TEXT_MUTED};")
        title_row.addWidget(self.title)
        title_row.addStretch(1)
        title_row.addWidget(self.as_of)
        layout.addLayout(title_row)

        self.warning = QLabel("", objectName="notice")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout.addWidget(self.warning)

        cards = QGridLayout()
        cards.setSpacing(10)
        self.cards = {
            key: Card(title) for key, title in (
                ("today", "Today"), ("week", "Last 7 days"), ("month", "Month to date"),
                ("forecast", "Month-end forecast"), ("change", "Change vs last month"),
            )
        }
        for i, card in enumerate(self.cards.values()):
            cards.addWidget(card, 0, i)
        # subscription plans: the tightest limit window, and what the plans covered this month
        self.plan_cards = {"limits": Card("Plan limit (tightest)"), "plans": Card("Plans this month")}
        for i, card in enumerate(self.plan_cards.values()):
            cards.addWidget(card, 1, i)
            card.hide()
        layout.addLayout(cards)

        self.unpriced = QLabel("", objectName="notice")
        self.unpriced.setWordWrap(True)
        layout.addWidget(self.unpriced)

        # Logs imported from an older machine, or agents not used for months: zeros everywhere would
        # read as "nothing was imported".
        self.history = QLabel("", objectName="notice")
        self.history.setWordWrap(True)
        self.history.hide()
        layout.addWidget(self.history)

        controls = QHBoxLayout()
        controls.addWidget(QLabel("<b>Daily cost</b>"))
        controls.addStretch(1)
        self.by_group = QButtonGroup(self)
        for text, key in (("by source", "source"), ("by model", "model")):
            button = QRadioButton(text)
            button.setProperty("by", key)
            self.by_group.addButton(button)
            controls.addWidget(button)
            if key == "source":
                button.setChecked(True)
        self.by_group.buttonToggled.connect(self._redraw_daily)
        self.range = QComboBox()
        for text, days in CHART_RANGES:
            self.range.addItem(text, days)
        self.range.setCurrentIndex(1)
        self.range.currentIndexChanged.connect(self._range_changed)
        controls.addWidget(self.range)
        layout.addLayout(controls)

        self.daily = DailyCostChart()
        self.daily.setFixedHeight(DAILY_CHART_PX)
        self.daily.dayClicked.connect(model.dayRequested)
        layout.addWidget(self.daily)
        self.hover = QLabel(HOVER_HINT, styleSheet=f"color: {TEXT_MUTED};")
        layout.addWidget(self.hover)
        self.daily.hoverText.connect(self.hover.setText)

        bottom = QHBoxLayout()
        bottom.setSpacing(16)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>This month, cumulative</b>"))
        self.month = MonthChart()
        self.month.setFixedHeight(MONTH_CHART_PX)
        left.addWidget(self.month)
        left.addStretch(1)
        bottom.addLayout(left, stretch=3)
        right = QVBoxLayout()
        right.addWidget(QLabel("<b>By source</b>"))
        self.sources = _table(["Source", "Today", "7 days", "Month", "Unpriced"])
        right.addWidget(self.sources)
        self.billed_title = QLabel("<b>Estimated vs billed</b> (month to date, provider days in UTC)")
        right.addWidget(self.billed_title)
        self.billed = _table(["Source", "Estimated", "Billed", "Difference"])
        self.billed.setMaximumHeight(90)
        right.addWidget(self.billed)
        right.addStretch(1)
        bottom.addLayout(right, stretch=2)
        layout.addLayout(bottom)
        layout.addStretch(1)

        model.snapshotChanged.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        s = self.model.snapshot
        if s is None:
            return
        self.as_of.setText(f"times in {s.timezone}" + (" · demo data" if self.model.demo else ""))
        self.cards["today"].set(usd(s.today_pico), f"usual day {usd(s.baseline_median_pico)}",
                                "#e67700" if s.warning else None)
        self.cards["week"].set(usd(s.week_pico), f"{usd(s.week_pico // 7)} a day on average")
        plans_fee = f" · plus {usd(s.plan_fees_month_pico)} of plans" if s.plan_fees_month_pico else ""
        self.cards["month"].set(usd(s.month_pico), f"since {s.today.replace(day=1):%d %b}{plans_fee}")
        self.cards["forecast"].set(usd(s.forecast_pico),
                                   f"likely {usd(s.forecast_low_pico)} – {usd(s.forecast_high_pico)}")
        change = s.change_vs_last_month
        colour = None if change is None else ("#c62828" if change > 0 else "#2e7d32")
        self.cards["change"].set(percent(change), f"same days last month {usd(s.last_month_same_span_pico)}",
                                 colour)
        if s.warning:
            self.warning.setText(f"Spending is running high: {s.warning_reason} "
                                 f"(usual day {usd(s.baseline_median_pico)}).")
        self.warning.setVisible(s.warning)
        if s.unpriced_month:
            models = ", ".join(s.unpriced_models[:5])
            self.unpriced.setText(
                f"Unpriced usage this month: {counted(s.unpriced_month, 'request')} "
                f"with no known price ({models}). They are not counted as $0: totals above cover priced usage only.")
        else:
            self.unpriced.setText("Unpriced usage this month: none — every request has a known price.")
        zone = self.model.zone()
        self._fill_plan_cards(s, zone)
        chart_start_ms = s.daily.day_start_s[0] * 1000 if s.daily.day_start_s else s.as_of_ms
        older = s.newest_ms is not None and s.newest_ms < chart_start_ms
        if older:
            newest = local_date(s.newest_ms, zone)
            self.history.setText(f"No usage in the last {counted(len(s.daily.day_start_s), 'day')}: the newest "
                                 f"recorded request is from {newest:%d %b %Y}: pick a longer range for the chart below, "
                                 "or open the Usage page for any dates.")
        self.history.setVisible(older)
        set_axis_zone(self.daily, zone)
        set_axis_zone(self.month, zone)
        self._redraw_daily()
        self.month.set_data(s.month)
        self._fill_billed()
        self._fill_sources()

    def _fill_plan_cards(self, s, zone) -> None:
        limits = self.model.limits
        tight = limits.tightest() if limits is not None else None
        if tight is not None:
            used = tight.reading.used_pct
            colour = ERROR_COLOUR if used >= 95 else WARN_COLOUR if used >= 80 else None
            self.plan_cards["limits"].set(pct_text(used), f"{tight.label} · {tight.pace_text(zone, limits.as_of_ms)}",
                                          colour)
        self.plan_cards["limits"].setVisible(tight is not None)
        covered, fees = s.plan_covered_month_pico, s.plan_fees_month_pico
        if covered or fees:
            times = multiple(covered, fees)
            self.plan_cards["plans"].set(f"{times}x" if times is not None else usd(covered),
                                         f"{usd(covered)} of usage at API prices for {usd(fees)} of plans; "
                                         "not in the spend above")
        self.plan_cards["plans"].setVisible(bool(covered or fees))

    def _fill_billed(self) -> None:
        s = self.model.snapshot
        totals: dict[str, list[int]] = {}
        for row in s.billed:
            t = totals.setdefault(row.source, [0, 0])
            t[0] += row.estimated_pico
            t[1] += row.billed_pico
        rows = []
        for source, (est, billed) in sorted(totals.items()):
            # the difference of the figures shown beside it, so that the row adds up as read
            diff = shown_usd(billed) - shown_usd(est)
            rows.append([source_label(source), usd(est), usd(billed), f"{'+' if diff >= 0 else '−'}${abs(diff):,}"])
        _fill(self.billed, rows)
        visible = bool(rows)
        self.billed.setVisible(visible)
        self.billed_title.setVisible(visible)

    def _fill_sources(self) -> None:
        rows = [[source_label(f.source), usd(f.today_pico), usd(f.week_pico), usd(f.month_pico),
                 str(f.unpriced_requests)] for f in self.model.snapshot.sources]
        _fill(self.sources, rows)
        self.sources.setFixedHeight(28 + 24 * max(1, len(rows)))

    @Slot()
    def _redraw_daily(self, *args) -> None:
        s = self.model.snapshot
        if s is None:
            return
        button = self.by_group.checkedButton()
        self.daily.set_data(s.daily, by=button.property("by") if button else "source")
        self.hover.setText(HOVER_HINT)  # a day's figures from before the redraw may no longer be true

    @Slot(int)
    def _range_changed(self, index: int) -> None:
        self.model.set_chart_days(self.range.itemData(index))
