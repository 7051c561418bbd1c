"""Provider accounts, their poll status, balance snapshots and Claude Code analytics.

The account table holds what identifies an account (kind, label, base URL),
never its key: keys live in the keyring (tracker.credentials).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tracker.core.provider_records import BalanceSnapshot, ClaudeCodeRow
from tracker.core.timeutil import now_ms
from tracker.storage.store import Store


@dataclass(frozen=True)
class Account:
    label: str
    kind: str
    base_url: str | None = None


@dataclass
class AccountStatus:
    label: str
    last_attempt_ms: int | None = None
    last_success_ms: int | None = None
    last_error: str | None = None
    last_error_ms: int | None = None
    consecutive_failures: int = 0
    next_attempt_ms: int | None = None
    note: str | None = None


@contextlib.contextmanager
def transaction(store: Store) -> Iterator[None]:
    """One transaction around several writes (write_batch inside nests as a savepoint)."""
    with store.db.atomic():
        yield


# -- accounts ---------------------------------------------------------------
def add_account(store: Store, account: Account) -> None:
    with store.db.atomic():
        store.conn.execute(
            "INSERT INTO provider_accounts (label, kind, base_url, created_ms) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(label) DO UPDATE SET kind = excluded.kind, base_url = excluded.base_url",
            (account.label, account.kind, account.base_url, now_ms()),
        )
        store.conn.execute(
            "INSERT INTO provider_status (label, consecutive_failures) VALUES (?, 0) ON CONFLICT(label) DO UPDATE "
            "SET consecutive_failures = 0, next_attempt_ms = NULL, last_error = NULL, last_error_ms = NULL",
            (account.label,),
        )


def remove_account(store: Store, label: str) -> Account | None:
    account = get_account(store, label)
    if account is None:
        return None
    with store.db.atomic():
        store.conn.execute("DELETE FROM provider_accounts WHERE label = ?", (label,))
        store.conn.execute("DELETE FROM provider_status WHERE label = ?", (label,))
    return account


def get_account(store: Store, label: str) -> Account | None:
    row = store.conn.execute("SELECT label, kind, base_url FROM provider_accounts WHERE label = ?", (label,)).fetchone()
    return Account(*row) if row else None


def list_accounts(store: Store) -> list[Account]:
    rows = store.conn.execute("SELECT label, kind, base_url FROM provider_accounts ORDER BY label")
    return [Account(*row) for row in rows]


# -- status -----------------------------------------------------------------
_STATUS_COLUMNS = (
    "label", "last_attempt_ms", "last_success_ms", "last_error", "last_error_ms", "consecutive_failures",
    "next_attempt_ms", "note",
)


def get_status(store: Store, label: str) -> AccountStatus:
    row = store.conn.execute(
        f"SELECT {', '.join(_STATUS_COLUMNS)} FROM provider_status WHERE label = ?", (label,)
    ).fetchone()
    return AccountStatus(*row) if row else AccountStatus(label)


def save_status(store: Store, status: AccountStatus) -> None:
    values = tuple(getattr(status, c) for c in _STATUS_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _STATUS_COLUMNS[1:])
    with store.db.atomic():
        store.conn.execute(
            f"INSERT INTO provider_status ({', '.join(_STATUS_COLUMNS)}) VALUES ({', '.join('?' for _ in values)}) "
            f"ON CONFLICT(label) DO UPDATE SET {updates}",
            values,
        )


# -- billed revisions -------------------------------------------------------
def delete_billed_days(store: Store, source: str, account: str, first_day: str, end_day: str) -> int:
    """Remove billed lines for days in [first_day, end_day) before a re-read writes them again."""
    cur = store.conn.execute(
        "DELETE FROM billed WHERE source = ? AND account = ? AND day >= ? AND day < ?",
        (source, account, first_day, end_day),
    )
    return cur.rowcount


# -- balances ---------------------------------------------------------------
def add_balances(store: Store, snapshots: Iterable[BalanceSnapshot], only_changes: bool = True) -> int:
    """Record readings; with only_changes, a reading equal to the last one of its metric is not stored again."""
    rows = []
    for s in snapshots:
        if only_changes:
            last = store.conn.execute(
                "SELECT amount_pico FROM provider_balances WHERE source = ? AND account = ? AND metric = ? "
                "AND currency = ? ORDER BY ts_ms DESC LIMIT 1",
                (s.source, s.account, s.metric, s.currency),
            ).fetchone()
            if last is not None and last[0] == s.amount_pico:
                continue
        rows.append((s.source, s.account, s.ts_ms, s.metric, s.currency, s.amount_pico))
    if rows:
        with store.db.atomic():
            store.conn.executemany(
                "INSERT INTO provider_balances (source, account, ts_ms, metric, currency, amount_pico) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(source, account, ts_ms, metric, currency) "
                "DO UPDATE SET amount_pico = excluded.amount_pico",
                rows,
            )
    return len(rows)


def balances(store: Store, account: str, metric: str | None = None) -> list[BalanceSnapshot]:
    sql = "SELECT source, account, ts_ms, metric, currency, amount_pico FROM provider_balances WHERE account = ?"
    params: list = [account]
    if metric:
        sql += " AND metric = ?"
        params.append(metric)
    sql += " ORDER BY ts_ms, metric, currency"
    return [BalanceSnapshot(*row) for row in store.conn.execute(sql, params)]


def latest_balances(store: Store, account: str) -> list[BalanceSnapshot]:
    rows = store.conn.execute(
        "SELECT source, account, ts_ms, metric, currency, amount_pico FROM provider_balances b WHERE account = ? "
        "AND ts_ms = (SELECT MAX(ts_ms) FROM provider_balances WHERE account = b.account AND metric = b.metric "
        "AND currency = b.currency) ORDER BY metric, currency",
        (account,),
    )
    return [BalanceSnapshot(*row) for row in rows]


# -- Claude Code analytics ---------------------------------------------------
def upsert_claude_code(store: Store, rows: Iterable[ClaudeCodeRow]) -> int:
    values = [
        (
            r.account, r.natural_key(), r.day, r.actor, r.model, r.input_tokens, r.output_tokens, r.cache_read_tokens,
            r.cache_write_tokens, r.estimated_cost_pico, json.dumps(r.details, sort_keys=True, default=str),
        )
        for r in rows
    ]
    if values:
        with store.db.atomic():
            store.conn.executemany(
                "INSERT INTO claude_code_analytics (account, key, day, actor, model, input_tokens, output_tokens, "
                "cache_read_tokens, cache_write_tokens, estimated_cost_pico, details) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(account, key) DO UPDATE SET "
                "input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens, "
                "cache_read_tokens = excluded.cache_read_tokens, cache_write_tokens = excluded.cache_write_tokens, "
                "estimated_cost_pico = excluded.estimated_cost_pico, details = excluded.details",
                values,
            )
    return len(values)


def delete_claude_code_days(store: Store, account: str, first_day: str, end_day: str) -> None:
    store.conn.execute(
        "DELETE FROM claude_code_analytics WHERE account = ? AND day >= ? AND day < ?", (account, first_day, end_day)
    )


def claude_code_by_day(store: Store, account: str) -> list[dict]:
    rows = store.conn.execute(
        "SELECT day, model, SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens), "
        "SUM(estimated_cost_pico) FROM claude_code_analytics WHERE account = ? GROUP BY day, model ORDER BY day, model",
        (account,),
    )
    keys = ("day", "model", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens",
            "estimated_cost_pico")
    return [dict(zip(keys, row)) for row in rows]


# -- reads for tests and the dashboard --------------------------------------
def bucket_totals(store: Store, source: str, account: str) -> list[dict]:
    """Per UTC day, kind and model: every token class, requests and quantity (all widths summed)."""
    rows = store.conn.execute(
        "SELECT date(start_s, 'unixepoch') AS day, kind, COALESCE(model, ''), SUM(input_tokens), "
        "SUM(cache_read_tokens), SUM(cache_write_5m_tokens), SUM(cache_write_1h_tokens), SUM(output_tokens), "
        "SUM(reasoning_tokens), SUM(COALESCE(requests, 0)), SUM(COALESCE(quantity, 0)), "
        "SUM(COALESCE(cost_pico, 0)), COUNT(DISTINCT width_s) FROM buckets WHERE source = ? AND account = ? "
        "GROUP BY day, kind, COALESCE(model, '') ORDER BY day, kind, COALESCE(model, '')",
        (source, account),
    )
    keys = ("day", "kind", "model", "input_tokens", "cache_read_tokens", "cache_write_5m_tokens",
            "cache_write_1h_tokens", "output_tokens", "reasoning_tokens", "requests", "quantity", "cost_pico",
            "widths")
    return [dict(zip(keys, row)) for row in rows]


def billed_totals(store: Store, source: str, account: str) -> dict[tuple[str, str], int]:
    rows = store.conn.execute(
        "SELECT day, line_item, SUM(amount_pico) FROM billed WHERE source = ? AND account = ? GROUP BY day, line_item",
        (source, account),
    )
    return {(day, item): amount for day, item, amount in rows}


def overlapping_widths(store: Store, source: str, account: str) -> int:
    """Buckets of one width lying inside a bucket of another width: each is a double count."""
    return store.conn.execute(
        "SELECT count(*) FROM buckets a WHERE a.source = ? AND a.account = ? AND EXISTS (SELECT 1 FROM buckets b "
        "WHERE b.start_s <= a.start_s AND b.start_s > a.start_s - b.width_s AND b.width_s > a.width_s "
        "AND b.source = a.source AND b.account = a.account)",
        (source, account),
    ).fetchone()[0]
