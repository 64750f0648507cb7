"""The spoken call, joined from recorded segments: «Талон пе п’ятнадцять, підійдіть, будь ласка, до вікна номер
сім» (and, as the hall's `[board] english` says, "Ticket P fifteen, window seven").

Segments live in a voice folder (`uk/*.wav`, `en/*.wav`, `chime.wav`), all 22,050 Hz mono 16-bit.
`generate_segments` makes a default set with espeak-ng and sox: each segment trimmed of silence and brought to
the same loudness (RMS), so no word of a call stands out or drops away; a centre may replace any file with a
human announcer's recording of the same words (same format). Letters are spelled by their names ("пе",
"ер"): espeak mispronounces bare letters. Numbers are joined from hundreds, tens and units. The words
themselves live in texts/speech.py, shared with the kiosk's voice guidance.
"""

from __future__ import annotations

import array
import hashlib
import io
import json
import math
import shutil
import subprocess
import sys
import tempfile
import wave
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# The words of a call (letter names, number words) are shared with the kiosk's voice: one implementation.
from texts.speech import EN_LETTERS, EN_NUMBERS, TICKET, UK_LETTERS, UK_NUMBERS, VoiceError, number_parts

__all__ = ["TICKET", "UK_LETTERS", "Announcement", "Voice", "VoiceError", "call_segments", "generate_segments",
           "hall_sound", "number_parts", "segment_texts", "unspoken_letters"]

RATE, WIDTH, CHANNELS = 22_050, 2, 1
# Pauses, in seconds: between words, at the comma before "підійдіть", after the chime, before the English
# call, between repeats. Short: the segments carry no silence of their own, and calls come in bursts.
WORD_GAP, COMMA_GAP, CHIME_GAP, LANGUAGE_GAP, REPEAT_GAP = 0.06, 0.2, 0.2, 0.4, 0.6
TARGET_RMS_DB = -20.0  # every default segment's loudness (RMS, dB of full scale); peaks are limited below 0

PHRASES = {
    "uk": {"ticket": "Талон", "to_desk": "підійдіть, будь ласка, до вікна номер"},
    "en": {"ticket": "Ticket", "to_desk": "window"},
}
ESPEAK_VOICE = {"uk": "uk", "en": "en-gb"}
# espeak reads a lone "і" or "и" as a particle and swallows it (50 ms): give it the phonemes instead.
ESPEAK_INPUT = {"і": "[[i:]]", "и": "[[I:]]"}
LETTER_SPEED, WORD_SPEED = 115, 150  # letters slower: they carry the ticket's identity


def call_segments(ticket: str, desk: int, lang: str) -> list[str]:
    """Segment names (relative to the voice folder) of one call in one language: «Талон П-15, підійдіть, будь
    ласка, до вікна номер 7» / "Ticket P 15, window 7"."""
    match = TICKET.match(ticket)
    if not match:
        raise VoiceError(f"not a ticket number: {ticket!r}")
    letters = UK_LETTERS if lang == "uk" else EN_LETTERS
    names = [f"{lang}/ticket"]
    for letter in match["prefix"].upper():
        if letter not in letters:
            raise VoiceError(f"no recording for letter {letter!r}")
        names.append(f"{lang}/letter_{letter}")
    names += [f"{lang}/n_{part}" for part in number_parts(int(match["number"]))]
    names.append(f"{lang}/to_desk")
    names += [f"{lang}/n_{part}" for part in number_parts(desk)]
    return names


# How a letter's name carries across a noisy hall: its consonants blur into one another ("бе", "пе", "те"),
# and so do a vowel and its iotated twin ("е" and "є", "і", "и" and "ї").
_PLAIN_VOWEL = {"а": "а", "я": "а", "е": "е", "є": "е", "і": "і", "и": "і", "ї": "і", "о": "о", "у": "у", "ю": "у"}


def hall_sound(prefix: str) -> str:
    """What a ticket prefix sounds like called across a hall, from its letters' names (UK_LETTERS): prefixes
    with the same hall sound rhyme. "П" (пе), "Б" (бе), "Т" (те), "Ц" (це) all give "Cе"; "Л" (ел), "М" (ем),
    "Н" (ен) give "еC"; "К" (ка), "Ш" (ша) "Cа"; "ПФ" (пе еф) gives "Cе еC". A letter without a name (not
    Ukrainian: a Latin "A" typed for "А") stands for itself."""
    sounds = []
    for letter in prefix.upper():
        name = UK_LETTERS.get(letter)
        sounds.append(letter if name is None else "".join(_PLAIN_VOWEL.get(ch, "C") for ch in name))
    return " ".join(sounds)


def unspoken_letters(prefix: str) -> list[str]:
    """The letters of a prefix the voice has no name for (a Latin "A" or "I" that looks Ukrainian, "Ь")."""
    return [letter for letter in prefix.upper() if letter not in UK_LETTERS]


@dataclass(frozen=True)
class Announcement:
    wav: bytes
    segments: tuple[str, ...]  # what it was built from, "silence:0.12" for pauses

    @property
    def seconds(self) -> float:
        with wave.open(io.BytesIO(self.wav)) as reader:
            frames: int = reader.getnframes()
            rate: int = reader.getframerate()
        return frames / rate


class Voice:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def available(self) -> bool:
        return (self.folder / "chime.wav").exists() and (self.folder / "uk" / "ticket.wav").exists()

    def call(self, ticket: str, desk: int, english: bool = False, repeat: int = 1,
             chime: bool = True) -> Announcement:
        """One call; `chime=False` leaves out the first chime (a call following straight on another: the hall
        is already listening), `english` adds the English call after the Ukrainian one."""
        return self._call(ticket, desk, english, repeat, chime)

    @lru_cache(maxsize=512)  # noqa: B019 - one Voice per server; calls repeat (recalls, many boards)
    def _call(self, ticket: str, desk: int, english: bool, repeat: int, chime: bool) -> Announcement:
        sequence: list[str] = []
        for round_ in range(repeat):
            if round_:
                sequence.append(f"silence:{REPEAT_GAP}")
            if round_ or chime:
                sequence += ["chime", f"silence:{CHIME_GAP}"]
            sequence += _with_gaps(call_segments(ticket, desk, "uk"))
            if english:
                sequence += [f"silence:{LANGUAGE_GAP}", *_with_gaps(call_segments(ticket, desk, "en"))]
        return Announcement(self._join(sequence), tuple(sequence))

    def _join(self, sequence: list[str]) -> bytes:
        frames = bytearray()
        for item in sequence:
            if item.startswith("silence:"):
                frames += b"\x00" * (int(float(item.split(":")[1]) * RATE) * WIDTH * CHANNELS)
                continue
            path = self.folder / f"{item}.wav"
            if not path.exists():
                raise VoiceError(f"missing voice segment {path}")
            try:
                with wave.open(str(path)) as reader:
                    if (reader.getframerate(), reader.getsampwidth(), reader.getnchannels()) != (RATE, WIDTH,
                                                                                               CHANNELS):
                        raise wave.Error("format")
                    frames += reader.readframes(reader.getnframes())
            except (wave.Error, EOFError):
                raise VoiceError(f"{path}: must be a {RATE} Hz, 16-bit, mono PCM WAV (convert it with sox: "
                                 f"sox IN -r {RATE} -c 1 -b 16 OUT)") from None
        out = io.BytesIO()
        with wave.open(out, "wb") as writer:
            writer.setnchannels(CHANNELS)
            writer.setsampwidth(WIDTH)
            writer.setframerate(RATE)
            writer.writeframes(bytes(frames))
        return out.getvalue()


def _with_gaps(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        if out:
            out.append(f"silence:{COMMA_GAP if name.endswith('/to_desk') else WORD_GAP}")
        out.append(name)
    return out


def segment_texts() -> Iterable[tuple[str, str, str]]:
    """(lang, segment name, text to speak) for the whole default set."""
    for lang, letters, numbers in (("uk", UK_LETTERS, UK_NUMBERS), ("en", EN_LETTERS, EN_NUMBERS)):
        for name, text in PHRASES[lang].items():
            yield lang, name, text
        for letter, spoken in letters.items():
            yield lang, f"letter_{letter}", spoken
        for value, spoken in numbers.items():
            yield lang, f"n_{value}", spoken


MANIFEST = "generated.json"  # what generate_segments made: the recipe, and each file's digest
RECIPE = "2: ticket wording, trimmed, RMS -20 dB"  # changed whenever the default segments would sound different


def generate_segments(folder: Path, force: bool = False) -> int:
    """Make the default segments with espeak-ng and sox (Debian packages); returns how many were made.

    A segment is made when it is missing, when `force` says so, or when it is one this function made by an
    earlier recipe and nobody has replaced it since (generated.json keeps what was made); a file a centre put
    there by hand (a human announcer's recording) is never overwritten without `force`."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise VoiceError(f"{tool} is not installed (Debian package {tool})")
    folder.mkdir(parents=True, exist_ok=True)
    recipe, generated = _read_manifest(folder)

    def wanted(name: str) -> bool:
        path = folder / f"{name}.wav"
        if force or not path.exists():
            return True
        return recipe != RECIPE and generated.get(name) == _digest(path)

    jobs = [(lang, name, text) for lang, name, text in segment_texts() if wanted(f"{lang}/{name}")]
    made = [f"{lang}/{name}" for lang, name, _ in jobs]
    if wanted("chime"):
        _chime(folder / "chime.wav")
        made.append("chime")
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda job: _speak(folder, *job), jobs))
    ours = {name: digest for name, digest in generated.items()
            if (folder / f"{name}.wav").exists() and _digest(folder / f"{name}.wav") == digest}
    ours.update({name: _digest(folder / f"{name}.wav") for name in made})
    (folder / MANIFEST).write_text(json.dumps({"recipe": RECIPE, "files": dict(sorted(ours.items()))},
                                              ensure_ascii=False, indent=1), encoding="utf-8")
    return len(made)


def _read_manifest(folder: Path) -> tuple[str, dict[str, str]]:
    """The recipe the folder's default segments were made by, and each one's digest ("", {} if unknown)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        recipe, files = data["recipe"], data["files"]
        if isinstance(recipe, str) and isinstance(files, dict):
            return recipe, {str(name): str(digest) for name, digest in files.items()}
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return "", {}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _chime(target: Path) -> None:
    # Two soft tones, high then low: the familiar "ding-dong" of a queue system, at the voice's loudness.
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "chime.wav"
        _run(["sox", "-n", "-r", str(RATE), "-c", "1", "-b", "16", str(raw),
              "synth", "0.4", "sine", "988", "fade", "0", "0.4", "0.35", "vol", "0.5", ":",
              "synth", "0.6", "sine", "784", "fade", "0", "0.6", "0.55", "vol", "0.5"])
        _normalise(raw, target)


def _speak(folder: Path, lang: str, name: str, text: str) -> None:
    target = folder / lang / f"{name}.wav"
    target.parent.mkdir(parents=True, exist_ok=True)
    speed = LETTER_SPEED if name.startswith("letter_") else WORD_SPEED
    with tempfile.TemporaryDirectory() as scratch:
        raw, trimmed = Path(scratch) / "raw.wav", Path(scratch) / "trimmed.wav"
        _run(["espeak-ng", "-v", ESPEAK_VOICE[lang], "-s", str(speed), "-w", str(raw), ESPEAK_INPUT.get(text, text)])
        # Same format for every segment; the silence espeak leaves at both ends trimmed (the call's pauses are
        # its own), with 5 ms fades so that a cut never clicks.
        _run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(trimmed),
              "silence", "1", "0.02", "1%", "fade", "h", "0.005", "reverse",
              "silence", "1", "0.02", "1%", "fade", "h", "0.005", "reverse"])
        _normalise(trimmed, target)


def _normalise(source: Path, target: Path) -> None:
    """Bring a segment to TARGET_RMS_DB (sox's gain, its limiter keeping the rare high peak below full scale;
    a second pass makes up what the limiter took)."""
    current = source
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(3):
            rms, _peak = levels(current)
            if abs(TARGET_RMS_DB - rms) < 0.1 and current != source:
                break
            out = Path(scratch) / f"pass{attempt}.wav"
            _run(["sox", str(current), str(out), "gain", "-l", f"{TARGET_RMS_DB - rms:.2f}"])
            current = out
        shutil.copyfile(current, target)


def levels(path: Path) -> tuple[float, float]:
    """A WAV's RMS and peak, in dB of full scale, from its samples (16-bit mono)."""
    with wave.open(str(path)) as reader:
        samples = array.array("h", reader.readframes(reader.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV samples are little-endian
    if not samples:
        return -math.inf, -math.inf
    rms = math.sqrt(math.fsum(x * x for x in samples) / len(samples)) / 32768
    peak = max(abs(x) for x in samples) / 32768
    return (20 * math.log10(rms) if rms else -math.inf), (20 * math.log10(peak) if peak else -math.inf)


def _run(args: list[str]) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise VoiceError(f"{args[0]} failed: {result.stderr.strip()[:300]}")
