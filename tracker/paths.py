"""Where state lives. TRACKER_HOME moves every file the app writes.

Layout under TRACKER_HOME (or the platform folders from platformdirs):
  data/tracker.db      the store          data/backups/   before each migration, and daily
  config/prices.json   user price overrides   config/ladders.json   user model ladders
  logs/tracker.log     rotating log
"""

from __future__ import annotations

import os
import sys
from collections import namedtuple

# pathlib is imported where a Path is made: the quick report (tracker.quick) finds its files with
# folder_texts alone (pathlib and the urllib.parse, ipaddress and fnmatch it loads: ~4 ms at start-up).
TYPE_CHECKING = False  # (for the annotations only)
if TYPE_CHECKING:
    from pathlib import Path

APP_NAME = "tracker"
HOME_ENV = "TRACKER_HOME"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
FOLDER_NAMES = ("data", "config", "logs", "cache")  # under TRACKER_HOME: Paths' fields in order
DB_NAME = "tracker.db"  # in the data folder
BACKUP_FOLDER = "backups"  # in the data folder


class Paths(namedtuple("Paths", "data_dir config_dir log_dir cache_dir")):
    """The app's folders (Path each). A named tuple: dataclasses cost ~9 ms at start-up (tracker.quick)."""

    __slots__ = ()

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_NAME

    @property
    def backup_dir(self) -> Path:
        return self.data_dir / BACKUP_FOLDER

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
    from pathlib import Path

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
    from pathlib import Path

    root = home or os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser().resolve()
        return Paths(*(base / name for name in FOLDER_NAMES))
    return Paths(*(Path(folder) for folder in _user_dirs()))


def folder_texts() -> tuple[str, str, str, str] | None:
    """get_paths()'s folders (data, config, log, cache) as text, found without pathlib; None where that
    cannot be told the same way (a home folder `~user` that expanduser cannot find, which get_paths refuses).

    The same folders, not always the same text: a Path drops a doubled or trailing separator and `.` parts,
    which name the same folder to the file system. For the quick report (tracker.quick), which opens files
    by them and prints none; tests/perf/test_quick.py checks that they name get_paths()'s folders.
    """
    root = os.environ.get(HOME_ENV)
    if root:
        expanded = os.path.expanduser(root)
        if expanded.startswith("~"):
            return None
        base = os.path.realpath(expanded)
        return tuple(os.path.join(base, name) for name in FOLDER_NAMES)
    return _user_dirs()


def demo_paths() -> Paths:
    """The demo universe: its own state folder, never mixed with real data."""
    from pathlib import Path

    return get_paths(Path(_user_dirs()[3]) / "demo"
                     if not os.environ.get(HOME_ENV)
                     else Path(os.environ[HOME_ENV]) / "demo")


# The user's data, config, state and cache folders as platformdirs finds them on Linux (XDG), in its own
# words, so that finding them costs no import (platformdirs and the pathlib and tempfile it loads: ~8 ms of
# every command). Anywhere else, or whenever the environment is one these lines do not cover, platformdirs
# itself answers; tests/perf/test_quick.py checks the two agree.
_XDG = (("XDG_DATA_HOME", "~/.local/share"), ("XDG_CONFIG_HOME", "~/.config"), ("XDG_STATE_HOME", "~/.local/state"),
        ("XDG_CACHE_HOME", "~/.cache"))


def _user_dirs() -> tuple[str, str, str, str]:
    """(data, config, log, cache) folders of the app outside TRACKER_HOME."""
    found = _xdg_dirs()
    if found is not None:
        return found
    import platformdirs

    return (platformdirs.user_data_dir(APP_NAME, appauthor=False), platformdirs.user_config_dir(APP_NAME, appauthor=False),
            platformdirs.user_log_dir(APP_NAME, appauthor=False), platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def _xdg_dirs() -> tuple[str, str, str, str] | None:
    if not sys.platform.startswith("linux") or hasattr(sys, "getandroidapilevel") \
            or os.environ.get("ANDROID_DATA") or os.environ.get("ANDROID_ROOT"):
        return None
    home = os.environ.get("HOME")
    bases = []
    for variable, default in _XDG:
        value = os.environ.get(variable, "")
        if not os.path.isabs(value):  # unset, empty or relative: the default below the home folder
            if home is None or not os.path.isabs(home):  # platformdirs then asks the password database
                return None
            value = os.path.expanduser(default)
        bases.append(os.path.join(value, APP_NAME))
    data, config, state, cache = bases
    return data, config, os.path.join(state, "log"), cache


def resource_path(*parts: str) -> Path:
    """A file under resources/, both in a checkout and in a pyinstaller bundle."""
    from pathlib import Path

    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        return Path(bundle_root, "resources", *parts)
    return Path(__file__).resolve().parent.parent.joinpath("resources", *parts)


def home_relative(path: str) -> str:
    """A path as a person reads it: under the home folder, "~/..." (as the agents' own docs write theirs);
    anywhere else as it is."""
    home = os.path.expanduser("~").rstrip(os.sep)
    if home and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path
