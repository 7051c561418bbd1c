"""Qwen Code: where its chats are and how they are counted (reader: tracker.sources.qwen_code).

Where: `$QWEN_DATA_DIR` (comma-separated; the `.qwen` folder itself, as
ccusage reads it), else `$QWEN_RUNTIME_DIR` (Qwen Code's own variable for
its runtime output, which holds `projects/`), else `~/.qwen`. Chats:
`projects/<sanitized cwd>/chats/<session id>.jsonl`, appended (read from a
byte cursor), and every `*.jsonl` below `chats/` (archived sessions, agent
transcripts): a record copied there keeps its uuid, and its key. docs/agents/qwen-code.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "qwen_code"
ENV = "QWEN_DATA_DIR"
RUNTIME_ENV = "QWEN_RUNTIME_DIR"
PROJECTS = "projects"
CHATS = "chats"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit `.qwen` folders (like QWEN_DATA_DIR entries), else the environment, else ~/.qwen."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    return discovery.unique_dirs(discovery.texts(configured or ()) or discovery.env_texts(ENV)
                                 or discovery.env_texts(RUNTIME_ENV) or [discovery.join(discovery.home_text(), ".qwen")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files = []
    for root in root_texts(configured):
        projects = discovery.join(root, PROJECTS)
        below = len(projects)
        for stat in discovery.walk_files(projects, (".jsonl",), unreadable):
            # projects/<project>/chats/...: a chats folder right below a project's
            parts = discovery.path_parts(stat.path[below:].lstrip(os.sep))
            if len(parts) >= 3 and parts[1] == CHATS:
                files.append(stat)
    return files


def claim(folder: Path) -> Path | None:
    """A copy of a `.qwen` folder (holding `projects/`), or its `projects/` folder itself."""
    if folder.name == PROJECTS:
        return folder.parent
    return folder if (folder / PROJECTS).is_dir() else None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Qwen Code",
        places=(Place("~/.qwen/projects", ENV), Place("$QWEN_RUNTIME_DIR/projects", RUNTIME_ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.qwen_code:parse",
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="projects/",
        dedup_key="the record's uuid (a /branch copy or an archived copy keeps it)",
        # Qwen Code talks to any OpenAI-compatible endpoint: a router's vendor prefix names the maker
        pricing=PricingHints(prefixes={"anthropic/": "anthropic", "openai/": "openai", "google/": "google",
                                       "deepseek/": "deepseek", "moonshotai/": "moonshotai", "x-ai/": "x-ai",
                                       "z-ai/": "zai"}),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
