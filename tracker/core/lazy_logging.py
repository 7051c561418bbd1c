"""Loggers, and the log file's set-up, without importing logging until something loads it.

Most command-line runs log nothing, and the logging module (with the traceback, string and weakref modules it
loads) costs ~4 ms at start-up: a tenth of `tracker import` after an append. So:

* `get_logger(name)` is a stand-in for logging.getLogger(name) that imports logging on its first use (a
  record logged, a level asked);
* `when_logging_loads(action)` runs `action` (the app's: install the log file, tracker.log.setup_logging) at
  once when logging is loaded already, else the moment anything loads it: a logger of this module, a module
  that calls logging.getLogger itself, or a library. A record can only be logged once logging is loaded, so
  the log file gets every record it got when it was installed first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

LOGGING = "logging"


class LazyLogger:
    """logging.getLogger(name), got when first used."""

    __slots__ = ("name", "_logger")

    def __init__(self, name: str):
        self.name = name
        self._logger = None

    def __getattr__(self, attribute: str):  # info, warning, exception, isEnabledFor, ... of the real logger
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self.name)
        return getattr(self._logger, attribute)

    def __repr__(self) -> str:
        return f"LazyLogger({self.name!r})"


def get_logger(name: str) -> LazyLogger:
    return LazyLogger(name)


_pending: list[Callable[[], None]] = []  # what runs when logging loads, in order


def when_logging_loads(action: Callable[[], None]) -> None:
    """`action()` now if logging is loaded, else right after it loads (before the import that loads it returns)."""
    if LOGGING in sys.modules:
        action()
        return
    if not _pending:
        sys.meta_path.insert(0, _WhenLoaded())
    _pending.append(action)


def pending() -> int:
    """How many actions wait for logging to load."""
    return len(_pending)


def _run_pending() -> None:
    waiting, _pending[:] = list(_pending), []
    for action in waiting:
        action()


class _WhenLoaded:
    """An import finder ahead of the others that finds nothing itself: when the logging module is imported, it
    has the next finder find it, and runs the pending actions right after the module has run."""

    def find_spec(self, name, path=None, target=None):
        if name != LOGGING:
            return None
        try:
            sys.meta_path.remove(self)  # once: every later import of logging finds it loaded
        except ValueError:  # (another thread's import of it took this finder out already)
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            spec = find(name, path, target) if find is not None else None
            if spec is not None:
                spec.loader = _ThenRunPending(spec.loader)
                return spec
        return None


class _ThenRunPending:
    """The logging module's own loader, which then runs the pending actions."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module) -> None:
        self.loader.exec_module(module)
        module.__loader__ = module.__spec__.loader = self.loader  # the module as any import leaves it
        _run_pending()

    def __getattr__(self, attribute: str):
        return getattr(self.loader, attribute)
