"""One app per user: a lock file says who owns the state, a local socket lets a second launch reach it.

A second `tracker` (a click in the application menu, a second `tracker --demo`) must
not just refuse: it asks the running app to show its dashboard (over the real data
or the demo, as the second launch asked) and exits 0. The lock (QLockFile, with the
owner's pid, so a crashed owner's lock is taken over) decides who owns the app; the
socket (QLocalServer, private to the user) only carries the request.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal, Slot
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

LOCK_FILE = "tracker.lock"
LOCK_WAIT_MS = 200
# A second launch may come while the owner is still starting (its socket not yet listening).
CONNECT_ATTEMPTS = 8
CONNECT_WAIT_MS = 250
REPLY_WAIT_MS = 5_000
SHOW_REAL, SHOW_DEMO = b"show real", b"show demo"
REPLY_OK = b"ok"
MAX_REQUEST_BYTES = 64


def server_name(lock_dir: Path) -> str:
    """A socket name per user and state folder (tests and TRACKER_HOME get their own)."""
    digest = hashlib.sha256(str(Path(lock_dir).resolve()).encode()).hexdigest()[:16]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return f"tracker-{uid}-{digest}"


class SingleInstance(QObject):
    """Owns the lock and the socket while the app runs; emits `showRequested(demo)` for each second launch."""

    showRequested = Signal(bool)

    def __init__(self, lock_dir: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.lock_dir = Path(lock_dir)
        self.name = server_name(self.lock_dir)
        self.lock = QLockFile(str(self.lock_dir / LOCK_FILE))
        self.lock.setStaleLockTime(0)  # a dead owner's lock is detected by its pid, not by age
        self.server: QLocalServer | None = None

    def acquire(self) -> bool:
        """Become the running instance: False when another one holds the lock."""
        if not self.lock.tryLock(LOCK_WAIT_MS):
            return False
        QLocalServer.removeServer(self.name)  # we hold the lock: a socket left by a crash is stale
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not self.server.listen(self.name):
            # the app still works; only a second launch cannot bring it to the front
            log.warning("instance: cannot listen on %s: %s", self.name, self.server.errorString())
        self.server.newConnection.connect(self._on_connection)
        return True

    def release(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None
        self.lock.unlock()

    def owner_pid(self) -> int | None:
        info = self.lock.getLockInfo()  # PySide6: (pid, hostname, appname), pid 0 when unreadable
        pid = info[0] if isinstance(info, tuple) and info else 0
        return pid if isinstance(pid, int) and pid > 0 else None

    @Slot()
    def _on_connection(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(self._on_request)
            socket.disconnected.connect(socket.deleteLater)

    @Slot()
    def _on_request(self) -> None:
        socket = self.sender()
        if not isinstance(socket, QLocalSocket) or not socket.canReadLine():
            return
        request = bytes(socket.readLine(MAX_REQUEST_BYTES)).strip()
        if request not in (SHOW_REAL, SHOW_DEMO):
            log.warning("instance: ignored a request of %d bytes", len(request))
            socket.disconnectFromServer()
            return
        socket.write(REPLY_OK + b"\n")
        socket.flush()
        log.info("instance: a second launch asked to show the %s", "demo" if request == SHOW_DEMO else "dashboard")
        self.showRequested.emit(request == SHOW_DEMO)


def ask_running_instance(lock_dir: Path, demo: bool) -> bool:
    """From a second launch: ask the running app to show its dashboard. True when it answered."""
    socket = QLocalSocket()
    name = server_name(lock_dir)
    for _ in range(CONNECT_ATTEMPTS):
        socket.connectToServer(name)
        if socket.waitForConnected(CONNECT_WAIT_MS):
            break
        socket.abort()
        time.sleep(CONNECT_WAIT_MS / 1000)  # a refused connection fails at once: wait before the next try
    else:
        return False
    socket.write((SHOW_DEMO if demo else SHOW_REAL) + b"\n")
    socket.flush()
    answered = False
    while socket.waitForReadyRead(REPLY_WAIT_MS):
        if socket.canReadLine():
            answered = bytes(socket.readLine(MAX_REQUEST_BYTES)).strip() == REPLY_OK
            break
    socket.disconnectFromServer()
    return answered
