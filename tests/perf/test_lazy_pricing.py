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


_PRICE_ONE = (
    "import sys\nfrom tracker.pricing import Pricer\nfrom tracker.core.tokens import Tokens\n"
    "priced = Pricer().price(Tokens(input_tokens=1000, output_tokens=10), 'claude-sonnet-4-5', 'anthropic',"
    " 1764000000000)\n"
    "assert priced.cost_pico\n"
)
_THE_REST_OF_THE_PACKAGE = (
    "import genai_prices\nfrom genai_prices import Usage, calc_price\n"
    "from datetime import datetime, timezone\n"
    "got = calc_price(Usage(input_tokens=1000, output_tokens=10), 'claude-sonnet-4-5', provider_id='anthropic',"
    " genai_request_timestamp=datetime.fromtimestamp(1764000000, timezone.utc))\n"
    "assert int(got.total_price * 10**12) == priced.cost_pico, (got.total_price, priced.cost_pico)\n"
    "from tracker.pricing.pricer import GENAI_PRICES_VERSION\nassert genai_prices.__version__ == GENAI_PRICES_VERSION\n"
    "assert genai_prices.data_snapshot.get_snapshot() is genai_prices.data_snapshot.get_snapshot()\n"
)


def test_pricing_loads_genai_prices_without_its_update_client():
    """The command line prices offline from the bundled data: the package's price-update client (httpx2,
    asyncio: ~33 ms) is not imported; the rest of the package, used, is there as ever, the same prices."""
    loaded = _modules_after(_PRICE_ONE)
    assert "genai_prices.types" in loaded and "genai_prices.data" in loaded  # not vacuous
    assert not {"genai_prices.update_prices", "httpx2", "asyncio"} & loaded
    loaded = _modules_after(_PRICE_ONE + _THE_REST_OF_THE_PACKAGE)
    assert "genai_prices.update_prices" in loaded


def test_beside_another_thread_genai_prices_is_imported_as_usual():
    """Another thread (the GUI's) could use the package while its __init__ runs late: imported whole."""
    started = ("import threading\nstop = threading.Event()\n"
               "threading.Thread(target=stop.wait, daemon=True).start()\n")
    loaded = _modules_after(started + _PRICE_ONE + "stop.set()\n" + _THE_REST_OF_THE_PACKAGE)
    assert "genai_prices.update_prices" in loaded
    code = started + _PRICE_ONE + "assert 'genai_prices.update_prices' in sys.modules\nstop.set()\n"
    assert "genai_prices.types" in _modules_after(code)


def test_a_first_import_with_parse_workers_loads_genai_prices_lean(tmp_path):
    """The import prices the workers' results while the executor's threads run: the package was made ready
    before they started, so pricing loads it without the update client all the same."""
    import sys

    if not sys.platform.startswith("linux"):
        import pytest

        pytest.skip("parse workers are forked on Linux only")
    from tests.corpus.gen_logs import generate

    corpus = tmp_path / "c"
    generate(corpus, mb=1, seed=3, days=10, end_date="2026-03-31")
    code = (
        "import pathlib, sys, threading\nfrom tracker.pricing import Pricer\nfrom tracker.services import log_import\n"
        "from tracker.storage import open_store\n"
        f"home = pathlib.Path({str(corpus / 'home')!r})\n"
        "roots = {'claude_code': [home / '.claude'], 'codex': [home / '.codex']}\n"
        f"with open_store(pathlib.Path({str(tmp_path / 't.db')!r})) as store:\n"
        "    report = log_import.import_logs(store, Pricer(), roots=roots, workers=2)\n"
        "assert report.workers == 1 and report.events_added > 100, report.as_dict()\n"
    )
    loaded = _modules_after(code)
    assert "genai_prices.data" in loaded and "genai_prices.update_prices" not in loaded


def test_a_release_not_read_for_it_is_imported_as_usual(tmp_path):
    """The lean load relies on how 0.2.5's package is put together: another release runs its __init__."""
    import importlib.util

    from tracker.pricing import genai_lean

    assert genai_lean._tested(importlib.util.find_spec("genai_prices").origin)  # the release the tests pin
    package = tmp_path / "site" / "genai_prices"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    assert not genai_lean._tested(str(package / "__init__.py"))
    (tmp_path / "site" / "genai_prices-9.9.9.dist-info").mkdir()
    assert not genai_lean._tested(str(package / "__init__.py"))
    (tmp_path / "site" / f"genai_prices-{genai_lean.TESTED_RELEASES[0]}.dist-info").mkdir()
    assert genai_lean._tested(str(package / "__init__.py"))
    loaded = _modules_after("from tracker.pricing import genai_lean\ngenai_lean.TESTED_RELEASES = ('9.9.8',)\n"
                            + _PRICE_ONE)
    assert "genai_prices.update_prices" in loaded  # the package as usual, its update client with it
