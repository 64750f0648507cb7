"""The administrator's desk console: PySide6 views over a Qt-free protocol client and model."""
