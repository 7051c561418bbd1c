"""Exact money.

Costs are stored as integers of picodollars (1e-12 USD). A single token of the
cheapest priced model costs a few hundred picodollars, so per-request costs are
exact for every price with up to six decimals per million tokens, and SQLite's
64-bit integer sums hold up to about $9.2 million. Floats never touch money.
"""

from __future__ import annotations

# decimal is imported where a Decimal is made (~1 ms at start-up): a report's costs are formatted in integers
# (format_usd), and `tracker report daily --json` needs no more.
TYPE_CHECKING = False  # (for the annotations only)
if TYPE_CHECKING:
    from decimal import Decimal

PICO_PER_USD = 10**12


def usd_to_pico(amount: Decimal | int | str) -> int:
    """Dollars (exact) to integer picodollars, rounding half-even below 1e-12."""
    from decimal import ROUND_HALF_EVEN, Decimal

    value = Decimal(amount) * Decimal(PICO_PER_USD)
    return int(value.to_integral_value(rounding=ROUND_HALF_EVEN))


def pico_to_usd(pico: int) -> Decimal:
    from decimal import Decimal

    return Decimal(pico) / Decimal(PICO_PER_USD)


_MICRO_PICO = 10**6


def format_usd(pico: int | None, places: int = 6) -> str | None:
    """Decimal string in USD with `places` decimals ("0.123456"); None stays None."""
    if pico is None:
        return None
    if places == 6 and type(pico) is int:  # every report row's cost: the same text in integers, 5x faster
        micro, rest = divmod(pico, _MICRO_PICO)
        if rest > _MICRO_PICO // 2 or (rest == _MICRO_PICO // 2 and micro % 2):  # half-even
            micro += 1
        whole, fraction = divmod(abs(micro), _MICRO_PICO)
        return f"{'-' if pico < 0 else ''}{whole}.{fraction:06d}"  # (Decimal keeps the sign of -0.000000)
    from decimal import ROUND_HALF_EVEN, Decimal

    quantum = Decimal(1).scaleb(-places)
    return str(pico_to_usd(pico).quantize(quantum, rounding=ROUND_HALF_EVEN))


def shown_usd(pico: int) -> Decimal:
    """The dollars format_usd_short shows: cents below $1,000, whole dollars above."""
    from decimal import ROUND_HALF_EVEN, Decimal

    usd = pico_to_usd(pico)
    return usd.quantize(Decimal(1) if abs(usd) >= 1000 else Decimal("0.01"), rounding=ROUND_HALF_EVEN)


def format_usd_short(pico: int | None) -> str:
    """Human form for tables and the tray: $0.42, $12.30, $1,234."""
    if pico is None:
        return "—"
    if type(pico) is int and -_EXACT_PICO < pico < _EXACT_PICO:
        # shown_usd's rounding in integers (a table of a year's sessions formats ~30k costs: ~5x faster), the
        # sign kept as Decimal keeps it ("$-0.00" for a small negative)
        size = abs(pico)
        unit = PICO_PER_USD if size >= 1000 * PICO_PER_USD else PICO_PER_USD // 100  # whole dollars, or cents
        shown, rest = divmod(size, unit)
        if rest > unit // 2 or (rest == unit // 2 and shown % 2):  # half-even
            shown += 1
        sign = "-" if pico < 0 else ""
        if unit == PICO_PER_USD:
            return f"${sign}{shown:,}"
        dollars, cents = divmod(shown, 100)
        return f"${sign}{dollars:,}.{cents:02d}"
    return f"${shown_usd(pico):,}"


_EXACT_PICO = 10**27  # below this, shown_usd's quotient is exact in Decimal's 28 digits (the integers' own rounding)
