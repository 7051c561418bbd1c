"""Usage makers for the value tests (synthetic rows with known costs)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tracker.core.records import UsageBucket, UsageEvent
from tracker.core.timeutil import UTC, to_ms
from tracker.core.tokens import Tokens

USD = 10**12  # picodollars in a dollar


def at(day: date, hour: int = 12) -> int:
    return to_ms(datetime.combine(day, time(hour), UTC))


def event(key: str, day: date, cost_pico: int | None = USD, hour: int = 12, **fields) -> UsageEvent:
    fields.setdefault("source", "claude_code")
    fields.setdefault("model", "claude-sonnet-4-5")
    return UsageEvent(key=key, ts_ms=at(day, hour), tokens=Tokens(input_tokens=10, output_tokens=5),
                      cost_pico=cost_pico, price_id="test" if cost_pico is not None else None, **fields)


def bucket(day: date, cost_pico: int = USD, **fields) -> UsageBucket:
    fields.setdefault("model", "gpt-4.1")
    return UsageBucket(source=fields.pop("source", "openai"), account=fields.pop("account", "org"), kind="completions",
                       start_s=at(day, 0) // 1000, width_s=86400, tokens=Tokens(input_tokens=100), requests=1,
                       cost_pico=cost_pico, price_id="test", **fields)


def daily_series(store, first: date, costs: list[int]) -> None:
    """One event per day with the given cost (picodollars), from `first` on."""
    events = [event(f"d{i}", first + timedelta(days=i), cost) for i, cost in enumerate(costs)]
    store.write_batch(events=events)
