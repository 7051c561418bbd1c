"""Usage rows with known costs, tagged to a client, for invoice tests."""

from __future__ import annotations

from datetime import datetime

from tracker.core.money import usd_to_pico
from tracker.core.records import BilledLine, UsageBucket, UsageEvent
from tracker.core.timeutil import UTC, to_ms
from tracker.core.tokens import Tokens

SELLER = {
    "name": "Jane Doe Consulting", "address": "12 Elm Street", "postcode": "10115", "city": "Berlin",
    "country": "DE", "tax_id": "DE123456789", "email": "billing@janedoe.example",
    "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "bank_name": "Commerzbank",
    "payment_terms_days": 30, "currency": "USD",
}


def ts(day: str, hour: int = 12) -> int:
    return to_ms(datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC))


def event(key: str, day: str, model: str = "claude-sonnet-4-5", cost: str | None = "1.00", project: str = "web",
          input_tokens: int = 1000, output_tokens: int = 500, cache_read: int = 0, hour: int = 12,
          source: str = "claude_code") -> UsageEvent:
    return UsageEvent(
        source=source, key=key, ts_ms=ts(day, hour), model=model, provider="anthropic", project=project,
        tokens=Tokens(input_tokens=input_tokens, output_tokens=output_tokens, cache_read_tokens=cache_read),
        cost_pico=None if cost is None else usd_to_pico(cost), price_id="test" if cost is not None else None,
    )


def bucket(day: str, model: str = "gpt-5", cost: str = "2.00", input_tokens: int = 10_000,
           output_tokens: int = 2_000, account: str = "org") -> UsageBucket:
    start = ts(day, 0) // 1000
    return UsageBucket(
        source="openai", account=account, kind="completions", start_s=start, width_s=86400, model=model,
        provider="openai", tokens=Tokens(input_tokens=input_tokens, output_tokens=output_tokens),
        requests=10, cost_pico=usd_to_pico(cost), price_id="test",
    )


def billed(day: str, amount: str, account: str = "org", currency: str = "USD") -> BilledLine:
    return BilledLine(source="openai", account=account, day=day, line_item="gpt-5, input+output",
                      amount_pico=usd_to_pico(amount), currency=currency)


def add_usage(store, tag_id: int | None, events=(), buckets=(), billed_lines=(), replace_buckets=()) -> None:
    """Write rows with their given costs and hand-tag them to `tag_id`."""
    events, buckets = list(events), list(buckets)
    store.write_batch(events=events, buckets=buckets, billed=billed_lines, replace_buckets=replace_buckets)
    if tag_id is not None:
        if events:
            store.set_manual_tags("events", [(e.source, e.account, e.key) for e in events], tag_id)
        if buckets:
            store.set_manual_tags("buckets", [(b.source, b.account, b.natural_key()) for b in buckets], tag_id)


DEMO_CLIENT_BILLING = {
    "legal_name": "Globex Industries GmbH", "address": "Friedrichstrasse 68\n4th floor", "postcode": "10117",
    "city": "Berlin", "country": "DE", "tax_id": "DE811569869", "email": "invoices@globex.example",
    "currency": "EUR", "exchange_rate": "0.9215", "plan": "per_model", "markup_pct": "15",
    "rates": {"claude-opus-*": {"input": "5.5", "output": "27.5", "cache_read": "0.55", "cache_write": "6.9"},
              "claude-sonnet-*": {"input": "3.3", "output": "16.5", "cache_read": "0.33", "cache_write": "4.1"}},
    "discount_pct": "5", "taxes": [{"name": "VAT", "rate_pct": "19"}], "payment_terms_days": 14,
}


# Approximate list prices per million tokens (input, output, cache read), for realistic demo costs.
DEMO_PRICES = {"claude-sonnet-4-5": (3, 15, 0.3), "claude-opus-4-5": (5, 25, 0.5),
               "claude-haiku-4-5": (1, 5, 0.1), "gemini-2.5-pro": (1.25, 10, 0.31)}


def demo_usage(store, tag_id: int) -> None:
    """A month of varied usage for one client: agent logs (rated per model) and provider buckets (at cost)."""
    events = []
    n = 0
    for day in range(3, 29):
        for model, per_day in (("claude-sonnet-4-5", 5), ("claude-opus-4-5", 2), ("claude-haiku-4-5", 3),
                               ("gemini-2.5-pro", 2)):
            for k in range(per_day if day % 7 not in (0, 6) else 1):
                n += 1
                inp, out, cache = 800 + (n * 37) % 4000, 300 + (n * 53) % 2500, (n * 997) % 60000
                p_in, p_out, p_cache = DEMO_PRICES[model]
                cost = (inp * p_in + out * p_out + cache * p_cache) / 1_000_000
                events.append(event(
                    f"demo-{n}", f"2026-11-{day:02d}", model=model, cost=f"{cost:.6f}", input_tokens=inp,
                    output_tokens=out, cache_read=cache, project=("webshop", "etl")[n % 2], hour=9 + k % 9,
                ))
    buckets = [bucket(f"2026-11-{day:02d}", cost=f"{1.5 + (day % 5) * 0.37:.2f}", input_tokens=120_000 + day * 999,
                      output_tokens=20_000 + day * 311) for day in range(3, 29)]
    billed_lines = [billed(f"2026-11-{day:02d}", f"{1.5 + (day % 5) * 0.37 + 0.02:.2f}") for day in range(3, 20)]
    add_usage(store, tag_id, events=events, buckets=buckets, billed_lines=billed_lines)
