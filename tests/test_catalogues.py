"""Every catalogue, read as an editor would: plural forms, no codes for words, one apostrophe, the glossary.

The catalogues are all of them: every `*/locales/*.toml` (server, SMS, kiosk, console, ticket) and every page's
label table (display_board/static/*_labels.js, read through Node exactly as the pages import them). Nothing
here lists keys by hand: a new plural text, a new state or a new role is checked as soon as it is added.
docs/texts.md is the rulebook these tests hold the texts to.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from babel import Locale

from queue_server.api.auth import Role
from queue_server.catalogue import IN_WORDS, MESSAGES, message
from queue_server.domain.visit import VisitState
from texts import LANGS, Catalogue, load, plural_forms
from texts.catalogue import PLURAL_BY

from .browser import browser_env  # Node, like the browser, runs outside libfaketime (make test-clock)

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(ROOT.glob("*/locales/*.toml"))
LABEL_FILES = sorted((ROOT / "display_board" / "static").glob("*_labels.js"))
NUMBERS = (1, 2, 5, 11, 21, 22)
# What CLDR says for those numbers, written out once so that Babel, the browsers' Intl and our use of them are
# all checked against it: Ukrainian 1 особа, 2 особи, 5 осіб, 11 осіб, 21 особа, 22 особи; English 1 person,
# and "people" for the rest.
CLDR = {"uk": {1: "one", 2: "few", 5: "many", 11: "many", 21: "one", 22: "few"},
        "en": {1: "one", 2: "other", 5: "other", 11: "other", 21: "other", 22: "other"}}
PLURAL_TAGS = {"zero", "one", "two", "few", "many", "other"}


def is_plural(text: object) -> bool:
    return isinstance(text, dict) and "one" in text and set(text) - {PLURAL_BY} <= PLURAL_TAGS


@cache
def js_tables() -> dict[str, dict[str, Any]]:
    """Each label file's LABELS, as the pages import it (Node runs the very modules)."""
    node = shutil.which("node")
    assert node, "Node is needed to read the pages' label files (make setup installs nodejs)"
    script = ("const out = {}; for (const f of JSON.parse(process.argv[1])) "
              "{ out[f] = (await import(f)).LABELS; } console.log(JSON.stringify(out));")
    files = [str(path) for path in LABEL_FILES]
    done = subprocess.run([node, "--input-type=module", "-e", script, json.dumps(files)], capture_output=True,
                          text=True, timeout=60, check=True, env=browser_env())
    return {Path(name).name: table for name, table in json.loads(done.stdout).items()}


def js_fill(cases: list[tuple[Any, dict[str, Any], str]]) -> list[str]:
    """labels.js's own `fill` (Intl.PluralRules) on each (text, values, lang)."""
    script = ("const { fill } = await import(process.argv[1]); const cases = JSON.parse(process.argv[2]); "
              "console.log(JSON.stringify(cases.map(([t, v, l]) => fill(t, v, l))));")
    done = subprocess.run([str(shutil.which("node")), "--input-type=module", "-e", script,
                           str(ROOT / "display_board" / "static" / "labels.js"), json.dumps(cases)],
                          capture_output=True, text=True, timeout=60, check=True, env=browser_env())
    return list(json.loads(done.stdout))


def walk(table: Any, path: str = "") -> list[tuple[str, Any]]:
    """Every text in a (possibly nested) JS table with its path: plural tables are one text."""
    if isinstance(table, str) or is_plural(table):
        return [(path, table)]
    items = table.items() if isinstance(table, dict) else enumerate(table)
    return [entry for key, value in items for entry in walk(value, f"{path}.{key}" if path else str(key))]


def all_texts() -> list[tuple[str, str, str, Any]]:
    """(file, language, key, text) for every text of every catalogue and label file."""
    found = [(path.name, lang, key, text) for path in CATALOGUES for lang, texts in load(path).items()
             for key, text in texts.items()]
    for name, table in js_tables().items():
        found += [(name, lang, key, text) for lang in LANGS for key, text in walk(table.get(lang, {}))]
    return found


def plural_texts() -> list[tuple[str, str, str, dict[str, str]]]:
    return [(f, lang, key, text) for f, lang, key, text in all_texts() if is_plural(text)]


def strings(text: Any) -> list[str]:
    return [text] if isinstance(text, str) else [v for k, v in text.items() if k != PLURAL_BY]


def test_there_are_catalogues_and_plural_texts_to_check() -> None:
    names = {path.name for path in CATALOGUES} | {path.name for path in LABEL_FILES}
    assert {"messages.toml", "sms.toml", "kiosk.toml", "console.toml", "labels.toml", "board_labels.js",
            "dashboard_labels.js", "visitor_labels.js"} <= names
    assert {f for f, *_ in plural_texts()} >= {"messages.toml", "kiosk.toml", "console.toml", "board_labels.js"}


def test_babel_gives_the_cldr_categories() -> None:
    for lang, expected in CLDR.items():
        rule = Locale.parse(lang).plural_form
        assert {n: rule(n) for n in NUMBERS} == expected
    assert plural_forms("uk") == ("one", "few", "many") and plural_forms("en") == ("one", "other")


def test_every_plural_text_gives_exactly_the_forms_of_its_language() -> None:
    wrong = []
    for f, lang, key, text in plural_texts():
        forms = set(text) - {PLURAL_BY}
        allowed = set(plural_forms(lang)) | {"other"}  # Ukrainian `other` is for fractions, and optional
        if not set(plural_forms(lang)) <= forms <= allowed:
            wrong.append(f"{f} {lang}.{key}: {sorted(forms)}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.name)
def test_plural_texts_for_1_2_5_11_21_22_in_both_languages(path: Path) -> None:
    catalogue = Catalogue(path)
    checked = 0
    for lang, texts in load(path).items():
        for key, text in texts.items():
            if not is_plural(text):
                continue
            assert isinstance(text, dict)
            by = text.get(PLURAL_BY, "count")
            for n in NUMBERS:
                said = catalogue.t_in(lang, key, **{by: n})
                form = text[CLDR[lang][n]]
                assert said == form.replace("{" + by + "}", str(n)), f"{path.name} {lang}.{key} for {n}"
                assert str(n) in said, f"{path.name} {lang}.{key}: the {CLDR[lang][n]} form does not show {{{by}}}"
                checked += 1
    if path.name in ("messages.toml", "kiosk.toml", "console.toml"):
        assert checked, f"{path.name} has plural texts"


def test_the_pages_plural_texts_for_1_2_5_11_21_22_in_both_languages() -> None:
    cases, expected = [], []
    for f, lang, key, text in plural_texts():
        if not f.endswith(".js"):
            continue
        for n in NUMBERS:
            others = {name: f"{{{name}}}" for form in text.values() for name in re.findall(r"\{(\w+)\}", form)
                      if name != "count"}  # the other parameters stay as written
            cases.append((text, {**others, "count": n}, lang))
            expected.append((f, lang, key, n, text[CLDR[lang][n]].replace("{count}", str(n))))
    assert cases
    for said, (f, lang, key, n, want) in zip(js_fill(cases), expected, strict=True):
        assert said == want, f"{f} {lang}.{key} for {n}: {said!r}"


# A number parameter followed by a word that changes with the number: a plural written by hand, which reads
# «1 осіб», "1 people". Units in abbreviations (хв, с, min, s) and words that do not change are fine.
COUNTS = {"count", "minutes", "days", "seconds", "limit", "tries", "min", "high", "low", "served", "no_shows",
          "waiting", "longest", "behind_minutes", "per_second", "silent_minutes"}
INVARIABLE = {"uk": {"хв", "с", "грн", "на", "до", "від", "з", "із", "та", "і", "й", "у", "в", "або", "—"},
              "en": {"min", "s", "a", "at", "to", "or", "and", "ahead", "new", "more"}}


def test_no_plural_is_written_by_hand() -> None:
    found = []
    for f, lang, key, text in all_texts():
        if is_plural(text):
            continue
        for name, word in re.findall(r"\{(\w+)\}\s+([^\W\d_]+)", text):
            if name in COUNTS and word.casefold() not in INVARIABLE[lang]:
                found.append(f"{f} {lang}.{key}: «{{{name}}} {word}»")
    assert not found, "these need plural forms:\n" + "\n".join(found)


def test_every_state_and_role_a_message_names_has_words() -> None:
    """A refusal names a visit's state or a role in words («стан: не з’явився»), never by its code."""
    codes = {"state": [s.value for s in VisitState], "role": [r.value for r in Role]}
    assert set(codes) == set(IN_WORDS)
    for name, values in codes.items():
        for value in values:
            assert MESSAGES.has(f"{name}_{value}"), f"messages.toml needs [{name}_{value}]"
    for key in MESSAGES.keys("uk"):
        text = load(MESSAGES.path)["uk"][key]
        for name in IN_WORDS:
            if "{" + name + "}" not in str(text):
                continue
            for value in codes[name]:
                said = message(key, {name: value, "ticket": "П-001", "desk": 7, "type": "call_next"})
                assert value not in said["uk"], f"{key}: the code {value!r} shows in «{said['uk']}»"
                if "_" in value:
                    assert value not in said["en"], f"{key}: the code {value!r} shows in {said['en']!r}"


# Codes that are never words people read, in any language: our identifiers and message types.
CODE = re.compile(r"\b(?:[a-z]+_[a-z_]+|(?:category|service|bundle|desk|priority):[\w-]+)\b")


def test_no_code_in_a_text() -> None:
    """A text with a parameter is fine (`{no_shows}`); a bare code such as `no_show` or `category:x` is not."""
    leaks = []
    for f, lang, key, text in all_texts():
        for form in strings(text):
            bare = re.sub(r"\{\w+\}", "", form)
            if f == "messages.toml" and "`" in bare:
                bare = re.sub(r"`[^`]*`", "", bare)  # a command the administrator types, quoted as such
            if CODE.search(bare):
                leaks.append(f"{f} {lang}.{key}: {form!r}")
    assert not leaks, "\n".join(leaks)


# The typographic apostrophe is the one Ukrainian text uses (Правопис 2019, § 6): not ', ʼ, ‘ or `.
WRONG_APOSTROPHE = re.compile(r"(?<=[а-яіїєґА-ЯІЇЄҐ])['ʼ‘`](?=[а-яіїєґА-ЯІЇЄҐ])")
# Words an editor strikes out, and what the catalogues say instead (docs/texts.md).
STRUCK = {
    r"\bневірн": "неправильний (невірний means unfaithful)",
    r"\bпо телефону": "за телефоном",
    r"(?<!від)\bскануйте": "відскануйте (a finished action)",
    r"записаний\(а\)": "Маю попередній запис (no (а) endings)",
    r"\bвізитор": "відвідувач",
    r"\bробоч\w+ місц": "вікно (the glossary's one word for a desk, for staff and visitors alike)",
    r"\} тому\b": "a running timer, «від виклику минуло 0:42», never «0:00 тому»",
}
# Text people read, besides the catalogues: the pages, the Qt apps' and the server's own Ukrainian literals.
# texts/speech.py is left out on purpose: its words are the speech
# synthesiser's input, not text shown, and espeak-ng spells a word with ’ letter by letter.
PRODUCT_FILES = [path for pattern in ("*/*.py", "*/*/*.py", "*/*/*/*.py", "display_board/static/*.html",
                                      "display_board/static/*.js", "*/locales/*.toml", "config/*.toml",
                                      "docs/*.md", "README.md")
                 for path in sorted(ROOT.glob(pattern))
                 if not {".venv", ".cache", "tests", "bench", "vendor"} & set(path.relative_to(ROOT).parts)
                 and path.name != "speech.py"]


def test_one_apostrophe_in_all_ukrainian_text() -> None:
    wrong = [f"{path.relative_to(ROOT)}:{n}: {line.strip()[:100]}" for path in PRODUCT_FILES
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if WRONG_APOSTROPHE.search(line)]
    assert not wrong, "use ’ (U+2019):\n" + "\n".join(wrong)
    assert any("’" in str(text) for _f, lang, _k, text in all_texts() if lang == "uk")


def test_no_struck_words_in_ukrainian_text() -> None:
    found = []
    for f, lang, key, text in all_texts():
        if lang != "uk":
            continue
        for form in strings(text):
            found += [f"{f} uk.{key}: «{form}» → {instead}" for pattern, instead in STRUCK.items()
                      if re.search(pattern, form, re.IGNORECASE)]
    for path in PRODUCT_FILES:
        if path.suffix == ".md" or path.name == "demo_hall.toml" or path.name == "remote_workplace.toml":
            continue  # the docs quote the old words to explain them; a hall's own names are the hall's
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [f"{path.relative_to(ROOT)}:{n} → {instead}" for pattern, instead in STRUCK.items()
                      if re.search(pattern, line, re.IGNORECASE) and re.search(r"[а-яі]", line)]
    assert not found, "\n".join(found)


def test_the_english_says_what_a_visitor_expects() -> None:
    english = {(f, key): text for f, lang, key, text in all_texts() if lang == "en"}
    assert english[("labels.toml", "term")] == english[("kiosk.toml", "term")] == "Processing time"
    sms = load(ROOT / "queue_server" / "locales" / "sms.toml")["en"]
    assert not [key for key, text in sms.items() if str(text).startswith("ASC")], "ASC means nothing to a visitor"
