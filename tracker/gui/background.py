"""Run a slow read off the GUI thread, with its own database connection, and hand the result back.

SQLite connections belong to the thread that opened them, so the job opens its
own AppContext on the same paths. The result comes back through a queued
signal to the GUI thread; a newer request supersedes an older one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from tracker.paths import Paths
from tracker.services.context import AppContext, open_context

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(int, object)
    failed = Signal(int, str)


class _Job(QRunnable):
    def __init__(self, paths: Paths, demo: bool, func: Callable[[AppContext], object], relay: _Relay, ticket: int):
        super().__init__()
        self.paths, self.demo, self.func, self.relay, self.ticket = paths, demo, func, relay, ticket

    def run(self) -> None:
        try:
            with open_context(self.paths, demo=self.demo) as ctx:
                result = self.func(ctx)
        except Exception as exc:  # shown on the page, never raised in a pool thread
            log.exception("background read failed")
            self.relay.failed.emit(self.ticket, f"{type(exc).__name__}: {exc}")
            return
        self.relay.done.emit(self.ticket, result)


class BackgroundReader(QObject):
    """`request(func)` runs func(ctx) in the pool; `on_done(result)` / `on_error(text)` run on the GUI thread."""

    def __init__(self, paths: Paths, demo: bool, on_done: Callable[[object], None],
                 on_error: Callable[[str], None], parent: QObject | None = None):
        super().__init__(parent)
        self.paths, self.demo = paths, demo
        self.on_done, self.on_error = on_done, on_error
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self.relay = _Relay(self)
        self.relay.done.connect(self._done)
        self.relay.failed.connect(self._failed)
        self._ticket = 0
        self._awaited: int | None = None  # the ticket whose answer the page waits for, until it is handed over

    def request(self, func: Callable[[AppContext], object]) -> None:
        self._ticket += 1
        self._awaited = self._ticket
        self.pool.start(_Job(self.paths, self.demo, func, self.relay, self._ticket))

    def cancel(self) -> None:
        """Drop the answer of the read under way (the page no longer shows what it asked for)."""
        self._ticket += 1
        self._awaited = None

    @property
    def busy(self) -> bool:
        """A read is under way, or its answer is not on the page yet: the pool thread has finished, but
        the answer's queued signal waits for the GUI thread's next turn (a screenshot taken then caught
        the page half drawn)."""
        return self._awaited is not None

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.waitForDone(timeout_ms)

    @Slot(int, object)
    def _done(self, ticket: int, result: object) -> None:
        if self._hand_over(ticket):  # (an older request's answer is stale)
            self.on_done(result)

    @Slot(int, str)
    def _failed(self, ticket: int, text: str) -> None:
        if self._hand_over(ticket):
            self.on_error(text)

    def _hand_over(self, ticket: int) -> bool:
        """Whether the answer of `ticket` is the one awaited; it is then no longer awaited."""
        if ticket != self._awaited:
            return False
        self._awaited = None
        return True


class PageReads(QObject):
    """A page's reads: in the pool (the dashboard), or inline where `background` is off (tests call
    `refresh()` and look at the page at once, as over the GUI thread's own context).

    `read(func)` runs func(ctx) -> result; `on_done(result)` or `on_error(text)` then run on the GUI
    thread. In the pool, an answer that a newer read overtook is dropped (BackgroundReader).
    """

    def __init__(self, context: Callable[[], AppContext], background: bool, on_done: Callable[[object], None],
                 on_error: Callable[[str], None], parent: QObject | None = None):
        super().__init__(parent)
        self.context, self.background = context, background
        self.on_done, self.on_error = on_done, on_error
        self.reader: BackgroundReader | None = None

    def read(self, func: Callable[[AppContext], object]) -> None:
        ctx = self.context()
        if not self.background:
            try:
                result = func(ctx)
            except Exception as exc:  # shown on the page, as a background read's error is
                log.exception("read failed")
                self.on_error(f"{type(exc).__name__}: {exc}")
                return
            self.on_done(result)
            return
        if self.reader is None:  # a page lives in one universe (a switch makes new pages)
            self.reader = BackgroundReader(ctx.paths, ctx.demo, self.on_done, self.on_error, self)
        self.reader.request(func)

    def cancel(self) -> None:
        if self.reader is not None:
            self.reader.cancel()

    @property
    def busy(self) -> bool:
        return self.reader is not None and self.reader.busy

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Let the read under way finish (tests, and a page being closed)."""
        return self.reader is None or self.reader.wait(timeout_ms)
