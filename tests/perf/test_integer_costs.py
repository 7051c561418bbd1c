"""Whole-picodollar coefficients cost requests in integers: the same figure as the Decimal path."""

from __future__ import annotations

import random
from decimal import Decimal

from tracker.core.money import usd_to_pico
from tracker.core.tokens import Tokens
from tracker.pricing.linear import _PICO, Coefficients


def _decimal_cost(c: Coefficients, t: Tokens, requests: int) -> int:
    fields = (t.input_tokens, t.cache_read_tokens, t.cache_write_5m_tokens, t.cache_write_1h_tokens,
              t.output_tokens, t.reasoning_tokens, requests)
    return usd_to_pico(sum(v * n for v, n in zip(c.values(), fields)) / _PICO)


def test_integer_path_equals_decimal_path():
    rng = random.Random(7)
    for _ in range(500):
        c = Coefficients(*(Decimal(rng.randrange(0, 80_000_000)) for _ in range(7)))
        assert c._ints is not None
        t = Tokens(*(rng.randrange(0, 2_000_000) for _ in range(6)))
        requests = rng.randrange(1, 1000)
        assert c.cost_pico(t, requests) == _decimal_cost(c, t, requests)


def test_fractional_coefficients_keep_the_rounding_decimal_path():
    c = Coefficients(Decimal("0.5"), *(Decimal(0) for _ in range(6)))
    assert c._ints is None
    assert c.cost_pico(Tokens(input_tokens=3)) == 2 and c.cost_pico(Tokens(input_tokens=5)) == 2  # half-even
    assert c.values()[0] == Decimal("0.5")
