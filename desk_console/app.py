"""`cherha console --server URL`: the desk console window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from .qt_check import guard
from .views import ConsoleWindow


def main(server: str, lang: str = "uk") -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    if isinstance(app, QApplication):
        # The light Fusion palette on every desktop, a dark theme included: colours.py's colours are audited on it.
        app.setStyle("Fusion")
        app.setPalette(app.style().standardPalette())
    app.setApplicationName("cherha-console")  # names the per-user folder of the saved session
    keeper = guard()  # a Qt binding that loses references to None (qt_check.py): kept alive, and said in the log
    if keeper is not None:
        ticks = QTimer(app)
        ticks.timeout.connect(keeper.tick)
        ticks.start(1000)
    window = ConsoleWindow(server, lang)
    window.show()
    return int(app.exec())
