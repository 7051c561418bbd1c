"""Resolved prices kept between runs, so that pricing known (model, day) pairs needs no genai-prices.

Importing genai-prices and loading its data costs ~0.2 s: most of a `tracker
import` after a small append, whose requests are almost always on days and
models priced before. This file keeps, per (model, provider, UTC day, service
tier, batch, speed), which price applied (its id, long-context tier thresholds
and the price classes it leaves out),
and per (price id, tier) the exact per-token coefficients (Decimal text).

It is valid only for the inputs that produced it: the file records an identity
made of this module's format, the tracker version (and the pricing modules'
sizes and mtimes), the installed genai-prices package (its files' sizes and
mtimes) and a hash of each override file's bytes. Any change to those and
the file is ignored (and rewritten). Entries are facts about those inputs, so
concurrent writers can only lose entries, never make one wrong; the file is
replaced atomically.
"""

from __future__ import annotations

import json
import os
import sys
from decimal import Decimal
from pathlib import Path

from tracker.core.digests import sha1_hex
from tracker.core.lazy_logging import get_logger

log = get_logger(__name__)  # (logging is loaded when something is logged)

FORMAT = 2  # 2: keys gained the speed, found prices the classes they leave out
MAX_ENTRIES = 200_000  # a bound on the file (~20 MB); beyond it, new entries are not kept


def _genai_files() -> str:
    """Sizes and mtimes of the installed genai-prices modules, found without importing the package."""
    from importlib.util import find_spec

    try:
        spec = find_spec("genai_prices")
    except (ImportError, ValueError):
        spec = None
    folder = Path(spec.origin).parent if spec is not None and spec.origin else None
    parts = []
    if folder is not None:
        try:
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    st = entry.stat()
                    parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts = []
    if not parts:
        # not on disk (a frozen bundle): the version from the metadata, and the bundle itself
        from tracker.pricing.pricer import genai_prices_version

        try:
            st = os.stat(os.path.realpath(sys.executable))
            exe = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            exe = "?"
        return f"genai-prices {genai_prices_version()} exe {exe}"
    return f"{folder}|{'|'.join(parts)}"


def _own_code() -> str:
    """Sizes and mtimes of the modules that compute the entries (an edited checkout, same version)."""
    from tracker.pricing import linear, pricer

    parts = []
    for module in (pricer, linear):
        try:
            st = os.stat(module.__file__)
            parts.append(f"{st.st_size}:{st.st_mtime_ns}")
        except (OSError, TypeError):  # frozen: the version and the bundle identify the code
            parts.append("frozen")
    return ",".join(parts)


def identity(override_digests: list[str]) -> str:
    """What the cached entries depend on, as one string."""
    from tracker import __version__

    return "|".join([f"format {FORMAT}", f"tracker {__version__} {_own_code()}", _genai_files(),
                     *override_digests])


def digest_bytes(data: bytes | None) -> str:
    return "none" if data is None else sha1_hex(data)


class ResolutionCache:
    """The persisted part of a Pricer's caches: ids per request key, coefficients per price and tier."""

    def __init__(self, path: Path, key: str):
        self.path = path
        self.key = key
        self.ids: dict[tuple, tuple[str, tuple[int, ...], str | None] | None] = {}
        self.coefficients: dict[tuple[str, int], tuple[Decimal, ...]] = {}
        self.dirty = False
        self._load()

    def _load(self) -> None:
        try:
            # (the json module: orjson's import, ~2 ms with the uuid module it loads, is more than this small
            # file's parse costs; orjson writes it, when there is something new)
            doc = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:  # (ValueError: not JSON, or not UTF-8)
            log.info("price cache %s unreadable (%s); starting afresh", self.path, exc)
            return
        if not isinstance(doc, dict) or doc.get("key") != self.key:
            return  # made from other inputs: ignored, replaced on the next save
        try:
            for model, provider, day, tier, batch, speed, found in doc["ids"]:
                self.ids[(model, provider, day, tier, batch, speed)] = (
                    None if found is None else (found[0], tuple(found[1]), found[2])
                )
            for price_id, index, values in doc["coefficients"]:
                self.coefficients[(price_id, index)] = tuple(Decimal(v) for v in values)
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            log.info("price cache %s malformed (%s); starting afresh", self.path, exc)
            self.ids.clear()
            self.coefficients.clear()

    def add_id(self, key: tuple, found: tuple[str, tuple[int, ...], str | None] | None) -> None:
        if key not in self.ids and len(self.ids) < MAX_ENTRIES:
            self.ids[key] = found
            self.dirty = True

    def add_coefficients(self, key: tuple[str, int], values: tuple[Decimal, ...]) -> None:
        if key not in self.coefficients and len(self.coefficients) < MAX_ENTRIES:
            self.coefficients[key] = values
            self.dirty = True

    def save(self) -> None:
        """Write the file if anything was added (atomically: a temporary file, then a rename)."""
        if not self.dirty:
            return
        doc = {
            "key": self.key,
            "ids": [[*key, None if found is None else [found[0], list(found[1]), found[2]]]
                    for key, found in self.ids.items()],
            "coefficients": [[price_id, index, [str(v) for v in values]]
                             for (price_id, index), values in self.coefficients.items()],
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            import tempfile  # ~5 ms (random, shutil): only when the cache has something new to keep

            import orjson

            fd, tmp = tempfile.mkstemp(prefix=".prices-", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(orjson.dumps(doc))
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:  # a cache: failing to keep it costs time, never correctness
            log.warning("cannot write the price cache %s: %s", self.path, exc)
            return
        self.dirty = False
