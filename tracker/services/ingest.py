"""Pricing at ingest, then one atomic write: the path every source's records take."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)

from tracker.core.records import Cursor, UsageEvent

if TYPE_CHECKING:
    from tracker.core.provider_usage import BilledLine, UsageBucket
    from tracker.pricing import Pricer
    from tracker.pricing.pricer import Priced
    from tracker.storage import Store
    from tracker.storage.store import WriteResult


def price_event(pricer: Pricer, event: UsageEvent) -> UsageEvent:
    """Freeze the event's cost: the price in force at the request's time.

    A cost the source itself reported (OpenRouter) is kept as is, marked as
    reported; otherwise an unknown model stays unpriced (None), never $0.
    """
    if event.reported_cost_pico is not None:
        event.cost_pico, event.price_id = event.reported_cost_pico, f"reported:{event.source}"
        event.partly_priced = None
        return event
    priced = pricer.price(event.tokens, event.model, event.provider, event.ts_ms, event.service_tier, event.requests,
                          speed=event.speed, units=event.units,
                          tier_prompt_tokens=event_tier_prompt(event.tokens, event.requests))
    event.cost_pico, event.price_id, event.partly_priced = priced.cost_pico, priced.price_id, priced.partly
    return event


def price_bucket(pricer: Pricer, bucket: UsageBucket) -> UsageBucket:
    if bucket.reported_cost_pico is not None:
        bucket.cost_pico, bucket.price_id = bucket.reported_cost_pico, f"reported:{bucket.source}"
        bucket.partly_priced = None
        return bucket
    priced = price_bucket_usage(pricer, bucket.tokens, bucket.model, bucket.provider, bucket.start_s * 1000,
                                bucket.service_tier, bucket.requests, bucket.batch, bucket.extra, bucket.units,
                                bucket.kind)
    bucket.cost_pico, bucket.price_id, bucket.partly_priced = priced.cost_pico, priced.price_id, priced.partly
    return bucket


def price_bucket_usage(pricer: Pricer, tokens, model: str | None, provider: str | None, at_ms: int,
                       service_tier: str | None, requests: int | None, batch, extra: dict | None,
                       units: dict | None, kind: str) -> Priced:
    """The price of a provider aggregate (at ingest and when re-pricing).

    A row with no model (a tool's calls the provider does not tie to one, such as
    OpenAI's file searches) is priced under the name "<provider>:<kind>", which a
    price override file can give a rate (resources/price_overrides.json does for
    the file searches); otherwise it stays unpriced.
    """
    from tracker.pricing.pricer import Priced

    if tokens.total == 0 and not units:
        # Non-token usage with nothing priced per unit (images, vector-store bytes, code interpreter
        # sessions): the provider's billed figures carry its cost; unpriced, never $0.
        return Priced(None, None)
    return pricer.price(
        tokens, model or f"{provider}:{kind}", provider, at_ms, service_tier, requests=requests or 0,
        batch=bool(batch), tier_prompt_tokens=bucket_tier_prompt(tokens, requests, extra), units=units,
    )


def event_tier_prompt(tokens, requests: int | None) -> int | None:
    """Prompt size of one request of an event, for long-context tiers: None (the event's own) for one request.

    An event that sums requests (requests > 1), or a session's totals whose number
    of requests the agent does not say (requests 0: Droid), is tiered like a
    provider aggregate: by its mean request, else the base tier (a session's total
    prompt crosses every 200k tier while no request of it may have).
    """
    return None if requests is None or requests == 1 else bucket_tier_prompt(tokens, requests, None)


# Anthropic's usage report can be grouped by context window instead of counting requests.
LONG_CONTEXT_WINDOWS = {"200k-1M"}
LONG_CONTEXT_PROMPT = 10**9  # above every tier threshold


def bucket_tier_prompt(tokens, requests: int | None, extra: dict | None) -> int:
    """Prompt size of one request in an aggregate, for long-context tiers.

    A day's total prompt would cross a 200k tier on ordinary traffic; the
    provider bills the tier per request. With a request count we use the mean
    request; with a context-window group we use it; otherwise the base tier.
    """
    if (extra or {}).get("context_window") in LONG_CONTEXT_WINDOWS:
        return LONG_CONTEXT_PROMPT
    if requests:
        return tokens.prompt_tokens // requests
    return 0


def ingest(
    store: Store,
    pricer: Pricer,
    events: Sequence[UsageEvent] = (),
    buckets: Sequence[UsageBucket] = (),
    billed: Sequence[BilledLine] = (),
    cursors: Iterable[Cursor] = (),
    **write_options,
) -> WriteResult:
    """Price the records and write them with their cursors in one transaction."""
    for event in events:
        price_event(pricer, event)
    for bucket in buckets:
        price_bucket(pricer, bucket)
    return store.write_batch(events=events, buckets=buckets, billed=billed, cursors=cursors, **write_options)
