"""Usage with known API-equivalent costs for the plan tests (costs set, not priced: exact figures)."""

from __future__ import annotations

from datetime import date, datetime

from tracker.core.money import usd_to_pico
from tracker.core.records import UsageBucket, UsageEvent
from tracker.core.timeutil import UTC, to_ms
from tracker.core.tokens import Tokens


def ts(day: str, hour: int = 12, minute: int = 0) -> int:
    return to_ms(datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC))


def event(key: str, day: str, cost: str | None, source: str = "claude_code", model: str = "claude-sonnet-4-5",
          hour: int = 12, minute: int = 0, project: str = "web", tokens: int = 1000) -> UsageEvent:
    return UsageEvent(source=source, key=key, ts_ms=ts(day, hour, minute), model=model, project=project,
                      tokens=Tokens(input_tokens=tokens, output_tokens=tokens // 10),
                      provider="anthropic" if source == "claude_code" else "openai",
                      cost_pico=None if cost is None else usd_to_pico(cost), price_id=None if cost is None else "test")


def bucket(day: str, cost: str) -> UsageBucket:
    return UsageBucket(source="openai", account="org", kind="completions", start_s=ts(day, 0) // 1000,
                       width_s=86400, model="gpt-5", tokens=Tokens(input_tokens=1000), requests=1,
                       provider="openai", cost_pico=usd_to_pico(cost), price_id="test")


def november_usage(store) -> None:
    """Claude Code: $40 a day for 31 days of October... and in November $1,240 over 31 requests spread over the
    month ($40 each, two models); Codex $1 a day in November (no plan); an OpenAI account's $2 a day."""
    events = []
    for day in range(1, 31):
        d = date(2026, 11, day).isoformat()
        events.append(event(f"c-{d}", d, "40", model="claude-sonnet-4-5"))
        events.append(event(f"x-{d}", d, "1", source="codex", model="gpt-5"))
    events.append(event("c-2026-11-30-opus", "2026-11-30", "40", model="claude-opus-4-5", hour=15))
    for day in range(1, 32):
        d = date(2026, 10, day).isoformat()
        events.append(event(f"c-{d}", d, "10"))
    store.write_batch(events=events, buckets=[bucket(date(2026, 11, d).isoformat(), "2") for d in range(1, 31)])
