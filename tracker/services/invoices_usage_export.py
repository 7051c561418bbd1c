"""An invoice's AI usage lines in the CSV layouts of Harvest, Kimai and Clockify.

For a contractor who invoices from their time tracker: one file adds the AI
usage of an invoice (or a draft) there in one import. Each AI usage line (and
adjustment) becomes one row at its billed amount, in the invoice's currency,
with what the client's disclosure allows in its note (never the underlying
cost). Fees, hours and expenses are not exported: they already come from there.

Layouts (provenance in tests/invoices/fixtures/README.md):

- harvest: Harvest's expense import, ten columns in this order: Date, Amount,
  Units, Client, Project, Category, Notes, First Name, Last Name, Billable. The
  person must exist in the Harvest account (Harvest creates clients and projects
  but not people) and the category must be an expense category there.
- kimai: Kimai's timesheet CSV columns (as its CSV export writes them, which its
  import reads): one record per line with a fixed price (Kimai bills a fixed
  price whatever the duration) and a duration of 0.
- clockify: Clockify's detailed report columns; one entry per line with a
  duration of 0 and the amount in "Billable Amount (CUR)".
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from tracker.services.invoices_view import client_document, shows_tokens, token_summary

USAGE_FORMATS = ("harvest", "kimai", "clockify")
HARVEST_COLUMNS = ("Date", "Amount", "Units", "Client", "Project", "Category", "Notes", "First Name", "Last Name",
                   "Billable")
KIMAI_COLUMNS = ("Date", "From", "To", "Duration", "Currency", "Price", "Internal price", "Hourly price",
                 "Fixed price", "Name", "User", "E-mail", "Customer", "Project", "Activity", "Description",
                 "Billable", "Tags")
CLOCKIFY_BASE = ("Project", "Client", "Description", "Task", "User", "Email", "Tags", "Billable", "Start Date",
                 "Start Time", "End Date", "End Time", "Duration (h)", "Duration (decimal)")
DEFAULT_CATEGORY = "AI usage"


def usage_note(line: dict, doc: dict) -> str:
    """A usage line as its note: the model (or project, day) and, if the client sees them, its tokens."""
    text = line["description"]
    if shows_tokens(doc) and "requests" in line:
        text += f" ({token_summary(line)})"
    return text


def export_usage(doc: dict, fmt: str, person: str = "", project: str = "", category: str = DEFAULT_CATEGORY,
                 client_name: str = "") -> bytes:
    """The AI usage lines of `doc` (a full document; only what the client may see is written)."""
    if fmt not in USAGE_FORMATS:
        raise ValueError(f"Unknown format {fmt!r}: choose one of {', '.join(USAGE_FORMATS)}.")
    view = client_document(doc)
    lines = [line for line in view["lines"] if line["kind"] in ("usage", "adjustment")]
    if not lines:
        raise ValueError("This invoice has no AI usage lines to export.")
    day = view["issue_date"] if view.get("number") else view["period"]["until"]
    client = client_name or view["buyer"].get("name") or view["buyer"].get("tag") or ""
    project = project or DEFAULT_CATEGORY
    first, _, last = person.strip().partition(" ")
    if fmt == "harvest" and not (first and last):
        raise ValueError("Harvest imports expenses for a person of its account: give their name with "
                         "--person 'First Last'.")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    currency = view["currency"]
    if fmt == "harvest":
        writer.writerow(HARVEST_COLUMNS)
        for line in lines:
            writer.writerow([day, line["amount"], "", client, project, category, usage_note(line, view), first,
                             last, "yes"])
    elif fmt == "kimai":
        writer.writerow(KIMAI_COLUMNS)
        for line in lines:
            writer.writerow([day, "00:00", "00:00", "0:00", currency, line["amount"], "0", "0", line["amount"],
                             person, person, "", client, project, category, usage_note(line, view), "1", ""])
    else:
        columns = (*CLOCKIFY_BASE, f"Billable Rate ({currency})", f"Billable Amount ({currency})")
        writer.writerow(columns)
        us_day = _us_date(day)  # Clockify's default date format
        for line in lines:
            writer.writerow([project, client, usage_note(line, view), category, person, "", "", "Yes", us_day,
                             "12:00:00 AM", us_day, "12:00:00 AM", "00:00:00", "0.00", "0", line["amount"]])
    return out.getvalue().encode("utf-8")


def _us_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{month}/{day}/{year}"


def total(doc: dict) -> Decimal:
    """The sum of the exported lines (what the import adds in the other tool)."""
    return sum((Decimal(x["amount"]) for x in doc["lines"] if x["kind"] in ("usage", "adjustment")), Decimal(0))
