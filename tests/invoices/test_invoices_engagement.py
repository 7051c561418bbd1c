"""One invoice for the engagement: a retainer, hours (by hand and from a Harvest export), an expense,
a fixed discount and AI usage, to the cent in the PDF, the CSV, the JSON and Factur-X (EN 16931)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.services import invoices_export as ex
from tracker.services import invoices_lines as lines
from tracker.services.invoices_timeimport import TimeImportError

from .en16931 import schematron_errors
from .helpers import add_usage, event, ts

FIXTURES = Path(__file__).parent / "fixtures"
NOV = (date(2026, 11, 1), date(2026, 11, 30))
UTC = get_zone("UTC")
GLOBEX = {
    "legal_name": "Globex Industries GmbH", "address": "Friedrichstrasse 68", "postcode": "10117", "city": "Berlin",
    "country": "DE", "tax_id": "DE811569869", "currency": "EUR", "exchange_rate": "0.9", "plan": "markup",
    "markup_pct": "15", "hourly_rate": "95", "taxes": [{"name": "VAT", "rate_pct": "19"}],
    "recurring": [{"label": "Monthly retainer", "amount": "500", "period": "month"}],
}


@pytest.fixture
def globex(istore):
    tag = service.set_client(istore, "globex", **GLOBEX)
    add_usage(istore, tag["id"], events=[
        event("s1", "2026-11-03", "claude-sonnet-4-5", "10.00"), event("s2", "2026-11-04", "claude-sonnet-4-5", "2.345"),
        event("g1", "2026-11-05", "gpt-5", "3.00")])
    return tag


def _engagement_draft(store) -> dict:
    draft = service.create_draft(store, "globex", *NOV, UTC, notes="Thank you for your business.")
    lines.add_line(store, draft["id"], "hours", "Architecture workshop", hours="2.5", rate="120", day=date(2026, 11, 2))
    lines.add_line(store, draft["id"], "expense", "Train ticket Berlin–Hamburg", amount="42.50", day=date(2026, 11, 2))
    lines.add_line(store, draft["id"], "discount", "Loyalty discount", amount="50")
    result = lines.import_time(store, draft["id"], (FIXTURES / "harvest_detailed_time.csv").read_text())
    assert (result.added, result.not_billable, result.rejected) == (3, 1, [])
    return draft


# Worked by hand:
#   Monthly retainer — November 2026                         500.00
#   Architecture workshop          2.5 h x 120.00            300.00
#   Webshop rebuild — Development  5.5 h x 95.00 (3.5 + 2)   522.50  (Harvest's rounded hours)
#   Webshop rebuild — Code review  1.25 h x 110.00           137.50
#   Train ticket Berlin–Hamburg                               42.50
#   claude-sonnet-4-5  12.345 USD x 1.15 x 0.9 = 12.777075    12.78
#   gpt-5               3.00 USD x 1.15 x 0.9 = 3.105          3.11  (half up)
#   subtotal 1518.39; loyalty discount -50.00; net 1468.39; VAT 19% = 278.9941 -> 278.99; total 1747.38
EXPECTED_LINES = {
    "Monthly retainer — November 2026": "500.00", "Architecture workshop": "300.00",
    "Webshop rebuild — Development": "522.50", "Webshop rebuild — Code review": "137.50",
    "Train ticket Berlin–Hamburg": "42.50", "claude-sonnet-4-5": "12.78", "gpt-5": "3.11",
}
EXPECTED_TOTALS = {"subtotal": "1518.39", "allowance_total": "50.00", "net": "1468.39", "tax_total": "278.99",
                   "total": "1747.38"}


def _key(line: dict) -> str:
    return line["group"] if line["kind"] in ("usage", "adjustment") else line["description"]


def test_an_engagement_invoice_totals_to_the_cent_in_every_format(istore, globex, tmp_path):
    draft = _engagement_draft(istore)
    issued = service.issue(istore, draft["id"], issue_day=date(2026, 12, 1), at_ms=ts("2026-12-01", 9))
    doc = issued["document"]
    assert {_key(line): line["amount"] for line in doc["lines"]} == EXPECTED_LINES
    for key, value in EXPECTED_TOTALS.items():
        assert doc["totals"][key] == value, key
    hours = {line["description"]: (line["quantity"], line["unit"], line["unit_price"]) for line in doc["lines"]
             if line["kind"] == "hours"}
    assert hours["Webshop rebuild — Development"] == ("5.5", "HUR", "95.00")
    # CSV: the lines add up to the subtotal
    rows = list(csv.DictReader(io.StringIO(service.export(istore, issued["number"], "csv")[0].decode())))
    assert sum(Decimal(r["amount"]) for r in rows) == Decimal(EXPECTED_TOTALS["subtotal"])
    # JSON: the same totals, nothing internal
    exported = json.loads(service.export(istore, issued["number"], "json")[0])
    assert exported["totals"] == doc["totals"] and "internal" not in exported
    # Factur-X: valid against the schema and the EN 16931 rules, with the same figures
    from facturx import get_facturx_xml_from_pdf
    from lxml import etree

    _, xml = get_facturx_xml_from_pdf(service.export(istore, issued["number"], "facturx")[0], check_xsd=True)
    root = etree.fromstring(xml)
    ns = {"ram": ex.NS["ram"]}
    assert root.findtext(".//ram:LineTotalAmount", namespaces=ns) is not None
    summary = root.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", namespaces=ns)
    assert summary.findtext("ram:LineTotalAmount", namespaces=ns) == "1518.39"
    assert summary.findtext("ram:AllowanceTotalAmount", namespaces=ns) == "50.00"
    assert summary.findtext("ram:TaxBasisTotalAmount", namespaces=ns) == "1468.39"
    assert summary.findtext("ram:GrandTotalAmount", namespaces=ns) == "1747.38"
    units = [q.get("unitCode") for q in root.iterfind(".//ram:BilledQuantity", namespaces=ns)]
    assert units.count("HUR") == 3
    assert schematron_errors(xml) == []
    # PDF
    if shutil.which("pdftotext"):
        path = tmp_path / "inv.pdf"
        path.write_bytes(service.export(istore, issued["number"], "pdf")[0])
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout.replace(",", "")
        for label, amount in (("Subtotal", "1518.39"), ("Loyalty discount", "-50.00"), ("Total due", "1747.38")):
            assert f"{amount} EUR" in next(x for x in text.splitlines() if label in x), label
        assert "5.5 h" in text and "Train ticket" in text and "underlying" not in text


def test_imported_entries_are_billed_once_and_importing_twice_adds_nothing(istore, globex):
    draft = _engagement_draft(istore)
    again = lines.import_time(istore, draft["id"], (FIXTURES / "harvest_detailed_time.csv").read_text())
    assert (again.added, again.on_draft) == (0, 3)
    issued = service.issue(istore, draft["id"], issue_day=date(2026, 12, 1))
    later = service.create_draft(istore, "globex", *NOV, UTC)
    result = lines.import_time(istore, later["id"], (FIXTURES / "harvest_detailed_time.csv").read_text())
    assert result.added == 0 and result.already_billed == {issued["number"]: 3}


def test_kimai_and_clockify_exports_import_as_lines(istore, globex):
    draft = service.create_draft(istore, "globex", *NOV, UTC)
    kimai = lines.import_time(istore, draft["id"], (FIXTURES / "kimai_timesheet.csv").read_text())
    assert (kimai.format, kimai.added, kimai.not_billable) == ("kimai", 3, 1)
    doc = service.preview(istore, draft["id"])
    own = {line["description"]: (line["quantity"], line["amount"]) for line in doc["lines"]
           if line["kind"] in ("hours", "item")}
    # 2:30 + 0:45 = 3.25 h x 95 = 308.75; the fixed-price workshop at its price
    assert own == {"Webshop rebuild — Development": ("3.25", "308.75"), "Fixed-price workshop": ("1", "150.00")}
    other = service.create_draft(istore, "globex", *NOV, UTC)
    with pytest.raises(TimeImportError, match="several clients"):
        lines.import_time(istore, other["id"], (FIXTURES / "clockify_detailed.csv").read_text())
    clockify = lines.import_time(istore, other["id"], (FIXTURES / "clockify_detailed.csv").read_text(),
                                 from_client="Globex Industries")
    assert (clockify.format, clockify.added, clockify.not_billable, clockify.other_clients) == ("clockify", 2, 1, 1)


def test_a_time_export_with_bad_rows_or_another_currency_says_so(istore, globex):
    draft = service.create_draft(istore, "globex", *NOV, UTC)
    text = (FIXTURES / "harvest_detailed_time.csv").read_text()
    bad = text.replace("2026-11-04,", "2026-13-04,").replace(",1.25,1.25,", ",lots,lots,")
    result = lines.import_time(istore, draft["id"], bad)
    assert result.added == 1 and [n for n, _ in result.rejected] == [3, 5]
    dollars = text.replace("Euro - EUR", "US Dollar - USD")
    with pytest.raises(TimeImportError, match="in USD and the draft is in EUR"):
        lines.import_time(istore, service.create_draft(istore, "globex", *NOV, UTC)["id"], dollars)
    with pytest.raises(TimeImportError, match="Not a Harvest, Kimai or Clockify"):
        lines.import_time(istore, draft["id"], "Title,Due\nA,B\n")
    ambiguous = (FIXTURES / "clockify_detailed.csv").read_text().replace("11/13/2026", "11/12/2026")
    with pytest.raises(TimeImportError, match="--date-order"):
        lines.import_time(istore, draft["id"], ambiguous, from_client="Globex Industries")


def test_the_margin_report_is_the_contractors_and_only_theirs(istore, globex):
    from tracker.services.invoices_margin import margin_report

    draft = _engagement_draft(istore)
    issued = service.issue(istore, draft["id"], issue_day=date(2026, 12, 1))
    report = margin_report(service.document(istore, issued["number"]))
    by_line = {row["description"]: row for row in report["lines"]}
    usage = next(row for row in report["lines"] if row["kind"] == "usage" and "claude" in row["description"])
    # 12.345 USD at 0.9 = 11.1105 -> 11.11 EUR of cost against 12.78 billed
    assert (usage["cost"], usage["margin"]) == ("11.11", "1.67") and "+15%" in usage["description"]
    assert by_line["Train ticket Berlin–Hamburg"]["margin"] == "0.00"  # passed on at cost
    # cost 11.11 + 2.70 (3.00 x 0.9) + 42.50 = 56.31; revenue after the discount 1468.39
    assert report["totals"] == {"subtotal": "1518.39", "discounts": "50.00", "revenue": "1468.39",
                                "cost": "56.31", "margin": "1412.08", "margin_pct": "96.2"}
    exported = service.export(istore, issued["number"], "json")[0].decode()
    assert "11.11" not in exported and "cost_usd" not in exported
