"""Shared helpers: configure an account, read back what the poll stored, compare with a dataset."""

from __future__ import annotations

from tracker import credentials
from tracker.storage import providers as pstore

DAY_S = 86_400


def configure(store, kind: str, label: str, base_url: str, key: str) -> None:
    pstore.add_account(store, pstore.Account(label, kind, base_url))
    credentials.store_key(kind, label, key)


def _clean(d: dict) -> dict:
    return {k: v for k, v in d.items() if v}


def stored_buckets(store, source: str, label: str) -> dict[tuple, dict]:
    out = {}
    for row in pstore.bucket_totals(store, source, label):
        values = {k: row[k] for k in ("input_tokens", "cache_read_tokens", "cache_write_5m_tokens",
                                      "cache_write_1h_tokens", "output_tokens", "reasoning_tokens", "requests",
                                      "quantity")}
        if source == "openrouter":
            values["cost_pico"] = row["cost_pico"]
        values = _clean(values)
        if values:
            out[(row["day"], row["kind"], row["model"])] = values
    return out


def expected(dataset_totals: dict[tuple, dict]) -> dict[tuple, dict]:
    return {k: _clean(v) for k, v in dataset_totals.items() if _clean(v)}


def table_dump(store) -> dict[str, list]:
    """Every row of the tables a poll writes (minus timestamps of the write itself)."""
    out = {}
    for table in ("buckets", "billed", "claude_code_analytics", "provider_balances"):
        out[table] = sorted(map(tuple, store.conn.execute(f"SELECT * FROM {table}").fetchall()), key=repr)
    out["cursors"] = sorted(store.conn.execute("SELECT source, key, value FROM cursors").fetchall())
    return out


def window_start(now_s: int, days: int) -> int:
    return (now_s // DAY_S - days) * DAY_S
