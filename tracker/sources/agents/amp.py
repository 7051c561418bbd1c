"""Amp (Sourcegraph's coding agent, CLI and editor extension): where its threads are (reader: tracker.sources.amp).

Where: `$AMP_DATA_DIR` (comma-separated; the variable ccusage reads) replaces
the default `~/.local/share/amp` (also `$XDG_DATA_HOME/amp` when that is set);
threads are `threads/T-<uuid>.json`, one JSON document per thread, rewritten
as it grows: read whole when it changed. Amp's own code is not public: the
layout is the one ccusage and tokscale read. docs/agents/amp.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "amp"
ENV = "AMP_DATA_DIR"
XDG_ENV = "XDG_DATA_HOME"
THREADS = "threads"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit data folders (like AMP_DATA_DIR entries), else AMP_DATA_DIR, else ~/.local/share/amp."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV)
    if configured:
        return discovery.unique_dirs(configured)
    candidates = [discovery.join(discovery.home_text(), ".local", "share", "amp")]
    xdg = os.environ.get(XDG_ENV, "").strip()
    if xdg:
        candidates.insert(0, discovery.join(os.path.expanduser(xdg), "amp"))
    return discovery.unique_dirs(candidates)


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    return [stat for root in root_texts(configured)
            for stat in discovery.walk_files(discovery.join(root, THREADS), (".json",), unreadable)]


def claim(folder: Path) -> Path | None:
    """A copy of Amp's data folder (holding `threads/`), or of `threads/` itself."""
    if folder.name == THREADS:
        return folder.parent
    return folder if (folder / THREADS).is_dir() else None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Amp",
        places=(Place("~/.local/share/amp/threads", ENV), Place("$XDG_DATA_HOME/amp/threads", XDG_ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.amp:parse",
        whole_files=(".json",),
        keep=LAST,
        claim=claim,
        folder_hint="threads/",
        dedup_key="thread id + message id (a usage-ledger event without a message: thread id + its event id)",
        pricing=PricingHints(),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
