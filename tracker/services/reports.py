"""Reports: the figures every view shows, in one shape.

`usage_report` gives the documented JSON shape (DESIGN.md section 8): rows per
period and group with every token class, requests, cost (decimal string USD),
unpriced requests and partly priced requests (a price class left out: the
cost is a lower bound), plus totals. Days, weeks and months are the user's
timezone; stored times are UTC.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from json.encoder import encode_basestring
from operator import itemgetter

from tracker.core.collector import collector_paused
from tracker.core.money import format_usd
from tracker.core.report_figures import (  # noqa: F401  (Range, PLAN_NOTE, overlap_notes: this module's too)
    PERIOD_FIELD, PLAN_NOTE, Range, all_unpriced, overlap_notes, period_report, report_range,
)
from tracker.core.report_figures import public as _public, totals as _totals, with_plan_figures as _with_plan_figures
from tracker.core.timeutil import UTC, Window, local_date, now_ms, windows, zone_name
from tracker.sources import usage_source_kinds
from tracker.storage import Store
from tracker.storage.rollup_reads import SESSION_FIELDS

PERIOD_OF_REPORT = {"daily": "day", "weekly": "week", "monthly": "month"}
GROUPS = ("model", "source", "project", "tag", "session", "account", "api_key", "user")
# Public token fields: the store splits cache writes by TTL; reports add them.
REPORT_TOKEN_FIELDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens")


def default_range(store: Store, zone: tzinfo, since: date | None, until: date | None) -> Range:
    """Missing bounds: from the first data (or 30 days back) to today."""
    span = store.time_range_ms() if since is None or until is None else None
    return report_range(span, local_date(now_ms(), zone), zone, since, until)


def _money_rows(store: Store, zone: tzinfo, wins: list[Window], group: list[str], sources) -> tuple[list[dict], bool]:
    """Aggregate rows on the pay-as-you-go basis, and whether the user has plans (then every report of
    this database carries the plan figures: the same columns whatever range is asked)."""
    from tracker.services import cost_basis  # (plans and their arithmetic: not for the sessions report)

    rows = cost_basis.aggregate(store, zone, wins, group_by=group, sources=sources)
    return rows, cost_basis.has_plans(store)


def check_sources(sources: list[str] | None) -> None:
    """A --source filter that names no source would silently report nothing: say so instead."""
    known = usage_source_kinds() if sources else ()
    unknown = [s for s in sources or () if s not in known]
    if unknown:
        raise ValueError(f"unknown source {', '.join(map(repr, unknown))}: choose from {', '.join(known)}")


def usage_report(
    store: Store,
    zone: tzinfo,
    period: str = "day",
    by: str = "model",
    since: date | None = None,
    until: date | None = None,
    sources: list[str] | None = None,
) -> dict:
    """Rows per period x source x `by` (model, project, ...), with totals and billed figures.

    Read from one snapshot: the range, the sums and the billed figures agree even while a sync writes.
    """
    with store.read_snapshot():
        return _usage_report(store, zone, period, by, since, until, sources)


def _usage_report(store: Store, zone: tzinfo, period: str, by: str, since: date | None, until: date | None,
                  sources: list[str] | None) -> dict:
    if by not in GROUPS:
        raise ValueError(f"--by must be one of {', '.join(GROUPS)}")
    check_sources(sources)
    span = default_range(store, zone, since, until)
    wins = windows(span.since, span.until, period, zone)
    group = ["source"] if by == "source" else ["source", by]
    raw, planned = _money_rows(store, zone, wins, group, sources)
    report = period_report(zone, span, period, by, raw, planned)
    billed = store.billed_by_day(span.since.isoformat(), span.until.isoformat())
    if billed:
        report["billed"] = billed_comparison(store, billed, span, sources)
    return report


def billed_comparison(store: Store, billed: list[dict], span: Range, sources: list[str] | None) -> list[dict]:
    """Estimated (tokens x price) beside billed, per provider day and source.

    Providers bill by UTC day, so the estimate here is bucketed in UTC too.
    """
    wanted = {b["source"] for b in billed} & (set(sources) if sources else {b["source"] for b in billed})
    estimated = {}
    wins = windows(span.since, span.until, "day", UTC)
    for r in store.aggregate(wins, group_by=["source"], sources=sorted(wanted)):
        estimated[(r["period"], r["source"])] = r["cost_pico"]
    return [
        {
            "date": b["date"],
            "source": b["source"],
            "estimated_usd": format_usd(estimated.get((b["date"], b["source"]), 0)),
            "billed_usd": format_usd(b["billed_pico"]),
        }
        for b in billed
        if b["source"] in wanted
    ]


def sessions_report(store: Store, zone: tzinfo, since: date | None = None, until: date | None = None,
                    sources: list[str] | None = None) -> dict:
    with collector_paused():  # a year of sessions is a million new objects, none of them in a cycle
        head, sessions = _sessions(store, zone, since, until, sources)
        iso = LocalIso(zone)
        rows = session_rows(sessions, iso)
    return head | {"rows": rows, "totals": _session_totals(sessions)}


def session_rows(sessions: list[tuple], iso: LocalIso) -> list[dict]:
    """Sessions' rows of the sessions report (Store.session_tuples' rows -> the public shape)."""
    return [_row_dict(_session_values(s, iso)) for s in sessions]


def session_row(s: dict, zone: tzinfo | LocalIso) -> dict:
    """A session's row of the sessions report (Store.sessions' row -> the public shape)."""
    iso = zone if isinstance(zone, LocalIso) else LocalIso(zone)
    return _row_dict(_session_values(tuple(s[f] for f in SESSION_FIELDS), iso))


def _row_dict(values: tuple) -> dict:
    row = dict(zip(SESSION_ROW_KEYS, values))
    row["models"] = list(row["models"])
    return row


def sessions_json(store: Store, zone: tzinfo, since: date | None = None, until: date | None = None,
                  sources: list[str] | None = None, end: str = "") -> str:
    """`tracker report sessions --json`: sessions_report's document as json.dumps(indent=2, ensure_ascii=False)
    writes it, byte for byte, each session's row formatted once (a year of sessions is tens or hundreds of
    thousands of them: no dict a row, no encoder walking them). Most of each row is formatted by SQLite as
    it sums the session (storage.session_pages.formatted: its times in the zone's offsets, its figures and
    its cost in integer arithmetic); the rest, and every row where that cannot be exact, here. Followed by
    `end` (the line's end a caller prints after it), in the same one copy of the rows' text (a year's:
    18 MB, ~8 ms a copy)."""
    return SESSION_ROWS_SEPARATOR.join([part for batch in sessions_json_batches(store, zone, since, until, sources, end)
                                        for part in batch])


SESSION_ROWS_SEPARATOR = ",\n"  # between the parts of sessions_json_batches


def sessions_json_batches(store: Store, zone: tzinfo, since: date | None = None, until: date | None = None,
                          sources: list[str] | None = None, end: str = "") -> Iterator[list[str]]:
    """sessions_json's text in batches of parts, one part a row (the document's head on the first, its
    tail on the last): SESSION_ROWS_SEPARATOR.join of every part of every batch, in order, is that text.
    Read from the store as it is iterated, in one snapshot, held until the last batch: a writer that writes
    a batch at a time (the quick command's) never holds a year's 18 MB of rows at once, nor their encoded
    bytes (~15 ms of CPU less as a process: memory the system must give it, the copies)."""
    found = session_text_batches(store, zone, since, until, sources, "json", _SessionRowsText(), _ROW_FORMAT,
                                 _MODELS_SEPARATOR)
    head = next(found)
    # the rows in the place of the empty list (a JSON string holds no raw newline: the key is found once), the
    # document's head (known now: the totals follow the rows) on the first row and its tail on the last: a
    # batch is given once the next one is read
    lead = json.dumps(head | {"rows": [], "totals": None}, indent=2, ensure_ascii=False)
    lead = lead[:lead.index(_NO_ROWS)]
    held, totals = None, []
    for batch in each_batch(found, totals):
        if held is None:
            batch[0] = f'{lead}\n  "rows": [\n{batch[0]}'
        else:
            yield held
        held = batch
    doc = json.dumps(head | {"rows": [], "totals": totals[0]}, indent=2, ensure_ascii=False)
    if held is None:
        yield [doc + end]
        return
    held[-1] = f"{held[-1]}\n  ],\n{doc[doc.index(_NO_ROWS) + len(_NO_ROWS):]}{end}"
    yield held


def each_batch(found, totals: list) -> Iterator[list[str]]:
    """The batches of a session_text_batches generator (its head taken), then its totals appended to `totals`."""
    totals.append((yield from found))


def session_text_batches(store: Store, zone: tzinfo, since: date | None, until: date | None,
                         sources: list[str] | None, form: str, rows: SessionRows, row_format: str,
                         models_separator: str, min_widths=None):
    """The text of every session's row of the sessions report in one of session_pages.formatted's forms
    ("json", "csv", "table": `row_format` and `models_separator` as it takes them; `min_widths` the table's
    widths, a function of the sessions read the Python way, the sums and the widest cells), most rows
    printed by SQLite, the rest by `rows`. A generator: it yields the report's head (zone and range) first,
    then the rows' text a batch at a time (lists, none empty) in the report's order, and returns the
    report's totals (public). Read from the store as it is iterated, in one snapshot, held until the last
    batch."""
    with store.read_snapshot(), collector_paused():  # hundreds of thousands of objects, none in a cycle
        head, start_ms, end_ms = _sessions_range(store, zone, since, until, sources)
        spans = offset_spans(zone, start_ms // 1000, (end_ms + 999) // 1000) if start_ms >= 0 else None
        rows.start(LocalIso(zone))
        found = store.formatted_sessions(start_ms, end_ms, sources, spans, row_format, models_separator, form,
                                         min_widths, rows.other_cells) if spans else None
        yield head
        if found is None:
            sessions = store.session_tuples(start_ms, end_ms, sources)
            totals = _session_totals(sessions)
            if sessions:
                yield rows.every(sessions, totals)
            return totals
        count = 0
        for batch in rows.formatted(found.batches, found.others):
            count += len(batch)
            yield batch
    # a total's cost is null only when every session's is (each of them without a priced row)
    return _public(found.sums | {"priced_rows": 0 if count and not found.sums["priced_rows"] else 1})


_NO_ROWS = '\n  "rows": [],\n'


def _sessions(store: Store, zone: tzinfo, since: date | None, until: date | None,
              sources: list[str] | None) -> tuple[dict, list[tuple]]:
    """The sessions report's head (zone and range) and its sessions (Store.session_tuples)."""
    head, start_ms, end_ms = _sessions_range(store, zone, since, until, sources)
    return head, store.session_tuples(start_ms, end_ms, sources)


def _sessions_range(store: Store, zone: tzinfo, since: date | None, until: date | None,
                    sources: list[str] | None) -> tuple[dict, int, int]:
    """The sessions report's head (zone and range) and the range's first and last millisecond (+1)."""
    check_sources(sources)
    span = default_range(store, zone, since, until)
    win = windows(span.since, span.until, "day", zone)
    head = {"timezone": zone_name(zone), "since": span.since.isoformat(), "until": span.until.isoformat()}
    return head, win[0].start_ms, win[-1].end_ms


# a sessions report row's keys, in order
SESSION_ROW_KEYS = ("session", "source", "project", "first_seen", "last_seen", "models", "input_tokens",
                    "cache_read_tokens", "cache_write_tokens", "cache_write_1h_tokens", "output_tokens",
                    "reasoning_tokens", "requests", "cost_usd", "unpriced_requests", "partly_priced_requests")


def _session_values(s: tuple, iso: LocalIso) -> tuple:
    """A session's tuple (Store.session_tuples) -> its row's values in SESSION_ROW_KEYS' order (the models a
    tuple), by report_figures.public's rules: the cache writes of both TTLs added, and no cost (not $0) when
    every request is unpriced (all_unpriced: a session always knows its rows with a cost)."""
    first, source, session, last, project, models, inp, read, write_5m, write_1h, out, reasoning, requests, \
        cost, unpriced, partly, priced = s
    return (session, source, project, iso(first), iso(last), models, inp, read, write_5m + write_1h, write_1h, out,
            reasoning, requests, None if unpriced and not priced else format_usd(cost), unpriced, partly)


def _session_totals(sessions: list[tuple]) -> dict:
    """The sessions' figures summed (report_figures.totals of their rows), public."""
    total = {f: sum(map(itemgetter(i), sessions)) for i, f in enumerate(SESSION_FIELDS) if i >= _FIRST_FIGURE}
    unpriced, priced = SESSION_FIELDS.index("unpriced_requests"), SESSION_FIELDS.index("priced_rows")
    # a total's cost is null only when every session's is (each of them without a priced row)
    total["priced_rows"] = 0 if sessions and all(s[unpriced] and not s[priced] for s in sessions) else 1
    return _public(total)


_FIRST_FIGURE = SESSION_FIELDS.index("input_tokens")


# a row's keys up to its models, and the printf format of the rest
_ROW_HEAD = ("    {{\n" + "".join(f'      "{key}": {{}},\n' for key in SESSION_ROW_KEYS[:6])).format
_FIGURES_FORMAT = ",\n".join(f'      "{key}": {"%s" if key == "cost_usd" else "%d"}'
                             for key in SESSION_ROW_KEYS[6:]) + "\n    }"
# ... and here: a figure as its repr, as json.dumps writes an int (or a float: a sum SQLite could not keep in 64 bits)
_FIGURES_TEXT = _FIGURES_FORMAT.replace("%d", "%s")
# the whole row for SQLite (storage.session_pages.formatted): the times in quotes, a list of models as json.dumps
# indents it at a row's depth (_SessionRowsText._encoded)
_ROW_FORMAT = _ROW_HEAD("%s", "%s", "%s", '"%s"', '"%s"', "[\n        %s\n      ]") + _FIGURES_FORMAT
_MODELS_SEPARATOR = ",\n        "


class SessionRows:
    """How a report's text prints its sessions (session_text_batches): `rows`, each session's row of
    Store.session_tuples' rows the Python way; `formatted`, those of session_pages.FormattedSessions in the
    report's order. `other_cells`: the form's Python functions in SQLite (session_pages.formatted)."""

    other_cells: tuple = ()

    def start(self, iso: LocalIso) -> None:
        """The report's local times (the times of `rows`' rows)."""
        self.iso = iso

    def rows(self, sessions: list[tuple]) -> list[str]:
        raise NotImplementedError

    def every(self, sessions: list[tuple], totals: dict) -> list[str]:
        """The rows of every session of the report (none printed by SQLite), its `totals` known."""
        return self.rows(sessions)

    def formatted(self, batches: Iterator[tuple[list[tuple], bool]], others: list[tuple]) -> Iterator[list[str]]:
        """The rows of session_pages.FormattedSessions (its `batches`, and `others` as Store.session_tuples'
        rows), a batch at a time (none empty), in the order of their first request, source and session."""
        rows = self.rows
        crossing = sorted((s[:3], row) for s, row in zip(others, rows(others)))  # (few: the range's edges)
        at = 0  # the next of them
        for batch, tuples in batches:
            texts = list(map(itemgetter(3), batch))
            if tuples:  # sessions read the Python way
                texts = [found if type(found) is str else rows([found])[0] for found in texts]
            if at < len(crossing) and crossing[at][0] < batch[-1][:3]:  # some of them go among these rows
                merged = []
                for found, row in zip(batch, texts):
                    while at < len(crossing) and crossing[at][0] < found[:3]:
                        merged.append(crossing[at][1])
                        at += 1
                    merged.append(row)
                texts = merged
            yield texts
        if at < len(crossing):
            yield [row for _, row in crossing[at:]]


class _SessionRowsText(SessionRows):
    """Sessions' rows as json.dumps(indent=2, ensure_ascii=False) writes them inside the report (a row at the
    depth of 4 spaces): the same encoder for text (json.encoder.encode_basestring), an int's repr, and the
    few values that repeat (sources, projects, lists of models) encoded by json.dumps once each."""

    def __init__(self, iso: LocalIso | None = None):
        self.iso = iso
        self.known: dict = {}  # a value -> its JSON text inside a row
        self.models: dict[str, str] = {}  # a JSON array of models as SQLite writes it -> the row's text

    def _encoded(self, value) -> str:
        # a value inside a row (depth 3): a list's items and closing bracket indented as json.dumps nests them
        text = self.known[value] = json.dumps(list(value) if type(value) is tuple else value, indent=2,
                                              ensure_ascii=False).replace("\n", "\n      ")
        return text

    def _models(self, array: str) -> str:
        text = self.models[array] = self._encoded(tuple(sorted(set(json.loads(array)))))
        return text

    def rows(self, sessions: list[tuple]) -> list[str]:
        """Each session's row (Store.session_tuples' rows), in their order."""
        head, iso, known, encoded, quoted = _ROW_HEAD, self.iso, self.known, self._encoded, encode_basestring
        out = []
        for s in sessions:
            (session, source, project, first, last, models, inp, read, write, write_1h, output, reasoning, requests,
             cost, unpriced, partly) = _session_values(s, iso)
            out.append(head(quoted(session), known.get(source) or encoded(source), known.get(project) or encoded(project),
                            f'"{first}"', f'"{last}"', known.get(models) or encoded(models))
                       + _FIGURES_TEXT % (inp, read, write, write_1h, output, reasoning, requests,
                                          "null" if cost is None else f'"{cost}"', unpriced, partly))
        return out


def offset_spans(zone: tzinfo, start_s: int, end_s: int) -> list[tuple[int, int, str]] | None:
    """The zone's UTC offsets over the seconds [start_s, end_s) (0 <= start_s): (the first UTC second, the
    offset in seconds, its ISO text as datetime.isoformat ends: "+01:00") of each stretch of one offset, in
    order. Sampled every hour, a change found to its second by bisection (no zone changes its offset and
    back within an hour: LocalIso assumes the same of a quarter hour). None where datetime cannot tell a
    time there (past the year 9998), an offset is not whole seconds, or the offsets change 500 times."""
    if end_s > _LAST_SECOND:
        return None
    fromtimestamp = datetime.fromtimestamp

    def offset(second: int):
        return fromtimestamp(second, zone).utcoffset()

    # the hours' offsets in one pass (a year: ~8.8k of them), then each change found to its second
    hours = list(range(start_s, end_s - 1, 3600)) or [start_s]
    if end_s - 1 > hours[-1]:
        hours.append(end_s - 1)
    offsets = [fromtimestamp(second, zone).utcoffset() for second in hours]
    spans = []
    at, current, hour = start_s, offsets[0], 1
    while True:
        if current is None or current % _SECOND or len(spans) > 500:
            return None
        spans.append((at, current // _SECOND, fromtimestamp(at, zone).isoformat()[19:]))
        while hour < len(hours) and offsets[hour] == current:  # the next hour whose offset differs
            hour += 1
        if hour == len(hours):
            return spans
        before, probe = max(hours[hour - 1], at), hours[hour]
        while probe - before > 1:  # ... and the second it starts
            middle = (before + probe) // 2
            before, probe = (middle, probe) if offset(middle) == current else (before, middle)
        at, current = probe, offset(probe)


_SECOND = timedelta(seconds=1)
_LAST_SECOND = 253_370_764_800  # 9998-12-31T00:00:00Z


SESSION_PAGE_ROWS = 200


def sessions_page(store: Store, zone: tzinfo, since: date, until: date, order: str = "first_seen",
                  descending: bool = True, offset: int = 0, limit: int | None = None,
                  sources: list[str] | None = None) -> dict:
    """The sessions report's rows offset..offset+limit in the order of a public column (`order`), with the
    totals and the number of rows (`total_rows`) of the whole range: the newest sessions of a year without
    reading the year's every session (storage.session_pages). The same rows and totals as sessions_report
    sorted by that column (ties by source and session)."""
    check_sources(sources)
    limit = SESSION_PAGE_ROWS if limit is None else limit
    span = default_range(store, zone, since, until)
    win = windows(span.since, span.until, "day", zone)
    head = {"timezone": zone_name(zone), "since": span.since.isoformat(), "until": span.until.isoformat()}
    found = store.session_page(win[0].start_ms, win[-1].end_ms, sources, order, descending, offset, limit)
    if found is None:  # a column the session totals do not hold, or no live rollup: every session, sorted here
        report = sessions_report(store, zone, span.since, span.until, sources)
        rows = sorted(report["rows"], key=_public_sort_key(order), reverse=descending)
        return head | {"rows": rows[offset:offset + limit], "total_rows": len(rows), "totals": report["totals"]}
    # a total's cost is null only when every session's is (each of them without a priced row)
    totals = found.sums | {"priced_rows": 0 if found.total_rows and not found.sums["priced_rows"] else 1}
    iso = LocalIso(zone)
    return head | {"rows": [session_row(s, iso) for s in found.rows], "total_rows": found.total_rows,
                   "totals": _public(totals)}


def _public_sort_key(order: str):
    """A report row -> its place by `order` (a value that is not there first), then source and session."""
    def key(row: dict) -> tuple:
        value = row.get(order)
        if isinstance(value, list):
            value = ", ".join(value)
        if order == "cost_usd" and value is not None:
            value = Decimal(value)
        return (0, 0) if value is None else (1, value), row["source"], row["session"]
    return key


def report_doc(store: Store, zone: tzinfo, kind: str, by: str = "model", since: date | None = None,
               until: date | None = None, sources: list[str] | None = None) -> dict:
    """The document of `tracker report KIND` (daily, weekly, monthly, sessions or projects; `by` only for
    the first three): the command line's, and its quick entry point's (tracker.quick) without click."""
    if kind in PERIOD_OF_REPORT:
        return usage_report(store, zone, PERIOD_OF_REPORT[kind], by, since, until, sources)
    if kind == "sessions":
        return sessions_report(store, zone, since, until, sources)
    return projects_report(store, zone, since, until, sources)


def projects_report(store: Store, zone: tzinfo, since: date | None = None, until: date | None = None,
                    sources: list[str] | None = None) -> dict:
    check_sources(sources)
    span = default_range(store, zone, since, until)
    whole = windows(span.since, span.until, "day", zone)
    # one window spanning the whole range
    one = [Window("all", whole[0].start_day, whole[0].start_ms, whole[-1].end_ms)]
    raw, planned = _money_rows(store, zone, one, ["project", "source"], sources)
    raw.sort(key=lambda r: -(r["api_equivalent_pico"] or 0))
    rows = []
    for r in raw:
        row = {"project": r["project"], "source": r["source"]}
        row.update(_public(r))
        rows.append(_with_plan_figures(row, r) if planned else row)
    totals = _totals(raw, planned)
    report = {"timezone": zone_name(zone), "since": span.since.isoformat(), "until": span.until.isoformat(),
              "rows": rows, "totals": _with_plan_figures(_public(totals), totals) if planned else _public(totals)}
    if planned:
        report["notes"] = [PLAN_NOTE]
    return report


def local_iso(ms: int, zone: tzinfo) -> str:
    """Local ISO time to the second, with the offset ("2026-11-06T12:34:56+01:00"); the second is truncated."""
    return datetime.fromtimestamp(ms // 1000, zone).isoformat()


class LocalIso:
    """local_iso for many times in one zone (a year of sessions: two each), the same text 6x faster: a zone's
    offset is looked up once per quarter hour of UTC time (offsets change on quarter hours, and where one does
    not stay the same over a quarter hour, or is not whole minutes, datetime says it as local_iso does), and so
    is the local date and hour (the text before the minutes) where the quarter hour is within one local hour."""

    SLOT_S = 900

    def __init__(self, zone: tzinfo):
        self.zone = zone
        # slot -> (local "YYYY-MM-DDTHH:", the UTC second that local hour starts, offset text), or None
        self.slots: dict[int, tuple[str, int, str] | None] = {}

    def __call__(self, ms: int) -> str:
        s = ms // 1000
        slot = s // self.SLOT_S
        try:
            hour = self.slots[slot]
        except KeyError:
            hour = self.slots[slot] = self._hour(slot)
        if hour is None:
            return local_iso(ms, self.zone)
        minute, second = divmod(s - hour[1], 60)
        return f"{hour[0]}{minute:02d}:{second:02d}{hour[2]}"

    def _hour(self, slot: int) -> tuple[str, int, str] | None:
        suffix = self._suffix(slot)
        if suffix is None:
            return None
        local = slot * self.SLOT_S + suffix[1]  # the slot's first second, in local time
        hour_start = local - local % 3600
        if local + self.SLOT_S - 1 >= hour_start + 3600:  # an offset of odd minutes: the hour changes within
            return None
        t = time.gmtime(hour_start)
        return (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T{t.tm_hour:02d}:", hour_start - suffix[1],
                suffix[0])

    def _suffix(self, slot: int) -> tuple[str, int] | None:
        first = datetime.fromtimestamp(slot * self.SLOT_S, self.zone)
        last = datetime.fromtimestamp(slot * self.SLOT_S + self.SLOT_S - 1, self.zone)
        offset = first.utcoffset()
        if offset is None or offset != last.utcoffset() or offset.total_seconds() % 60 or not 1 <= first.year <= 9998:
            return None
        return first.isoformat()[19:], int(offset.total_seconds())
