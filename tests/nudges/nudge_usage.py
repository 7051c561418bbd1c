"""Generated usage with a known share of simple requests, and hand pricing via genai-prices."""

from __future__ import annotations

from datetime import datetime, timezone

import genai_prices

from tracker.core.money import usd_to_pico
from tracker.core.records import UsageBucket, UsageEvent
from tracker.core.tokens import Tokens
from tracker.services.ingest import ingest

DAY_MS = 86_400_000
# 2026-11-02 00:00 UTC, a Monday: "now" for most tests
NOW_MS = int(datetime(2026, 11, 2, tzinfo=timezone.utc).timestamp() * 1000)

SESSION_REQUESTS = 20
# A simple request: small fresh input, short answer, no tools, a long cached context.
SIMPLE = Tokens(input_tokens=1500, cache_read_tokens=60_000, cache_write_5m_tokens=400, output_tokens=450,
                reasoning_tokens=0)
# A real agent turn: lots of fresh input, long output, tools.
COMPLEX = Tokens(input_tokens=3000, cache_read_tokens=120_000, cache_write_5m_tokens=6000, output_tokens=2500,
                 reasoning_tokens=500)


def events(n_simple: int, n_complex: int, start_ms: int, days: int, model: str = "claude-opus-4-5",
           source: str = "claude_code", provider: str = "anthropic", prefix: str = "e") -> list[UsageEvent]:
    """n_simple + n_complex requests spread evenly over `days` days from `start_ms` (first one at start_ms).

    Sessions of SESSION_REQUESTS: quick-question sessions hold simple requests only, agent sessions
    complex ones only (a session is simple when all its requests are).
    """
    total = n_simple + n_complex
    step = days * DAY_MS // max(total, 1)
    out = []
    seen = {True: 0, False: 0}
    for i in range(total):
        simple = _is_simple_slot(i, n_simple, total)
        session = f"{prefix}-{model}-{'quick' if simple else 'agent'}{seen[simple] // SESSION_REQUESTS}"
        seen[simple] += 1
        out.append(UsageEvent(
            source=source, key=f"{prefix}-{model}-{i}", ts_ms=start_ms + i * step, model=model,
            tokens=SIMPLE if simple else COMPLEX, provider=provider, session=session,
            project="webshop" if i % 2 else "etl", tool_use=not simple,
        ))
    return out


def _is_simple_slot(i: int, n_simple: int, total: int) -> bool:
    # spread simple requests evenly: slot i is simple when floor((i+1)*k/n) > floor(i*k/n)
    return (i + 1) * n_simple // total > i * n_simple // total


def write(store, pricer, evts=(), buckets=()):
    ingest(store, pricer, events=list(evts), buckets=list(buckets))


def hand_cost_pico(tokens: Tokens, model: str, provider: str, ts_ms: int, requests: int = 1) -> int:
    """genai-prices' own figure, rounded to picodollars like one stored request."""
    usage = genai_prices.Usage(
        input_tokens=tokens.prompt_tokens,
        cache_read_tokens=tokens.cache_read_tokens,
        cache_write_tokens=tokens.cache_write_tokens,
        output_tokens=tokens.output_tokens,
    )
    when = datetime.fromtimestamp(ts_ms / 1000, timezone.utc)
    price = genai_prices.calc_price(usage, model, provider_id=provider, genai_request_timestamp=when)
    return usd_to_pico(price.total_price)


def hand_savings_pico(evts, suggested: str) -> int:
    return sum(
        hand_cost_pico(e.tokens, e.model, e.provider, e.ts_ms) - hand_cost_pico(e.tokens, suggested, e.provider, e.ts_ms)
        for e in evts if e.tool_use is False
    )


def openai_day_bucket(day_start_s: int, model: str, requests: int, per_request: Tokens) -> UsageBucket:
    t = per_request
    return UsageBucket(
        source="openai", account="org", kind="completions", start_s=day_start_s, width_s=86400, model=model,
        tokens=Tokens(t.input_tokens * requests, t.cache_read_tokens * requests, 0, 0, t.output_tokens * requests,
                      t.reasoning_tokens * requests),
        requests=requests, project_id="proj_bot", provider="openai",
    )
