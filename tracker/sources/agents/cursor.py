"""Cursor: its dashboard's usage CSV export, read when named (`tracker import FILE.csv`); reader: tracker.sources.cursor_csv.

Cursor keeps no usage on disk: cursor.com/dashboard > Usage > Export CSV writes
one row per request. The plug-in has no folder to look in; it recognises such
a file by its header (`Date`, `Model`, `Input (w/o Cache Write)`, ...).
docs/agents/cursor.md
"""

from __future__ import annotations

from tracker.sources import discovery

TYPE_CHECKING = False  # (for the annotations only)
if TYPE_CHECKING:
    from pathlib import Path

KIND = "cursor"
HEADER_MARKERS = ("Date", "Model", "Input (w/o Cache Write)")


def recognises(path: Path) -> bool:
    """A CSV whose first line names Cursor's usage columns."""
    if not str(path).lower().endswith(".csv"):
        return False
    try:
        with open(path, "rb") as fh:
            first = fh.readline(4096).decode("utf-8-sig", "replace")
    except OSError:
        return False
    return all(marker in first for marker in HEADER_MARKERS)


def roots(configured: list[Path] | None = None) -> list[Path]:
    """No folder: Cursor keeps no usage on disk."""
    return []


def discover(configured: list[Path] | None = None,
             unreadable: list[tuple[str, str]] | None = None) -> list[discovery.FileStat]:
    return []


def _declare() -> dict:
    """SOURCE, built the first time it is asked for (discovery.declared_on_first_use)."""
    from tracker.sources.plugin import LAST, AgentSource, Place

    source = AgentSource(
        kind=KIND,
        name="Cursor",  # (its usage comes from the dashboard's CSV export: the places and the docs say so)
        places=(Place("cursor.com/dashboard > Usage > Export CSV, then `tracker import FILE.csv`"),),
        roots=roots,
        discover=discover,
        parse="tracker.sources.cursor_csv:parse",
        whole_files=(".csv", ".CSV"),
        keep=LAST,
        dedup_key="a hash of the row's time, kind, model and counts (+ its rank among identical rows)",
        recognises=recognises,
    )
    return {"SOURCE": source}


__getattr__ = discovery.declared_on_first_use(globals(), ("SOURCE",), _declare)
