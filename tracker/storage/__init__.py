"""The one place that speaks SQL.

`Store`, `StoreError` and `open_store` come from tracker.storage.store, imported
on first use: the command line's quick answers (tracker.quick) read the database
through tracker.storage.quick alone, without the ~25 ms the store's modules cost.
"""

__all__ = ["Store", "StoreError", "open_store"]


def __getattr__(name: str):
    if name in __all__:
        from tracker.storage import store

        return getattr(store, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
