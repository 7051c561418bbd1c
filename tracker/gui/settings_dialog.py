"""Settings: provider sources (keys to keyring), sync intervals, timezone, currency, login, folders."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QListWidget, QListWidgetItem, QMessageBox, QPushButton, QSpinBox, QTabWidget, QVBoxLayout, QWidget,
)

from tracker.core.timeutil import TimezoneError
from tracker.gui.menu_model import source_label
from tracker.gui.theme import TEXT_MUTED
from tracker.services import autostart
from tracker.services import settings as svc

if TYPE_CHECKING:  # the GUI uses the store only through service functions
    from tracker.storage import Store


class SettingsDialog(QDialog):
    settingsChanged = Signal()

    def __init__(self, store: "Store", parent=None, demo: bool = False):
        super().__init__(parent)
        self.store = store
        self.setWindowTitle("Tracker settings")
        self.resize(620, 480)
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs)
        self.tabs.addTab(self._sources_tab(), "Sources")
        self.tabs.addTab(self._sync_tab(), "Sync")
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
        keys = svc.key_storage()
        self.key_note = QLabel(f"Keys are kept in {keys.where} and never shown again.", wordWrap=True,
                               styleSheet=f"color: {TEXT_MUTED};")
        layout.addWidget(self.key_note)
        self.key_warning = QLabel(keys.warning or "", wordWrap=True, styleSheet="color: #c62828;")
        self.key_warning.setVisible(bool(keys.warning))
        layout.addWidget(self.key_warning)
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
        self._say(f"Added {source_label(source.kind)} '{source.label}'; its key is in {svc.key_storage().where}.")
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
            if self.autostart.isEnabled() and self.autostart.isChecked() != autostart.is_enabled():
                autostart.set_enabled(self.autostart.isChecked())
        except (svc.SettingsError, TimezoneError, OSError) as exc:
            QMessageBox.warning(self, "Settings not saved", str(exc))
            return
        self._say("Saved.")
        self.settingsChanged.emit()
