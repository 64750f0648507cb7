"""Plural forms from CLDR's data (through Babel), never from a rule written here.

A plural text gives one form per CLDR category its language uses for whole numbers: Ukrainian `one` (1, 21,
101…), `few` (2–4, 22–24…) and `many` (0, 5–20, 25…); English `one` and `other`. Ukrainian fractions fall in
`other` ("1,5 години"); a text that lacks it gets `many`, which reads acceptably for the counts we show.
The browser pages choose with Intl.PluralRules, the same CLDR data (display_board/static/labels.js).
"""

from __future__ import annotations

from functools import cache

from babel import Locale


@cache
def _rule(lang: str):  # type: ignore[no-untyped-def]  # babel's PluralRule has no type hints
    return Locale.parse(lang).plural_form


def plural_category(lang: str, count: float) -> str:
    """The CLDR plural category of `count` in `lang` ("uk", "en")."""
    return str(_rule(lang)(abs(count)))


@cache
def plural_forms(lang: str) -> tuple[str, ...]:
    """The categories whole numbers fall in: the forms every plural text in `lang` must give, in CLDR order."""
    used = {plural_category(lang, n) for n in range(0, 1000)}
    return tuple(tag for tag in ("zero", "one", "two", "few", "many", "other") if tag in used)
