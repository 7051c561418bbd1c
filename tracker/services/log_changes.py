"""What an import compares before it reads anything: which agent logs changed since their cursors.

Every installed agent-log source (tracker.sources.registry) discovers its files,
and each file's stat is compared with the one stored beside its cursor. The
import (services.log_import) reads what changed; the command line's quick
answer (tracker.quick) says that nothing did, with these same steps and
without loading the import's own machinery (parse workers, the store's
writes, the records' classes).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from tracker.sources import registry
from tracker.sources.discovery import FileStat, path_text

TYPE_CHECKING = False  # (for the annotations only: pathlib is imported where a Path is made, see discovery)
if TYPE_CHECKING:
    from pathlib import Path

IMPORT_FOLDERS_SETTING = "import.folders"  # the user's extra folders (Settings), see roots_with_folders


class ImportReport:
    """What an import did: its counts, by source, and every problem met.

    A plain class, not a dataclass: dataclasses imports inspect (~9 ms at start-up), which the quick look
    (tracker.quick) does without."""

    __slots__ = ("files_seen", "files_read", "files_unchanged", "files_failed", "events_added", "events_written",
                 "limit_readings", "lines_parsed", "lines_skipped", "bytes_read", "seconds", "workers", "by_source",
                 "errors", "folders_unreadable", "plugins_skipped")

    def __init__(self) -> None:
        self.files_seen = 0
        self.files_read = 0
        self.files_unchanged = 0
        self.files_failed = 0
        self.events_added = 0
        self.events_written = 0
        self.limit_readings = 0  # plan limit-window readings written (Codex rate_limits)
        self.lines_parsed = 0  # lines looked at after the byte prefilter
        self.lines_skipped: Counter = Counter()
        self.bytes_read = 0
        self.seconds = 0.0
        self.workers = 0  # parse worker processes started (0: everything in this process)
        self.by_source: dict = {}
        self.errors: list[str] = []
        self.folders_unreadable: list[str] = []  # log folders that could not be listed
        self.plugins_skipped = 0  # agent-log plug-ins that could not be loaded (their reasons are in errors)

    def __repr__(self) -> str:
        return f"ImportReport({', '.join(f'{name}={getattr(self, name)!r}' for name in self.__slots__)})"

    def as_dict(self) -> dict:
        return {
            "files_seen": self.files_seen,
            "files_read": self.files_read,
            "files_skipped": self.files_unchanged,
            "files_failed": self.files_failed,
            "events_added": self.events_added,
            "events_written": self.events_written,
            "limit_readings": self.limit_readings,
            "lines_parsed": self.lines_parsed,
            "lines_skipped": {k: v for k, v in sorted(self.lines_skipped.items()) if v},
            "bytes_read": self.bytes_read,
            "seconds": round(self.seconds, 3),
            "workers": self.workers,
            "by_source": self.by_source,
            "errors": self.errors,
            "folders_unreadable": self.folders_unreadable,
            "plugins_skipped": self.plugins_skipped,
        }


def roots_with_folders(folders: list[Path]) -> tuple[dict[str, list[Path]] | None, list[str]]:
    """The agents' own log folders plus the user's extra import folders (Settings).

    An extra folder is a copy of an agent's folder: each source's `claim`
    says whether it holds that agent's logs (Claude Code's `projects/`, Codex's
    `sessions/`, ...), and which root to read in it. Returns the roots for
    import_logs (None: defaults only) and a note per folder that no source claims.
    """
    if not folders:
        return None, []
    from pathlib import Path

    sources = registry.sources()
    notes: list[str] = []
    roots = {kind: _own_roots(source, notes) for kind, source in sources.items()}
    for folder in map(Path, folders):
        matched = False
        for kind, source in sources.items():
            root = _claimed(source, folder, notes)
            if root is not None:
                roots[kind].append(root)
                matched = True
        if not matched:
            expected = ", ".join(f"{s.folder_hint} ({s.name})" for s in sources.values() if s.claim and s.folder_hint)
            notes.append(f"import folder {folder} holds no agent's logs (expected inside: {expected})")
    return roots, notes


def _own_roots(source, notes: list[str]) -> list[Path]:
    try:
        return list(source.roots(None))
    except Exception as exc:  # a plug-in's bug: its own folders are missing, the rest is read
        notes.append(f"{source.name} could not work out its folders: {type(exc).__name__}: {exc}")
        return []


def _claimed(source, folder: Path, notes: list[str]) -> Path | None:
    if source.claim is None:
        return None
    try:
        return source.claim(folder)
    except Exception as exc:  # a plug-in's bug: that source misses the folder, the others read it
        notes.append(f"{source.name} could not look at import folder {folder}: {type(exc).__name__}: {exc}")
        return None


def changed_files(stat_keys: Callable[[str], dict], roots: dict[str, list[Path]] | None,
                  report: ImportReport, walked: list | None = None,
                  finders: list[tuple[str, Callable]] | None = None) -> list[tuple[str, object, list[FileStat]]]:
    """(kind, source, files whose stat differs from the one stored beside their cursor) per source to read.

    Every installed source discovers its files (from `roots` when given); `stat_keys(kind)` gives the
    stored stats ({path: stat_key}). The report gets the files seen and unchanged, and every problem met
    on the way (a plug-in that could not be loaded, a folder that could not be listed). What an import
    compares before it reads anything, and all that the command line's quick answer (tracker.quick)
    needs to say that nothing changed. `walked`, when given, receives the walk itself (for hand_over); a
    walk handed over is taken with what its comparison found, while the stats it read are the database's
    (then `stat_keys` is not called).
    `finders`: the built-ins' (kind, discover) alone (registry.builtin_finders: the quick look, without
    the sources themselves, which are then None in what is returned).
    """
    if finders is None:
        loaded = registry.load()
        for problem in loaded.problems:
            report.errors.append(problem.message)
        report.plugins_skipped = len(loaded.problems)
        sources = [(kind, source, source.discover) for kind, source in loaded.sources.items()]
    else:
        loaded, sources = None, [(kind, None, discover) for kind, discover in finders]
    taken = _take_handed_over(loaded, roots) if loaded is not None else None
    discovered, compared = taken if taken is not None else (None, None)
    if discovered is None:
        discovered = _discover(sources, roots, report)
    found = []
    for number, (kind, source, _, files) in enumerate(discovered):
        if compared is not None:  # the quick look's comparison of this walk with stored stats still the database's
            changed = compared[number]
        else:
            known = stat_keys(kind)
            changed = [stat for stat in files if known.get(stat.path) != stat.stat_key]
        found.append((kind, source, changed))
        report.files_seen += len(files)
        report.files_unchanged += len(files) - len(changed)
        report.by_source[kind] = {"files_seen": len(files), "files_read": 0, "events_added": 0}
    if walked is not None:
        walked[:] = [(kind, discover, files) for kind, _, discover, files in discovered]
    return found


def _discover(sources: list[tuple[str, object, Callable]], roots: dict[str, list[Path]] | None,
              report: ImportReport) -> list[tuple[str, object, Callable, list]]:
    """(kind, source, discover, every file it discovers with its stat) per source to read; problems go to the
    report."""
    discovered = []
    for kind, source, discover in sources:
        if roots is not None and kind not in roots:
            continue
        unreadable: list[tuple[str, str]] = []
        try:
            files = discover(roots.get(kind) if roots is not None else None, unreadable)
        except Exception as exc:  # a plug-in's bug: its logs are missing, the others' are read
            files = []
            name = source.name if source is not None else kind
            report.errors.append(f"{name}: could not look for its logs: {type(exc).__name__}: {exc}")
        for folder, reason in unreadable:
            shown = path_text(folder)
            report.folders_unreadable.append(shown)
            report.errors.append(f"{shown}: cannot read this folder ({reason}); the logs in it were not imported")
        discovered.append((kind, source, discover, files))
    return discovered


# -- one discovery handed from the quick answer to the full import in the same process ---------------
# When `tracker import` finds a changed file, its quick answer (tracker.quick) has just walked every folder
# and stat-ed every file; the full command that then runs in the same process takes that walk instead of
# walking again (~20 ms of 3,637 files). Only a walk that met no problem is handed over, only once, and
# only to an import of the same roots by the same sources. With it may come what the quick look's comparison
# of that walk with the stored stats found (`compared`: reading the stats again and comparing 3,637 files
# were ~4 ms and ~3 ms): the import takes it only while no connection has committed since those stats were
# read (nor changed anything through the connection that read them, which the import's store takes:
# storage.db.hand_over), else it compares the walk with its own read of the cursors. A file written in
# between is seen by the next import, as one written just after the walk always is.
_handed_over: list = []


def hand_over(roots: dict[str, list[Path]] | None, walked: list,
              compared: Callable[[], list[list[FileStat]] | None] | None = None) -> None:
    """Keep a walk that changed_files made without any problem (its `walked`) for the next import here.

    `compared()`, called once when the import compares, gives the files of each walked source (in the walk's
    order) whose stat differed from the stored one, if the stored stats that comparison read are still the
    database's, else None."""
    _handed_over[:] = [(roots, list(walked), compared)]


def drop_handed_over() -> None:
    _handed_over.clear()


def _take_handed_over(loaded, roots: dict[str, list[Path]] | None) -> tuple[list, list | None] | None:
    """(the walk as _discover gives it, the changed files of each of its sources or None), if it may be taken."""
    if not _handed_over:
        return None
    kept_roots, walked, compared = _handed_over.pop()  # once: a later import walks again
    changed = compared() if compared is not None else None
    wanted = [(kind, source) for kind, source in loaded.sources.items() if roots is None or kind in roots]
    # the same sources, in the same order, each walked by its own discover (the very function)
    same_sources = [(kind, discover) for kind, discover, _ in walked] == [(k, s.discover) for k, s in wanted]
    if kept_roots != roots or not same_sources or loaded.problems:
        return None
    if changed is not None and len(changed) != len(walked):  # (not this walk's comparison)
        changed = None
    return [(kind, source, source.discover, files) for (kind, source), (_, _, files) in zip(wanted, walked)], changed
