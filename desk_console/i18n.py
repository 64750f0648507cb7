"""The console's texts (Ukrainian first): its own TOML file, read by the one catalogue mechanism (texts/)."""

from __future__ import annotations

from pathlib import Path

from texts import Catalogue as _Catalogue

CATALOGUE = Path(__file__).parent / "locales" / "console.toml"


class Catalogue(_Catalogue):
    def __init__(self, lang: str = "uk") -> None:
        super().__init__(CATALOGUE, lang)
