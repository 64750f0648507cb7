"""Voice guidance for the accessible mode: each screen's prompt spoken in Ukrainian (or English).

espeak-ng speaks through the kiosk's sound card. A new prompt cuts the previous one short, so a quick
visitor never hears two screens at once.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

VOICES = {"uk": "uk", "en": "en-gb"}


class EspeakVoice:
    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None

    def __call__(self, text: str, lang: str) -> None:
        if shutil.which("espeak-ng") is None:
            return
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
        self._process = subprocess.Popen(["espeak-ng", "-v", VOICES.get(lang, "uk"), "-s", "135", text],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class VoiceGuide:
    def __init__(self, speak: Callable[[str, str], None] | None = None) -> None:
        self.speak = speak or EspeakVoice()
        self.last: tuple[str, str] | None = None

    def say(self, text: str, lang: str) -> None:
        self.last = (text, lang)
        self.speak(text, lang)

    def repeat(self) -> None:
        if self.last is not None:
            self.speak(*self.last)
