"""The command palette (Ctrl+K): every action of the table, found by typing part of its name.

Typing filters the list (the label in either language, or the message type); Up and Down move; Enter runs
the selected action, which is the first one the desk may do now unless another is chosen; Esc closes.
Actions the desk may not do now are listed greyed, so the operator sees that they exist and why nothing ran.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from .actions import ACTIONS, PALETTE_KEY, Action
from .i18n import Catalogue

LANGS = ("uk", "en")


def _by_key(action: Action) -> tuple[bool, int]:
    """F1 to F12 in order, then the actions that have no key (the table itself is in the screen's order)."""
    number = action.key[1:] if action.key and action.key.startswith("F") else ""
    return action.key is None, int(number) if number.isdigit() else 0


LISTED = sorted(ACTIONS, key=_by_key)


class CommandPalette(QDialog):
    def __init__(self, parent: QWidget, catalogue: Catalogue, allowed: Callable[[], set[str]],
                 run: Callable[[str], None]) -> None:
        super().__init__(parent)
        self.catalogue, self.allowed, self.run = catalogue, allowed, run
        self.setModal(True)
        self.hint = QLabel()
        self.filter = QLineEdit()
        self.list = QListWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.filter)
        layout.addWidget(self.list)
        self.resize(420, 380)
        self.filter.textChanged.connect(self.refill)
        self.filter.returnPressed.connect(self.run_selected)
        self.filter.installEventFilter(self)
        self.list.itemActivated.connect(lambda _item: self.run_selected())
        self.finished.connect(self._back_to_the_console)

    def popup(self) -> None:
        t = self.catalogue.t
        self.setWindowTitle(t("palette", shortcut=PALETTE_KEY))
        self.hint.setText(t("palette_hint"))
        self.filter.clear()
        self.refill()
        self.open()
        self.filter.setFocus()

    def refill(self) -> None:
        words = self.filter.text().casefold().split()
        allowed = self.allowed()
        self.list.clear()
        first_enabled: QListWidgetItem | None = None
        for action in LISTED:
            names = " ".join([action.name, *(self.catalogue.t_in(lang, action.label) for lang in LANGS)])
            if not all(word in names.casefold() for word in words):
                continue
            text = self.catalogue.t(action.label)
            item = QListWidgetItem(f"{text}    [{action.key}]" if action.key else text)
            item.setData(Qt.ItemDataRole.UserRole, action.name)
            if action.name not in allowed:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            elif first_enabled is None:
                first_enabled = item
            self.list.addItem(item)
        if first_enabled is not None:
            self.list.setCurrentItem(first_enabled)

    def run_selected(self) -> None:
        item = self.list.currentItem()
        if item is None or not item.flags() & Qt.ItemFlag.ItemIsEnabled:
            return
        self.accept()
        self.run(str(item.data(Qt.ItemDataRole.UserRole)))

    def _back_to_the_console(self) -> None:
        """The keys go back to the console (its F-keys and Ctrl+K), also where no window manager does it."""
        parent = self.parentWidget()
        if parent is not None:
            parent.window().activateWindow()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the filter move through the list, so the hands stay on the keys."""
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                step = -1 if event.key() == Qt.Key.Key_Up else 1
                row = self.list.currentRow() + step
                while 0 <= row < self.list.count():
                    item = self.list.item(row)
                    if item.flags() & Qt.ItemFlag.ItemIsEnabled:
                        self.list.setCurrentRow(row)
                        break
                    row += step
                return True
        return super().eventFilter(watched, event)
