"""Fast, exact evaluation of a genai-prices ModelPrice.

Within one long-context tier a price is linear in the token classes (genai-
prices splits usage into leaf counts by subtraction, then multiplies by a
constant price), plus a constant per request. So for each (price, tier) we ask
genai-prices itself for a handful of probe figures, solve for the per-class
coefficients, and then cost a request with a few integer multiplications. The
result is the library's own figure, about 50x faster than calling it per
request (a test checks equality over every model in the price data).
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)

from tracker.core.money import PICO_PER_USD, usd_to_pico
from tracker.core.plain_record import PlainRecord
from tracker.core.tokens import Tokens

if TYPE_CHECKING:  # imported where used: loading genai-prices is deferred to the first resolution
    from genai_prices.types import ModelPrice

_PICO = Decimal(PICO_PER_USD)


class Coefficients(PlainRecord):
    """Picodollars per token of each class (reasoning: extra over output), per request."""

    _fields = ("uncached", "cache_read", "cache_write_5m", "cache_write_1h", "output", "reasoning_extra",
               "per_request")
    __slots__ = (*_fields, "_ints")

    def __init__(self, uncached: Decimal, cache_read: Decimal, cache_write_5m: Decimal, cache_write_1h: Decimal,
                 output: Decimal, reasoning_extra: Decimal, per_request: Decimal):
        self.uncached, self.cache_read, self.cache_write_5m, self.cache_write_1h = (uncached, cache_read,
                                                                                    cache_write_5m, cache_write_1h)
        self.output, self.reasoning_extra, self.per_request = output, reasoning_extra, per_request
        # the same, as ints, when every one is a whole number of picodollars (prices with up to six
        # decimals per million tokens: nearly all); the cost is then an exact integer sum
        values = self.values()
        self._ints = tuple(int(v) for v in values) if all(v == v.to_integral_value() for v in values) else None

    def values(self) -> tuple[Decimal, ...]:
        return (self.uncached, self.cache_read, self.cache_write_5m, self.cache_write_1h, self.output,
                self.reasoning_extra, self.per_request)

    def cost_exact(self, t: Tokens, requests: int = 1) -> Decimal:
        """The cost in picodollars before rounding (to add other parts to, then round once)."""
        ints = self._ints
        if ints is not None:
            return Decimal(self.cost_pico(t, requests))
        return (self.uncached * t.input_tokens + self.cache_read * t.cache_read_tokens
                + self.cache_write_5m * t.cache_write_5m_tokens + self.cache_write_1h * t.cache_write_1h_tokens
                + self.output * t.output_tokens + self.reasoning_extra * t.reasoning_tokens
                + self.per_request * requests)

    def cost_pico(self, t: Tokens, requests: int = 1) -> int:
        ints = self._ints
        if ints is not None:
            # exact, and what the Decimal path below gives for an integral total (no rounding to do)
            return (ints[0] * t.input_tokens + ints[1] * t.cache_read_tokens + ints[2] * t.cache_write_5m_tokens
                    + ints[3] * t.cache_write_1h_tokens + ints[4] * t.output_tokens
                    + ints[5] * t.reasoning_tokens + ints[6] * requests)
        total = (
            self.uncached * t.input_tokens
            + self.cache_read * t.cache_read_tokens
            + self.cache_write_5m * t.cache_write_5m_tokens
            + self.cache_write_1h * t.cache_write_1h_tokens
            + self.output * t.output_tokens
            + self.reasoning_extra * t.reasoning_tokens
            + self.per_request * requests
        )
        return usd_to_pico(total / _PICO)


def tier_starts(price: "ModelPrice") -> list[int]:
    """Sorted distinct tier thresholds over every tiered price of the model."""
    from genai_prices.types import TieredPrices

    starts: set[int] = set()
    for value in price.__dict__.values():
        if isinstance(value, TieredPrices):
            starts.update(tier.start for tier in value.tiers)
    return sorted(starts)


def tier_index(starts: list[int], prompt_tokens: int) -> int:
    """0 for the base tier; k when prompt_tokens exceeds the k-th threshold (genai-prices' rule)."""
    index = 0
    for k, start in enumerate(starts, 1):
        if prompt_tokens > start:
            index = k
    return index


def _genai_total(price: "ModelPrice", u: int, r: int, w5: int, w1: int, o: int, x: int) -> Decimal:
    from genai_prices.types import Usage

    usage = Usage(
        input_tokens=u + r + w5 + w1,
        cache_read_tokens=r,
        cache_write_tokens=w5 + w1,
        cache_write_5m_tokens=w5,
        cache_write_1h_tokens=w1,
        output_tokens=o,
        output_reasoning_tokens=x,
    )
    return price.calc_price(usage)["total_price"]


def solve(price: "ModelPrice", starts: list[int], index: int) -> Coefficients:
    """Coefficients of `price` in tier `index`, from genai-prices' own figures."""
    # Probe with a prompt just inside the tier: genai picks the tier by
    # "prompt tokens > start", so start+1 and start+2 are both in tier `index`.
    t = (starts[index - 1] if index else 0) + 1
    base = _genai_total(price, t, 0, 0, 0, 0, 0)
    uncached = _genai_total(price, t + 1, 0, 0, 0, 0, 0) - base
    per_request = base - uncached * t

    def moved(r: int = 0, w5: int = 0, w1: int = 0) -> Decimal:
        # one prompt token moved from uncached to another input class
        return _genai_total(price, t - 1, r, w5, w1, 0, 0) - base + uncached

    with_output = _genai_total(price, t, 0, 0, 0, 1, 0)
    return Coefficients(
        uncached=uncached * _PICO,
        cache_read=moved(r=1) * _PICO,
        cache_write_5m=moved(w5=1) * _PICO,
        cache_write_1h=moved(w1=1) * _PICO,
        output=(with_output - base) * _PICO,
        reasoning_extra=(_genai_total(price, t, 0, 0, 0, 1, 1) - with_output) * _PICO,
        per_request=per_request * _PICO,
    )


def round_pico(total: Decimal) -> int:
    """Picodollars (exact Decimal) to the integer stored, rounding half-even as usd_to_pico does."""
    return int(total.to_integral_value(rounding=ROUND_HALF_EVEN))


# The rates that price each unit (core.units), any one of which will do. None: a unit the provider
# bills at its token class's rate when the model has no rate of its own (OpenAI bills an image a
# vision model reads as text input tokens); genai-prices does the same.
UNIT_PRICE_KEYS: dict[str, tuple[str, ...] | None] = {
    "web_searches": ("web_searches_kcount",),
    "storage_searches": ("storage_searches_kcount",),
    "input_characters": ("input_mchars",),
    "input_audio_seconds": ("input_audio_hours", "audio_hours"),
    "input_audio_tokens": ("input_audio_mtok",),
    "cache_audio_read_tokens": ("cache_audio_read_mtok",),
    "output_audio_tokens": ("output_audio_mtok",),
    "input_image_tokens": None,
    "cache_image_read_tokens": None,
    "output_image_tokens": ("output_image_mtok",),
}
# What one unit adds to a probe request: (uncached prompt tokens that become cache reads, output
# tokens, genai-prices usage fields), and the units its usage fields include (whose rates it adds
# to, so they are taken off). A modality token is one token of its class that is audio (image).
_UNIT_PROBES: dict[str, tuple[int, int, dict[str, int], tuple[str, ...]]] = {
    "web_searches": (0, 0, {"web_searches": 1}, ()),
    "storage_searches": (0, 0, {"storage_searches": 1}, ()),
    "input_characters": (0, 0, {"input_characters": 1}, ()),
    "input_audio_seconds": (0, 0, {"audio_seconds": 1, "input_audio_seconds": 1}, ()),
    "input_audio_tokens": (0, 0, {"input_audio_tokens": 1}, ()),
    "input_image_tokens": (0, 0, {"input_image_tokens": 1}, ()),
    "cache_audio_read_tokens": (1, 0, {"input_audio_tokens": 1, "cache_audio_read_tokens": 1}, ("input_audio_tokens",)),
    "cache_image_read_tokens": (1, 0, {"input_image_tokens": 1, "cache_image_read_tokens": 1}, ("input_image_tokens",)),
    "output_audio_tokens": (0, 1, {"output_audio_tokens": 1}, ()),
    "output_image_tokens": (0, 1, {"output_image_tokens": 1}, ()),
}


def has_rate(price: "ModelPrice", unit: str) -> bool:
    keys = UNIT_PRICE_KEYS[unit]
    return keys is None or any(getattr(price, key, None) is not None for key in keys)


def _probe(price: "ModelPrice", prompt: int, cache_read: int, output: int, fields: dict[str, int]) -> Decimal:
    from genai_prices.types import Usage

    usage = Usage(input_tokens=prompt, cache_read_tokens=cache_read, output_tokens=output, **fields)
    return price.calc_price(usage)["total_price"]


def unit_rate(price: "ModelPrice", starts: list[int], index: int, unit: str) -> Decimal | None:
    """Picodollars one `unit` adds to a request in tier `index`, from genai-prices' own figures.

    None when the price has no rate for the unit (UNIT_PRICE_KEYS): the caller
    says so rather than price it as something else. Within a tier the cost is
    linear in the units as in the token classes (see `solve`).
    """
    if not has_rate(price, unit):
        return None
    t = (starts[index - 1] if index else 0) + 1  # a prompt just inside the tier, as `solve` probes
    cache_read, output, fields, implied = _UNIT_PROBES[unit]
    with_unit = _probe(price, t, cache_read, output, fields)
    without = _probe(price, t, cache_read, output, {})
    rate = (with_unit - without) * _PICO
    for other in implied:
        rate -= unit_rate(price, starts, index, other) or 0
    return rate
