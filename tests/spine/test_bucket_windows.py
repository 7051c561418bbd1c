"""Provider buckets summed per window: each window finds its buckets by the start_s index (not every bucket
compared with every window: a year of daily windows over a year of buckets was ~15 ms a report), with or
without a source filter, and the sums stay the exact ones (windows on odd milliseconds, before 1970)."""

from __future__ import annotations

import random

import pytest

from tracker.core.records import UsageBucket
from tracker.core.timeutil import Window
from tracker.core.tokens import Tokens


def _buckets(rng: random.Random) -> list[UsageBucket]:
    out = []
    for i in range(400):
        start_s = rng.choice((rng.randrange(-5 * 86400, 5 * 86400), rng.randrange(0, 40) * 86400))
        out.append(UsageBucket(source=rng.choice(("openai", "anthropic_api")), account="org", kind="completions",
                               start_s=start_s, width_s=86400, model=rng.choice(("gpt-5", "gpt-5-mini")),
                               tokens=Tokens(input_tokens=rng.randrange(1, 9999)), requests=rng.randrange(0, 5),
                               provider="openai", cost_pico=rng.choice((None, rng.randrange(10**9))), price_id="t"))
    return list({b.natural_key(): b for b in out}.values())  # (one bucket per key: a later one replaces it)


@pytest.mark.parametrize("sources", [None, ["openai"]])
def test_bucket_sums_per_window_are_exact_and_found_by_start(store, sources):
    rng = random.Random(7)
    buckets = _buckets(rng)
    store.write_batch(buckets=buckets)
    bounds = sorted({-5 * 86_400_000 - 1, 40 * 86_400_000 + 1, 0, -1, 1, 999, -999, 86_400_000 - 500,
                     *(rng.randrange(-5 * 86_400_000, 40 * 86_400_000) for _ in range(60))})
    windows = [Window(f"w{i}", None, lo, hi) for i, (lo, hi) in enumerate(zip(bounds, bounds[1:]))]
    statements = []
    store.conn.set_trace_callback(statements.append)
    try:
        rows = store.aggregate(windows, group_by=["source"], sources=sources)
    finally:
        store.conn.set_trace_callback(None)
    expected: dict[tuple, list] = {}
    for b in buckets:
        if sources and b.source not in sources:
            continue
        for w in windows:
            if w.start_ms <= b.start_s * 1000 < w.end_ms:
                sums = expected.setdefault((w.label, b.source), [0, 0])
                sums[0] += b.tokens.input_tokens
                sums[1] += b.cost_pico or 0
    assert {(r["period"], r["source"]): [r["input_tokens"], r["cost_pico"] or 0] for r in rows} == expected
    [query] = [s for s in statements if "JOIN buckets b" in s]
    plan = " ".join(str(step[3]) for step in store.conn.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert "idx_buckets_start_s (start_s>? AND start_s<?)" in plan, plan
