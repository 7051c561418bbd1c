"""Where state lives. TRACKER_HOME moves every file the app writes.

Layout under TRACKER_HOME (or the platform folders from platformdirs):
  data/tracker.db      the store          data/backups/   before each migration, and daily
  config/prices.json   user price overrides   config/ladders.json   user model ladders
  logs/tracker.log     rotating log
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "tracker"
HOME_ENV = "TRACKER_HOME"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


@dataclass(frozen=True)
class Paths:
    data_dir: Path
    config_dir: Path
    log_dir: Path
    cache_dir: Path

    @property
    def db_path(self) -> Path:
        return self.data_dir / "tracker.db"

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def user_prices_path(self) -> Path:
        return self.config_dir / "prices.json"

    @property
    def log_path(self) -> Path:
        return self.log_dir / "tracker.log"

    def ensure(self) -> "Paths":
        for folder in (self.data_dir, self.config_dir, self.log_dir, self.cache_dir):
            make_private_dir(folder)
        return self

    def as_dict(self) -> dict[str, str]:
        return {
            "data": str(self.data_dir),
            "database": str(self.db_path),
            "backups": str(self.backup_dir),
            "config": str(self.config_dir),
            "prices": str(self.user_prices_path),
            "logs": str(self.log_dir),
            "cache": str(self.cache_dir),
        }


def make_private_dir(folder: Path) -> None:
    """Create `folder` and any missing parents 0700 (mkdir(parents=True) gives parents the umask's mode)."""
    folder = Path(folder)
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    for created in reversed(missing):
        created.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        os.chmod(created, PRIVATE_DIR_MODE)
    folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write a file only its owner can read (0600), also when it already existed with a looser mode."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), PRIVATE_FILE_MODE)
        handle.write(data)


def get_paths(home: str | os.PathLike | None = None) -> Paths:
    root = home or os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser().resolve()
        return Paths(base / "data", base / "config", base / "logs", base / "cache")
    import platformdirs  # ~10 ms to import: only when TRACKER_HOME does not say where

    return Paths(
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


def demo_paths() -> Paths:
    """The demo universe: its own state folder, never mixed with real data."""
    import platformdirs

    return get_paths(Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)) / "demo"
                     if not os.environ.get(HOME_ENV)
                     else Path(os.environ[HOME_ENV]) / "demo")


def resource_path(*parts: str) -> Path:
    """A file under resources/, both in a checkout and in a pyinstaller bundle."""
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root, "resources", *parts)
    return Path(__file__).resolve().parent.parent.joinpath("resources", *parts)
