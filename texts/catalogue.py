"""A two-language catalogue read from a TOML file: Ukrainian first, English second.

A file has one of two shapes, whichever suits its translators:

- two language tables, `[uk]` and `[en]`, key = text (the apps' screens, the ticket, the SMS), or
- one table per key, with `uk` and `en` side by side (the server's error messages).

A text is a string with `{name}` parameters, or a table of plural forms chosen by the `count` parameter, or by
the parameter its `by` names (`{ by = "days", one = "на {days} день", few = "на {days} дні", many = "на {days} днів" }`)
(CLDR categories from Babel, plurals.py: Ukrainian `one`, `few`, `many`, and `other` for fractions; English
`one`, `other`).
Both languages must hold the same keys: a file that does not is refused when it is read, not when a visitor
first meets the gap.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from .plurals import plural_category, plural_forms

LANGS = ("uk", "en")  # the first is the default and the fallback
PLURAL_BY = "by"  # in a plural text: the parameter that chooses the form, when it is not `count`

Text = str | Mapping[str, str]
Texts = Mapping[str, Mapping[str, Text]]  # language -> key -> text


class CatalogueError(ValueError):
    """A catalogue file that cannot be used as it is."""


class MissingText(KeyError):
    """A key the catalogue does not have: a programming error, named clearly."""

    def __str__(self) -> str:
        return str(self.args[0])


def pick_lang(value: object) -> str:
    """The language to use for a request's or a visitor's choice: anything but a known one is Ukrainian."""
    return value if isinstance(value, str) and value in LANGS else LANGS[0]


class _KeepMissing(dict[str, object]):
    # A parameter the caller did not give stays visible as `{name}`: an error message or a screen with a gap
    # is better than a crash in front of a visitor.
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _check(path: Path, texts: Texts) -> None:
    keys = {lang: set(texts.get(lang, {})) for lang in LANGS}
    for lang in LANGS:
        only = sorted(keys[lang] - keys[LANGS[0]]) + sorted(keys[LANGS[0]] - keys[lang])
        if only:
            raise CatalogueError(f"{path.name}: not in both languages: {', '.join(only)}")
        for key, text in texts[lang].items():
            if isinstance(text, str):
                continue
            forms = {tag: form for tag, form in text.items() if tag != PLURAL_BY}
            well_formed = isinstance(text.get(PLURAL_BY, ""), str) and all(isinstance(v, str) for v in forms.values())
            if not well_formed or not set(plural_forms(lang)) <= set(forms):
                raise CatalogueError(f"{path.name}: {lang}.{key} needs the plural forms {plural_forms(lang)}")


@cache
def load(path: Path) -> Texts:
    """The file's texts by language, read once per process."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    if set(data) == set(LANGS):
        texts: dict[str, dict[str, Text]] = {lang: dict(data[lang]) for lang in LANGS}
    else:
        texts = {lang: {} for lang in LANGS}
        for key, entry in data.items():
            if not isinstance(entry, dict):
                raise CatalogueError(f"{path.name}: [{key}] should hold uk and en")
            for lang, text in entry.items():
                if lang not in LANGS:
                    raise CatalogueError(f"{path.name}: [{key}] has an unknown language {lang!r}")
                texts[lang][key] = text
    _check(path, texts)
    return texts


class Catalogue:
    """One file's texts, with a current language (the apps switch it; the server names it per call)."""

    def __init__(self, path: Path, lang: str = LANGS[0]) -> None:
        self.path = path
        self._texts = load(path)
        self.lang = lang

    def t(self, key: str, **params: object) -> str:
        """The text in the current language."""
        return self.t_in(self.lang, key, **params)

    def t_in(self, lang: str, key: str, **params: object) -> str:
        """The text in `lang` (an unknown language gets Ukrainian), its parameters filled in."""
        table = self._texts[pick_lang(lang)]
        if key not in table:
            raise MissingText(f"{self.path.name} has no text {key!r}")
        text = table[key]
        if not isinstance(text, str):
            by = text.get(PLURAL_BY, "count")
            if by not in params:
                raise MissingText(f"{self.path.name}: {key!r} has plural forms and needs {by}=")
            count = params[by]
            if not isinstance(count, int | float):
                raise TypeError(f"{self.path.name}: {key!r}: {by} should be a number, not {count!r}")
            category = plural_category(pick_lang(lang), count)
            text = text.get(category) or text.get("other") or text["many"]
        return text.format_map(_KeepMissing(params))

    def both(self, key: str, **params: object) -> dict[str, str]:
        """The text in every language, Ukrainian first: what the server sends in an error."""
        return {lang: self.t_in(lang, key, **params) for lang in LANGS}

    def has(self, key: str) -> bool:
        return key in self._texts[pick_lang(self.lang)]

    def keys(self, lang: str) -> set[str]:
        return set(self._texts[pick_lang(lang)])

    def toggle(self) -> None:
        self.lang = LANGS[1] if self.lang == LANGS[0] else LANGS[0]
