"""After an invoice is issued: payments (partial or whole), the balance due, overdue, reminders.

An issued invoice never changes; what it was paid is kept beside it. It is
'paid' when the payments reach its total; until then it is 'issued' with a
balance, and overdue once its due date has passed. A reminder is a dated,
numbered (1st, 2nd, final) letter about the balance, made from the frozen
document (so it says what the invoice said) and kept, so it exports the same
bytes again.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from tracker.core.timeutil import get_zone, local_date, now_ms
from tracker.services import invoices as service
from tracker.services.invoices_calc import minor_digits, money_text
from tracker.services.invoices_profile import decimal_text
from tracker.storage.invoice_ledger import InvoiceLedger

REMINDER_PAY_WITHIN_DAYS = 10  # a reminder asks for payment within this many days of its date
REMINDER_TITLES = {1: "PAYMENT REMINDER", 2: "SECOND REMINDER"}
FINAL_TITLE = "FINAL REMINDER"


def ledger(store) -> InvoiceLedger:
    return InvoiceLedger(store)


def from_minor(minor: int, currency: str) -> str:
    return money_text(Decimal(minor).scaleb(-minor_digits(currency)), currency)


def payment_state(inv: dict, paid_minor: int, today: date) -> dict:
    """Paid so far, balance, and whether (and how long) it is overdue on `today`."""
    currency = inv["currency"]
    counting = inv["kind"] == "invoice" and inv["status"] in ("issued", "paid")
    total = inv["total_minor"] if counting and inv["total_minor"] is not None else 0
    balance = total - paid_minor if counting else 0
    due = date.fromisoformat(inv["due_date"]) if inv.get("due_date") else None
    overdue = bool(counting and inv["status"] == "issued" and balance > 0 and due and today > due)
    return {"paid": from_minor(paid_minor, currency), "balance": from_minor(balance, currency),
            "overdue": overdue, "days_overdue": (today - due).days if overdue else 0}


def _today(inv: dict) -> date:
    return local_date(now_ms(), get_zone(inv["timezone"]))


def record_payment(store, ref, amount: str | None = None, day: date | None = None, note: str | None = None) -> dict:
    """Record a payment (default: the whole balance); the invoice is paid when nothing is left."""
    inv = service.resolve(store, ref)
    day = day or _today(inv)
    if inv["issue_date"] and day.isoformat() < inv["issue_date"]:
        raise ValueError(f"{inv['number']} was issued on {inv['issue_date']}: it cannot have been paid on {day}.")
    paid = ledger(store).paid_minor().get(inv["id"], 0)
    currency = inv["currency"]
    if amount is None:
        minor = (inv["total_minor"] or 0) - paid
        value = from_minor(minor, currency)
    else:
        value = decimal_text(amount, "The payment")
        exact = Decimal(value).scaleb(minor_digits(currency))
        if exact != exact.to_integral_value():
            raise ValueError(f"{currency} has {minor_digits(currency)} decimals: {amount} is not an amount of it.")
        minor = int(exact)
        if minor <= 0:
            raise ValueError("A payment must be above 0.")
        value = from_minor(minor, currency)  # as the currency writes it: 32 -> 32.00
    left = ledger(store).add_payment(inv["id"], day.isoformat(), value, minor, note)
    inv = service.book(store).get(inv["id"])
    return inv | {"payment": value, "balance": from_minor(left, currency)}


def state_of(store, ref, today: date | None = None) -> dict:
    inv = service.resolve(store, ref)
    paid = ledger(store).paid_minor().get(inv["id"], 0)
    out = payment_state(inv, paid, today or _today(inv))
    out["payments"] = ledger(store).payments(inv["id"])
    out["reminders"] = ledger(store).reminders(inv["id"])
    return out


# -- reminders --------------------------------------------------------------------
def reminder_title(level: int) -> str:
    return REMINDER_TITLES.get(level, FINAL_TITLE)


def send_reminder(store, ref, day: date | None = None, at_ms: int | None = None) -> tuple[bytes, str, int]:
    """Record the next reminder for an overdue invoice: (PDF bytes, file name, level)."""
    inv = service.resolve(store, ref)
    day = day or _today(inv)
    state = payment_state(inv, ledger(store).paid_minor().get(inv["id"], 0), day)
    if not state["overdue"]:
        why = (f"is not due until {inv['due_date']}" if inv["status"] == "issued" and Decimal(state["balance"]) > 0
               else f"has nothing to pay (it is {inv['status']})")
        raise ValueError(f"{inv['number'] or 'Draft ' + str(inv['id'])} {why}: a reminder is for an overdue balance.")
    level = ledger(store).add_reminder(inv["id"], day.isoformat(), at_ms if at_ms is not None else now_ms())
    return reminder_pdf(store, ref, level) + (level,)


def reminder_pdf(store, ref, level: int) -> tuple[bytes, str]:
    """A recorded reminder's PDF (the same bytes each time: its date is the one recorded)."""
    from tracker.services.invoices_pdf import render_reminder
    from tracker.services.invoices_view import client_document

    inv = service.resolve(store, ref)
    reminder = next((r for r in ledger(store).reminders(inv["id"]) if r["level"] == level), None)
    if reminder is None:
        raise ValueError(f"{inv['number']} has no reminder {level}: `tracker invoice remind {inv['number']}` "
                         "makes the next one.")
    doc = client_document(inv["document"])
    day = date.fromisoformat(reminder["day"])
    payments = [p for p in ledger(store).payments(inv["id"]) if p["day"] <= reminder["day"]]
    paid = sum(p["amount_minor"] for p in payments)
    state = payment_state(inv | {"status": "issued"}, paid, day)
    letter = {
        "level": level, "title": reminder_title(level), "day": reminder["day"], "issued_ms": reminder["issued_ms"],
        "pay_by": (day + timedelta(days=REMINDER_PAY_WITHIN_DAYS)).isoformat(), "payments": payments,
        **state,
    }
    return render_reminder(doc, letter), f"{inv['number']}-reminder-{level}.pdf"
