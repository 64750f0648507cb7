"""The words a ticket is said with, shared by the board's calls and the kiosk's voice (texts/speech.py), and
the kiosk's speaker at the edge: espeak-ng itself (its phonemes) and the command lines it is started with."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import display_board.voice as board_voice
from kiosk_app.voice import EspeakVoice, SpeechRequest, VoiceGuide
from texts.speech import for_synthesis, letter_names, number_words, spoken_ticket


def test_one_implementation_for_the_board_and_the_kiosk() -> None:
    import texts.speech as speech

    assert board_voice.UK_LETTERS is speech.UK_LETTERS and board_voice.number_parts is speech.number_parts
    segments = {(lang, name): text for lang, name, text in board_voice.segment_texts()}
    for letter in speech.UK_LETTERS:
        assert letter_names(letter, "uk") == [segments[("uk", f"letter_{letter}")]]
        assert letter_names(letter, "en") == [segments[("en", f"letter_{letter}")]]


@pytest.mark.parametrize(("ticket", "lang", "said"), [
    ("В-015", "uk", "ве п'ятнадцять"),
    ("Ц-1234", "uk", "це тисяча двісті тридцять чотири"),
    ("П-001", "uk", "пе один"),
    ("ПФ-120", "uk", "пе еф сто двадцять"),
    ("В-015", "en", "V fifteen"),
    ("Ц-1234", "en", "Ts one thousand two hundred thirty four"),
    ("not a ticket", "uk", "not a ticket"),
])
def test_spoken_ticket(ticket: str, lang: str, said: str) -> None:
    assert spoken_ticket(ticket, lang) == said


def test_number_words() -> None:
    assert number_words(21, "uk") == "двадцять один" and number_words(2000, "uk") == "дві тисячі"


@pytest.mark.parametrize(("text", "ready"), [
    ("зв’язок", "звйазок"), ("зв'язок", "звйазок"), ("пʼять", "пйать"), ("сім’ю", "сімйу"),
    ("Запам’ятайте", "Запамйатайте"), ("об’єкт", "обйект"), ("без змін", "без змін"),
])
def test_for_synthesis(text: str, ready: str) -> None:
    assert for_synthesis(text) == ready


ESPEAK = shutil.which("espeak-ng")


def phonemes(text: str) -> str:
    assert ESPEAK, "espeak-ng is in the Makefile's APT_PACKAGES"
    return subprocess.run([ESPEAK, "-v", "uk", "-q", "-x", text], capture_output=True, text=True, check=True,
                          timeout=20).stdout.strip()


def test_espeak_says_the_words_right() -> None:
    """What the issue measured («В 15» as «ф», «1234» as «один тисяча», «зв’язок» letter by letter), asked of
    espeak-ng itself: the kiosk's text no longer trips it."""
    assert phonemes("В 15").startswith("f"), "the mistake the shared words avoid"
    assert phonemes(for_synthesis(spoken_ticket("В-015", "uk"))).startswith("v'e")
    assert "od;'in t'isjatSa" in phonemes("1234"), "the mistake the shared words avoid"
    assert "od;'in" not in phonemes(spoken_ticket("Ц-1234", "uk"))
    assert phonemes("зв’язок").startswith("z,Ev'E"), "spelled out without help"
    assert phonemes(for_synthesis("зв’язок")) == "zvjaz'ok"


def fake_tools(folder: Path) -> Path:
    """espeak-ng and sox stand-ins that write down how they were started (the sound card is the edge)."""
    log = folder / "calls.txt"
    for tool in ("espeak-ng", "sox"):
        script = folder / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> {log}\ncat > /dev/null 2>&1 || true\n', encoding="utf-8")
        script.chmod(0o755)
    return log


def wait_lines(log: Path, count: int) -> list[str]:
    for _ in range(100):
        if log.exists() and len(log.read_text(encoding="utf-8").splitlines()) >= count:
            break
        time.sleep(0.05)
    return log.read_text(encoding="utf-8").splitlines()


def test_the_speaker_to_the_default_card_and_to_the_headphones(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    log = fake_tools(tmp_path)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    EspeakVoice()(SpeechRequest("Ваш талон ве один. Зв’язок", "uk", 0.5))
    assert wait_lines(log, 1) == ["espeak-ng -v uk -s 135 -a 75 Ваш талон ве один. Звйазок"]
    log.unlink()
    guide = VoiceGuide(EspeakVoice("plughw:1"), volume=0.65)
    guide.louder(1)
    guide.say("Hello", "en")
    lines = sorted(wait_lines(log, 2))
    assert lines == ["espeak-ng -v en-gb -s 135 --stdout Hello", "sox -q -t wav - -t alsa plughw:1 vol 0.80"]
    assert guide.louder(-10) == 0.2 and guide.louder(10) == 1.0, "the volume stays within its steps"
