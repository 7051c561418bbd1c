"""One sync as the tray app runs it, in a process of its own: `python -m tests.reliability.gui_sync`.

The real SyncWorker on its QThread (Qt offscreen, no window) runs its first
sync (agent logs and provider accounts, services.sync.scheduled_sync) and the
process exits: 0 with the sync report as JSON on stdout, 1 with the failure on
stderr. TRACKER_HOME, HOME and the agents' variables say where, as for the CLI.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QObject, Slot  # noqa: E402

from tracker.gui.worker import SyncController, SyncWorker  # noqa: E402
from tracker.services.context import open_context  # noqa: E402

DAY_S = 86_400  # no second sync by timer while this one runs


class _Outcome(QObject):
    def __init__(self, app: QCoreApplication):
        super().__init__()
        self.app = app
        self.report: dict | None = None
        self.failure: str | None = None

    @Slot(object)
    def finished(self, report: dict) -> None:
        self.report = report
        self.app.quit()

    @Slot(str)
    def failed(self, message: str) -> None:
        self.failure = message
        self.app.quit()


def main() -> int:
    app = QCoreApplication(sys.argv[:1])
    outcome = _Outcome(app)
    worker = SyncWorker(open_context, logs_interval_s=DAY_S, providers_interval_s=DAY_S)
    worker.finished.connect(outcome.finished)
    worker.failed.connect(outcome.failed)
    controller = SyncController(worker)
    controller.start()
    app.exec()
    controller.stop()
    if outcome.failure is not None:
        print(outcome.failure, file=sys.stderr)
        return 1
    report = outcome.report or {}
    print(json.dumps({k: report.get(k) for k in ("logs", "providers", "errors")}, default=str))
    return 1 if report.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
