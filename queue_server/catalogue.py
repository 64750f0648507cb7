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


IN_WORDS = ("state", "role")  # parameters whose codes people read as words: `state_no_show`, `role_operator`


def _in_words(lang: str, params: dict[str, Any]) -> dict[str, Any]:
    """A visit's state or a role in a message is a word of that language (`state_no_show`: «не з’явився»,
    `role_operator`: «адміністратор вікна»); the error's `params` keep the code, for programs."""
    # A parameter given in both languages ({uk, en}: what a wrong field expects) is said in this one.
    params = {key: value[lang] if isinstance(value, dict) and set(value) == set(LANGS) else value
              for key, value in params.items()}
    words = {name: MESSAGES.t_in(lang, f"{name}_{value}") for name in IN_WORDS
             if isinstance(value := params.get(name), str) and MESSAGES.has(f"{name}_{value}")}
    # Where a service is still in use (`queue`, `desk:3`, `bundle:birth-of-child`), in words.
    where = params.get("where")
    if isinstance(where, str):
        kind, _, name = where.partition(":")
        if MESSAGES.has(f"where_{kind}"):
            words["where"] = MESSAGES.t_in(lang, f"where_{kind}", name=name)
    return {**params, **words}


def error_body(code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message(code, params), "params": params or {}}
