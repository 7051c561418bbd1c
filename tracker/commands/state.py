"""What every command shares that needs no click: the lazily opened app context, and the sentence for an
error a user can fix.

commands.base wraps these for click (pass_state, user_errors); the command line's quick entry point
(tracker.quick) runs `tracker import` with them and without click (~12 ms of imports).
"""

from __future__ import annotations

from tracker.core.timeutil import TimezoneError
from tracker.paths import demo_paths, get_paths
from tracker.services.context import AppContext, StoreError, open_universe
from tracker.services.database import DatabaseError, describe_failure


class AppState:
    """What the group passes to every command; opens the store on first use."""

    def __init__(self, demo: bool = False):
        self.demo = demo
        self._context: AppContext | None = None

    @property
    def paths(self):
        return demo_paths() if self.demo else get_paths()

    def context(self) -> AppContext:
        if self._context is None:
            from tracker.core.lazy_logging import when_logging_loads

            log_path = self.paths.ensure().log_path
            # installed when logging loads (~4 ms at start-up): before the first record, by whatever logs it
            when_logging_loads(lambda: _log_to(log_path))
            self._context = open_universe(self.demo)
        return self._context

    def close(self) -> None:
        if self._context is not None:
            self._context.close()
            self._context = None


def _log_to(log_path) -> None:
    from tracker.log import setup_logging

    setup_logging(log_path)


def user_error_message(exc: BaseException) -> str | None:
    """The one-line message for an error the user can fix (the command says it and exits 1), or None."""
    if isinstance(exc, UnicodeEncodeError):  # (a ValueError) bytes a terminal passed that are not UTF-8 text
        text = exc.object if isinstance(exc.object, str) else ""
        return (f"'{text.encode('utf-8', 'backslashreplace').decode()}' holds bytes that are not UTF-8 text: "
                "type it again, or check the terminal's encoding")
    if isinstance(exc, (StoreError, TimezoneError, ValueError)):
        return str(exc)
    if isinstance(exc, (DatabaseError, OSError)):  # a damaged file, a full disk, a read-only folder
        return describe_failure(exc, get_paths())
    return None
