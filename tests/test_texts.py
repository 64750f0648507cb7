"""The one catalogue mechanism (texts/): lookup, a missing key, parameters and plural forms."""

from __future__ import annotations

from pathlib import Path

import pytest

from texts import Catalogue, CatalogueError, MissingText, pick_lang, plural_category, search_form, ukrainian_sorted

LANGUAGE_TABLES = """
[uk]
hello = "Вітаємо, {name}"
ahead = { one = "Перед вами {count} особа", few = "Перед вами {count} особи", many = "Перед вами {count} осіб" }

[en]
hello = "Welcome, {name}"
ahead = { one = "{count} person ahead of you", other = "{count} people ahead of you" }
"""

ENTRIES = """
[hall_closed]
uk = "ЦНАП зараз зачинений."
en = "The centre is closed now."

[daily_limit_reached]
uk = "Денний ліміт ({limit}) вичерпано."
en = "Today's limit ({limit}) has been reached."
"""


def catalogue(tmp_path: Path, text: str, name: str = "texts.toml") -> Catalogue:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Catalogue(path)


def test_lookup_in_both_languages_and_both_file_shapes(tmp_path: Path) -> None:
    texts = catalogue(tmp_path, LANGUAGE_TABLES)
    assert texts.t("hello", name="Олено") == "Вітаємо, Олено"
    assert texts.t_in("en", "hello", name="Olena") == "Welcome, Olena"
    texts.toggle()
    assert texts.lang == "en" and texts.t("hello", name="Olena") == "Welcome, Olena"
    assert texts.keys("uk") == texts.keys("en") == {"hello", "ahead"}
    errors = catalogue(tmp_path, ENTRIES, "messages.toml")
    assert errors.both("daily_limit_reached", limit=40) == {
        "uk": "Денний ліміт (40) вичерпано.", "en": "Today's limit (40) has been reached."}
    assert errors.has("hall_closed") and not errors.has("nothing")


def test_a_missing_key_fails_clearly_and_a_missing_parameter_stays_visible(tmp_path: Path) -> None:
    texts = catalogue(tmp_path, LANGUAGE_TABLES)
    with pytest.raises(MissingText, match=r"texts\.toml has no text 'goodbye'"):
        texts.t("goodbye")
    with pytest.raises(MissingText, match="needs count"):
        texts.t("ahead")
    assert texts.t("hello") == "Вітаємо, {name}"
    assert texts.t_in("de", "hello", name="Olena") == "Вітаємо, Olena", "an unknown language gets Ukrainian"


def test_a_file_missing_a_translation_or_a_plural_form_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="not in both languages: only_uk"):
        catalogue(tmp_path, '[uk]\nonly_uk = "а"\n[en]\n', "a.toml")
    with pytest.raises(CatalogueError, match="few"):
        catalogue(tmp_path, '[uk]\nn = { one = "а", many = "б" }\n[en]\nn = { one = "a", other = "b" }\n', "b.toml")
    with pytest.raises(CatalogueError, match="uk and en"):
        catalogue(tmp_path, 'code = "text"\n', "c.toml")


@pytest.mark.parametrize(("count", "uk", "en"), [
    (0, "many", "other"), (1, "one", "one"), (2, "few", "other"), (5, "many", "other"), (11, "many", "other"),
    (12, "many", "other"), (14, "many", "other"), (21, "one", "other"), (22, "few", "other"),
    (25, "many", "other"), (101, "one", "other"), (111, "many", "other"), (1.5, "other", "other"),
])
def test_plural_categories_follow_cldr(count: float, uk: str, en: str) -> None:
    assert plural_category("uk", count) == uk
    assert plural_category("en", count) == en


def test_plural_texts(tmp_path: Path) -> None:
    texts = catalogue(tmp_path, LANGUAGE_TABLES)
    said = {n: (texts.t_in("uk", "ahead", count=n), texts.t_in("en", "ahead", count=n))
            for n in (1, 2, 5, 11, 21, 22, 25)}
    assert said == {
        1: ("Перед вами 1 особа", "1 person ahead of you"),
        2: ("Перед вами 2 особи", "2 people ahead of you"),
        5: ("Перед вами 5 осіб", "5 people ahead of you"),
        11: ("Перед вами 11 осіб", "11 people ahead of you"),
        21: ("Перед вами 21 особа", "21 people ahead of you"),
        22: ("Перед вами 22 особи", "22 people ahead of you"),
        25: ("Перед вами 25 осіб", "25 people ahead of you"),
    }


def test_pick_lang() -> None:
    assert [pick_lang(v) for v in ("uk", "en", "EN", None, "de", 3)] == ["uk", "en", "uk", "uk", "uk", "uk"]


def test_ukrainian_alphabetical_order() -> None:
    """By the Ukrainian alphabet, not by code point (which puts І, Ґ, Є, Ї in the wrong places)."""
    words = ["Їжак", "Іван", "Яблуко", "Ґанок", "Гора", "Єва", "Етап", "Адреса", "ID-картка", "Бюро", "Жито",
             "Изюм", "Щука", "Ьо", "Юнак"]
    assert sorted(words)[:2] == ["ID-картка", "Єва"], "what code points do"
    assert ukrainian_sorted(words) == ["Адреса", "Бюро", "Гора", "Ґанок", "Етап", "Єва", "Жито", "Изюм", "Іван",
                                       "Їжак", "Щука", "Ьо", "Юнак", "Яблуко", "ID-картка"]
    assert ukrainian_sorted(["мʼясо", "мило", "м’ята", "м'яч", "мя"]) == ["мило", "мя", "мʼясо", "м’ята", "м'яч"], \
        "the apostrophe is ignored, in all its forms"
    assert ukrainian_sorted(["паспорт", "Паспорт", "паспорта", "паспорт 2", "паспорт 10"]) == \
        ["паспорт", "Паспорт", "паспорт 2", "паспорт 10", "паспорта"], "case breaks ties; a space before letters"
    assert search_form("Мʼясо") == search_form("м’ясо") == "м'ясо"
