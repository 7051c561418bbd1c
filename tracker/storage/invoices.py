"""Invoice queries: drafts, issuing with a gap-free number, locks, client billing.

`InvoiceBook` wraps a `Store` (its connection) rather than extending the
class, so the store module stays untouched. Client tags come from the value
tagging schema (`tags`, kind 'client', `billing` JSON) and usage carries its
tag as `NULLIF(COALESCE(manual_tag_id, rule_tag_id), 0)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from tracker.core.timeutil import UTC, now_ms, windows
from tracker.storage.rollups import NULL_TEXT_KEY, TAGGED

INVOICE_STATUSES = ("draft", "issued", "paid", "void")
# A row's share of an invoice counts while the invoice stands (a void one no longer does).
COUNTING_STATUSES = ("issued", "paid")
SNAPSHOT_FIELDS = (
    "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "requests", "cost_pico",
)
_EFFECTIVE_TAG = "NULLIF(COALESCE({a}.manual_tag_id, {a}.rule_tag_id), 0)"

_INVOICE_COLUMNS = (
    "id", "number", "kind", "status", "client_tag_id", "client_name", "since_day", "until_day", "timezone",
    "group_by", "currency", "exchange_rate", "issue_date", "due_date", "issued_ms", "paid_date",
    "credit_for_id", "voided_by_id", "total_minor", "document", "notes", "created_ms", "updated_ms",
)
_ITEM_COLUMNS = ("id", "invoice_id", "kind", "day", "description", "project", "task", "quantity", "unit_price",
                 "cost", "source", "entry_key", "created_ms")
_DRAFT_FIELDS = {"client_tag_id", "client_name", "since_day", "until_day", "timezone", "group_by", "currency",
                 "exchange_rate", "notes"}


class InvoiceStateError(ValueError):
    """An invoice is not in the state the operation needs (the message says what to do)."""


def _invoice(row: Sequence) -> dict:
    inv = dict(zip(_INVOICE_COLUMNS, row))
    inv["document"] = json.loads(inv["document"]) if inv["document"] else None
    return inv


def _usage_row(table: str, r: Sequence) -> dict:
    row = {
        "table": table, "source": r[0], "account": r[1], "key": r[2], "ts_ms": r[3], "model": r[4],
        "project": r[5], "session": r[6], "input_tokens": r[7], "cache_read_tokens": r[8],
        "cache_write_tokens": r[9], "output_tokens": r[10], "requests": r[11], "cost_pico": r[12],
    }
    billed = r[13:19]
    row["billed"] = None if billed[0] is None else dict(zip(SNAPSHOT_FIELDS, billed))
    row["billed_numbers"] = r[19]
    row["billed_as_usage"] = bool(r[20])  # a standing lock billed it as usage (not only adjustments)
    row["billed_bases"] = set((r[21] or "").split(",")) - {""}  # '?' for locks older than the basis column
    return row


class InvoiceBook:
    """Invoice storage over one store's connection (same thread as the store)."""

    def __init__(self, store: Any):
        self.store = store
        self.db = store.db
        self.conn = store.conn

    # -- clients --------------------------------------------------------------
    def client_tags(self) -> list[dict]:
        rows = self.conn.execute("SELECT id, name, billing FROM tags WHERE kind = 'client' ORDER BY name")
        return [{"id": r[0], "name": r[1], "billing": json.loads(r[2]) if r[2] else {}} for r in rows]

    def client_tag(self, name: str) -> dict | None:
        row = self.conn.execute(
            "SELECT id, name, billing, kind FROM tags WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            return None
        if row[3] != "client":
            raise ValueError(f"The tag {name!r} is a {row[3]} tag, not a client: invoices go to client tags.")
        return {"id": row[0], "name": row[1], "billing": json.loads(row[2]) if row[2] else {}}

    def client_tag_by_id(self, tag_id: int | None) -> dict | None:
        return next((t for t in self.client_tags() if t["id"] == tag_id), None)

    def ensure_client_tag(self, name: str) -> dict:
        """The client tag `name`, created (kind 'client', no rules) when missing."""
        found = self.client_tag(name)
        if found:
            return found
        with self.db.atomic():
            self.conn.execute(
                "INSERT INTO tags (kind, name, billing, created_ms) VALUES ('client', ?, NULL, ?)", (name, now_ms())
            )
        return self.client_tag(name)  # type: ignore[return-value]

    def set_client_billing(self, tag_id: int, billing: dict) -> None:
        with self.db.atomic():
            self.conn.execute(
                "UPDATE tags SET billing = ? WHERE id = ? AND kind = 'client'",
                (json.dumps(billing, sort_keys=True), tag_id),
            )

    # -- usage ------------------------------------------------------------------
    def client_usage(self, tag_id: int, start_ms: int, end_ms: int,
                     tables: Sequence[str] = ("events", "buckets")) -> list[dict]:
        """The client's tagged usage rows in [start_ms, end_ms) of `tables` (events and buckets),
        each with what standing invoices already billed of it (`billed_*`, None when never billed)."""
        billed_cols = ", ".join(f"SUM(iu.{c}) AS {c}" for c in SNAPSHOT_FIELDS)
        standing = ", ".join(f"'{s}'" for s in COUNTING_STATUSES)
        covered = (
            f"SELECT iu.usage_table, iu.source, iu.account, iu.key, {billed_cols}, "
            "GROUP_CONCAT(i.number, ' ') AS numbers, MAX(COALESCE(iu.kind, 'usage') = 'usage') AS as_usage, "
            "GROUP_CONCAT(DISTINCT COALESCE(iu.basis, '?')) AS bases "
            f"FROM invoice_usage iu JOIN invoices i ON i.id = iu.invoice_id AND i.status IN ({standing}) "
            "AND i.client_tag_id = ? "  # what THIS client was billed: another client's invoice is not a payment
            "GROUP BY iu.usage_table, iu.source, iu.account, iu.key"
        )
        parts = {
            "events": ("u.ts_ms", "u.project", "u.session"),
            "buckets": ("u.start_s * 1000",
                        "COALESCE(NULLIF(u.project_id, ''), NULLIF(u.workspace_id, ''))", "NULL"),
        }
        result: list[dict] = []
        for table, (ts_expr, project_expr, session_expr) in parts.items():
            if table not in tables:
                continue
            model_expr = "u.model" if table == "events" else "COALESCE(u.model, u.kind)"
            sql = (
                f"WITH covered AS ({covered}) "
                f"SELECT u.source, u.account, u.key, {ts_expr}, {model_expr}, {project_expr}, {session_expr}, "
                "u.input_tokens, u.cache_read_tokens, u.cache_write_5m_tokens + u.cache_write_1h_tokens, "
                "u.output_tokens, COALESCE(u.requests, 0), u.cost_pico, "
                + ", ".join(f"c.{f}" for f in SNAPSHOT_FIELDS)
                + ", c.numbers, c.as_usage, c.bases "
                f"FROM {table} u LEFT JOIN covered c ON c.usage_table = ? AND c.source = u.source "
                "AND c.account = u.account AND c.key = u.key "
                f"WHERE {_EFFECTIVE_TAG.format(a='u')} = ? AND {ts_expr} >= ? AND {ts_expr} < ? "
                "ORDER BY 4, u.source, u.account, u.key"
            )
            for r in self.conn.execute(sql, (tag_id, table, tag_id, start_ms, end_ms)):
                result.append(_usage_row(table, r))
            # Rows this client was billed for that are no longer its own: the source no longer has
            # them (a provider re-grouped or withdrew a bucket) or they were tagged to another
            # client since: zero now, so the next invoice credits them.
            sums = ", ".join(f"SUM(iu.{c})" for c in SNAPSHOT_FIELDS)
            gone = (
                "SELECT iu.source, iu.account, iu.key, MIN(iu.ts_ms), MAX(iu.model), MAX(iu.project), NULL, "
                f"0, 0, 0, 0, 0, 0, {sums}, GROUP_CONCAT(i.number, ' '), "
                "MAX(COALESCE(iu.kind, 'usage') = 'usage'), GROUP_CONCAT(DISTINCT COALESCE(iu.basis, '?')) "
                f"FROM invoice_usage iu JOIN invoices i ON i.id = iu.invoice_id AND i.status IN ({standing}) "
                "AND i.client_tag_id = ? "
                "WHERE iu.usage_table = ? AND iu.ts_ms >= ? AND iu.ts_ms < ? AND NOT EXISTS "
                f"(SELECT 1 FROM {table} u WHERE u.source = iu.source AND u.account = iu.account AND u.key = iu.key "
                f"AND {_EFFECTIVE_TAG.format(a='u')} = ?) "
                "GROUP BY iu.source, iu.account, iu.key ORDER BY 4, 1, 2, 3"
            )
            for r in self.conn.execute(gone, (tag_id, table, start_ms, end_ms, tag_id)):
                row = _usage_row(table, r)
                row["withdrawn"] = True
                result.append(row)
        return result

    def client_usage_hours(self, tag_id: int, hours: Sequence[tuple[int, int]]) -> list[dict]:
        """The client's tagged events in whole UTC hours ([start_ms, end_ms) pairs on hour bounds), summed per
        hour, source, account, model, project and priced or not from the tagged rollup (storage.rollups):
        rows shaped as client_usage's, never billed, each with the number of events it sums (`rows`)."""
        result: list[dict] = []
        sql = (f"SELECT source, account, hour_ms, model, NULLIF(project, {NULL_TEXT_KEY}), input_tokens, "
               "cache_read_tokens, cache_write_5m_tokens + cache_write_1h_tokens, output_tokens, requests, "
               f"CASE WHEN priced_key THEN cost_pico END, n FROM {TAGGED.table} "
               "WHERE tag_key = ? AND hour_ms >= ? AND hour_ms < ? ORDER BY hour_ms, source, account, model, project")
        for start_ms, end_ms in hours:
            for r in self.conn.execute(sql, (tag_id, start_ms, end_ms)):
                row = _usage_row("events", (*r[:2], None, *r[2:5], None, *r[5:11], *(None,) * 6, None, 0, None))
                row["rows"] = r[11]
                result.append(row)
        return result

    def tagged_rollup_live(self) -> bool:
        return TAGGED.table in self.store.live_rollups()

    def billed_events_between(self, tag_id: int, start_ms: int, end_ms: int) -> bool:
        """Whether a standing invoice of the client billed events dated in [start_ms, end_ms)."""
        standing = ", ".join(f"'{s}'" for s in COUNTING_STATUSES)
        return self.conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM invoice_usage iu JOIN invoices i ON i.id = iu.invoice_id "
            f"AND i.status IN ({standing}) AND i.client_tag_id = ? "
            "WHERE iu.usage_table = 'events' AND iu.ts_ms >= ? AND iu.ts_ms < ?)", (tag_id, start_ms, end_ms)
        ).fetchone()[0] == 1

    def estimated_by_provider_day(self, since_day: str, until_day: str) -> dict[tuple[str, str, str], int]:
        """Estimated cost (picodollars) of ALL usage per (source, account, UTC day) over [since_day, until_day].

        0 for a day with any unpriced usage: the provider's charge for it covers that usage too, so
        sharing the charge out by the priced part would bill one client for another's unpriced rows.
        """
        out: dict[tuple[str, str, str], int] = {}
        unshareable = set()
        # from the rollups (Store.aggregate), per UTC day: a month of a busy account is ~100k events
        days = windows(date.fromisoformat(since_day), date.fromisoformat(until_day), "day", UTC)
        for row in self.store.aggregate(days, group_by=["source", "account"], tokens=False):
            key = (row["source"], row["account"], row["period"])
            out[key] = out.get(key, 0) + row["cost_pico"]
            if row["unpriced_requests"]:
                unshareable.add(key)
        for key in unshareable:
            out[key] = 0
        return out

    def billed_by_provider_day(self, since_day: str, until_day: str) -> dict[tuple[str, str, str], dict]:
        """Provider-reported charges per (source, account, UTC day): USD picodollars and other currencies seen."""
        rows = self.conn.execute(
            "SELECT source, account, day, currency, SUM(amount_pico) FROM billed WHERE day >= ? AND day <= ? "
            "GROUP BY 1, 2, 3, 4",
            (since_day, until_day),
        )
        out: dict[tuple[str, str, str], dict] = {}
        for source, account, day, currency, amount in rows:
            entry = out.setdefault((source, account, day), {"usd_pico": None, "other": []})
            if (currency or "USD").upper() == "USD":
                entry["usd_pico"] = (entry["usd_pico"] or 0) + amount
            else:
                entry["other"].append(currency)
        return out

    # -- invoices ---------------------------------------------------------------
    def create_draft(self, **fields: Any) -> int:
        unknown = set(fields) - _DRAFT_FIELDS
        if unknown:
            raise ValueError(f"unknown draft field(s): {', '.join(sorted(unknown))}")
        stamp = now_ms()
        columns = [*fields, "status", "created_ms", "updated_ms"]
        values = [*fields.values(), "draft", stamp, stamp]
        with self.db.atomic():
            cur = self.conn.execute(
                f"INSERT INTO invoices ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})", values
            )
            return cur.lastrowid

    def update_draft(self, invoice_id: int, **fields: Any) -> None:
        unknown = set(fields) - _DRAFT_FIELDS
        if unknown:
            raise ValueError(f"unknown draft field(s): {', '.join(sorted(unknown))}")
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self.db.atomic():
            cur = self.conn.execute(
                f"UPDATE invoices SET {sets}, updated_ms = ? WHERE id = ? AND status = 'draft'",
                (*fields.values(), now_ms(), invoice_id),
            )
            if cur.rowcount != 1:
                raise InvoiceStateError(f"Invoice {invoice_id} is not a draft: an issued invoice never changes.")

    def delete_draft(self, invoice_id: int) -> bool:
        with self.db.atomic():
            deleted = self.conn.execute(
                "DELETE FROM invoices WHERE id = ? AND status = 'draft'", (invoice_id,)
            ).rowcount == 1
            if deleted:
                self.conn.execute("DELETE FROM invoice_items WHERE invoice_id = ?", (invoice_id,))
            return deleted

    def get(self, invoice_id: int) -> dict | None:
        row = self.conn.execute(
            f"SELECT {', '.join(_INVOICE_COLUMNS)} FROM invoices WHERE id = ?", (invoice_id,)
        ).fetchone()
        return _invoice(row) if row else None

    def get_by_number(self, number: str) -> dict | None:
        row = self.conn.execute(
            f"SELECT {', '.join(_INVOICE_COLUMNS)} FROM invoices WHERE number = ?", (number,)
        ).fetchone()
        return _invoice(row) if row else None

    def list(self, status: str | None = None, client_tag_id: int | None = None) -> list[dict]:
        where, params = ["1"], []
        if status:
            where.append("status = ?")
            params.append(status)
        if client_tag_id is not None:
            where.append("client_tag_id = ?")
            params.append(client_tag_id)
        rows = self.conn.execute(
            f"SELECT {', '.join(_INVOICE_COLUMNS)} FROM invoices WHERE {' AND '.join(where)} ORDER BY id", params
        )
        return [_invoice(r) for r in rows]

    def usage_of(self, invoice_id: int) -> list[dict]:
        rows = self.conn.execute(
            f"SELECT usage_table, source, account, key, {', '.join(SNAPSHOT_FIELDS)} FROM invoice_usage "
            "WHERE invoice_id = ? ORDER BY 1, 2, 3, 4",
            (invoice_id,),
        )
        return [dict(zip(("table", "source", "account", "key", *SNAPSHOT_FIELDS), r)) for r in rows]

    def issue(self, invoice_id: int, scope: str,
              build: Callable[[int], tuple[str, dict, list[dict], list[tuple[str, str]]]]) -> dict:
        """Issue a draft in ONE transaction: allocate the next number of `scope`,
        then `build(seq)` -> (number, frozen document, usage deltas, recurring
        (fee, period) pairs) is computed inside it (so the usage and periods it reads
        cannot be billed by a concurrent issue), then the document, the usage rows,
        the periods and the status are written. Any failure rolls back all of it,
        the counter included: no gap, no duplicate."""
        self.conn.execute("BEGIN IMMEDIATE")  # take the write lock first: concurrent issuers queue here
        try:
            status = self.conn.execute("SELECT status FROM invoices WHERE id = ?", (invoice_id,)).fetchone()
            if status is None or status[0] != "draft":
                raise InvoiceStateError(f"Invoice {invoice_id} is not a draft and cannot be issued again.")
            seq = self._next_seq(scope)
            number, document, usage, periods = build(seq)
            self._write_issued(invoice_id, number, document, usage)
            self._write_periods(invoice_id, periods)
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return self.get(invoice_id)  # type: ignore[return-value]

    def _next_seq(self, scope: str) -> int:
        self.conn.execute(
            "INSERT INTO invoice_counters (scope, last_seq) VALUES (?, 1) "
            "ON CONFLICT(scope) DO UPDATE SET last_seq = last_seq + 1",
            (scope,),
        )
        return self.conn.execute("SELECT last_seq FROM invoice_counters WHERE scope = ?", (scope,)).fetchone()[0]

    def _write_issued(self, invoice_id: int, number: str, document: dict, usage: list[dict]) -> None:
        self.conn.execute(
            "UPDATE invoices SET number = ?, status = 'issued', issue_date = ?, due_date = ?, issued_ms = ?, "
            "exchange_rate = ?, total_minor = ?, document = ?, updated_ms = ? WHERE id = ?",
            (number, document["issue_date"], document.get("due_date"), document["issued_ms"],
             document.get("exchange_rate"), document["totals"]["total_minor"],
             json.dumps(document, sort_keys=True), document["issued_ms"], invoice_id),
        )
        self.insert_invoice_usage(invoice_id, usage)

    def _write_periods(self, invoice_id: int, periods: list[tuple[str, str]]) -> None:
        self.conn.executemany(
            "INSERT INTO invoice_periods (invoice_id, client_tag_id, fee_key, period) "
            "SELECT id, client_tag_id, ?, ? FROM invoices WHERE id = ?",
            [(fee, period, invoice_id) for fee, period in periods],
        )

    def insert_invoice_usage(self, invoice_id: int, usage: list[dict]) -> None:
        extra = ("ts_ms", "model", "project", "kind", "basis")
        self.conn.executemany(
            f"INSERT INTO invoice_usage (invoice_id, usage_table, source, account, key, "
            f"{', '.join(SNAPSHOT_FIELDS + extra)}) "
            f"VALUES ({', '.join('?' for _ in range(5 + len(SNAPSHOT_FIELDS) + len(extra)))})",
            [(invoice_id, u["table"], u["source"], u["account"], u["key"], *(u[f] for f in SNAPSHOT_FIELDS + extra))
             for u in usage],
        )

    def issue_credit_note(self, invoice_id: int, scope: str,
                          build: Callable[[int], tuple[str, dict]]) -> dict:
        """Void an issued (or paid) invoice with a numbered credit note, in one transaction.

        The voided invoice's usage stops counting as billed (it can be invoiced again)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            original = self.get(invoice_id)
            if original is None or original["status"] not in COUNTING_STATUSES or original["kind"] != "invoice":
                raise InvoiceStateError(_why_not(original, invoice_id, "voided"))
            seq = self._next_seq(scope)
            number, document = build(seq)
            stamp = document["issued_ms"]
            cur = self.conn.execute(
                "INSERT INTO invoices (number, kind, status, client_tag_id, client_name, since_day, until_day, "
                "timezone, group_by, currency, exchange_rate, issue_date, due_date, issued_ms, credit_for_id, "
                "total_minor, document, created_ms, updated_ms) "
                "VALUES (?, 'credit_note', 'issued', ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?)",
                (number, original["client_tag_id"], original["client_name"], original["since_day"],
                 original["until_day"], original["timezone"], original["group_by"], original["currency"],
                 original["exchange_rate"], document["issue_date"], stamp, invoice_id,
                 document["totals"]["total_minor"], json.dumps(document, sort_keys=True), stamp, stamp),
            )
            self.conn.execute(
                "UPDATE invoices SET status = 'void', voided_by_id = ?, updated_ms = ? WHERE id = ?",
                (cur.lastrowid, stamp, invoice_id),
            )
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return self.get(cur.lastrowid)  # type: ignore[return-value]

    # -- recurring fees and manual lines ------------------------------------------
    def billed_periods(self, client_tag_id: int) -> set[tuple[str, str]]:
        """(fee key, period) pairs that standing invoices of the client billed."""
        standing = ", ".join(f"'{s}'" for s in COUNTING_STATUSES)
        rows = self.conn.execute(
            "SELECT p.fee_key, p.period FROM invoice_periods p JOIN invoices i ON i.id = p.invoice_id "
            f"AND i.status IN ({standing}) WHERE p.client_tag_id = ?",
            (client_tag_id,),
        )
        return {(r[0], r[1]) for r in rows}

    def items(self, invoice_id: int) -> list[dict]:
        rows = self.conn.execute(
            f"SELECT {', '.join(_ITEM_COLUMNS)} FROM invoice_items WHERE invoice_id = ? ORDER BY id", (invoice_id,)
        )
        return [dict(zip(_ITEM_COLUMNS, r)) for r in rows]

    def add_items(self, invoice_id: int, items: list[dict]) -> tuple[int, int]:
        """Add lines to a draft in one transaction: (added, already there by entry key)."""
        fields = [c for c in _ITEM_COLUMNS if c not in ("id", "invoice_id", "created_ms")]
        added = 0
        with self.db.atomic():
            if self.conn.execute("SELECT status FROM invoices WHERE id = ?", (invoice_id,)).fetchone() != ("draft",):
                raise InvoiceStateError(f"Invoice {invoice_id} is not a draft: an issued invoice never changes.")
            stamp = now_ms()
            for item in items:
                cur = self.conn.execute(
                    f"INSERT OR IGNORE INTO invoice_items (invoice_id, {', '.join(fields)}, created_ms) "
                    f"VALUES (?, {', '.join('?' for _ in fields)}, ?)",
                    (invoice_id, *(item.get(f) for f in fields), stamp),
                )
                added += cur.rowcount
        return added, len(items) - added

    def delete_item(self, invoice_id: int, item_id: int) -> bool:
        with self.db.atomic():
            return self.conn.execute(
                "DELETE FROM invoice_items WHERE id = ? AND invoice_id = ? AND invoice_id IN "
                "(SELECT id FROM invoices WHERE status = 'draft')", (item_id, invoice_id),
            ).rowcount == 1

    def billed_entry_keys(self, client_tag_id: int, keys: list[str]) -> dict[str, str]:
        """Imported entries (by key) that a standing invoice of the client already billed -> its number."""
        standing = ", ".join(f"'{s}'" for s in COUNTING_STATUSES)
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):  # SQLite's variable limit
            chunk = keys[start:start + 500]
            rows = self.conn.execute(
                "SELECT it.entry_key, i.number FROM invoice_items it JOIN invoices i ON i.id = it.invoice_id "
                f"AND i.status IN ({standing}) AND i.client_tag_id = ? "
                f"WHERE it.entry_key IN ({', '.join('?' for _ in chunk)})",
                (client_tag_id, *chunk),
            )
            found.update({r[0]: r[1] for r in rows})
        return found

    def counter(self, scope: str) -> int:
        row = self.conn.execute("SELECT last_seq FROM invoice_counters WHERE scope = ?", (scope,)).fetchone()
        return row[0] if row else 0


def _why_not(inv: dict | None, invoice_id: int, action: str) -> str:
    """Why an invoice cannot be paid or voided, in the words of its state (only issued invoices can)."""
    if inv is None:
        return f"No invoice with id {invoice_id}."
    name = inv["number"] or f"Draft {inv['id']}"
    if inv["kind"] != "invoice":
        return f"{name} is a credit note: only invoices can be {action}."
    if inv["status"] == "draft":
        return f"{name} is not issued yet: issue it first (`tracker invoice issue {inv['id']}`)."
    if inv["status"] == "paid":
        return f"{name} is already paid (on {inv['paid_date']})."
    if inv["status"] == "void":
        return f"{name} is void: it was cancelled by a credit note."
    return f"{name} is {inv['status']}: only issued invoices can be {action}."
