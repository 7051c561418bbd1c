"""The Invoices page: invoices with their status; create a draft, issue, export, mark paid, void.

Self-contained: give it an AppContext (or a callable returning one) and call
`refresh()`. Every rule lives in `services.invoices`; this page only collects
input, calls the service and shows the result or the service's message.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from tracker.gui.background import PageReads
from tracker.gui.components import DocumentView, Page, Panel, fit_table_height, hbox, label, primary_button, set_role, style_table
from tracker.gui.theme import SPACE_S, active

from tracker.services import client_budgets
from tracker.services import invoices as service
from tracker.services.context import AppContext
from tracker.services.invoices_calc import GROUP_BYS

log = logging.getLogger(__name__)
COLUMNS = (("ref", "Invoice"), ("client", "Client"), ("period", "Period"), ("status", "Status"),
           ("amount", "Total"), ("balance", "Balance due"))
EXPORTS = (("pdf", "PDF"), ("facturx", "Factur-X"), ("csv", "CSV"), ("json", "JSON"))
STATUS_TONES = {"draft": "muted", "paid": "good", "void": "bad"}  # issued: the text's own colour
TABLE_ROWS_SHOWN = 8  # more scroll inside the table


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


class InvoicesPage(Page):
    def __init__(self, context: AppContext | Callable[[], AppContext], parent: QWidget | None = None,
                 background: bool = False):
        super().__init__("Invoices", "Bill the AI usage tagged to a client, beside hours, expenses and fees.", parent)
        self._context = context
        self.rows: list[dict] = []
        # in the dashboard the reading (a draft's total reads every usage row it bills) runs in a pool
        # thread; tests read inline
        self._reads = PageReads(lambda: self.ctx, background, self.show_data, self._read_failed, self)
        self._preview_reads = PageReads(lambda: self.ctx, background, self._show_preview, self._preview_failed, self)
        # Replaceable in tests: asks the user to confirm, for a rate, and where to save an export.
        self.confirm: Callable[[str], bool] = self._ask
        self.ask_text: Callable[[str, str], str | None] = self._ask_text
        self.choose_path: Callable[[str, str], str | None] = self._save_dialog
        self._build()

    # -- layout -----------------------------------------------------------------
    def _build(self) -> None:
        self.budget_label = self.add(label("", "notice", wrap=True))  # each client's monthly AI budget
        self.budget_label.setVisible(False)

        create = Panel("New draft", subtitle="The usage tagged to a client over a period, with its fees, hours and "
                                             "expenses (`tracker invoice line add`), at the client's terms.")
        self.client_box = QComboBox()
        self.client_box.setMinimumContentsLength(16)
        today = date.today()
        first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        self.since_edit = QDateEdit(_qdate(first))
        self.until_edit = QDateEdit(_qdate(today.replace(day=1) - timedelta(days=1)))
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.group_box = QComboBox()
        self.group_box.addItems(GROUP_BYS)
        self.rate_edit = QLineEdit()
        self.rate_edit.setPlaceholderText("the client's (units per 1 USD)")
        self.rate_edit.setMinimumWidth(240)
        self.create_button = primary_button("Create draft")
        self.create_button.clicked.connect(self.create_draft)
        grid = QGridLayout()
        grid.setHorizontalSpacing(SPACE_S)
        for column, (text, widget) in enumerate((("Client", self.client_box), ("From", self.since_edit),
                                                 ("To", self.until_edit), ("Lines by", self.group_box))):
            grid.addWidget(label(text, "muted"), 0, column)
            grid.addWidget(widget, 1, column)
        grid.addWidget(label("Exchange rate", "muted"), 2, 0, 1, 2)
        grid.addLayout(hbox(self.rate_edit, None, self.create_button), 3, 0, 1, 4)
        holder = QWidget()
        holder.setLayout(grid)
        create.add(holder)
        self.add(create)

        listing = Panel("Invoices")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels([title for _, title in COLUMNS])
        style_table(self.table, stretch_column=[k for k, _ in COLUMNS].index("client"))
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        listing.add(self.table)
        self.rate_button = QPushButton("Set rate…")
        self.rate_button.clicked.connect(lambda: self.set_rate_selected())
        self.issue_button = primary_button("Issue")
        self.issue_button.clicked.connect(self.issue_selected)
        self.paid_button = QPushButton("Mark paid")
        self.paid_button.clicked.connect(self.mark_paid_selected)
        self.void_button = QPushButton("Void…")
        self.void_button.setToolTip("Void an issued invoice: a credit note cancels it")
        self.void_button.clicked.connect(self.void_selected)
        self.delete_button = QPushButton("Delete draft")
        self.delete_button.clicked.connect(self.delete_selected)
        # one button with a menu of formats: four side by side made the page wider than a small screen
        self.export_button = QPushButton("Export")
        export_menu = QMenu(self.export_button)
        self.export_actions: dict[str, QAction] = {}
        for fmt, title in EXPORTS:
            action = export_menu.addAction(title)
            action.triggered.connect(lambda _checked=False, f=fmt: self.export_selected(f))
            self.export_actions[fmt] = action
        self.export_button.setMenu(export_menu)
        listing.add(hbox(self.issue_button, self.paid_button, self.rate_button, self.void_button, self.delete_button,
                         None, self.export_button))
        self.message = listing.add(label("", wrap=True))
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()  # until an action says something: an empty line was a blank strip under the buttons
        self.add(listing)

        self.preview_panel = Panel("Preview", subtitle="As the client will read it.")
        self.preview = DocumentView(restyled=False)
        self.preview_panel.add(self.preview)
        self.add(self.preview_panel)
        self.end()
        self._update_buttons()

    # -- data -------------------------------------------------------------------
    @property
    def ctx(self) -> AppContext:
        return self._context() if callable(self._context) else self._context

    @Slot()
    def refresh(self) -> None:
        self._reads.read(InvoicesPage.compute)

    @staticmethod
    def compute(ctx: AppContext) -> dict:
        """The clients, the invoices (drafts with their live totals) and the budgets: safe in a worker."""
        if ctx.demo:  # the demo's seller, client terms and sample invoice, made once
            service.ensure_demo_profile(ctx.store, ctx.zone())
        return {"clients": [c["name"] for c in service.client_list(ctx.store)], "rows": service.list_invoices(ctx.store),
                "budgets": client_budgets.budget_states(ctx.store, ctx.zone())}

    def _read_failed(self, text: str) -> None:  # never let a bad row take the dashboard down
        log.error("invoices page refresh failed: %s", text)
        self.show_message(f"Could not read invoices: {text}", error=True)

    def show_data(self, data: dict) -> None:
        """Draw what `compute` returned (GUI thread)."""
        selected = self.selected()
        keep = selected["id"] if selected else None
        clients, self.rows, budgets = data["clients"], data["rows"], data["budgets"]
        self.budget_label.setText(budget_text(budgets))
        self.budget_label.setVisible(bool(budgets))
        current = self.client_box.currentText()
        self.client_box.clear()
        self.client_box.addItems(clients)
        if current in clients:
            self.client_box.setCurrentText(current)
        self.create_button.setEnabled(bool(clients))
        if not clients:
            self.show_message("No clients yet: add a client tag on the Value page (under Tags) or with `tracker "
                              "tags add NAME --kind client`, then its billing details with `tracker invoice client "
                              "set NAME ...`.")
        self._fill_table(keep)

    def _fill_table(self, keep_id: int | None) -> None:
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            values = {
                "ref": row["number"] or f"Draft {row['id']}",
                "period": f"{row['since']} – {row['until']}",
                "amount": f"{row['total']} {row['currency']}" if row["total"] is not None else "?",
                "status": status_text(row),
                "balance": row["balance"] if row["status"] == "issued" and row["kind"] == "invoice" else "",
            }
            for c, (key, _) in enumerate(COLUMNS):
                item = QTableWidgetItem(str(values.get(key, row.get(key)) or ""))
                if key in ("amount", "balance"):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if key == "status":
                    tone = "bad" if row.get("overdue") else STATUS_TONES.get(row["status"])
                    if tone:
                        item.setForeground(QBrush(QColor(getattr(active(), tone))))
                    item.setData(Qt.ItemDataRole.ToolTipRole, row["voided_by"] and f"voided by {row['voided_by']}")
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if keep_id is not None:
            for r, row in enumerate(self.rows):
                if row["id"] == keep_id:
                    self.table.selectRow(r)
                    break
        fit_table_height(self.table, len(self.rows), max_rows=TABLE_ROWS_SHOWN)
        if self.selected() is None and self.rows:
            self.table.selectRow(0)  # the newest, with its preview: a page that shows something
        self._selection_changed()

    def selected(self) -> dict | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        if not rows:
            return None
        index = rows[0].row()
        return self.rows[index] if index < len(self.rows) else None

    def select_ref(self, ref: str | int) -> None:
        for r, row in enumerate(self.rows):
            if str(ref) in (str(row["id"]), row["number"]):
                self.table.selectRow(r)
                return
        raise KeyError(ref)

    @Slot()
    def _selection_changed(self) -> None:
        self._update_buttons()
        row = self.selected()
        if row is None:
            hint = ("Select an invoice to see its lines." if self.rows else
                    "No invoices yet: choose a client and a period above, then Create draft. A client is a tag "
                    "of kind client (Value page, or `tracker tags add NAME --kind client`).")
            self._preview_reads.cancel()  # a preview asked for before must not cover the hint
            self.preview.setHtml(f"<p style='color:{active().muted}'>{html.escape(hint)}</p>")
            return
        invoice_id = row["id"]
        self._preview_reads.read(lambda ctx: InvoicesPage.read_preview(ctx, invoice_id))

    @staticmethod
    def read_preview(ctx: AppContext, invoice_id: int) -> tuple[str, bool]:
        """(the invoice's preview, True) or (why there is none, False): safe in a worker (a draft's
        document reads every usage row it bills)."""
        try:
            return preview_html(service.document(ctx.store, invoice_id)), True
        except ValueError as exc:
            return str(exc), False

    def _show_preview(self, result: tuple[str, bool]) -> None:
        text, ok = result
        if ok:
            self.preview.setHtml(text)
        else:
            self.preview.setPlainText(text)

    def _preview_failed(self, text: str) -> None:
        self.preview.setPlainText(f"Could not read the invoice: {text}")

    def _update_buttons(self) -> None:
        row = self.selected()
        status = row["status"] if row else None
        kind = row["kind"] if row else None
        self.issue_button.setEnabled(status == "draft")
        self.rate_button.setEnabled(status == "draft" and row is not None and row["currency"] != "USD")
        self.delete_button.setEnabled(status == "draft")
        self.paid_button.setEnabled(status == "issued" and kind == "invoice")
        self.void_button.setEnabled(status in ("issued", "paid") and kind == "invoice")
        self.export_button.setEnabled(row is not None)
        for fmt, action in self.export_actions.items():
            action.setEnabled(row is not None and (fmt != "facturx" or status != "draft"))

    # -- actions ----------------------------------------------------------------
    def show_message(self, text: str, error: bool = False) -> None:
        set_role(self.message, "bad" if error else None)
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _run(self, action: Callable[[], str]) -> bool:
        try:
            text = action()
        except ValueError as exc:  # the service's sentences say what to do
            self.show_message(str(exc), error=True)
            return False
        self.show_message(text)
        self.refresh()
        return True

    @Slot()
    def create_draft(self) -> None:
        client = self.client_box.currentText()
        if not client:
            self.show_message("Choose a client first.", error=True)
            return

        def act() -> str:
            ctx = self.ctx
            inv = service.create_draft(ctx.store, client, _pydate(self.since_edit.date()),
                                       _pydate(self.until_edit.date()), ctx.zone(), self.group_box.currentText(),
                                       exchange_rate=self.rate_edit.text().strip() or None)
            self._pending_select = inv["id"]
            return f"Draft {inv['id']} created for {client}."

        self._pending_select = None
        if self._run(act) and self._pending_select is not None:
            self.select_ref(self._pending_select)

    def set_rate_selected(self, rate: str | None = None) -> None:
        row = self.selected()
        if row is None:
            return
        rate = rate or self.ask_text(f"Units of {row['currency']} per 1 USD (frozen when issued):",
                                     row.get("exchange_rate") or "")  # the current rate, to adjust
        if not rate:
            return
        keep = row["id"]

        def act() -> str:
            inv = service.set_exchange_rate(self.ctx.store, row["id"], rate)
            return f"Draft {inv['id']}: 1 USD = {inv['exchange_rate']} {inv['currency']}."

        if self._run(act):
            self.select_ref(keep)

    @Slot()
    def issue_selected(self) -> None:
        row = self.selected()
        if row is None or not self.confirm(
                f"Issue draft {row['id']} for {row['client']}? An issued invoice gets a number and never changes."):
            return
        keep = row["id"]

        def act() -> str:
            inv = service.issue(self.ctx.store, row["id"])
            return f"Issued {inv['number']}: {inv['document']['totals']['total']} {inv['currency']}."

        if self._run(act):
            self.select_ref(keep)

    @Slot()
    def mark_paid_selected(self) -> None:
        row = self.selected()
        if row is None:
            return
        self._run(lambda: f"{service.mark_paid(self.ctx.store, row['id'])['number']} marked paid.")

    @Slot()
    def void_selected(self) -> None:
        row = self.selected()
        if row is None or not self.confirm(
                f"Void {row['number']} with a credit note? Its usage becomes billable again."):
            return

        def act() -> str:
            note = service.void(self.ctx.store, row["id"])
            return f"Credit note {note['number']} voids {row['number']}."

        self._run(act)

    @Slot()
    def delete_selected(self) -> None:
        row = self.selected()
        if row is None or not self.confirm(f"Delete draft {row['id']}?"):
            return

        def act() -> str:
            service.delete_draft(self.ctx.store, row["id"])
            return f"Draft {row['id']} deleted."

        self._run(act)

    def export_selected(self, fmt: str, path: str | None = None) -> Path | None:
        row = self.selected()
        if row is None:
            return None
        try:
            data, name = service.export(self.ctx.store, row["id"], fmt)
        except ValueError as exc:
            self.show_message(str(exc), error=True)
            return None
        target = path or self.choose_path(name, fmt)
        if not target:
            return None
        try:
            Path(target).write_bytes(data)
            Path(target).chmod(0o600)
        except OSError as exc:
            self.show_message(f"Could not write {target}: {exc}", error=True)
            return None
        self.show_message(f"Wrote {target}.")
        return Path(target)

    # -- dialogs ----------------------------------------------------------------
    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self, "Invoices", text)
        return answer == QMessageBox.StandardButton.Yes

    def _ask_text(self, label: str, default: str) -> str | None:
        text, ok = QInputDialog.getText(self, "Invoices", label, text=default)
        return text.strip() if ok and text.strip() else None

    def _save_dialog(self, name: str, fmt: str) -> str | None:
        filters = {"pdf": "PDF (*.pdf)", "facturx": "PDF (*.pdf)", "csv": "CSV (*.csv)", "json": "JSON (*.json)"}
        path, _ = QFileDialog.getSaveFileName(self, "Export invoice", str(Path.home() / name), filters[fmt])
        return path or None


def budget_text(states: list[dict]) -> str:
    """'Budgets: acme 412.00 of 500.00 EUR (82.4%, above 80%) · ...' for the label above the list."""
    parts = []
    for b in states:
        if b["problem"]:
            parts.append(f"{b['client']}: {b['problem']}")
        else:
            flag = {"over": ", over budget", "warning": ", above 80%"}.get(b["state"], "")
            parts.append(f"{b['client']} {b['spent']} of {b['budget']} {b['currency']} ({b['pct']}%{flag})")
    return "AI budgets this month: " + " · ".join(parts) if parts else ""


def status_text(row: dict) -> str:
    """Draft, issued (due ...), overdue N days, paid, void; a credit note says so."""
    if row.get("overdue"):
        text = f"overdue {row['days_overdue']} d"
    elif row["status"] == "issued" and row.get("due_date"):
        text = f"issued, due {row['due_date']}"
    else:
        text = row["status"]
    return f"credit note, {text}" if row["kind"] == "credit_note" else text


def preview_html(doc: dict) -> str:
    """A compact HTML view of an invoice document for the preview pane."""
    e = html.escape
    cur = doc["currency"]
    p = active()
    color = getattr(p, STATUS_TONES.get(doc.get("status", ""), "text"))
    title = doc.get("number") or f"Draft {doc.get('draft_id')}"
    head = (f"<h3 style='margin:0'>{e(title)} <span style='color:{color}'>[{e(doc.get('status', ''))}]</span></h3>"
            f"<p style='margin:2px 0'>{e(doc['buyer']['name'])} · {e(doc['period']['since'])} – "
            f"{e(doc['period']['until'])} · {e(doc['plan'])}</p>")
    # the same columns as the PDF: cache tokens are most of an agent's tokens (and often of its cost)
    def tokens(line: dict) -> str:
        if line["kind"] not in ("usage", "adjustment"):  # hours, fees, expenses: no token counts
            return "<td></td><td></td><td></td>"
        cache = line["cache_read_tokens"] + line["cache_write_tokens"]
        return "".join(f"<td align='right'>{n:,}</td>" for n in (line["input_tokens"], cache, line["output_tokens"]))

    rows = "".join(
        f"<tr><td>{line['position']}</td><td>{e(line['description'])}</td>{tokens(line)}"
        f"<td align='right'>{e(line['amount'])}</td></tr>"
        for line in doc["lines"]
    )
    t = doc["totals"]
    taxes = "".join(f"<tr><td colspan=5 align='right'>{e(x['name'])} {e(x['rate_pct'])}%</td>"
                    f"<td align='right'>{e(x['amount'])}</td></tr>" for x in t["taxes"])
    discount = ""
    if Decimal(t["discount"]) != 0:  # as on the PDF: no "Discount -0.00" line
        discount = (f"<tr><td colspan=5 align='right'>Discount ({Decimal(t['discount_pct']).normalize():f}%)</td>"
                    f"<td align='right'>{e(str(-Decimal(t['discount'])))}</td></tr>")
    discount += "".join(f"<tr><td colspan=5 align='right'>{e(a['reason'])}</td>"
                        f"<td align='right'>{e(str(-Decimal(a['amount'])))}</td></tr>" for a in t.get("allowances", []))
    table = (
        "<table width='100%' cellspacing=0 cellpadding=3>"
        f"<tr style='background:{p.sunken};color:{p.muted}'><th>#</th><th align='left'>Line</th><th>Input</th>"
        f"<th>Cache</th><th>Output</th><th align='right'>Amount ({e(cur)})</th></tr>{rows}"
        f"<tr><td colspan=5 align='right'>Subtotal</td><td align='right'>{e(t['subtotal'])}</td></tr>"
        f"{discount}{taxes}"
        f"<tr><td colspan=5 align='right'><b>Total</b></td><td align='right'><b>{e(t['total'])} {e(cur)}</b></td>"
        "</tr></table>"
    )
    warnings = "".join(f"<p style='color:{p.bad}'>{e(w)}</p>" for w in doc.get("warnings", []))
    return head + table + warnings
