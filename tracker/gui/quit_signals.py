"""SIGINT/SIGTERM quit the app cleanly, without a polling timer.

Qt's event loop does not return to Python while idle, so Python signal
handlers would only run on the next event. `signal.set_wakeup_fd` writes the
signal number to a socket that a QSocketNotifier watches: the loop wakes at
once and the app quits through its normal path (worker stopped, lock freed).
"""

from __future__ import annotations

import signal
import socket

from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier
from PySide6.QtWidgets import QApplication

QUIT_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class SignalQuitter(QObject):
    def __init__(self, app: QApplication, on_quit: Callable[[], None] | None = None):
        super().__init__(app)
        self.app = app
        self.on_quit = on_quit or app.quit
        self.received: list[int] = []
        self._rsock, self._wsock = socket.socketpair()
        for sock in (self._rsock, self._wsock):
            sock.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._wsock.fileno())
        self._previous = {sig: signal.signal(sig, self._python_handler) for sig in QUIT_SIGNALS}
        self.notifier = QSocketNotifier(self._rsock.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._on_wakeup)

    def _python_handler(self, signum, frame) -> None:
        # The C-level handler already wrote to the wakeup socket; nothing else to do here.
        pass

    def _on_wakeup(self, *args) -> None:
        try:
            data = self._rsock.recv(64)
        except (BlockingIOError, InterruptedError):
            return
        self.received.extend(data)
        if any(b in (int(s) for s in QUIT_SIGNALS) for b in data):
            self.on_quit()

    def restore(self) -> None:
        self.notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._rsock.close()
        self._wsock.close()
