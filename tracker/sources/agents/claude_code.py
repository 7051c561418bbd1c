"""Claude Code: where its transcripts are and how they are counted (reader: tracker.sources.claude_code).

Where: `$CLAUDE_CONFIG_DIR` (comma-separated; each entry may already end in
`projects`) replaces the defaults `$XDG_CONFIG_HOME/claude/projects` (else
`~/.config/claude/projects`) and `~/.claude/projects` (both read). Every
`*.jsonl` below them, which covers sub-agent transcripts in both layouts
(`<session>/subagents/agent-*.jsonl` and the older flat `agent-*.jsonl`);
`journal.jsonl` in a sub-agents folder is workflow metadata. docs/agents/claude-code.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "claude_code"
PROVIDER = "anthropic"
ENV = "CLAUDE_CONFIG_DIR"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit folders (like CLAUDE_CONFIG_DIR entries), else the environment, else the defaults."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV)
    if configured:
        candidates = [p if os.path.basename(p) == "projects" else discovery.join(p, "projects") for p in configured]
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        config = os.path.expanduser(xdg) if xdg else discovery.join(discovery.home_text(), ".config")
        candidates = [discovery.join(config, "claude", "projects"),
                      discovery.join(discovery.home_text(), ".claude", "projects")]
    return discovery.unique_dirs(candidates)


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    main, agents = [], []
    for root in root_texts(configured):
        below = len(root)
        for folder, stats in discovery.walk_folders(root, (".jsonl",), unreadable):
            cut = len(folder) + (not folder.endswith(os.sep))  # each file's name starts there
            if "subagents" in discovery.path_parts(folder[below:]):
                agents += [stat for stat in stats if stat.path[cut:] != "journal.jsonl"]
                continue
            for stat in stats:
                (agents if stat.path.startswith("agent-", cut) else main).append(stat)
    # main transcripts before sub-agent ones (each in walk order), so that on a
    # tie the main copy of a replayed message is the one kept
    return main + agents


def claim(folder: Path) -> Path | None:
    """A copy of a Claude Code folder: `projects/` itself, or a folder holding it."""
    return folder if folder.name == "projects" or (folder / "projects").is_dir() else None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Claude Code",
        places=(Place("~/.claude/projects", ENV), Place("~/.config/claude/projects", ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.claude_code:parse",
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="projects/",
        dedup_key="message.id (else requestId, else a hash of the line); of the copies, the main transcript's, "
                  "then the one with the most tokens",
        pricing=PricingHints(provider=PROVIDER),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
