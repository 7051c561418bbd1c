"""Hermes Agent (NousResearch/hermes-agent): where its state database is (reader: tracker.sources.hermes).

Where: the Hermes home, `$HERMES_HOME` (Hermes's own variable; comma-separated
homes are read, as ccusage reads it), else `~/.hermes` (`%LOCALAPPDATA%\\hermes`
on Windows; `HERMES_DATA_DIR_SUFFIX` appended to either, as Hermes does). In a
home: `state.db` (SQLite, WAL mode), and each named profile's own home
`profiles/<name>/state.db`. Rewritten in place: read whole when the database
or its `-wal` changed. docs/agents/hermes.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "hermes"
ENV = "HERMES_HOME"
SUFFIX_ENV = "HERMES_DATA_DIR_SUFFIX"  # hermes_constants._get_platform_default_hermes_home
DB_NAME = "state.db"
PROFILES = "profiles"


def _default_home() -> str:
    suffix = os.environ.get(SUFFIX_ENV, "")
    if os.name == "nt":
        local = os.environ.get("LOCALAPPDATA", "").strip()
        base = local or discovery.join(discovery.home_text(), "AppData", "Local")
        return discovery.join(base, "hermes" + suffix)
    return discovery.join(discovery.home_text(), ".hermes" + suffix)


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Explicit Hermes homes (like HERMES_HOME entries), else HERMES_HOME, else the default home."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    return discovery.unique_dirs(discovery.texts(configured or ()) or discovery.env_texts(ENV) or [_default_home()])


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files: list[discovery.FileStat] = []
    seen: set[str] = set()
    for root in root_texts(configured):
        homes = [root]
        profiles = discovery.join(root, PROFILES)
        if os.path.isdir(profiles):  # each named profile is a Hermes home of its own (hermes_constants)
            try:
                with os.scandir(profiles) as entries:
                    homes += sorted(discovery.join(profiles, e.name) for e in entries
                                    if not e.name.startswith(".") and e.is_dir(follow_symlinks=False))
            except OSError as exc:
                if unreadable is not None:
                    unreadable.append((profiles, exc.strerror or str(exc)))
        for home in homes:
            path = discovery.join(home, DB_NAME)
            if path in seen:
                continue
            try:
                st = os.stat(path)
            except OSError:  # a home without a database yet (or a profile never used)
                continue
            seen.add(path)
            files.append(discovery.with_companions(discovery.FileStat.from_stat(path, st)))
    return files


def claim(folder: Path) -> Path | None:
    """A copy of a Hermes home: a folder holding state.db, or profiles/<name>/state.db."""
    if (folder / DB_NAME).is_file():
        return folder
    try:
        profiles = folder / PROFILES
        if profiles.is_dir() and any((p / DB_NAME).is_file() for p in profiles.iterdir()):
            return folder
    except OSError:
        return None
    return None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Hermes Agent",
        places=(Place("~/.hermes/state.db", ENV),),
        roots=roots,
        discover=discover,
        parse="tracker.sources.hermes:parse",
        whole_files=(".db",),
        keep=LAST,
        claim=claim,
        folder_hint="state.db (a Hermes home)",
        dedup_key="the session id: one row per session, its running totals replacing the earlier ones (the "
                  "same database copied elsewhere or read again is the same rows)",
        pricing=PricingHints(),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
