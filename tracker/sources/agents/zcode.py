"""ZCode (Z.ai's desktop coding agent): where its usage database is (reader: tracker.sources.zcode).

Where: `$ZCODE_HOME` (comma-separated, the `.zcode` folder itself, the variable
ccusage reads), else `~/.zcode` (the same on Linux, macOS and Windows). ZCode's
engine keeps one SQLite database, `cli/db/db.sqlite`, whose `model_usage` table
has a row per model call; rewritten in place (WAL): read whole when it or its
`-wal` changed. docs/agents/zcode.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "zcode"
ENV = "ZCODE_HOME"
DB_PARTS = ("cli", "db", "db.sqlite")


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit `.zcode` folders (like ZCODE_HOME entries), else ZCODE_HOME, else ~/.zcode."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts: only the folders that hold the database."""
    candidates = (discovery.texts(configured or ()) or discovery.env_texts(ENV)
                  or [discovery.join(discovery.home_text(), ".zcode")])
    return [folder for folder in discovery.unique_dirs(candidates)
            if os.path.isfile(discovery.join(folder, *DB_PARTS))]


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    name = DB_PARTS[-1]
    return [discovery.with_companions(stat)  # its -wal too: ZCode's new rows sit there until a checkpoint
            for root in root_texts(configured)
            for stat in discovery.walk_files(discovery.join(root, *DB_PARTS[:-1]), (name,), unreadable)
            if os.path.basename(stat.path) == name]


def claim(folder: Path) -> Path | None:
    """A copy of a `.zcode` folder (it holds cli/db/db.sqlite), or of its `cli/` or `cli/db/` folder."""
    for depth in range(3):  # .zcode, .zcode/cli, .zcode/cli/db
        if os.path.isfile(discovery.join(folder, *DB_PARTS[depth:])):
            return _up(folder, depth)
    return None


def _up(folder: Path, levels: int) -> Path | None:
    """The `.zcode` folder `folder` sits `levels` below, if its names say so (cli/db), else None."""
    expected = DB_PARTS[:levels]
    parts = folder.parts[len(folder.parts) - levels:] if levels else ()
    if tuple(parts) != expected:
        return None
    for _ in range(levels):
        folder = folder.parent
    return folder


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="ZCode",
        places=(Place("~/.zcode/cli/db/db.sqlite", ENV),),
        roots=roots,
        discover=discover,
        parse="tracker.sources.zcode:parse",
        whole_files=(".sqlite",),
        keep=LAST,
        claim=claim,
        folder_hint="cli/db/db.sqlite",
        dedup_key="the model_usage row's id (one per model call; the same database in two places is one row)",
        pricing=PricingHints(prefixes=PREFIXES),
    )
    return {"SOURCE": source}


# provider/model ids a custom (gateway) channel logs (`z-ai/glm-5.3`, `anthropic/claude-…`): the prefix
# names the vendor (genai-prices' provider id); the reader sets the provider of Z.ai's own channels
PREFIXES = {"z-ai/": "zai", "zai-org/": "zai", "zai/": "zai", "glm/": "zai", "anthropic/": "anthropic",
            "openai/": "openai", "moonshotai/": "moonshotai", "deepseek/": "deepseek", "google/": "google"}

__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
