"""What happens to an invoice after it is issued: payments, reminders; and client budget alerts.

Kept beside `storage.invoices` (which owns drafts, issuing and locks) so each
module has one job. Amounts are Decimal text in the invoice's currency and its
minor units (for sums and the overpayment check, done inside the transaction
that records the payment, so two payments at once cannot pay more than due).
"""

from __future__ import annotations

from typing import Any

from tracker.core.timeutil import now_ms
from tracker.storage.invoices import InvoiceStateError, _why_not


class InvoiceLedger:
    """Payments, reminders and budget alerts over one store's connection."""

    def __init__(self, store: Any):
        self.db = store.db
        self.conn = store.conn

    # -- payments -----------------------------------------------------------------
    def payments(self, invoice_id: int) -> list[dict]:
        rows = self.conn.execute(
            "SELECT id, day, amount, amount_minor, note FROM invoice_payments WHERE invoice_id = ? ORDER BY day, id",
            (invoice_id,),
        )
        return [dict(zip(("id", "day", "amount", "amount_minor", "note"), r)) for r in rows]

    def paid_minor(self) -> dict[int, int]:
        """Sum of payments (minor units) per invoice."""
        rows = self.conn.execute("SELECT invoice_id, SUM(amount_minor) FROM invoice_payments GROUP BY invoice_id")
        return {r[0]: r[1] for r in rows}

    def add_payment(self, invoice_id: int, day: str, amount: str, amount_minor: int, note: str | None) -> int:
        """Record a payment; the invoice becomes 'paid' (on `day`) when nothing is left to pay.

        Returns the balance left (minor units). Refuses a payment above the balance."""
        with self.db.atomic():
            row = self.conn.execute(
                "SELECT status, kind, total_minor, number, id, paid_date FROM invoices WHERE id = ?", (invoice_id,)
            ).fetchone()
            if row is None or row[0] != "issued" or row[1] != "invoice":
                inv = None if row is None else {"status": row[0], "kind": row[1], "number": row[3], "id": row[4],
                                                "paid_date": row[5]}
                raise InvoiceStateError(_why_not(inv, invoice_id, "paid"))
            paid = self.conn.execute(
                "SELECT COALESCE(SUM(amount_minor), 0) FROM invoice_payments WHERE invoice_id = ?", (invoice_id,)
            ).fetchone()[0]
            balance = row[2] - paid
            if amount_minor > balance:
                raise ValueError(f"{row[3]} has {balance} (minor units) left to pay: a payment of {amount} is more "
                                 "than that. Record what was received, up to the balance.")
            self.conn.execute(
                "INSERT INTO invoice_payments (invoice_id, day, amount, amount_minor, note, created_ms) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (invoice_id, day, amount, amount_minor, note, now_ms()),
            )
            left = balance - amount_minor
            if left == 0:
                self.conn.execute(
                    "UPDATE invoices SET status = 'paid', paid_date = ?, updated_ms = ? WHERE id = ?",
                    (day, now_ms(), invoice_id),
                )
            return left

    # -- reminders ----------------------------------------------------------------
    def reminders(self, invoice_id: int) -> list[dict]:
        rows = self.conn.execute(
            "SELECT level, day, issued_ms FROM invoice_reminders WHERE invoice_id = ? ORDER BY level", (invoice_id,)
        )
        return [dict(zip(("level", "day", "issued_ms"), r)) for r in rows]

    def add_reminder(self, invoice_id: int, day: str, issued_ms: int) -> int:
        """The next reminder's level (1, 2, ...), recorded in one transaction."""
        with self.db.atomic():
            level = self.conn.execute(
                "SELECT COALESCE(MAX(level), 0) + 1 FROM invoice_reminders WHERE invoice_id = ?", (invoice_id,)
            ).fetchone()[0]
            self.conn.execute(
                "INSERT INTO invoice_reminders (invoice_id, level, day, issued_ms) VALUES (?, ?, ?, ?)",
                (invoice_id, level, day, issued_ms),
            )
        return level

    # -- budget alerts ------------------------------------------------------------
    def fired_thresholds(self, tag_id: int, month: str) -> set[int]:
        rows = self.conn.execute(
            "SELECT threshold_pct FROM client_budget_alerts WHERE tag_id = ? AND month = ?", (tag_id, month)
        )
        return {r[0] for r in rows}

    def fire_threshold(self, tag_id: int, month: str, threshold_pct: int) -> bool:
        """Record that a threshold fired; False when it had already fired this month (fires once)."""
        with self.db.atomic():
            return self.conn.execute(
                "INSERT OR IGNORE INTO client_budget_alerts (tag_id, month, threshold_pct, fired_ms) VALUES (?, ?, ?, ?)",
                (tag_id, month, threshold_pct, now_ms()),
            ).rowcount == 1
