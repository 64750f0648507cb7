"""The console's message catalogue (Ukrainian first), on the shared TOML catalogue."""

from __future__ import annotations

from pathlib import Path

from queue_server.catalogue import Catalogue as _Catalogue

CATALOGUE = Path(__file__).parent / "locales" / "console.toml"


class Catalogue(_Catalogue):
    def __init__(self, lang: str = "uk") -> None:
        super().__init__(CATALOGUE, lang)
