"""How Cherha says a ticket: letters by their names, numbers as words. One implementation for every voice.

The hall board joins recorded segments named after these words (display_board/voice.py); the kiosk's voice
guidance speaks the same words through a synthesiser (kiosk_app/voice.py). Both say «П-015» as «пе
п'ятнадцять» ("P fifteen"): a synthesiser reads a bare «В» as «ф» and «1234» as «один тисяча».
"""

from __future__ import annotations

import re

UK_LETTERS = {
    "А": "а", "Б": "бе", "В": "ве", "Г": "ге", "Ґ": "ґе", "Д": "де", "Е": "е", "Є": "є", "Ж": "же", "З": "зе",
    "И": "и", "І": "і", "Ї": "ї", "Й": "йот", "К": "ка", "Л": "ел", "М": "ем", "Н": "ен", "О": "о", "П": "пе",
    "Р": "ер", "С": "ес", "Т": "те", "У": "у", "Ф": "еф", "Х": "ха", "Ц": "це", "Ч": "че", "Ш": "ша", "Щ": "ща",
    "Ю": "ю", "Я": "я",
}
# English: the letter as it is transliterated (the national standard), said as English letter names.
EN_LETTERS = {
    "А": "A", "Б": "B", "В": "V", "Г": "H", "Ґ": "G", "Д": "D", "Е": "E", "Є": "Ye", "Ж": "Zh", "З": "Z",
    "И": "Y", "І": "I", "Ї": "Yi", "Й": "Y", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O", "П": "P",
    "Р": "R", "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "Kh", "Ц": "Ts", "Ч": "Ch", "Ш": "Sh", "Щ": "Shch",
    "Ю": "Yu", "Я": "Ya",
}
UK_NUMBERS = {
    0: "нуль", 1: "один", 2: "два", 3: "три", 4: "чотири", 5: "п'ять", 6: "шість", 7: "сім", 8: "вісім",
    9: "дев'ять", 10: "десять", 11: "одинадцять", 12: "дванадцять", 13: "тринадцять", 14: "чотирнадцять",
    15: "п'ятнадцять", 16: "шістнадцять", 17: "сімнадцять", 18: "вісімнадцять", 19: "дев'ятнадцять",
    20: "двадцять", 30: "тридцять", 40: "сорок", 50: "п'ятдесят", 60: "шістдесят", 70: "сімдесят",
    80: "вісімдесят", 90: "дев'яносто", 100: "сто", 200: "двісті", 300: "триста", 400: "чотириста",
    500: "п'ятсот", 600: "шістсот", 700: "сімсот", 800: "вісімсот", 900: "дев'ятсот", 1000: "тисяча",
    2000: "дві тисячі", 3000: "три тисячі", 4000: "чотири тисячі", 5000: "п'ять тисяч", 6000: "шість тисяч",
    7000: "сім тисяч", 8000: "вісім тисяч", 9000: "дев'ять тисяч",
}
EN_NUMBERS = {
    0: "zero", 1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight",
    9: "nine", 10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen",
    16: "sixteen", 17: "seventeen", 18: "eighteen", 19: "nineteen", 20: "twenty", 30: "thirty", 40: "forty",
    50: "fifty", 60: "sixty", 70: "seventy", 80: "eighty", 90: "ninety",
    **{h * 100: f"{w} hundred" for h, w in enumerate(["", "one", "two", "three", "four", "five", "six", "seven",
                                                         "eight", "nine"]) if h},
    **{t * 1000: f"{w} thousand" for t, w in enumerate(["", "one", "two", "three", "four", "five", "six",
                                                          "seven", "eight", "nine"]) if t},
}
LETTERS = {"uk": UK_LETTERS, "en": EN_LETTERS}
NUMBERS = {"uk": UK_NUMBERS, "en": EN_NUMBERS}
TICKET = re.compile(r"^(?P<prefix>[^\W\d_]{1,3})-(?P<number>\d{1,4})$")


class VoiceError(Exception):
    """Something a voice cannot say (a number out of range, a letter with no name) or play."""


def number_parts(value: int) -> list[int]:
    """15 -> [15]; 115 -> [100, 15]; 1234 -> [1000, 200, 30, 4]: the recorded numbers that say it."""
    if not 0 <= value <= 9999:
        raise VoiceError(f"cannot say {value}")
    if value < 20:
        return [value]
    parts = []
    for unit in (1000, 100):
        if value >= unit:
            parts.append(value // unit * unit)
            value %= unit
    if value >= 20:
        parts.append(value // 10 * 10)
        value %= 10
    if value:
        parts.append(value)
    return parts


def number_words(value: int, lang: str) -> str:
    """1234 in words: «тисяча двісті тридцять чотири», "one thousand two hundred thirty four"."""
    words = NUMBERS["en" if lang == "en" else "uk"]
    return " ".join(words[part] for part in number_parts(value))


def letter_names(prefix: str, lang: str) -> list[str]:
    """A ticket prefix's letters by name («ПФ» -> ["пе", "еф"]); a letter without a name stands for itself."""
    letters = LETTERS["en" if lang == "en" else "uk"]
    return [letters.get(letter, letter) for letter in prefix.upper()]


def spoken_ticket(ticket: str, lang: str) -> str:
    """«П-015» as it is said: «пе п'ятнадцять» / "P fifteen"; anything else unchanged."""
    match = TICKET.match(ticket)
    if not match:
        return ticket
    return " ".join([*letter_names(match["prefix"], lang), number_words(int(match["number"]), lang)])


# espeak-ng reads «зв’язок» as «зе ве язок» (a consonant cluster before an apostrophe is spelled out) and a
# modifier-letter apostrophe (ʼ) as its Unicode name. The apostrophe only says "a hard consonant, then [j]":
# writing that [j] as «й» before the plain vowel is read right in every word.
_APOSTROPHE_VOWEL = re.compile(r"[’ʼ'‘`]([яюєїЯЮЄЇ])")
_PLAIN = {"я": "йа", "ю": "йу", "є": "йе", "ї": "йі", "Я": "ЙА", "Ю": "ЙУ", "Є": "ЙЕ", "Ї": "ЙІ"}


def for_synthesis(text: str) -> str:
    """Text as a Ukrainian synthesiser reads it right (the words a visitor hears are unchanged)."""
    return _APOSTROPHE_VOWEL.sub(lambda m: _PLAIN[m[1]], text).replace("ʼ", "’")
