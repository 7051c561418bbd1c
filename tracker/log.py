"""Logging to a rotating file under the logs folder (never secrets)."""

from __future__ import annotations

import logging
import logging.handlers
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


def setup_logging(log_path: Path, level: int = logging.INFO) -> None:
    root = logging.getLogger("tracker")
    if any(getattr(h, "_tracker_file", None) == str(log_path) for h in root.handlers):
        return
    log_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handler = logging.handlers.RotatingFileHandler(
        log_path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler._tracker_file = str(log_path)  # type: ignore[attr-defined]
    handler.setFormatter(_RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    try:
        os.chmod(log_path, 0o600)
    except OSError:
        pass
