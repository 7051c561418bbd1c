"""Nudges page: cheaper models for simple work, each with its evidence and actions.

Self-contained: built from an `AppContext` (or a callable returning one, so the
dashboard can hand over the context it owns) and refreshed with `refresh()`.
Every figure comes from services.nudges; this widget only lays it out and
forwards the user's Dismiss / Snooze 7 days / I switched to the service.
Laid out with the dashboard's design system (tracker.gui.components).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QFrame, QHBoxLayout, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout,
)

from tracker.core.money import format_usd_short
from tracker.core.timeutil import from_ms
from tracker.core.wording import counted
from tracker.gui.background import PageReads
from tracker.gui.components import EmptyState, Page, fit_table_height, label, primary_button, style_table
from tracker.gui.menu_model import source_label
from tracker.gui.theme import SPACE_L, SPACE_M, SPACE_S
from tracker.services import nudges as service
from tracker.services.context import AppContext
from tracker.services.ladders import load_ladders

SNOOZE_DAYS = 7
EXAMPLE_COLUMNS = [
    ("time", "When"), ("project", "Project"), ("requests", "Requests"), ("input_tokens", "Fresh input"),
    ("cache_write_tokens", "Cache write"), ("cache_read_tokens", "Cache read"), ("output_tokens", "Output"),
]
STATUS_TEXT = {"open": "", "snoozed": "snoozed", "switched": "switched", "dismissed": "dismissed"}


EXAMPLES_SHOWN = 3  # the most recent days as evidence; the CLI lists them all (`tracker nudges --json`)
CODE = re.compile(r"`([^`]+)`")


def _usd(pico: int | None) -> str:
    return format_usd_short(pico)


def examples_title(shown: int, examples: int) -> str:
    """Over the examples' table: how many of them it shows ("The latest 3 of 5 examples"; it said "The latest
    of 5 examples" over three rows)."""
    if shown < examples:
        return f"The latest {shown} of {counted(examples, 'example')} (tokens per request):"
    return f"{'The example' if examples == 1 else f'The {examples} examples'} (tokens per request):"


def _rich(text: str) -> str:
    """Plain text with `code` spans (the service writes them as in a terminal) as rich text."""
    return CODE.sub(r"<code>\1</code>", html.escape(text, quote=False))


class NudgeCard(QFrame):
    """One nudge: what, the evidence, the estimate, how to switch, and the actions."""

    action = Signal(str, str)  # (nudge id, "dismiss" | "snooze" | "switched" | "reopen")

    def __init__(self, nudge: service.Nudge, zone, parent=None):
        super().__init__(parent)
        self.nudge = nudge
        self.setObjectName("panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_L)
        layout.setSpacing(SPACE_S)
        doc = nudge.as_dict(zone)
        where = source_label(nudge.source)
        status = STATUS_TEXT.get(nudge.status, nudge.status)
        if nudge.status == "snoozed" and nudge.snoozed_until_ms:
            status += f" until {from_ms(nudge.snoozed_until_ms).astimezone(zone):%Y-%m-%d}"
        title = f"{nudge.model} → {nudge.suggested_model}  ·  {where}" + (f"  ·  {status}" if status else "")
        self.title = label(title, "cardTitle")
        layout.addWidget(self.title)

        self.savings = label(f"About {_usd(nudge.weekly_savings_pico)} a week", "cardValue")
        layout.addWidget(self.savings)

        evidence = doc["evidence"]
        if nudge.requests:
            share = f"{float(nudge.share) * 100:.0f}%"
            if nudge.sessions:
                counted_text = (f"{nudge.simple_sessions:,} of {counted(nudge.sessions, 'session')} ({share}, "
                                f"{nudge.simple_requests:,} of {counted(nudge.requests, 'request')})")
                rule = "every request short, small fresh input, little reasoning, no tools"
            else:
                counted_text = f"{nudge.simple_requests:,} of {counted(nudge.requests, 'request')} ({share})"
                rule = f"{nudge.basis}: short answer, small fresh input, little reasoning"
            text = (
                f"{counted_text} from {evidence['since']} to {evidence['until']} were simple ({rule}). They cost "
                f"{_usd(nudge.simple_cost_pico)} on {nudge.model}; the same tokens on {nudge.suggested_model} "
                f"would have cost {_usd(nudge.counterfactual_cost_pico)}."
            )
            if nudge.unpriced_simple_requests:
                text += f" {nudge.unpriced_simple_requests} simple request(s) had no known price and are left out."
            if nudge.alternatives:
                text += " Also possible: " + ", ".join(
                    f"{model} (about {_usd(weekly)} a week)" for model, weekly in nudge.alternatives
                ) + "."
            self.evidence = label(text, wrap=True)
            layout.addWidget(self.evidence)
        else:
            self.evidence = None

        self.examples = None
        if nudge.examples:
            shown = nudge.examples[:EXAMPLES_SHOWN]
            self.examples_title = label(examples_title(len(shown), len(nudge.examples)), "muted")
            layout.addWidget(self.examples_title)
            self.examples = QTableWidget(len(shown), len(EXAMPLE_COLUMNS))
            self.examples.setHorizontalHeaderLabels([h for _, h in EXAMPLE_COLUMNS])
            style_table(self.examples, stretch_column=1)
            self.examples.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.examples.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
            self.examples.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            for row, example in enumerate(shown):
                for col, (key, _) in enumerate(EXAMPLE_COLUMNS):
                    value = example.get(key)
                    if key == "time" and isinstance(value, str):
                        # a provider bucket is a whole day: show the day, not a midnight time
                        value = value[:10] if example.get("per_request_average") else value.replace("T", " ")[:16]
                    text = "" if value is None else (f"{value:,}" if isinstance(value, int) else str(value))
                    item = QTableWidgetItem(text)
                    if isinstance(value, int):
                        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.examples.setItem(row, col, item)
            if any(e.get("per_request_average") for e in nudge.examples):
                self.examples.setToolTip("Provider reports give daily totals: tokens are averages per request.")
            fit_table_height(self.examples, len(shown))
            layout.addWidget(self.examples)

        self.follow = None
        if nudge.follow_through is not None:
            f = nudge.follow_through
            by = "you" if f.switched_by == "user" else "detected from your usage"
            when = from_ms(f.switched_at_ms).astimezone(zone)
            if f.realised_weekly_pico is None:
                realised = "Realised savings are measured after a day of usage."
            else:
                realised = (f"Realised about {_usd(f.realised_weekly_pico)} a week (an estimate) against an "
                            f"estimate of {_usd(f.estimated_weekly_pico)}: {f.basis}. Simple work on {nudge.model} "
                            f"went from {_usd(f.before_weekly_pico)} to {_usd(f.after_weekly_pico)} a week, while "
                            f"{nudge.suggested_model} went from {_usd(f.cheaper_before_weekly_pico)} to "
                            f"{_usd(f.cheaper_after_weekly_pico)}.")
            self.follow = label(f"Switched {when:%Y-%m-%d} ({by}). {realised}", "notice", wrap=True)
            layout.addWidget(self.follow)

        self.how = label(_rich(nudge.how_to_switch), "notice", wrap=True)
        self.how.setTextFormat(Qt.TextFormat.RichText)
        self.how.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.how)

        buttons = QHBoxLayout()
        buttons.addWidget(label(service.DISCLAIMER, "muted", wrap=True), stretch=1)
        self.buttons: dict[str, QPushButton] = {}
        if nudge.status in ("open", "snoozed"):
            actions = [("dismiss", "Dismiss"), ("snooze", f"Snooze {SNOOZE_DAYS} days"), ("switched", "I switched")]
        else:
            actions = [("reopen", "Show again" if nudge.status == "dismissed" else "Undo switch")]
        for name, text in actions:
            button = primary_button(text) if name == "switched" else QPushButton(text)
            button.clicked.connect(lambda _checked=False, n=name: self.action.emit(self.nudge.id, n))
            buttons.addWidget(button)
            self.buttons[name] = button
        layout.addLayout(buttons)


class NudgesPage(Page):
    """The Nudges page; `changed` fires after an action (the tray's open count may differ)."""

    changed = Signal()

    def __init__(self, context: AppContext | Callable[[], AppContext], parent=None,
                 now_ms: Callable[[], int] | None = None, background: bool = False):
        super().__init__("Nudges", "Where a cheaper model of the same family would very likely have done, judged "
                                   "from token counts and tool use only (never your prompts), and what it would have "
                                   "saved at the prices in force.", parent)
        self._context = context
        self._now_ms = now_ms
        # in the dashboard the analysis runs in a pool thread; tests read inline
        self._reads = PageReads(self.context, background, self._show_analysis, self._show_error, self)
        self.nudges: list[service.Nudge] = []
        self.cards: list[NudgeCard] = []
        self.intro = self.header.subtitle
        self.show_dismissed = self.header.add_action(QCheckBox("Show dismissed"))
        self.show_dismissed.toggled.connect(self.refresh)
        self.notice = self.add(label("", "notice", wrap=True))
        self.notice.hide()
        self.empty_state = self.add(EmptyState("No nudges right now", ""))
        self.empty_state.hide()
        self.empty = self.empty_state.text
        self.cards_layout = QVBoxLayout()
        self.cards_layout.setSpacing(SPACE_L)
        self.add(self.cards_layout)
        self.end()

    def context(self) -> AppContext:
        return self._context() if callable(self._context) else self._context

    def _now(self) -> int | None:
        return self._now_ms() if self._now_ms else None

    @property
    def open_count(self) -> int:
        return sum(1 for n in self.nudges if n.status == "open")

    @Slot()
    def refresh(self) -> None:
        now = self._now()
        self._reads.read(lambda ctx: NudgesPage.compute(ctx, now))

    @staticmethod
    def compute(ctx: AppContext, now: int | None) -> tuple:
        """The analysis and the zone it is shown in: safe to run in a worker with its own context."""
        zone = ctx.zone()
        return service.analyse(ctx.store, ctx.pricer, zone, now=now, ladders=load_ladders(ctx.paths.config_dir)), zone

    def _show_error(self, text: str) -> None:  # a page must never take the dashboard down
        self._show_notice([f"Nudges could not be computed: {text}"])

    def _show_analysis(self, result: tuple) -> None:
        """Draw what `compute` returned (GUI thread)."""
        analysis, zone = result
        self.nudges = analysis.nudges
        self._show_notice(analysis.warnings)
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.hide()  # deleteLater waits for the event loop; hide it now
            card.setParent(None)
            card.deleteLater()
        self.cards = []
        shown = [n for n in self.nudges if n.status != "dismissed" or self.show_dismissed.isChecked()]
        for index, nudge in enumerate(shown):
            card = NudgeCard(nudge, zone)
            card.action.connect(self._on_action)
            self.cards_layout.insertWidget(index, card)
            self.cards.append(card)
        s = analysis.settings
        dismissed = [] if self.show_dismissed.isChecked() else analysis.hidden()["dismissed"]
        lines = []
        if not shown and not dismissed:
            lines.append(f"No model's simple sessions would save at least "  # (under the title "No nudges right now")
                         f"${s.min_weekly_savings_usd} a week on a cheaper model while making up at least "
                         f"{s.min_simple_share_percent}% of its sessions (last {s.lookback_days} days).")
        elif dismissed:
            lines.append(f"{'No open nudges: ' if not shown else ''}{counted(len(dismissed), 'dismissed nudge')} "
                         f"not shown; tick Show dismissed to see {'it' if len(dismissed) == 1 else 'them'}.")
        lines += [f"{model} was just switched to: no new nudge on it before "
                  f"{from_ms(until).astimezone(zone):%Y-%m-%d}." for _source, model, until in analysis.settling]
        self.empty.setText("\n".join(lines))
        self.empty_state.title.setText("No nudges right now" if not shown else "")
        self.empty_state.title.setVisible(not shown)
        self.empty_state.setVisible(bool(lines))

    def _show_notice(self, lines: list[str]) -> None:
        self.notice.setText("\n".join(lines))
        self.notice.setVisible(bool(lines))

    @Slot(str, str)
    def _on_action(self, nudge_id: str, name: str) -> None:
        ctx = self.context()
        try:
            if name == "dismiss":
                service.dismiss(ctx.store, nudge_id)
            elif name == "snooze":
                service.snooze(ctx.store, nudge_id, SNOOZE_DAYS, now=self._now())
            elif name == "switched":
                nudge = next((n for n in self.nudges if n.id == nudge_id), None)
                service.mark_switched(ctx.store, nudge_id, nudge.weekly_savings_pico if nudge else None,
                                      now=self._now())
            elif name == "reopen":
                service.reopen(ctx.store, nudge_id)
        except ValueError as exc:
            self._show_notice([str(exc)])
            return
        self.refresh()
        self.changed.emit()
