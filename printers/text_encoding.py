"""One forced code page for Ukrainian text (never python-escpos's automatic switching, which prints `?`)."""

from __future__ import annotations

# Characters a code page may lack, with the closest it has. CP1251 has every Ukrainian letter and ’ —;
# CP1125 has the letters but not ’ — « ». U+02BC (the "modifier apostrophe" of Ukrainian orthography)
# is mapped to ’ first, as it is in no code page.
_FALLBACK = {"\u02bc": "\u2019", "\u2019": "'", "\u2018": "'", "\u2014": "-", "\u2013": "-", "«": '"', "»": '"',
             "\u201c": '"', "\u201d": '"', "\u2026": "...", "\u00a0": " "}


def encode(text: str, codec: str) -> bytes:
    out = bytearray()
    for char in text:
        out += _encode_char(char, codec)
    return bytes(out)


def _encode_char(char: str, codec: str) -> bytes:
    seen = set()
    while char not in seen:
        seen.add(char)
        try:
            return char.encode(codec)
        except UnicodeEncodeError:
            replacement = _FALLBACK.get(char)
            if replacement is None:
                return b"?"
            if len(replacement) > 1:
                return b"".join(_encode_char(c, codec) for c in replacement)
            char = replacement
    return b"?"
