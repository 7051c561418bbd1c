"""Partial payments, the balance due, overdue invoices and reminder letters."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from tracker.core.timeutil import get_zone
from tracker.services import invoices as service
from tracker.services import invoices_payments as payments

from .helpers import add_usage, event, ts

NOV = (date(2026, 11, 1), date(2026, 11, 30))
ISSUED = date(2026, 12, 1)  # due 2026-12-31 (30 days)


@pytest.fixture
def invoice(istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="100.00")])
    draft = service.create_draft(istore, "acme", *NOV, get_zone("UTC"))
    return service.issue(istore, draft["id"], issue_day=ISSUED)  # 110.00 + 22.00 VAT = 132.00


def test_partial_payments_leave_a_balance_until_the_last_one(istore, invoice):
    number = invoice["number"]
    first = service.mark_paid(istore, number, date(2026, 12, 10), amount="50")
    assert (first["status"], first["balance"]) == ("issued", "82.00")
    with pytest.raises(ValueError, match="more than that"):
        service.mark_paid(istore, number, date(2026, 12, 11), amount="82.01")
    with pytest.raises(ValueError, match="2 decimals"):
        service.mark_paid(istore, number, date(2026, 12, 11), amount="1.005")
    with pytest.raises(ValueError, match="above 0"):
        service.mark_paid(istore, number, date(2026, 12, 11), amount="0")
    (row,) = service.list_invoices(istore)
    assert (row["paid"], row["balance"], row["status"]) == ("50.00", "82.00", "issued")
    last = service.mark_paid(istore, number, date(2026, 12, 20))  # the rest
    assert (last["status"], last["paid_date"], last["balance"]) == ("paid", "2026-12-20", "0.00")
    with pytest.raises(service.InvoiceStateError, match="already paid"):
        service.mark_paid(istore, number, amount="1")
    state = payments.state_of(istore, number, date(2027, 2, 1))
    assert [p["amount"] for p in state["payments"]] == ["50.00", "82.00"] and not state["overdue"]


def test_an_unpaid_invoice_is_overdue_after_its_due_date(istore, invoice):
    assert not payments.state_of(istore, invoice["number"], date(2026, 12, 31))["overdue"]
    state = payments.state_of(istore, invoice["number"], date(2027, 1, 14))
    assert (state["overdue"], state["days_overdue"], state["balance"]) == (True, 14, "132.00")


def test_reminders_are_numbered_dated_and_export_the_same_bytes_again(istore, invoice, tmp_path):
    number = invoice["number"]
    with pytest.raises(ValueError, match="not due until 2026-12-31"):
        payments.send_reminder(istore, number, date(2026, 12, 20))
    service.mark_paid(istore, number, date(2026, 12, 28), amount="32")
    pdf, name, level = payments.send_reminder(istore, number, date(2027, 1, 10), at_ms=ts("2027-01-10", 9))
    assert (name, level) == (f"{number}-reminder-1.pdf", 1)
    assert payments.reminder_pdf(istore, number, 1)[0] == pdf
    second = payments.send_reminder(istore, number, date(2027, 1, 24), at_ms=ts("2027-01-24", 9))
    assert second[2] == 2
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(second[0])
        text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                       check=True).stdout.split())
        assert "SECOND REMINDER" in text and number in text and "Days overdue 24" in text
        assert "We have received 32.00 USD on 2026-12-28" in text and "100.00 USD is still open" in text
        assert "Please pay 100.00 USD by 2027-02-03" in text
    service.mark_paid(istore, number, date(2027, 1, 25))
    with pytest.raises(ValueError, match="nothing to pay"):
        payments.send_reminder(istore, number, date(2027, 2, 1))


def test_payments_and_reminders_from_the_command_line(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import main
    from tracker.paths import get_paths
    from tracker.services.invoices_profile import update_profile
    from tracker.storage import open_store

    from .helpers import SELLER

    paths = get_paths().ensure()
    store = open_store(paths.db_path, paths.backup_dir)
    try:
        update_profile(store, **SELLER)
        tag = service.set_client(store, "acme", currency="USD", markup_pct="10", country="FR")
        add_usage(store, tag["id"], events=[event("a", "2026-11-02", cost="120.00")])
        draft = service.create_draft(store, "acme", *NOV, get_zone("UTC"))
        number = service.issue(store, draft["id"], issue_day=ISSUED)["number"]  # 132.00, no tax
    finally:
        store.close()
    runner = CliRunner()

    def run(*args):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        return result.exit_code, result.output

    code, out = run("invoice", "paid", number, "--amount", "32", "--date", "2026-12-28")
    assert code == 0 and "32.00 USD received; 100.00 USD still due" in out, out
    target = tmp_path / "reminder.pdf"
    code, out = run("invoice", "remind", number, "--date", "2027-01-10", "-o", str(target))
    assert code == 0 and "Reminder 1 (payment reminder) recorded" in out and target.read_bytes()[:5] == b"%PDF-"
    code, out = run("invoice", "list")
    assert "Balance" in out and "100.00" in out
    code, out = run("invoice", "remind", number, "--level", "3")
    assert code == 1 and "has no reminder 3" in out
