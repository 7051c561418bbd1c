"""Finding agent log files: where they are, and each one's stat in the same pass.

Standard library only: every import (even one with nothing new) walks the
agents' folders, and source plug-ins (tracker.sources.plugin) declare their
discovery with these helpers without loading any reader.

* roots: the agents' environment variables and HOME as the agents (and
  ccusage) read them (env_list, home, unique_dirs); the built-ins find them
  as text (env_texts, home_text, join: the text a Path would have), so that
  `tracker import` with nothing new loads no pathlib;
* walk_files: every log file below a root with the stat that the import
  compares with the one stored beside the file's cursor (FileStat.stat_key):
  an unchanged file costs one stat();
* with_companions: the stat of a file that another file completes (an SQLite
  database and its write-ahead log), so that a change to either is seen.
"""

from __future__ import annotations

import os
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator
from stat import S_ISREG

# pathlib is imported where a Path is made: the built-ins' discovery finds its folders as text, and `tracker
# import` with nothing new loads no pathlib (and the urllib.parse and ipaddress it loads: ~3 ms at start-up).
TYPE_CHECKING = False  # (for the annotations only)
if TYPE_CHECKING:
    from pathlib import Path


def path_text(path: str) -> str:
    """A path as text that can be stored, printed and sent as JSON.

    A file or folder name that is not valid UTF-8 (written by a tool in another
    encoding) comes from the file system with its bad bytes as lone surrogates
    (surrogateescape), which SQLite, orjson and a terminal all refuse: here
    they become `\\xNN`. Only for text shown or stored beside the data (a
    session named after its file, a message); files are opened by their real
    path.
    """
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    return path


def home() -> Path:
    """The user's home as the agents see it (HOME first, like os.homedir())."""
    from pathlib import Path

    return Path(home_text())


def env_list(name: str) -> list[Path]:
    """A comma-separated path list from the environment (empty entries dropped)."""
    return as_paths(env_texts(name))


def home_text() -> str:
    """home() as text."""
    return join(os.path.expanduser("~"))


def env_texts(name: str) -> list[str]:
    """env_list(name) as texts."""
    raw = os.environ.get(name, "")
    return [join(os.path.expanduser(part.strip())) for part in raw.split(",") if part.strip()]


def join(*parts: str | os.PathLike) -> str:
    """str(Path(*parts)), without pathlib where paths are POSIX ones: the same text (`.` parts, doubled and
    trailing separators dropped; `..` kept; two leading separators kept, more than two made one), so that a
    file found below a root found as text has the same path as one found below its Path (the import keys its
    cursor by that path)."""
    if os.sep != "/" or os.altsep:
        from pathlib import Path

        return str(Path(*parts))
    text = os.path.join(*map(os.fspath, parts)) if parts else ""
    if type(text) is not str:
        raise TypeError(f"argument should be a str or an os.PathLike object returning str, not {type(text)!r}")
    if not text.startswith("/"):
        root = ""
    else:
        root = "//" if text.startswith("//") and not text.startswith("///") else "/"
    inner = "/".join(part for part in text.split("/") if part and part != ".")
    return root + inner or "."


def texts(paths: Iterable[str | os.PathLike]) -> list[str]:
    """Paths (or texts) as the text of each one's Path (join)."""
    return [join(path) for path in paths]


def as_paths(found: Iterable[str | os.PathLike]) -> list[Path]:
    """Texts (or paths) as Paths: the roots a plug-in's `roots` returns."""
    from pathlib import Path

    return [Path(text) for text in found]


def unique_dirs(paths: Iterable[Path]) -> list[Path]:
    """Existing directories, each once (two spellings of one folder count once)."""
    seen: set[str] = set()
    result = []
    for path in paths:
        # a folder that is not there (most of the places the agents might write) costs one stat, not
        # realpath's walk of every part of its path (~60 of them on every import)
        if not os.path.isdir(path):
            continue
        try:
            real = os.path.realpath(path)
        except OSError:
            continue
        if real in seen or not os.path.isdir(real):
            continue
        seen.add(real)
        result.append(path)
    return result


# Listing a folder by its open descriptor and stat-ing each file relative to it
# resolves one name per file instead of the whole path: an import with nothing
# new stats every log (thousands), so this halves its file-system time.
_STAT_IN_FOLDER = os.scandir in os.supports_fd and os.stat in os.supports_dir_fd
_OPEN_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)
# FileStat(...) as its named tuple's own __new__ makes it, without that Python-level call: one per log file,
# thousands on every import (~0.5 ms of the walk)
_new_tuple = tuple.__new__


def walk_files(root: Path | str, suffixes: tuple[str, ...],
               unreadable: list[tuple[str, str]] | None = None) -> Iterator[FileStat]:
    """Files under root ending with one of suffixes, with their stat, in a stable order.

    Like os.walk (top-down, sorted names, symlinked folders not entered,
    unreadable folders and files that vanish meanwhile left out), plus the stat
    the incremental import compares with its cursors, taken in the same pass.
    A folder that exists but cannot be listed (no permission, an I/O error) is
    added to `unreadable` as (path, reason): its logs are missing, and the
    import says so instead of counting less without a word.
    """
    for _, files in walk_folders(root, suffixes, unreadable):
        yield from files


def walk_folders(root: Path | str, suffixes: tuple[str, ...],
                 unreadable: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, list[FileStat]]]:
    """walk_files' files folder by folder: (folder, its files), for each folder that has some.

    For a source that decides by the folder (Claude Code's sub-agent folders): once per folder
    rather than once per file. A stack, not recursion: nested generators would pass every file
    up through each level of folders (Codex nests four deep).
    """
    pending = [str(root)]
    while pending:
        top = pending.pop()
        prefix = top if top.endswith(os.sep) else top + os.sep
        files, folders = _folder_files(top, prefix, suffixes, unreadable)
        if files:
            yield top, files
        pending.extend(prefix + name for name in reversed(folders))


def _folder_files(top: str, prefix: str, suffixes: tuple[str, ...],
                  unreadable: list[tuple[str, str]] | None) -> tuple[list[FileStat], list[str]]:
    """(the folder's matching regular files with their stats, its subfolder names), each sorted by name;
    nothing for a missing or unreadable folder."""
    folder_fd = None
    matching, folders = [], []
    try:
        if _STAT_IN_FOLDER:
            folder_fd = os.open(top, _OPEN_FOLDER_FLAGS)
        with os.scandir(folder_fd if folder_fd is not None else top) as entries:
            for entry in entries:
                try:
                    if entry.is_dir():
                        if not entry.is_symlink():
                            folders.append(entry.name)
                    elif entry.name.endswith(suffixes):
                        matching.append(entry.name)
                except OSError:
                    continue
        matching.sort()
        folders.sort()
        files = []
        for name in matching:
            try:
                # by the folder's descriptor: one name resolved per file, not the whole path (an import
                # with nothing new stats every log)
                st = os.stat(name, dir_fd=folder_fd) if folder_fd is not None else os.stat(prefix + name)
            except OSError:  # deleted since the listing
                continue
            if S_ISREG(st.st_mode):  # a FIFO would block the read forever; a device is no log
                files.append(_new_tuple(FileStat, (prefix + name, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)))
        return files, folders
    except (FileNotFoundError, NotADirectoryError):  # gone since it was listed: nothing missing
        return [], []
    except OSError as exc:
        if unreadable is not None:
            unreadable.append((top, exc.strerror or str(exc)))
        return [], []
    finally:
        if folder_fd is not None:
            os.close(folder_fd)


def path_parts(path: str) -> list[str]:
    """The components of a path string (both separators on Windows, like Path.parts)."""
    return os.path.normpath(path).split(os.sep)



class FileStat(namedtuple("FileStat", "path dev ino size mtime_ns")):
    """A log file's identity and size when it was looked at (a tuple: thousands are made per import):
    path (str), dev, ino, size, mtime_ns. (collections' namedtuple: typing costs ~2 ms at start-up.)"""

    __slots__ = ()

    @classmethod
    def from_stat(cls, path: str, st: os.stat_result) -> "FileStat":
        return cls(path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    @property
    def stat_key(self) -> str:
        """The stat as one text, stored beside the file's cursor: the same text next time means unchanged.

        (Same device, inode, size and modification time; migration m070 wrote it for older cursors.)
        """
        return f"{self.dev}:{self.ino}:{self.size}:{self.mtime_ns}"



def with_companions(stat: FileStat, suffixes: tuple[str, ...] = ("-wal",)) -> FileStat:
    """The stat of a file together with the files that complete it (its path + each suffix).

    An SQLite database in WAL mode (OpenCode's, Crush's) takes new rows into
    `<db>-wal` and copies them into the database file only at a checkpoint:
    the database's own size and mtime stay the same meanwhile, so a whole-file
    source would never see the change. Here the companions' sizes are added
    and the latest mtime taken; the identity (device, inode) stays the main
    file's. A companion that is missing counts as empty.
    """
    size, mtime_ns = stat.size, stat.mtime_ns
    for suffix in suffixes:
        try:
            st = os.stat(stat.path + suffix)
        except OSError:
            continue
        size += st.st_size
        mtime_ns = max(mtime_ns, st.st_mtime_ns)
    return stat._replace(size=size, mtime_ns=mtime_ns)


def declared_on_first_use(module_globals: dict, names: tuple[str, ...],
                          declare: Callable[[], dict]) -> Callable[[str], object]:
    """A built-in plug-in module's `__getattr__` (PEP 562): its `names` (`SOURCE`, ...), which `declare()`
    returns as {name: value}, are built the first time one of them is asked for.

    The command line's quick look (`tracker import` with nothing new) walks with each built-in's `KIND` and
    module-level `discover` alone (registry.builtin_finders), without the plug-in classes
    (tracker.sources.plugin imports dataclasses and inspect: ~9 ms at start-up); `SOURCE.discover` is that
    same function. Built once: two threads asking at once both get the first one kept.
    """
    def __getattr__(name: str):
        if name not in names:
            raise AttributeError(f"module {module_globals['__name__']!r} has no attribute {name!r}")
        for key, value in declare().items():
            module_globals.setdefault(key, value)
        return module_globals[name]

    return __getattr__
