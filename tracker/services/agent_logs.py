"""Where each agent's logs were looked for and found: what Settings shows under "Agent logs"."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from tracker.services.log_import import SOURCES, import_folders, roots_with_folders
from tracker.storage import Store

AGENT_NAMES = {"claude_code": "Claude Code", "codex": "Codex CLI", "gemini_cli": "Gemini CLI"}
# Where each agent writes when nothing moves it, and the variable that does (as the agents document).
USUAL_PLACES = {
    "claude_code": ("~/.claude/projects", "CLAUDE_CONFIG_DIR"),
    "codex": ("~/.codex/sessions", "CODEX_HOME"),
    "gemini_cli": ("~/.gemini/tmp", "GEMINI_DATA_DIR"),
}


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

    @property
    def found(self) -> bool:
        return bool(self.folders)

    @property
    def problem(self) -> str | None:
        unreadable = [f.path for f in self.folders if not f.readable]
        if unreadable:
            return f"cannot read {', '.join(unreadable)}: check the folder's permissions"
        return None


def agent_log_status(store: Store) -> list[AgentStatus]:
    """Each agent: the folders found (with the user's extra folders), readable or not, files read so far."""
    roots, _notes = roots_with_folders([Path(f) for f in import_folders(store)])
    out = []
    for kind, module in SOURCES.items():
        folders = roots.get(kind, []) if roots is not None else module.roots(None)
        known = store.cursor_stat_keys(kind)
        statuses = []
        for folder in folders:
            prefix = str(folder).rstrip(os.sep) + os.sep
            statuses.append(FolderStatus(
                path=str(folder), readable=os.access(folder, os.R_OK | os.X_OK),
                files=sum(1 for path in known if path.startswith(prefix))))
        place, variable = USUAL_PLACES.get(kind, ("", ""))
        out.append(AgentStatus(kind, AGENT_NAMES.get(kind, kind), statuses, place, variable))
    return out
