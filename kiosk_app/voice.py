"""Voice guidance for the accessible mode: each screen spoken in Ukrainian (or English), with its options.

The kiosk asks for speech as `SpeechRequest`s (text, language, volume); the speaker at the edge of the machine
turns them into sound. `EspeakVoice` uses espeak-ng, to the default sound card or, with `--audio-device`, to
the headphone output (an ALSA device such as `plughw:1`, played by sox). A new request cuts the previous one
short, so a quick visitor never hears two screens at once. The words a ticket is said with (letter names,
numbers) come from texts/speech.py, the same as the hall board's calls.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass

from texts.speech import for_synthesis

VOICES = {"uk": "uk", "en": "en-gb"}
VOLUME_STEPS = (0.2, 0.35, 0.5, 0.65, 0.8, 1.0)  # what "louder" / "quieter" step through
DEFAULT_VOLUME = 0.65


@dataclass(frozen=True)
class SpeechRequest:
    text: str
    lang: str
    volume: float  # 0..1


class EspeakVoice:
    def __init__(self, device: str | None = None) -> None:
        self.device = device
        self._processes: list[subprocess.Popen[bytes]] = []

    def __call__(self, request: SpeechRequest) -> None:
        if shutil.which("espeak-ng") is None:
            return
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        voice = ["espeak-ng", "-v", VOICES.get(request.lang, "uk"), "-s", "135"]
        text = for_synthesis(request.text)
        quiet = subprocess.DEVNULL
        if self.device is None or shutil.which("sox") is None:
            # espeak-ng's amplitude runs 0..200; 100 is its normal loudness.
            self._processes = [subprocess.Popen([*voice, "-a", str(int(request.volume * 150)), text],
                                                stdout=quiet, stderr=quiet)]
            return
        speech = subprocess.Popen([*voice, "--stdout", text], stdout=subprocess.PIPE, stderr=quiet)
        player = subprocess.Popen(["sox", "-q", "-t", "wav", "-", "-t", "alsa", self.device, "vol",
                                   f"{request.volume:.2f}"], stdin=speech.stdout, stdout=quiet, stderr=quiet)
        if speech.stdout is not None:
            speech.stdout.close()  # the player holds the pipe now
        self._processes = [speech, player]


class VoiceGuide:
    def __init__(self, speak: Callable[[SpeechRequest], None] | None = None, volume: float = DEFAULT_VOLUME) -> None:
        self.speak = speak or EspeakVoice()
        self.volume = volume
        self.last: SpeechRequest | None = None

    def say(self, text: str, lang: str) -> None:
        self.last = SpeechRequest(text, lang, self.volume)
        self.speak(self.last)

    def repeat(self) -> None:
        if self.last is not None:
            self.say(self.last.text, self.last.lang)

    def louder(self, steps: int) -> float:
        """One step louder (or quieter, `steps` < 0) along VOLUME_STEPS; the new volume."""
        nearest = min(range(len(VOLUME_STEPS)), key=lambda i: abs(VOLUME_STEPS[i] - self.volume))
        self.volume = VOLUME_STEPS[max(0, min(len(VOLUME_STEPS) - 1, nearest + steps))]
        return self.volume
