"""The `tracker` command's entry point: quick answers first, then the full command line (tracker.cli).

Two things a user (or a script, or the tray's start at login) runs over and
over answer here without loading click or the app's store, pricing and
services:

* `tracker import [--json]` when no agent log changed: the same discovery
  (every installed source plug-in's own `discover`, through the registry's
  cached plug-in list; with only the built-ins installed, their module-level
  `discover` functions, without building the sources: registry.builtin_finders)
  and the same stat comparison as the import (log_changes.changed_files),
  read-only;
* `tracker report daily|weekly|monthly --json [--tz ZONE] [--by model|source]`
  from the hourly rollup (whole UTC days from its sums by day, as the full
  report reads them), shaped by the same code as the full report
  (core.report_figures); where that cannot tell the whole answer (plans,
  provider usage in the range, a zone whose days are no whole UTC hours),
  and for `tracker report projects --json [--tz ZONE]`, the reports' own
  code (services.reports.report_doc, as the command calls it) without click,
  on the same read-only connection: only its temporary tables are written;
* `tracker report sessions --json [--tz ZONE]` the same way, by the text the
  command prints (services.reports.sessions_json: a year of sessions is a
  few hundred thousand lines of JSON, built once), written a batch of rows at
  a time as they are read (sessions_json_batches: 18 MB never held at once);
  and `tracker report sessions [--csv] [--tz ZONE]`, its text table or CSV,
  by the command's own code too (commands.session_text: most lines printed by
  SQLite, a batch at a time).

When `tracker import [--json]` finds changed logs (and nothing else that the
full command would do or say: the same conditions), the import runs here
too, without click: the command's own code (commands.import_run: the sync,
the report, its error messages), over the walk of the folders just made and
what its comparison with the stored stats found, while those are still the
database's (log_changes.hand_over). That one writes, as the command does. So does a
first import (no database file yet), which walks the folders itself.

Everything else, and every case these cannot answer exactly as the full
command would, byte for byte (tests/perf/test_quick.py), runs the full
command: other commands or options (--since, --until, --demo, ...), a database
that is missing (but for an import), damaged, not readable now or whose write lock another process
holds (the full command would wait for it), pending migrations, the day's
automatic backup due, a file mode or journal mode that opening the store
would change, a plug-in that could not be loaded, a folder that cannot be
listed, tagging rules to apply, a timezone name that is not one. Nothing else
here writes anything.

A quick answer runs with the cycle collector off, and the console script
(run) ends the process as soon as it is written, without the interpreter's
own end, where no exit handler or other thread waits for it.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Generator

# (roots, walk, --json, comparison) of `tracker import`'s quick look when it found changed files and no problem:
# main() then runs the import without click (commands.import_run), which takes this walk and what its comparison
# with the stored stats found, while those are the database's (log_changes.hand_over, _KeptComparison); (None, None, --json)
# for a first import (no database yet), which walks the folders itself.
_walk: list[tuple] = []
PERIOD_OF_REPORT = {"daily": "day", "weekly": "week", "monthly": "month"}
REPORTS = (*PERIOD_OF_REPORT, "projects", "sessions")
REPORT_GROUPS = ("model", "source")  # the groups the hourly rollup keeps (besides the source)


_answered: list[bool] = []  # [True] once main() wrote a quick answer


def run() -> None:
    """The `tracker` console script (and `python -m tracker`): main(), and once it wrote a quick answer, the
    process's end at once.

    The interpreter's own end (its modules and objects freed one by one, memory the process's end frees anyway)
    is ~1.5 ms of a quick answer's CPU, 3-4% of `tracker import` with nothing new plus `tracker report daily`.
    Only where nothing else waits for it: no exit handler registered (a third-party plug-in's logging would
    flush its files there), no other thread. An error, an exit status, the full command: the usual way.
    """
    main()
    if _answered and _nothing_waits_for_the_exit():
        for stream in (sys.stdout, sys.stderr):  # (the answer is flushed already; whatever else was written)
            if stream is not None:
                stream.flush()
        os._exit(0)


def _nothing_waits_for_the_exit() -> bool:
    import atexit

    handlers = getattr(atexit, "_ncallbacks", None)
    threading = sys.modules.get("threading")
    return handlers is not None and handlers() == 0 and (threading is None or threading.active_count() == 1)


def main() -> None:
    """`tracker`: a quick answer when there is one, else the full command line."""
    _answered.clear()
    importing = sys.argv[1:2] == ["import"]
    # The cycle collector is off for a quick answer: it makes no cycles worth freeing before the process ends,
    # and the collector's ~25 passes over what its imports and rows allocate are ~0.8 ms of a quick report.
    # An import keeps it off to its exit, whichever way it runs. The import pauses it while it reads and
    # writes (core.collector.collector_paused); on again, its first passes walked the hundreds of thousands
    # of objects the import left alive (~4% of a first import's CPU), and at exit it would walk them once
    # more, to free memory the exit frees anyway.
    gc.disable()
    out = _Output(sys.stdout.write)
    try:
        answered = _answer(sys.argv[1:], out)
        if answered:
            sys.stdout.flush()
    except KeyboardInterrupt:  # Ctrl-C: what the full command line (click) says and does
        sys.stderr.write("\nAborted!\n")
        sys.exit(1)
    except Exception as exc:  # whatever went wrong here, the full command answers (and says what is wrong)
        from tracker.core import closed_pipe

        if closed_pipe.is_closed_pipe(exc):  # the reader went away (`tracker report sessions --json | head`)
            sys.exit(closed_pipe.quiet_streams())
        if out.started:  # ... unless part of the answer is written (a read failing in a report's rows)
            _fail_after_part(exc)
        answered = False
    if not answered:
        walk, _walk[:] = _walk[:], []
        if walk:  # `tracker import` found changed logs: the import, without click, takes this walk
            status = _import_changed(*walk[0])
            _leave_to_exit()
            sys.exit(status)
        registry = sys.modules.get("tracker.sources.registry")
        if registry is not None:
            registry.forget()  # built without logging here: the full command builds it again, and logs why
        if not importing:
            gc.enable()  # the full command (the tray app, any report) runs with the collector as it always did
        from tracker.cli import main as full_command

        full_command()
        return
    _leave_to_exit()
    _answered.append(True)


def _fail_after_part(exc: Exception) -> None:
    """A quick answer failed after part of it was written: the command's error, said as the full command says
    one the user can fix ('Error: ...', status 1), else raised; never a second answer after the part."""
    from tracker.commands.state import user_error_message  # (the full command's words; loaded on failure only)

    message = user_error_message(exc)
    if message is None:
        raise exc
    sys.stdout.flush()
    sys.stderr.write(f"\nError: {message}\n")
    sys.exit(1)


def _leave_to_exit() -> None:
    """The answer is written and the store closed: the process ends. The interpreter's exit runs the cycle
    collector over every object still tracked, collector off or not, to free memory the process's end frees
    anyway (~40 ms of CPU after a 300 MiB first import, ~3%; ~3 ms of a quick report): it passes over
    frozen objects."""
    gc.freeze()


def _import_changed(roots, walked: list | None, as_json: bool, compared=None) -> int:
    """`tracker import [--json]` after its quick look found changed logs (and no problem): the command's own
    import and output (commands.import_run) without click, over the look's walk of the folders (None: a
    first import, which walks them itself) and what it found comparing the stored stats (a _KeptComparison)."""
    from tracker.commands import import_run
    from tracker.services import log_changes
    from tracker.storage import db

    if walked is not None:
        log_changes.hand_over(roots, walked, compared)
        db.hand_over(compared.path, compared.conn)  # the store the import opens takes the quick look's connection
    try:
        return import_run.run(as_json)
    except KeyboardInterrupt:  # what the full command line (click) says and does
        sys.stderr.write("\nAborted!\n")
        return 1
    finally:
        log_changes.drop_handed_over()  # (not taken when the import stopped before its walk)
        db.drop_handed_over()  # (nor the connection, when it stopped before it opened the store)


class _KeptComparison:
    """What the quick look's comparison of its walk with the stored stats found (the changed files of each
    walked source, in the walk's order), with the connection that read those stats (to the database at
    `path`), for the import (log_changes.hand_over): called once, it gives them if no connection has
    committed since the stats were read (that connection's PRAGMA data_version, read before them) and that
    connection has changed nothing since either (the store the import opens takes it: storage.db.hand_over),
    else None. A connection closed meanwhile (not taken by the store, and closed before it wrote) tells
    nothing: None."""

    def __init__(self, conn, path: str, version: int, changed: list):
        self.conn, self.path, self.version, self.changed = conn, path, version, changed
        self.changes = conn.total_changes

    def __call__(self) -> list | None:
        conn, self.conn = self.conn, None
        if conn is None:
            return None
        from tracker.storage import quick as q

        return None if q.changed_since(conn, self.version, self.changes) else self.changed


def quick_answer(args: list[str]) -> str | None:
    """What `tracker *args` prints on stdout when it succeeds, if it can be told without the full command
    line; None otherwise (and then nothing was written anywhere)."""
    parts: list[str] = []
    return "".join(parts) if _answer(args, _Output(parts.append)) else None


class _Output:
    """Where a quick answer goes (`write`): its text at once, or a report's rows a batch at a time, as they
    are read (the text: `separator` between every two parts of every batch; a year of sessions is 18 MB
    of rows, never held at once). `started` once something is written."""

    def __init__(self, write):
        self.write, self.started = write, False

    def text(self, text: str) -> None:
        self.started = True
        self.write(text)

    def batches(self, separator: str, batches: Generator[list[str], None, None]) -> None:
        try:
            for batch in batches:
                if self.started:
                    self.write(separator)
                self.started = True
                self.write(separator.join(batch))
        finally:  # a write that failed (a closed pipe): the batches' read ends now, while its connection is open
            batches.close()


def _answer(args: list[str], out: _Output) -> bool:
    """Writes quick_answer's text to `out` and says True; False where there is none (nothing written)."""
    _walk.clear()
    if not args:
        return False
    if args[0] == "import" and args[1:] in ([], ["--json"]):
        return _written(out, _import_answer(as_json=args[1:] == ["--json"]))
    if args[0] == "report" and len(args) > 1 and args[1] in REPORTS:
        options = _report_options(args[2:], args[1])
        if options is not None:
            return _report_answer(args[1], *options, out)
    return False


def _written(out: _Output, text: str | None) -> bool:
    if text is None:
        return False
    out.text(text)
    return True


def _report_options(args: list[str], kind: str) -> tuple[str | None, str, str] | None:
    """(--tz, --by, the form: "json", "csv" or "table") of `tracker report KIND` and `[--json] [--tz ZONE]
    [--by model|source]` in any order, each at most once (--by: a period report's, the only one it is
    read by), or of the sessions report and `[--json|--csv] [--tz ZONE]`; else None."""
    values: dict[str, str] = {}
    form = None
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg in ("--json", "--csv") and form is None and (arg == "--json" or kind == "sessions"):
            form = arg[2:]
            continue
        name, equals, value = arg.partition("=")
        if name not in ("--tz", "--by" if kind in PERIOD_OF_REPORT else "--tz") or name in values:
            return None
        if not equals:
            if not rest:
                return None
            value = rest.pop(0)
        values[name] = value
    by = values.get("--by", "model")
    if form is None and kind == "sessions":
        form = "table"
    if form is None or by not in REPORT_GROUPS or values.get("--tz") == "":
        return None
    return values.get("--tz"), by, form


def _open_store(folders: tuple[str, ...] | None):
    """A read-only connection to a store that opening would leave as it is; None otherwise.

    Its files found by their names as text (`folders`: paths.folder_texts()): no pathlib.
    """
    from tracker.paths import BACKUP_FOLDER, DB_NAME, PRIVATE_FILE_MODE
    from tracker.storage import quick as q

    if folders is None:
        return None
    path = os.path.join(folders[0], DB_NAME)
    if not all(os.path.isdir(folder) for folder in folders) or not q.private_file(path, PRIVATE_FILE_MODE) \
            or os.path.getsize(path) == 0:
        return None
    conn = q.open_for_reading(path)
    if conn is None:
        return None
    try:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal" or q.pending_migrations(conn) \
                or q.backup_due(conn, path, os.path.join(folders[0], BACKUP_FOLDER)) or not q.write_lock_free(conn):
            conn.close()
            return None
    except BaseException:
        conn.close()
        raise
    return conn


def _import_answer(as_json: bool) -> str | None:
    from tracker.paths import DB_NAME, folder_texts

    folders = folder_texts()  # (by their names as text, as the report finds them: no pathlib)
    if folders is None:
        return None
    if not os.path.lexists(os.path.join(folders[0], DB_NAME)):
        # a first import: nothing stored to compare; the import runs without click all the same (main), and
        # creates the database as the full command would
        if as_json or not sys.stderr.isatty():  # (else the full command shows a progress bar)
            _walk.append((None, None, as_json))
        return None
    conn = _open_store(folders)
    if conn is None:
        return None
    try:
        from tracker.services import log_changes
        from tracker.sources import registry
        from tracker.storage import quick as q

        started = time.perf_counter()
        # the built-ins' discovery alone, without the plug-in classes (~15 ms at start-up); with a third-party
        # plug-in installed, every source loaded as the import loads them
        finders = registry.builtin_finders()
        if finders is None and registry.load(log_problems=False).problems:  # the full command logs and reports them
            return None
        if q.has_rows(conn, "tag_rules"):  # the import would tag new usage by them
            return None
        roots, notes = log_changes.roots_with_folders(q.setting(conn, log_changes.IMPORT_FOLDERS_SETTING, []))
        report = log_changes.ImportReport()
        walked: list = []
        version = q.data_version(conn)  # (read before them: a commit while they are read shows as a change)
        stat_keys = q.all_cursor_stat_keys(conn)
        changed = log_changes.changed_files(lambda kind: stat_keys.get(kind, {}), roots, report, walked, finders)
        if report.errors:
            return None
        if any(files for _, _, files in changed):
            if as_json or not sys.stderr.isatty():  # (else the full command shows a progress bar)
                compared = [files for _, _, files in changed]
                path = os.path.join(folders[0], DB_NAME)
                _walk.append((roots, walked, as_json, _KeptComparison(conn, path, version, compared)))
                conn = None  # (the import's store takes it, or it is closed before the import writes)
            return None
        report.seconds = time.perf_counter() - started
    finally:
        if conn is not None:
            conn.close()
    doc = report.as_dict()
    if notes:
        doc["notes"] = notes
    from tracker import cli_format

    return cli_format.to_json(doc) + "\n" if as_json else "".join(f"{line}\n" for line in cli_format.import_lines(doc))


def _report_answer(kind: str, tz: str | None, by: str, form: str, out: _Output) -> bool:
    """`tracker report KIND --json`: a period report from the hourly rollup alone where it can tell the whole
    answer, else (plans, provider usage, projects, sessions) the reports' own code (services.reports) without
    click."""
    from tracker.paths import folder_texts

    folders = folder_texts()
    conn = _open_store(folders)
    if conn is None:
        return False
    try:
        from tracker.core.timeutil import TimezoneError, get_zone
        from tracker.storage import quick as q

        conn.execute("BEGIN")  # one snapshot for every read, as the full report reads
        try:
            zone = get_zone(tz or q.setting(conn, "timezone"))
        except TimezoneError:
            return False  # the full command says which names are understood
        doc = _rollup_report(conn, zone, PERIOD_OF_REPORT[kind], by) if kind in PERIOD_OF_REPORT else None
        conn.execute("COMMIT")
        if doc is None:
            _reports_text(conn, folders[0], kind, zone, by, form, out)
            return True
    finally:
        conn.close()
    from tracker import cli_format

    return _written(out, cli_format.to_json(doc) + "\n")


def _rollup_report(conn, zone, period: str, by: str) -> dict | None:
    """A period report from the hourly rollup (core.report_figures), or None where that cannot tell all of it."""
    from tracker.core.report_figures import period_report, report_range
    from tracker.core.timeutil import local_date, now_ms, windows
    from tracker.storage import quick as q

    if q.has_rows(conn, "plans"):
        return None
    span = report_range(q.time_range_ms(conn), local_date(now_ms(), zone), zone, None, None)
    wins = windows(span.since, span.until, period, zone)
    if q.provider_usage_between(conn, wins[0].start_ms, wins[-1].end_ms, span.since.isoformat(),
                                span.until.isoformat()):
        return None
    raw = q.rollup_sums(conn, wins, ["source"] if by == "source" else ["source", by])
    return None if raw is None else period_report(zone, span, period, by, raw, planned=False)


def _reports_text(conn, data_dir: str, kind: str, zone, by: str, form: str, out: _Output) -> None:
    """What the full command's `report KIND --json` prints, or `report sessions` in its `form`, to `out`
    (commands.report_cmd: services.reports' text of the sessions, or commands.session_text's lines of
    their table or CSV, a batch of rows at a time, or the report's document, in `zone`: AppContext.zone's,
    --tz or the configured timezone), read through the quick connection: its temporary tables only are
    written (storage.quick.writes_temporary_tables_only). The store's files named as text (`data_dir`,
    where _open_store found them): no pathlib (~3 ms)."""
    from tracker import cli_format
    from tracker.paths import BACKUP_FOLDER, DB_NAME
    from tracker.services import reports
    from tracker.storage import Store
    from tracker.storage import quick as q

    q.writes_temporary_tables_only(conn)
    store = Store(conn, os.path.join(data_dir, DB_NAME), os.path.join(data_dir, BACKUP_FOLDER))
    if kind == "sessions":
        from tracker.commands import session_text

        out.batches(*session_text.sessions_text_batches(form, store, zone))
    else:
        out.text(cli_format.to_json(reports.report_doc(store, zone, kind, by)) + "\n")
