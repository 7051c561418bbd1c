"""Locking, adjustments, immutability, payment and credit notes."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.storage.invoices import InvoiceBook

from .helpers import add_usage, bucket, event

NOV = (date(2026, 11, 1), date(2026, 11, 30))
UTC = get_zone("UTC")


def _issue(store, client="acme", period=NOV, day=date(2026, 12, 1)):
    draft = service.create_draft(store, client, *period, UTC)
    return service.issue(store, draft["id"], issue_day=day)


def _preview(store, client="acme", period=NOV):
    return service.preview(store, service.create_draft(store, client, *period, UTC)["id"])


def test_a_second_invoice_over_the_same_period_bills_nothing_already_billed(istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="1.00"), event("b", "2026-11-03")],
              buckets=[bucket("2026-11-04", cost="2.00")])
    first = _issue(istore)
    assert first["document"]["usage"]["rows_billed"] == 3
    again = _preview(istore)
    assert again["lines"] == [] and again["totals"]["total"] == "0.00"
    assert again["usage"]["rows_already_billed"] == 3
    with pytest.raises(ValueError, match="Nothing to invoice"):
        _issue(istore)
    # new usage in an overlapping period is billed, and only it
    add_usage(istore, client["id"], events=[event("c", "2026-11-20", cost="0.50")])
    overlap = _issue(istore, period=(date(2026, 11, 15), date(2026, 12, 15)), day=date(2026, 12, 16))
    assert [(line["usage_rows"], line["amount"]) for line in overlap["document"]["lines"]] == [(1, "0.55")]


def test_a_revised_bucket_becomes_an_adjustment_line_on_the_next_invoice(istore, client):
    original = bucket("2026-11-04", cost="2.00", input_tokens=10_000, output_tokens=2_000)
    add_usage(istore, client["id"], buckets=[original])
    first = _issue(istore)
    frozen = dict(first["document"])
    assert first["document"]["totals"]["total"] == "2.64"  # 2.00 x 1.1 = 2.20 + 20% VAT
    # the provider revises the day: more tokens, more cost (replace_buckets, as a re-poll does)
    revised = bucket("2026-11-04", cost="2.50", input_tokens=12_000, output_tokens=2_500)
    add_usage(istore, client["id"], buckets=[revised],
              replace_buckets=[("openai", "org", original.start_s, original.start_s + 86400)])
    # the issued invoice never changes
    assert InvoiceBook(istore).get(first["id"])["document"] == frozen
    assert service.document(istore, first["number"])["totals"]["total"] == "2.64"
    # the next invoice carries the difference
    second = _issue(istore, day=date(2026, 12, 5))
    (line,) = second["document"]["lines"]
    assert line["kind"] == "adjustment"
    assert line["amount"] == "0.55"  # (2.50 - 2.00) x 1.1
    assert (line["input_tokens"], line["output_tokens"]) == (2_000, 500)
    assert "INV-2026-0001" in line["description"]
    # and after that the row is fully billed
    assert _preview(istore)["lines"] == []


def test_a_downward_reprice_is_a_negative_adjustment_when_the_client_is_billed_reprices(istore, client):
    service.set_client(istore, "acme", adjust_reprices=True)
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="3.00")])
    _issue(istore)
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="2.00")])  # re-priced lower
    doc = _preview(istore)
    assert [(line["kind"], line["amount"]) for line in doc["lines"]] == [("adjustment", "-1.10")]


def test_void_issues_a_credit_note_and_unlocks_the_usage(istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="1.00")])
    first = _issue(istore)
    note = service.void(istore, first["number"], issue_day=date(2026, 12, 2), reason="Wrong client.")
    assert note["number"] == "CN-2026-0001" and note["kind"] == "credit_note"
    assert note["document"]["totals"]["total"] == "-1.32"
    assert note["document"]["credit_for"] == "INV-2026-0001"
    voided = InvoiceBook(istore).get(first["id"])
    assert voided["status"] == "void" and voided["voided_by_id"] == note["id"]
    assert voided["document"] == first["document"]  # kept as issued
    # the usage can be billed again, under the next invoice number
    again = _issue(istore, day=date(2026, 12, 3))
    assert again["number"] == "INV-2026-0002" and again["document"]["totals"]["total"] == "1.32"
    with pytest.raises(service.InvoiceStateError):
        service.void(istore, first["number"])  # already void
    with pytest.raises(service.InvoiceStateError):
        service.void(istore, note["number"])  # a credit note is not voided


def test_paid_then_listed(istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="1.00")])
    first = _issue(istore)
    draft = service.create_draft(istore, "acme", *NOV, UTC)
    with pytest.raises(service.InvoiceStateError):
        service.mark_paid(istore, draft["id"])  # a draft is not paid
    paid = service.mark_paid(istore, first["number"], date(2026, 12, 20))
    assert paid["status"] == "paid" and paid["paid_date"] == "2026-12-20"
    with pytest.raises(service.InvoiceStateError):
        service.mark_paid(istore, first["number"])
    rows = {r["number"] or f"d{r['id']}": r for r in service.list_invoices(istore)}
    assert rows["INV-2026-0001"]["status"] == "paid" and rows["INV-2026-0001"]["total"] == "1.32"
    assert rows[f"d{draft['id']}"]["status"] == "draft" and rows[f"d{draft['id']}"]["total"] == "0.00"
    # a paid invoice still locks its usage; voiding it is allowed (refund)
    assert service.void(istore, first["number"])["kind"] == "credit_note"


def test_usage_of_another_client_or_untagged_is_not_billed(istore, client):
    other = InvoiceBook(istore).ensure_client_tag("globex")
    add_usage(istore, client["id"], events=[event("mine", "2026-11-02", cost="1.00")])
    add_usage(istore, other["id"], events=[event("theirs", "2026-11-02", cost="5.00")])
    add_usage(istore, None, events=[event("nobody", "2026-11-02", cost="7.00")])
    doc = _preview(istore)
    assert doc["usage"]["rows_billed"] == 1 and doc["totals"]["subtotal"] == "1.10"


def test_usage_retagged_to_another_client_is_credited_to_the_first_and_billed_whole_to_the_second(istore, client):
    """A row billed to ACME, then tagged to Globex: Globex was billed only the difference against
    ACME's invoice (quoting ACME's number) and ACME never got it back."""
    from tracker.services import tagging

    b = InvoiceBook(istore)
    globex = b.ensure_client_tag("globex")
    b.set_client_billing(globex["id"], dict(b.client_tag("acme")["billing"] or {}, legal_name="Globex"))
    add_usage(istore, client["id"], events=[event("a7", "2026-11-02", cost="3.00", project="acme-only")])
    first = _issue(istore)
    assert first["document"]["totals"]["subtotal"] == "3.30"
    tagging.assign_selection(istore, "globex", project_glob="acme-only", zone=UTC)
    theirs = _preview(istore, client="globex")
    assert [(line["kind"], line["amount"]) for line in theirs["lines"]] == [("usage", "3.30")]
    assert first["number"] not in str(theirs["lines"])
    mine = _preview(istore)
    assert mine["totals"]["subtotal"] == "-3.30"  # the row is no longer ACME's: credited


def test_drafts_have_no_number_and_can_be_deleted(istore, client):
    draft = service.create_draft(istore, "acme", *NOV, UTC)
    assert draft["number"] is None and draft["status"] == "draft"
    service.delete_draft(istore, draft["id"])
    assert InvoiceBook(istore).get(draft["id"]) is None
    with pytest.raises(ValueError, match="No client"):
        service.create_draft(istore, "nobody", *NOV, UTC)
    with pytest.raises(ValueError, match="before it starts"):
        service.create_draft(istore, "acme", date(2026, 11, 30), date(2026, 11, 1), UTC)


def test_a_regrouped_bucket_is_credited_and_rebilled_never_billed_twice(istore, client):
    original = bucket("2026-11-04", cost="2.00")
    add_usage(istore, client["id"], buckets=[original])
    _issue(istore)
    # the provider now reports the same day split by project: new keys, the old row is gone
    a, b = bucket("2026-11-04", cost="1.50"), bucket("2026-11-04", cost="0.70")
    a.project_id, b.project_id = "proj_a", "proj_b"
    add_usage(istore, client["id"], buckets=[a, b],
              replace_buckets=[("openai", "org", original.start_s, original.start_s + 86400)])
    doc = _preview(istore)
    kinds = sorted((line["kind"], line["amount"]) for line in doc["lines"])
    # 2.20 credited for the withdrawn row, 2.42 billed for the new ones: the change is 0.22 (0.20 x 1.1)
    assert kinds == [("adjustment", "-2.20"), ("usage", "2.42")]
    assert doc["totals"]["subtotal"] == "0.22"
    second = _issue(istore, day=date(2026, 12, 5))
    assert second["document"]["totals"]["subtotal"] == "0.22"
    assert _preview(istore)["lines"] == []  # the withdrawn row is settled (its billed sum is now zero)


def test_a_provider_charge_is_not_shared_out_over_a_day_with_unpriced_usage(istore, client):
    """ACME's bucket $4 (priced), Globex's unpriced, the provider billed $12 for the day: the share
    by priced estimates put all $12, Globex's $8 included, on ACME's invoice."""
    from dataclasses import replace

    from .helpers import billed

    globex = InvoiceBook(istore).ensure_client_tag("globex")
    add_usage(istore, client["id"], buckets=[bucket("2026-11-12", model="gpt-4.1", cost="4.00")])
    add_usage(istore, globex["id"], buckets=[replace(bucket("2026-11-12", model="gpt-5"), cost_pico=None,
                                                     price_id=None)])
    add_usage(istore, None, billed_lines=[billed("2026-11-12", "12.00")])
    (line,) = _preview(istore)["lines"]
    assert line["amount"] == "4.40" and line["internal"]["basis"] == "estimated"  # 4.00 x 1.1, not 12 x 1.1


def test_contract_rates_and_fees_are_only_invoiced_in_the_clients_currency(istore, client):
    """Rates and fees are amounts in the client's currency: an invoice in another one billed them as
    its own units (a 2.36 EUR contract line as 2 JPY, a 100 EUR fee as 100 JPY)."""
    b = InvoiceBook(istore)
    billing = dict(b.client_tag("acme")["billing"], currency="EUR", exchange_rate="0.9", plan="per_model",
                   rates={"claude-sonnet-*": {"input": "3.3", "output": "16.5"}})
    b.set_client_billing(client["id"], billing)
    add_usage(istore, client["id"], events=[event("a", "2026-11-02")])
    with pytest.raises(ValueError, match="contract rates and fees are in EUR: invoice in EUR"):
        service.create_draft(istore, "acme", *NOV, UTC, currency="JPY", exchange_rate="150")
    assert service.create_draft(istore, "acme", *NOV, UTC)["currency"] == "EUR"
