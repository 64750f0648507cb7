"""The server's message catalogue: an error code becomes Ukrainian and English text."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE_FILE = Path(__file__).parent / "locales" / "messages.toml"


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    with CATALOGUE_FILE.open("rb") as handle:
        return tomllib.load(handle)


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def message(code: str, params: dict[str, Any] | None = None) -> dict[str, str]:
    entry = catalogue().get(code) or catalogue()["internal_error"]
    values = _Missing(params or {})
    return {lang: text.format_map(values) for lang, text in entry.items()}


def error_body(code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message(code, params), "params": params or {}}


class Catalogue:
    """A two-language TOML catalogue for an app's texts (`[uk]` and `[en]` tables), with a current language."""

    def __init__(self, path: Path, lang: str = "uk") -> None:
        with path.open("rb") as handle:
            self._texts: dict[str, dict[str, str]] = tomllib.load(handle)
        self.lang = lang

    def t(self, key: str, **params: Any) -> str:
        return self._texts[self.lang][key].format(**params)

    def t_in(self, lang: str, key: str, **params: Any) -> str:
        return self._texts[lang][key].format(**params)

    def has(self, key: str) -> bool:
        return key in self._texts[self.lang]

    def toggle(self) -> None:
        self.lang = "en" if self.lang == "uk" else "uk"

    def keys(self, lang: str) -> set[str]:
        return set(self._texts[lang])
