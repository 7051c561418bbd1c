"""Usage: a sortable, filterable table of daily rows, sessions or projects."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from PySide6.QtCore import QAbstractTableModel, QDate, QEvent, QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QDateEdit, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu, QPushButton, QTableView

from tracker.core.money import usd_to_pico
from tracker.gui.components import FillPage, label, style_table
from tracker.gui.menu_model import source_label
from tracker.services.source_names import source_names
from tracker.gui.model import DashboardModel
from tracker.gui.theme import SPACE_S, active, paid_or_in_plan, usd
from tracker.services.usage import (
    NARROW_HIDES, SESSIONS_ORDER, USAGE_VIEWS, UsageTable, more_rows, tag_names, tag_rows, usage_table,
)

DEFAULT_DAYS = 30
# Long lists and ids (a session's models, its id) are cut to this width, the whole text in the tooltip, so
# they do not push the token columns out of a wide window
LONG_TEXT_COLUMNS = ("models", "session")
LONG_TEXT_MAX_PX = 240
# A whole table's first order when it is shown: the newest days first, the dearest projects first
WHOLE_TABLE_ORDER = {"daily": ("date", True), "projects": ("cost_usd", True)}
# The sessions are filtered in the database (every match, not only the pages loaded): once typing pauses
FILTER_PAUSE_MS = 300
# Room after the sorted column's right-aligned header text, where the style draws the sort arrow (it covered
# the text's last letters: "Cost▲"). Only that column is widened, not every header (at 1024 px a wider header
# for every column hid one more column of the sessions).
ARROW_ROOM = "\u2003"  # an em space
SEARCHING_TEXT = "Searching…"


def _display(column: str, value) -> str:
    if value is None:
        return "unpriced" if column == "cost_usd" else ""
    if column == "source":
        return source_label(value)
    if column == "first_seen" and isinstance(value, str):  # local ISO time with offset: the minute is enough
        return value.replace("T", " ")[:16]
    if column in ("cost_usd", "estimated_usd", "billed_usd"):
        return usd(usd_to_pico(value))
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(value)
    return str(value)


# Droid and older Hermes keep a session's token totals but not how many calls made them: their rows count 0
# requests, which read as "no request" beside their tokens
UNCOUNTED_CALLS_TIP = "Not recorded: this agent keeps a session's token totals, not how many requests made them."


def _calls_not_counted(row: dict) -> bool:
    """Tokens, and 0 requests: the agent did not record its calls (not: no request)."""
    return row.get("requests") == 0 and any(isinstance(v, int) and v > 0 for k, v in row.items()
                                            if k.endswith("_tokens"))


def _figure_column(column: str) -> bool:
    """A column of figures: its numbers, and its header, to the right."""
    return column == "requests" or column.endswith(("_usd", "_tokens", "_requests"))


def _plan_covered_pico(row: dict) -> int:
    """The row's usage a subscription plan covered, at API-equivalent prices (0 without plans)."""
    return usd_to_pico(row.get("plan_covered_usd") or 0)


def _sort_key(value):
    if value is None:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    if isinstance(value, str):
        try:
            return (1, Decimal(value))
        except ArithmeticError:
            return (2, value.lower())
    return (2, str(value))


class UsageTableModel(QAbstractTableModel):
    """The rows of a UsageTable; a paged one (the sessions) asks for its next page when the view scrolls to
    its end (canFetchMore / fetchMore: `moreWanted`, answered by append_rows)."""

    SORT_ROLE = Qt.ItemDataRole.UserRole + 1
    moreWanted = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = UsageTable(columns=[], headers=[], rows=[])
        self.fetching = False  # a page asked for and not yet answered
        self.arrow_section = -1  # the column the header's sort arrow is on

    def set_table(self, table: UsageTable) -> None:
        self.beginResetModel()
        self.table = table
        self.fetching = False
        self.endResetModel()

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and not self.table.complete and not self.fetching

    def fetchMore(self, parent=QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self.fetching = True
            self.moreWanted.emit()

    def append_rows(self, table: UsageTable, rows: list[dict]) -> None:
        """The next page of `table` (dropped when another table is shown since it was asked for)."""
        if table is not self.table:
            return
        self.fetching = False
        if rows:
            first = len(self.table.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self.table.rows.extend(rows)
            self.endInsertRows()
        else:  # the range changed under it (a sync): what is there is all there will be
            self.table.total_rows = len(self.table.rows)

    def set_arrow_section(self, section: int) -> None:
        before, self.arrow_section = self.arrow_section, section
        for changed in {before, section} - {-1}:
            if changed < self.columnCount():
                self.headerDataChanged.emit(Qt.Orientation.Horizontal, changed, changed)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.table.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            arrow_beside = section == self.arrow_section and _figure_column(self.table.columns[section])
            return self.table.headers[section] + (ARROW_ROOM if arrow_beside else "")
        if role == Qt.ItemDataRole.TextAlignmentRole:  # over its figures, which are right-aligned
            right = _figure_column(self.table.columns[section])
            return int((Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft)
                       | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        column = self.table.columns[index.column()]
        row = self.table.rows[index.row()]
        value = row.get(column)
        covered = _plan_covered_pico(row) if column == "cost_usd" else 0
        if column == "requests" and _calls_not_counted(row):
            if role == Qt.ItemDataRole.DisplayRole:
                return "—"
            if role == Qt.ItemDataRole.ToolTipRole:
                return UNCOUNTED_CALLS_TIP
        if role == Qt.ItemDataRole.DisplayRole:
            # $0.00 would read as free: the usage was paid for by a plan
            return paid_or_in_plan(usd_to_pico(value), covered) if value is not None and covered \
                else _display(column, value)
        if role == Qt.ItemDataRole.ToolTipRole and covered:
            return (f"{usd(covered)} of this usage (at API prices) was covered by your subscription plan; "
                    "the cost column counts only money paid as you go")
        if role == Qt.ItemDataRole.ToolTipRole and column in LONG_TEXT_COLUMNS:
            return _display(column, value) or None
        if role == self.SORT_ROLE:
            return _sort_key(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and (isinstance(value, int) or column.endswith("_usd")):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == "cost_usd" and value is None:
            return QColor(active().warn)
        return None


class SortProxy(QSortFilterProxyModel):
    """Sorts the loaded rows; a paged table is sorted by the database instead (`sortWanted`: the page reads
    its first page again in that order), as the loaded rows are only the first of it."""

    sortWanted = Signal(int, Qt.SortOrder)

    def lessThan(self, left: QModelIndex, right: QModelIndex) -> bool:
        role = UsageTableModel.SORT_ROLE
        return left.data(role) < right.data(role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        source = self.sourceModel()
        if column >= 0 and isinstance(source, UsageTableModel) and source.table.paged:
            self.sortWanted.emit(column, order)
            return
        super().sort(column, order)

    def keep_source_order(self) -> None:
        super().sort(-1)


class UsagePage(FillPage):
    def __init__(self, model: DashboardModel, parent=None):
        super().__init__("Usage", "Every request, by day, session or project: sort, filter, and tag what it was for.",
                         parent)
        self.model = model

        controls = QHBoxLayout()
        controls.setSpacing(SPACE_S)
        self.view = QComboBox()
        for key, title in USAGE_VIEWS.items():
            self.view.addItem(title, key)
        controls.addWidget(self.view)
        controls.addWidget(QLabel("from"))
        today = self._today()
        self._range_today = today  # the today the default range ends on (see _follow_today)
        self.since = QDateEdit(QDate(today - timedelta(days=DEFAULT_DAYS - 1)), calendarPopup=True)
        self.until = QDateEdit(QDate(today), calendarPopup=True)
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd")
        controls.addWidget(self.since)
        controls.addWidget(QLabel("to"))
        controls.addWidget(self.until)
        self.filter = QLineEdit(placeholderText="Filter rows (model, source, project, date…)")
        self.filter.setClearButtonEnabled(True)
        controls.addWidget(self.filter, stretch=1)
        show = QPushButton("Show")
        controls.addWidget(show)
        self.tag_button = QPushButton("Tag selection…")
        self.tag_button.setToolTip("Attach a value tag by hand to the usage behind the selected rows")
        self.tag_menu = QMenu(self)
        self.tag_menu.aboutToShow.connect(self._fill_tag_menu)
        self.tag_button.setMenu(self.tag_menu)
        self.header.add_action(self.tag_button)
        self.add(controls)

        self.table_model = UsageTableModel(self)
        self.proxy = SortProxy(self)
        # the sessions' order (read from the database a page at a time): newest first to begin with
        self._session_order = (SESSIONS_ORDER, True)
        self._hidden_note = ""  # the columns hidden to fit the window, said after the summary
        # the sessions' filter changed and its answer has not come yet (the pause, then the database query):
        # the summary says so instead of the last answer's figures
        self._searching = False
        self.proxy.setSourceModel(self.table_model)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        style_table(self.table, stretch_column=-1)
        self.table.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.add(self.table, stretch=1)
        self.table.viewport().installEventFilter(self)
        # what the last tagging did: kept over the reload that the tagging itself causes
        self.notice = self.add(label("", "notice", wrap=True))
        self.notice.hide()
        self.totals = self.add(label("", "muted", wrap=True))

        self._filter_pause = QTimer(self, singleShot=True, interval=FILTER_PAUSE_MS)
        self._filter_pause.timeout.connect(self.reload)
        self.filter.textChanged.connect(self._filter_changed)
        self.proxy.sortWanted.connect(self._sort_in_database)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._arrow_moved)
        self.table_model.moreWanted.connect(self._read_more)
        show.clicked.connect(self._show_clicked)
        self.view.currentIndexChanged.connect(self._show_clicked)
        model.dayRequested.connect(self.show_day)
        model.snapshotChanged.connect(self._on_snapshot)
        self._stale = False
        self._reads = model.reads(self._show_table, self._show_read_error)  # off the GUI thread in the app
        self._more_reads = model.reads(self._append_rows, self._show_more_error)  # the next page of sessions
        self.reload()

    def _today(self) -> date:
        """Today in the configured zone (the snapshot's), which can differ from this machine's."""
        return self.model.snapshot.today if self.model.snapshot else date.today()

    def _follow_today(self) -> None:
        """A range that ended on today moves with it (midnight passed, another zone chosen); one the user set stays."""
        today = self._today()
        if today == self._range_today:
            return
        if self.until.date().toPython() == self._range_today:
            shift = today - self._range_today
            self.since.setDate(QDate(self.since.date().toPython() + shift))
            self.until.setDate(QDate(today))
        self._range_today = today

    @Slot()
    def _on_snapshot(self) -> None:
        # New data: re-query now if shown, otherwise when the page is next shown (refresh()).
        self._follow_today()
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def refresh(self) -> None:
        if self._stale:
            self.reload()

    @Slot(date)
    def show_day(self, day: date) -> None:
        self.notice.hide()
        self.view.blockSignals(True)
        self.view.setCurrentIndex(self.view.findData("daily"))
        self.view.blockSignals(False)
        self.since.setDate(QDate(day))
        self.until.setDate(QDate(day))
        self.filter.clear()
        self.reload()

    def _dates(self) -> tuple[date, date]:
        since, until = self.since.date().toPython(), self.until.date().toPython()
        return (since, until) if since <= until else (until, since)

    def selected_rows(self) -> list[dict]:
        rows = {self.proxy.mapToSource(index).row() for index in self.table.selectionModel().selectedRows()}
        return [self.table_model.table.rows[r] for r in sorted(rows)]

    @Slot()
    def _fill_tag_menu(self) -> None:
        self.tag_menu.clear()
        names = tag_names(self.model.ctx.store)
        for name in names:
            self.tag_menu.addAction(name).triggered.connect(lambda _=False, n=name: self.tag_selected(n))
        if not names:
            self.tag_menu.addAction("No tags yet: add them on the Value page or with `tracker tags add`").setEnabled(False)
        self.tag_menu.addSeparator()
        self.tag_menu.addAction("Untagged (by hand)").triggered.connect(lambda: self.tag_selected(None, untag=True))
        self.tag_menu.addAction("Back to the rules").triggered.connect(lambda: self.tag_selected(None))

    def tag_selected(self, tag_name: str | None, untag: bool = False) -> None:
        rows = self.selected_rows()
        if not rows:
            self._notify("Select rows first, then choose a tag.")
            return
        table = self.table_model.table
        changed, skipped = tag_rows(self.model.ctx.store, self.model.zone(), table, rows, tag_name, untag)
        what = f"tagged {tag_name!r}" if tag_name else ("untagged" if untag else "given back to the rules")
        within = "" if table.view == "daily" else f" from {table.since} to {table.until}"
        note = f"; {skipped} row(s) without a project or session were left alone" if skipped else ""
        self._notify(f"{changed} usage record(s){within} {what}{note}.")
        self.model.refresh()

    def _notify(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    @Slot()
    def _show_clicked(self) -> None:
        self.notice.hide()  # a new question: the last tagging's answer no longer describes the table
        self.reload()

    @Slot()
    def reload(self, *args) -> None:
        since, until = self._dates()
        self._stale = False
        view = self.view.currentData()
        order, descending = self._session_order
        text = self.filter.text().strip() if view == "sessions" else ""
        named = tuple(source for source, name in source_names().items() if text and text.lower() in name.lower())
        self._filter_pause.stop()
        self._reads.read(lambda ctx: usage_table(ctx.store, ctx.zone(), view, since, until, order, descending,
                                                 text, named))

    @Slot(str)
    def _filter_changed(self, text: str) -> None:
        """A whole table (days, projects) is filtered on the screen at once; the sessions, read a page at a
        time, are looked up in the database once typing pauses (every match, not only the rows loaded)."""
        if self.table_model.table.paged or self.view.currentData() == "sessions":
            self._filter_pause.start()
            self._searching = True
        else:
            self.proxy.setFilterFixedString(text)
        self._show_summary()

    def _show_table(self, table: UsageTable) -> None:
        # a paged table holds only the rows that match already (the database filtered them)
        self._searching = self._filter_pause.isActive()  # (an answer to the text before the last change)
        self.proxy.setFilterFixedString("" if table.paged else self.filter.text())
        shown_before = self.table_model.table.view
        self.table_model.set_table(table)
        self.table.scrollToTop()  # a new answer (another order of the sessions) is read from its first row
        header = self.table.horizontalHeader()
        if table.paged:  # the rows come in the database's order: the header shows it
            self.proxy.keep_source_order()
            section, descending = table.columns.index(table.order), table.descending
        elif table.view == shown_before:  # the same view again: in the order the user chose
            section = header.sortIndicatorSection()
            descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        else:  # another view: its own first order (the sessions' left the rows unsorted under a stale arrow)
            column, descending = WHOLE_TABLE_ORDER[table.view]
            section = table.columns.index(column)
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header.blockSignals(True)
        header.setSortIndicator(section, order)
        header.blockSignals(False)
        self.table_model.set_arrow_section(section)
        if not table.paged:
            self.proxy.sort(section, order)
        self._fit_columns()

    @Slot(int, Qt.SortOrder)
    def _arrow_moved(self, section: int, order: Qt.SortOrder) -> None:
        self.table_model.set_arrow_section(section)

    @Slot(int, Qt.SortOrder)
    def _sort_in_database(self, column: int, order: Qt.SortOrder) -> None:
        """A click on a paged table's header: its first page again, in that column's order."""
        self._session_order = (self.table_model.table.columns[column], order == Qt.SortOrder.DescendingOrder)
        self.reload()

    @Slot()
    def _read_more(self) -> None:
        table = self.table_model.table
        self._more_reads.read(lambda ctx: (table, more_rows(ctx.store, ctx.zone(), table)))

    def _append_rows(self, answer: tuple[UsageTable, list[dict]]) -> None:
        first = self.table_model.rowCount()
        self.table_model.append_rows(*answer)
        self._widen_for(first)
        self._show_summary()

    def _widen_for(self, first: int) -> None:
        """Rows appended from `first` on: a column of figures whose new cells are wider than it grows to fit
        them. Only the new rows are measured: refitting every loaded row for each page grows with the pages
        (a few thousand sessions scrolled through took minutes)."""
        model, header = self.table_model, self.table.horizontalHeader()
        if first >= model.rowCount():
            return
        metrics = self.table.fontMetrics()
        for i, column in enumerate(model.table.columns):
            if header.isSectionHidden(i) or column in LONG_TEXT_COLUMNS:
                continue
            texts = [model.data(model.index(row, i)) or "" for row in range(first, model.rowCount())]
            widest = max(texts, key=metrics.horizontalAdvance)
            sample = self.proxy.mapFromSource(model.index(first + texts.index(widest), i))
            needed = self.table.sizeHintForIndex(sample).width()  # (the cell's margins and font, as Qt fits it)
            if needed > header.sectionSize(i):
                header.resizeSection(i, needed)

    def _show_more_error(self, text: str) -> None:
        self.table_model.fetching = False
        self._notify(f"Could not read more sessions: {text}")

    def _show_read_error(self, text: str) -> None:
        self._searching = False
        self._notify(f"Could not read the usage: {text}")
        self._show_summary()

    def _fit_columns(self) -> None:
        """Hide the least looked-at token columns while the table is too narrow for all of them (a table
        that scrolls sideways hides the figures at its right edge instead)."""
        table = self.table_model.table
        header = self.table.horizontalHeader()
        # Measured once, then fixed (Interactive): a section left to resize to its contents measures its rows
        # again at each size asked of it (up to 1,000 rows each time: seconds for the fitting below)
        for i in range(len(table.columns)):
            header.setSectionHidden(i, False)
            header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
        self.table.resizeColumnsToContents()
        for column in LONG_TEXT_COLUMNS:
            if column in table.columns and header.sectionSize(i := table.columns.index(column)) > LONG_TEXT_MAX_PX:
                header.resizeSection(i, LONG_TEXT_MAX_PX)
        room = self.table.viewport().width()

        def used() -> int:
            return sum(header.sectionSize(i) for i in range(len(table.columns)) if not header.isSectionHidden(i))

        fitted = {column: header.sectionSize(i) for i, column in enumerate(table.columns)}  # (0 once hidden)
        hidden = []
        for column in NARROW_HIDES:
            if used() <= room:
                break
            if column in table.columns:
                header.setSectionHidden(table.columns.index(column), True)
                hidden.append(column)
        # a wide column hidden last (the models) can leave room for a narrower one hidden before it
        for column in reversed(hidden[:-1]):
            if used() + fitted[column] <= room:
                header.setSectionHidden(table.columns.index(column), False)
                hidden.remove(column)
        hidden = [table.headers[table.columns.index(column)] for column in hidden]
        self._fill_width(room)
        self._hidden_note = f" · hidden to fit the window: {', '.join(hidden)}" if hidden else ""
        self._show_summary()

    def _fill_width(self, room: int) -> None:
        """The room the shown columns leave at the table's right, shared among them: no blank strip at the
        right edge, each figure still at the right of its (wider) column under its right-aligned header."""
        header = self.table.horizontalHeader()
        shown = [i for i in range(header.count()) if not header.isSectionHidden(i)]
        spare = room - sum(header.sectionSize(i) for i in shown)
        # a long list or id stays cut to its width (LONG_TEXT_MAX_PX): the figures get the room
        wider = [i for i in shown if self.table_model.table.columns[i] not in LONG_TEXT_COLUMNS] or shown
        if spare <= 0 or not wider:
            return
        share, rest = divmod(spare, len(wider))
        for n, i in enumerate(wider):
            header.resizeSection(i, header.sectionSize(i) + share + (rest if n == len(wider) - 1 else 0))

    def _show_summary(self) -> None:
        if self._searching:
            self.totals.setText(SEARCHING_TEXT)
            return
        table = self.table_model.table
        loaded = ""
        if not table.complete:
            loaded = f" · {len(table.rows):,} shown: scroll down for more"
        elif not table.paged and self.filter.text():
            shown = self.proxy.rowCount()
            loaded = f" · {shown:,} {'matches' if shown == 1 else 'match'} \u201c{self.filter.text()}\u201d"
        self.totals.setText(table.summary + loaded + self._hidden_note)

    def eventFilter(self, watched, event) -> bool:
        # The table's own width, not the page's: a page filled while hidden (its read finished
        # meanwhile) had a stale, narrow table, and showing it changes the table's width only.
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize \
                and event.size().width() != event.oldSize().width() and self.table_model.table.columns:
            self._fit_columns()
        return super().eventFilter(watched, event)
