"""Unexpected exceptions: logged to the rotating file and shown in a dialog with copyable details."""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout

from tracker.log import redact_secrets

log = logging.getLogger("tracker.crash")


class CrashDialog(QDialog):
    def __init__(self, details: str, log_path: Path | None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Tracker hit an unexpected error")
        self.resize(640, 400)
        layout = QVBoxLayout(self)
        where = f" It is also in the log file {log_path}." if log_path else ""
        layout.addWidget(QLabel("Something went wrong. The app keeps running; the details below can be copied "
                                f"into a bug report.{where}", wordWrap=True))
        self.details = QPlainTextEdit(details, readOnly=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                             | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(details))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class CrashReporter(QObject):
    """Installed as sys.excepthook; a signal hops exceptions from other threads to the GUI thread."""

    crashed = Signal(str)

    def __init__(self, log_path: Path | None = None, show_dialog: bool = True):
        super().__init__()
        self.log_path = log_path
        self.show_dialog = show_dialog
        self.reports: list[str] = []
        self._showing = False
        self.crashed.connect(self._show)
        self._previous = (sys.excepthook, threading.excepthook)

    def install(self) -> None:
        sys.excepthook = self.excepthook
        threading.excepthook = lambda args: self.excepthook(args.exc_type, args.exc_value, args.exc_traceback)

    def uninstall(self) -> None:
        sys.excepthook, threading.excepthook = self._previous

    def excepthook(self, exc_type, exc_value, exc_tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        details = redact_secrets("".join(traceback.format_exception(exc_type, exc_value, exc_tb)))
        log.error("unexpected error:\n%s", details)
        self.reports.append(details)
        self.crashed.emit(details)

    @Slot(str)
    def _show(self, details: str) -> None:
        if not self.show_dialog or self._showing:
            return
        self._showing = True
        try:
            CrashDialog(details, self.log_path).exec()
        finally:
            self._showing = False
