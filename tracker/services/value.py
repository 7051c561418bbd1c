"""Tags and value entries: what usage produced, per tag and period.

A value entry is money (amount + currency) or KPI units (quantity + unit name,
e.g. "pull requests merged: 14") for one tag over an inclusive range of local
days. Entries are keyed by (tag, period, kind, currency or unit): entering the
same one again replaces it, so re-importing a CSV never double-counts.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from tracker.core.timeutil import next_period_start, parse_day
from tracker.storage import Store
from tracker.storage.value import TAG_KINDS, UNTAGGED, VALUE_KINDS

DEFAULT_CURRENCY = "USD"
MAX_NAME_CHARS = 80
MAX_CSV_BYTES = 5 * 1024 * 1024  # a value sheet is small; anything larger is a wrong file
CSV_COLUMNS = ("tag", "period_start", "period_end", "period", "kind", "amount", "currency", "unit", "note")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# -- tags -------------------------------------------------------------------
def _check_name(store: Store, name: str) -> None:
    if not name or len(name) > MAX_NAME_CHARS:
        raise ValueError(f"a tag name needs 1 to {MAX_NAME_CHARS} characters")
    if name.lower() == UNTAGGED:
        raise ValueError(f"{UNTAGGED!r} is reserved for usage no tag claims; choose another name")
    if store.tag_by_name(name):
        raise ValueError(f"a tag named {name!r} already exists")


def _billing(billing: dict | str | None, kind: str) -> dict | None:
    if isinstance(billing, str):
        try:
            billing = json.loads(billing)
        except json.JSONDecodeError as exc:
            raise ValueError(f"billing details are not valid JSON: {exc.msg}") from exc
    if billing is not None and not isinstance(billing, dict):
        raise ValueError("billing details must be a JSON object, e.g. {\"name\": \"ACME Ltd\", \"address\": \"...\"}")
    if billing and kind != "client":
        raise ValueError("billing details belong to client tags")
    return billing or None


def add_tag(store: Store, name: str, kind: str, team_category: str | None = None,
            billing: dict | str | None = None) -> int:
    name = (name or "").strip()
    if kind not in TAG_KINDS:
        raise ValueError(f"tag kind must be one of {', '.join(TAG_KINDS)}")
    billing = _billing(billing, kind)
    _check_name(store, name)
    return store.add_tag(kind, name, team_category or None, billing)


def edit_tag(store: Store, name: str, new_name: str | None = None, kind: str | None = None,
             team_category: str | None = None, billing: dict | str | None = None) -> dict:
    """Change a tag's name, kind, category or billing details; its rules, entries and usage stay with it."""
    tag = store.tag_by_name(name)
    if tag is None:
        raise ValueError(f"No tag named {name!r}: see `tracker tags list`.")
    changes: dict = {}
    if new_name is not None and new_name.strip() != name:
        _check_name(store, new_name.strip())
        changes["name"] = new_name.strip()
    if kind is not None:
        if kind not in TAG_KINDS:
            raise ValueError(f"tag kind must be one of {', '.join(TAG_KINDS)}")
        changes["kind"] = kind
    if team_category is not None:
        changes["team_category"] = team_category.strip() or None
    if billing is not None:
        changes["billing"] = _billing(billing, changes.get("kind", tag["kind"])) if billing != "" else None
    elif "kind" in changes and changes["kind"] != "client" and tag["billing"]:
        raise ValueError("billing details belong to client tags: clear them first with --billing ''")
    store.update_tag(tag["id"], **changes)
    return store.tag_by_name(changes.get("name", name))


def list_tags(store: Store) -> list[dict]:
    """Every tag (id, kind, name, team_category, billing, rules count), by kind then name."""
    return store.tags()


# -- periods and amounts ------------------------------------------------------
def parse_period(text: str) -> tuple[date, date]:
    """'2026-11' (a month), '2026-W47' (an ISO week) or '2026-11-05' (a day) -> inclusive days."""
    text = (text or "").strip()
    if m := _MONTH.match(text):
        start = date(int(m[1]), int(m[2]), 1) if 1 <= int(m[2]) <= 12 else None
        if start is None:
            raise ValueError(f"{text!r} is not a month")
        return start, next_period_start(start, "month") - timedelta(days=1)
    if m := _WEEK.match(text):
        try:
            start = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError as exc:
            raise ValueError(f"{text!r} is not an ISO week") from exc
        return start, start + timedelta(days=6)
    day = parse_day(text)
    return day, day


# No amount of money or KPI units a person records reaches a trillion; a bigger one is a typo
# (or 1e400), and would overflow the figures computed from it (ROI, picodollars, exact text).
MAX_AMOUNT = Decimal(10**12)


def parse_amount(text: str, what: str = "amount") -> Decimal:
    try:
        value = Decimal(str(text).strip().replace(",", "").replace("_", ""))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{what} {text!r} is not a number") from exc
    if not value.is_finite():
        raise ValueError(f"{what} {text!r} is not a finite number")
    if value < 0:
        raise ValueError(f"{what} {text!r} is negative")
    if value > MAX_AMOUNT:
        raise ValueError(f"{what} {text!r} is more than {MAX_AMOUNT:,}")
    return value


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def build_entry(store: Store, tag: str, kind: str | None = None, amount: str | None = None,
                currency: str | None = None, unit: str | None = None, note: str | None = None,
                period: str | None = None, period_start: str | date | None = None,
                period_end: str | date | None = None) -> dict:
    """A validated value entry ready to store; ValueError says what is wrong."""
    tag = (tag or "").strip()
    found = store.tag_by_name(tag) if tag else None
    if found is None:
        raise ValueError(f"unknown tag {tag!r} (add it with `tracker tags add`)" if tag else "no tag given")
    if period and (period_start or period_end):
        raise ValueError("give either a period or a start and end day, not both")
    if period:
        start, end = parse_period(period)
    elif period_start:
        start = period_start if isinstance(period_start, date) else parse_day(str(period_start).strip())
        if isinstance(period_end, date) or not period_end:
            end = period_end or start
        else:
            end = parse_day(str(period_end).strip())
    else:
        raise ValueError("no period: give a period (2026-11, 2026-W47, 2026-11-05) or a start day")
    if end < start:
        raise ValueError(f"the period ends ({end}) before it starts ({start})")
    unit = (unit or "").strip()
    currency = (currency or "").strip().upper()
    kind = (kind or "").strip().lower() or ("kpi" if unit else "money")
    if kind not in VALUE_KINDS:
        raise ValueError(f"kind {kind!r} must be money or kpi")
    if amount is None or str(amount).strip() == "":
        raise ValueError("no amount" if kind == "money" else "no quantity")
    value = parse_amount(amount, "amount" if kind == "money" else "quantity")
    if kind == "money":
        if unit:
            raise ValueError("a money entry has a currency, not a unit")
        currency = currency or DEFAULT_CURRENCY
        if not _CURRENCY.match(currency):
            raise ValueError(f"currency {currency!r} is not a three-letter code such as USD or EUR")
    else:
        if not unit:
            raise ValueError("a KPI entry needs a unit name, e.g. 'pull requests merged'")
        if currency:
            raise ValueError("a KPI entry has a unit, not a currency")
        if len(unit) > MAX_NAME_CHARS:
            raise ValueError(f"unit name longer than {MAX_NAME_CHARS} characters")
    return {
        "tag_id": found["id"], "tag": found["name"], "period_start": start.isoformat(),
        "period_end": end.isoformat(), "kind": kind, "amount": _decimal_text(value),
        "currency": currency if kind == "money" else "", "unit": unit if kind == "kpi" else "",
        "note": (note or "").strip() or None,
    }


def add_value(store: Store, **fields) -> dict:
    """Record one entry; it replaces the entry of the same tag, period, kind and unit, returned as `replaced`."""
    entry = build_entry(store, **fields)
    with store.transaction():
        replaced = store.same_value_entry(entry)
        store.upsert_value_entries([entry])
    return {**entry, "replaced": replaced}


def replaced_text(entry: dict) -> str:
    """' (replacing ...)' for a message about an add_value result, or '' when nothing was replaced."""
    old = entry.get("replaced")
    if not old:
        return ""
    note = f", note {old['note']!r}" if old.get("note") else ""
    return f" (replacing the earlier entry of {old['amount']}{note})"


def entry_to_replace(store: Store, **fields) -> dict | None:
    """The stored entry that add_value(**fields) would replace, or None (bad fields raise as in add_value)."""
    return store.same_value_entry(build_entry(store, **fields))


# -- CSV import ------------------------------------------------------------------
@dataclass
class ImportReport:
    rows: int = 0
    accepted: list[dict] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    written: int = 0

    @property
    def ok(self) -> bool:
        return not self.rejected

    def as_dict(self) -> dict:
        return {
            "rows": self.rows, "accepted": len(self.accepted), "written": self.written,
            "rejected": [{"line": line, "reason": reason} for line, reason in self.rejected],
        }


def import_csv(store: Store, data: str | bytes | Path, allow_partial: bool = False) -> ImportReport:
    """Validate every row; write all of them in one transaction, or none.

    Columns (header row, any order): tag, kind (money|kpi, inferred from unit
    when blank), amount, currency (money; default USD), unit (kpi), note, and
    either `period` (2026-11, 2026-W47, 2026-11-05) or period_start [+ period_end].
    With any rejected row nothing is written, unless `allow_partial`: then the
    valid rows are written (still in one transaction) and the rest reported.
    """
    report = ImportReport()
    if isinstance(data, Path):
        try:
            if data.stat().st_size > MAX_CSV_BYTES:
                report.rejected.append((0, f"the file is larger than {MAX_CSV_BYTES // 1024 // 1024} MB"))
                return report
            data = data.read_bytes()
        except OSError as exc:
            report.rejected.append((0, f"the file cannot be read ({exc.strerror or exc})"))
            return report
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            report.rejected.append((0, f"the file is not UTF-8 text (byte {exc.start})"))
            return report
    reader = csv.DictReader(io.StringIO(data.lstrip("\ufeff")))
    try:
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:  # a damaged first line (a stray carriage return, a NUL byte)
        report.rejected.append((1, f"unreadable CSV header: {exc}"))
        return report
    if "tag" not in header or "amount" not in header or not ({"period", "period_start"} & set(header)):
        report.rejected.append((1, "the header needs columns tag, amount and period (or period_start)"))
        return report
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        report.rejected.append((1, f"unknown column(s): {', '.join(unknown)}; known: {', '.join(CSV_COLUMNS)}"))
        return report
    reader.fieldnames = header
    seen: dict[tuple, int] = {}
    line = 1
    try:
        for raw in reader:
            line = reader.line_num
            if raw.get(None):
                report.rows += 1
                report.rejected.append((line, "more cells than header columns"))
                continue
            if not any((v or "").strip() for v in raw.values()):
                continue  # blank line
            report.rows += 1
            try:
                entry = build_entry(store, **{k: raw.get(k) for k in CSV_COLUMNS})
            except ValueError as exc:
                report.rejected.append((line, str(exc)))
                continue
            key = (entry["tag_id"], entry["period_start"], entry["period_end"], entry["kind"], entry["currency"],
                   entry["unit"])
            if key in seen:
                report.rejected.append((line, f"same tag, period and kind as line {seen[key]}"))
                continue
            seen[key] = line
            report.accepted.append(entry | {"line": line})
    except csv.Error as exc:
        report.rejected.append((line + 1, f"unreadable CSV: {exc}"))
    if report.accepted and (report.ok or allow_partial):
        report.written = store.upsert_value_entries(report.accepted)
    return report


def list_values(store: Store, tag: str | None = None, since: date | None = None,
                until: date | None = None) -> list[dict]:
    if since and until and until < since:
        raise ValueError(f"the date range ends ({until}) before it starts ({since})")
    tag_id = None
    if tag:
        found = store.tag_by_name(tag)
        if found is None:
            raise ValueError(f"unknown tag {tag!r}")
        tag_id = found["id"]
    return store.value_entries(tag_id, since.isoformat() if since else None, until.isoformat() if until else None)

