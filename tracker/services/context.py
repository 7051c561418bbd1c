"""The app's context: paths, the store, the pricer, the configured timezone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo

from tracker.core.timeutil import get_zone
from tracker.paths import Paths, get_paths
from tracker.pricing import Pricer
from tracker.storage import Store, StoreError, open_store

__all__ = ["AppContext", "StoreError", "open_context", "TIMEZONE_SETTING"]

TIMEZONE_SETTING = "timezone"
PRICE_CACHE_FILE = "prices-resolved.json"  # in the cache folder: see pricing.resolution_cache


@dataclass
class AppContext:
    paths: Paths
    store: Store
    pricer: Pricer = field(repr=False)
    demo: bool = False

    def zone(self, override: str | None = None) -> tzinfo:
        """--tz beats the configured timezone, which beats the system's."""
        return get_zone(override or self.store.get_setting(TIMEZONE_SETTING))

    def close(self) -> None:
        self.pricer.save_cache()
        self.store.close()

    def __enter__(self) -> "AppContext":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_context(paths: Paths | None = None, demo: bool = False) -> AppContext:
    paths = (paths or get_paths()).ensure()
    store = open_store(paths.db_path, paths.backup_dir)
    pricer = Pricer(paths.user_prices_path, cache_path=paths.cache_dir / PRICE_CACHE_FILE)
    return AppContext(paths=paths, store=store, pricer=pricer, demo=demo)
