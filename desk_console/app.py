"""`cherha console --server URL`: the desk console window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from .views import ConsoleWindow


def main(server: str, lang: str = "uk") -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    window = ConsoleWindow(server, lang)
    window.show()
    return int(app.exec())
