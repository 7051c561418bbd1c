"""The app's context: paths, the store, the pricer, the configured timezone."""

from __future__ import annotations

from datetime import tzinfo

TYPE_CHECKING = False  # (typing itself costs ~2 ms at start-up: an import of logs loads this module)

from tracker.core.timeutil import get_zone
from tracker.paths import Paths, demo_paths, get_paths
from tracker.storage import Store, StoreError, open_store

if TYPE_CHECKING:
    from tracker.pricing import Pricer

__all__ = ["AppContext", "StoreError", "open_context", "open_universe", "TIMEZONE_SETTING"]

TIMEZONE_SETTING = "timezone"
PRICE_CACHE_FILE = "prices-resolved.json"  # in the cache folder: see pricing.resolution_cache


class AppContext:
    """Paths, the store, and the pricer (built on first use: an import with nothing new never prices)."""

    def __init__(self, paths: Paths, store: Store, pricer: "Pricer | None" = None, demo: bool = False):
        self.paths = paths
        self.store = store
        self.demo = demo
        self._pricer = pricer

    @property
    def pricer(self) -> "Pricer":
        if self._pricer is None:
            from tracker.pricing import Pricer

            self._pricer = Pricer(self.paths.user_prices_path, cache_path=self.paths.cache_dir / PRICE_CACHE_FILE)
        return self._pricer

    def zone(self, override: str | None = None) -> tzinfo:
        """--tz beats the configured timezone, which beats the system's."""
        return get_zone(override or self.store.get_setting(TIMEZONE_SETTING))

    def close(self) -> None:
        if self._pricer is not None:
            self._pricer.save_cache()
        self.store.close()

    def __enter__(self) -> "AppContext":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"AppContext(paths={self.paths!r}, demo={self.demo})"


def open_context(paths: Paths | None = None, demo: bool = False) -> AppContext:
    paths = (paths or get_paths()).ensure()
    return AppContext(paths=paths, store=open_store(paths.db_path, paths.backup_dir), demo=demo)


def open_universe(demo: bool) -> AppContext:
    """The user's own data, or the demo's (generated on first use, extended to today), each in its folder."""
    ctx = open_context(demo_paths() if demo else get_paths(), demo=demo)
    if demo:
        from tracker.services.demo import ensure_demo

        try:
            ensure_demo(ctx.store, ctx.pricer)
        except BaseException:
            ctx.close()
            raise
    return ctx
