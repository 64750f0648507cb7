"""Cherha's protocol client for Python programs: Qt-free, used by the desk console, the LED driver, the
simulator and the tests (docs/protocol.md)."""

from .connection import Client, ProtocolError
from .view import HallView

__all__ = ["Client", "HallView", "ProtocolError"]
