"""Resolve a model to a date-effective price and cost a request with it.

Order of resolution for (model, provider, time):
  1. the user's override file (config/prices.json): the user always wins;
  2. genai-prices' bundled data (offline), date-effective;
  3. the shipped override file (resources/price_overrides.json), for models the
     library lacks;
  4. otherwise unpriced: cost None, never zero.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from typing import TYPE_CHECKING

from tracker.core.timeutil import UTC, from_ms
from tracker.core.tokens import Tokens
from tracker.pricing import linear
from tracker.pricing.resolution_cache import ResolutionCache, digest_bytes, identity

if TYPE_CHECKING:  # genai-prices (pydantic) costs ~0.15 s to import: only when a price is resolved
    from genai_prices.types import ModelInfo, ModelPrice

log = logging.getLogger(__name__)

# The dearest list prices are a few hundred dollars per million tokens. Above this, a request of
# logfiles.MAX_REQUEST_TOKENS in every class could cost more picodollars than SQLite's 64-bit
# integers hold, and the write would fail every later import (a typo such as 1e12 did).
MAX_OVERRIDE_MTOK_USD = Decimal(1000)
OVERRIDE_PRICE_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok")
# Service tiers that genai-prices prices as variants (flex, priority); the
# others are the standard price.
_STANDARD_TIERS = {None, "", "standard", "default", "auto", "on_demand"}
DAY_MS = 86_400_000
_MISSING = object()

_genai_version: str | None = None


def genai_prices_version() -> str:
    """The installed genai-prices version, from its metadata (the package itself is not imported)."""
    global _genai_version
    if _genai_version is None:
        try:
            from importlib.metadata import version as _pkg_version

            _genai_version = _pkg_version("genai-prices")
        except Exception:  # pragma: no cover - metadata missing in odd bundles
            _genai_version = "unknown"
    return _genai_version


def __getattr__(name: str) -> str:
    # GENAI_PRICES_VERSION on first use: importlib.metadata itself costs ~20 ms at start-up.
    if name == "GENAI_PRICES_VERSION":
        return genai_prices_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True, slots=True)
class Priced:
    cost_pico: int | None
    price_id: str | None

    @property
    def unpriced(self) -> bool:
        return self.cost_pico is None


class _OverrideEntry:
    """One dated price of an override file; its genai-prices ModelPrice is built on first use."""

    __slots__ = ("since", "prices", "_price")

    def __init__(self, since: date | None, prices: dict[str, Decimal]):
        self.since = since
        self.prices = prices
        self._price = None

    @property
    def price(self) -> "ModelPrice":
        if self._price is None:
            from genai_prices.types import ModelPrice

            self._price = ModelPrice(**self.prices)
        return self._price


class OverrideFile:
    """A JSON file of per-million-token prices: {"models": {name: [entries]}}.

    Each entry: {"since": "YYYY-MM-DD" (optional), "input_mtok": "3", "output_mtok": "15",
    "cache_read_mtok": ..., "cache_write_mtok": ..., "cache_write_1h_mtok": ...}.
    Model names match case-insensitively and may use shell wildcards ("my-model-*").
    Bad entries are skipped and listed in `errors`, never fatal.
    """

    def __init__(self, path: Path | None, origin: str):
        self.origin = origin
        self.path = path
        self.errors: list[str] = []
        self.models: dict[str, list[_OverrideEntry]] = {}
        self.digest = digest_bytes(None)  # of the bytes read: what resolutions depend on
        if path is not None and path.exists():
            self._load(path)

    def _load(self, path: Path) -> None:
        try:
            raw = path.read_bytes()
            self.digest = digest_bytes(raw)
            doc = json.loads(raw.decode("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.errors.append(f"{path}: cannot read price overrides ({exc}); ignoring the file")
            return
        models = doc.get("models") if isinstance(doc, dict) else None
        if not isinstance(models, dict):
            self.errors.append(f'{path}: expected an object {{"models": {{...}}}}; ignoring the file')
            return
        for name, entries in models.items():
            if isinstance(entries, dict):
                entries = [entries]
            if not isinstance(name, str) or not isinstance(entries, list):
                self.errors.append(f"{path}: model {name!r}: expected a list of price entries")
                continue
            parsed = [e for e in (self._entry(path, name, raw) for raw in entries) if e is not None]
            if parsed:
                parsed.sort(key=lambda e: e.since or date.min)
                self.models[name.lower()] = parsed

    def _entry(self, path: Path, name: str, raw: Any) -> _OverrideEntry | None:
        where = f"{path}: model {name!r}"
        if not isinstance(raw, dict):
            self.errors.append(f"{where}: entry is not an object")
            return None
        since = None
        if raw.get("since") is not None:
            try:
                since = date.fromisoformat(str(raw["since"]))
            except ValueError:
                self.errors.append(f"{where}: 'since' must be YYYY-MM-DD, got {raw['since']!r}")
                return None
        prices: dict[str, Decimal] = {}
        for key in OVERRIDE_PRICE_KEYS:
            if raw.get(key) is None:
                continue
            try:
                value = Decimal(str(raw[key]))
            except InvalidOperation:
                value = Decimal(-1)
            if not value.is_finite() or not 0 <= value <= MAX_OVERRIDE_MTOK_USD or isinstance(raw[key], bool):
                self.errors.append(f"{where}: {key} must be a number of dollars per million tokens from 0 to "
                                   f"{MAX_OVERRIDE_MTOK_USD:,}, got {raw[key]!r}")
                return None
            prices[key] = value
        if "input_mtok" not in prices or "output_mtok" not in prices:
            self.errors.append(f"{where}: input_mtok and output_mtok are required")
            return None
        return _OverrideEntry(since, prices)

    def lookup(self, model: str, when: datetime) -> tuple[str, "ModelPrice"] | None:
        key = model.lower()
        entries = self.models.get(key)
        if entries is None:
            for pattern, candidate in self.models.items():
                if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(key, pattern):
                    entries, key = candidate, pattern
                    break
        if not entries:
            return None
        day = when.astimezone(UTC).date()
        active = [e for e in entries if e.since is None or e.since <= day]
        if not active:
            return None
        entry = active[-1]
        return f"{key}@{entry.since or 'always'}", entry.price


def _digest(price: "ModelPrice") -> str:
    items = sorted((k, repr(v)) for k, v in price.__dict__.items() if v is not None and not k.startswith("_"))
    return hashlib.sha1(repr(items).encode()).hexdigest()[:10]


def _has_time_of_day(model: "ModelInfo") -> bool:
    from genai_prices.types import TimeOfDateConstraint

    conditions = list(model.prices) if isinstance(model.prices, list) else []
    conditions += list(model.price_variants or [])
    return any(isinstance(getattr(c, "constraint", None), TimeOfDateConstraint) for c in conditions)


class Pricer:
    """Costs requests; caches resolution per model and day, coefficients per price and tier.

    With `cache_path`, day-granular resolutions and coefficients are also kept
    on disk (pricing.resolution_cache) for later runs; `save_cache()` writes
    what was learned.
    """

    def __init__(self, user_overrides: Path | None = None, shipped_overrides: Path | None = None,
                 cache_path: Path | None = None):
        from tracker.paths import resource_path

        self.user = OverrideFile(user_overrides, "user")
        self.shipped = OverrideFile(
            shipped_overrides if shipped_overrides is not None else resource_path("price_overrides.json"),
            "tracker",
        )
        self._snapshot = None  # genai-prices' data, loaded by the first resolution that needs it
        self._models: dict[tuple[str, str | None], tuple[Any, "ModelInfo", bool] | None] = {}
        self._resolved: dict[tuple, tuple[str, "ModelPrice", list[int]] | None] = {}
        self._coefficients: dict[tuple[str, int], linear.Coefficients] = {}
        self.cache = None
        if cache_path is not None:
            self.cache = ResolutionCache(cache_path, identity([self.user.digest, self.shipped.digest]))

    def __getstate__(self) -> dict:
        """What a spawned parse worker receives: overrides, coefficients and the resolution cache.

        genai-prices' data and the objects resolved from it are left out (large,
        and rebuilt on first use); the resolution cache keeps their results.
        """
        state = self.__dict__.copy()
        state.update(_snapshot=None, _models={}, _resolved={})
        return state

    def save_cache(self) -> None:
        if self.cache is not None:
            self.cache.save()

    def take_learned(self) -> list[tuple]:
        """Cache entries added since the last call (a forked worker returns them to its parent)."""
        return self.cache.take_new() if self.cache is not None else []

    def learn(self, entries: list[tuple]) -> None:
        if self.cache is not None and entries:
            self.cache.merge(entries)

    @property
    def override_errors(self) -> list[str]:
        return self.user.errors + self.shipped.errors

    # -- resolution -------------------------------------------------------
    @property
    def snapshot(self):
        if self._snapshot is None:
            from genai_prices import data_snapshot

            self._snapshot = data_snapshot.get_snapshot()
        return self._snapshot

    def _genai_model(self, model: str, provider: str | None):
        key = (model, provider)
        if key not in self._models:
            found = None
            for provider_id in ([provider, None] if provider else [None]):
                try:
                    prov, info = self.snapshot.find_provider_model(model, None, provider_id, None)
                except LookupError:
                    continue
                found = (prov, info, _has_time_of_day(info))
                break
            self._models[key] = found
        return self._models[key]

    def resolve(
        self, model: str, provider: str | None, at_ms: int, service_tier: str | None = None, batch: bool = False
    ):
        """(price_id, ModelPrice, tier starts) in force for this request, or None."""
        if not model:
            return None
        genai = self._genai_model(model, provider)
        # Date-effective prices change at UTC midnight; time-of-day prices
        # (off-peak discounts) need the minute.
        granularity_ms = 60_000 if genai and genai[2] else 86_400_000
        tier = None if service_tier in _STANDARD_TIERS else service_tier
        cache_key = (model, provider, at_ms // granularity_ms, tier, batch)
        if cache_key in self._resolved:
            return self._resolved[cache_key]
        when = from_ms(at_ms)
        result = None
        user = self.user.lookup(model, when)
        if user is not None:
            name, price = user
            result = (f"user:{name}#{_digest(price)}", price)
        elif genai is not None:
            prov, info, _ = genai
            context = {"service_tier": tier} if tier else {}
            if batch:
                context["processing"] = "batch"
            price = info.get_prices(when, context or None)
            result = (f"genai-prices-{genai_prices_version()}:{prov.id}/{info.id}#{_digest(price)}", price)
        else:
            shipped = self.shipped.lookup(model, when)
            if shipped is not None:
                name, price = shipped
                result = (f"tracker:{name}#{_digest(price)}", price)
        resolved = (result[0], result[1], linear.tier_starts(result[1])) if result else None
        self._resolved[cache_key] = resolved
        if self.cache is not None and granularity_ms == DAY_MS:
            self.cache.add_id(cache_key, (resolved[0], tuple(resolved[2])) if resolved else None)
        return resolved

    def _price_id(self, model: str, provider: str | None, at_ms: int, service_tier: str | None, batch: bool):
        """(price_id, tier starts) for a request, or None: from the disk cache when it knows the day."""
        if self.cache is not None and model:
            tier = None if service_tier in _STANDARD_TIERS else service_tier
            # only day-granular resolutions are stored, so a hit means the day is the right key
            found = self.cache.ids.get((model, provider, at_ms // DAY_MS, tier, batch), _MISSING)
            if found is not _MISSING:
                return found
        resolved = self.resolve(model, provider, at_ms, service_tier, batch)
        return None if resolved is None else (resolved[0], resolved[2])

    def _solve(self, model: str, provider: str | None, at_ms: int, service_tier: str | None, batch: bool,
               index: int) -> linear.Coefficients:
        key = (self._price_id(model, provider, at_ms, service_tier, batch)[0], index)
        if self.cache is not None and key in self.cache.coefficients:
            return linear.Coefficients(*self.cache.coefficients[key])
        price_id, price, starts = self.resolve(model, provider, at_ms, service_tier, batch)
        coefficients = linear.solve(price, starts, index)
        if self.cache is not None:
            self.cache.add_coefficients(key, coefficients.values())
        return coefficients

    # -- the one function -------------------------------------------------
    def price(
        self,
        tokens: Tokens,
        model: str,
        provider: str | None,
        at_ms: int,
        service_tier: str | None = None,
        requests: int = 1,
        batch: bool = False,
        tier_prompt_tokens: int | None = None,
    ) -> Priced:
        """Cost of `tokens` (one request, or an aggregate of `requests`).

        Long-context tiers apply per request: pass `tier_prompt_tokens` (the
        prompt size of one request) when `tokens` sums several requests.
        """
        found = self._price_id(model, provider, at_ms, service_tier, batch)
        if found is None:
            return Priced(None, None)
        price_id, starts = found
        prompt = tokens.prompt_tokens if tier_prompt_tokens is None else tier_prompt_tokens
        index = linear.tier_index(starts, prompt) if starts else 0
        coeff_key = (price_id, index)
        coefficients = self._coefficients.get(coeff_key)
        if coefficients is None:
            coefficients = self._solve(model, provider, at_ms, service_tier, batch, index)
            self._coefficients[coeff_key] = coefficients
        return Priced(coefficients.cost_pico(tokens, requests), price_id)

