"""Pricer.price_counts (the log import's per-request pricing) gives Pricer.price's figures, whatever it memoised."""

from __future__ import annotations

import json
import random

from tests.perf.test_price_cache import CASES, DAYS, TOKENS, ms
from tracker.core.tokens import TOKEN_FIELDS, Tokens
from tracker.pricing import Pricer

MORE_DAYS = DAYS + [ms(2025, 9, 1, 0), ms(2025, 9, 1, 23), ms(2026, 2, 15, 0), ms(2024, 3, 1, 8)]
SPEEDS = [None, "standard", "fast"]
TIERS = [None, "standard", "priority", "flex"]


def _counts(tokens: Tokens) -> tuple[int, ...]:
    return tuple(getattr(tokens, name) for name in TOKEN_FIELDS)


def _requests(rng: random.Random, n: int) -> list[tuple]:
    models = [model for model, *_ in CASES] + ["claude-opus-4-6", "claude-sonnet-4-20250514", "gpt-5-codex"]
    providers = {model: provider for model, provider, *_ in CASES}
    found = []
    for _ in range(n):
        model = rng.choice(models)
        tokens = rng.choice(TOKENS + [Tokens(*(rng.randrange(0, 300_000) for _ in range(5)), 0)])
        found.append((_counts(tokens), model, providers.get(model, "anthropic"), rng.choice(MORE_DAYS) + rng.randrange(0, 3_600_000),
                      rng.choice(TIERS), rng.choice(SPEEDS)))
    return found


def _price(pricer: Pricer, request: tuple, units=None) -> tuple:
    counts, model, provider, at, tier, speed = request
    priced = pricer.price(Tokens(*counts), model, provider, at, tier, speed=speed, units=units)
    return priced.cost_pico, priced.price_id, priced.partly


def test_price_counts_equals_price_in_any_order(tmp_path):
    rng = random.Random(11)
    requests = _requests(rng, 600)
    reference = Pricer()
    want = [_price(reference, r) for r in requests]
    assert any(w[0] is None for w in want) and any(w[0] for w in want) and any(w[2] for w in want)
    for pricer in (Pricer(), Pricer(cache_path=tmp_path / "prices.json")):
        # each request twice in a shuffled order: first through Pricer.price, then from the memo
        order = list(range(len(requests))) * 2
        rng.shuffle(order)
        got = {}
        for i in order:
            figures = pricer.price_counts(*requests[i])
            assert got.setdefault(i, figures) == figures == want[i], requests[i]
    assert pricer._day_prices  # not vacuous: the memo answered


def test_price_counts_after_the_disk_cache_and_with_units(tmp_path):
    cache = tmp_path / "prices.json"
    requests = _requests(random.Random(5), 200)
    first = Pricer(cache_path=cache)
    want = [first.price_counts(*r) for r in requests]
    first.save_cache()
    assert json.loads(cache.read_text())["ids"]
    second = Pricer(cache_path=cache)  # resolutions from the file, genai-prices not loaded
    assert [second.price_counts(*r) for r in requests] == want
    units = {"web_searches": 3}
    assert [second.price_counts(*r, units=units) for r in requests[:40]] == \
        [_price(Pricer(), r, units) for r in requests[:40]]


def test_time_of_day_prices_are_not_memoised_by_the_day():
    pricer = Pricer()
    counts = _counts(TOKENS[0])
    # DeepSeek's off-peak discount: the same UTC day, two prices
    peak = pricer.price_counts(counts, "deepseek-chat", "deepseek", ms(2025, 9, 1, 3))
    off_peak = pricer.price_counts(counts, "deepseek-chat", "deepseek", ms(2025, 9, 1, 17))
    assert peak == _price(Pricer(), (counts, "deepseek-chat", "deepseek", ms(2025, 9, 1, 3), None, None))
    assert off_peak == _price(Pricer(), (counts, "deepseek-chat", "deepseek", ms(2025, 9, 1, 17), None, None))
    assert peak[0] != off_peak[0]


class _SameNames:
    """A source's pricing hints that change no model or provider name."""

    changes_nothing = True

    @staticmethod
    def apply(model, provider):
        return model, provider


def test_the_imports_request_loop_prices_as_price_does_in_any_order():
    """log_import._price_requests looks price_counts' memo up itself (Pricer.day_prices): every request, each
    twice in a shuffled order (the first fills the memo, the second is priced by it), gets Pricer.price's
    figures; requests with units, without a model or with implausible counts take their own ways."""
    import math
    from collections import Counter

    from tracker.services.log_import import _price_requests

    rng = random.Random(23)
    requests = _requests(rng, 500)
    reference = Pricer()
    want, rows = [], []
    for i, (counts, model, provider, at, tier, speed) in enumerate(requests):
        units = {"web_searches": 2} if i % 17 == 0 else None
        want.append(_price(reference, (counts, model, provider, at, tier, speed), units))
        # core.request_rows form: key, ts_ms, model, provider, session, project, cwd, branch, the six counts,
        # tool_use, service tier, sidechain, speed, units
        rows.append((f"k{i}", at, model, provider, "s", None, None, None, *counts, None, tier, None, speed, units))
    assert any(w[0] is None for w in want) and any(w[0] for w in want) and any(w[2] for w in want)
    order = list(range(len(rows))) * 2
    rng.shuffle(order)
    bad = [("kx", ms(2025, 9, 1, 0), "", None, "s", None, None, None, 1, 0, 0, 0, 1, 0, None, None, None, None, None),
           ("ky", ms(2025, 9, 1, 0), "claude-opus-4-6", "anthropic", "s", None, None, None, 10**9 + 1, 0, 0, 0, 1, 0,
            None, None, None, None, None)]
    pricer, skipped = Pricer(), Counter()
    got = _price_requests([rows[i] for i in order] + bad, _SameNames, pricer, skipped)
    assert skipped == {"missing_model": 1, "bad_number": 1} and len(got) == len(order)

    def plain(value):
        return None if isinstance(value, float) and math.isnan(value) else value

    for i, row in zip(order, got):
        assert (plain(row[16]), plain(row[17]), plain(row[21])) == want[i], requests[i]
        assert row[:14] == rows[i][:14] and plain(row[15]) == rows[i][15] and plain(row[19]) == rows[i][17]
    assert pricer.day_prices  # not vacuous: the memo priced the second copies
