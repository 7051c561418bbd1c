"""Logging to a rotating file under the logs folder (never secrets)."""

from __future__ import annotations

import logging
import os
import re
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


class _RotatingLogFile(logging.Handler):
    """The rotating log file, opened on the first record.

    Most command-line runs log nothing, and logging.handlers (which imports
    socket and pickle) costs ~8 ms at start-up, a tenth of an import with
    nothing new.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self._tracker_file = str(path)
        self._file: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._file is None:
            import logging.handlers

            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._file = logging.handlers.RotatingFileHandler(
                self.path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
            self._file.setFormatter(self.formatter)
            try:
                os.chmod(self.path, 0o600)
            except OSError:
                pass
        self._file.emit(record)

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        super().close()


def setup_logging(log_path: Path, level: int = logging.INFO) -> None:
    root = logging.getLogger("tracker")
    if any(getattr(h, "_tracker_file", None) == str(log_path) for h in root.handlers):
        return
    handler = _RotatingLogFile(log_path)
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
