"""The Team page: this week's summary as it would leave, share settings, the team view.

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
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from tracker.services import team
from tracker.services.context import AppContext
from tracker.services.team_keys import TeamKeyError
from tracker.services.team_merge import DEFAULT_K, merge_folder
from tracker.services.team_render import report_blocks, to_html
from tracker.services.team_summary import (
    NoTeamSecret,
    TeamSetupError,
    current_week,
    last_complete_week,
    team_fingerprint,
    week_label,
    week_start,
)

log = logging.getLogger(__name__)
PREVIEW_WEEKS_BACK = 4
MERGE_FOLDER_SETTING = "team.merge_folder"
MIX_MIN_HEIGHT_PX = 220
MIX_ROW_PX = 20  # per model family in the model-mix chart


class TeamPage(QWidget):
    def __init__(self, context: AppContext | Callable[[], AppContext], parent: QWidget | None = None):
        super().__init__(parent)
        self._context = context
        self.last_built = None
        self.last_report: dict | None = None

        outer = QVBoxLayout(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        body = QWidget()
        layout = QVBoxLayout(body)
        scroll.setWidget(body)
        outer.addWidget(scroll)

        layout.addWidget(QLabel("Team", objectName="pageTitle"))
        # -- what would leave
        preview_box = QGroupBox("Your summary (exactly what would be shared)")
        pv = QVBoxLayout(preview_box)
        row = QHBoxLayout()
        row.addWidget(QLabel("Week:"))
        self.week_combo = QComboBox()
        self.week_combo.currentIndexChanged.connect(self._on_week_changed)
        row.addWidget(self.week_combo)
        row.addStretch(1)
        pv.addLayout(row)
        self.preview_view = QTextBrowser()
        self.preview_view.setMinimumHeight(260)
        pv.addWidget(self.preview_view)
        layout.addWidget(preview_box)

        # -- share settings
        share_box = QGroupBox("Sharing (opt-in)")
        form = QFormLayout(share_box)
        self.opt_in = QCheckBox("Share my weekly summary with my team")
        form.addRow(self.opt_in)
        self.secret_edit = QLineEdit()
        self.secret_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Team secret:", self.secret_edit)
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse_share_folder)
        folder_row.addWidget(self.folder_edit)
        folder_row.addWidget(browse)
        form.addRow("Team folder:", folder_row)
        self.webhook_edit = QLineEdit()
        self.webhook_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Webhook URL:", self.webhook_edit)
        self.format_combo = QComboBox()
        self.format_combo.addItems(list(team.WEBHOOK_FORMATS))
        form.addRow("Webhook format:", self.format_combo)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save settings")
        self.save_button.clicked.connect(self.save_settings)
        self.share_button = QPushButton("Share now")
        self.share_button.clicked.connect(self.share_now)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.share_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.share_status = QLabel()
        self.share_status.setWordWrap(True)
        form.addRow(self.share_status)
        layout.addWidget(share_box)

        # -- the team view
        team_box = QGroupBox("Team view (aggregates only)")
        tv = QVBoxLayout(team_box)
        merge_row = QHBoxLayout()
        self.merge_folder_edit = QLineEdit()
        self.merge_folder_edit.setPlaceholderText("Folder with your team's summaries")
        merge_browse = QPushButton("Browse…")
        merge_browse.clicked.connect(self._browse_merge_folder)
        self.k_spin = QSpinBox()
        self.k_spin.setRange(2, 100)
        self.k_spin.setValue(DEFAULT_K)
        self.k_spin.setPrefix("k = ")
        self.merge_button = QPushButton("Merge")
        self.merge_button.clicked.connect(self.merge_now)
        for w in (self.merge_folder_edit, merge_browse, self.k_spin, self.merge_button):
            merge_row.addWidget(w)
        tv.addLayout(merge_row)
        charts = QHBoxLayout()
        self.dist_plot = pg.PlotWidget(title="Cost per member per week (p25–p75, median)")
        self.dist_plot.setLabel("left", "USD")
        self.mix_plot = pg.PlotWidget(title="Model mix (cost, USD)")
        for plot in (self.dist_plot, self.mix_plot):
            plot.setMinimumHeight(220)
            plot.setBackground("w")
            plot.hide()  # until a merge gives them something: empty 0-1 axes explain nothing
            charts.addWidget(plot)
        self.charts_hint = QLabel("Merge a folder of your team's summaries to see the cost per member and the "
                                  "model mix; nobody's own figures are shown, only aggregates of k or more.",
                                  wordWrap=True, objectName="muted")
        tv.addWidget(self.charts_hint)
        tv.addLayout(charts)
        self.report_view = QTextBrowser()
        self.report_view.setMinimumHeight(260)
        tv.addWidget(self.report_view)
        layout.addWidget(team_box)
        layout.addStretch(1)
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
        self._load_settings(ctx)
        self.update_preview()
        folder = self.merge_folder_edit.text().strip()
        if folder and Path(folder).is_dir():
            self.merge_now()

    def _load_settings(self, ctx: AppContext) -> None:
        settings = team.load_settings(ctx.store)
        info = settings.as_dict()
        self.opt_in.setChecked(settings.opt_in)
        self.folder_edit.setText(settings.folder or "")
        self.format_combo.setCurrentText(settings.webhook_format)
        self.webhook_edit.clear()
        self.webhook_edit.setPlaceholderText(f"set ({info['webhook']}); type to replace" if info["webhook"]
                                             else "https://hooks.example.com/…")
        self.secret_edit.clear()
        self.secret_edit.setPlaceholderText("set; type to replace" if info["team_secret_set"]
                                            else "the phrase your team shares")
        if not self.merge_folder_edit.text():
            self.merge_folder_edit.setText(ctx.store.get_setting(MERGE_FOLDER_SETTING) or settings.folder or "")
        history = team.history(ctx, limit=1)
        if history:
            h = history[0]
            self.share_status.setText(f"Last share: {h['week']} to {h['destination']} at {h['sent_at']}: "
                                      f"{'ok' if h['ok'] else 'failed'} — {h['detail']}")

    @Slot()
    def update_preview(self) -> None:
        week = self.week_combo.currentData()
        try:
            self.last_built = team.summary(self.context(), week)
            self.preview_view.setHtml(team.preview(self.last_built, "html"))
        except NoTeamSecret:
            self.last_built = None
            self.preview_view.setPlainText("No preview yet: type the phrase your team shares into 'Team secret' "
                                           "under Sharing below, then Save settings. Nothing is shared until you "
                                           "tick 'Share my weekly summary'.")
        except (TeamSetupError, ValueError) as exc:
            self.last_built = None
            self.preview_view.setPlainText(f"No preview: {exc}")

    @Slot(int)
    def _on_week_changed(self, _index: int) -> None:
        self.update_preview()

    @Slot()
    def save_settings(self) -> None:
        ctx = self.context()
        secret = self.secret_edit.text().strip() or None
        url = self.webhook_edit.text().strip()
        try:
            team.save_settings(ctx.store, opt_in=self.opt_in.isChecked(), folder=self.folder_edit.text().strip(),
                               webhook_format=self.format_combo.currentText(),
                               webhook_url=url if url else ..., team_secret=secret)
        except (ValueError, TeamKeyError) as exc:
            self.share_status.setText(f"Not saved: {exc}")
            return
        self.share_status.setText("Settings saved.")
        self._load_settings(ctx)
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

    @Slot()
    def merge_now(self) -> None:
        folder = self.merge_folder_edit.text().strip()
        if not folder:
            self.report_view.setPlainText("Choose the folder your team's summaries are shared in.")
            return
        ctx = self.context()
        from tracker.services import team_keys

        secret = team_keys.get(team_keys.TEAM_SECRET)
        try:
            report = merge_folder(Path(folder), self.k_spin.value(), team_fingerprint(secret) if secret else None)
        except ValueError as exc:
            self.report_view.setPlainText(str(exc))
            return
        ctx.store.set_setting(MERGE_FOLDER_SETTING, folder)
        self.last_report = report
        self.report_view.setHtml(to_html(report_blocks(report)))
        self._draw(report)

    def _draw(self, report: dict) -> None:
        self.charts_hint.hide()
        for plot in (self.dist_plot, self.mix_plot):
            plot.show()
        self.dist_plot.clear()
        self.mix_plot.clear()
        weeks = [w for w in report["trend"] if not w.get("suppressed")]
        self.dist_bars = None
        if weeks:
            xs = list(range(len(weeks)))
            self.dist_bars = pg.BarGraphItem(x=xs, y0=[w["p25_usd"] for w in weeks],
                                             height=[w["p75_usd"] - w["p25_usd"] for w in weeks], width=0.6,
                                             brush=pg.mkBrush(70, 130, 180, 160))
            self.dist_plot.addItem(self.dist_bars)
            self.dist_plot.addItem(pg.ScatterPlotItem(x=xs, y=[w["median_usd"] for w in weeks], symbol="_",
                                                      size=30, pen=pg.mkPen("k", width=2)))
            self.dist_plot.getAxis("bottom").setTicks([[(i, w["week"][5:]) for i, w in enumerate(weeks)]])
        models = report["models"]
        self.mix_bars = None
        if models:
            # bars across, names down the side: a dozen model names under vertical bars ran into each other
            ordered = sorted(models, key=lambda m: m["cost_usd"])  # the dearest at the top
            ys = list(range(len(ordered)))
            self.mix_bars = pg.BarGraphItem(x0=0, y=ys, width=[m["cost_usd"] for m in ordered], height=0.6,
                                            brush=pg.mkBrush(205, 120, 60, 180))
            self.mix_plot.addItem(self.mix_bars)
            names = self.mix_plot.getAxis("left")
            names.setTicks([[(i, m["family"]) for i, m in enumerate(ordered)]])
            metrics = QFontMetrics(self.mix_plot.font())
            names.setWidth(max(metrics.horizontalAdvance(m["family"]) for m in ordered) + 16)
            # a row per family, tall enough that no name is dropped for lack of room
            self.mix_plot.setMinimumHeight(max(MIX_MIN_HEIGHT_PX, MIX_ROW_PX * len(ordered) + 70))

    @Slot()
    def _browse_share_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Team folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    @Slot()
    def _browse_merge_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder of team summaries", self.merge_folder_edit.text())
        if folder:
            self.merge_folder_edit.setText(folder)
            self.merge_now()
