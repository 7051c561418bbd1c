"""Grok Build CLI: where its session logs are and how they are counted (reader: tracker.sources.grok_build).

Where: `$GROK_HOME` (the `.grok` folder itself; comma-separated, as the other
agents' variables are read), else `~/.grok`, on every system. Every
`updates.jsonl` below its `sessions/` (`<url-encoded cwd>/<session id>/updates.jsonl`,
a sub-agent's session beside its parent's): appended, read from a byte cursor.
docs/agents/grok-build.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "grok_build"
PROVIDER = "x-ai"
ENV = "GROK_HOME"
UPDATES_NAME = "updates.jsonl"
SESSIONS = "sessions"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit `.grok` folders (like GROK_HOME), else the environment, else ~/.grok."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    return discovery.unique_dirs(discovery.texts(configured or ()) or discovery.env_texts(ENV)
                                 or [discovery.join(discovery.home_text(), ".grok")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files = []
    for root in root_texts(configured):
        for stat in discovery.walk_files(discovery.join(root, SESSIONS), (UPDATES_NAME,), unreadable):
            if os.path.basename(stat.path) == UPDATES_NAME:
                files.append(stat)
    return files


def claim(folder: Path) -> Path | None:
    """A copy of a `.grok` folder (its `sessions/` holding session folders), or that `sessions/`."""
    if folder.name == SESSIONS and any(folder.glob(f"*/*/{UPDATES_NAME}")):
        return folder.parent
    if any((folder / SESSIONS).glob(f"*/*/{UPDATES_NAME}")):
        return folder
    return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Grok Build CLI",
        places=(Place("~/.grok/sessions", ENV),),
        roots=roots,
        discover=discover,
        parse="tracker.sources.grok_build:parse",
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="sessions/<encoded folder>/<session id>/updates.jsonl",
        dedup_key="the turn's _meta.eventId (a /fork's copy keeps it) and the model; without one, its prompt_id",
        # ids as logged: a `-build` coding model (grok-4.5-build) has no list price of its own, and the turn's
        # costUsdTicks (what xAI billed) prices it wherever Grok logged one; without one it stays unpriced
        pricing=PricingHints(provider=PROVIDER),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
