"""Settings, as a page: provider accounts with their status, where each agent's logs were found,
sync intervals, timezone and appearance, start at login.

Keys go to the system keyring through the settings service and never come back to the GUI.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDateEdit, QFileDialog, QFormLayout, QLineEdit, QListWidget,
    QListWidgetItem, QMessageBox, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QWidget,
)

from tracker.core.timeutil import TimezoneError, zone_label
from tracker.gui.components import (Page, Panel, fit_list_height, fit_rows, fit_table_height, hbox, label,
                                    primary_button, set_role, style_table, tone_brush, wrap_column)
from tracker.gui.menu_model import source_label
from tracker.gui.model import DashboardModel
from tracker.paths import home_relative
from tracker.services import autostart, limits, plans
from tracker.services import settings as svc
from tracker.services.agent_logs import agent_log_status
from tracker.services.poll import source_statuses

APPEARANCE_NAMES = {"auto": "Follow the desktop", "light": "Light", "dark": "Dark"}
DEMO_ACCOUNTS = ("openai", "openrouter")  # what the demo's generated figures show
FIELD_MAX_PX = 420  # a form field wider than this only looks stretched
SAVE_TEXT = "Save changes"


def _when(iso: str | None) -> str:
    if not iso:
        return "never"
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    return f"{moment:%d %b %H:%M}"


def _account_status(st: dict) -> tuple[str, str | None]:
    """A short status and its tone: working, failing (with the error) or not polled yet."""
    if st.get("last_error") and (not st.get("last_success") or (st.get("last_error_at") or "") >= st["last_success"]):
        return f"Failing: {st['last_error']}", "bad"
    if st.get("last_success"):
        return f"Working, last poll {_when(st['last_success'])}", "good"
    return "Not polled yet", "muted"


class SettingsPage(Page):
    def __init__(self, model: DashboardModel, parent=None):
        super().__init__("Settings", "Accounts, where the agent logs are, how often to sync, and how it looks.",
                         parent)
        self.model = model
        self.known_plans = plans.load_known_plans(model.ctx.paths.config_dir)
        self.add(self._accounts_panel())
        self.add(self._plans_panel())
        self.add(self._logs_panel())
        self.add(self._preferences_panel())
        self.save_button = primary_button(SAVE_TEXT)
        self.save_button.clicked.connect(self.save)
        self.message = label("", wrap=True)
        self.add(hbox(self.message, None, self.save_button))
        self.end()
        self.demo_note.setVisible(model.demo)
        self.refresh()

    @property
    def store(self):
        return self.model.ctx.store

    # -- provider accounts ---------------------------------------------------
    def _accounts_panel(self) -> Panel:
        keys = svc.key_storage()
        panel = Panel("Provider accounts", subtitle=f"Polled for usage and what they billed. Keys are kept in "
                                                    f"{keys.where} and never shown again.")
        self.key_note = panel.subtitle
        self.key_warning = panel.add(label(keys.warning or "", "bad", wrap=True))
        self.key_warning.setVisible(bool(keys.warning))
        self.demo_note = panel.add(label("Demo data: the OpenAI and OpenRouter figures are generated and no account "
                                         "is polled. Accounts added here belong to the demo only.", "notice",
                                         wrap=True))
        self.accounts = QTableWidget(0, 3)
        self.accounts.setHorizontalHeaderLabels(["Account", "Status", "Balance"])
        style_table(self.accounts, stretch_column=1)
        self.accounts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.accounts.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        panel.add(self.accounts)
        self.test_button = QPushButton("Test")
        self.remove_button = QPushButton("Remove")
        self.account_message = label("", wrap=True)
        panel.add_control(self.test_button)
        panel.add_control(self.remove_button)
        panel.add(self.account_message)

        form_holder = QWidget()
        form = QFormLayout(form_holder)
        form.setContentsMargins(0, 0, 0, 0)
        self.kind = QComboBox()
        for kind in svc.SOURCE_KINDS:
            self.kind.addItem(source_label(kind), kind)
        self.label = QLineEdit(placeholderText="a name for it, e.g. work")
        self.key = QLineEdit(placeholderText="the API key (an admin key for OpenAI and Anthropic)")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.base_url = QLineEdit(placeholderText="optional: another API address")
        for field in (self.kind, self.label, self.key, self.base_url):
            field.setMaximumWidth(FIELD_MAX_PX)
        self.add_button = QPushButton("Add account")
        form.addRow("Provider", self.kind)
        form.addRow("Name", self.label)
        form.addRow("API key", self.key)
        form.addRow("Address", self.base_url)
        form.addRow("", hbox(self.add_button, None))
        panel.add(label("Add an account", "panelTitle"))
        panel.add(form_holder)
        self.add_button.clicked.connect(self.add_source)
        self.remove_button.clicked.connect(self.remove_source)
        self.test_button.clicked.connect(self.test_source)
        self.accounts.itemSelectionChanged.connect(self._account_chosen)
        self._account_chosen()
        return panel

    @Slot()
    def _account_chosen(self) -> None:
        """Test and Remove act on the chosen account: off without one (the demo's generated rows are none)."""
        chosen = bool(self.accounts.selectedItems()) and self._selected() is not None
        self.test_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def reload_sources(self) -> None:
        statuses = {st["label"]: st for st in source_statuses(self.store)}
        rows = []
        for source in svc.list_sources(self.store):
            st = statuses.get(source.label, {})
            status, tone = _account_status(st)
            if not svc.has_source_key(source):
                status, tone = "No key in the keyring: remove it and add it again with its key", "bad"
            balance = ", ".join(f"{b['amount']} {b['currency']}" for b in st.get("balances") or [])
            rows.append(((source.kind, source.label), f"{source_label(source.kind)} '{source.label}'", status, tone,
                         balance or "—"))
        if self.model.demo and not rows:
            rows = [(None, source_label(kind), "Demo figures: generated, never polled", "muted", "—")
                    for kind in DEMO_ACCOUNTS]
        self.accounts.setRowCount(len(rows))
        for r, (key, name, status, tone, balance) in enumerate(rows):
            for c, text in enumerate((name, status, balance)):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, key)
                if c == 1 and tone in ("good", "bad"):
                    item.setForeground(tone_brush(tone))
                self.accounts.setItem(r, c, item)
        fit_table_height(self.accounts, len(rows))
        self._account_chosen()
        if not rows:
            self.account_message.setText("No account yet: add one below to see what your API keys spend.")

    def _selected(self) -> svc.SourceConfig | None:
        item = self.accounts.item(self.accounts.currentRow(), 0) if self.accounts.currentRow() >= 0 else None
        key = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if not key:
            return None
        kind, name = key
        return next((s for s in svc.list_sources(self.store) if s.kind == kind and s.label == name), None)

    def _say(self, text: str, ok: bool = True, where=None) -> None:
        target = where or self.account_message
        set_role(target, None if ok else "bad")
        target.setText(text)

    @property
    def source_list(self) -> QTableWidget:  # the name the account tests and older code use
        return self.accounts

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
        self._say(f"Added {source_label(source.kind)} '{source.label}'; its key is in {svc.key_storage().where}. "
                  "It is polled at the next sync.")
        self.model.settingsChanged.emit()

    @Slot()
    def remove_source(self) -> None:
        source = self._selected()
        if source is None:
            self._say("Select an account to remove.", ok=False)
            return
        try:
            svc.remove_source(self.store, source.kind, source.label)
        except svc.SettingsError as exc:
            self._say(str(exc), ok=False)
            return
        self.reload_sources()
        self._say(f"Removed {source_label(source.kind)} '{source.label}' and its key.")
        self.model.settingsChanged.emit()

    @Slot()
    def test_source(self) -> None:
        source = self._selected()
        if source is None:
            self._say("Select an account to test.", ok=False)
            return
        ok, text = svc.test_source(self.store, source)
        self._say(text, ok=ok)

    # -- subscription plans ----------------------------------------------------
    CLAUDE_CONSENT_TEXT = "Show my Claude plan's 5-hour and weekly windows"
    CLAUDE_CONSENT_NOTE = ("To do so Tracker reads the login Claude Code keeps on this computer and asks Claude's "
                           "usage endpoint; it never copies or logs the login.")
    OTHER_PLAN = "__other__"

    def _plans_panel(self) -> Panel:
        panel = Panel("Subscription plans", subtitle="Usage a plan covers is not money spent: it is shown as what the "
                                                     f"plan is worth. Without a plan: {plans.PAY_AS_YOU_GO_LABEL}.")
        self.plan_list = QListWidget()
        panel.add(self.plan_list)
        self.remove_plan_button = panel.add_control(QPushButton("Remove plan"))
        holder = QWidget()
        form = QFormLayout(holder)
        form.setContentsMargins(0, 0, 0, 0)
        self.plan_agent = QComboBox()
        for source in plans.AGENT_SOURCES:
            self.plan_agent.addItem(source_label(source), source)
        self.plan_choice = QComboBox()
        self.plan_name = QLineEdit(placeholderText="your plan's name (for a plan not in the list)")
        self.plan_price = QLineEdit(placeholderText="monthly price")
        self.plan_currency = QLineEdit("USD", maxLength=3)
        self.plan_since = QDateEdit(QDate.currentDate(), calendarPopup=True, displayFormat="yyyy-MM-dd")
        for field in (self.plan_agent, self.plan_choice, self.plan_name, self.plan_price, self.plan_since):
            field.setMaximumWidth(FIELD_MAX_PX)
        self.plan_currency.setMaximumWidth(80)
        self.set_plan_button = QPushButton("Set plan")
        form.addRow("Agent", self.plan_agent)
        form.addRow("Plan", self.plan_choice)
        form.addRow("Name", self.plan_name)
        form.addRow("Price per month", hbox(self.plan_price, self.plan_currency, None))
        form.addRow("From", self.plan_since)
        form.addRow("", hbox(self.set_plan_button, None))
        panel.add(holder)
        panel.add(label(f"List prices as of {self.known_plans.checked or '?'}; yours may differ (edit the price).",
                        "muted", wrap=True))
        self.claude_consent = QCheckBox(self.CLAUDE_CONSENT_TEXT)
        self.claude_consent.setChecked(limits.claude_consent(self.store) is True)
        panel.add(self.claude_consent)
        panel.add(label(self.CLAUDE_CONSENT_NOTE, "muted", wrap=True))
        self.plan_message = panel.add(label("", wrap=True))
        self.plan_agent.currentIndexChanged.connect(self._fill_plan_choices)
        self.plan_choice.currentIndexChanged.connect(self._plan_chosen)
        self.set_plan_button.clicked.connect(self.set_plan)
        self.remove_plan_button.clicked.connect(self.remove_plan)
        self.plan_list.itemSelectionChanged.connect(self._plan_picked)
        self._fill_plan_choices()
        return panel

    def reload_plans(self) -> None:
        self.plan_list.clear()
        for span in plans.plan_spans(plans.list_plans(self.store)):
            p = span.plan
            until = f" to {span.last}" if span.last else ""
            item = QListWidgetItem(f"{source_label(p.source)}: {p.name}, {p.monthly_price} {p.currency} a month, "
                                   f"from {p.since_day}{until}")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            self.plan_list.addItem(item)
        self.plan_list.setVisible(self.plan_list.count() > 0)
        fit_list_height(self.plan_list)
        self._plan_picked()

    @Slot()
    def _plan_picked(self) -> None:
        self.remove_plan_button.setEnabled(bool(self.plan_list.selectedItems()))

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
        self.plan_name.setEnabled(self.plan_choice.currentData() == self.OTHER_PLAN)
        payg = self.plan_choice.currentData() == plans.PAY_AS_YOU_GO
        self.plan_price.setEnabled(not payg)
        self.plan_currency.setEnabled(not payg)

    def ask_claude_consent(self) -> bool:
        """Asked once, when a Claude plan is set and the question was never answered."""
        answer = QMessageBox.question(self, "Claude plan windows",
                                      f"{self.CLAUDE_CONSENT_TEXT}?\n\n{self.CLAUDE_CONSENT_NOTE}")
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
            self._say(str(exc), ok=False, where=self.plan_message)
            return
        self.reload_plans()
        agent = source_label(self.plan_agent.currentData())
        self._say(f"From {since} {agent} is on {plans.PAY_AS_YOU_GO_LABEL}." if row is None else
                  f"{row.name} pays for {agent} usage from {row.since_day}.", where=self.plan_message)
        if row is not None and row.source == "claude_code" and limits.claude_consent(self.store) is None:
            allowed = self.ask_claude_consent()
            limits.set_claude_consent(self.store, allowed)
            self.claude_consent.setChecked(allowed)
        self.model.settingsChanged.emit()

    @Slot()
    def remove_plan(self) -> None:
        item = self.plan_list.currentItem()
        if item is None:
            self._say("Select a plan to remove.", ok=False, where=self.plan_message)
            return
        plans.remove_plan(self.store, item.data(Qt.ItemDataRole.UserRole))
        self.reload_plans()
        self._say("Plan removed.", where=self.plan_message)
        self.model.settingsChanged.emit()

    # -- agent logs ----------------------------------------------------------
    def _logs_panel(self) -> Panel:
        panel = Panel("Agent logs", subtitle="Read on this computer every minute: only token counts and names, "
                                             "never what you typed.")
        self.log_table = QTableWidget(0, 3)
        self.log_table.setHorizontalHeaderLabels(["Agent", "Where", "Files read"])
        style_table(self.log_table, stretch_column=1)
        wrap_column(self.log_table, 1)  # where each agent's logs were looked for: whole, in a narrow window too
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        panel.add(self.log_table)
        panel.add(label("Extra folders (copies of an agent's folder, another user's, a synced backup):", "muted",
                        wrap=True))
        self.folders = QListWidget()
        panel.add(self.folders)
        # an empty list said nothing of what it is for, or how to fill it
        self.folders_empty = panel.add(label(f"None yet: “{self.ADD_FOLDER_TEXT}” adds one, “{SAVE_TEXT}” keeps the list.",
                                             "muted", wrap=True))
        add, self.remove_folder_button = QPushButton(self.ADD_FOLDER_TEXT), QPushButton("Remove folder")
        add.clicked.connect(self._add_folder)
        self.remove_folder_button.clicked.connect(lambda: self.folders.takeItem(self.folders.currentRow()))
        for changed in (self.folders.model().rowsInserted, self.folders.model().rowsRemoved,
                        self.folders.model().modelReset, self.folders.currentRowChanged):
            changed.connect(self._folders_changed)
        panel.add_control(add)
        panel.add_control(self.remove_folder_button)
        self._folders_changed()
        return panel

    ADD_FOLDER_TEXT = "Add folder…"

    @Slot()
    def _folders_changed(self, *_) -> None:
        listed = self.folders.count() > 0
        fit_list_height(self.folders)
        self.folders.setVisible(listed)
        self.folders_empty.setVisible(not listed)
        self.remove_folder_button.setEnabled(listed and self.folders.currentRow() >= 0)

    def reload_logs(self) -> None:
        rows = []
        for agent in agent_log_status(self.store):
            if agent.from_files:  # an export the user imports, no folder to look in
                rows.append((agent.name, f"from files you import: {agent.usual_place}", f"{agent.files_read:,}",
                             None if agent.files_read else "muted"))
            elif not agent.folders:
                moved = f"; {agent.moved_by} moves it" if agent.moved_by else ""
                rows.append((agent.name, f"not found (looked in {agent.usual_place}{moved})", "—", "muted"))
            for folder in agent.folders:
                shown = home_relative(folder.path)
                where = shown if folder.readable else f"{shown}: cannot be read (permissions)"
                rows.append((agent.name, where, f"{folder.files:,}", None if folder.readable else "bad"))
        self.log_table.setRowCount(len(rows))
        for r, (name, where, files, tone) in enumerate(rows):
            for c, text in enumerate((name, where, files)):
                item = QTableWidgetItem(text)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if tone:
                    item.setForeground(tone_brush(tone))
                self.log_table.setItem(r, c, item)
        fit_rows(self.log_table)
        self.folders.clear()
        for folder in svc.import_folders(self.store):
            self.folders.addItem(folder)

    @Slot()
    def _add_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with agent logs")
        if folder and folder not in self.folder_list():  # (listed twice, it would read as two folders)
            self.folders.addItem(folder)
        if folder:
            self.folders.setCurrentRow(self.folder_list().index(folder))

    def folder_list(self) -> list[str]:
        return [self.folders.item(i).text() for i in range(self.folders.count())]

    # -- preferences ---------------------------------------------------------
    def _preferences_panel(self) -> Panel:
        panel = Panel("Preferences")
        holder = QWidget()
        form = QFormLayout(holder)
        form.setContentsMargins(0, 0, 0, 0)
        self.logs_interval = QSpinBox(minimum=svc.MIN_INTERVAL_S, maximum=3600, suffix=" s")
        self.providers_interval = QSpinBox(minimum=1, maximum=24 * 60, suffix=" min")
        self.timezone = QComboBox()
        self.timezone.setEditable(True)
        self.timezone.addItem("The system's timezone", "")
        for name in sorted(zoneinfo.available_timezones()):
            self.timezone.addItem(zone_label(name) if name.startswith("Etc/") else name, name)
        self.appearance = QComboBox()
        for value in svc.APPEARANCES:
            self.appearance.addItem(APPEARANCE_NAMES[value], value)
        self.badge = QComboBox()
        self.badge.addItem("Today's spend", "spend")
        self.badge.addItem("The tightest plan window (C 42%)", "limits")
        self.autostart = QCheckBox("Start Tracker in the tray when I log in")
        for field in (self.logs_interval, self.providers_interval, self.timezone, self.appearance, self.badge):
            field.setMaximumWidth(FIELD_MAX_PX)
        form.addRow("Read agent logs every", self.logs_interval)
        form.addRow("Poll provider accounts every", self.providers_interval)
        form.addRow("Days start at midnight in", self.timezone)
        form.addRow("Appearance", self.appearance)
        form.addRow("Tray icon shows", self.badge)
        form.addRow("", self.autostart)
        form.addRow("", label("Figures are in USD, the currency providers bill in; invoices convert to a client's "
                              "currency at the rate you give them.", "muted", wrap=True))
        panel.add(holder)
        return panel

    def reload_preferences(self) -> None:
        logs_s, providers_s = svc.sync_intervals(self.store)
        self.logs_interval.setValue(logs_s)
        self.providers_interval.setValue(max(1, providers_s // 60))
        self.timezone.setCurrentIndex(max(self.timezone.findData(svc.timezone_name(self.store) or ""), 0))
        self.appearance.setCurrentIndex(max(self.appearance.findData(svc.appearance(self.store)), 0))
        self.badge.setCurrentIndex(max(0, self.badge.findData(limits.badge_mode(self.store))))
        try:
            self.autostart.setChecked(autostart.is_enabled())
        except OSError:
            self.autostart.setEnabled(False)

    @Slot()
    def refresh(self) -> None:
        self.reload_sources()
        self.reload_plans()
        self.reload_logs()
        self.reload_preferences()

    @Slot()
    def save(self) -> None:
        try:
            svc.set_sync_intervals(self.store, self.logs_interval.value(), self.providers_interval.value() * 60)
            typed = self.timezone.currentText()
            zone = self.timezone.currentData() if typed == self.timezone.itemText(self.timezone.currentIndex()) \
                else typed
            svc.set_timezone(self.store, zone)
            svc.set_import_folders(self.store, self.folder_list())
            svc.set_appearance(self.store, self.appearance.currentData())
            if self.claude_consent.isChecked() != (limits.claude_consent(self.store) is True):
                limits.set_claude_consent(self.store, self.claude_consent.isChecked())
            limits.set_badge_mode(self.store, self.badge.currentData())
            if self.autostart.isEnabled() and self.autostart.isChecked() != autostart.is_enabled():
                autostart.set_enabled(self.autostart.isChecked())
        except (svc.SettingsError, TimezoneError, OSError) as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        self._say("Saved.", where=self.message)
        self.reload_logs()
        self.model.settingsChanged.emit()
