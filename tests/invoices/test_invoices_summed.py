"""A draft's live total (the Invoices page's list) and a client's budget read the client's usage summed
per hour from the tagged rollup: the same lines, totals and counts as issuing, which reads every row.

The usage is chosen where summing could go wrong: many requests an hour of one model and project,
unpriced requests, a day the provider billed (its charge shared out row by row, rounded per row), an
exchange rate and a markup with many decimals, lines per local day in a +05:30 zone (its midnights fall
mid-hour), and a usage row already billed by an earlier invoice.
"""

from __future__ import annotations

import random
from decimal import Decimal
from dataclasses import replace
from datetime import date, datetime

import pytest

from tracker.core.money import usd_to_pico
from tracker.core.records import UsageEvent
from tracker.core.timeutil import get_zone, to_ms
from tracker.core.tokens import Tokens
from tracker.services import client_budgets as budgets
from tracker.services import invoices as service
from tracker.services.invoices_summed import summed_rows
from tracker.storage.invoices import InvoiceBook

from .helpers import add_usage, billed

KOLKATA = get_zone("Asia/Kolkata")
UTC = get_zone("UTC")
MODELS = ("claude-sonnet-4-5", "claude-opus-4-5", "gpt-5")


def _events(rng: random.Random, first: date, days: int, prefix: str) -> list[UsageEvent]:
    out = []
    start = to_ms(datetime.combine(first, datetime.min.time(), KOLKATA))
    for i in range(days * 40):
        ts = start + rng.randrange(days * 86_400_000)
        source, account = ("openai", "org") if i % 7 == 0 else ("claude_code", "")
        cost = None if i % 11 == 0 else usd_to_pico(f"{rng.randrange(1, 10**7)}e-7")
        out.append(UsageEvent(
            source=source, account=account, key=f"{prefix}{i}", ts_ms=ts, model=rng.choice(MODELS),
            provider="x", project=rng.choice(("web", "app")), session=f"s{i // 9}",
            tokens=Tokens(input_tokens=rng.randrange(5000), output_tokens=rng.randrange(900),
                          cache_read_tokens=rng.randrange(20000)),
            cost_pico=cost, price_id=None if cost is None else "test"))
    return out


@pytest.fixture
def acme(istore, client):
    """ACME billed in EUR at cost +12.5 % (0.9137 EUR a dollar), lines per local day in Kolkata; usage from
    October to mid-November, a provider-billed November day, October already invoiced."""
    service.set_client(istore, "acme", currency="EUR", exchange_rate="0.9137", markup_pct="12.5",
                       monthly_budget="50")
    rng = random.Random(7)
    add_usage(istore, client["id"], events=_events(rng, date(2026, 10, 1), 45, "e"),
              billed_lines=[billed("2026-11-03", "1.23"), billed("2026-11-04", "0.5", currency="EUR")])
    october = service.create_draft(istore, "acme", date(2026, 10, 1), date(2026, 10, 31), KOLKATA)
    service.issue(istore, october["id"], issue_day=date(2026, 11, 1))
    return client


def _draft(store, since=date(2026, 11, 1), until=date(2026, 11, 30)):
    return service.create_draft(store, "acme", since, until, KOLKATA, group_by="day")


def test_a_drafts_total_in_the_list_is_the_total_its_issue_bills(istore, acme):
    draft = _draft(istore)
    inv = service.resolve(istore, draft["id"])
    summed = service.compute(istore, inv, summed=True).document
    whole = service.compute(istore, inv).document
    assert summed["lines"] == whole["lines"] and summed["totals"] == whole["totals"]
    assert summed["usage"] == whole["usage"] and summed["warnings"] == whole["warnings"]
    assert whole["usage"]["rows_unpriced"] > 0 and len(whole["lines"]) > 10
    (listed,) = [i for i in service.list_invoices(istore) if i["status"] == "draft"]
    issued = service.issue(istore, draft["id"], issue_day=date(2026, 12, 1))
    assert listed["total"] == issued["document"]["totals"]["total"]


def test_the_summed_rows_are_fewer_than_the_usage_rows_and_the_billed_days_are_read_row_by_row(istore, acme):
    b = InvoiceBook(istore)
    start = to_ms(datetime(2026, 11, 1, tzinfo=KOLKATA))
    end = to_ms(datetime(2026, 11, 15, tzinfo=KOLKATA))
    billed_days = b.billed_by_provider_day("2026-10-31", "2026-11-15")
    rows = summed_rows(b, acme["id"], start, end, KOLKATA, billed_days, unbilled_only=True)
    every = b.client_usage(acme["id"], start, end)
    assert sum(r.get("rows", 1) for r in rows) == len(every) and len(rows) < len(every)
    on_billed_day = [r for r in rows if r["source"] == "openai" and r["ts_ms"] >= to_ms(datetime(2026, 11, 3, tzinfo=UTC))
                     and r["ts_ms"] < to_ms(datetime(2026, 11, 4, tzinfo=UTC))]
    assert on_billed_day and all(r["key"] is not None for r in on_billed_day)


def test_a_period_holding_billed_usage_is_read_row_by_row(istore, acme):
    b = InvoiceBook(istore)
    start = to_ms(datetime(2026, 10, 20, tzinfo=KOLKATA))
    end = to_ms(datetime(2026, 11, 10, tzinfo=KOLKATA))
    assert summed_rows(b, acme["id"], start, end, KOLKATA, {}, unbilled_only=True) is None
    # the same period, over October: its usage billed, revised since (an adjustment line) and a withdrawn row
    revised = replace(_events(random.Random(7), date(2026, 10, 1), 45, "e")[5], cost_pico=usd_to_pico("9.99"),
                      tokens=Tokens(input_tokens=123_456))
    add_usage(istore, acme["id"], events=[revised])
    istore.conn.execute("DELETE FROM events WHERE key = 'e6'")
    draft = _draft(istore, date(2026, 10, 20), date(2026, 11, 10))
    inv = service.resolve(istore, draft["id"])
    summed = service.compute(istore, inv, summed=True).document
    assert summed == service.compute(istore, inv).document
    assert any(line["kind"] == "adjustment" for line in summed["lines"])


def test_a_budget_reads_the_summed_usage_and_spends_what_every_row_does(istore, acme):
    (state,) = budgets.budget_states(istore, KOLKATA, date(2026, 11, 14))
    month = budgets._month(date(2026, 11, 14), KOLKATA)
    billing = service.parse_billing(InvoiceBook(istore).client_tag("acme")["billing"])
    fx = Decimal(billing.exchange_rate)
    every = service.usage_selection(istore, acme["id"], billing, fx, month[1], month[2], KOLKATA,
                                    unbilled_only=False)
    spent = sum((c.amount for c in every.charges), Decimal(0))
    assert state["spent"] == service.calc.money_text(spent, "EUR")
    assert state["unpriced_rows"] == every.unpriced_rows > 0
