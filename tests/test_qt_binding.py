"""The Qt binding the console runs on keeps Python's reference counts: the cause of the `none_dealloc` crash.

PySide6 6.12.0 took a reference away from None on every call that returns nothing; on Python 3.11 the console's
redraw brought None's count to zero within minutes (desk_console/qt_check.py). These fail on such a binding.
"""

from __future__ import annotations

import ctypes
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QListWidget, QPushButton, QTableWidget, QTableWidgetItem

from desk_console.qt_check import NoneKeeper, binding_loses_none, none_references_lost

MORTAL_NONE = sys.version_info < (3, 12)  # from 3.12 on None is immortal and its count means nothing


@pytest.mark.skipif(not MORTAL_NONE, reason="None is immortal on this Python")
def test_calls_that_return_nothing_keep_none_alive(qtbot) -> None:  # type: ignore[no-untyped-def]
    """What the console's redraw calls, many times a second: None's count must not fall."""
    label, button, messages, table, combo = QLabel(), QPushButton(), QListWidget(), QTableWidget(4, 4), QComboBox()
    for widget in (label, button, messages, table, combo):
        qtbot.addWidget(widget)
    combo.addItem("—", None)

    def redraw() -> None:
        label.setText("На зв’язку")
        label.setStyleSheet("color: #1b5e20;")
        button.setEnabled(True)
        messages.clear()
        messages.addItem("10:00  Усім: о 15:00 нарада")
        table.setRowCount(4)
        item = QTableWidgetItem("1")
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        table.setItem(0, 1, item)
        combo.currentData()  # None, converted from an empty QVariant

    before = sys.getrefcount(None)
    for _ in range(300):
        redraw()
    assert sys.getrefcount(None) >= before - 50, "the binding takes references away from None"
    assert none_references_lost() == 0 and not binding_loses_none()


@pytest.mark.skipif(not MORTAL_NONE, reason="None is immortal on this Python")
def test_the_keeper_gives_none_back_what_a_broken_binding_took(qtbot) -> None:  # type: ignore[no-untyped-def]
    keeper = NoneKeeper()
    for _ in range(1000):  # what 1,000 calls of a broken binding do (None has tens of thousands of references)
        ctypes.pythonapi.Py_DecRef(ctypes.py_object(None))
    assert sys.getrefcount(None) < keeper.floor - 900
    keeper.tick()
    assert sys.getrefcount(None) >= keeper.floor - 20 and keeper.restored >= 980
