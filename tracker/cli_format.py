"""Rendering of report dicts for the terminal: JSON, CSV and readable tables."""

from __future__ import annotations

import io
from collections.abc import Sequence
from itertools import chain, compress

# csv and money (decimal) are imported where used: `tracker import --json` needs neither (start-up).
try:  # the C text encoder json.dumps(ensure_ascii=False) writes with, without the json package (its regular
    from _json import encode_basestring as _encode_text  # expressions: ~1 ms of a quick report's start-up)
except ImportError:  # an interpreter without it: json's own choice
    from json.encoder import encode_basestring as _encode_text


ORJSON_MIN_ROWS = 2_000  # below this the import costs more than orjson saves


def to_json(doc: dict) -> str:
    """The document as json.dumps(indent=2, ensure_ascii=False) writes it, byte for byte, faster.

    Small documents (every quick answer) are joined from the C string encoder's pieces (~3x faster than
    json.dumps, nothing to import); a big one (thousands of rows: a year of sessions) goes through
    orjson, ~20x faster once its ~14 ms import is paid, when it holds no float (whose exponent orjson
    writes otherwise: 1e-7 for 1e-07, and NaN as null). Anything else is json.dumps itself.
    """
    rows = doc.get("rows") if type(doc) is dict else None
    if type(rows) is list and len(rows) >= ORJSON_MIN_ROWS and not _has_float(doc):
        import orjson

        try:
            return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()
        except (TypeError, orjson.JSONEncodeError):  # an integer past 64 bits, text that is not Unicode
            pass
    try:
        return _indented(doc, "\n")
    except (_NotPlain, RecursionError):
        import json

        return json.dumps(doc, indent=2, ensure_ascii=False)


class _NotPlain(Exception):
    pass


_INDENT = "  "


def _indented(value, newline: str) -> str:
    kind = type(value)
    if kind is str:
        return _encode_text(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return "NaN" if value != value else _FLOATS.get(value) or float.__repr__(value)
    inner = newline + _INDENT
    if kind is dict:
        if not value:
            return "{}"
        parts = []
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain()
            item_kind = type(item)  # (text and whole numbers inline: most of a report's values)
            if item_kind is str:
                parts.append(_encode_text(key) + ": " + _encode_text(item))
            elif item_kind is int:
                parts.append(_encode_text(key) + ": " + int.__repr__(item))
            else:
                parts.append(_encode_text(key) + ": " + _indented(item, inner))
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        items = _table(value, inner) if len(value) >= _TABLE_MIN_ROWS else None
        if items is None:
            items = [_indented(item, inner) for item in value]
        return "[" + inner + ("," + inner).join(items) + newline + "]"
    raise _NotPlain()


_TABLE_MIN_ROWS = 8  # below this the columns' set-up costs more than it saves


def _table(rows, newline: str) -> list[str] | None:
    """The texts of a list of rows that are dicts with the same keys in the same order and no list or dict
    in them (a report's rows), column by column: each column's values are written by one C call where they
    are all text or all whole numbers, and each row is one %-format of its values' texts (a year of daily
    rows took 4.7 ms value by value, a tenth of `tracker report daily --json`). None for any other list."""
    first = rows[0]
    if type(first) is not dict or not first:
        return None
    keys = tuple(first)
    if not all(type(row) is dict and tuple(row) == keys for row in rows):
        return None
    columns, formats = [], []
    for column in zip(*map(dict.values, rows)):
        kinds = set(map(type, column))
        if kinds == {int}:  # (%d writes an int as int.__repr__ does)
            columns.append(column)
            formats.append("%d")
            continue
        if kinds == {str}:
            columns.append(map(_encode_text, column))
        elif kinds <= _SCALAR_KINDS:
            columns.append([_indented(item, newline) for item in column])
        else:  # a list, a dict, a subclass: value by value (which says what is not plain)
            return None
        formats.append("%s")
    inner = newline + _INDENT
    if not all(type(key) is str for key in keys):
        raise _NotPlain()
    row_format = "{" + inner + ("," + inner).join(
        _encode_text(key).replace("%", "%%") + ": " + form for key, form in zip(keys, formats)) + newline + "}"
    return list(map(row_format.__mod__, zip(*columns)))


_SCALAR_KINDS = frozenset((str, int, float, bool, type(None)))


_FLOATS = {float("inf"): "Infinity", float("-inf"): "-Infinity"}


_PLAIN_KINDS = frozenset((str, int, bool, type(None)))
_CONTAINERS = frozenset((dict, list, tuple))


def _has_float(value) -> bool:
    """Whether a float is anywhere in `value`: level by level, each level's values' kinds at once (a year
    of sessions is millions of values: one Python call per value took a second)."""
    if type(value) not in _CONTAINERS:
        return type(value) not in _PLAIN_KINDS
    level = [value]
    while level:
        values = list(chain.from_iterable(c.values() if type(c) is dict else c for c in level))
        kinds = set(map(type, values))
        if not kinds <= _PLAIN_KINDS | _CONTAINERS:
            return True
        level = list(compress(values, map(_CONTAINERS.__contains__, map(type, values)))) if kinds & _CONTAINERS \
            else []
    return False


def to_csv(rows: Sequence[dict], empty_header: Sequence[str] = ()) -> str:
    """Rows as CSV with every key as a column; no rows: just `empty_header` (a script reading the
    file still finds its columns), or nothing."""
    import csv

    if not rows:
        return ",".join(empty_header) + "\n" if empty_header else ""
    out = io.StringIO()
    fields: list[str] = []
    for row in rows:
        for key in row:
            if key not in fields:
                fields.append(key)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(_csv_values(row))
    return out.getvalue()


def _csv_values(row: dict) -> dict:
    return {k: (";".join(v) if isinstance(v, list) else v) for k, v in row.items()}


def csv_rows(rows: Sequence[dict], fields: Sequence[str]) -> list[str]:
    """Each row's line of to_csv whose columns are `fields` (the keys of every row), without its end."""
    import csv

    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    ends = []
    for row in rows:
        writer.writerow(_csv_values(row))
        ends.append(out.tell())
    text = out.getvalue()
    return [text[start:end - 1] for start, end in zip([0, *ends], ends)]


def import_lines(doc: dict) -> list[str]:
    """What `tracker import` (without --json) prints of an import report on stdout, line by line."""
    from tracker.core.wording import counted

    lines = [f"Agent logs: {counted(doc['files_seen'], 'file')}, {doc['files_read']:,} read ({_mib(doc['bytes_read'])}), "
             f"{doc['files_skipped']:,} unchanged; {counted(doc['events_added'], 'new request')} in "
             f"{doc['seconds']:.2f}s."]
    for kind, figures in doc["by_source"].items():
        if figures["files_seen"]:
            lines.append(f"  {kind}: {counted(figures['files_seen'], 'file')}, "
                         f"{counted(figures['events_added'], 'new request')}")
    if not doc["files_seen"]:
        lines.append("No agent logs found (`tracker sources agents` says where each agent was looked for and "
                     "which variable moves it).")
    skipped = doc["lines_skipped"]
    if skipped:
        lines.append(f"Lines not counted: {', '.join(f'{reason} {n}' for reason, n in skipped.items())}.")
    return lines


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB"


def _human_tokens(n: int) -> str:
    for unit, size in (("B", 10**9), ("M", 10**6), ("k", 10**3)):
        if abs(n) >= size:
            return f"{n / size:.1f}{unit}"
    return str(n)


def _cost(value: str | None) -> str:
    from tracker.core.money import format_usd_short

    if value is None:
        return format_usd_short(None)
    # a report's cost (money.format_usd: six decimals) is its micro-dollars without the point: no Decimal
    whole, _, fraction = value.partition(".") if type(value) is str else ("", "", "")
    if len(fraction) == 6 and value.isascii() and fraction.isdigit() and whole.lstrip("-").isdigit() \
            and whole[1:2] != "-":
        return format_usd_short(int(whole + fraction) * 10**6)
    from decimal import Decimal

    from tracker.core.money import usd_to_pico

    return format_usd_short(usd_to_pico(Decimal(value)))


usd_text = _cost  # "$1,234" / "$12.30" from a report's decimal USD string
tokens_text = _human_tokens  # "950", "12.3k", "4.0M" from a count of tokens


def _plain_cell(value) -> str:
    if isinstance(value, list):
        return ",".join(value)
    return "" if value is None else str(value)


def _tokens_cell(value) -> str:
    return _human_tokens(value) if isinstance(value, int) else _plain_cell(value)


def table(rows: Sequence[dict], columns: Sequence[tuple[str, str]], totals: dict | None = None) -> str:
    """Aligned text table; `columns` are (key, heading). Tokens and money get short forms."""
    layout = TableLayout(columns)
    body = [layout.cells(row) for row in rows]
    total = layout.total_cells(totals) if totals is not None else None
    widths = layout.widths(body + ([total] if total is not None else []))
    fmt = layout.line_format(widths)
    return layout.text(widths, [fmt(*line) for line in body], None if total is None else fmt(*total))


class TableLayout:
    """table's columns: each one's form of a value (chosen once: a year of sessions is ~30k rows of 15
    cells), heading and alignment; a table's text of its lines."""

    def __init__(self, columns: Sequence[tuple[str, str]]):
        self.keys = [key for key, _ in columns]
        self.headings = [h for _, h in columns]
        self.shown = [_cost if key == "cost_usd" or key.endswith("_usd") else _tokens_cell if key.endswith("_tokens")
                      else _plain_cell for key in self.keys]
        self.numeric = [key.endswith(("_tokens", "_usd", "requests")) for key in self.keys]

    def cells(self, row: dict) -> list[str]:
        return [form(row.get(key)) for key, form in zip(self.keys, self.shown)]

    def total_cells(self, totals: dict) -> list[str]:
        return ["Total" if i == 0 else form(totals.get(key))
                for i, (key, form) in enumerate(zip(self.keys, self.shown))]

    def widths(self, body: Sequence[Sequence[str]]) -> list[int]:
        """Each column's width: its heading's or its widest cell's."""
        return [max(len(h), *(len(line[i]) for line in body)) if body else len(h) for i, h in enumerate(self.headings)]

    def line_format(self, widths: Sequence[int]):
        """(cells) -> a line: each text right-aligned (figures) or left-aligned to its column's width, as
        str.rjust/ljust pad."""
        return "  ".join(f"{{:{'>' if numeric else '<'}{w}}}" for numeric, w in zip(self.numeric, widths)).format

    def text(self, widths: Sequence[int], lines: Sequence[str], total: str | None) -> str:
        """The table: its headings, `lines` (each a body line of line_format) and `total` (its line, or none)."""
        rule = "  ".join("-" * w for w in widths)
        out = [self.line_format(widths)(*self.headings), rule, *lines]
        if total is not None:
            out += [rule, total]
        return "\n".join(out)


def report_heading(kind: str, doc: dict) -> str:
    """The line `tracker report KIND` prints above its table."""
    return (f"{kind.capitalize()} usage, {doc['since']} to {doc['until']} ({doc['timezone']}); "
            "costs are estimates at the price in force on each request's date.")


def _any_usage(totals: dict) -> bool:
    """Requests or tokens in a report's totals (a session's totals with no count of its requests: tokens only)."""
    return any(value for key, value in totals.items() if key == "requests" or key.endswith("_tokens"))


def report_notes(doc: dict) -> list[str]:
    """What `tracker report` prints below its table (each a click.echo), but the billed figures."""
    out = [f"\nNote: {note}" for note in doc.get("notes", [])]
    if not _any_usage(doc["totals"]):  # an empty table and a $0.00 total said nothing of what to do
        out.append(f"\nNo usage from {doc['since']} to {doc['until']}. `tracker import` reads your coding agents' "
                   "logs and `tracker poll` your provider accounts (`tracker sources agents` and `tracker sources "
                   "list` say what is set up); `tracker --demo report daily` shows the reports over generated data.")
    unpriced = doc["totals"]["unpriced_requests"]
    if unpriced:
        out.append(f"\n{unpriced} request(s) have no known price and are not in the cost total: "
                   "add prices with `tracker paths` -> prices file, then `tracker reprice`.")
    partly = doc["totals"]["partly_priced_requests"]
    if partly:
        out.append(f"\n{partly} request(s) are partly priced: a price class of theirs has no known rate "
                   "(fast mode, web or file searches, audio or image tokens), so their cost is a lower "
                   "bound; see `--json` rows' partly_priced_requests, add the rate to the prices file "
                   "(`tracker paths`), then `tracker reprice`.")
    return out
