"""A guard against a Qt binding that loses references to None: the cause of the console's `none_dealloc` crash.

PySide6 6.12.0 (its abi3 wheels, on CPython 3.11) returns `None` from every wrapped call that returns nothing
(`QLabel.setText`, `QListWidget.addItem`, `QWidget.setEnabled`, ...) without the reference the caller then
drops: each such call takes one reference away from `None`. Until Python 3.12 `None` is an ordinary object
with a count (some 40,000 in the console), and the console's redraw makes 50 to 70 such calls a second, more
with every supervisor message listed; when the count reached zero Python stopped with "Fatal Python error:
none_dealloc" inside the redraw, and the window vanished. On 3.12 and later `None` is immortal and nothing
happens. pyproject.toml excludes that release; tests/test_qt_binding.py fails on any binding that does it.

A desk PC may still get such a binding (a later upgrade by hand). Then `cherha console` says so in its log and
keeps `None` alive itself (`NoneKeeper`), rather than dying in front of a visitor every few minutes.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtWidgets import QLabel

log = logging.getLogger(__name__)


def none_references_lost(calls: int = 512) -> int:
    """How many references to None `calls` wrapped calls that return nothing took away (0 for a sound binding).
    Needs a QApplication."""
    probe = QLabel()
    before = sys.getrefcount(None)
    for _ in range(calls):
        probe.setText("")
    lost = before - sys.getrefcount(None)
    probe.deleteLater()
    return max(0, lost)


def binding_loses_none() -> bool:
    return none_references_lost() > 256  # a sound binding loses none; the broken one loses one per call


class NoneKeeper:
    """Gives None back the references a broken binding takes, on every `tick` (the console's clock, 1 s): its
    count never falls below what it was when the keeper started. Extra references to None cost nothing."""

    def __init__(self) -> None:
        self.floor = sys.getrefcount(None)
        self.restored = 0

    def tick(self) -> None:
        missing = self.floor - sys.getrefcount(None)
        for _ in range(missing):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(None))
        self.restored += max(0, missing)


def guard() -> NoneKeeper | None:
    """At the console's start: None when the binding is sound, else a keeper to tick (and a log line)."""
    if not binding_loses_none():
        return None
    log.error("PySide6 %s loses a reference to None on every call that returns nothing (Python %s): the console "
              "keeps None alive itself; install another PySide6 release (pyproject.toml excludes this one)",
              PYSIDE_VERSION, sys.version.split()[0])
    return NoneKeeper()
