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
def m010_provider_accounts(db: Database) -> None:
    """Provider accounts (never their keys), their poll status, balance snapshots, Claude Code analytics."""
    db["provider_accounts"].create(
        {"label": str, "kind": str, "base_url": str, "created_ms": int},
        pk="label",
        not_null={"label", "kind"},
    )
    db["provider_status"].create(
        {
            "label": str,
            "last_attempt_ms": int,
            "last_success_ms": int,
            "last_error": str,
            "last_error_ms": int,
            "consecutive_failures": int,
            "next_attempt_ms": int,
            "note": str,
        },
        pk="label",
        not_null={"label", "consecutive_failures"},
        defaults={"consecutive_failures": 0},
    )
    # One row per observation of a balance or spend counter. Amounts are integer
    # pico-units of `currency` (exact); metric names say which counter it is.
    db["provider_balances"].create(
        {"source": str, "account": str, "ts_ms": int, "metric": str, "currency": str, "amount_pico": int},
        pk=("source", "account", "ts_ms", "metric", "currency"),
        not_null={"source", "account", "ts_ms", "metric", "currency", "amount_pico"},
    )
    db["provider_balances"].create_index(["account", "ts_ms"])
    # Anthropic's Claude Code analytics: kept apart from `buckets` because the
    # same tokens are already in the Messages usage report (and in local logs).
    db["claude_code_analytics"].create(
        {
            "account": str,
            "key": str,
            "day": str,
            "actor": str,
            "model": str,
            "input_tokens": int,
            "output_tokens": int,
            "cache_read_tokens": int,
            "cache_write_tokens": int,
            "estimated_cost_pico": int,
            "details": str,
        },
        pk=("account", "key"),
        not_null={"account", "key", "day"},
    )
    db["claude_code_analytics"].create_index(["day"])
