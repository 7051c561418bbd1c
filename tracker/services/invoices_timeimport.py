"""Time entries from the CSV exports of Harvest, Kimai and Clockify (pure: text in, entries out).

Column names, as each tool writes them (provenance in tests/invoices/fixtures/README.md):

- Harvest, detailed time report export: Date, Client, Project, Project Code, Task,
  Notes, Hours, Hours Rounded, Billable?, Invoiced?, Approved?, First Name,
  Last Name, Roles, Employee?, Billable Rate, Billable Amount, Cost Rate,
  Cost Amount, Currency ("Euro - EUR"), External Reference URL. Harvest's own
  time import format (Date, Client, Project, Task, Notes, Hours, First name,
  Last name) is read too. Hours Rounded is used when present: it is what Harvest
  bills when the account rounds time.
- Kimai, timesheet export "csv" (English): Date, From, To, Duration, Currency,
  Price, Internal price, Hourly price, Fixed price, Name, User, E-mail,
  Staff number, Customer, Project, Activity, Description, Billable, Tags, Type,
  ... (German headers too). Duration is h:mm or decimal hours; a record with a
  fixed price is billed at that price whatever its duration.
- Clockify, detailed report export: Project, Client, Description, Task, User,
  Group, Email, Tags, Billable, Start Date, Start Time, End Date, End Time,
  Duration (h), Duration (decimal), Billable Rate (EUR), Billable Amount (EUR).

No export carries an entry id, so an entry's key is a hash of the fields that
make it itself (date, person, times, project, task, notes, hours) plus its
occurrence number among identical rows: importing the same file twice adds
nothing, and two identical entries stay two.

Untrusted input: every row that cannot be read is rejected with its line number
and the reason; nothing is guessed (a date like 03/04/2026 needs --date-order,
except in Harvest, whose slash dates are documented as M/D/YYYY).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

FORMATS = ("harvest", "kimai", "clockify")
DATE_ORDERS = ("mdy", "dmy")
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# German headers of Kimai's export -> the English ones.
KIMAI_GERMAN = {"Datum": "Date", "Von": "From", "Bis": "To", "Dauer": "Duration", "Währung": "Currency",
                "Preis": "Price", "Preis pro Stunde": "Hourly price", "Festpreis": "Fixed price",
                "Benutzer": "User", "Kunde": "Customer", "Projekt": "Project", "Tätigkeit": "Activity",
                "Beschreibung": "Description", "Abrechenbar": "Billable"}
_CLOCKIFY_RATE = re.compile(r"^Billable Rate \(([A-Z]{3})\)$")
_HARVEST_CURRENCY = re.compile(r"\b([A-Z]{3})\s*$")
YES = {"yes", "true", "1", "y", "ja"}
NO = {"no", "false", "0", "n", "nein"}


class TimeImportError(ValueError):
    """The file cannot be imported as a whole (the message says why and what to do)."""


@dataclass
class TimeEntry:
    key: str
    day: date
    hours: Decimal
    rate: Decimal | None  # per hour, in `currency` (None: not in the file)
    fixed_price: Decimal | None  # a fixed amount for the entry (Kimai)
    currency: str | None
    client: str
    project: str
    task: str
    notes: str
    person: str
    billable: bool
    line: int


@dataclass
class ParsedTime:
    format: str
    entries: list[TimeEntry] = field(default_factory=list)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)

    @property
    def clients(self) -> list[str]:
        return sorted({e.client for e in self.entries if e.client})


def detect(header: list[str]) -> str | None:
    names = {h.strip() for h in header}
    if {"Start Date", "Duration (decimal)"} <= names or ("Start Date" in names and "Duration (h)" in names):
        return "clockify"
    if ("Hours" in names and "Date" in names) and ({"Billable?", "Hours Rounded", "First Name", "First name",
                                                     "Task"} & names):
        return "harvest"
    english = {KIMAI_GERMAN.get(n, n) for n in names}
    if {"Date", "Duration", "Customer", "Activity"} <= english or {"Date", "From", "To", "Duration"} <= english:
        return "kimai"
    return None


def parse(text: str, fmt: str = "auto", date_order: str | None = None) -> ParsedTime:
    """The entries of a time export (fmt: auto, harvest, kimai, clockify)."""
    if len(text.encode("utf-8", "replace")) > MAX_IMPORT_BYTES:
        raise TimeImportError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB: export a shorter "
                              "period.")
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise TimeImportError("The file is empty.")
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
        rows = list(reader)
    except csv.Error as exc:
        raise TimeImportError(f"The file is not readable CSV ({exc}).") from exc
    found = detect(header)
    if fmt == "auto":
        if found is None:
            raise TimeImportError("Not a Harvest, Kimai or Clockify time export: its columns are "
                                  f"{', '.join(header[:8])}{'...' if len(header) > 8 else ''}.")
        fmt = found
    elif fmt not in FORMATS:
        raise TimeImportError(f"Unknown format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if fmt == "kimai":
        header = [KIMAI_GERMAN.get(h, h) for h in header]
    result = ParsedTime(fmt)
    records = []
    for n, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            result.rejected.append((n, f"{len(row)} cells for {len(header)} columns"))
            continue
        records.append((n, dict(zip(header, (c.strip() for c in row)))))
    reader_fn = {"harvest": _harvest, "kimai": _kimai, "clockify": _clockify}[fmt]
    order = _date_order(fmt, records, header, date_order)
    seen: dict[str, int] = {}
    for n, record in records:
        try:
            entry = reader_fn(record, header, order)
        except (ValueError, InvalidOperation, KeyError) as exc:
            result.rejected.append((n, str(exc) or type(exc).__name__))
            continue
        identity = _identity(fmt, entry, record)
        seen[identity] = seen.get(identity, 0) + 1
        entry.key = f"{fmt}:{hashlib.sha256(f'{identity}#{seen[identity]}'.encode()).hexdigest()[:32]}"
        entry.line = n
        result.entries.append(entry)
    return result


def _identity(fmt: str, entry: TimeEntry, record: dict) -> str:
    times = "|".join(record.get(k, "") for k in ("Start Time", "End Time", "From", "To"))
    return "\x1f".join([fmt, entry.day.isoformat(), entry.person, times, entry.client, entry.project, entry.task,
                        entry.notes, f"{entry.hours.normalize():f}"])


# -- dates, numbers ------------------------------------------------------------------
_SLASH = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$")


def _date_order(fmt: str, records: list, header: list[str], given: str | None) -> str | None:
    if given:
        if given not in DATE_ORDERS:
            raise TimeImportError(f"The date order is mdy or dmy, not {given!r}.")
        return given
    column = "Start Date" if fmt == "clockify" else "Date"
    firsts, seconds = set(), set()
    for _n, record in records:
        m = _SLASH.match(record.get(column, ""))
        if m:
            firsts.add(int(m.group(1)))
            seconds.add(int(m.group(2)))
    if not firsts:
        return None
    if any(x > 12 for x in firsts):
        return "dmy"
    if any(x > 12 for x in seconds) or fmt == "harvest":  # Harvest documents M/D/YYYY
        return "mdy"
    raise TimeImportError("The dates (like 03/04/2026) could be month/day or day/month: say which with "
                          "--date-order mdy or --date-order dmy.")


def read_day(text: str, order: str | None) -> date:
    text = text.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        pass
    m = _SLASH.match(text)
    if not m or order is None:
        raise ValueError(f"unreadable date {text!r}")
    a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    year += 2000 if year < 100 else 0
    month, day = (a, b) if order == "mdy" else (b, a)
    return date(year, month, day)


def read_decimal(text: str, what: str) -> Decimal:
    """A decimal with a point or a comma (1.5, 1,5, 1,234.50)."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in raw and "." in raw:
        raw = raw.replace(",", "") if raw.rindex(".") > raw.rindex(",") else raw.replace(".", "").replace(",", ".")
    elif "," in raw:
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"unreadable {what} {text!r}") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} {text!r} is not a positive number")
    return value


def read_hours(text: str) -> Decimal:
    """Hours as decimal (1.5) or h:mm[:ss] (1:30)."""
    text = text.strip()
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
            raise ValueError(f"unreadable duration {text!r}")
        h, m, s = (int(p) for p in (parts + ["0"])[:3])
        return Decimal(h) + Decimal(m) / 60 + Decimal(s) / 3600
    return read_decimal(text, "hours")


def _optional(text: str | None, what: str) -> Decimal | None:
    return read_decimal(text, what) if text and text.strip() else None


def _flag(text: str | None, default: bool = True) -> bool:
    value = (text or "").strip().lower()
    if value in YES:
        return True
    if value in NO:
        return False
    return default


def _hours_quantised(hours: Decimal) -> Decimal:
    return hours.quantize(Decimal("0.0001"))  # h:mm:ss is exact to 1/3600 h; four places keep it readable


# -- the three formats -----------------------------------------------------------------
def _harvest(r: dict, header: list[str], order: str | None) -> TimeEntry:
    hours_text = r.get("Hours Rounded") or r.get("Hours") or ""
    currency = None
    if r.get("Currency"):
        m = _HARVEST_CURRENCY.search(r["Currency"])
        currency = m.group(1) if m else None
    first, last = r.get("First Name") or r.get("First name") or "", r.get("Last Name") or r.get("Last name") or ""
    return TimeEntry(
        key="", day=read_day(r["Date"], order), hours=_hours_quantised(read_hours(hours_text)),
        rate=_optional(r.get("Billable Rate"), "billable rate"), fixed_price=None, currency=currency,
        client=r.get("Client", ""), project=r.get("Project", ""), task=r.get("Task", ""), notes=r.get("Notes", ""),
        person=f"{first} {last}".strip(), billable=_flag(r.get("Billable?")), line=0,
    )


def _kimai(r: dict, header: list[str], order: str | None) -> TimeEntry:
    fixed = _optional(r.get("Fixed price"), "fixed price")
    return TimeEntry(
        key="", day=read_day(r["Date"], order), hours=_hours_quantised(read_hours(r.get("Duration") or "0")),
        rate=_optional(r.get("Hourly price"), "hourly price"), fixed_price=fixed if fixed else None,
        currency=(r.get("Currency") or "").upper() or None, client=r.get("Customer", ""),
        project=r.get("Project", ""), task=r.get("Activity", ""), notes=r.get("Description", ""),
        person=r.get("Name") or r.get("User") or "", billable=_flag(r.get("Billable")), line=0,
    )


def _clockify(r: dict, header: list[str], order: str | None) -> TimeEntry:
    currency = rate = None
    for name in header:
        m = _CLOCKIFY_RATE.match(name)
        if m:
            currency, rate = m.group(1), _optional(r.get(name), "billable rate")
    hours = r.get("Duration (decimal)") or r.get("Duration (h)") or ""
    return TimeEntry(
        key="", day=read_day(r["Start Date"], order), hours=_hours_quantised(read_hours(hours)), rate=rate,
        fixed_price=None, currency=currency, client=r.get("Client", ""), project=r.get("Project", ""),
        task=r.get("Task", ""), notes=r.get("Description", ""), person=r.get("User") or r.get("Email") or "",
        billable=_flag(r.get("Billable")), line=0,
    )
