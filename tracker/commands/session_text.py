"""`tracker report sessions` as a text table and as CSV, written a batch of rows at a time.

A year of sessions is ~30k rows: a dict a row and cli_format's table or CSV writer over them are most of
the command's time. Here each session's line is printed by SQLite as it reads the session's totals
(services.reports.session_text_batches, storage.session_pages.formatted: the "table" and "csv" forms),
the few sessions it cannot print (over the range's edges; for the CSV, over several projects or with a
text the csv writer might quote otherwise) by cli_format's own code, in their places: byte for byte what
cli_format.table and cli_format.to_csv print of the report's document. No click here: the command
(report_cmd) and its quick entry point (tracker.quick) print the same batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, tzinfo

from tracker import cli_format
from tracker.core.money import format_usd
from tracker.core.report_figures import public
from tracker.services import reports

# the sessions table's columns: the session's, then the figures every report's table shows
# (first the session's start, as the Usage page shows it: the rows are in that order; "Last seen" there made the
# ordered column look unordered)
SESSION_COLUMNS = [("first_seen", "Started"), ("source", "Source"), ("project", "Project"), ("session", "Session")]
TOKEN_COLUMNS = [
    ("input_tokens", "Input"),
    ("cache_write_tokens", "Cache write"),
    ("cache_read_tokens", "Cache read"),
    ("output_tokens", "Output"),
    ("requests", "Requests"),
    ("cost_usd", "Cost"),
    ("unpriced_requests", "Unpriced"),
    ("partly_priced_requests", "Partly priced"),
]
LINE_SEPARATOR = "\n"  # between the parts of the batches


def sessions_text_batches(form: str, store, zone: tzinfo, since: date | None = None, until: date | None = None,
                          sources: list[str] | None = None) -> tuple[str, Iterator[list[str]]]:
    """What `tracker report sessions` prints in `form` ("json", "csv" or "table"), its line's end included, as
    (separator, batches): separator.join of every part of every batch is that text (the command and its
    quick entry point, tracker.quick, write it a batch at a time or at once)."""
    if form == "json":
        return reports.SESSION_ROWS_SEPARATOR, reports.sessions_json_batches(store, zone, since, until, sources,
                                                                             end="\n")
    text = sessions_csv_batches if form == "csv" else sessions_table_batches
    return LINE_SEPARATOR, text(store, zone, since, until, sources)


def sessions_csv_batches(store, zone: tzinfo, since: date | None = None, until: date | None = None,
                         sources: list[str] | None = None) -> Iterator[list[str]]:
    """`tracker report sessions --csv`'s text (cli_format.to_csv of the report's rows) in batches of parts,
    a part a line without its end: LINE_SEPARATOR.join of every part of every batch, then a line's end,
    is that text (nothing at all without a session)."""
    found = reports.session_text_batches(store, zone, since, until, sources, "csv", _CsvRows(), _CSV_FORMAT, ";")
    next(found)  # (the head: not in a CSV)
    header = ",".join(reports.SESSION_ROW_KEYS)
    held = None
    for batch in found:
        if held is None:
            batch.insert(0, header)
        else:
            yield held
        held = batch
    if held is not None:
        held[-1] += "\n"
        yield held


# a CSV line of a session's values: its texts (%s) as the csv writer writes them, its figures (%d), its cost (%s)
_CSV_FORMAT = ",".join("%s" if key in ("session", "source", "project", "first_seen", "last_seen", "models", "cost_usd")
                       else "%d" for key in reports.SESSION_ROW_KEYS)


class _CsvRows(reports.SessionRows):
    def rows(self, sessions: list[tuple]) -> list[str]:
        return cli_format.csv_rows(reports.session_rows(sessions, self.iso), reports.SESSION_ROW_KEYS)


def sessions_table_batches(store, zone: tzinfo, since: date | None = None, until: date | None = None,
                           sources: list[str] | None = None) -> Iterator[list[str]]:
    """What `tracker report sessions` prints (its heading, cli_format.table of the report's rows, the notes
    below it: report_cmd) in batches of parts, a part a line or more without its end: LINE_SEPARATOR.join of
    every part of every batch, then a line's end, is that text. The table's widths are known once its
    rows are read (SQLite reads them all before it gives the first)."""
    rows = _TableRows()
    found = reports.session_text_batches(store, zone, since, until, sources, "table", rows, rows.line_format, "",
                                         rows.min_widths)
    head = next(found)
    lead, found_totals = None, []
    for batch in reports.each_batch(found, found_totals):
        if lead is None:
            lead = cli_format.report_heading("sessions", head)
            batch.insert(0, f"{lead}\n{rows.layout.text(rows.widths, [], None)}")
        yield batch
    totals = found_totals[0]
    doc = head | {"totals": totals}
    if lead is None:  # no session
        tail = [cli_format.report_heading("sessions", doc),
                cli_format.table([], SESSION_COLUMNS + TOKEN_COLUMNS, totals)]
    else:
        tail = ["  ".join("-" * w for w in rows.widths),
                rows.layout.line_format(rows.widths)(*rows.layout.total_cells(totals))]
    tail += cli_format.report_notes(doc)
    tail[-1] += "\n"
    yield tail


class _TableRows(reports.SessionRows):
    """The table's lines of sessions; its widths those of its widest cells, told before its lines are printed
    (`min_widths`, session_pages.formatted), or of every session's cells where SQLite prints none of them
    (`every`)."""

    def __init__(self):
        self.layout = cli_format.TableLayout(SESSION_COLUMNS + TOKEN_COLUMNS)
        # each cell to its column's width (the first argument), left-aligned but the figures; widths in
        # characters (!), as str.format pads
        self.line_format = "  ".join("%!*s" if numeric else "%-!*s" for numeric in self.layout.numeric)
        self.other_cells = (cli_format.tokens_text, lambda pico: cli_format.usd_text(format_usd(pico)))
        self.widths: list[int] | None = None
        self.least: list[int] = []

    def min_widths(self, others: list[tuple], sums: dict, widest: dict | None) -> list[int] | None:
        """The columns' widths (session_pages.formatted): the headings', the lines' of `others`, the total's
        (of at least one session: with none, no line of SQLite's is printed) and the widest of SQLite's
        cells (`widest`: their lengths, and the largest and least counts); None where a
        count of tokens or requests is below 0 (its form is not told by those)."""
        total = public(sums | {"priced_rows": 1 if sums["priced_rows"] else 0})
        lines = [*self._cells(others), self.layout.total_cells(total)]
        least = self.layout.widths(lines)
        if widest is not None:
            if widest["least"] < 0:
                return None
            counts = [len(str(n)) for n in widest["counts"]]  # (none below 0: a count's length grows with it)
            found = [*widest["texts"], counts[0], widest["cost"], *counts[1:]]
            least = [max(w, f or 0) for w, f in zip(least, found)]
        self.least = least
        return least

    def _cells(self, sessions: list[tuple]) -> list[list[str]]:
        return [self.layout.cells(row) for row in reports.session_rows(sessions, self.iso)]

    def rows(self, sessions: list[tuple]) -> list[str]:
        line = self.layout.line_format(self.widths)
        return [line(*cells) for cells in self._cells(sessions)]

    def every(self, sessions: list[tuple], totals: dict) -> list[str]:
        cells = self._cells(sessions)
        self.widths = self.layout.widths([*cells, self.layout.total_cells(totals)])
        line = self.layout.line_format(self.widths)
        return [line(*c) for c in cells]

    def formatted(self, batches, others: list[tuple]) -> Iterator[list[str]]:
        self.widths = self.least
        yield from super().formatted(batches, others)
