"""The server's error messages: an error code becomes Ukrainian and English text, through texts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from texts import LANGS, Catalogue

CATALOGUE_FILE = Path(__file__).parent / "locales" / "messages.toml"
MESSAGES = Catalogue(CATALOGUE_FILE)


def message(code: str, params: dict[str, Any] | None = None) -> dict[str, str]:
    # A code without a text would be a bug (tests/test_docs.py looks for them); the client still gets words.
    key = code if MESSAGES.has(code) else "internal_error"
    return {lang: MESSAGES.t_in(lang, key, **_in_words(lang, params or {})) for lang in LANGS}


def _in_words(lang: str, params: dict[str, Any]) -> dict[str, Any]:
    """A visit's state in a message is a word of that language (`state_no_show`: «не з’явився»); the error's
    `params` keep the code."""
    # A parameter given in both languages ({uk, en}: what a wrong field expects) is said in this one.
    params = {key: value[lang] if isinstance(value, dict) and set(value) == set(LANGS) else value
              for key, value in params.items()}
    state = params.get("state")
    if isinstance(state, str) and MESSAGES.has(f"state_{state}"):
        return {**params, "state": MESSAGES.t_in(lang, f"state_{state}")}
    return params


def error_body(code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message(code, params), "params": params or {}}
