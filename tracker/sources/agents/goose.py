"""Goose (block/goose, now aaif-goose/goose): where its sessions database is (reader: tracker.sources.goose).

Where: `$GOOSE_PATH_ROOT/data/sessions/sessions.db` when GOOSE_PATH_ROOT is
set (Goose's own override), else Goose's data folder: `$XDG_DATA_HOME/goose`
or `~/.local/share/goose` on Linux and macOS (the `etcetera` crate's XDG
strategy), `%APPDATA%\\Block\\goose\\data` on Windows; ccusage also looks in
`~/Library/Application Support/goose` and `~/.local/share/Block/goose`, read
too. One SQLite database, `sessions/sessions.db` (Goose 1.10 and later),
rewritten in place: read whole when it or its `-wal` changed.
docs/agents/goose.md
"""

from __future__ import annotations

import os

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only: the folders are found as text, discovery.join)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "goose"
ENV = "GOOSE_PATH_ROOT"
XDG_ENV = "XDG_DATA_HOME"
DB_NAME = "sessions.db"


def _folders(folder: str | Path) -> list[str]:
    """The sessions folders a given folder may stand for: a GOOSE_PATH_ROOT, a data folder, or the folder itself."""
    return [discovery.join(folder, "data", "sessions"), discovery.join(folder, "sessions"), discovery.join(folder)]


def roots(configured: list[Path] | None = None) -> list[Path]:
    """Folders holding sessions.db: explicit ones (like GOOSE_PATH_ROOT), else GOOSE_PATH_ROOT, else the defaults."""
    return discovery.as_paths(root_texts(configured))


def root_texts(configured: list[Path] | None = None) -> list[str]:
    """roots() as texts."""
    configured = discovery.texts(configured or ()) or discovery.env_texts(ENV)
    if configured:
        candidates = [f for folder in configured for f in _folders(folder)]
    else:
        home = discovery.home_text()
        xdg = os.environ.get(XDG_ENV, "").strip()
        data = os.path.expanduser(xdg) if xdg else discovery.join(home, ".local", "share")
        candidates = [discovery.join(data, "goose", "sessions"),
                      discovery.join(home, "Library", "Application Support", "goose", "sessions"),
                      discovery.join(home, ".local", "share", "Block", "goose", "sessions")]
        appdata = os.environ.get("APPDATA", "").strip()
        if appdata:
            candidates += [discovery.join(appdata, "Block", "goose", "data", "sessions"),
                           discovery.join(appdata, "Block", "goose", "sessions")]
    return [folder for folder in discovery.unique_dirs(candidates)
            if os.path.isfile(discovery.join(folder, DB_NAME))]


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    files = []
    for root in root_texts(configured):
        path = discovery.join(root, DB_NAME)
        try:
            files.append(discovery.with_companions(discovery.FileStat.from_stat(path, os.stat(path))))
        except OSError as exc:
            if unreadable is not None:
                unreadable.append((root, exc.strerror or str(exc)))
    return files


def claim(folder: Path) -> Path | None:
    """A copy of Goose's data: a folder holding sessions.db, sessions/sessions.db or data/sessions/sessions.db."""
    return folder if any(os.path.isfile(discovery.join(f, DB_NAME)) for f in _folders(folder)) else None


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import LAST, AgentSource, Place, PricingHints

    source = AgentSource(
        kind=KIND,
        name="Goose",
        places=(Place("~/.local/share/goose/sessions", XDG_ENV), Place("$GOOSE_PATH_ROOT/data/sessions", ENV)),
        roots=roots,
        discover=discover,
        parse="tracker.sources.goose:parse",
        whole_files=(".db",),
        keep=LAST,
        claim=claim,
        folder_hint="sessions.db",
        dedup_key="session id + usage-ledger row id (one row per model call, since July 2026); a session "
                  "without ledger rows: the session id, its running totals replacing the earlier ones",
        pricing=PricingHints(),
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
