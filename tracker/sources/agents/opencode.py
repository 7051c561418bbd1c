"""OpenCode (sst/opencode, now anomalyco/opencode): where it keeps its sessions (reader: tracker.sources.opencode).

Where: its data folder, `$XDG_DATA_HOME/opencode`, else `~/.local/share/opencode`
(the npm package xdg-basedir, so the same path on macOS and Windows);
`$OPENCODE_DATA_DIR` (comma-separated, the variable ccusage reads) replaces it;
`$OPENCODE_DB` (an absolute path, or one relative to the data folder) names a
database of OpenCode's own. Read there:

* `opencode.db` and the channel databases `opencode-<channel>.db` (SQLite,
  1.2 and later): rewritten in place, so read whole when the database or its
  `-wal` changed;
* the JSON store of 0.x-1.1, `storage/message/<session>/<message>.json`, and of
  the earliest builds, `project/<name>/storage/session/message/<session>/<message>.json`:
  one file per message, rewritten while the message streams (read whole).
  docs/agents/opencode.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "opencode"
ENV = "OPENCODE_DATA_DIR"  # ccusage's variable (comma-separated data folders)
XDG_ENV = "XDG_DATA_HOME"  # OpenCode's own (xdg-basedir)
DB_ENV = "OPENCODE_DB"  # OpenCode's own: one database file
APP = "opencode"
DB_PREFIX, DB_SUFFIX = "opencode", ".db"


def _data_home() -> str:
    xdg = os.environ.get(XDG_ENV, "").strip()
    return discovery.join(os.path.expanduser(xdg)) if xdg else discovery.join(discovery.home_text(), ".local", "share")


def _named_db() -> str | None:
    """The database OPENCODE_DB names (relative paths are inside the default data folder), or None."""
    raw = os.environ.get(DB_ENV, "").strip()
    if not raw or raw == ":memory:":
        return None
    path = discovery.join(os.path.expanduser(raw))
    # (Path.is_absolute: on Windows, a root without a drive is not)
    absolute = os.path.isabs(path) and (os.sep == "/" or os.path.splitdrive(path)[0] != "")
    return path if absolute else discovery.join(_data_home(), APP, path)


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit data folders (like OPENCODE_DATA_DIR entries), else the environment, else the default."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV)
    if configured:
        return discovery.unique_dirs(configured)
    named = _named_db()
    return discovery.unique_dirs([discovery.join(_data_home(), APP)]
                                 + ([discovery.join(os.path.dirname(named))] if named else []))


def _is_database(name: str) -> bool:
    return name.startswith(DB_PREFIX) and name.endswith(DB_SUFFIX)


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    named = None if configured or discovery.env_texts(ENV) else _named_db()
    files: list[discovery.FileStat] = []
    seen: set[str] = set()
    for root in root_texts(configured):
        # the data folder also holds snapshots (git repositories), logs and binaries:
        # only its top level is listed for databases, and only the message folders walked
        try:
            with os.scandir(root) as entries:
                names = sorted(e.name for e in entries if _is_database(e.name) and e.is_file())
        except OSError as exc:
            if unreadable is not None:
                unreadable.append((root, exc.strerror or str(exc)))
            continue
        for name in names:
            _add(files, seen, os.path.join(root, name), database=True)
        for stat in discovery.walk_files(discovery.join(root, "storage", "message"), (".json",), unreadable):
            _add_stat(files, seen, stat)
        project = discovery.join(root, "project")
        if os.path.isdir(project):
            for stat in discovery.walk_files(project, (".json",), unreadable):
                parts = discovery.path_parts(stat.path[len(project):])
                if parts[-5:-2] == ["storage", "session", "message"]:  # .../storage/session/message/<ses>/<msg>.json
                    _add_stat(files, seen, stat)
    if named is not None and os.path.basename(named).endswith(DB_SUFFIX):
        _add(files, seen, named, database=True)
    return files


def _add(files: list, seen: set, path: str, database: bool) -> None:
    try:
        stat = discovery.FileStat.from_stat(path, os.stat(path))
    except OSError:
        return
    _add_stat(files, seen, discovery.with_companions(stat) if database else stat)


def _add_stat(files: list, seen: set, stat: discovery.FileStat) -> None:
    if stat.path not in seen:
        seen.add(stat.path)
        files.append(stat)


def claim(folder: Path) -> Path | None:
    """A copy of OpenCode's data folder: it holds `opencode*.db` or `storage/message/` (or is `opencode/`)."""
    if (folder / "storage" / "message").is_dir() or (folder / "project").is_dir() and folder.name == APP:
        return folder
    try:
        return folder if any(_is_database(p.name) and p.is_file() for p in folder.iterdir()) else None
    except OSError:
        return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="OpenCode",
        places=(Place("~/.local/share/opencode", XDG_ENV), Place("~/.local/share/opencode", ENV),
                Place("~/.local/share/opencode/opencode.db", DB_ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.opencode:parse",
        whole_files=(".db", ".json"),
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="opencode.db or storage/message/",
        dedup_key="the response's own fields (start time, provider, model and its five token counts): the same "
                  "response in the JSON store, the database and a forked session's copy counts once",
        pricing=PricingHints(aliases={"gemini-3-pro-high": "gemini-3-pro-preview", "k2p6": "kimi-k2.6"}),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
