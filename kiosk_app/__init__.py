"""The touchscreen kiosk: PySide6 views over a Qt-free flow and client; prints through printers/."""
