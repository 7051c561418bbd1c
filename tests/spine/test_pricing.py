"""Our fast pricing against genai-prices' own figures."""

import json
import random
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from genai_prices import Usage, calc_price, data_snapshot

from tracker.core.money import usd_to_pico
from tracker.core.tokens import Tokens
from tracker.pricing import Pricer


def ms(*args):
    return int(datetime(*args, tzinfo=timezone.utc).timestamp() * 1000)


def genai_pico(tokens: Tokens, model, provider, at_ms, context=None):
    usage = Usage(
        input_tokens=tokens.prompt_tokens,
        cache_read_tokens=tokens.cache_read_tokens,
        cache_write_tokens=tokens.cache_write_tokens,
        cache_write_1h_tokens=tokens.cache_write_1h_tokens,
        output_tokens=tokens.output_tokens,
        output_reasoning_tokens=tokens.reasoning_tokens,
    )
    when = datetime.fromtimestamp(at_ms / 1000, timezone.utc)
    return usd_to_pico(calc_price(usage, model, provider_id=provider, genai_request_timestamp=when,
                                  price_context=context).total_price)


# (case, tokens, model, provider, time, expected USD written out by hand from the price sheet)
TABLE = [
    ("sonnet-4 with cache (reference example)",
     Tokens(input_tokens=3, cache_write_5m_tokens=3117, cache_read_tokens=14723, output_tokens=214),
     "claude-sonnet-4-20250514", "anthropic", ms(2026, 4, 9, 1, 3, 35), "0.01932465"),
    ("opus-4-6 before its price change", Tokens(input_tokens=1_000_000), "claude-opus-4-6", "anthropic",
     ms(2026, 3, 1), "10"),
    ("opus-4-6 after its price change", Tokens(input_tokens=1_000_000), "claude-opus-4-6", "anthropic",
     ms(2026, 4, 1), "5"),
    ("gemini-2.5-pro above the 200k tier: whole request at the tier rate",
     Tokens(input_tokens=300_000), "gemini-2.5-pro", "google", ms(2026, 5, 1), "0.75"),
    ("gemini-2.5-pro just below the tier", Tokens(input_tokens=200_000), "gemini-2.5-pro", "google",
     ms(2026, 5, 1), "0.25"),
    ("sonnet-4 1-hour cache writes at $6/M", Tokens(cache_write_1h_tokens=1_000_000), "claude-sonnet-4-20250514",
     "anthropic", ms(2026, 5, 1), "6"),
    ("sonnet-4 5-minute cache writes at $3.75/M", Tokens(cache_write_5m_tokens=1_000_000),
     "claude-sonnet-4-20250514", "anthropic", ms(2026, 5, 1), "3.75"),
    ("reasoning is part of output, not extra", Tokens(output_tokens=1_000_000, reasoning_tokens=400_000),
     "gpt-5", "openai", ms(2026, 5, 1), "10"),
]


@pytest.mark.parametrize("case,tokens,model,provider,at,usd", TABLE, ids=[t[0] for t in TABLE])
def test_price_table(pricer, case, tokens, model, provider, at, usd):
    priced = pricer.price(tokens, model, provider, at)
    assert priced.cost_pico == usd_to_pico(Decimal(usd))
    assert priced.cost_pico == genai_pico(tokens, model, provider, at)
    assert priced.price_id and priced.price_id.startswith("genai-prices-")


def test_price_identity_changes_with_the_price(pricer):
    before = pricer.price(Tokens(input_tokens=1), "claude-opus-4-6", "anthropic", ms(2026, 3, 1))
    after = pricer.price(Tokens(input_tokens=1), "claude-opus-4-6", "anthropic", ms(2026, 4, 1))
    assert before.price_id != after.price_id


def test_unknown_model_stays_unpriced(pricer):
    priced = pricer.price(Tokens(input_tokens=1000, output_tokens=10), "totally-unknown-model-9", None, ms(2026, 5, 1))
    assert priced.cost_pico is None and priced.unpriced and priced.price_id is None


def test_service_tier_variant(pricer):
    flex = pricer.price(Tokens(input_tokens=1_000_000), "gpt-5", "openai", ms(2026, 11, 1), service_tier="flex")
    standard = pricer.price(Tokens(input_tokens=1_000_000), "gpt-5", "openai", ms(2026, 11, 1))
    assert flex.cost_pico == usd_to_pico("0.625")
    assert standard.cost_pico == usd_to_pico("1.25")


def test_user_override_wins_and_is_date_effective(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"models": {
        "claude-sonnet-4-5": [{"input_mtok": "1", "output_mtok": "2"},
                              {"since": "2026-06-01", "input_mtok": "4", "output_mtok": "8"}],
        "my-local-*": {"input_mtok": "0.5", "output_mtok": "1", "cache_read_mtok": "0.05"},
    }}))
    p = Pricer(user_overrides=path)
    assert p.price(Tokens(input_tokens=1_000_000), "claude-sonnet-4-5", "anthropic", ms(2026, 5, 1)).cost_pico == usd_to_pico(1)
    assert p.price(Tokens(input_tokens=1_000_000), "claude-sonnet-4-5", "anthropic", ms(2026, 7, 1)).cost_pico == usd_to_pico(4)
    wild = p.price(Tokens(input_tokens=1_000_000, cache_read_tokens=1_000_000), "my-local-llm", None, ms(2026, 7, 1))
    assert wild.cost_pico == usd_to_pico("0.55") and wild.price_id.startswith("user:")


def test_shipped_override_only_fills_gaps(tmp_path):
    shipped = tmp_path / "shipped.json"
    shipped.write_text(json.dumps({"models": {
        "gpt-5": {"input_mtok": "99", "output_mtok": "99"},
        "vendor-new-model": {"input_mtok": "2", "output_mtok": "3"},
    }}))
    p = Pricer(shipped_overrides=shipped)
    assert p.price(Tokens(input_tokens=1_000_000), "gpt-5", "openai", ms(2026, 5, 1)).cost_pico == usd_to_pico("1.25")
    assert p.price(Tokens(output_tokens=1_000_000), "vendor-new-model", None, ms(2026, 5, 1)).cost_pico == usd_to_pico(3)


@pytest.mark.parametrize("content,fragment", [
    ("{not json", "cannot read"),
    ('{"models": []}', "expected an object"),
    ('{"models": {"m": [{"input_mtok": "-1", "output_mtok": "1"}]}}', "from 0 to 1,000"),
    ('{"models": {"m": [{"input_mtok": "1"}]}}', "required"),
    ('{"models": {"m": [{"since": "yesterday", "input_mtok": "1", "output_mtok": "1"}]}}', "YYYY-MM-DD"),
])
def test_bad_user_overrides_are_reported_not_fatal(tmp_path, content, fragment):
    path = tmp_path / "prices.json"
    path.write_text(content)
    p = Pricer(user_overrides=path)
    assert any(fragment in e for e in p.override_errors)
    assert p.price(Tokens(input_tokens=10), "gpt-5", "openai", ms(2026, 5, 1)).cost_pico is not None


def _all_models():
    snapshot = data_snapshot.get_snapshot()
    return [(p.id, m.id) for p in snapshot.providers for m in p.models]


def test_fast_path_equals_genai_prices_for_every_model():
    """Every model in the price data, random usage on both sides of any tier, several dates."""
    rng = random.Random(7)
    pricer = Pricer()
    checked = 0
    for provider, model in _all_models():
        for when in (ms(2025, 6, 1), ms(2026, 3, 15, 12), ms(2026, 11, 20, 3)):
            for _ in range(2):
                big = rng.random() < 0.5
                tokens = Tokens(
                    input_tokens=rng.randint(0, 400_000 if big else 5_000),
                    cache_read_tokens=rng.randint(0, 300_000 if big else 50_000),
                    cache_write_5m_tokens=rng.randint(0, 20_000),
                    cache_write_1h_tokens=rng.randint(0, 5_000),
                    output_tokens=(out := rng.randint(0, 30_000)),
                    reasoning_tokens=rng.randint(0, out),
                )
                try:
                    expected = genai_pico(tokens, model, provider, when)
                except (LookupError, ValueError):
                    continue
                got = pricer.price(tokens, model, provider, when)
                assert got.cost_pico == expected, (provider, model, tokens, when)
                checked += 1
    assert checked > 500


def test_aggregates_use_the_tier_of_one_request(pricer):
    """A day of 1,000 requests of 1,000 tokens is not a 1M-token request."""
    from tracker.core.records import UsageBucket
    from tracker.services.ingest import price_bucket

    day = ms(2026, 5, 1) // 1000
    bucket = UsageBucket(source="openai", account="o", kind="completions", start_s=day, width_s=86400,
                         model="gemini-2.5-pro", provider="google", tokens=Tokens(input_tokens=1_000_000),
                         requests=1000)
    price_bucket(pricer, bucket)
    assert bucket.cost_pico == usd_to_pico("1.25")  # base rate, not the >200k rate
    long = UsageBucket(source="anthropic", account="a", kind="messages", start_s=day, width_s=86400,
                       model="gemini-2.5-pro", provider="google", tokens=Tokens(input_tokens=1_000_000),
                       extra={"context_window": "200k-1M"})
    price_bucket(pricer, long)
    assert long.cost_pico == usd_to_pico("2.5")
