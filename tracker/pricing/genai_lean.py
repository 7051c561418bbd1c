"""genai-prices' types and bundled data without its package's price-update client, where that is safe.

`import genai_prices` runs the package's __init__, which imports its price-update client (httpx2 and
asyncio: ~33 ms of CPU, ~2% of a first import of 300 MiB of logs) that the tracker never uses: it prices
offline, from the bundled snapshot (data_snapshot.get_snapshot: the bundled data unless an update client
was started, which the tracker never does). In the main thread of a single-threaded process (the command
line), load() puts the package in place without running its __init__, so that `genai_prices.types` and
`genai_prices.data_snapshot` load alone. Any other name of the package (calc_price, Usage, __version__,
...) runs the __init__ on its first use (a module __getattr__), so the package reads as it always does.
Beside other threads (the GUI's), the package is imported as usual: another thread's first use would
race the completion. (The log import calls load() before its parse workers' executor starts its threads.)
"""

from __future__ import annotations

import sys

PACKAGE = "genai_prices"
# The releases whose __init__, types and data_snapshot were read and tested for this (tests/perf/
# test_lazy_pricing.py, with the version the test extra pins): another release, whose __init__ might set up
# something its submodules rely on, is imported as usual. Told by its dist-info folder: one stat, where
# importlib.metadata would cost ~20 ms.
TESTED_RELEASES = ("0.2.5",)


def load() -> None:
    """Make `import genai_prices.<submodule>` load only that submodule (and what it imports), if it is safe."""
    if PACKAGE in sys.modules:
        return
    import importlib.util
    import threading

    alone = threading.current_thread() is threading.main_thread() and threading.active_count() == 1
    spec = importlib.util.find_spec(PACKAGE) if alone else None
    if spec is None or spec.loader is None or not spec.submodule_search_locations or not _tested(spec.origin):
        return  # (the first import then runs the package as usual)
    import pkgutil

    submodules = {info.name for info in pkgutil.iter_modules(spec.submodule_search_locations)}
    package = importlib.util.module_from_spec(spec)  # made, not run
    completing = threading.RLock()
    state = {"run": False}

    def complete(name: str):
        """The package's own __init__, run on the first use of a name it defines."""
        if name not in submodules:  # (a submodule's name: the import system imports it)
            with completing:
                if not state["run"]:
                    state["run"] = True  # (a use during the run itself finds what is defined so far)
                    spec.loader.exec_module(package)
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None

    package.__getattr__ = complete
    sys.modules[PACKAGE] = package


def _tested(origin: str | None) -> bool:
    """Whether the package installed at `origin` (its __init__.py) is one of TESTED_RELEASES."""
    import os

    if not origin:
        return False
    site = os.path.dirname(os.path.dirname(origin))
    return any(os.path.isdir(os.path.join(site, f"genai_prices-{release}.dist-info")) for release in TESTED_RELEASES)
