"""Logging to a rotating file under the logs folder (never secrets)."""

from __future__ import annotations

import logging
import os
import re
import sys
TYPE_CHECKING = False  # (for the annotations only)
if TYPE_CHECKING:
    from pathlib import Path

# API keys of the providers we poll (OpenAI sk-/sk-proj-/sk-admin-, Anthropic sk-ant-..., OpenRouter
# sk-or-v1-..., DeepSeek sk-...): a second line of defence for crash reports and the log file,
# behind code that never puts a key in a message in the first place.
_KEY_PATTERN = re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}")
REDACTED = "sk-…[redacted]"


def redact_secrets(text: str) -> str:
    return _KEY_PATTERN.sub(REDACTED, text)


class _RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact_secrets(super().format(record))

LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
PRIVATE_LOG_MODE = 0o600


class _RotatingLogFile(logging.Handler):
    """The rotating log file, opened on the first record.

    Most command-line runs log nothing, and logging.handlers (which imports
    socket and pickle) costs ~8 ms at start-up, a tenth of an import with
    nothing new.

    Every file it writes, rotated ones included, is private (0600): the
    standard handler opens each new file with the umask's mode (0644). A log
    that cannot be written (a full disk, a read-only folder) costs one line on
    stderr and then nothing: the standard handler printed a traceback per
    record, ~70 lines before the message that mattered.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self._tracker_file = str(path)
        self._file: logging.Handler | None = None
        self._failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if self._failed:
            return
        try:
            if self._file is None:
                self._file = self._open_file()
            self._file.emit(record)
        except Exception:
            self.handleError(record)

    def _open_file(self) -> logging.Handler:
        import logging.handlers

        outer = self

        class PrivateRotatingFile(logging.handlers.RotatingFileHandler):
            def _open(self):
                fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, PRIVATE_LOG_MODE)
                try:
                    os.chmod(self.baseFilename, PRIVATE_LOG_MODE)  # an older file may have a looser mode
                except OSError:
                    pass
                return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

            def handleError(self, record):  # a failed write or rotation: the outer handler's one line
                outer.handleError(record)

        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = PrivateRotatingFile(self.path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
        handler.setFormatter(self.formatter)
        return handler

    def handleError(self, record: logging.LogRecord) -> None:
        if self._failed:
            return
        self._failed = True  # no more attempts in this run: each would fail the same way
        error = sys.exc_info()[1]
        reason = getattr(error, "strerror", None) or error or "unknown error"
        try:
            sys.stderr.write(f"tracker: cannot write the log file {self.path} ({reason}); not logging for the rest "
                             "of this run\n")
        except Exception:  # no stderr either (a GUI without a console)
            pass

    def flush(self) -> None:
        if self._file is not None:
            try:
                self._file.flush()
            except Exception:  # at exit on a full disk: said once already, or about to be
                self.handleError(None)

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except Exception:
                self.handleError(None)
        super().close()


def setup_logging(log_path: Path, level: int = logging.INFO) -> None:
    root = logging.getLogger("tracker")
    if any(getattr(h, "_tracker_file", None) == str(log_path) for h in root.handlers):
        return
    handler = _RotatingLogFile(log_path)
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
