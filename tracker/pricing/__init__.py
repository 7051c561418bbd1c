"""Prices: genai-prices behind one function, with overrides; unknown is never $0.

`Pricer.price(tokens, model, provider, at_ms)` is the one entry point. It
returns a cost in picodollars and the identity of the price that produced it,
or `cost_pico=None` (unpriced) when no price is known.
"""

from tracker.pricing.pricer import Priced, Pricer

__all__ = ["Priced", "Pricer"]
