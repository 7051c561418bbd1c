"""Totals exact to the cent: a table of cases computed by hand, through the real store."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.services import invoices_calc as calc
from tracker.storage.invoices import InvoiceBook

from .helpers import add_usage, billed, bucket, event

NOV = (date(2026, 11, 1), date(2026, 11, 30))

CASES = [
    pytest.param(
        {"plan": "markup", "markup_pct": "25", "currency": "USD"},
        [event("a", "2026-11-02", "claude-opus-4-5", "3.333333"),
         event("b", "2026-11-03", "claude-sonnet-4-5", "2.00"), event("c", "2026-11-04", "claude-sonnet-4-5", "0.10")],
        None,
        # opus 3.333333 x 1.25 = 4.16666625 -> 4.17; sonnet 2.10 x 1.25 = 2.625 -> 2.63 (half up, not 2.62)
        {"claude-opus-4-5": "4.17", "claude-sonnet-4-5": "2.63"},
        {"subtotal": "6.80", "discount": "0.00", "net": "6.80", "tax_total": "0.00", "total": "6.80"},
        id="markup-half-up",
    ),
    pytest.param(
        {"plan": "per_model", "markup_pct": "10", "currency": "USD",
         "rates": {"claude-sonnet-*": {"input": "3", "output": "15", "cache_read": "0.3"}}},
        [event("a", "2026-11-02", "claude-sonnet-4-5", "9.99", input_tokens=123_456, output_tokens=78_901,
               cache_read=1_000_000),
         event("b", "2026-11-02", "claude-haiku-4-5", "0.50")],
        None,
        # 0.370368 + 1.183515 + 0.3 = 1.853883 -> 1.85 (cost ignored); haiku has no rate: 0.50 x 1.10 = 0.55
        {"claude-sonnet-4-5": "1.85", "claude-haiku-4-5": "0.55"},
        {"subtotal": "2.40", "total": "2.40"},
        id="per-model-rates",
    ),
    pytest.param(
        {"plan": "markup", "markup_pct": "0", "currency": "CAD", "exchange_rate": "1",
         "discount_pct": "10", "taxes": [{"name": "GST", "rate_pct": "5"}, {"name": "QST", "rate_pct": "9.975"}]},
        [event("a", "2026-11-10", "claude-sonnet-4-5", "100.00")],
        None,
        {"claude-sonnet-4-5": "100.00"},
        # discount 10.00 before tax; GST 4.50; QST 90 x 9.975% = 8.9775 -> 8.98
        {"subtotal": "100.00", "discount": "10.00", "net": "90.00", "tax_total": "13.48", "total": "103.48"},
        id="two-taxes-discount",
    ),
    pytest.param(
        {"plan": "markup", "markup_pct": "0", "currency": "EUR", "exchange_rate": "0.9225",
         "taxes": [{"name": "VAT", "rate_pct": "19"}]},
        [event("a", "2026-11-05", "gpt-5", "10.00"), event("b", "2026-11-06", "gemini-2.5-pro", "1.234567")],
        None,
        # 10 x 0.9225 = 9.225 -> 9.23; 1.234567 x 0.9225 = 1.1388880... -> 1.14
        {"gpt-5": "9.23", "gemini-2.5-pro": "1.14"},
        {"subtotal": "10.37", "tax_total": "1.97", "total": "12.34"},
        id="currency-conversion",
    ),
    pytest.param(
        {"plan": "markup", "markup_pct": "0", "currency": "JPY", "exchange_rate": "150.5",
         "taxes": [{"name": "JCT", "rate_pct": "10"}]},
        [event("a", "2026-11-05", "gpt-5", "1.00")],
        None,
        {"gpt-5": "151"},  # 150.5 -> 151: no minor unit
        {"subtotal": "151", "tax_total": "15", "total": "166"},
        id="zero-decimal-currency",
    ),
    pytest.param(
        {"plan": "fixed", "fixed_fee": "500.00", "fixed_fee_label": "Monthly retainer", "markup_pct": "10",
         "currency": "USD", "discount_pct": "5", "taxes": [{"name": "VAT", "rate_pct": "20"}]},
        [event("a", "2026-11-05", "gpt-5", "12.345")],
        None,
        # 13.5795 -> 13.58; subtotal 513.58; discount 25.679 -> 25.68; net 487.90; VAT 97.58
        {"Monthly retainer": "500.00", "gpt-5": "13.58"},
        {"subtotal": "513.58", "discount": "25.68", "net": "487.90", "tax_total": "97.58", "total": "585.48"},
        id="fixed-fee-plus-usage",
    ),
    pytest.param(
        {"plan": "markup", "markup_pct": "0", "currency": "USD"},
        [],
        # two buckets of the client (2.00 + 1.00) and one of nobody (1.00) on one provider day billed 4.40:
        # the charge is shared in proportion to the estimate (x 1.1)
        [bucket("2026-11-07", "gpt-5", "2.00"), bucket("2026-11-07", "gpt-5-mini", "1.00")],
        {"gpt-5": "2.20", "gpt-5-mini": "1.10"},
        {"subtotal": "3.30", "total": "3.30"},
        id="billed-cost-shared",
    ),
]


def _setup(istore, billing, events, buckets):
    b = InvoiceBook(istore)
    tag = b.ensure_client_tag("client-x")
    b.set_client_billing(tag["id"], billing)
    add_usage(istore, tag["id"], events=events, buckets=buckets or ())
    if buckets:
        stranger = bucket("2026-11-07", "gpt-5-nano", "1.00")
        add_usage(istore, None, buckets=[stranger], billed_lines=[billed("2026-11-07", "4.40")])
    return tag


@pytest.mark.parametrize("billing, events, buckets, lines, totals", CASES)
def test_totals_table(istore, billing, events, buckets, lines, totals):
    _setup(istore, billing, events, buckets)
    draft = service.create_draft(istore, "client-x", *NOV, get_zone("UTC"))
    doc = service.preview(istore, draft["id"])
    assert {line["group"]: line["amount"] for line in doc["lines"]} == lines
    for key, expected in totals.items():
        assert doc["totals"][key] == expected, key
    # the issued document carries the same numbers
    issued = service.issue(istore, draft["id"])
    assert issued["document"]["totals"] == doc["totals"]
    assert issued["total_minor"] == doc["totals"]["total_minor"]


def test_each_line_says_its_basis(istore):
    _setup(istore, {"plan": "markup", "markup_pct": "0", "currency": "USD", "show": "cost"},
           [event("e", "2026-11-07", "gpt-5", "1.00", source="codex")], [bucket("2026-11-07", "gpt-5", "2.00")])
    doc = service.preview(istore, service.create_draft(istore, "client-x", *NOV, get_zone("UTC"))["id"])
    bases = sorted((line["group"], line["internal"]["basis"], line["amount"]) for line in doc["lines"])
    # the event's source reported nothing billed: estimated; the openai bucket: billed (2.00 x 4.40/3.00 = 2.93)
    assert bases == [("gpt-5", "billed", "2.93"), ("gpt-5", "estimated", "1.00")]
    assert all("billed" in line["internal"]["description"] or "estimated" in line["internal"]["description"]
               for line in doc["lines"])


def test_unpriced_usage_is_never_billed_at_zero(istore):
    _setup(istore, {"plan": "markup", "markup_pct": "10", "currency": "USD"},
           [event("p", "2026-11-02", cost="1.00"), event("u", "2026-11-02", "mystery-model", cost=None)], None)
    draft = service.create_draft(istore, "client-x", *NOV, get_zone("UTC"))
    doc = service.preview(istore, draft["id"])
    assert [line["group"] for line in doc["lines"]] == ["claude-sonnet-4-5"]
    assert doc["usage"]["rows_unpriced"] == 1
    assert any("no known price" in w for w in doc["warnings"])
    service.issue(istore, draft["id"])
    locked = {u["key"] for u in InvoiceBook(istore).usage_of(draft["id"])}
    assert locked == {"p"}  # the unpriced row stays billable once it has a price


def test_foreign_currency_needs_a_rate_before_issue(istore):
    _setup(istore, {"plan": "markup", "currency": "EUR"}, [event("a", "2026-11-02")], None)
    draft = service.create_draft(istore, "client-x", *NOV, get_zone("UTC"))
    assert any("exchange rate" in w for w in service.preview(istore, draft["id"])["warnings"])
    with pytest.raises(ValueError, match="exchange rate"):
        service.issue(istore, draft["id"])
    service.set_exchange_rate(istore, draft["id"], "0.9")
    issued = service.issue(istore, draft["id"])
    assert issued["exchange_rate"] == "0.9" and issued["document"]["totals"]["total"] == "0.90"


def test_period_days_follow_the_invoice_timezone(istore):
    # 23:30 UTC on Nov 30 is Dec 1 in Paris: outside a Paris November invoice
    _setup(istore, {"plan": "markup", "currency": "USD"},
           [event("late", "2026-11-30", hour=23), event("in", "2026-11-15")], None)
    draft = service.create_draft(istore, "client-x", *NOV, get_zone("Europe/Paris"))
    doc = service.preview(istore, draft["id"])
    assert doc["usage"]["rows_billed"] == 1


def test_rounding_rule_is_half_up_to_the_minor_unit():
    assert calc.round_money(Decimal("0.005"), "EUR") == Decimal("0.01")
    assert calc.round_money(Decimal("2.625"), "USD") == Decimal("2.63")
    assert Decimal("2.625").quantize(Decimal("0.01"), ROUND_HALF_EVEN) == Decimal("2.62")  # the rule we did not pick
    assert calc.minor_digits("JPY") == 0 and calc.minor_digits("KWD") == 3 and calc.minor_digits("EUR") == 2


def test_a_client_who_does_not_see_costs_gets_one_line_per_model(istore):
    """Billed and estimated parts of one model were two 'gpt-5' lines: a duplicate to a client who
    is not shown the basis. They are one line, rounded once (2.9333 + 1.00 = 3.93)."""
    _setup(istore, {"plan": "markup", "markup_pct": "0", "currency": "USD"},
           [event("e", "2026-11-07", "gpt-5", "1.00", source="codex")], [bucket("2026-11-07", "gpt-5", "2.00")])
    doc = service.preview(istore, service.create_draft(istore, "client-x", *NOV, get_zone("UTC"))["id"])
    (line,) = doc["lines"]
    assert (line["group"], line["amount"], line["internal"]["basis"]) == ("gpt-5", "3.93", "billed+estimated")
