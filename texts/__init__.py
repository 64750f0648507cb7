"""Texts of every part of Cherha (server, kiosk, console, printers): one catalogue mechanism.

Also the Ukrainian alphabetical order (collation.py), for lists of names.
It imports nothing else of ours and no Qt, so the printers and the apps can use it without the server.
"""

from .catalogue import LANGS, Catalogue, CatalogueError, MissingText, load, pick_lang
from .collation import search_form, ukrainian_key, ukrainian_sorted
from .plurals import plural_category, plural_forms

__all__ = ["LANGS", "Catalogue", "CatalogueError", "MissingText", "load", "pick_lang", "plural_category",
           "plural_forms", "search_form", "ukrainian_key", "ukrainian_sorted"]
