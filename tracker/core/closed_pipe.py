"""A command whose reader went away (`tracker report sessions --json | head -1`): nothing more said, status 1.

What click's main does on EPIPE: the streams' last flushes say nothing about the closed pipe, not even the
interpreter's own at exit, and the command ends with status 1. The command line's paths without click (the
quick answers, the import) end the same way.
"""

from __future__ import annotations

import errno
import sys

CLOSED_PIPE_STATUS = 1


def is_closed_pipe(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno == errno.EPIPE


class QuietOnClosedPipe:
    """A stream whose flush says nothing about a closed pipe (EPIPE); everything else is the stream's."""

    def __init__(self, wrapped):
        self.wrapped = wrapped

    def flush(self) -> None:
        try:
            self.wrapped.flush()
        except OSError as exc:
            if not is_closed_pipe(exc):
                raise

    def __getattr__(self, name):
        return getattr(self.wrapped, name)


def quiet_streams() -> int:
    """Nothing more is said on stdout or stderr; the status the command ends with."""
    sys.stdout = QuietOnClosedPipe(sys.stdout)
    sys.stderr = QuietOnClosedPipe(sys.stderr)
    return CLOSED_PIPE_STATUS
