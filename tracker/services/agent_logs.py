"""Where each agent's logs were looked for and found: Settings > Agent logs and `tracker sources agents`.

Every installed agent-log source (tracker.sources.registry), built-in or a
third party's, with what its plug-in declares (where the agent writes, the
variable that moves it) and what this machine has (folders, files read so
far, problems); plus the plug-ins that could not be loaded.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tracker.services.log_import import import_folders, roots_with_folders
from tracker.sources import registry
from tracker.sources.discovery import path_text
from tracker.storage import Store


@dataclass(frozen=True)
class FolderStatus:
    path: str
    readable: bool
    files: int  # log files read from it so far


@dataclass(frozen=True)
class AgentStatus:
    kind: str
    name: str
    folders: list[FolderStatus] = field(default_factory=list)
    usual_place: str = ""
    moved_by: str = ""
    origin: str = "built-in"  # or the package that installed the plug-in ("name version")
    looked_in: list[dict] = field(default_factory=list)  # every place the plug-in declares, with its variable's value
    files_read: int = 0  # files with a cursor: read at least once
    files_found: int | None = None  # log files there now (None: not looked for)
    problems: list[str] = field(default_factory=list)
    from_files: bool = False  # no folder of its own: read from files named to `tracker import` (an export)

    @property
    def found(self) -> bool:
        return bool(self.folders)

    @property
    def problem(self) -> str | None:
        every = self.every_problem
        return every[0] if every else None

    @property
    def every_problem(self) -> list[str]:
        unreadable = [path_text(f.path) for f in self.folders if not f.readable]
        first = [f"cannot read {', '.join(unreadable)}: check the folder's permissions"] if unreadable else []
        return first + self.problems

    def as_dict(self) -> dict:
        return {
            "kind": self.kind, "name": self.name, "origin": self.origin, "found": self.found,
            "folders": [{"path": path_text(f.path), "readable": f.readable, "files_read": f.files}
                        for f in self.folders],
            "looked_in": self.looked_in, "files_read": self.files_read, "files_found": self.files_found,
            "problems": self.every_problem,
        }


def agent_log_status(store: Store, look: bool = False, rescan: bool = False) -> list[AgentStatus]:
    """Each agent: the folders found (with the user's extra folders), readable or not, files read so far.

    look: also walk the folders (the files there now, folders that cannot be
    listed); rescan: look for newly installed plug-ins (registry.load).
    """
    loaded = registry.load(rescan=rescan)
    roots, notes = roots_with_folders([Path(f) for f in import_folders(store)])
    out = []
    for kind, source in loaded.sources.items():
        problems = [note for note in notes if note.startswith(f"{source.name} ")]
        try:
            folders = roots.get(kind, []) if roots is not None else source.roots(None)
        except Exception as exc:  # a plug-in's bug: shown, not fatal to the page or the others
            folders = []
            problems.append(f"could not work out its folders: {type(exc).__name__}: {exc}")
        known = store.cursor_stat_keys(kind)
        statuses = []
        for folder in folders:
            prefix = str(folder).rstrip(os.sep) + os.sep
            statuses.append(FolderStatus(
                path=str(folder), readable=os.access(folder, os.R_OK | os.X_OK),
                files=sum(1 for path in known if path.startswith(prefix))))
        files_found = None
        if look:
            files_found = _look(source, folders, problems)
        # where the agent writes when nothing moves it, and the variable that does (as the plug-in declares)
        usual = source.places[0] if source.places else None
        origin = loaded.origins[kind]
        out.append(AgentStatus(
            kind, source.name, statuses, usual.path if usual else "", usual.env if usual else "",
            origin="built-in" if origin.builtin else origin.distribution,
            looked_in=[{"path": place.path, "env": place.env or None,
                        "env_value": os.environ.get(place.env) if place.env else None} for place in source.places],
            files_read=len(known), files_found=files_found, problems=problems,
            from_files=source.recognises is not None and not source.places[0].env if source.places else False))
    return out


def _look(source, folders: list, problems: list[str]) -> int | None:
    unreadable: list[tuple[str, str]] = []
    try:
        files = source.discover(folders or None, unreadable) if folders else []
    except Exception as exc:
        problems.append(f"could not look for its logs: {type(exc).__name__}: {exc}")
        return None
    tops = {str(folder) for folder in folders}  # an unreadable folder itself is said once (every_problem)
    problems += [f"cannot read {path_text(path)} ({reason}): the logs in it are not imported"
                 for path, reason in unreadable if path not in tops]
    return len(files)


def plugin_problems() -> list[dict]:
    """The agent-log plug-ins that could not be loaded, and why (after the last registry.load)."""
    return [{"name": p.entry_point.name, "value": p.entry_point.value, "distribution": p.entry_point.distribution,
             "reason": p.reason, "message": p.message} for p in registry.load().problems]
