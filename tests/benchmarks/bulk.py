"""A fast bulk loader for benchmarks: ~1M realistic events over two years.

Costs are priced once per (model, token profile) through the real Pricer and
reused, so the rows carry real frozen prices without pricing a million times;
rows go through `Store.write_batch` (the real write path) in large batches.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from tracker.core.records import UsageEvent
from tracker.core.timeutil import UTC, to_ms
from tracker.core.tokens import Tokens
from tracker.pricing import Pricer
from tracker.storage import Store

MODELS = [
    ("claude_code", "anthropic", "claude-sonnet-4-5"),
    ("claude_code", "anthropic", "claude-opus-4-5"),
    ("claude_code", "anthropic", "claude-haiku-4-5"),
    ("codex", "openai", "gpt-5-codex"),
    ("codex", "openai", "gpt-5-mini"),
    ("gemini_cli", "google", "gemini-2.5-pro"),
    ("gemini_cli", "google", "gemini-2.5-flash"),
]
PROFILES = 16
BATCH = 50_000


def bulk_load(store: Store, pricer: Pricer, events: int = 1_000_000, days: int = 730,
              end_day: date | None = None, seed: int = 7) -> int:
    rng = random.Random(seed)
    end_day = end_day or datetime.now(UTC).date()
    first = end_day - timedelta(days=days - 1)
    templates = []
    for source, provider, model in MODELS:
        for _ in range(PROFILES):
            tokens = Tokens(input_tokens=rng.randint(5, 4000), cache_read_tokens=rng.randint(1000, 90000),
                            cache_write_5m_tokens=rng.randint(0, 5000), output_tokens=rng.randint(50, 3000))
            priced = pricer.price(tokens, model, provider, to_ms(datetime.combine(end_day, time(12), UTC)))
            templates.append((source, provider, model, tokens, priced.cost_pico, priced.price_id))
    per_day = events // days
    batch: list[UsageEvent] = []
    written = 0
    for d in range(days):
        day_start = to_ms(datetime.combine(first + timedelta(days=d), time(0), UTC))
        for i in range(per_day):
            source, provider, model, tokens, cost, price_id = templates[rng.randrange(len(templates))]
            e = UsageEvent(source=source, key=f"b{d}-{i}", ts_ms=day_start + rng.randrange(86_400_000),
                           model=model, tokens=tokens, provider=provider, session=f"{source}:s{d}-{i // 40}",
                           project=f"proj{i % 7}", requests=1)
            e.cost_pico, e.price_id = cost, price_id
            batch.append(e)
            if len(batch) >= BATCH:
                store.write_batch(events=batch)
                written += len(batch)
                batch = []
    if batch:
        store.write_batch(events=batch)
        written += len(batch)
    return written
