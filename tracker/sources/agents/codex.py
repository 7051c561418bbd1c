"""Codex CLI: where its rollouts are and how they are counted (reader: tracker.sources.codex).

Where: `$CODEX_HOME` (comma-separated allowed; default `~/.codex`), its
`sessions/` and `archived_sessions/`; a folder with neither is read directly
(saved `codex exec --json` output). A file present under the same relative
path in both is read once, from `sessions/`. docs/agents/codex.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "codex"
PROVIDER = "openai"
ENV = "CODEX_HOME"
SESSION_FOLDERS = ("sessions", "archived_sessions")


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit folders (like CODEX_HOME entries), else CODEX_HOME, else ~/.codex."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    return discovery.unique_dirs(discovery.texts(configured or ()) or discovery.env_texts(ENV)
                                 or [discovery.join(discovery.home_text(), ".codex")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files: list[discovery.FileStat] = []
    for root in root_texts(configured):
        sessions, archived = discovery.join(root, "sessions"), discovery.join(root, "archived_sessions")
        has_sessions, has_archived = os.path.isdir(sessions), os.path.isdir(archived)
        if not has_sessions and not has_archived:
            files.extend(discovery.walk_files(root, (".jsonl",), unreadable))
            continue
        # relative paths as text: walk_files joins below the root string it is given
        seen = set()
        if has_sessions:
            cut = len(sessions) + 1
            for stat in discovery.walk_files(sessions, (".jsonl",), unreadable):
                seen.add(stat.path[cut:])
                files.append(stat)
        if has_archived:
            cut = len(archived) + 1
            for stat in discovery.walk_files(archived, (".jsonl",), unreadable):
                # archived under the same relative path: the sessions/ copy counts
                # (any other archived copy maps to the same event keys anyway)
                if stat.path[cut:] not in seen:
                    files.append(stat)
    return files


def claim(folder: Path) -> Path | None:
    """A copy of a Codex home (with `sessions/` or `archived_sessions/`), or one of those folders itself."""
    if folder.name in SESSION_FOLDERS:
        return folder.parent
    if any((folder / name).is_dir() for name in SESSION_FOLDERS):
        return folder
    return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Codex CLI",
        places=(Place("~/.codex/sessions", ENV), Place("~/.codex/archived_sessions", ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.codex:parse",
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="sessions/",
        dedup_key="thread id + the thread's cumulative token totals (a file without session_meta: "
                  "the event's time + the totals)",
        pricing=PricingHints(provider=PROVIDER),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
