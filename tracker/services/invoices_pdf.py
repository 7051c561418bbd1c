"""The invoice as a PDF a client can be sent (fpdf2: pure Python, no display needed).

fpdf2 rather than Qt's QPdfWriter: the CLI and headless machines export too,
and the GUI rule keeps Qt out of services. A Unicode TrueType font (DejaVu,
Liberation, Arial...) is embedded when one is found, so names and currency
signs print as written; otherwise the PDF core font is used and text outside
Latin-1 is transliterated. The PDF's dates are the issue time, so an issued
invoice renders to the same bytes every time.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import OutputIntentSubType
from fpdf.errors import FPDFException
from fpdf.output import PDFICCProfile

from tracker.services import invoices_calc as calc
from tracker.services.invoices_export import issued_at
from tracker.services.invoices_view import shows_cost, shows_tokens, token_summary

FONT_CANDIDATES = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("C:/Windows/Fonts/arial.ttf", "C:/Windows/Fonts/arialbd.ttf"),
)
PAGE_MARGIN_MM = 18
ACCENT = (31, 58, 95)  # deep blue
INK = (33, 37, 41)
MUTED = (108, 117, 125)
RULE = (222, 226, 230)
ZEBRA = (246, 248, 250)
LOGO_MAX_W_MM, LOGO_MAX_H_MM = 45, 20
# Lines table: (title, width mm, align); the description takes the rest.
NUMBER_COLUMNS = (("Qty", 18, "R"), ("Unit price", 26, "R"))
AMOUNT_W_MM = 28
USAGE_KINDS = ("usage", "adjustment")
UNIT_SUFFIX = {"HUR": " h"}
POS_W_MM = 8


# ICC header bytes 24..35 hold the profile's creation date; a fixed one keeps the PDF reproducible.
ICC_DATE_SLICE = slice(24, 36)
ICC_FIXED_DATE = bytes.fromhex("07ea00010001000000000000")  # 2026-01-01 00:00:00


def srgb_profile() -> bytes | None:
    """An sRGB ICC profile (built by Pillow's littleCMS) with a fixed date; None if unavailable."""
    try:
        from PIL import ImageCms
    except ImportError:  # Pillow built without littleCMS: the PDF is still a valid PDF
        return None
    try:
        data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    except ImageCms.PyCMSError:
        return None
    data[ICC_DATE_SLICE] = ICC_FIXED_DATE
    return bytes(data)


def _find_font() -> tuple[str, str] | None:
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            return regular, bold
    return None


def money(text: str, currency: str) -> str:
    value = Decimal(text)
    return f"{value:,} {currency}"


def count(n: int) -> str:
    return f"{n:,}" if n else "–"


class InvoicePDF(FPDF):
    def __init__(self, doc: dict):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc
        fonts = _find_font()
        if fonts:
            self.add_font("Body", "", fonts[0])
            self.add_font("Body", "B", fonts[1])
            self.family_name, self.unicode = "Body", True
        else:
            self.family_name, self.unicode = "Helvetica", False
        self.set_margins(PAGE_MARGIN_MM, PAGE_MARGIN_MM, PAGE_MARGIN_MM)
        self.set_auto_page_break(True, margin=22)

    def t(self, text: str) -> str:
        """Text the font can draw."""
        if self.unicode:
            return text
        text = text.replace("€", "EUR").replace("–", "-").replace("—", "-").replace("·", "-")
        return unicodedata.normalize("NFKD", text).encode("latin-1", "ignore").decode("latin-1")

    def font(self, size: float, bold: bool = False, color=INK) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        self.set_text_color(*color)

    def text_cell(self, w: float, h: float, text: str, align: str = "L", fill: bool = False,
                  border: int | str = 0) -> None:
        text = self.t(text)
        if self.get_string_width(text) > w - 2:  # keep a cell on one line: shorten with an ellipsis
            while text and self.get_string_width(text + "...") > w - 2:
                text = text[:-1]
            text += "..."
        self.cell(w, h, text, border=border, align=align, fill=fill, new_x="RIGHT", new_y="TOP")

    def footer(self) -> None:
        self.set_y(-16)
        self.set_draw_color(*RULE)
        self.line(PAGE_MARGIN_MM, self.get_y(), self.w - PAGE_MARGIN_MM, self.get_y())
        self.ln(2)
        seller = self.doc["seller"]
        parts = [seller.get("name"), f"VAT ID {seller['tax_id']}" if seller.get("tax_id") else "",
                 seller.get("email")]
        self.font(7.5, color=MUTED)
        width = self.w - 2 * PAGE_MARGIN_MM
        self.text_cell(width - 30, 4, "  ·  ".join(p for p in parts if p))
        self.text_cell(30, 4, f"Page {self.page_no()} of {{nb}}", align="R")


def _address_lines(party: dict) -> list[str]:
    lines = [x.strip() for x in (party.get("address") or "").splitlines() if x.strip()]
    city = " ".join(x for x in (party.get("postcode"), party.get("city")) if x)
    if city:
        lines.append(city)
    if party.get("country"):
        lines.append(party["country"])
    return lines


def _title(doc: dict) -> str:
    if doc["kind"] == "credit_note":
        return "CREDIT NOTE"
    return "INVOICE"


def _meta(doc: dict) -> list[tuple[str, str]]:
    meta = [("Issue date", doc["issue_date"])]
    if doc.get("due_date"):
        meta.append(("Due date", doc["due_date"]))
    period = doc["period"]
    meta.append(("Service period", f"{period['since']} – {period['until']}"))
    if doc.get("credit_for"):
        meta.append(("Voids invoice", doc["credit_for"]))
    if doc.get("status") == "paid" and doc.get("paid_date"):
        meta.append(("Paid", doc["paid_date"]))
    return meta


def _header(pdf: InvoicePDF, doc: dict, title: str | None = None, meta: list[tuple[str, str]] | None = None) -> None:
    seller = doc["seller"]
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, pdf.w, 5, style="F")
    top = PAGE_MARGIN_MM
    logo = seller.get("logo_path")
    if logo and Path(logo).is_file():
        try:
            from PIL import Image  # fpdf2's own dependency

            with Image.open(logo) as img:
                ratio = img.width / img.height
            w, h = (LOGO_MAX_H_MM * ratio, LOGO_MAX_H_MM)
            if w > LOGO_MAX_W_MM:  # a wide logo: fit the width, keep it left-aligned
                w, h = LOGO_MAX_W_MM, LOGO_MAX_W_MM / ratio
            pdf.image(logo, x=PAGE_MARGIN_MM, y=top, w=w, h=h)
            name_y = top + h + 2
        except (OSError, ValueError, FPDFException):  # an unreadable logo must not stop the invoice
            name_y = top
    else:
        name_y = top
    pdf.set_xy(PAGE_MARGIN_MM, name_y)
    pdf.font(15, bold=True, color=ACCENT)
    pdf.text_cell(100, 8, seller.get("name") or "")
    pdf.set_xy(PAGE_MARGIN_MM, name_y + 8)
    pdf.font(8.5, color=MUTED)
    for line in _address_lines(seller) + [x for x in (seller.get("email"),) if x]:
        pdf.set_x(PAGE_MARGIN_MM)
        pdf.text_cell(100, 4.2, line)
        pdf.ln(4.2)
    if seller.get("tax_id"):
        pdf.set_x(PAGE_MARGIN_MM)
        pdf.text_cell(100, 4.2, f"VAT ID {seller['tax_id']}")
        pdf.ln(4.2)
    left_bottom = pdf.get_y()
    # right: title and number
    right_x = pdf.w - PAGE_MARGIN_MM - 80
    pdf.set_xy(right_x, top)
    title = title or _title(doc)
    pdf.font(24 if len(title) <= 12 else 17, bold=True, color=ACCENT)  # "SECOND REMINDER" fits 80 mm
    pdf.text_cell(80, 11, title, align="R")
    pdf.set_xy(right_x, top + 12)
    pdf.font(11, bold=True)
    pdf.text_cell(80, 6, doc["number"] or "Draft — not issued", align="R")
    y = top + 20
    for label, value in meta if meta is not None else _meta(doc):
        pdf.set_xy(right_x, y)
        pdf.font(8.5, color=MUTED)
        pdf.text_cell(34, 5, label, align="R")
        pdf.font(8.5, bold=True)
        pdf.text_cell(46, 5, value, align="R")
        y += 5
    pdf.set_y(max(left_bottom, y) + 6)


def _addressee(pdf: InvoicePDF, doc: dict, heading: str) -> float:
    """The buyer's block under a rule, on the left; returns the block's top (the right side starts there)."""
    buyer = doc["buyer"]
    y = pdf.get_y()
    pdf.set_draw_color(*RULE)
    pdf.line(PAGE_MARGIN_MM, y, pdf.w - PAGE_MARGIN_MM, y)
    y += 4
    pdf.set_xy(PAGE_MARGIN_MM, y)
    pdf.font(7.5, bold=True, color=MUTED)
    pdf.text_cell(90, 4, heading)
    pdf.set_xy(PAGE_MARGIN_MM, y + 5)
    pdf.font(10.5, bold=True)
    pdf.text_cell(90, 5.5, buyer.get("name") or "")
    pdf.ln(5.5)
    pdf.font(8.5)
    lines = _address_lines(buyer)
    if buyer.get("tax_id"):
        lines.append(f"VAT ID {buyer['tax_id']}")
    if buyer.get("email"):
        lines.append(buyer["email"])
    for line in lines:
        pdf.set_x(PAGE_MARGIN_MM)
        pdf.text_cell(90, 4.2, line)
        pdf.ln(4.2)
    return y


def _bill_to(pdf: InvoicePDF, doc: dict) -> None:
    y = _addressee(pdf, doc, "BILL TO")
    left_bottom = pdf.get_y()
    # right: currency and plan
    right_x = pdf.w / 2 + 10
    pdf.set_xy(right_x, y)
    pdf.font(7.5, bold=True, color=MUTED)
    pdf.text_cell(80, 4, "DETAILS")
    rows = [("Currency", doc["currency"])]
    if doc.get("exchange_rate"):
        rows.append(("Exchange rate", f"1 USD = {doc['exchange_rate']} {doc['currency']}"))
    rows.append(("AI usage by", doc["group_by"]))
    yy = y + 5
    for label, value in rows:
        pdf.set_xy(right_x, yy)
        pdf.font(8.5, color=MUTED)
        pdf.text_cell(28, 4.6, label)
        pdf.font(8.5)
        pdf.text_cell(pdf.w - PAGE_MARGIN_MM - right_x - 28, 4.6, value)
        yy += 4.6
    pdf.set_xy(right_x, yy)
    pdf.font(8, color=MUTED)
    pdf.multi_cell(pdf.w - PAGE_MARGIN_MM - right_x, 4, pdf.t(doc["plan"]), align="L", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 7)


def _table_header(pdf: InvoicePDF, desc_w: float, currency: str) -> None:
    pdf.set_fill_color(*ACCENT)
    pdf.font(8, bold=True, color=(255, 255, 255))
    pdf.set_x(PAGE_MARGIN_MM)
    pdf.text_cell(POS_W_MM, 7, "#", align="C", fill=True)
    pdf.text_cell(desc_w, 7, "Description", fill=True)
    for title, width, align in NUMBER_COLUMNS:
        pdf.text_cell(width, 7, title, align=align, fill=True)
    pdf.text_cell(AMOUNT_W_MM, 7, f"Amount ({currency})", align="R", fill=True)
    pdf.ln(7)


def price_text(text: str, currency: str) -> str:
    """A unit price as the currency writes amounts (95 -> 95.00), more digits kept when it has them."""
    value = Decimal(text)
    q = calc.quantum(currency)
    if value == value.quantize(q):
        value = value.quantize(q)
    return f"{value:,}"


def usage_detail(line: dict, doc: dict) -> str:
    """The second row of an AI usage line: how it was charged, then what the client's disclosure shows."""
    parts = [line.get("detail") or ""]
    if shows_tokens(doc) and "requests" in line:
        parts.append(token_summary(line))
    if shows_cost(doc) and line.get("cost_usd") is not None:
        cost = calc.round_money(Decimal(line["cost_usd"]), "USD")  # the invoice's own rounding (half up)
        parts.append(f"underlying cost {cost:,} USD")
    return " · ".join(p for p in parts if p)


def _lines(pdf: InvoicePDF, doc: dict) -> None:
    width = pdf.w - 2 * PAGE_MARGIN_MM
    desc_w = width - POS_W_MM - AMOUNT_W_MM - sum(c[1] for c in NUMBER_COLUMNS)
    currency = doc["currency"]
    _table_header(pdf, desc_w, currency)
    row_h = 10
    for i, line in enumerate(doc["lines"]):
        if pdf.get_y() + row_h > pdf.page_break_trigger:
            pdf.add_page()
            _table_header(pdf, desc_w, currency)
        y = pdf.get_y()
        if i % 2:
            pdf.set_fill_color(*ZEBRA)
            pdf.rect(PAGE_MARGIN_MM, y, width, row_h, style="F")
        pdf.set_xy(PAGE_MARGIN_MM, y + 1)
        pdf.font(8.5, color=MUTED)
        pdf.text_cell(POS_W_MM, 4.5, str(line["position"]), align="C")
        usage = line["kind"] in USAGE_KINDS
        title = f"Adjustment: {line['group']}" if line["kind"] == "adjustment" else (
            line["group"] if usage else line["description"])
        pdf.font(8.8, bold=True)
        pdf.text_cell(desc_w, 4.5, title)
        pdf.font(8.5)
        quantity = "" if usage or "quantity" not in line else (
            f"{Decimal(line['quantity']):,}" + UNIT_SUFFIX.get(line.get("unit"), ""))
        unit_price = "" if usage or "unit_price" not in line else price_text(line["unit_price"], currency)
        for (_title, w, align), value in zip(NUMBER_COLUMNS, (quantity, unit_price)):
            pdf.text_cell(w, 4.5, value, align=align)
        pdf.font(8.8, bold=True)
        pdf.text_cell(AMOUNT_W_MM, 4.5, f"{Decimal(line['amount']):,}", align="R")
        pdf.set_xy(PAGE_MARGIN_MM + POS_W_MM, y + 5.5)
        pdf.font(7.3, color=MUTED)
        detail = usage_detail(line, doc) if usage else (line.get("detail") or "")
        pdf.text_cell(desc_w + sum(c[1] for c in NUMBER_COLUMNS), 4, detail)
        pdf.set_y(y + row_h)
    pdf.set_draw_color(*RULE)
    pdf.line(PAGE_MARGIN_MM, pdf.get_y(), pdf.w - PAGE_MARGIN_MM, pdf.get_y())
    if not doc["lines"]:
        pdf.font(9, color=MUTED)
        pdf.set_x(PAGE_MARGIN_MM)
        pdf.text_cell(width, 8, "Nothing billable in this period.")
        pdf.ln(8)


NO_TAX_LABEL = {"reverse_charge": "VAT 0% (reverse charge)", "exempt": "VAT 0% (exempt)"}


def _totals(pdf: InvoicePDF, doc: dict) -> None:
    t, cur = doc["totals"], doc["currency"]
    rows = [("Subtotal", t["subtotal"], False)]
    if Decimal(t["discount"]) != 0:
        rows.append((f"Discount ({Decimal(t['discount_pct']).normalize():f}%)", str(-Decimal(t["discount"])), False))
    for allowance in t.get("allowances", []):
        rows.append((allowance["reason"] or "Discount", str(-Decimal(allowance["amount"])), False))
    if Decimal(t["discount"]) != 0 or t.get("allowances"):
        rows.append(("Net amount", t["net"], False))
    for tax in t["taxes"]:
        rows.append((f"{tax['name']} {Decimal(tax['rate_pct']).normalize():f}% on {money(tax['base'], cur)}",
                     tax["amount"], False))
    if not t["taxes"]:
        rows.append((NO_TAX_LABEL.get((doc.get("tax") or {}).get("treatment"), "VAT"), "0", False))
    label = "Total credited" if doc["kind"] == "credit_note" else "Total due"
    rows.append((label, t["total"], True))
    _amount_rows(pdf, rows, cur)


def _amount_rows(pdf: InvoicePDF, rows: list[tuple[str, str, bool]], cur: str) -> None:
    """Right-aligned (label, amount, strong) rows; the strong one on the accent colour."""
    block_w, label_w = 92, 58
    x = pdf.w - PAGE_MARGIN_MM - block_w
    if pdf.get_y() + 3 + 6 * (len(rows) - 1) + 10.5 > pdf.page_break_trigger:  # the block's own height
        pdf.add_page()
    pdf.ln(3)
    for name, amount, strong in rows:
        pdf.set_x(x)
        if strong:
            pdf.ln(1.5)
            pdf.set_x(x)
            pdf.set_fill_color(*ACCENT)
            pdf.font(10.5, bold=True, color=(255, 255, 255))
            pdf.text_cell(label_w, 9, "  " + name, fill=True)
            pdf.text_cell(block_w - label_w, 9, money(amount, cur) + "  ", align="R", fill=True)
            pdf.ln(9)
        else:
            pdf.font(8.8, color=MUTED)
            pdf.text_cell(label_w, 6, name)
            pdf.font(8.8)
            pdf.text_cell(block_w - label_w, 6, money(amount, cur) if amount != "0" else "–", align="R")
            pdf.ln(6)


def _payment_and_notes(pdf: InvoicePDF, doc: dict) -> None:
    seller, width = doc["seller"], pdf.w - 2 * PAGE_MARGIN_MM
    pdf.ln(8)
    blocks: list[tuple[str, str]] = []
    if doc["kind"] == "invoice" and doc.get("due_date"):
        bank = [f"IBAN {seller['iban']}" if seller.get("iban") else "",
                f"BIC {seller['bic']}" if seller.get("bic") else "", seller.get("bank_name") or ""]
        bank_text = ", ".join(b for b in bank if b)
        text = (f"Please pay {money(doc['totals']['total'], doc['currency'])} by {doc['due_date']}"
                f" ({doc['payment_terms_days']} days)")
        text += f" to {bank_text}" if bank_text else ""
        text += f", quoting {doc['number']}." if doc.get("number") else "."
        blocks.append(("PAYMENT", text))
    tax_note = (doc.get("tax") or {}).get("note")
    if tax_note:
        blocks.insert(0, ("VAT", tax_note))
    notes = [doc["notes"]] if doc.get("notes") else []
    if doc.get("exchange_rate"):
        notes.append(f"Usage costs are in USD, converted at 1 USD = {doc['exchange_rate']} {doc['currency']} "
                     f"(rate fixed on {doc['issue_date']}).")
    if shows_cost(doc):
        notes.append("Cost basis: provider-billed = what the AI provider charged for the day, shared in proportion "
                     "to use; estimated = list price in force on the date of use; contract rate = agreed price per "
                     "million tokens.")
    notes.append(doc["rounding"])
    blocks.append(("NOTES", " ".join(notes)))
    for title, text in blocks:
        if pdf.get_y() + 18 > pdf.page_break_trigger:
            pdf.add_page()
        pdf.set_x(PAGE_MARGIN_MM)
        pdf.font(7.5, bold=True, color=MUTED)
        pdf.text_cell(width, 4.5, title)
        pdf.ln(4.8)
        pdf.set_x(PAGE_MARGIN_MM)
        pdf.font(8.3, color=MUTED if title == "NOTES" else INK)
        pdf.multi_cell(width, 4.2, pdf.t(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)


def _watermark(pdf: InvoicePDF) -> None:
    with pdf.local_context():
        pdf.font(90, bold=True, color=(235, 238, 242))
        with pdf.rotation(35, x=pdf.w / 2, y=pdf.h / 2):
            pdf.text(pdf.w / 2 - 60, pdf.h / 2 + 15, "DRAFT")


def _start(doc: dict, title: str, at) -> InvoicePDF:
    """A new PDF for `doc`: fonts, metadata dated `at` (so the same document gives the same bytes),
    the sRGB output intent, the first page."""
    pdf = InvoicePDF(doc)
    pdf.set_creation_date(at)
    pdf.set_title(pdf.t(f"{doc['seller'].get('name', '')}: {title}"))
    pdf.set_author(pdf.t(doc["seller"].get("name") or ""))
    pdf.set_subject(pdf.t(f"{title} for {doc['buyer']['name']}"))
    pdf.set_creator("tracker")
    pdf.set_lang("en-GB")
    icc = srgb_profile()
    if icc:  # PDF/A (Factur-X is PDF/A-3) wants the RGB colours tied to an output intent
        pdf.add_output_intent(
            OutputIntentSubType.PDFA, "sRGB IEC61966-2.1", "sRGB IEC61966-2.1", "http://www.color.org",
            PDFICCProfile(contents=icc, n=3, alternate="DeviceRGB"), "sRGB IEC61966-2.1",
        )
    pdf.add_page()
    return pdf


def render_pdf(doc: dict) -> bytes:
    """The invoice document as PDF bytes (deterministic for an issued invoice)."""
    pdf = _start(doc, f"{_title(doc).title()} {doc['number'] or '(draft)'}", issued_at(doc))
    if doc.get("status") == "draft" or not doc.get("number"):
        _watermark(pdf)
    _header(pdf, doc)
    _bill_to(pdf, doc)
    _lines(pdf, doc)
    _totals(pdf, doc)
    _payment_and_notes(pdf, doc)
    return bytes(pdf.output())


def render_reminder(doc: dict, letter: dict) -> bytes:
    """A payment reminder for an issued invoice (`letter`: level, title, day, pay_by, paid, balance,
    days_overdue, payments), dated by the reminder, from the invoice's frozen (client) document."""
    from tracker.core.timeutil import from_ms

    cur = doc["currency"]
    pdf = _start(doc, f"{letter['title'].title()} for {doc['number']}", from_ms(letter["issued_ms"]))
    _header(pdf, doc, title=letter["title"], meta=[
        ("Reminder date", letter["day"]), ("Invoice date", doc["issue_date"]), ("Due date", doc["due_date"]),
        ("Days overdue", str(letter["days_overdue"]))])
    _addressee(pdf, doc, "TO")
    pdf.ln(6)
    width = pdf.w - 2 * PAGE_MARGIN_MM
    received = "; ".join(f"{money(p['amount'], cur)} on {p['day']}" for p in letter["payments"])
    text = (f"Our invoice {doc['number']} of {doc['issue_date']} for {money(doc['totals']['total'], cur)} was due on "
            f"{doc['due_date']}. " + (f"We have received {received}, thank you. " if received else "")
            + f"{money(letter['balance'], cur)} is still open. If you have paid it in the meantime, please "
            "disregard this letter.")
    pdf.set_x(PAGE_MARGIN_MM)
    pdf.font(9.5)
    pdf.multi_cell(width, 5, pdf.t(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [("Invoice total", doc["totals"]["total"], False)]
    rows += [(f"Paid on {p['day']}", str(-Decimal(p["amount"])), False) for p in letter["payments"]]
    rows.append(("Balance due", letter["balance"], True))
    _amount_rows(pdf, rows, cur)
    seller = doc["seller"]
    bank = ", ".join(x for x in (f"IBAN {seller['iban']}" if seller.get("iban") else "",
                                 f"BIC {seller['bic']}" if seller.get("bic") else "", seller.get("bank_name") or "")
                     if x)
    pdf.ln(8)
    pdf.set_x(PAGE_MARGIN_MM)
    pdf.font(7.5, bold=True, color=MUTED)
    pdf.text_cell(width, 4.5, "PAYMENT")
    pdf.ln(4.8)
    pdf.set_x(PAGE_MARGIN_MM)
    pdf.font(8.3)
    pay = f"Please pay {money(letter['balance'], cur)} by {letter['pay_by']}" + (f" to {bank}" if bank else "")
    pdf.multi_cell(width, 4.2, pdf.t(pay + f", quoting {doc['number']}."), align="L", new_x="LMARGIN",
                   new_y="NEXT")
    return bytes(pdf.output())
