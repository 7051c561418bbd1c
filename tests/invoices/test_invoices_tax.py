"""Tax cases contractors meet: EU reverse charge, an exempt client, two taxes."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.services import invoices_export as ex

from .en16931 import schematron_errors
from .helpers import add_usage, event

NOV = (date(2026, 11, 1), date(2026, 11, 30))
UTC = get_zone("UTC")


def _issue(store, day=date(2026, 12, 1)):
    return service.issue(store, service.create_draft(store, "acme", *NOV, UTC)["id"], issue_day=day)


def _xml(store, number) -> bytes:
    from facturx import get_facturx_xml_from_pdf

    return get_facturx_xml_from_pdf(service.export(store, number, "facturx")[0], check_xsd=True)[1]


def test_a_reverse_charge_invoice_has_no_vat_the_legal_mention_both_vat_ids_and_validates(istore, client, tmp_path):
    """A German contractor billing a French business: VAT 0, 'Reverse charge', both VAT numbers."""
    service.set_client(istore, "acme", tax_treatment="reverse_charge", currency="EUR", exchange_rate="0.9")
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="10.00")])
    issued = _issue(istore)
    doc = issued["document"]
    assert doc["totals"]["taxes"] == [] and doc["totals"]["tax_total"] == "0.00"
    assert doc["totals"]["total"] == doc["totals"]["net"] == "9.90"  # 10 x 1.1 x 0.9
    xml = _xml(istore, issued["number"])
    from lxml import etree

    ns = {"ram": ex.NS["ram"]}
    root = etree.fromstring(xml)
    header_tax = root.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", namespaces=ns)
    assert header_tax.findtext("ram:CategoryCode", namespaces=ns) == "AE"
    assert header_tax.findtext("ram:ExemptionReason", namespaces=ns) == "Reverse charge"
    assert header_tax.findtext("ram:ExemptionReasonCode", namespaces=ns) == "VATEX-EU-AE"
    assert header_tax.findtext("ram:CalculatedAmount", namespaces=ns) == "0.00"
    ids = [x.text for x in root.iterfind(".//ram:SpecifiedTaxRegistration/ram:ID", namespaces=ns)]
    assert ids == ["DE123456789", "FR40303265045"]
    assert schematron_errors(xml) == []
    note = service.void(istore, issued["number"], issue_day=date(2026, 12, 2))
    assert schematron_errors(_xml(istore, note["number"])) == []  # its credit note too
    if shutil.which("pdftotext"):
        path = tmp_path / "rc.pdf"
        path.write_bytes(service.export(istore, issued["number"], "pdf")[0])
        text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "Reverse charge" in text and "Art. 196 Council Directive 2006/112/EC" in text
        assert "DE123456789" in text and "FR40303265045" in text and "VAT 0% (reverse charge)" in text


def test_reverse_charge_without_both_vat_numbers_is_not_issued(istore, client):
    service.set_client(istore, "acme", tax_treatment="reverse_charge", tax_id="")
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="10.00")])
    draft = service.create_draft(istore, "acme", *NOV, UTC)
    with pytest.raises(ValueError, match="must show both VAT numbers.*client's VAT number"):
        service.issue(istore, draft["id"], issue_day=date(2026, 12, 1))
    service.set_client(istore, "acme", tax_id="FR40303265045")
    assert service.issue(istore, draft["id"], issue_day=date(2026, 12, 1))["number"] == "INV-2026-0001"


def test_an_exempt_client_gets_category_e_with_the_reason_and_validates(istore, client):
    service.set_client(istore, "acme", tax_treatment="exempt",
                       exemption_reason="Exempt under Art. 132(1)(i) Directive 2006/112/EC (education)")
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="10.00")])
    issued = _issue(istore)
    assert issued["document"]["totals"]["total"] == "11.00"
    xml = _xml(istore, issued["number"])
    assert b"<ram:CategoryCode>E</ram:CategoryCode>" in xml and b"Art. 132(1)(i)" in xml
    assert schematron_errors(xml) == []


def test_standard_vat_validates_and_two_taxes_stay_out_of_factur_x(istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="10.00")])
    issued = _issue(istore)
    assert issued["document"]["totals"]["tax_total"] == "2.20"
    assert schematron_errors(_xml(istore, issued["number"])) == []
    service.set_client(istore, "acme", taxes=[{"name": "GST", "rate_pct": "5"}, {"name": "QST", "rate_pct": "9.975"}],
                       currency="CAD", exchange_rate="1.4")
    add_usage(istore, client["id"], events=[event("b", "2026-11-03", cost="100.00")])
    two = service.issue(istore, service.create_draft(istore, "acme", *NOV, UTC)["id"], issue_day=date(2026, 12, 2))
    # 100 x 1.1 x 1.4 = 154.00; GST 7.70; QST 15.3615 -> 15.36; total 177.06
    t = two["document"]["totals"]
    assert [x["amount"] for x in t["taxes"]] == ["7.70", "15.36"] and t["total"] == "177.06"
    with pytest.raises(ex.ExportError, match="one VAT rate"):
        service.export(istore, two["number"], "facturx")
