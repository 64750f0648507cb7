"""`cherha kiosk --server URL --token TOKEN --printer SPEC`: the touchscreen kiosk, full screen."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication

from printers.profiles import load_profile
from printers.transport import TicketPrinter, parse_printer_spec
from texts import Catalogue

from .api import KioskApi
from .controller import KioskController
from .flow import KioskFlow
from .views import DEFAULT_SIZE, KioskWindow
from .voice import DEFAULT_VOLUME, EspeakVoice, VoiceGuide

CATALOGUE = Path(__file__).parent / "locales" / "kiosk.toml"


def build(server: str, token: str, printer: str = "dummy", profile: str = "epson-80", accessible: bool = False,
          voice: VoiceGuide | None = None, size: QSize = DEFAULT_SIZE) -> tuple[KioskController, KioskWindow]:
    flow = KioskFlow(accessible_terminal=accessible)
    ticket_printer = TicketPrinter(parse_printer_spec(printer, load_profile(profile)))
    controller = KioskController(flow, Catalogue(CATALOGUE), KioskApi(server, token), ticket_printer,
                                 voice or VoiceGuide())
    window = KioskWindow(controller, size)
    application = QApplication.instance()
    if application is not None:
        application.installEventFilter(window)  # every touch anywhere restarts the inactivity timer
    return controller, window


def main(server: str, token: str, printer: str, profile: str, accessible: bool, windowed: bool,
         audio_device: str | None = None, volume: float = DEFAULT_VOLUME) -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    screen = app.primaryScreen()  # type: ignore[attr-defined]
    geometry = screen.geometry()
    # The screen's own size and orientation (portrait or landscape). Without a window manager
    # showFullScreen() is ignored, so the window is also placed and sized on the screen itself, frameless.
    voice = VoiceGuide(EspeakVoice(audio_device), max(0.0, min(1.0, volume)))
    controller, window = build(server, token, printer, profile, accessible, voice,
                               DEFAULT_SIZE if windowed else geometry.size())
    if windowed:
        window.show()
    else:
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        window.setGeometry(geometry)
        window.showFullScreen()
    controller.start()
    code = int(app.exec())
    controller.shutdown()
    return code
