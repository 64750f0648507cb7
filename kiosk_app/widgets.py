"""The kiosk's touch button: its caption wraps instead of widening the screen, and follows its focus."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QLabel, QLayout, QPushButton, QSizePolicy, QVBoxLayout


class WrapButton(QPushButton):
    """A touch button whose text wraps onto a second line instead of widening the screen."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.caption = QLabel(text)
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        # A screen reader reads the button, not its caption twice.
        self.caption.setAccessibleName("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.caption)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._focused(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._focused(False)
        super().focusOutEvent(event)

    def _focused(self, focused: bool) -> None:
        # The caption's colour follows the button's focused fill (a style sheet cannot select on a parent's
        # state): a property it can select on, and a re-polish.
        self.caption.setProperty("focused", focused)
        self.caption.style().unpolish(self.caption)
        self.caption.style().polish(self.caption)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), self.caption.sizeHint().height() + 12))


def show_all(layout: QLayout) -> None:
    """Widgets added to an already visible window start hidden."""
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        widget, child = item.widget(), item.layout()
        if widget is not None:
            widget.show()
        if child is not None:
            show_all(child)


def clear(layout: QLayout) -> None:
    """Empty a layout (and the layouts in it); its widgets go when Qt next gets to it."""
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            continue
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        child = item.layout()
        if child is not None:
            clear(child)
