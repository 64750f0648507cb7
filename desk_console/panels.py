"""The console's lists that change while the operator looks at them: this desk's postponed visitors and the
supervisor's messages.

Both are updated in place, row by row, only where the server's view changed: nothing is cleared and built
again on the clock's tick, so a selected row stays selected, the list does not jump back to its top while the
operator reads it, and no item the view still refers to is deleted under it.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from .colours import STYLES
from .i18n import Catalogue
from .model import Message, PostponedInfo


def set_cell(table: QTableWidget, row: int, column: int, text: str, *, centred: bool = False,
             tip: str | None = None, colour: str | None = None) -> None:
    """Write one cell, creating its item once; an unchanged cell is left alone."""
    item = table.item(row, column)
    if item is None:
        item = QTableWidgetItem(text)
        if centred:
            item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        table.setItem(row, column, item)
    elif item.text() != text:
        item.setText(text)
    if item.toolTip() != (tip or ""):
        item.setToolTip(tip or "")
    if colour is None:
        if item.data(Qt.ItemDataRole.ForegroundRole) is not None:
            item.setData(Qt.ItemDataRole.ForegroundRole, None)
    elif item.foreground().color() != QColor(colour):
        item.setForeground(QColor(colour))


SHOWN_ROWS = 4


class PostponedPanel(QGroupBox):
    """The visitors this desk postponed, with the time each comes back by itself; one can be called early."""

    call = Signal(str)  # a ticket to call now (call_ticket)

    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.rows: list[PostponedInfo] = []
        self.table = QTableWidget(0, 3)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, mode in enumerate((QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch,
                                       QHeaderView.ResizeMode.ResizeToContents)):
            header.setSectionResizeMode(column, mode)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.itemActivated.connect(lambda _item: self.call_selected())  # double-click or Enter
        self.table.itemSelectionChanged.connect(self._enable)
        self.empty = QLabel()
        self.call_button = QPushButton()
        self.call_button.clicked.connect(self.call_selected)
        self._may_call = False
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(self.call_button)
        layout.addLayout(bottom)

    def retranslate(self) -> None:
        t = self.catalogue.t
        self.table.setHorizontalHeaderLabels([t("ticket"), t("service"), t("back_at")])
        self.call_button.setText(t("call_early"))
        self.empty.setText(t("no_postponed"))
        self._title()

    def _title(self) -> None:
        t, count = self.catalogue.t, len(self.rows)
        title = t("postponed_here", count=count) if count else t("postponed_title")
        if self.title() != title:
            self.setTitle(title)

    def show_rows(self, rows: list[PostponedInfo], names: dict[str, str], may_call: bool) -> None:
        t = self.catalogue.t
        selected = self.selected_ticket()
        self.rows = rows
        self._title()
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            name = names.get(row.service_id, row.service_id)
            back = t("back_in_queue", time=f"{row.until:%H:%M}") if row.returned else f"{row.until:%H:%M}"
            set_cell(self.table, index, 0, row.ticket)
            set_cell(self.table, index, 1, name, tip=name)
            set_cell(self.table, index, 2, back, centred=True)
        self._fit(len(rows))
        self.table.setVisible(bool(rows))
        self.empty.setVisible(not rows)
        tickets = [row.ticket for row in rows]
        if selected in tickets and self.selected_ticket() != selected:
            self.table.selectRow(tickets.index(selected))
        self._may_call = may_call
        self._enable()

    def _fit(self, count: int) -> None:
        """As tall as its rows, up to SHOWN_ROWS (then it scrolls): the desk's queues above keep their room."""
        rows = min(max(count, 1), SHOWN_ROWS)
        height = self.table.horizontalHeader().height() + 2 * self.table.frameWidth() + \
            sum(self.table.rowHeight(row) for row in range(min(count, rows))) + (rows - min(count, rows)) * 30
        if self.table.height() != height:
            self.table.setFixedHeight(height)

    def selected_ticket(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.rows):
            return None
        return self.rows[rows[0].row()].ticket

    def _enable(self) -> None:
        self.call_button.setEnabled(self._may_call and self.selected_ticket() is not None)

    def call_selected(self) -> None:
        ticket = self.selected_ticket()
        if ticket is not None and self.call_button.isEnabled():
            self.call.emit(ticket)


class MessagesPanel(QGroupBox):
    """The supervisor's messages for this desk and for all, newest first; those not yet marked read are bold
    and counted in the title (and in the window's title, seen in the taskbar), whichever tab is open."""

    read = Signal(str)  # the `at` of the newest message, when the operator marks them read

    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setMaximumHeight(100)
        self.read_button = QPushButton()
        self.read_button.clicked.connect(self.mark_read)
        self.messages: list[Message] = []
        self.read_until: datetime | None = None
        self._filled = False  # the first fill is what the day held: nothing to alert about
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        bottom = QHBoxLayout()
        bottom.addStretch()
        bottom.addWidget(self.read_button)
        layout.addLayout(bottom)

    @property
    def unread(self) -> int:
        return sum(1 for m in self.messages if self._is_new(m))

    def _is_new(self, message: Message) -> bool:
        return self.read_until is None or message.at > self.read_until

    def retranslate(self) -> None:
        self.read_button.setText(self.catalogue.t("mark_read"))
        self._title()

    def _title(self) -> None:
        t, unread = self.catalogue.t, self.unread
        title = t("messages") + (" — " + t("unread", count=unread) if unread else "")
        if self.title() != title:
            self.setTitle(title)
            self.setStyleSheet(STYLES["unread"] if unread else "")
        self.read_button.setEnabled(bool(unread))

    def show_messages(self, messages: list[Message], read_until: datetime | None) -> bool:
        """Show the day's messages (newest first); True when one came that was not shown before."""
        old, self.messages, self.read_until = self.messages, messages, read_until
        top = messages.index(old[0]) if old and old[0] in messages else len(messages) if not old else -1
        if top >= 0 and messages[top:] == old[:len(messages) - top]:
            # The view only appends (and the oldest go beyond the day's limit): new ones on top, gone ones off
            # the bottom; the rest of the list, and what the operator selected in it, stay as they are.
            fresh = messages[:top]
            for position, message in enumerate(fresh):
                self.list.insertItem(position, self._item(message))
            while self.list.count() > len(messages):
                self.list.takeItem(self.list.count() - 1)  # the taken item is ours now, and freed here
        else:  # a new day's view: another list
            fresh = messages
            self.list.clear()
            for message in messages:
                self.list.addItem(self._item(message))
        for row, message in enumerate(messages):
            item = self.list.item(row)
            if item is not None and item.font().bold() != self._is_new(message):
                item.setFont(self._font(self._is_new(message)))
        self._title()
        filled, self._filled = self._filled, True
        return filled and any(self._is_new(m) for m in fresh)

    def _item(self, message: Message) -> QListWidgetItem:
        item = QListWidgetItem(f"{message.at:%H:%M}  {message.text}")
        item.setFont(self._font(self._is_new(message)))
        return item

    def _font(self, bold: bool) -> QFont:
        font = QFont(self.list.font())
        font.setBold(bold)
        return font

    def mark_read(self) -> None:
        if not self.messages:
            return
        newest = max(m.at for m in self.messages)
        self.read_until = newest
        self.show_messages(self.messages, newest)
        self.read.emit(newest.isoformat())
