"""The dashboard's design system: the pieces every page is made of.

A page is a `Page` (a vertical scroll area that never scrolls sideways) holding a `PageHeader`,
then `CardRow`s, `Panel`s (a titled frame around a chart or a table), tables styled by
`style_table`, `Banner`s and `EmptyState`s. Colours come from the style sheet by object name
(theme.stylesheet); spacing from theme's one scale. Page modules hold what is particular to
the page, and no styling of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QBoxLayout, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QListWidget, QPushButton, QScrollArea,
    QSizePolicy, QStyleOptionViewItem, QTableView, QTableWidget, QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget,
)

from tracker.gui.theme import PAGE_MARGIN_PX, SPACE_L, SPACE_M, SPACE_S, SPACE_XS, active

FIGURES_PROPERTY = "figure_columns"
WRAP_COLUMN_PROPERTY = "wrap_column"  # the column of a table whose text wraps (wrap_column)
CARD_MIN_PX = 170  # below this a card's figure and note wrap badly: the row takes fewer columns
TABLE_ROW_PX = 26
TONES = ("good", "warn", "bad", "muted")


def label(text: str = "", role: str | None = None, wrap: bool = False) -> QLabel:
    """A label with a style role (an object name the style sheet colours: muted, good, warn, bad...)."""
    widget = QLabel(text)
    if role:
        widget.setObjectName(role)
    widget.setWordWrap(wrap)
    return widget


def set_role(widget: QWidget, role: str | None) -> None:
    """Change a widget's style role and redraw it with the style sheet's rule for the new role."""
    if widget.objectName() == (role or ""):
        return
    widget.setObjectName(role or "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def hbox(*widgets, spacing: int = SPACE_S, stretch_at: int | None = None) -> QHBoxLayout:
    """A row of widgets (None adds a stretch at that place)."""
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(spacing)
    for widget in widgets:
        if widget is None:
            row.addStretch(1)
        elif isinstance(widget, QHBoxLayout | QVBoxLayout | QGridLayout):
            row.addLayout(widget)
        else:
            row.addWidget(widget)
    return row


class _Titled:
    """A title, a muted line under it, and a row for actions on the right (pages and panels alike)."""

    def _title_row(self, title: str, subtitle: str, role: str, spacing: int) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(spacing)
        texts = QVBoxLayout()
        texts.setSpacing(2 if role == "pageTitle" else 0)
        self.title = label(title, role)
        self.subtitle = label(subtitle, "muted", wrap=True)
        self.subtitle.setVisible(bool(subtitle))
        texts.addWidget(self.title)
        texts.addWidget(self.subtitle)
        row.addLayout(texts, stretch=1)
        self.actions = QHBoxLayout()
        self.actions.setSpacing(SPACE_S)
        row.addLayout(self.actions)
        return row

    def set_subtitle(self, text: str) -> None:
        self.subtitle.setText(text)
        self.subtitle.setVisible(bool(text))


class PageHeader(_Titled, QWidget):
    """The page's title, a muted line under it, and its actions on the right."""

    def __init__(self, title: str, subtitle: str = "", parent=None):
        QWidget.__init__(self, parent)
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)
        self.layout().addLayout(self._title_row(title, subtitle, "pageTitle", SPACE_M))

    def add_action(self, widget: QWidget) -> QWidget:
        self.actions.addWidget(widget, alignment=Qt.AlignmentFlag.AlignBottom)
        return widget


class _PageColumn:
    """The column every page lays out in: the page's margins, spacing, and its header first."""

    def _build_column(self, body: QWidget, title: str, subtitle: str) -> None:
        self.column = QVBoxLayout(body)
        self.column.setContentsMargins(PAGE_MARGIN_PX, SPACE_L, PAGE_MARGIN_PX, PAGE_MARGIN_PX)
        self.column.setSpacing(SPACE_L)
        self.header = PageHeader(title, subtitle)
        self.column.addWidget(self.header)

    def add(self, item, stretch: int = 0):
        if isinstance(item, QHBoxLayout | QVBoxLayout | QGridLayout):
            self.column.addLayout(item, stretch)
        else:
            self.column.addWidget(item, stretch)
        return item

    def end(self) -> None:
        """Content sits at the top; the space left goes below it."""
        self.column.addStretch(1)


class Page(_PageColumn, QScrollArea):
    """A dashboard page: scrolls up and down when the window is short, never sideways."""

    def __init__(self, title: str, subtitle: str = "", parent=None):
        QScrollArea.__init__(self, parent)
        self.setObjectName("page")
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QWidget(objectName="pageBody")
        self.setWidget(self.body)
        self._build_column(self.body, title, subtitle)


class FillPage(_PageColumn, QWidget):
    """A page whose table takes the window's height (and scrolls inside itself): the Usage rows."""

    def __init__(self, title: str, subtitle: str = "", parent=None):
        QWidget.__init__(self, parent)
        self.setObjectName("pageBody")
        self._build_column(self, title, subtitle)


class Card(QFrame):
    """One figure with its title and a muted note under it."""

    def __init__(self, title: str, parent=None):
        super().__init__(parent)
        self.setObjectName("card")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_M)
        layout.setSpacing(2)
        self.title = label(title, "cardTitle")
        self.value = label("—", "cardValue")
        self.note = label("", "cardNote", wrap=True)
        for widget in (self.title, self.value, self.note):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setMinimumWidth(CARD_MIN_PX)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def set(self, value: str, note: str = "", tone: str | None = None) -> None:
        """The figure, its note, and a tone for the figure (good, warn, bad) or None."""
        self.value.setText(value)
        self.note.setText(note)
        self.note.setVisible(bool(note))
        self.value.setProperty("tone", tone or "")
        set_role(self.value, f"cardValue-{tone}" if tone in TONES else "cardValue")


class CardRow(QWidget):
    """Cards side by side, as many per row as the width holds at CARD_MIN_PX (then a second row)."""

    def __init__(self, cards: Iterable[Card], parent=None):
        super().__init__(parent)
        self.cards = list(cards)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(SPACE_M)
        self._columns = 0
        self._place(len(self.cards))

    def _place(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for card in self.cards:
            self.grid.removeWidget(card)
        for i in range(self.grid.columnCount()):
            self.grid.setColumnStretch(i, 0)
        for i, card in enumerate(self.cards):
            self.grid.addWidget(card, i // columns, i % columns)
        for i in range(columns):
            self.grid.setColumnStretch(i, 1)

    def columns_for(self, width: int) -> int:
        """As many as fit; when they take two rows or more, rows as even as can be (5 cards: 3 and 2)."""
        fits = max(1, min(len(self.cards), (width + SPACE_M) // (CARD_MIN_PX + SPACE_M)))
        rows = -(-len(self.cards) // fits)
        return -(-len(self.cards) // rows)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(CARD_MIN_PX)
        return hint

    def resizeEvent(self, event) -> None:
        self._place(self.columns_for(event.size().width()))
        super().resizeEvent(event)


class Panel(_Titled, QFrame):
    """A titled frame around a chart or a table, with its controls on the title's right."""

    def __init__(self, title: str, content: QWidget | None = None, subtitle: str = "", parent=None):
        QFrame.__init__(self, parent)
        self.setObjectName("panel")
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_L)
        self.column.setSpacing(SPACE_S)
        self.column.addLayout(self._title_row(title, subtitle, "panelTitle", SPACE_S))
        self.controls = self.actions
        if content is not None:
            self.column.addWidget(content, stretch=1)

    def add_control(self, widget: QWidget) -> QWidget:
        self.controls.addWidget(widget)
        return widget

    def add(self, item, stretch: int = 0):
        """A widget or a layout, under the title."""
        if isinstance(item, QHBoxLayout | QVBoxLayout | QGridLayout):
            self.column.addLayout(item, stretch)
        else:
            self.column.addWidget(item, stretch)
        return item



class Banner(QFrame):
    """A problem to act on (kind "error") or a thing to know ("notice"), with an optional button."""

    def __init__(self, kind: str = "error", parent=None):
        super().__init__(parent)
        self.setObjectName("banner" if kind == "error" else "notice")
        row = QHBoxLayout(self)
        row.setContentsMargins(SPACE_M, SPACE_S, SPACE_S, SPACE_S)
        row.setSpacing(SPACE_M)
        self.text = label("", wrap=True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.text.setMinimumWidth(200)
        self.button = QPushButton()
        self.button.hide()
        self._callback: Callable[[], None] | None = None
        self.button.clicked.connect(self._clicked)
        row.addWidget(self.text, stretch=1)
        row.addWidget(self.button, alignment=Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_message(self, text: str, action: str | None = None, callback: Callable[[], None] | None = None) -> None:
        self.text.setText(text)
        self._callback = callback
        self.button.setText(action or "")
        self.button.setVisible(bool(action and callback))
        self.setVisible(bool(text))

    def clear(self) -> None:
        self.show_message("")

    def _clicked(self) -> None:
        if self._callback is not None:
            self._callback()


class EmptyState(QWidget):
    """What an empty list or chart says instead: what it will show, and how to get there."""

    def __init__(self, title: str, text: str, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(SPACE_L, SPACE_L, SPACE_L, SPACE_L)
        column.setSpacing(SPACE_S)
        column.addStretch(1)
        self.title = label(title, "panelTitle")
        self.text = label(text, "muted", wrap=True)
        for widget in (self.title, self.text):
            widget.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            column.addWidget(widget)
        self.buttons = QHBoxLayout()
        self.buttons.addStretch(1)
        self.buttons.addStretch(1)
        column.addLayout(self.buttons)
        column.addStretch(1)

    def add_button(self, text: str, callback: Callable[[], None], primary: bool = False) -> QPushButton:
        button = QPushButton(text)
        if primary:
            button.setObjectName("primary")
        button.clicked.connect(callback)
        self.buttons.insertWidget(self.buttons.count() - 1, button)
        return button

    def set_text(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.text.setText(text)


class DocumentView(QTextBrowser):
    """A report written as HTML (the same as an export's) shown whole in its scrolling page: as tall as its
    text, so there is no small scroll box inside the page, its headings at the size of the page's panel
    titles and its tables drawn in the palette's lines (readable dark too); `restyled=False` keeps the
    document's own look (an invoice as its client reads it)."""

    def __init__(self, restyled: bool = True, parent=None):
        super().__init__(parent)
        self.restyled = restyled
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)

    def setHtml(self, text: str) -> None:
        # (a heading's size as a keyword: Qt keeps a heading's own larger size over a size in pt or px)
        p = active()
        self.document().setDefaultStyleSheet("" if not self.restyled else 
            f"h1 {{ font-size: large; font-weight: 600; margin: 0 0 {SPACE_XS}px 0; }} "
            f"h2 {{ font-size: medium; font-weight: 600; margin: {SPACE_M}px 0 {SPACE_XS}px 0; }} "
            f"table {{ border-color: {p.border}; border-style: solid; }} th {{ background-color: {p.sunken}; }}")
        super().setHtml(text)
        self._fit_height()

    def setPlainText(self, text: str) -> None:
        super().setPlainText(text)
        self._fit_height()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()  # a narrower view wraps its text onto more lines

    def _fit_height(self, *_) -> None:
        scroll = self.horizontalScrollBar()
        wide = scroll.sizeHint().height() if scroll.maximum() > 0 else 0  # a table wider than the page
        self.setFixedHeight(int(self.document().size().height()) + 2 * self.frameWidth() + wide)


def primary_button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName("primary")
    return button


def style_table(view: QTableView, stretch_column: int = 0, numeric_columns: Iterable[int] = ()) -> None:
    """The one table look: alternating rows, no row numbers, figures to the right, one column that
    takes the room left (the others fit their contents; no stretched last column)."""
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(TABLE_ROW_PX)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setMinimumSectionSize(48)
    if stretch_column is not None and stretch_column >= 0:
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    view.setProperty("numeric_columns", list(numeric_columns))
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def fit_table_height(view: QTableView, rows: int, max_rows: int | None = None) -> None:
    """Show every row (up to max_rows) without an inner scroll bar: the page scrolls instead."""
    shown = rows if max_rows is None else min(rows, max_rows)
    header = view.horizontalHeader().sizeHint().height()
    count = view.model().rowCount()
    # each row as tall as it is (a row whose text wraps is taller); an empty table one row tall
    rows_px = sum(view.rowHeight(row) if row < count else TABLE_ROW_PX for row in range(max(1, shown)))
    view.setFixedHeight(header + rows_px + 2 * view.frameWidth() + SPACE_XS)


def wrap_column(table: QTableView, column: int) -> None:
    """The column's text (the one that takes the room left) wraps in the room it has, rather than ending in
    "…" in a narrow window: each row as tall as its lines, the table as tall as its rows (fit_rows, again at
    each new width of the column). For tables that show every row: the page scrolls, not the table."""
    table.setWordWrap(True)
    table.setProperty(WRAP_COLUMN_PROPERTY, column)

    def resized(section: int, _old_px: int, new_px: int) -> None:
        if section == column:
            fit_rows(table, new_px)

    table.horizontalHeader().sectionResized.connect(resized)


def fit_rows(table: QTableView, column_px: int | None = None) -> None:
    """Every row shown (fit_table_height), each as tall as the text of its wrapping column (wrap_column) at
    column_px (default: the column's width), with the room a one-line row has around its text.

    The text's height is the one the table's own delegate lays it out in: while the header tells of a
    resize, the table's own figures (columnWidth, sizeHintForRow) still have the old width.
    """
    column = table.property(WRAP_COLUMN_PROPERTY)
    rows = table.model().rowCount()
    if column is not None:
        option = QStyleOptionViewItem()
        table.initViewItemOption(option)  # (with the table's font and word wrap)
        option.rect = QRect(0, 0, table.columnWidth(column) if column_px is None else column_px, TABLE_ROW_PX)
        delegate, model, line_px = table.itemDelegate(), table.model(), table.fontMetrics().lineSpacing()
        for row in range(rows):
            text_px = delegate.sizeHint(option, model.index(row, column)).height()
            table.setRowHeight(row, TABLE_ROW_PX + max(0, text_px - line_px))
    fit_table_height(table, rows)


def fit_list_height(view: QListWidget, max_rows: int = 4) -> None:
    """As tall as its items (up to max_rows, then it scrolls): one plan in a box four lines tall looked lost."""
    shown = min(max(1, view.count()), max_rows)
    row = view.sizeHintForRow(0) if view.count() else TABLE_ROW_PX
    view.setFixedHeight(row * shown + 2 * view.frameWidth() + SPACE_XS)


class Columns(QWidget):
    """Two or more panels side by side when the page is wide enough, one above the other when not."""

    def __init__(self, widgets: Iterable[QWidget], stretches: Iterable[int] | None = None, min_width_px: int = 900,
                 same_height: bool = False, parent=None):
        """same_height: side by side, each is as tall as the tallest (two charts that read as a pair); else
        each keeps its own height, at the top."""
        super().__init__(parent)
        self.widgets = list(widgets)
        self.min_width_px = min_width_px
        self.box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(SPACE_L)
        align = Qt.AlignmentFlag(0) if same_height else Qt.AlignmentFlag.AlignTop
        for widget, stretch in zip(self.widgets, stretches or [1] * len(self.widgets)):
            self.box.addWidget(widget, stretch, align)

    def minimumSizeHint(self):
        hint = super().minimumSizeHint()
        hint.setWidth(max((w.minimumSizeHint().width() for w in self.widgets), default=0))
        return hint

    def resizeEvent(self, event) -> None:
        wide = event.size().width() >= self.min_width_px
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.box.direction() != direction:
            self.box.setDirection(direction)
        super().resizeEvent(event)


def figure_table(headers: list[str], stretch_column: int = 0, figures: Iterable[int] | None = None) -> QTableWidget:
    """A read-only table: `figures` are the columns of numbers (right-aligned, header too; default: every
    column but the first), the others text."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    style_table(table, stretch_column=stretch_column)
    wrap_column(table, stretch_column)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    figures = sorted(range(1, len(headers)) if figures is None else figures)
    table.setProperty(FIGURES_PROPERTY, figures)
    for column in figures:
        table.horizontalHeaderItem(column).setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return table


def tone_brush(tone: str) -> QBrush:
    """A table cell's text in a tone of the palette: good, bad, else muted."""
    p = active()
    return QBrush(QColor({"good": p.good, "bad": p.bad}.get(tone, p.muted)))


def fill_table(table: QTableWidget, rows: list[list[str]], bold_last: bool = False,
               muted_rows: Iterable[int] = ()) -> None:
    """Rows of text (figures right-aligned, a bold totals row last if asked, `muted_rows` in the muted tone:
    figures of the past), every row shown, the wrapping column's rows as tall as their lines; a cell cut short
    by a narrow window keeps its whole text as a tooltip."""
    table.setRowCount(len(rows))
    figures = set(table.property(FIGURES_PROPERTY) or range(1, table.columnCount()))
    muted = set(muted_rows)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            if r in muted:
                item.setForeground(tone_brush("muted"))
            if c in figures:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if bold_last and r == len(rows) - 1:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            item.setToolTip(text)
            table.setItem(r, c, item)
    fit_rows(table)
