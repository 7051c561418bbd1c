"""Limits: each plan window (used %, reset, pace) and its history, 5-hour blocks, and what the plans are worth.

Self-contained like the other feature pages: built from an `AppContext` (or a
callable returning one) and refreshed with `refresh()`. Every figure comes from
services.limits and services.cost_basis; this widget only lays them out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from PySide6.QtCore import Slot

from tracker.core.money import usd_to_pico
from tracker.core.timeutil import local_date, now_ms
from tracker.gui.background import PageReads
from tracker.gui.charts import LimitsChart, set_axis_zone
from tracker.gui.components import Page, Panel, figure_table, fill_table, label
from tracker.gui.menu_model import source_label
from tracker.gui.theme import usd
from tracker.services import cost_basis, limits
from tracker.services.context import AppContext

CHART_PX = 260
PLAN_MONTHS = 6  # months of plan value shown


class LimitsPage(Page):
    def __init__(self, context: AppContext | Callable[[], AppContext], parent=None,
                 now: Callable[[], int] = now_ms, background: bool = False):
        super().__init__("Limits", "Your plans' limit windows: how much is used, when each resets, and where the "
                                   "current rate of use takes it.", parent)
        self._context = context
        self._now = now
        # in the dashboard the reading runs in a pool thread; tests read inline
        self._reads = PageReads(self._ctx, background, self.show_data, self._show_error, self)
        self.claude = self.add(label("", "notice", wrap=True))
        self.claude.hide()

        windows = Panel("Windows", subtitle="Codex writes its windows into its logs; Claude's are read from Claude's "
                                            "usage endpoint when you allow it (Settings, Subscription plans).")
        self.empty = windows.add(label("No plan windows yet.", "muted", wrap=True))
        self.windows = windows.add(figure_table(["Window", "Used", "Resets", "Pace", "Read"], stretch_column=3,
                                                  figures=[1]))
        self.chart_title = windows.add(label(f"The last {limits.CHART_HISTORY_DAYS} days; dotted: 80% and 95%",
                                             "muted"))
        self.chart = LimitsChart()
        self.chart.setFixedHeight(CHART_PX)
        windows.add(self.chart.legend)
        windows.add(self.chart)
        self.add(windows)

        blocks = Panel("5-hour blocks", subtitle="As the agents count them, at API prices: where no window is "
                                                 "reported, the pace of the block under way.")
        self.blocks = blocks.add(figure_table(["Agent", "Block", "Tokens", "At API prices", "Burn rate",
                                         "Where it is heading"], stretch_column=5, figures=[2, 3, 4]))
        *most, last = [source_label(kind) for kind in limits.AGENT_SOURCES]
        self.blocks_empty = blocks.add(label(
            f"No {', '.join(most)} or {last} use in the last {limits.BLOCK_HISTORY_DAYS} days (the agents whose plans "
            "count 5-hour blocks): the blocks are made from their logs as you use them.", "muted", wrap=True))
        self.blocks_empty.hide()
        self.add(blocks)

        worth = Panel("What your plans are worth", subtitle="The usage each plan covered, at API prices, against "
                                                            "what it cost.")
        self.plans_empty = worth.add(label("No plans set: every agent's usage counts as paid as it goes (API key). "
                                           "Set your plans in Settings, Subscription plans.", "muted", wrap=True))
        self.plans = worth.add(figure_table(["Month", "Plan", "Price", "Covered at API prices", "Multiple"],
                                       stretch_column=1, figures=[2, 3, 4]))
        self.add(worth)
        self.end()
        self.refresh()

    def _ctx(self) -> AppContext:
        return self._context() if callable(self._context) else self._context

    @Slot()
    def refresh(self) -> None:
        now = self._now()
        self._reads.read(lambda ctx: LimitsPage.compute(ctx, now))

    @staticmethod
    def compute(ctx: AppContext, now: int) -> dict:
        """Everything the page shows, as plain data: safe to run in a worker with its own context."""
        zone = ctx.zone()
        today = local_date(now, zone)
        first = (today.replace(day=1) - timedelta(days=31 * (PLAN_MONTHS - 1))).replace(day=1)
        return {"zone": zone, "now": now, "snap": limits.limits_snapshot(ctx.store, now),
                "series": limits.chart_series(limits.window_history(ctx.store, now)),
                "plans": cost_basis.plan_value_report(ctx.store, zone, first, today, today=today)}

    def _show_error(self, text: str) -> None:
        self.claude.setText(f"Could not read the plan windows: {text}")
        self.claude.setVisible(True)

    def show_data(self, data: dict) -> None:
        """Draw what `compute` returned (GUI thread)."""
        zone, now, snap, series = data["zone"], data["now"], data["snap"], data["series"]
        rows = [[w.label, limits.pct_text(w.reading.used_pct),
                 limits.local_time(w.reading.resets_at_ms, zone, now) if w.reading.resets_at_ms else "—",
                 w.pace_text(zone, now), limits.local_time(w.reading.observed_ms, zone, now)]
                for w in snap.windows]
        # a window whose reset has passed with no reading since: what it said then, in the muted tone (its pace
        # says so), after the current ones
        fill_table(self.windows, rows, muted_rows=[i for i, w in enumerate(snap.windows) if not w.current])
        self.windows.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        self.empty.setText("No plan windows yet: Codex writes its windows into its logs as you use it; Claude's "
                           "need your consent (Settings, Subscription plans). The blocks below stand in meanwhile.")
        set_axis_zone(self.chart, zone)
        self.chart.set_data(series)
        self.chart.setVisible(bool(series))
        self.chart_title.setVisible(bool(series))
        claude = snap.claude
        problem = claude is not None and claude.consent is True and claude.ok is False
        self.claude.setText(f"Claude windows: {claude.message}" if problem else "")
        self.claude.setVisible(problem)

        block_rows = []
        for b in snap.blocks:
            shown = b.active or b.last
            if shown is None:
                continue
            rate = shown.tokens_per_minute()
            when = (f"{limits.local_time(shown.start_ms, zone, now)}–{limits.local_time(shown.end_ms, zone, now)}"
                    + ("" if b.active else " (ended)"))
            block_rows.append([b.agent, when, f"{shown.tokens:,}", usd(shown.cost_pico),
                               f"{rate:,.0f} tokens/min" if rate else "—", b.outlook_text(zone, now)])
        fill_table(self.blocks, block_rows)
        self.blocks.setVisible(bool(block_rows))
        self.blocks_empty.setVisible(not block_rows)

        doc = data["plans"]
        plan_rows = [[m["month"] + ("" if m["complete"] else " (so far)"), m["plan"],
                      f"{m['price']} {m['currency']}", usd(usd_to_pico(Decimal(m["api_equivalent_usd"]))),
                      f"{m['multiple']}x" if m["multiple"] else "—"]
                     for m in reversed(doc["months"])]
        fill_table(self.plans, plan_rows)
        self.plans.setVisible(bool(plan_rows))
        self.plans_empty.setVisible(not plan_rows)
