"""Issue #27's four defects, each as a contractor met it: a fee in the wrong currency, a fee billed
twice for one period, usage billed again after a price or plan change, the markup on the PDF."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.storage.invoices import InvoiceBook

from .helpers import add_usage, event

UTC = get_zone("UTC")
WEEK_45 = (date(2026, 11, 2), date(2026, 11, 8))  # Monday to Sunday


def _issue(store, period, day, client="acme"):
    draft = service.create_draft(store, client, *period, UTC)
    return service.issue(store, draft["id"], issue_day=day)


def test_a_draft_whose_client_changed_currency_is_refused_at_issue_not_billed_in_the_old_one(istore, client):
    """The client moved to a 37,000 JPY fee after the USD draft was made: issuing billed 37,008.07 USD."""
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="7.34")])
    draft = service.create_draft(istore, "acme", *WEEK_45, UTC)
    assert draft["currency"] == "USD"
    service.set_client(istore, "acme", currency="JPY", exchange_rate="150", plan="fixed", fixed_fee="37000")
    preview = service.preview(istore, draft["id"])
    assert any("contract rates and fees are in JPY" in w for w in preview["warnings"])
    with pytest.raises(ValueError, match="contract rates and fees are in JPY"):
        service.issue(istore, draft["id"], issue_day=date(2026, 11, 9))
    assert InvoiceBook(istore).get(draft["id"])["status"] == "draft"
    assert InvoiceBook(istore).counter("INV-2026-{seq:04}") == 0  # no number used up
    # a draft made now is in the client's currency, and carries the fee in it
    fresh = service.create_draft(istore, "acme", *WEEK_45, UTC)
    issued = service.issue(istore, fresh["id"], issue_day=date(2026, 11, 9))
    fee = issued["document"]["lines"][0]
    assert issued["currency"] == "JPY" and (fee["kind"], fee["amount"]) == ("fee", "37000")


def test_a_fixed_fee_is_billed_once_per_period_however_many_invoices_cover_it(istore, client):
    """A second 250.00 for a week already invoiced."""
    service.set_client(istore, "acme", plan="fixed", fixed_fee="250", fixed_fee_label="Weekly retainer",
                       fixed_fee_period="week")
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="1.00")])
    first = _issue(istore, WEEK_45, date(2026, 11, 9))
    assert [(x["kind"], x["amount"]) for x in first["document"]["lines"]] == [("fee", "250.00"), ("usage", "1.10")]
    # usage arrives late for the same week: the next invoice bills it, not the fee again
    add_usage(istore, client["id"], events=[event("b", "2026-11-05", cost="2.00")])
    second = _issue(istore, WEEK_45, date(2026, 11, 10))
    assert [(x["kind"], x["amount"]) for x in second["document"]["lines"]] == [("usage", "2.20")]
    # the next week has its own fee; voiding the first invoice makes week 45's fee due again
    two_weeks = _issue(istore, (date(2026, 11, 2), date(2026, 11, 15)), date(2026, 11, 16))
    assert [x["period"] for x in two_weeks["document"]["lines"] if x["kind"] == "fee"] == ["2026-W46"]
    service.void(istore, first["number"], issue_day=date(2026, 11, 17))
    again = service.preview(istore, service.create_draft(istore, "acme", *WEEK_45, UTC)["id"])
    assert [(x["kind"], x.get("period"), x["amount"]) for x in again["lines"]] == [
        ("fee", "2026-W45", "250.00"), ("usage", None, "1.10")]


def test_a_monthly_fee_on_weekly_invoices_is_billed_by_the_first_of_the_month(istore, client):
    service.set_client(istore, "acme", plan="fixed", fixed_fee="1000", fixed_fee_label="Retainer")
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="1.00"), event("b", "2026-11-10")])
    first = _issue(istore, WEEK_45, date(2026, 11, 9))
    second = _issue(istore, (date(2026, 11, 9), date(2026, 11, 15)), date(2026, 11, 16))
    fees = [x for inv in (first, second) for x in inv["document"]["lines"] if x["kind"] == "fee"]
    assert [(x["description"], x["amount"]) for x in fees] == [("Retainer — November 2026", "1000.00")]


def test_usage_billed_at_a_contract_rate_while_unpriced_is_not_billed_again_when_priced(istore, client):
    """Billed at a contract rate while it had no price (the lock recorded cost 0); priced later and the
    client moved to cost plus markup: the next invoice billed its whole cost again as an 'adjustment'."""
    service.set_client(istore, "acme", plan="per_model",
                       rates={"mystery-*": {"input": "2", "output": "10"}})
    add_usage(istore, client["id"], events=[event("m", "2026-11-03", model="mystery-1", cost=None,
                                                  input_tokens=1_000_000, output_tokens=100_000)])
    first = _issue(istore, WEEK_45, date(2026, 11, 9))
    assert first["document"]["totals"]["subtotal"] == "3.00"  # 2 + 1 at the contract rates
    add_usage(istore, client["id"], events=[event("m", "2026-11-03", model="mystery-1", cost="4.00",
                                                  input_tokens=1_000_000, output_tokens=100_000)])
    service.set_client(istore, "acme", plan="markup")
    doc = service.preview(istore, service.create_draft(istore, "acme", *WEEK_45, UTC)["id"])
    assert doc["lines"] == [] and doc["usage"]["rows_already_billed"] == 1


def test_a_reprice_of_invoiced_usage_is_not_billed_to_the_client(istore, client):
    """The user's own price change became an 'adjustment' on the client's next invoice."""
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="3.00"), event("b", "2026-11-04")])
    _issue(istore, WEEK_45, date(2026, 11, 9))
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="3.60")])  # `tracker reprice`
    assert service.preview(istore, service.create_draft(istore, "acme", *WEEK_45, UTC)["id"])["lines"] == []
    # a revision of the usage itself (more tokens) is billed: the cost difference at the same basis
    add_usage(istore, client["id"], events=[event("b", "2026-11-04", cost="1.40", input_tokens=2000)])
    doc = service.preview(istore, service.create_draft(istore, "acme", *WEEK_45, UTC)["id"])
    assert [(x["kind"], x["amount"], x["input_tokens"]) for x in doc["lines"]] == [("adjustment", "0.44", 1000)]


def test_usage_billed_again_after_a_void_is_usage_not_a_revision(istore, client):
    """After a void, the re-billed usage was labelled 'revised after' the invoice that only adjusted it."""
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="1.00")])
    first = _issue(istore, WEEK_45, date(2026, 11, 9))
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="1.50", input_tokens=1500)])
    second = _issue(istore, WEEK_45, date(2026, 11, 10))
    assert [(x["kind"], x["amount"]) for x in second["document"]["lines"]] == [("adjustment", "0.55")]
    service.void(istore, first["number"], issue_day=date(2026, 11, 11))
    doc = service.preview(istore, service.create_draft(istore, "acme", *WEEK_45, UTC)["id"])
    (line,) = doc["lines"]
    assert line["kind"] == "usage" and "revised" not in line["description"] and second["number"] not in str(line)
    assert line["amount"] == "1.10" and line["input_tokens"] == 1000  # the voided part, billed once more


def test_the_client_document_carries_no_underlying_cost_or_markup(istore, client, tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils (pdftotext) is not installed")
    add_usage(istore, client["id"], events=[event("a", "2026-11-03", cost="2.00")])
    issued = _issue(istore, WEEK_45, date(2026, 11, 9))
    pdf = tmp_path / "inv.pdf"
    pdf.write_bytes(service.export(istore, issued["number"], "pdf")[0])
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "2.20" in text  # 2.00 x 1.10
    for secret in ("underlying", "2.00 USD", "+10%", "Pass-through", "estimated cost"):
        assert secret not in text, secret
    for fmt in ("csv", "json", "xml"):
        data = service.export(istore, issued["number"], fmt)[0].decode()
        assert "cost_usd" not in data and "+10%" not in data and "underlying" not in data, fmt


def test_the_rate_option_says_contract_rates_are_in_the_invoice_currency():
    from tracker.commands.invoice_cmd import client_set

    (rate,) = [p for p in client_set.params if p.name == "rates"]
    assert "currency" in rate.help
