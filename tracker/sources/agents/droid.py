"""Droid (Factory): where its session totals are and how they are counted (reader: tracker.sources.droid).

Where: `$DROID_SESSIONS_DIR` (comma-separated, the `sessions` folder itself, as
ccusage reads it), else `~/.factory/sessions`. Droid keeps no per-request usage
on disk: each session's `<session id>.settings.json` holds the session's running
`tokenUsage`, rewritten as the session runs (read whole when it changed, one
row per session, the newest totals replacing the earlier). docs/agents/droid.md
"""

from __future__ import annotations

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "droid"
ENV = "DROID_SESSIONS_DIR"
SETTINGS_SUFFIX = ".settings.json"


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit `sessions` folders (like DROID_SESSIONS_DIR entries), else the variable, else ~/.factory/sessions."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    return discovery.unique_dirs(discovery.texts(configured or ()) or discovery.env_texts(ENV)
                                 or [discovery.join(discovery.home_text(), ".factory", "sessions")])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    return [stat for root in root_texts(configured)
            for stat in discovery.walk_files(root, (SETTINGS_SUFFIX,), unreadable)]


def claim(folder: Path) -> Path | None:
    """A copy of Droid's `sessions/` folder (holding `*.settings.json`), or a folder holding one."""
    for candidate in (folder, folder / "sessions"):
        if candidate.name == "sessions" and candidate.is_dir() \
                and next(candidate.rglob("*" + SETTINGS_SUFFIX), None) is not None:
            return candidate
    return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Droid",
        places=(Place("~/.factory/sessions", ENV),),
        roots=roots,
        discover=discover,
        parse="tracker.sources.droid:parse",
        whole_files=(SETTINGS_SUFFIX,),
        keep=LAST,
        claim=claim,
        folder_hint=".factory/sessions/",
        dedup_key="the session id (one row per session: its latest running totals)",
        pricing=PricingHints(),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
