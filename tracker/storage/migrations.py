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


HOUR_MS = 3_600_000
# A migration that rebuilds `events` must re-create these (see m020); Store.aggregate checks them.
ROLLUP_TRIGGERS = ("events_hourly_insert", "events_hourly_delete", "events_hourly_update")
# The rollup's row for one event: its UTC hour, the cost of its priced part and its unpriced requests
# (the same rules as Store.aggregate: a NULL cost is unpriced, never $0).
_ROLLUP_VALUES = (
    "{r}.ts_ms - {r}.ts_ms % 3600000, {r}.source, {r}.model, 1, COALESCE({r}.requests, 0), "
    "COALESCE({r}.cost_pico, 0), CASE WHEN {r}.cost_pico IS NULL THEN MAX(COALESCE({r}.requests, 1), 1) ELSE 0 END"
)
_ROLLUP_ADD = (
    "INSERT INTO events_hourly (hour_ms, source, model, n, requests, cost_pico, unpriced) "
    "VALUES ({values}) ON CONFLICT(hour_ms, source, model) DO UPDATE SET n = n + excluded.n, "
    "requests = requests + excluded.requests, cost_pico = cost_pico + excluded.cost_pico, "
    "unpriced = unpriced + excluded.unpriced;"
)
_ROLLUP_SUB = (
    "UPDATE events_hourly SET n = n - 1, requests = requests - COALESCE(OLD.requests, 0), "
    "cost_pico = cost_pico - COALESCE(OLD.cost_pico, 0), "
    "unpriced = unpriced - (CASE WHEN OLD.cost_pico IS NULL THEN MAX(COALESCE(OLD.requests, 1), 1) ELSE 0 END) "
    "WHERE hour_ms = OLD.ts_ms - OLD.ts_ms % 3600000 AND source = OLD.source AND model = OLD.model; "
    "DELETE FROM events_hourly WHERE hour_ms = OLD.ts_ms - OLD.ts_ms % 3600000 AND source = OLD.source "
    "AND model = OLD.model AND n = 0;"
)


@migrations()
def m020_gui_events_hourly_rollup(db: Database) -> None:
    # Cost per UTC hour, source and model, kept exact by triggers in the same
    # transaction as every insert, upsert, re-price and delete of events. Local
    # days in any whole-hour zone are unions of UTC hours, so the dashboard's
    # daily figures over years of data read ~20x fewer rows (Store.aggregate
    # uses it only when every window is hour-aligned; otherwise it reads events).
    db.execute(
        "CREATE TABLE events_hourly (hour_ms INTEGER NOT NULL, source TEXT NOT NULL, model TEXT NOT NULL, "
        "n INTEGER NOT NULL, requests INTEGER NOT NULL, cost_pico INTEGER NOT NULL, unpriced INTEGER NOT NULL, "
        "PRIMARY KEY (hour_ms, source, model)) WITHOUT ROWID"
    )
    new_values = _ROLLUP_VALUES.format(r="NEW")
    db.execute(f"CREATE TRIGGER events_hourly_insert AFTER INSERT ON events BEGIN "
               f"{_ROLLUP_ADD.format(values=new_values)} END")
    db.execute(f"CREATE TRIGGER events_hourly_delete AFTER DELETE ON events BEGIN {_ROLLUP_SUB} END")
    db.execute(f"CREATE TRIGGER events_hourly_update AFTER UPDATE OF ts_ms, source, model, requests, cost_pico "
               f"ON events BEGIN {_ROLLUP_SUB} {_ROLLUP_ADD.format(values=new_values)} END")
    db.execute(
        "INSERT INTO events_hourly (hour_ms, source, model, n, requests, cost_pico, unpriced) "
        "SELECT e.ts_ms - e.ts_ms % 3600000 AS h, e.source, e.model, COUNT(*), SUM(COALESCE(e.requests, 0)), "
        "SUM(COALESCE(e.cost_pico, 0)), "
        "SUM(CASE WHEN e.cost_pico IS NULL THEN MAX(COALESCE(e.requests, 1), 1) ELSE 0 END) "
        "FROM events e GROUP BY h, e.source, e.model"
    )
