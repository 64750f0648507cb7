"""The server's error messages: an error code becomes Ukrainian and English text, through texts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from texts import Catalogue

CATALOGUE_FILE = Path(__file__).parent / "locales" / "messages.toml"
MESSAGES = Catalogue(CATALOGUE_FILE)


def message(code: str, params: dict[str, Any] | None = None) -> dict[str, str]:
    # A code without a text would be a bug (tests/test_docs.py looks for them); the client still gets words.
    return MESSAGES.both(code if MESSAGES.has(code) else "internal_error", **(params or {}))


def error_body(code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message(code, params), "params": params or {}}
