"""Texts of every part of Cherha (server, kiosk, console, printers): one catalogue mechanism.

It imports nothing else of ours and no Qt, so the printers and the apps can use it without the server.
"""

from .catalogue import LANGS, Catalogue, CatalogueError, MissingText, load, pick_lang, plural_category

__all__ = ["LANGS", "Catalogue", "CatalogueError", "MissingText", "load", "pick_lang", "plural_category"]
