"""Logging to a rotating file under the logs folder (never secrets)."""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

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
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    try:
        os.chmod(log_path, 0o600)
    except OSError:
        pass
