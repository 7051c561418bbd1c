"""genai-prices (pydantic) is imported only when a price must be resolved."""

from __future__ import annotations

from tests.perf.test_lazy_cli import _modules_after


def test_pricer_loads_genai_prices_on_first_resolution_only():
    code = (
        "import sys\nfrom tracker.pricing import Pricer\nfrom tracker.pricing.pricer import GENAI_PRICES_VERSION\n"
        "from tracker.core.tokens import Tokens\n"
        "p = Pricer()\nassert GENAI_PRICES_VERSION not in ('', 'unknown')\n"
        "assert 'genai_prices' not in sys.modules, 'imported before any resolution'\n"
        "priced = p.price(Tokens(input_tokens=1000, output_tokens=10), 'claude-sonnet-4-5', 'anthropic',"
        " 1764000000000)\n"
        "assert priced.cost_pico and priced.price_id.startswith('genai-prices-' + GENAI_PRICES_VERSION)\n"
    )
    assert "genai_prices" in _modules_after(code)


def test_user_override_prices_without_genai_data(tmp_path):
    prices = tmp_path / "prices.json"
    prices.write_text('{"models": {"my-model": {"input_mtok": "2", "output_mtok": "8"}}}')
    from tracker.core.tokens import Tokens
    from tracker.pricing import Pricer

    pricer = Pricer(prices)
    priced = pricer.price(Tokens(input_tokens=1_000_000, output_tokens=1_000_000), "my-model", None, 1764000000000)
    assert priced.cost_pico == 10 * 10**12 and priced.price_id.startswith("user:my-model@always#")
