"""The one place that speaks SQL."""

from tracker.storage.store import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
