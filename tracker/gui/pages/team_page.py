"""The Team page: your figures (which leave only masked), the team, share settings, the team view.

Self-contained: give it an AppContext (or a callable returning one) and call
`refresh()`. It talks to services only (team, team_merge, team_render); the
preview is the same renderer as `tracker summary export --preview --html`.
Nothing is shared from here unless the user has opted in and presses Share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QFileDialog, QFormLayout, QLineEdit, QPushButton, QWidget,
)

from tracker.gui.background import PageReads
from tracker.gui.charts import Chart, MoneyAxis, NameAxis
from tracker.gui.components import Columns, DocumentView, Page, Panel, hbox, label, primary_button
from tracker.gui.theme import active, colour_for

from tracker.services import team
from tracker.services.context import AppContext
from tracker.services.team_keys import TeamKeyError
from tracker.services.team_merge import merge_folder
from tracker.services.team_render import report_blocks, to_html
from tracker.services.team_summary import (
    TeamSetupError,
    current_week,
    last_complete_week,
    week_label,
    week_start,
)

log = logging.getLogger(__name__)
PREVIEW_WEEKS_BACK = 4
MERGE_FOLDER_SETTING = team.MERGE_FOLDER_SETTING
MIX_MIN_HEIGHT_PX = 160
DIST_CHART_PX = 220
FIELD_MAX_PX = 420
MIX_ROW_PX = 20  # per model family in the model-mix chart


class TeamPage(Page):
    def __init__(self, context: AppContext | Callable[[], AppContext], parent: QWidget | None = None,
                 background: bool = False):
        super().__init__("Team", "Your team's weekly figures, summed so that nobody's own can be read: only sums of "
                                 "k or more members.", parent)
        self._context = context
        self.last_built = None
        self.last_report: dict | None = None
        # in the dashboard the reading runs in a pool thread; tests read inline
        self._settings_reads = PageReads(self.context, background, self._show_settings, self._settings_failed, self)
        self._preview_reads = PageReads(self.context, background, self._show_preview, self._preview_failed, self)
        self._merge_when_read = False  # a refresh merges the team's folder once the settings name it

        # -- the team view first: what the page is for
        view = Panel("Team view", subtitle="Merged from your team's folder; each breakdown needs k or more members.")
        self.merge_folder_edit = QLineEdit()
        self.merge_folder_edit.setPlaceholderText("your team's folder")
        merge_browse = QPushButton("Browse…")
        merge_browse.clicked.connect(self._browse_merge_folder)
        self.k_label = label("", "muted")  # k is the team's signed setting, not a choice made here
        self.merge_button = primary_button("Merge")
        self.merge_button.clicked.connect(self.merge_now)
        view.add(hbox(self.merge_folder_edit, merge_browse, self.k_label, self.merge_button))
        self.charts_hint = view.add(label("Merge your team's folder to see the cost per member and the model mix; "
                                          "nobody's own figures can be read there, only sums of k or more members.",
                                          "muted", wrap=True))
        self.dist_plot = Chart(date_axis=False)
        self.dist_plot.setFixedHeight(DIST_CHART_PX)
        self.mix_plot = Chart(date_axis=False, money_axis=False,
                              axes={"bottom": MoneyAxis(orientation="bottom"), "left": NameAxis("left")})
        self.dist_panel = Panel("Cost per member per week", self.dist_plot,
                                subtitle="The middle half of the team (a range of cost buckets) and the median.")
        self.mix_panel = Panel("Model mix", self.mix_plot, subtitle="The team's cost per model family.")
        self.charts = Columns([self.dist_panel, self.mix_panel], min_width_px=900)
        self.charts.hide()  # until a merge gives them something: empty axes explain nothing
        view.add(self.charts)
        self.report_view = DocumentView()
        view.add(self.report_view)
        self.add(view)

        # -- what would leave
        mine = Panel("Your figures", subtitle="They leave only masked: random-looking numbers that cancel out when "
                                              "the team's are summed.")
        self.week_combo = QComboBox()
        self.week_combo.currentIndexChanged.connect(self._on_week_changed)
        mine.add_control(self.week_combo)
        self.preview_view = DocumentView()
        mine.add(self.preview_view)
        self.add(mine)

        # -- share settings
        sharing = Panel("Sharing", subtitle="Off until you opt in; nothing leaves before the week is over.")
        holder = QWidget()
        form = QFormLayout(holder)
        form.setContentsMargins(0, 0, 0, 0)
        self.opt_in = QCheckBox("Share my weekly summary with my team")
        form.addRow(self.opt_in)
        self.team_key_edit = QLineEdit()
        form.addRow("Team key", self.team_key_edit)
        self.folder_edit = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_share_folder)
        form.addRow("Team folder", hbox(self.folder_edit, browse))
        self.webhook_edit = QLineEdit()
        self.webhook_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Webhook", self.webhook_edit)
        self.format_combo = QComboBox()
        self.format_combo.addItems(list(team.WEBHOOK_FORMATS))
        form.addRow("Webhook format", hbox(self.format_combo, None))
        for field in (self.team_key_edit, self.webhook_edit):
            field.setMaximumWidth(FIELD_MAX_PX)
        self.save_button = primary_button("Save settings")
        self.save_button.clicked.connect(self.save_settings)
        self.share_button = QPushButton("Share now")
        self.share_button.clicked.connect(self.share_now)
        self.create_button = QPushButton("Set up a new team in this folder")
        self.create_button.clicked.connect(self.create_team)
        self.admit_button = QPushButton("Admit members asking to join")
        self.admit_button.clicked.connect(self.admit_members)
        form.addRow(hbox(self.save_button, self.share_button, self.create_button, self.admit_button, None))
        self.team_info = label("", wrap=True)
        form.addRow(self.team_info)
        self.share_status = label("", "muted", wrap=True)
        form.addRow(self.share_status)
        sharing.add(holder)
        self.add(sharing)
        self.end()
        self.dist_bars: pg.BarGraphItem | None = None
        self.mix_bars: pg.BarGraphItem | None = None

    # -- plumbing
    def context(self) -> AppContext:
        return self._context() if callable(self._context) else self._context

    def refresh(self) -> None:
        ctx = self.context()
        zone = ctx.zone()
        share_week = last_complete_week(zone)
        weeks = [share_week, current_week(zone)]
        start = week_start(share_week)
        weeks += [week_label(start - timedelta(days=7 * i)) for i in range(1, PREVIEW_WEEKS_BACK)]
        selected = self.week_combo.currentData() or share_week
        self.week_combo.blockSignals(True)
        self.week_combo.clear()
        for w in weeks:
            self.week_combo.addItem(w + (" (shared next)" if w == share_week else
                                         " (in progress)" if w == weeks[1] else ""), w)
        self.week_combo.setCurrentIndex(max(0, weeks.index(selected) if selected in weeks else 0))
        self.week_combo.blockSignals(False)
        self._merge_when_read = True
        self._load_settings()
        self.update_preview()

    def _load_settings(self) -> None:
        self._settings_reads.read(TeamPage.read_settings)

    @staticmethod
    def read_settings(ctx: AppContext) -> dict:
        """The share settings, the team's state and the last share: safe to run in a worker."""
        return {"settings": team.load_settings(ctx.store), "status": team.status(ctx),
                "merge_folder": ctx.store.get_setting(MERGE_FOLDER_SETTING), "history": team.history(ctx, limit=1)}

    def _settings_failed(self, text: str) -> None:
        self.team_info.setText(f"Could not read the team: {text}")

    def _show_settings(self, data: dict) -> None:
        """Fill the settings from what `read_settings` returned (GUI thread)."""
        settings = data["settings"]
        info = settings.as_dict()
        self.opt_in.setChecked(settings.opt_in)
        self.folder_edit.setText(settings.folder or "")
        self.format_combo.setCurrentText(settings.webhook_format)
        self.webhook_edit.clear()
        self.webhook_edit.setPlaceholderText(f"set ({info['webhook']}); type to replace" if info["webhook"]
                                             else "https://hooks.example.com/…")
        self.team_key_edit.setText(info["team_key"] or "")
        self.team_key_edit.setPlaceholderText("the team key whoever set up the team gave you")
        self._show_team(data["status"])
        if not self.merge_folder_edit.text():
            self.merge_folder_edit.setText(data["merge_folder"] or settings.folder or "")
        history = data["history"]
        if history:
            h = history[0]
            self.share_status.setText(f"Last share: {h['week']} to {h['destination']} at {h['sent_at']}: "
                                      f"{'ok' if h['ok'] else 'failed'} — {h['detail']}")
        folder = self.merge_folder_edit.text().strip()
        if self._merge_when_read and folder and Path(folder).is_dir():
            self.merge_now()
        self._merge_when_read = False

    def _show_team(self, info: dict) -> None:
        self.admit_button.setVisible(info["founder"])
        self.create_button.setVisible(not info["team"])
        s = info["settings"]
        self.k_label.setText(f"k = {s['k']} (team setting)" if s else "")
        if not info["team"]:
            self.team_info.setText("Not in a team yet: type the team key you were given and Save settings to join, "
                                   "or set up a new team in the folder above.")
            return
        lines = [f"Team {info['team_key']}; you are member {info['member'] or '—'}"
                 + (" (founder)" if info["founder"] else "") + "."]
        if info["problem"]:
            lines.append(info["problem"])
        if s:
            lines.append(f"k = {s['k']}, {len(s['roster'])} on the roster; contributions close {s['deadline_hours']} h "
                         "after each week; " + ("you are on the roster." if info.get("on_roster") else
                                                "waiting for the founder to admit you."))
        if info["pending_joins"]:
            lines.append(f"{len(info['pending_joins'])} asking to join.")
        lines += [f"{w['week']}: {w['status']}" + (f" — {w['detail']}" if w["detail"] else "") for w in info["weeks"][-2:]]
        self.team_info.setText("\n".join(lines))

    @Slot()
    def update_preview(self) -> None:
        week = self.week_combo.currentData()
        self._preview_reads.read(lambda ctx: TeamPage.read_preview(ctx, week))

    @staticmethod
    def read_preview(ctx: AppContext, week: str | None) -> tuple:
        """(this week's summary, its preview in HTML) or (None, why there is none): safe in a worker."""
        try:
            built = team.summary(ctx, week)
            return built, team.preview(built, "html", team.recorded_contribution(ctx, week))
        except (TeamSetupError, ValueError) as exc:
            return None, f"No preview: {exc}"

    def _show_preview(self, result: tuple) -> None:
        self.last_built, text = result
        if self.last_built is None:
            self.preview_view.setPlainText(text)
        else:
            self.preview_view.setHtml(text)

    def _preview_failed(self, text: str) -> None:
        self._show_preview((None, f"No preview: {text}"))

    @Slot(int)
    def _on_week_changed(self, _index: int) -> None:
        self.update_preview()

    @Slot()
    def save_settings(self) -> None:
        ctx = self.context()
        key = self.team_key_edit.text().strip()
        url = self.webhook_edit.text().strip()
        try:
            team.save_settings(ctx.store, opt_in=self.opt_in.isChecked(), folder=self.folder_edit.text().strip(),
                               webhook_format=self.format_combo.currentText(), webhook_url=url if url else ...)
            joined = None
            if key and team.parse_team_key(key) != team.load_settings(ctx.store).team:
                joined = team.join(ctx, key)
        except (ValueError, TeamKeyError, TeamSetupError) as exc:
            self.share_status.setText(f"Not saved: {exc}")
            return
        self.share_status.setText("Settings saved." if joined is None else
                                  f"Settings saved; asked to join as member {joined.member}"
                                  + ("." if not joined.on_roster else " (on the roster)."))
        self._load_settings()
        self.update_preview()

    @Slot()
    def share_now(self) -> None:
        try:
            outcome = team.share(self.context(), self.week_combo.currentData())
        except (TeamSetupError, ValueError) as exc:
            self.share_status.setText(f"Not shared: {exc}")
            return
        if outcome.reason:
            self.share_status.setText(f"Nothing sent: {outcome.reason}.")
        else:
            self.share_status.setText("; ".join(
                f"{s.kind}: {'skipped' if s.skipped else 'sent' if s.ok else 'FAILED'} — {s.detail}"
                for s in outcome.sent))

    def _sign_settings(self, act: Callable[[AppContext], dict], failed: str, done: Callable[[dict], str]) -> None:
        """Create or change the team's signed settings, and say how it went."""
        ctx = self.context()
        try:
            settings = act(ctx)
        except (ValueError, TeamKeyError, TeamSetupError) as exc:
            self.share_status.setText(f"{failed}: {exc}")
            return
        self.share_status.setText(done(settings))
        self._load_settings()

    @Slot()
    def create_team(self) -> None:
        def create(ctx: AppContext) -> dict:
            team.save_settings(ctx.store, folder=self.folder_edit.text().strip())
            return team.create_team(ctx)

        self._sign_settings(create, "No team set up",
                            lambda s: f"Team set up. Give its key to your members: {team.team_key_text(s['team'])}")

    @Slot()
    def admit_members(self) -> None:
        self._sign_settings(team.admit, "Nobody admitted",
                            lambda s: f"{len(s['roster'])} members on the roster from {s['effective_week']}.")

    @Slot()
    def merge_now(self) -> None:
        folder = self.merge_folder_edit.text().strip()
        if not folder:
            self.report_view.setPlainText("Choose your team's folder.")
            return
        ctx = self.context()
        try:
            report = merge_folder(Path(folder), team.load_settings(ctx.store).team)
        except ValueError as exc:
            self.report_view.setPlainText(str(exc))
            return
        ctx.store.set_setting(MERGE_FOLDER_SETTING, folder)
        self.last_report = report
        self.k_label.setText(f"k = {report['k']} (team setting)")
        self.report_view.setHtml(to_html(report_blocks(report)))
        self._draw(report)

    def _draw(self, report: dict) -> None:
        self.charts_hint.hide()
        self.charts.show()
        self.dist_plot.plot.clear()
        self.mix_plot.plot.clear()
        weeks = [w for w in report["trend"] if not w.get("suppressed")]
        self.dist_bars = None
        if weeks:
            xs = list(range(len(weeks)))

            def top(rng: dict) -> int:  # the open top bucket is drawn as high as its lower edge
                return rng["to_usd"] if rng["to_usd"] is not None else rng["from_usd"]

            self.dist_bars = pg.BarGraphItem(x=xs, y0=[w["p25"]["from_usd"] for w in weeks],
                                             height=[top(w["p75"]) - w["p25"]["from_usd"] for w in weeks], width=0.6,
                                             brush=pg.mkBrush(colour_for(0)), pen=pg.mkPen(None))
            self.dist_plot.plot.addItem(self.dist_bars)
            self.dist_plot.plot.addItem(pg.ScatterPlotItem(
                x=xs, y=[(w["median"]["from_usd"] + top(w["median"])) / 2 for w in weeks], symbol="_",
                size=30, pen=pg.mkPen(active().text, width=2)))
            self.dist_plot.plot.getAxis("bottom").setTicks([[(i, w["week"][5:]) for i, w in enumerate(weeks)]])
            self.dist_plot.plot.setXRange(-0.6, len(weeks) - 0.4, padding=0)
            self.dist_plot.set_money_range(max(top(w["p75"]) for w in weeks))
        models = report["models"]
        self.mix_bars = None
        if models:
            # bars across, names down the side: a dozen model names under vertical bars ran into each other
            ordered = sorted(models, key=lambda m: m["cost_usd"])  # the dearest at the top
            ys = list(range(len(ordered)))
            self.mix_bars = pg.BarGraphItem(x0=0, y=ys, width=[m["cost_usd"] for m in ordered], height=0.6,
                                            brush=pg.mkBrush(colour_for(1)), pen=pg.mkPen(None))
            self.mix_plot.plot.addItem(self.mix_bars)
            names = self.mix_plot.plot.getAxis("left")
            names.names = [m["family"] for m in ordered]
            metrics = QFontMetrics(self.mix_plot.font())
            names.setWidth(max(metrics.horizontalAdvance(m["family"]) for m in ordered) + 16)
            top_cost = max(float(m["cost_usd"]) for m in ordered)
            self.mix_plot.plot.setXRange(0, top_cost * 1.1 if top_cost > 0 else 1, padding=0)
            self.mix_plot.plot.setYRange(-0.6, len(ordered) - 0.4, padding=0)
            self.mix_plot.redraw_axes()
            # a row per family, tall enough that no name is dropped for lack of room
            self.mix_plot.setFixedHeight(max(MIX_MIN_HEIGHT_PX, MIX_ROW_PX * len(ordered) + 70))

    @Slot()
    def _browse_share_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Team folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    @Slot()
    def _browse_merge_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Team folder", self.merge_folder_edit.text())
        if folder:
            self.merge_folder_edit.setText(folder)
            self.merge_now()
