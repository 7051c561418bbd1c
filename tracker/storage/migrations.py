"""Schema, as an append-only list of migrations applied on open.

Never edit a migration that has shipped: add a new one. Money columns are
integers of picodollars (`*_pico`); times are UTC (`ts_ms` epoch milliseconds,
`start_s` epoch seconds). Key dimensions are '' rather than NULL, because a
NULL never conflicts in a primary key and would let an upsert append.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("tracker")

TOKEN_COLUMNS = (
    "input_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "output_tokens",
    "reasoning_tokens",
)


@migrations()
def m001_initial(db: Database) -> None:
    tokens = {name: int for name in TOKEN_COLUMNS}
    db["events"].create(
        {
            "source": str,
            "account": str,
            "key": str,
            "ts_ms": int,
            "model": str,
            "provider": str,
            "session": str,
            "project": str,
            "cwd": str,
            "git_branch": str,
            **tokens,
            "requests": int,
            "tool_use": int,
            "service_tier": str,
            "cost_pico": int,
            "price_id": str,
            "origin": str,
        },
        pk=("source", "account", "key"),
        not_null={"source", "account", "key", "ts_ms", "model", *TOKEN_COLUMNS, "requests"},
        defaults={name: 0 for name in TOKEN_COLUMNS} | {"requests": 1, "account": ""},
    )
    db["events"].create_index(["ts_ms"])
    db["events"].create_index(["session"])
    db["buckets"].create(
        {
            "source": str,
            "account": str,
            "key": str,
            "kind": str,
            "start_s": int,
            "width_s": int,
            "model": str,
            "provider": str,
            **tokens,
            "requests": int,
            "quantity": int,
            "quantity_unit": str,
            "project_id": str,
            "api_key_id": str,
            "workspace_id": str,
            "service_tier": str,
            "batch": int,
            "extra": str,
            "cost_pico": int,
            "price_id": str,
        },
        pk=("source", "account", "key"),
        not_null={"source", "account", "key", "kind", "start_s", "width_s", *TOKEN_COLUMNS},
        defaults={name: 0 for name in TOKEN_COLUMNS},
    )
    db["buckets"].create_index(["start_s"])
    db["billed"].create(
        {
            "source": str,
            "account": str,
            "key": str,
            "day": str,
            "line_item": str,
            "amount_pico": int,
            "currency": str,
            "project_id": str,
            "workspace_id": str,
            "model": str,
        },
        pk=("source", "account", "key"),
        not_null={"source", "account", "key", "day", "amount_pico", "currency"},
    )
    db["billed"].create_index(["day"])
    db["cursors"].create(
        {"source": str, "key": str, "value": str, "updated_ms": int},
        pk=("source", "key"),
        not_null={"source", "key", "value"},
    )
    db["settings"].create({"key": str, "value": str}, pk="key", not_null={"key", "value"})


@migrations()
def m020_gui_events_cost_index(db: Database) -> None:
    # Covers the dashboard's cost-per-day query (Store.aggregate with
    # tokens=False): the tray and Overview refresh read only the index.
    db["events"].create_index(["ts_ms", "source", "model", "cost_pico", "requests"],
                              index_name="idx_events_ts_cost", if_not_exists=True)
