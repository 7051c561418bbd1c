"""The persistent price-resolution cache: same figures, no genai-prices on a hit, invalidated by its inputs."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.perf.test_lazy_cli import _modules_after
from tracker.core.tokens import Tokens
from tracker.pricing import Pricer


def ms(y, m, d, h=12):
    return int(datetime(y, m, d, h, tzinfo=timezone.utc).timestamp() * 1000)


# (model, provider, tier, batch): standard, a long-context tier, a service tier, batch, unknown, time-of-day
CASES = [
    ("claude-sonnet-4-5", "anthropic", None, False),
    ("claude-opus-4-1-20250805", "anthropic", None, False),
    ("gpt-5", "openai", "flex", False),
    ("gpt-5-mini", "openai", None, True),
    ("o4-mini", "openai", None, False),
    ("no-such-model-xyz", None, None, False),
    ("deepseek-chat", "deepseek", None, False),
]
TOKENS = [
    Tokens(input_tokens=1200, cache_read_tokens=30_000, cache_write_5m_tokens=900, cache_write_1h_tokens=50,
           output_tokens=700, reasoning_tokens=100),
    Tokens(input_tokens=250_000, output_tokens=3000),  # past the 200k long-context threshold
]
DAYS = [ms(2025, 9, 1), ms(2025, 11, 20, 3), ms(2026, 2, 14, 23)]


def _figures(pricer: Pricer) -> list:
    return [pricer.price(t, model, provider, at, service_tier=tier, batch=batch)
            for model, provider, tier, batch in CASES for t in TOKENS for at in DAYS]


def test_cached_figures_equal_fresh_ones(tmp_path):
    cache = tmp_path / "cache" / "prices.json"
    first = Pricer(cache_path=cache)
    fresh = _figures(first)
    first.save_cache()
    doc = json.loads(cache.read_text())
    assert doc["ids"] and doc["coefficients"]  # not vacuous: something was stored
    assert not any(entry[0] == "deepseek-chat" for entry in doc["ids"])  # minute-granular: not stored
    second = Pricer(cache_path=cache)
    assert second.cache.ids and second.cache.coefficients
    assert _figures(second) == fresh == _figures(Pricer())
    assert any(p.cost_pico is None for p in fresh) and any(p.cost_pico for p in fresh)


def test_a_hit_does_not_import_genai_prices(tmp_path):
    cache = tmp_path / "prices.json"
    warm = Pricer(cache_path=cache)
    expected = warm.price(TOKENS[0], "claude-sonnet-4-5", "anthropic", DAYS[1])
    warm.save_cache()
    code = (
        "import sys, pathlib\nfrom tracker.pricing import Pricer\nfrom tracker.core.tokens import Tokens\n"
        f"p = Pricer(cache_path=pathlib.Path({str(cache)!r}))\n"
        f"got = p.price({TOKENS[0]!r}, "
        f"'claude-sonnet-4-5', 'anthropic', {DAYS[1]})\n"
        f"assert (got.cost_pico, got.price_id) == ({expected.cost_pico}, {expected.price_id!r}), got\n"
        "assert 'genai_prices' not in sys.modules\n"
    )
    loaded = _modules_after(code)
    assert "tracker.pricing.resolution_cache" in loaded and "genai_prices" not in loaded


def test_changing_the_user_overrides_invalidates_the_cache(tmp_path):
    cache, prices = tmp_path / "prices-cache.json", tmp_path / "prices.json"
    p = Pricer(prices, cache_path=cache)
    genai = p.price(Tokens(input_tokens=1_000_000), "claude-sonnet-4-5", "anthropic", DAYS[1])
    p.save_cache()
    prices.write_text(json.dumps({"models": {"claude-sonnet-4-5": {"input_mtok": "1", "output_mtok": "2"}}}))
    p = Pricer(prices, cache_path=cache)
    assert not p.cache.ids  # made from other inputs: ignored
    user = p.price(Tokens(input_tokens=1_000_000), "claude-sonnet-4-5", "anthropic", DAYS[1])
    assert user.cost_pico == 10**12 and user.price_id.startswith("user:") and genai.cost_pico != user.cost_pico
    p.save_cache()
    prices.write_text(json.dumps({"models": {"claude-sonnet-4-5": {"input_mtok": "3", "output_mtok": "2"}}}))
    again = Pricer(prices, cache_path=cache).price(Tokens(input_tokens=1_000_000), "claude-sonnet-4-5", "anthropic",
                                                   DAYS[1])
    assert again.cost_pico == 3 * 10**12


def test_another_genai_prices_installation_invalidates_the_cache(tmp_path, monkeypatch):
    from tracker.pricing import resolution_cache

    cache = tmp_path / "prices.json"
    p = Pricer(cache_path=cache)
    _figures(p)
    p.save_cache()
    monkeypatch.setattr(resolution_cache, "_genai_files", lambda: "another genai-prices")
    assert not Pricer(cache_path=cache).cache.ids


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"key": 1}', b"\xff\xfe"])
def test_an_unreadable_cache_is_ignored_and_replaced(tmp_path, content):
    cache = tmp_path / "prices.json"
    cache.write_bytes(content)
    p = Pricer(cache_path=cache)
    assert _figures(p) == _figures(Pricer())
    p.save_cache()
    assert Pricer(cache_path=cache).cache.ids


def test_a_malformed_entry_under_the_right_key_is_ignored(tmp_path):
    cache = tmp_path / "prices.json"
    p = Pricer(cache_path=cache)
    p.save_cache()  # nothing learned: nothing written
    assert not cache.exists()
    _figures(p)
    p.save_cache()
    doc = json.loads(cache.read_text())
    doc["coefficients"][0][2] = ["not a number"] * 7
    cache.write_text(json.dumps(doc))
    q = Pricer(cache_path=cache)
    assert not q.cache.ids and not q.cache.coefficients
    assert _figures(q) == _figures(Pricer())
