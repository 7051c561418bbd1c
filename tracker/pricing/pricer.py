"""Resolve a model to a date-effective price and cost a request with it.

Order of resolution for (model, provider, time):
  1. the user's override file (config/prices.json): the user always wins;
  2. genai-prices' bundled data (offline), date-effective;
  3. the shipped override file (resources/price_overrides.json), for models the
     library lacks;
  4. otherwise unpriced: cost None, never zero.

Price classes beyond a model's token prices:
  * a speed (Anthropic fast mode, `speed: "fast"`): the library's own variant
    where it has one, else an override file's `variants` entry (a multiplier of
    the standard price, as the provider states it);
  * units (core.units: web searches, audio and image tokens, ...): the
    library's rates, plus an override file's `classes` entries for rates it
    lacks (never replacing one it has).
A class still without a rate is not guessed and not priced as text: the cost
covers the rest and the request is "partly priced" (Priced.partly names the
classes left out), shown as such in every report.
"""

from __future__ import annotations

import fnmatch
import json
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)

from tracker.core.digests import sha1_hex
from tracker.core.plain_record import PlainRecord
from tracker.core.timeutil import UTC, from_ms
from tracker.core.tokens import Tokens
from tracker.pricing import genai_lean, linear
from tracker.pricing.resolution_cache import ResolutionCache, digest_bytes, identity

if TYPE_CHECKING:  # genai-prices (pydantic) costs ~0.15 s to import: only when a price is resolved
    from typing import Any

    from genai_prices.types import ModelInfo, ModelPrice


# The dearest list prices are a few hundred dollars per million tokens. Above this, a request of
# logfiles.MAX_REQUEST_TOKENS in every class could cost more picodollars than SQLite's 64-bit
# integers hold, and the write would fail every later import (a typo such as 1e12 did).
MAX_OVERRIDE_MTOK_USD = Decimal(1000)
OVERRIDE_PRICE_KEYS = ("input_mtok", "output_mtok", "cache_read_mtok", "cache_write_mtok", "cache_write_1h_mtok")
# Rates of the price classes beyond tokens (linear.UNIT_PRICE_KEYS), allowed in `models` and `classes`.
CLASS_PRICE_KEYS = ("input_audio_mtok", "cache_audio_read_mtok", "output_audio_mtok", "input_image_mtok",
                    "cache_image_read_mtok", "output_image_mtok", "web_searches_kcount", "storage_searches_kcount",
                    "input_mchars", "input_audio_hours")
MAX_MULTIPLIER = Decimal(100)
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


class Priced(PlainRecord):
    """A cost (None: unpriced), the price it came from, and the price classes it leaves out
    ("speed:fast,web_searches"), or None."""

    _fields = __slots__ = ("cost_pico", "price_id", "partly")

    def __init__(self, cost_pico: int | None, price_id: str | None, partly: str | None = None):
        self.cost_pico, self.price_id, self.partly = cost_pico, price_id, partly

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
            genai_lean.load()
            from genai_prices.types import ModelPrice

            self._price = ModelPrice(**self.prices)
        return self._price


class _VariantEntry:
    """A request variant priced as a multiple of the standard price (`variants` in an override file)."""

    __slots__ = ("since", "when", "multiplier")

    def __init__(self, since: date | None, when: dict[str, str], multiplier: Decimal):
        self.since, self.when, self.multiplier = since, when, multiplier


class OverrideFile:
    """A JSON file of prices: {"models": {...}, "variants": {...}, "classes": {...}}.

    models: {name: [entries]}, prices per million tokens for models genai-prices
    lacks. Each entry: {"since": "YYYY-MM-DD" (optional), "input_mtok": "3",
    "output_mtok": "15", "cache_read_mtok": ..., "cache_write_mtok": ...,
    "cache_write_1h_mtok": ..., and any of CLASS_PRICE_KEYS}.
    variants: {name: [{"when": {"speed": "fast"}, "multiplier": "6", "since": ...}]}:
    the variant's every token rate (and long-context tier) is the standard
    price's times the multiplier.
    classes: {name: [{"since": ..., "input_audio_mtok": "40", ...}]}: rates of
    price classes the model's price lacks (CLASS_PRICE_KEYS); a rate the
    library has is never replaced.
    Model names match case-insensitively (the name logged; for variants also
    genai-prices' id for it) and may use shell wildcards ("my-model-*"). Entries may carry
    "source" and "checked" (where a rate comes from, when it was read). Bad
    entries are skipped and listed in `errors`, never fatal.
    """

    def __init__(self, path: Path | None, origin: str):
        self.origin = origin
        self.path = path
        self.errors: list[str] = []
        self.models: dict[str, list[_OverrideEntry]] = {}
        self.variants: dict[str, list[_VariantEntry]] = {}
        self.classes: dict[str, list[_OverrideEntry]] = {}
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
        self._section(path, models, self.models, self._entry)
        for name, table, reader in (("variants", self.variants, self._variant),
                                    ("classes", self.classes, self._classes_entry)):
            section = doc.get(name)
            if section is None:
                continue
            if not isinstance(section, dict):
                self.errors.append(f"{path}: '{name}' must be an object of model names; ignoring it")
                continue
            self._section(path, section, table, reader)

    def _section(self, path: Path, section: dict, table: dict, reader) -> None:
        for name, entries in section.items():
            if isinstance(entries, dict):
                entries = [entries]
            if not isinstance(name, str) or not isinstance(entries, list):
                self.errors.append(f"{path}: model {name!r}: expected a list of price entries")
                continue
            parsed = [e for e in (reader(path, name, raw) for raw in entries) if e is not None]
            if parsed:
                parsed.sort(key=lambda e: e.since or date.min)
                table[name.lower()] = parsed

    def _since(self, where: str, raw: Any) -> tuple[bool, date | None]:
        """(readable, its 'since' day) of an entry: an object with an optional YYYY-MM-DD 'since'."""
        if not isinstance(raw, dict):
            self.errors.append(f"{where}: entry is not an object")
            return False, None
        if raw.get("since") is None:
            return True, None
        try:
            return True, date.fromisoformat(str(raw["since"]))
        except ValueError:
            self.errors.append(f"{where}: 'since' must be YYYY-MM-DD, got {raw['since']!r}")
            return False, None

    def _prices(self, where: str, raw: dict, keys: tuple[str, ...]) -> dict[str, Decimal] | None:
        prices: dict[str, Decimal] = {}
        for key in keys:
            if raw.get(key) is None:
                continue
            value = _decimal(raw[key])
            if value is None or not 0 <= value <= MAX_OVERRIDE_MTOK_USD:
                self.errors.append(f"{where}: {key} must be a number of {_rate_unit(key)} from 0 to "
                                   f"{MAX_OVERRIDE_MTOK_USD:,}, got {raw[key]!r}")
                return None
            prices[key] = value
        return prices

    def _entry(self, path: Path, name: str, raw: Any) -> _OverrideEntry | None:
        where = f"{path}: model {name!r}"
        ok, since = self._since(where, raw)
        prices = self._prices(where, raw, OVERRIDE_PRICE_KEYS + CLASS_PRICE_KEYS) if ok else None
        if prices is None:
            return None
        if "input_mtok" not in prices or "output_mtok" not in prices:
            self.errors.append(f"{where}: input_mtok and output_mtok are required")
            return None
        return _OverrideEntry(since, prices)

    def _classes_entry(self, path: Path, name: str, raw: Any) -> _OverrideEntry | None:
        where = f"{path}: classes of {name!r}"
        ok, since = self._since(where, raw)
        prices = self._prices(where, raw, CLASS_PRICE_KEYS) if ok else None
        if not prices:
            if prices is not None:
                self.errors.append(f"{where}: no rate given (one of {', '.join(CLASS_PRICE_KEYS)})")
            return None
        return _OverrideEntry(since, prices)

    def _variant(self, path: Path, name: str, raw: Any) -> _VariantEntry | None:
        where = f"{path}: variant of {name!r}"
        ok, since = self._since(where, raw)
        if not ok:
            return None
        when = raw.get("when")
        if not (isinstance(when, dict) and set(when) == {"speed"} and isinstance(when["speed"], str)):
            self.errors.append(f'{where}: "when" must be {{"speed": "fast"}} (the one request variant priced so)')
            return None
        multiplier = _decimal(raw.get("multiplier"))
        if multiplier is None or not 0 < multiplier <= MAX_MULTIPLIER:
            self.errors.append(f"{where}: multiplier must be a number above 0 and at most {MAX_MULTIPLIER}, "
                               f"got {raw.get('multiplier')!r}")
            return None
        return _VariantEntry(since, dict(when), multiplier)

    def lookup(self, model: str, when: datetime) -> tuple[str, "ModelPrice"] | None:
        found = self._find(self.models, (model,), when)
        return None if found is None else (found[0], found[1].price)

    def variant(self, names: tuple[str, ...], when: datetime, speed: str) -> tuple[str, Decimal] | None:
        """(name, multiplier) of the entry for this speed in force at `when`, if any."""
        found = self._find(self.variants, names, when, lambda e: e.when.get("speed") == speed)
        return None if found is None else (found[0], found[1].multiplier)

    def class_rates(self, names: tuple[str, ...], when: datetime) -> tuple[str, dict[str, Decimal]] | None:
        found = self._find(self.classes, names, when)
        return None if found is None else (found[0], found[1].prices)

    @staticmethod
    def _find(table: dict, names: tuple[str, ...], when: datetime, wanted=None):
        """(name@since, entry) of the newest entry in force for the first name that has one."""
        day = when.astimezone(UTC).date()
        for model in names:
            key = model.lower()
            entries = table.get(key)
            if entries is None:
                for pattern, candidate in table.items():
                    if any(ch in pattern for ch in "*?[") and fnmatch.fnmatchcase(key, pattern):
                        entries, key = candidate, pattern
                        break
            active = [e for e in entries or () if (e.since is None or e.since <= day) and (wanted is None or wanted(e))]
            if active:
                entry = active[-1]
                return f"{key}@{entry.since or 'always'}", entry
        return None


def _rate_unit(key: str) -> str:
    if key.endswith("_kcount"):
        return "dollars per thousand calls"
    if key.endswith("_mchars"):
        return "dollars per million characters"
    if key.endswith("_hours"):
        return "dollars per hour"
    return "dollars per million tokens"


def _decimal(value: Any) -> Decimal | None:
    """A rate as written (number or text), or None when it is not a finite number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _scaled(price: "ModelPrice", factor: Decimal) -> "ModelPrice":
    """Every token rate (and long-context tier) of `price` times `factor`; other rates as they are."""
    genai_lean.load()
    from genai_prices.types import ModelPrice, Tier, TieredPrices

    values = {}
    for key, value in price.__dict__.items():
        if value is None or key.startswith("_"):
            continue
        if key.endswith("_mtok"):
            if isinstance(value, TieredPrices):
                value = TieredPrices(base=value.base * factor,
                                     tiers=[Tier(start=t.start, price=t.price * factor) for t in value.tiers])
            else:
                value = value * factor
        values[key] = value
    return ModelPrice(**values)


def _with_rates(price: "ModelPrice", rates: dict[str, Decimal]) -> "ModelPrice | None":
    """`price` plus the rates it lacks (None when it lacks none of them: nothing to add)."""
    genai_lean.load()
    from genai_prices.types import ModelPrice

    missing = {k: v for k, v in rates.items() if getattr(price, k, None) is None}
    if not missing:
        return None
    values = {k: v for k, v in price.__dict__.items() if v is not None and not k.startswith("_")}
    return ModelPrice(**values, **missing)


def _has_variant(info: "ModelInfo", when: datetime, context: dict[str, str]) -> bool:
    """Whether genai-prices itself prices this request context (e.g. {"speed": "fast"}) for the model."""
    return any(variant.when == context and (variant.constraint is None or variant.constraint.active(when))
               for variant in info.price_variants or ())


def _digest(price: "ModelPrice") -> str:
    items = sorted((k, repr(v)) for k, v in price.__dict__.items() if v is not None and not k.startswith("_"))
    return sha1_hex(repr(items).encode())[:10]


def _has_time_of_day(model: "ModelInfo") -> bool:
    genai_lean.load()
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
        self._unit_coefficients: dict[tuple[str, int, str], Decimal | None] = {}
        # price_counts' memo: (model, provider, UTC day, service tier, speed) -> what Pricer.price uses for it
        self._day_prices: dict[tuple, tuple] = {}
        self._tier_ints: dict[str, dict[int, tuple[int, ...]]] = {}  # price id -> tier -> integer coefficients
        self._minute_priced: set[tuple[str, str | None]] = set()  # (model, provider) priced by the minute
        self.cache = None
        if cache_path is not None:
            self.cache = ResolutionCache(cache_path, identity([self.user.digest, self.shipped.digest]))

    def save_cache(self) -> None:
        if self.cache is not None:
            self.cache.save()

    @property
    def override_errors(self) -> list[str]:
        return self.user.errors + self.shipped.errors

    # -- resolution -------------------------------------------------------
    @property
    def snapshot(self):
        if self._snapshot is None:
            genai_lean.load()
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
        self, model: str, provider: str | None, at_ms: int, service_tier: str | None = None, batch: bool = False,
        speed: str | None = None,
    ):
        """(price_id, ModelPrice, tier starts, classes left out) in force for this request, or None.

        The last item names what the price cannot cover ("speed:fast" when no
        one prices the model's fast mode), else None.
        """
        if not model:
            return None
        genai = self._genai_model(model, provider)
        # Date-effective prices change at UTC midnight; time-of-day prices
        # (off-peak discounts) need the minute.
        granularity_ms = 60_000 if genai and genai[2] else 86_400_000
        if granularity_ms != DAY_MS:
            self._minute_priced.add((model, provider))
        tier = None if service_tier in _STANDARD_TIERS else service_tier
        speed = _speed_key(speed)
        cache_key = (model, provider, at_ms // granularity_ms, tier, batch, speed)
        if cache_key in self._resolved:
            return self._resolved[cache_key]
        when = from_ms(at_ms)
        result = None
        names = (model,)  # what override entries are matched on: the name logged, then the library's id
        user = self.user.lookup(model, when)
        if user is not None:
            name, price = user
            result = [f"user:{name}", price]
        elif genai is not None:
            prov, info, _ = genai
            names = (model, info.id)
            context = {"service_tier": tier} if tier else {}
            if batch:
                context["processing"] = "batch"
            if speed and _has_variant(info, when, {"speed": speed}):
                context["speed"] = speed  # the library prices it itself
                speed = None
            price = info.get_prices(when, context or None)
            result = [f"genai-prices-{genai_prices_version()}:{prov.id}/{info.id}", price]
        else:
            shipped = self.shipped.lookup(model, when)
            if shipped is not None:
                name, price = shipped
                result = [f"tracker:{name}", price]
        lacking = None
        if result is not None:
            for overrides in (self.user, self.shipped):  # rates the price lacks: the user's first
                # by the name logged only: a snapshot's rates are not another snapshot's
                rates = overrides.class_rates((model,), when)
                added = _with_rates(result[1], rates[1]) if rates else None
                if added is not None:
                    result = [f"{result[0]}+{overrides.origin}:classes:{rates[0]}", added]
            for overrides in (self.user, self.shipped) if speed else ():
                variant = overrides.variant(names, when, speed)
                if variant is not None:
                    result = [f"{result[0]}+{overrides.origin}:{speed}:{variant[0]}", _scaled(result[1], variant[1])]
                    break
            else:
                if speed:
                    lacking = f"speed:{speed}"  # priced at the standard rate: a lower bound, and said so
        resolved = None
        if result is not None:
            price = result[1]
            resolved = (f"{result[0]}#{_digest(price)}", price, linear.tier_starts(price), lacking)
        self._resolved[cache_key] = resolved
        if self.cache is not None and granularity_ms == DAY_MS:
            self.cache.add_id(cache_key, (resolved[0], tuple(resolved[2]), resolved[3]) if resolved else None)
        return resolved

    def _price_id(self, model: str, provider: str | None, at_ms: int, service_tier: str | None, batch: bool,
                  speed: str | None):
        """(price_id, tier starts, classes left out) for a request, or None: from the disk cache when it knows the day."""
        if self.cache is not None and model:
            tier = None if service_tier in _STANDARD_TIERS else service_tier
            # only day-granular resolutions are stored, so a hit means the day is the right key
            found = self.cache.ids.get((model, provider, at_ms // DAY_MS, tier, batch, _speed_key(speed)), _MISSING)
            if found is not _MISSING:
                return found
        resolved = self.resolve(model, provider, at_ms, service_tier, batch, speed)
        return None if resolved is None else (resolved[0], resolved[2], resolved[3])

    def _solve(self, model: str, provider: str | None, at_ms: int, service_tier: str | None, batch: bool,
               speed: str | None, index: int) -> linear.Coefficients:
        key = (self._price_id(model, provider, at_ms, service_tier, batch, speed)[0], index)
        if self.cache is not None and key in self.cache.coefficients:
            return linear.Coefficients(*self.cache.coefficients[key])
        price_id, price, starts, _ = self.resolve(model, provider, at_ms, service_tier, batch, speed)
        coefficients = linear.solve(price, starts, index)
        if self.cache is not None:
            self.cache.add_coefficients(key, coefficients.values())
        return coefficients

    def _unit_rates(self, price_id: str, index: int, units: dict[str, int], request: tuple) -> dict[str, Decimal | None]:
        """Picodollars per unit of each of `units` in this price and tier (None: the price has no rate for it)."""
        rates = {}
        for unit in units:
            key = (price_id, index, unit)
            if key not in self._unit_coefficients:
                _, price, starts, _ = self.resolve(*request)
                self._unit_coefficients[key] = linear.unit_rate(price, starts, index, unit)
            rates[unit] = self._unit_coefficients[key]
        return rates

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
        speed: str | None = None,
        units: dict[str, int] | None = None,
    ) -> Priced:
        """Cost of `tokens` (one request, or an aggregate of `requests`) and of its `units` (core.units).

        Long-context tiers apply per request: pass `tier_prompt_tokens` (the
        prompt size of one request) when `tokens` sums several requests. A
        class with no rate (a unit, a speed) leaves the cost a lower bound and
        is named in `Priced.partly`; a row made only of such units is unpriced.
        """
        found = self._price_id(model, provider, at_ms, service_tier, batch, speed)
        if found is None:
            return Priced(None, None)
        price_id, starts, lacking = found
        prompt = tokens.prompt_tokens if tier_prompt_tokens is None else tier_prompt_tokens
        index = linear.tier_index(starts, prompt) if starts else 0
        coeff_key = (price_id, index)
        coefficients = self._coefficients.get(coeff_key)
        if coefficients is None:
            coefficients = self._solve(model, provider, at_ms, service_tier, batch, speed, index)
            self._coefficients[coeff_key] = coefficients
            if coefficients._ints is not None:  # (a whole number of picodollars each: price_counts uses them)
                self._tier_ints.setdefault(price_id, {})[index] = coefficients._ints
        if not units:
            return Priced(coefficients.cost_pico(tokens, requests), price_id, lacking)
        rates = self._unit_rates(price_id, index, units, (model, provider, at_ms, service_tier, batch, speed))
        missing = sorted(unit for unit, rate in rates.items() if rate is None)
        total = coefficients.cost_exact(tokens, requests)
        total += sum((rate * units[unit] for unit, rate in rates.items() if rate is not None), Decimal(0))
        if len(missing) == len(units) and total == 0:
            return Priced(None, None)  # nothing in the row has a rate: unpriced, never $0
        partly = ",".join(([lacking] if lacking else []) + missing) or None
        return Priced(linear.round_pico(total), price_id, partly)

    def price_counts(self, counts: tuple[int, ...], model: str, provider: str | None, at_ms: int,
                     service_tier: str | None = None, speed: str | None = None,
                     units: dict[str, int] | None = None) -> tuple[int | None, str | None, str | None]:
        """Pricer.price of one request given as its six token counts (in core.tokens.TOKEN_FIELDS order):
        (cost_pico, price_id, partly), the same figures.

        For the hundreds of thousands of requests of a first log import: the price in force for a
        (model, provider, UTC day, tier, speed) and its integer coefficients are looked up once, so a
        request costs a dictionary lookup and a few multiplications, with no Tokens or Priced built.
        Anything else (units, prices by the minute, coefficients that are not whole picodollars)
        takes Pricer.price.
        """
        if not units:
            found = self._day_prices.get((model, provider, at_ms // DAY_MS, service_tier, speed))
            if found is not None:
                price_id, starts, lacking, by_tier = found
                index = linear.tier_index(starts, counts[0] + counts[1] + counts[2] + counts[3]) if starts else 0
                ints = by_tier.get(index)
                if ints is not None:
                    return (ints[0] * counts[0] + ints[1] * counts[1] + ints[2] * counts[2] + ints[3] * counts[3]
                            + ints[4] * counts[4] + ints[5] * counts[5] + ints[6]), price_id, lacking
        priced = self.price(Tokens(*counts), model, provider, at_ms, service_tier, speed=speed, units=units)
        if not units and priced.price_id is not None and (model, provider) not in self._minute_priced:
            self._remember_day_price(model, provider, at_ms, service_tier, speed)
        return priced.cost_pico, priced.price_id, priced.partly

    @property
    def day_prices(self) -> dict[tuple, tuple]:
        """price_counts' memo, for a loop that prices requests by the hundred thousand itself (the log import's
        _price_requests): (model, provider, at_ms // DAY_MS, service_tier, speed) -> (price_id, tier starts,
        partly, {tier index: integer coefficients}). A request priced by it costs sum(coefficient * count, in
        TOKEN_FIELDS order) + the last coefficient, as in price_counts; one with units, or whose key or tier
        is missing, takes price_counts (which fills the memo)."""
        return self._day_prices

    def _remember_day_price(self, model: str, provider: str | None, at_ms: int, service_tier: str | None,
                            speed: str | None) -> None:
        """Keep, for price_counts, the price Pricer.price just used for this request's day (with the integer
        coefficients of the tiers solved so far; a tier not solved yet takes Pricer.price once more)."""
        price_id, starts, lacking = self._price_id(model, provider, at_ms, service_tier, False, speed)
        by_tier = self._tier_ints.setdefault(price_id, {})  # shared by the days of a price, filled as tiers are solved
        self._day_prices[(model, provider, at_ms // DAY_MS, service_tier, speed)] = (price_id, starts, lacking, by_tier)


def _speed_key(speed: str | None) -> str | None:
    """The speed a price depends on: fast mode; "standard" (or nothing) is the standard price."""
    return speed if isinstance(speed, str) and speed and speed != "standard" else None
