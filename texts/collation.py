"""Sorting names as a Ukrainian reader expects, without the machine's locale (which a desk PC may not have).

Python's own order is by code point: «Інформація» (І, U+0406) comes before «Адреса» (А, U+0410), and Ґ, Є, Ї
land after Я. `ukrainian_key` orders by the Ukrainian alphabet (а б в г ґ д е є ж з и і ї й к л м н о п р с т
у ф х ц ч ш щ ь ю я), as the CLDR Ukrainian collation does: the apostrophe (ʼ ’ ') is ignored ("м’ясо" sorts as
"мясо"), case only breaks ties, spaces and punctuation come before digits, numbers (by value) before letters, and
Cyrillic before Latin ("ID-картка" after every Ukrainian word: CLDR's `[reorder Cyrl]` for Ukrainian).
"""

from __future__ import annotations

UKRAINIAN = "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"
LATIN = "abcdefghijklmnopqrstuvwxyz"
APOSTROPHES = frozenset("'’ʼ`´")

_RANK = {letter: index for index, letter in enumerate(UKRAINIAN)}
_LATIN_RANK = {letter: index for index, letter in enumerate(LATIN)}


def _primary(char: str) -> tuple[int, int]:
    if char.isspace() or not char.isalnum():
        return (0, 0)
    if char.isdigit():
        return (1, int(char) if char.isascii() else ord(char))
    if char in _RANK:
        return (2, _RANK[char])
    if "\u0400" <= char <= "\u04ff":  # other Cyrillic letters (ё, ы, э, ъ): after the Ukrainian ones
        return (3, ord(char))
    if char in _LATIN_RANK:
        return (4, _LATIN_RANK[char])
    return (5, ord(char))


def ukrainian_key(text: str) -> tuple[tuple[tuple[int, int], ...], str, str]:
    """A sort key: the letters by the Ukrainian alphabet first, then lower before upper case, then the text.
    A run of digits counts as its number ("паспорт 2" before "паспорт 10")."""
    folded = "".join(char for char in text.casefold() if char not in APOSTROPHES)
    primary: list[tuple[int, int]] = []
    digits = ""
    for char in folded + " ":
        if char.isdigit() and char.isascii():
            digits += char
            continue
        if digits:
            primary.append((1, int(digits)))
            digits = ""
        primary.append(_primary(char))
    return tuple(primary[:-1]), text.swapcase(), text


def ukrainian_sorted(items: list[str]) -> list[str]:
    return sorted(items, key=ukrainian_key)


def search_form(text: str) -> str:
    """A text to match typed words against: case-folded, every apostrophe alike."""
    return "".join("'" if char in APOSTROPHES else char for char in text.casefold())
