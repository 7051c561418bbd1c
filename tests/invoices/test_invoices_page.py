"""The Invoices page, offscreen: create a draft, issue, export, mark paid, void."""

from __future__ import annotations

from datetime import date

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QDate

from tracker.gui.pages.invoices_page import COLUMNS, InvoicesPage
from tracker.paths import get_paths
from tracker.pricing import Pricer
from tracker.services.context import AppContext

from .helpers import add_usage, event

pytestmark = pytest.mark.gui


@pytest.fixture
def page(qtbot, istore, client):
    add_usage(istore, client["id"], events=[event("a", "2026-11-02", cost="1.00"),
                                            event("b", "2026-11-09", "gpt-5", cost="2.00")])
    ctx = AppContext(paths=get_paths(), store=istore, pricer=Pricer())
    widget = InvoicesPage(lambda: ctx)
    qtbot.addWidget(widget)
    widget.confirm = lambda text: True
    widget.refresh()
    return widget


def test_create_issue_export_pay_void(page, tmp_path, monkeypatch):
    assert page.client_box.currentText() == "acme"
    assert not page.issue_button.isEnabled()
    page.since_edit.setDate(QDate(2026, 11, 1))
    page.until_edit.setDate(QDate(2026, 11, 30))
    page.create_draft()
    draft = page.selected()
    assert draft["status"] == "draft" and draft["total"] == "3.96"  # 3.00 x 1.1 + 20% VAT
    assert "claude-sonnet-4-5" in page.preview.toPlainText() and "3.96" in page.preview.toPlainText()
    shown = page.preview.toPlainText()
    assert "Cache" in shown and "Discount" not in shown  # the PDF's columns; no "Discount -0.00"
    asked = []
    page.ask_text = lambda label, default: asked.append(default)  # the dialog shows the current rate
    page.set_rate_selected()
    assert asked == [page.selected()["exchange_rate"]] and asked[0]
    assert page.issue_button.isEnabled() and not page.paid_button.isEnabled()
    assert not page.export_actions["facturx"].isEnabled()  # no e-invoice for a draft

    page.issue_selected()
    issued = page.selected()
    assert issued["number"] == "INV-" + str(date.today().year) + "-0001" and issued["status"] == "issued"
    assert "Issued" in page.message.text()
    assert page.table.item(0, 0).text() == issued["number"]

    pdf = page.export_selected("pdf", str(tmp_path / "inv.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF-")
    chosen = tmp_path / "picked.pdf"
    page.choose_path = lambda name, fmt: str(chosen)
    page.export_actions["facturx"].trigger()
    from facturx import get_facturx_xml_from_pdf

    assert get_facturx_xml_from_pdf(chosen.read_bytes(), check_xsd=True)[0] == "factur-x.xml"

    page.paid_button.click()
    assert page.selected()["status"] == "paid"
    page.void_button.click()
    statuses = sorted((r["kind"], r["status"]) for r in page.rows)
    assert statuses == [("credit_note", "issued"), ("invoice", "void")]


def test_errors_are_shown_not_raised(page):
    page.since_edit.setDate(QDate(2025, 1, 1))
    page.until_edit.setDate(QDate(2025, 1, 31))
    page.create_draft()
    page.issue_selected()  # nothing to bill in January 2025
    assert "Nothing to invoice" in page.message.text()
    assert page.selected()["status"] == "draft"
    page.delete_selected()
    assert page.rows == []


def test_no_clients_says_how_to_add_one(qtbot, istore):
    ctx = AppContext(paths=get_paths(), store=istore, pricer=Pricer())
    widget = InvoicesPage(ctx)
    qtbot.addWidget(widget)
    widget.refresh()
    assert not widget.create_button.isEnabled()
    assert "tracker invoice client set" in widget.message.text()


def test_a_foreign_currency_draft_gets_its_rate_from_the_page(page, istore):
    from tracker.services import invoices as service

    service.set_client(istore, "acme", currency="EUR")
    page.since_edit.setDate(QDate(2026, 11, 1))
    page.until_edit.setDate(QDate(2026, 11, 30))
    page.create_draft()
    assert page.rate_button.isEnabled()
    page.issue_selected()
    assert "exchange rate" in page.message.text()
    page.ask_text = lambda label, default: "0.9"
    page.rate_button.click()
    assert "1 USD = 0.9 EUR" in page.message.text()
    page.issue_selected()
    assert page.selected()["status"] == "issued" and page.selected()["total"] == "3.56"  # 3.30 x 0.9 = 2.97 + 20%


def test_budgets_balance_and_overdue_show_on_the_page(page, istore):
    from tracker.services import invoices as service

    service.set_client(istore, "acme", monthly_budget="100")
    page.since_edit.setDate(QDate(2026, 11, 1))
    page.until_edit.setDate(QDate(2026, 11, 30))
    page.create_draft()
    page.issue_selected()
    issued = page.selected()
    service.mark_paid(istore, issued["number"], amount="1.00")
    page.refresh()
    assert not page.budget_label.isHidden()
    assert page.budget_label.text().startswith("AI budgets this month: acme ")
    assert "of 100.00 USD" in page.budget_label.text()
    balance = [c for c, (key, _) in enumerate(COLUMNS) if key == "balance"][0]
    page.select_ref(issued["number"])
    assert page.table.item(page.table.currentRow(), balance).text() == "2.96"  # 3.96 - 1.00


def test_the_preview_is_as_tall_as_the_invoice(page, qtbot):
    """The preview shows the invoice whole, without a blank strip under a short one (it was a fixed 360 px
    box) or a scroll box inside the scrolling page for a long one, in the invoice's own look."""
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    page.since_edit.setDate(QDate(2026, 11, 1))
    page.until_edit.setDate(QDate(2026, 11, 30))
    page.create_draft()
    view = page.preview
    assert "3.96" in view.toPlainText()
    height = int(view.document().size().height())
    assert view.verticalScrollBar().maximum() == 0 and height <= view.height() <= height + 40
    assert view.document().defaultStyleSheet() == ""  # as the client reads it


def test_no_blank_line_under_the_buttons_until_an_action_says_something(page, qtbot):
    page.resize(900, 700)
    page.show()
    qtbot.waitExposed(page)
    assert not page.message.isVisible()
    page.since_edit.setDate(QDate(2026, 11, 1))
    page.until_edit.setDate(QDate(2026, 11, 30))
    page.create_draft()
    assert page.message.isVisible() and page.message.text()
