"""First run with nothing to show: offer the demo and the settings instead of an empty window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from tracker.gui.model import DashboardModel


class WelcomePage(QWidget):
    def __init__(self, model: DashboardModel, parent=None):
        super().__init__(parent)
        self.model = model
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 60, 60, 60)
        layout.addStretch(1)
        layout.addWidget(QLabel("Welcome to Tracker", objectName="pageTitle"), alignment=Qt.AlignmentFlag.AlignHCenter)
        text = QLabel(
            "No usage yet. Tracker reads the logs of Claude Code, Codex CLI and Gemini CLI on this computer "
            "and polls the provider accounts you add. It found no agent logs and no accounts are set up.\n\n"
            "Add a provider account, or look around with generated demo data first (kept apart from your own).")
        text.setWordWrap(True)
        text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(text)
        self.settings_button = QPushButton("Add a provider account…")
        self.demo_button = QPushButton("Try the demo")
        self.import_button = QPushButton("Look for agent logs again")
        for b in (self.settings_button, self.demo_button, self.import_button):
            b.setMinimumWidth(260)
            layout.addWidget(b, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        self.settings_button.clicked.connect(model.settingsRequested)
        self.import_button.clicked.connect(model.syncRequested)
        self.demo_button.clicked.connect(lambda: model.demoRequested.emit(True))  # this window switches to it
