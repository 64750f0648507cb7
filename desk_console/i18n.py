"""The console's message catalogue, Ukrainian first; one object the views ask for every text."""

from __future__ import annotations

import tomllib
from pathlib import Path

CATALOGUE = Path(__file__).parent / "locales" / "console.toml"


class Catalogue:
    def __init__(self, lang: str = "uk") -> None:
        with CATALOGUE.open("rb") as handle:
            self._texts: dict[str, dict[str, str]] = tomllib.load(handle)
        self.lang = lang

    def t(self, key: str, **params: object) -> str:
        return self._texts[self.lang][key].format(**params)

    def toggle(self) -> None:
        self.lang = "en" if self.lang == "uk" else "uk"

    def keys(self, lang: str) -> set[str]:
        return set(self._texts[lang])
