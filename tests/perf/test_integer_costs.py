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


def _short_by_decimal(pico: int) -> str:
    """format_usd_short as Decimal writes it (money.shown_usd)."""
    from tracker.core.money import shown_usd

    return f"${shown_usd(pico):,}"


def test_short_dollars_in_integers_are_the_decimal_text():
    """A table's and the tray's dollars ($0.42, $1,234) in integers: the Decimal text, half-even at the half
    cent and the half dollar, the sign of a small negative kept ("$-0.00"), $1,000.00 below $1,000."""
    from tracker.core.money import format_usd_short

    rng = random.Random(11)
    values = [0, 1, -1, 5 * 10**9, -5 * 10**9, 15 * 10**9, 25 * 10**9, 999_995 * 10**9, 999_994_999_999_999,
              1000 * 10**12 - 1, 1000 * 10**12, -1000 * 10**12, 1_234_500_000_000_000, 1_235_500_000_000_000,
              2**63 - 1, -(2**63), 10**27 - 1, -(10**27 - 1), 10**27, 10**30 + 5 * 10**11]
    for digits in range(27):
        for _ in range(300):
            v = rng.randrange(-(10**digits), 10**digits + 1)
            values += [v, v // 10**10 * 10**10 + 5 * 10**9, v // 10**12 * 10**12 + 5 * 10**11]  # the halves
    for v in values:
        assert format_usd_short(v) == _short_by_decimal(v), v
    assert format_usd_short(-1) == "$-0.00" and format_usd_short(999_995 * 10**9) == "$1,000.00"


def test_a_tables_cells_are_the_decimal_text():
    """cli_format.table: a report's six-decimal costs read as micro-dollars, any other form of dollars by
    Decimal, tokens short, lists joined, columns padded: the same text as cell by cell through Decimal."""
    from tracker import cli_format

    rows = [{"day": "2026-01-0%d" % (i % 9 + 1), "models": ["a", "b"][: i % 3], "input_tokens": 10 ** (i % 12) + i,
             "cost_usd": None if i % 7 == 0 else f"{'-' if i % 5 == 0 else ''}{i * 37 % 5000}.{i * 7919 % 10**6:06d}",
             "value_usd": [Decimal("1.5"), 3, "2.25", "-0.000000", "12.3456789"][i % 5], "requests": i}
            for i in range(300)]
    columns = [("day", "Day"), ("models", "Models"), ("input_tokens", "Input"), ("cost_usd", "Cost"),
               ("value_usd", "Value"), ("requests", "Requests")]
    totals = {"input_tokens": 5, "cost_usd": "1234.500000", "value_usd": None, "requests": 300}

    def cell(row, key):
        value = row.get(key)
        if key.endswith("_usd"):
            return "—" if value is None else _short_by_decimal(usd_to_pico(Decimal(value)))
        if key.endswith("_tokens") and isinstance(value, int):
            return cli_format._human_tokens(value)
        return ",".join(value) if isinstance(value, list) else "" if value is None else str(value)

    body = [[cell(r, k) for k, _ in columns] for r in rows] + [["Total"] + [cell(totals, k) for k, _ in columns[1:]]]
    widths = [max(len(h), *(len(line[i]) for line in body)) for i, (_, h) in enumerate(columns)]
    right = (2, 3, 4, 5)

    def line(values):
        return "  ".join(v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths)))

    rule = "  ".join("-" * w for w in widths)
    expected = "\n".join([line([h for _, h in columns]), rule, *map(line, body[:-1]), rule, line(body[-1])])
    assert cli_format.table(rows, columns, totals) == expected
