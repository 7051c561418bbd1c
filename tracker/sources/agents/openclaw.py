"""OpenClaw (formerly Clawdbot / Moltbot): where its agents' transcripts are (reader: tracker.sources.pi_sessions).

Where: `<state dir>/agents/<agent id>/sessions/<session id>.jsonl` (a
Telegram topic: `<session id>-topic-<thread>.jsonl`; a reset or deleted
session renamed `.jsonl.reset.<time>` / `.jsonl.deleted.<time>`), the state
dir being `$OPENCLAW_STATE_DIR` (OpenClaw's own variable) or `~/.openclaw`
(`~/.clawdbot`, `~/.moltbot`, `~/.moldbot` from the earlier names, read too);
`$OPENCLAW_DIR` (comma-separated state dirs, the variable ccusage reads)
replaces them. pi's session format (OpenClaw runs pi's agent core): appended,
read from a byte cursor. docs/agents/openclaw.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "openclaw"
ENV = "OPENCLAW_DIR"  # ccusage's: state dirs, comma-separated
STATE_ENV = "OPENCLAW_STATE_DIR"  # OpenClaw's own
STATE_FOLDERS = (".openclaw", ".clawdbot", ".moltbot", ".moldbot")
ARCHIVED = (".jsonl.reset.", ".jsonl.deleted.")


def roots(configured: list[Path] | None = None) -> list[Path]:
    """State dirs: explicit ones (like OPENCLAW_DIR entries), else the variables, else ~/.openclaw and its
    earlier names."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV) or discovery.env_texts(STATE_ENV)
    if configured:
        return discovery.unique_dirs(configured)
    return discovery.unique_dirs(discovery.join(discovery.home_text(), name) for name in STATE_FOLDERS)


def is_transcript(name: str) -> bool:
    return name.endswith(".jsonl") or any(marker in name for marker in ARCHIVED)


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files = []
    for root in root_texts(configured):
        for stat in discovery.walk_files(discovery.join(root, "agents"), ("",), unreadable):
            parts = discovery.path_parts(stat.path)
            if len(parts) >= 4 and parts[-2] == "sessions" and parts[-4] == "agents" and is_transcript(parts[-1]):
                files.append(stat)
    return files


def claim(folder: Path) -> Path | None:
    """A copy of a state dir (it holds `agents/<id>/sessions/`), or its `agents/` folder."""
    for candidate, root in ((folder / "agents", folder), (folder, folder.parent)):
        try:
            if candidate.name == "agents" and any(os.path.isdir(p / "sessions") for p in candidate.iterdir()):
                return root
        except OSError:
            continue
    return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.agents.pi import PRICING
    from tracker.sources.plugin import MOST_COMPLETE, AgentSource, Place

    source = AgentSource(
        kind=KIND,
        name="OpenClaw",
        places=(Place("~/.openclaw/agents", STATE_ENV), Place("~/.openclaw/agents", ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.pi_sessions:parse_openclaw",
        keep=MOST_COMPLETE,
        claim=claim,
        folder_hint="agents/<id>/sessions/*.jsonl",
        dedup_key="the response's own fields (its time, provider, model and four token counts): a reset or "
                  "deleted transcript's renamed copy and a compaction checkpoint's copy count once",
        pricing=PRICING,
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
