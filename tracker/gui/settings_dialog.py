"""Settings: provider sources (keys to keyring), sync intervals, timezone, currency, login, folders."""

from __future__ import annotations

import zoneinfo
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QMessageBox, QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget,
)

from tracker.core.timeutil import TimezoneError
from tracker.gui.menu_model import source_label
from tracker.gui.theme import TEXT_MUTED
from tracker.services import autostart, limits, plans
from tracker.services import settings as svc

if TYPE_CHECKING:  # the GUI uses the store only through service functions
    from tracker.storage import Store


class SettingsDialog(QDialog):
    settingsChanged = Signal()

    def __init__(self, store: "Store", parent=None, demo: bool = False, config_dir: Path | None = None):
        super().__init__(parent)
        self.store = store
        self.known_plans = plans.load_known_plans(config_dir)
        self.setWindowTitle("Tracker settings")
        self.resize(620, 480)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._sources_tab(), "Sources")
        self.tabs.addTab(self._sync_tab(), "Sync")
        self.tabs.addTab(self._plans_tab(), "Plans")
        self.tabs.addTab(self._display_tab(), "Display")
        self.tabs.addTab(self._startup_tab(), "Startup && import")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.tabs.currentChanged.connect(lambda _index: self._say(""))  # an answer belongs to its tab
        self.demo_note.setVisible(demo)
        self.reload_sources()

    # -- sources ---------------------------------------------------------
    def _sources_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.source_list = QListWidget()
        layout.addWidget(QLabel("Provider accounts polled for usage and costs:"))
        self.demo_note = QLabel("Demo data: its OpenAI and OpenRouter figures are generated; no account is "
                                "polled. Accounts added here belong to the demo folder only.",
                                styleSheet=f"color: {TEXT_MUTED};", wordWrap=True)
        layout.addWidget(self.demo_note)
        layout.addWidget(self.source_list)
        row = QHBoxLayout()
        self.test_button = QPushButton("Test")
        self.remove_button = QPushButton("Remove")
        row.addStretch(1)
        row.addWidget(self.test_button)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        form = QFormLayout()
        self.kind = QComboBox()
        for kind in svc.SOURCE_KINDS:
            self.kind.addItem(source_label(kind), kind)
        self.label = QLineEdit(placeholderText="e.g. work")
        self.key = QLineEdit(placeholderText="paste the API key (admin key for OpenAI / Anthropic)")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.base_url = QLineEdit(placeholderText="optional: a different API address")
        form.addRow("Kind", self.kind)
        form.addRow("Label", self.label)
        form.addRow("API key", self.key)
        form.addRow("Base URL", self.base_url)
        layout.addLayout(form)
        self.add_button = QPushButton("Add source")
        layout.addWidget(self.add_button)
        note = QLabel("Keys are kept in the system keyring and never shown again.",
                      styleSheet=f"color: {TEXT_MUTED};")
        layout.addWidget(note)
        self.add_button.clicked.connect(self.add_source)
        self.remove_button.clicked.connect(self.remove_source)
        self.test_button.clicked.connect(self.test_source)
        return tab

    def reload_sources(self) -> None:
        self.source_list.clear()
        for source in svc.list_sources(self.store):
            text = f"{source_label(source.kind)} — {source.label}"
            if source.base_url:
                text += f" ({source.base_url})"
            if not svc.has_source_key(source):
                text += "  [no key in keyring]"
            item = QListWidgetItem(text)
            item.setData(256, (source.kind, source.label))
            self.source_list.addItem(item)

    def _selected(self) -> svc.SourceConfig | None:
        item = self.source_list.currentItem()
        if item is None:
            return None
        kind, label = item.data(256)
        return next((s for s in svc.list_sources(self.store) if s.kind == kind and s.label == label), None)

    def _say(self, text: str, ok: bool = True) -> None:
        self.message.setStyleSheet("" if ok else "color: #c62828;")
        self.message.setText(text)

    @Slot()
    def add_source(self) -> None:
        try:
            source = svc.add_source(self.store, self.kind.currentData(), self.label.text(), self.key.text(),
                                    self.base_url.text())
        except svc.SettingsError as exc:
            self._say(str(exc), ok=False)
            return
        finally:
            self.key.clear()  # the key never stays in the widget
        self.label.clear()
        self.base_url.clear()
        self.reload_sources()
        self._say(f"Added {source_label(source.kind)} '{source.label}'; its key is in the keyring.")
        self.settingsChanged.emit()

    @Slot()
    def remove_source(self) -> None:
        source = self._selected()
        if source is None:
            self._say("Select a source to remove.", ok=False)
            return
        try:
            svc.remove_source(self.store, source.kind, source.label)
        except svc.SettingsError as exc:
            self._say(str(exc), ok=False)
            return
        self.reload_sources()
        self._say(f"Removed {source_label(source.kind)} '{source.label}' and its key.")
        self.settingsChanged.emit()

    @Slot()
    def test_source(self) -> None:
        source = self._selected()
        if source is None:
            self._say("Select a source to test.", ok=False)
            return
        ok, text = svc.test_source(self.store, source)
        self._say(text, ok=ok)

    # -- plans -------------------------------------------------------------
    CLAUDE_CONSENT_TEXT = ("Read Claude Code's login on this computer to show my Claude plan's 5-hour and weekly "
                           "windows (the tracker asks Claude's usage endpoint; it never copies or logs the login)")
    OTHER_PLAN = "__other__"

    def _plans_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(QLabel("Subscription plans (usage they cover is not money spent; without a plan: "
                                f"{plans.PAY_AS_YOU_GO_LABEL}):", wordWrap=True))
        self.plan_list = QListWidget()
        layout.addWidget(self.plan_list)
        row = QHBoxLayout()
        row.addStretch(1)
        self.remove_plan_button = QPushButton("Remove plan")
        row.addWidget(self.remove_plan_button)
        layout.addLayout(row)
        form = QFormLayout()
        self.plan_agent = QComboBox()
        for source in plans.AGENT_SOURCES:
            self.plan_agent.addItem(source_label(source), source)
        self.plan_choice = QComboBox()
        self.plan_name = QLineEdit(placeholderText="your plan's name (for a plan not in the list)")
        self.plan_price = QLineEdit(placeholderText="monthly price")
        self.plan_currency = QLineEdit("USD", maxLength=3)
        self.plan_since = QDateEdit(QDate.currentDate(), calendarPopup=True, displayFormat="yyyy-MM-dd")
        form.addRow("Agent", self.plan_agent)
        form.addRow("Plan", self.plan_choice)
        form.addRow("Name", self.plan_name)
        form.addRow("Price per month", self.plan_price)
        form.addRow("Currency", self.plan_currency)
        form.addRow("From", self.plan_since)
        layout.addLayout(form)
        self.set_plan_button = QPushButton("Set plan")
        layout.addWidget(self.set_plan_button)
        checked = self.known_plans.checked or "?"
        layout.addWidget(QLabel(f"List prices as of {checked}; yours may differ (edit the price).",
                                styleSheet=f"color: {TEXT_MUTED};", wordWrap=True))
        self.claude_consent = QCheckBox(self.CLAUDE_CONSENT_TEXT)
        self.claude_consent.setChecked(limits.claude_consent(self.store) is True)
        layout.addWidget(self.claude_consent)
        badge_row = QFormLayout()
        self.badge = QComboBox()
        self.badge.addItem("today's spend", "spend")
        self.badge.addItem("the tightest plan window (C 42%)", "limits")
        self.badge.setCurrentIndex(max(0, self.badge.findData(limits.badge_mode(self.store))))
        badge_row.addRow("Tray badge shows", self.badge)
        layout.addLayout(badge_row)
        self.plan_agent.currentIndexChanged.connect(self._fill_plan_choices)
        self.plan_choice.currentIndexChanged.connect(self._plan_chosen)
        self.set_plan_button.clicked.connect(self.set_plan)
        self.remove_plan_button.clicked.connect(self.remove_plan)
        self._fill_plan_choices()
        self.reload_plans()
        return tab

    def reload_plans(self) -> None:
        self.plan_list.clear()
        for span in plans.plan_spans(plans.list_plans(self.store)):
            p = span.plan
            until = f" to {span.last}" if span.last else ""
            item = QListWidgetItem(f"{source_label(p.source)} — {p.name}, {p.monthly_price} {p.currency}/month, "
                                   f"from {p.since_day}{until}")
            item.setData(256, p.id)
            self.plan_list.addItem(item)

    @Slot()
    def _fill_plan_choices(self) -> None:
        source = self.plan_agent.currentData()
        self.plan_choice.blockSignals(True)
        self.plan_choice.clear()
        self.plan_choice.addItem(plans.PAY_AS_YOU_GO_LABEL, plans.PAY_AS_YOU_GO)
        for known in self.known_plans.for_agent(source):
            self.plan_choice.addItem(f"{known.name} ({known.monthly_price} {known.currency})", known.id)
        self.plan_choice.addItem("Other…", self.OTHER_PLAN)
        self.plan_choice.blockSignals(False)
        self._plan_chosen()

    @Slot()
    def _plan_chosen(self) -> None:
        known = self.known_plans.plans.get(self.plan_choice.currentData())
        if known is not None:
            self.plan_price.setText(str(known.monthly_price))
            self.plan_currency.setText(known.currency)
        other = self.plan_choice.currentData() == self.OTHER_PLAN
        self.plan_name.setEnabled(other)
        payg = self.plan_choice.currentData() == plans.PAY_AS_YOU_GO
        self.plan_price.setEnabled(not payg)
        self.plan_currency.setEnabled(not payg)

    def ask_claude_consent(self) -> bool:
        """Asked once, when a Claude plan is set and the question was never answered."""
        answer = QMessageBox.question(self, "Claude plan windows", self.CLAUDE_CONSENT_TEXT + "?")
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def set_plan(self) -> None:
        choice = self.plan_choice.currentData()
        plan = self.plan_name.text().strip() if choice == self.OTHER_PLAN else choice
        since = self.plan_since.date().toPython()
        try:
            row = plans.set_plan(self.store, self.plan_agent.currentData(), plan, since,
                                 price=self.plan_price.text() if choice != plans.PAY_AS_YOU_GO else None,
                                 currency=self.plan_currency.text(), known=self.known_plans)
        except plans.PlanError as exc:
            self._say(str(exc), ok=False)
            return
        self.reload_plans()
        agent = source_label(self.plan_agent.currentData())
        self._say(f"From {since} {agent} is on {plans.PAY_AS_YOU_GO_LABEL}." if row is None else
                  f"{row.name} pays for {agent} usage from {row.since_day}.")
        if row is not None and row.source == "claude_code" and limits.claude_consent(self.store) is None:
            allowed = self.ask_claude_consent()
            limits.set_claude_consent(self.store, allowed)
            self.claude_consent.setChecked(allowed)
        self.settingsChanged.emit()

    @Slot()
    def remove_plan(self) -> None:
        item = self.plan_list.currentItem()
        if item is None:
            self._say("Select a plan to remove.", ok=False)
            return
        plans.remove_plan(self.store, item.data(256))
        self.reload_plans()
        self._say("Plan removed.")
        self.settingsChanged.emit()

    # -- the other tabs --------------------------------------------------
    def _sync_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        logs_s, providers_s = svc.sync_intervals(self.store)
        self.logs_interval = QSpinBox(minimum=svc.MIN_INTERVAL_S, maximum=3600, suffix=" s", value=logs_s)
        self.providers_interval = QSpinBox(minimum=1, maximum=24 * 60, suffix=" min",
                                           value=max(1, providers_s // 60))
        form.addRow("Read agent logs every", self.logs_interval)
        form.addRow("Poll provider accounts every", self.providers_interval)
        return tab

    def _display_tab(self) -> QWidget:
        tab = QWidget()
        form = QFormLayout(tab)
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItem("System timezone", "")
        for name in sorted(zoneinfo.available_timezones()):
            self.timezone.addItem(name, name)
        current = svc.timezone_name(self.store) or ""
        index = self.timezone.findData(current)
        self.timezone.setCurrentIndex(max(index, 0))
        form.addRow("Timezone (days start at midnight here)", self.timezone)
        form.addRow("", QLabel("Figures are in USD, the currency providers bill in; invoices convert to the\n"
                               "client's currency at the rate you give them.", styleSheet=f"color: {TEXT_MUTED};"))
        return tab

    def _startup_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        self.autostart = QCheckBox("Start Tracker when I log in")
        try:
            self.autostart.setChecked(autostart.is_enabled())
        except OSError:
            self.autostart.setEnabled(False)
        layout.addWidget(self.autostart)
        layout.addWidget(QLabel("Extra folders with agent logs (besides the agents' usual places):"))
        self.folders = QListWidget()
        for folder in svc.import_folders(self.store):
            self.folders.addItem(folder)
        layout.addWidget(self.folders)
        row = QHBoxLayout()
        add, remove = QPushButton("Add folder…"), QPushButton("Remove folder")
        row.addStretch(1)
        row.addWidget(add)
        row.addWidget(remove)
        layout.addLayout(row)
        add.clicked.connect(self._add_folder)
        remove.clicked.connect(lambda: self.folders.takeItem(self.folders.currentRow()))
        return tab

    @Slot()
    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with agent logs")
        if folder:
            self.folders.addItem(folder)

    def folder_list(self) -> list[str]:
        return [self.folders.item(i).text() for i in range(self.folders.count())]

    @Slot()
    def save(self) -> None:
        try:
            svc.set_sync_intervals(self.store, self.logs_interval.value(), self.providers_interval.value() * 60)
            zone = self.timezone.currentData() if self.timezone.currentText() == self.timezone.itemText(
                self.timezone.currentIndex()) else self.timezone.currentText()
            svc.set_timezone(self.store, zone)
            svc.set_import_folders(self.store, self.folder_list())
            if self.claude_consent.isChecked() != (limits.claude_consent(self.store) is True):
                limits.set_claude_consent(self.store, self.claude_consent.isChecked())
            limits.set_badge_mode(self.store, self.badge.currentData())
            if self.autostart.isEnabled() and self.autostart.isChecked() != autostart.is_enabled():
                autostart.set_enabled(self.autostart.isChecked())
        except (svc.SettingsError, TimezoneError, OSError) as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        self._say("Saved.")
        self.settingsChanged.emit()
