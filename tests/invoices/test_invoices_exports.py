"""Exports: the PDF's text holds the totals, Factur-X validates, issued invoices export identically."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.services import invoices_export as ex
from tracker.storage.invoices import InvoiceBook

from .helpers import DEMO_CLIENT_BILLING, add_usage, demo_usage, event, ts

NOV = (date(2026, 11, 1), date(2026, 11, 30))
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftotext) is not installed: .ci/install-debian-packages")


@pytest.fixture
def demo_invoice(istore):
    b = InvoiceBook(istore)
    tag = b.ensure_client_tag("globex")
    b.set_client_billing(tag["id"], DEMO_CLIENT_BILLING)
    demo_usage(istore, tag["id"])
    draft = service.create_draft(istore, "globex", *NOV, get_zone("UTC"), notes="Thank you for your business.")
    return service.issue(istore, draft["id"], issue_day=date(2026, 12, 1), at_ms=ts("2026-12-01", 9))


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


@needs_poppler
def test_pdf_text_holds_the_right_totals(istore, demo_invoice, tmp_path):
    data, name = service.export(istore, demo_invoice["number"], "pdf")
    assert name == "INV-2026-0001.pdf" and data.startswith(b"%PDF-")
    text = pdf_text(data, tmp_path)
    t = demo_invoice["document"]["totals"]
    assert "INVOICE" in text and "INV-2026-0001" in text
    assert "Globex Industries GmbH" in text and "Jane Doe Consulting" in text
    for label, amount in [("Subtotal", t["subtotal"]), ("Discount (5%)", "-" + t["discount"]),
                          ("Net amount", t["net"]), ("VAT 19%", t["taxes"][0]["amount"]),
                          ("Total due", t["total"])]:
        line = next(x for x in text.splitlines() if label in x)
        assert f"{amount} EUR" in line.replace(",", ""), (label, line)
    assert "2026-12-15" in text  # due date: 14 days
    assert "DE89370400440532013000" in text
    for line in demo_invoice["document"]["lines"]:
        assert line["group"] in text
    assert "contract rate" in text  # agreed with the client
    # client-safe by default: no basis, no underlying cost, no markup
    for secret in ("provider-billed", "estimated", "underlying", "+15%", "0.9215"):
        assert secret not in text, secret


def test_an_issued_invoice_exports_identically_twice(istore, demo_invoice):
    for fmt in ("pdf", "facturx", "csv", "json", "xml"):
        first, _ = service.export(istore, demo_invoice["number"], fmt)
        second, _ = service.export(istore, demo_invoice["number"], fmt)
        assert first == second, fmt
    # and from a fresh connection (nothing cached in the process)
    from tracker.storage import open_store

    other = open_store(istore.path)
    try:
        assert service.export(other, demo_invoice["number"], "pdf")[0] == service.export(
            istore, demo_invoice["number"], "pdf")[0]
    finally:
        other.close()


def test_pdf_dates_are_the_issue_time(istore, demo_invoice):
    pdf, _ = service.export(istore, demo_invoice["number"], "pdf")
    assert b"D:20261201090000" in pdf
    fx, _ = service.export(istore, demo_invoice["number"], "facturx")
    assert fx.count(b"20261201090000") >= 3  # info dict, XMP and the attachment's date (pypdf escapes ':')
    assert datetime.now(UTC).strftime("%Y%m%d%H%M").encode() not in fx


def test_facturx_embeds_xml_that_validates(istore, demo_invoice):
    from facturx import get_facturx_xml_from_pdf, xml_check_xsd

    data, name = service.export(istore, demo_invoice["number"], "facturx")
    assert name == "INV-2026-0001-facturx.pdf"
    filename, xml = get_facturx_xml_from_pdf(data, check_xsd=False)
    assert filename == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    from lxml import etree

    root = etree.fromstring(xml)
    ns = {"ram": ex.NS["ram"], "rsm": ex.NS["rsm"]}
    t = demo_invoice["document"]["totals"]
    assert root.findtext(".//ram:GrandTotalAmount", namespaces=ns) == t["total"]
    assert root.findtext(".//ram:TaxBasisTotalAmount", namespaces=ns) == t["net"]
    assert root.findtext(".//ram:AllowanceTotalAmount", namespaces=ns) == t["discount"]
    assert root.findtext(".//ram:InvoiceCurrencyCode", namespaces=ns) == "EUR"
    assert root.findtext("rsm:ExchangedDocument/ram:ID", namespaces=ns) == "INV-2026-0001"
    lines = root.findall(".//ram:IncludedSupplyChainTradeLineItem", namespaces=ns)
    assert len(lines) == len(demo_invoice["document"]["lines"])
    from pypdf import PdfReader

    catalog = PdfReader(io.BytesIO(data)).trailer["/Root"]
    xmp = catalog["/Metadata"].get_object().get_data()
    assert catalog["/OutputIntents"][0]["/S"] == "/GTS_PDFA1"  # sRGB output intent for PDF/A
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp and b"EN 16931" in xmp  # PDF/A-3 + Factur-X level


def test_the_schema_check_rejects_a_broken_document(istore, demo_invoice):
    xml = ex.cii_xml(demo_invoice["document"])
    ex.check_xml(xml)
    broken = xml.replace(b"<ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>", b"")
    with pytest.raises(ex.ExportError, match="EN 16931"):
        ex.check_xml(broken)


def test_credit_note_exports_as_type_381_with_a_reference(istore, demo_invoice):
    from facturx import get_facturx_xml_from_pdf
    from lxml import etree

    note = service.void(istore, demo_invoice["number"], issue_day=date(2026, 12, 3), at_ms=ts("2026-12-03", 10))
    data, _ = service.export(istore, note["number"], "facturx")
    _, xml = get_facturx_xml_from_pdf(data, check_xsd=True)
    root = etree.fromstring(xml)
    ns = {"ram": ex.NS["ram"]}
    assert root.findtext(".//ram:TypeCode", namespaces=ns) == "381"
    assert root.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=ns) == "INV-2026-0001"
    assert root.findtext(".//ram:GrandTotalAmount", namespaces=ns) == demo_invoice["document"]["totals"]["total"]


def test_csv_and_json(istore, demo_invoice):
    data, _ = service.export(istore, demo_invoice["number"], "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert [r["amount"] for r in rows] == [line["amount"] for line in demo_invoice["document"]["lines"]]
    assert "basis" not in rows[0] and "cost_usd" not in rows[0] and "input_tokens" in rows[0]
    assert all(r["currency"] == "EUR" for r in rows)
    doc = json.loads(service.export(istore, demo_invoice["number"], "json")[0])
    assert doc["totals"] == demo_invoice["document"]["totals"] and doc["status"] == "issued"
    assert "internal" not in doc and "warnings" not in doc and doc["exchange_rate"] is None
    assert all("internal" not in line for line in doc["lines"])
    # the contractor's own view keeps each line's basis
    full = service.document(istore, demo_invoice["number"])
    # (the client sees one gpt-5 line: its provider-billed and estimated days merged)
    assert {line["internal"]["basis"] for line in full["lines"]} == {"rate", "estimated", "billed+estimated"}


def test_facturx_refuses_two_taxes_and_drafts(istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02")])
    service.set_client(istore, "acme", taxes=[{"name": "GST", "rate_pct": "5"}, {"name": "PST", "rate_pct": "7"}])
    draft = service.create_draft(istore, "acme", *NOV, get_zone("UTC"))
    with pytest.raises(ex.ExportError, match="issue the draft"):
        service.export(istore, draft["id"], "facturx")
    assert service.export(istore, draft["id"], "pdf")[1] == f"draft-{draft['id']}.pdf"  # drafts print
    issued = service.issue(istore, draft["id"])
    with pytest.raises(ex.ExportError, match="one VAT rate"):
        service.export(istore, issued["number"], "facturx")
    assert service.export(istore, issued["number"], "pdf")[0].startswith(b"%PDF-")


@needs_poppler
def test_untaxed_invoice_validates_and_a_draft_is_marked(istore, client, tmp_path):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02")])
    service.set_client(istore, "acme", taxes=[])
    draft = service.create_draft(istore, "acme", *NOV, get_zone("UTC"))
    assert "Draft — not issued" in pdf_text(service.export(istore, draft["id"], "pdf")[0], tmp_path)
    issued = service.issue(istore, draft["id"])
    xml, _ = service.export(istore, issued["number"], "xml")
    assert b"<ram:CategoryCode>E</ram:CategoryCode>" in xml
    assert "Draft" not in pdf_text(service.export(istore, issued["number"], "pdf")[0], tmp_path)


def test_a_broken_logo_does_not_stop_the_pdf(istore, client, tmp_path):
    from tracker.services.invoices_profile import update_profile

    bad = tmp_path / "logo.png"
    bad.write_bytes(b"not an image")
    update_profile(istore, logo_path=str(bad))
    add_usage(istore, client["id"], events=[event("a", "2026-11-02")])
    draft = service.create_draft(istore, "acme", *NOV, get_zone("UTC"))
    assert service.export(istore, draft["id"], "pdf")[0].startswith(b"%PDF-")


def test_facturx_says_which_party_detail_is_missing(istore, client):
    service.set_client(istore, "acme", country="")
    add_usage(istore, client["id"], events=[event("a", "2026-11-02")])
    issued = service.issue(istore, service.create_draft(istore, "acme", *NOV, get_zone("UTC"))["id"])
    with pytest.raises(ex.ExportError, match="client's country"):
        service.export(istore, issued["number"], "facturx")


@needs_poppler
def test_a_lines_underlying_cost_rounds_as_the_invoice_does(istore, client, tmp_path):
    """2.345 USD of usage is billed 2.35 (half up); the PDF said 'underlying cost 2.34 USD' (half even)."""
    from .helpers import add_usage, event

    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="2.345")])
    service.set_client(istore, "acme", show="cost")  # a client who agreed to see costs
    draft = service.create_draft(istore, "acme", *NOV, get_zone("UTC"))
    issued = service.issue(istore, draft["id"], issue_day=date(2026, 12, 1))
    text = pdf_text(service.export(istore, issued["number"], "pdf")[0], tmp_path)
    assert "underlying cost 2.35 USD" in text and "2.34" not in text
