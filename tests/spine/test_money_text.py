"""format_usd's text of a cost is exact: the same as Decimal's quantize (half-even), sign of zero included."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_EVEN, Decimal

from tracker.core.money import format_usd


def _decimal_text(pico: int) -> str:
    return str((Decimal(pico) / Decimal(10**12)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


def test_format_usd_is_decimals_half_even_text():
    rng = random.Random(3)
    edges = [0, 1, -1, 499_999, 500_000, 500_001, 1_500_000, 2_500_000, -500_000, -1_500_000, -2_500_000,
             -100, 999_999_500_000, 10**12, -10**12, 9_223_372_036_854_775_807, -9_223_372_036_854_775_808]
    values = edges + [rng.randrange(-10**15, 10**15) for _ in range(5000)] + \
        [rng.randrange(-10**4, 10**4) * 500_000 for _ in range(500)]
    for pico in values:
        assert format_usd(pico) == _decimal_text(pico), pico
    assert format_usd(None) is None and format_usd(1234, places=2) == "0.00"
