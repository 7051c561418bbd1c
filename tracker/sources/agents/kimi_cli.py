"""Kimi CLI: where its wire logs are and how they are counted (reader: tracker.sources.kimi_cli).

Where: `$KIMI_DATA_DIR` (comma-separated, the `.kimi` folder itself, as ccusage
reads it), else `$KIMI_SHARE_DIR` (Kimi CLI's own variable), else `~/.kimi`.
Every `wire.jsonl` below its `sessions/` (`<work-dir md5>/<session id>/wire.jsonl`
and each sub-agent's `subagents/<agent id>/wire.jsonl`) and `imported_sessions/`:
appended, read from a byte cursor. docs/agents/kimi-cli.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "kimi_cli"
PROVIDER = "moonshotai"
ENV = "KIMI_DATA_DIR"
SHARE_ENV = "KIMI_SHARE_DIR"
WIRE_NAME = "wire.jsonl"
SESSION_FOLDERS = ("sessions", "imported_sessions")


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit `.kimi` folders (like KIMI_DATA_DIR entries), else the environment, else ~/.kimi."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    return discovery.unique_dirs(discovery.texts(configured or ()) or discovery.env_texts(ENV)
                                 or discovery.env_texts(SHARE_ENV) or [discovery.join(discovery.home_text(), ".kimi")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files = []
    for root in root_texts(configured):
        for folder in SESSION_FOLDERS:
            for stat in discovery.walk_files(discovery.join(root, folder), (WIRE_NAME,), unreadable):
                if os.path.basename(stat.path) == WIRE_NAME:
                    files.append(stat)
    return files


def claim(folder: Path) -> Path | None:
    """A copy of a `.kimi` folder (its `sessions/` beside `kimi.json` or `config.toml`), or that `sessions/`."""
    if folder.name in SESSION_FOLDERS:
        return folder.parent
    if (folder / "sessions").is_dir() and any((folder / name).is_file() for name in ("kimi.json", "config.toml")):
        return folder
    return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Kimi CLI",
        places=(Place("~/.kimi/sessions", ENV), Place("$KIMI_SHARE_DIR/sessions", SHARE_ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.kimi_cli:parse",
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="sessions/ beside kimi.json",
        dedup_key="the response's message_id (the same step in a sub-agent's own log, a forked or imported "
                  "session is one row); without one, its time and counts",
        pricing=PricingHints(provider=PROVIDER),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
