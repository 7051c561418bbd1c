"""Gemini CLI: where its chats are and how they are counted (reader: tracker.sources.gemini_cli).

Where: `$GEMINI_DATA_DIR` (comma-separated; the `tmp` folder itself, as
ccusage reads it), else `$GEMINI_CLI_HOME/.gemini/tmp` (Gemini CLI's own home
override; `$GEMINI_CLI_HOME/tmp` also accepted, as tokscale reads it), else
`~/.gemini/tmp`. Chats live in `tmp/<project>/chats/`: legacy whole-session
`*.json`, rewritten on every turn (read whole when it changed), and `*.jsonl`
(appended: read from a byte cursor). docs/agents/gemini-cli.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "gemini_cli"
PROVIDER = "google"
ENV = "GEMINI_DATA_DIR"
HOME_ENV = "GEMINI_CLI_HOME"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit `tmp` folders (like GEMINI_DATA_DIR entries), else the environment, else ~/.gemini/tmp."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV)
    if configured:
        return discovery.unique_dirs(configured)
    cli_home = discovery.env_texts(HOME_ENV)
    if cli_home:
        return discovery.unique_dirs([discovery.join(p, ".gemini", "tmp") for p in cli_home]
                                     + [discovery.join(p, "tmp") for p in cli_home])
    return discovery.unique_dirs([discovery.join(discovery.home_text(), ".gemini", "tmp")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files = []
    for root in root_texts(configured):
        for stat in discovery.walk_files(root, (".json", ".jsonl"), unreadable):
            if os.path.basename(os.path.dirname(stat.path)) == "chats":
                files.append(stat)
    return files


def claim(folder: Path) -> Path | None:
    """A copy of Gemini CLI's `tmp/` folder, or a folder holding one."""
    if folder.name == "tmp":
        return folder
    return folder / "tmp" if (folder / "tmp").is_dir() else None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Gemini CLI",
        places=(Place("~/.gemini/tmp", ENV), Place("$GEMINI_CLI_HOME/.gemini/tmp", HOME_ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.gemini_cli:parse",
        whole_files=(".json",),
        keep=LAST,
        claim=claim,
        folder_hint="tmp/",
        dedup_key="session id + message id (a record written again with its id replaces the earlier one)",
        pricing=PricingHints(provider=PROVIDER),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
