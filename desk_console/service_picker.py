"""Choosing a service among the hall's many (67 in the demo hall): grouped by the hall's categories, each group
in Ukrainian alphabetical order (texts/collation.py), filtered as the operator types.

`ServiceField` is the button that shows the chosen service (transfer, add a service, a booking by phone);
pressing it, or the action's key with nothing chosen, opens the one `ServicePicker`: a search line over the
groups. Typing filters by any part of either name (or the ticket prefix); Up and Down move through the
services (the category lines are headings, never chosen); Enter takes the selected one; Esc closes.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from texts import search_form

from .i18n import Catalogue
from .model import ServiceGroup

SERVICE = Qt.ItemDataRole.UserRole


class ServicePicker(QDialog):
    def __init__(self, parent: QWidget, catalogue: Catalogue) -> None:
        super().__init__(parent)
        self.catalogue = catalogue
        self.setModal(True)
        self.groups: list[ServiceGroup] = []
        self._then: Callable[[str], None] | None = None
        self.title = QLabel()  # the window's title is not seen everywhere (a frameless kiosk-like desktop)
        self.title.setFont(QFont(self.font().family(), 13, QFont.Weight.Bold))
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.filter = QLineEdit()
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.found = QLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.filter)
        layout.addWidget(self.tree)
        layout.addWidget(self.found)
        self.resize(560, 520)
        self.filter.textChanged.connect(self.refill)
        self.filter.returnPressed.connect(self.take_selected)
        self.filter.installEventFilter(self)
        self.tree.itemActivated.connect(lambda _item, _column: self.take_selected())
        self.finished.connect(self._back_to_the_console)

    def choose(self, title: str, groups: list[ServiceGroup], then: Callable[[str], None]) -> None:
        """Open the picker; `then` gets the chosen service's id (nothing happens on Esc)."""
        t = self.catalogue.t
        self.groups, self._then = groups, then
        self.setWindowTitle(title)
        self.title.setText(title)
        self.hint.setText(t("service_search_hint"))
        self.filter.setPlaceholderText(t("service_search"))
        self.filter.clear()
        self.refill()
        self.open()
        self.filter.setFocus()

    def refill(self) -> None:
        words = search_form(self.filter.text()).split()
        self.tree.clear()
        first: QTreeWidgetItem | None = None
        count = 0
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for group in self.groups:
            matches = [c for c in group.services if all(word in c.words for word in words)]
            if not matches:
                continue
            heading = QTreeWidgetItem([group.name])
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: seen, never chosen
            heading.setFont(0, bold)
            self.tree.addTopLevelItem(heading)
            for choice in matches:
                item = QTreeWidgetItem([choice.name])
                item.setData(0, SERVICE, choice.service_id)
                item.setToolTip(0, choice.name)
                heading.addChild(item)
                first = first or item
            heading.setExpanded(True)
            count += len(matches)
        self.found.setText(self.catalogue.t("services_found", count=count))
        if first is not None:
            self.tree.setCurrentItem(first)

    def services_shown(self) -> list[tuple[str, list[str]]]:
        """What the list shows now: each heading with its services' names (for tests and screenshots)."""
        shown = []
        for index in range(self.tree.topLevelItemCount()):
            heading = self.tree.topLevelItem(index)
            assert heading is not None
            children = [heading.child(row) for row in range(heading.childCount())]
            shown.append((heading.text(0), [child.text(0) for child in children if child is not None]))
        return shown

    def take_selected(self) -> None:
        item = self.tree.currentItem()
        service_id = item.data(0, SERVICE) if item is not None else None
        if not service_id:
            return
        then, self._then = self._then, None
        self.accept()
        if then is not None:
            then(str(service_id))

    def _back_to_the_console(self) -> None:
        """The keys go back to the console (its F-keys), also where no window manager does it."""
        parent = self.parentWidget()
        if parent is not None:
            parent.window().activateWindow()

    def _step(self, down: bool) -> None:
        item = self.tree.currentItem()
        while item is not None:
            item = self.tree.itemBelow(item) if down else self.tree.itemAbove(item)
            if item is not None and item.data(0, SERVICE):
                self.tree.setCurrentItem(item)
                return

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the search line move through the services, so the hands stay on the keys."""
        if watched is self.filter and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self._step(event.key() == Qt.Key.Key_Down)
                return True
        return super().eventFilter(watched, event)


class ServiceField(QPushButton):
    """Shows the chosen service (or asks for one); pressed, it opens the picker."""

    chosen = Signal(str)

    def __init__(self, catalogue: Catalogue, picker: ServicePicker, title_key: str) -> None:
        super().__init__()
        self.catalogue, self.picker, self.title_key = catalogue, picker, title_key
        self.groups: list[ServiceGroup] = []
        self._names: dict[str, str] = {}
        self._service: str | None = None
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)  # long names do not widen it
        self.setStyleSheet("text-align: left; padding: 4px 8px;")
        self.clicked.connect(lambda: self.pick())

    def set_groups(self, groups: list[ServiceGroup]) -> None:
        self.groups = groups
        self._names = {c.service_id: c.name for group in groups for c in group.services}
        if self._service not in self._names:
            self._service = None
        self._show()

    def currentData(self) -> str | None:  # as a QComboBox is read
        return self._service

    def set_service(self, service_id: str | None) -> None:
        self._service = service_id if service_id in self._names else None
        self._show()
        if self._service is not None:
            self.chosen.emit(self._service)

    def pick(self, then: Callable[[], None] | None = None) -> None:
        """Open the picker; once a service is chosen, `then` runs (the action that asked for it)."""
        def take(service_id: str) -> None:
            self.set_service(service_id)
            if then is not None:
                then()

        self.picker.choose(self.catalogue.t(self.title_key), self.groups, take)

    def label(self) -> str:
        return self._names[self._service] if self._service is not None else self.catalogue.t("choose_service")

    def _show(self) -> None:
        name = self.label()
        self.setToolTip(name)
        width = max(40, self.width() - 24)
        self.setText(self.fontMetrics().elidedText(f"{name}  ▾", Qt.TextElideMode.ElideMiddle, width))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._show()
