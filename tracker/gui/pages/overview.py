"""Overview: the cards, the stacked daily chart, the month line, billed vs estimated, unpriced usage."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QButtonGroup, QComboBox, QRadioButton, QVBoxLayout, QWidget

from tracker.core.money import shown_usd
from tracker.core.timeutil import local_date, zone_label
from tracker.core.wording import counted
from tracker.gui.charts import DailyCostChart, MonthChart, set_axis_zone
from tracker.gui.menu_model import source_label
from tracker.gui.components import Card, CardRow, Columns, Page, Panel, figure_table, fill_table, label
from tracker.gui.model import DashboardModel
from tracker.gui.theme import SPACE_L, paid_or_in_plan, percent, usd
from tracker.services.limits import pct_text
from tracker.services.plans import multiple

DAILY_CHART_PX = 270
MONTH_CHART_PX = 215
CHART_RANGES = [("30 days", 30), ("90 days", 90), ("1 year", 365), ("2 years", 730)]
HOVER_HINT = "Point at a day for its figures; click it to open that day's rows."


class OverviewPage(Page):
    def __init__(self, model: DashboardModel, parent=None):
        super().__init__("Overview", parent=parent)
        self.model = model

        self.cards = {
            key: Card(title) for key, title in (
                ("today", "Today"), ("week", "Last 7 days"), ("month", "Month to date"),
                ("forecast", "Month-end forecast"), ("change", "Change vs last month"),
            )
        }
        self.add(CardRow(self.cards.values()))
        # subscription plans: the tightest limit window, and what the plans covered this month
        self.plan_cards = {"limits": Card("Plan limit (tightest)"), "plans": Card("Plans this month")}
        self.plan_row = self.add(CardRow(self.plan_cards.values()))
        self.plan_row.hide()

        self.warning = self.add(label("", "notice", wrap=True))
        self.warning.hide()
        self.unpriced = self.add(label("", "notice", wrap=True))
        self.unpriced.hide()
        # Logs imported from an older machine, or agents not used for months: zeros everywhere would
        # read as "nothing was imported".
        self.history = self.add(label("", "notice", wrap=True))
        self.history.hide()

        self.daily = DailyCostChart()
        self.daily.setFixedHeight(DAILY_CHART_PX)
        self.daily.dayClicked.connect(model.dayRequested)
        daily_panel = Panel("Daily cost", subtitle=HOVER_HINT)
        self.by_group = QButtonGroup(self)
        for text, key in (("By source", "source"), ("By model", "model")):
            button = QRadioButton(text)
            button.setProperty("by", key)
            self.by_group.addButton(button)
            daily_panel.add_control(button)
            if key == "source":
                button.setChecked(True)
        self.by_group.buttonToggled.connect(self._redraw_daily)
        self.range = QComboBox()
        for text, days in CHART_RANGES:
            self.range.addItem(text, days)
        self.range.setCurrentIndex(1)
        self.range.currentIndexChanged.connect(self._range_changed)
        daily_panel.add_control(self.range)
        daily_panel.add(self.daily.legend)
        daily_panel.add(self.daily)
        self.add(daily_panel)

        self.month = MonthChart()
        self.month.setFixedHeight(MONTH_CHART_PX)
        month_panel = Panel("This month, cumulative", subtitle="Spend so far, the forecast to the month's end, "
                                                                "and last month for comparison.")
        month_panel.add(self.month.legend)
        month_panel.add(self.month)
        self.sources = figure_table(["Source", "Today", "7 days", "Month", "Unpriced"])
        sources_panel = Panel("By source", self.sources)
        # (an empty table's frame said nothing: a quiet week after a busy past, or a first day)
        self.sources_empty = sources_panel.add(label("No usage in the last 7 days or this month.", "muted", wrap=True))
        self.billed = figure_table(["Source", "Estimated", "Billed", "Difference"])
        self.billed_panel = Panel("Estimated vs billed", self.billed,
                                  subtitle="Month to date, in the provider's days (UTC).")
        side = QWidget()
        side_column = QVBoxLayout(side)
        side_column.setContentsMargins(0, 0, 0, 0)
        side_column.setSpacing(SPACE_L)
        side_column.addWidget(sources_panel)
        side_column.addWidget(self.billed_panel)
        side_column.addStretch(1)
        self.add(Columns([month_panel, side], stretches=[3, 2]))
        self.end()

        model.snapshotChanged.connect(self.refresh)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        s = self.model.snapshot
        if s is None:
            return
        self.header.set_subtitle(f"Days in {zone_label(s.timezone)}" + (" · demo data" if self.model.demo else ""))
        self.cards["today"].set(usd(s.today_pico), f"usual day {usd(s.baseline_median_pico)}",
                                "warn" if s.warning else None)
        self.cards["week"].set(usd(s.week_pico), f"{usd(s.week_pico // 7)} a day on average")
        plans_fee = f" · plus {usd(s.plan_fees_month_pico)} of plans" if s.plan_fees_month_pico else ""
        self.cards["month"].set(usd(s.month_pico), f"since {s.today.replace(day=1):%d %b}{plans_fee}")
        self.cards["forecast"].set(usd(s.forecast_pico),
                                   f"likely {usd(s.forecast_low_pico)} – {usd(s.forecast_high_pico)}")
        change = s.change_vs_last_month
        tone = None if change is None else ("bad" if change > 0 else "good")
        self.cards["change"].set(percent(change), f"same days last month {usd(s.last_month_same_span_pico)}", tone)
        if s.warning:
            self.warning.setText(f"Spending is running high: {s.warning_reason} "
                                 f"(usual day {usd(s.baseline_median_pico)}).")
        self.warning.setVisible(s.warning)
        if s.unpriced_month:
            models = ", ".join(s.unpriced_models[:5])
            self.unpriced.setText(
                f"{counted(s.unpriced_month, 'request')} this month had no known price ({models}): they are not "
                "counted as $0, so the figures above cover priced usage only.")
        self.unpriced.setVisible(bool(s.unpriced_month))
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
            tone = "bad" if used >= 95 else "warn" if used >= 80 else None
            self.plan_cards["limits"].set(pct_text(used), f"{tight.label} · {tight.pace_text(zone, limits.as_of_ms)}",
                                          tone)
        self.plan_cards["limits"].setVisible(tight is not None)
        covered, fees = s.plan_covered_month_pico, s.plan_fees_month_pico
        if covered or fees:
            times = multiple(covered, fees)
            self.plan_cards["plans"].set(f"{times}x" if times is not None else usd(covered),
                                         f"{usd(covered)} of usage at API prices for {usd(fees)} of plans; "
                                         "not in the spend above")
        self.plan_cards["plans"].setVisible(bool(covered or fees))
        self.plan_row.setVisible(tight is not None or bool(covered or fees))

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
        fill_table(self.billed, rows)
        self.billed_panel.setVisible(bool(rows))

    def _fill_sources(self) -> None:
        figures = self.model.snapshot.sources
        rows = [[source_label(f.source), paid_or_in_plan(f.today_pico, f.plan_covered_today_pico),
                 paid_or_in_plan(f.week_pico, f.plan_covered_week_pico),
                 paid_or_in_plan(f.month_pico, f.plan_covered_month_pico), f"{f.unpriced_requests:,}"]
                for f in figures]
        if len(figures) > 1:
            rows.append(["Total", usd(sum(f.today_pico for f in figures)), usd(sum(f.week_pico for f in figures)),
                         usd(sum(f.month_pico for f in figures)), f"{sum(f.unpriced_requests for f in figures):,}"])
        fill_table(self.sources, rows, bold_last=len(figures) > 1)
        self.sources.setVisible(bool(rows))
        self.sources_empty.setVisible(not rows)

    @Slot()
    def _redraw_daily(self, *args) -> None:
        s = self.model.snapshot
        if s is None:
            return
        button = self.by_group.checkedButton()
        self.daily.set_data(s.daily, by=button.property("by") if button else "source")

    @Slot(int)
    def _range_changed(self, index: int) -> None:
        self.model.set_chart_days(self.range.itemData(index))
