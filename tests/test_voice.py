"""The spoken call: «Талон П-15, підійдіть, будь ласка, до вікна номер 7» built from the right segments, not
silent, every segment as loud as the others (RMS from the samples), English as the hall says."""

from __future__ import annotations

import array
import json
import math
import subprocess
import wave
from pathlib import Path

import pytest

from display_board.voice import (
    CHIME_GAP,
    COMMA_GAP,
    MANIFEST,
    WORD_GAP,
    Voice,
    VoiceError,
    call_segments,
    generate_segments,
    hall_sound,
    number_parts,
)
from queue_server.domain.hall import BoardSettings


def sox_stat(path: Path) -> dict[str, float]:
    result = subprocess.run(["sox", str(path), "-n", "stat"], capture_output=True, text=True, check=True)
    stats = {}
    for line in result.stderr.splitlines():
        name, _, value = line.partition(":")
        try:
            stats[name.strip()] = float(value.strip())
        except ValueError:
            continue
    return stats


def test_number_parts() -> None:
    assert number_parts(7) == [7]
    assert number_parts(15) == [15]
    assert number_parts(40) == [40]
    assert number_parts(115) == [100, 15]
    assert number_parts(999) == [900, 90, 9]
    assert number_parts(1004) == [1000, 4]
    with pytest.raises(VoiceError):
        number_parts(10_000)


def test_call_is_spelled_out() -> None:
    # «Талон П-15, підійдіть, будь ласка, до вікна номер 7»; "Ticket P 15, window 7".
    assert call_segments("П-015", 7, "uk") == ["uk/ticket", "uk/letter_П", "uk/n_15", "uk/to_desk", "uk/n_7"]
    assert call_segments("ПФ-123", 18, "en") == ["en/ticket", "en/letter_П", "en/letter_Ф", "en/n_100",
                                                 "en/n_20", "en/n_3", "en/to_desk", "en/n_18"]
    with pytest.raises(VoiceError):
        call_segments("П15", 7, "uk")


def test_announcement_is_audible_and_built_from_its_segments(voice_dir: Path, tmp_path: Path) -> None:
    voice = Voice(voice_dir)
    uk_only = voice.call("П-015", 7)
    assert uk_only.segments == ("chime", f"silence:{CHIME_GAP}", "uk/ticket", f"silence:{WORD_GAP}", "uk/letter_П",
                                f"silence:{WORD_GAP}", "uk/n_15", f"silence:{COMMA_GAP}", "uk/to_desk",
                                f"silence:{WORD_GAP}", "uk/n_7")
    spoken = [s for s in uk_only.segments if not s.startswith("silence")]
    expected = sum(_seconds(voice_dir / f"{name}.wav") for name in spoken)
    expected += sum(float(s.split(":")[1]) for s in uk_only.segments if s.startswith("silence"))
    assert uk_only.seconds == pytest.approx(expected, abs=0.01), "exactly its segments and pauses, nothing else"
    assert 2.5 < uk_only.seconds < 8, uk_only.seconds
    path = tmp_path / "call.wav"
    path.write_bytes(uk_only.wav)
    stats = sox_stat(path)
    assert stats["RMS     amplitude"] > 0.02 and stats["Maximum amplitude"] > 0.2, stats
    both = voice.call("П-015", 7, english=True, repeat=2)
    assert both.segments.count("chime") == 2 and "en/to_desk" in both.segments
    assert both.seconds > 2 * uk_only.seconds
    # A call straight after another: no chime, the words alone.
    following = voice.call("П-015", 7, chime=False)
    assert following.segments == uk_only.segments[2:]


def test_english_setting_speaks_english_always_on_a_recall_or_never(voice_dir: Path) -> None:
    voice = Voice(voice_dir)
    english_of = {}
    for setting in ("always", "recall", "never"):
        board = BoardSettings(english=setting)
        english_of[setting] = [any(s.startswith("en/") for s in voice.call(
            "П-015", 7, english=board.english_call(recall)).segments) for recall in (False, True)]
    assert english_of == {"always": [True, True], "recall": [False, True], "never": [False, False]}
    with_english = voice.call("П-015", 7, english=True).segments
    assert [s for s in with_english if s.startswith("en/")] == ["en/ticket", "en/letter_П", "en/n_15", "en/to_desk",
                                                                "en/n_7"]
    assert with_english.index("en/ticket") > with_english.index("uk/n_7"), "Ukrainian first"


def test_segments_are_equally_loud(voice_dir: Path) -> None:
    """RMS of every default segment, from its samples: all within 2 dB of each other (espeak's raw words span
    10 dB), none clipped."""
    levels = {path.relative_to(voice_dir).as_posix(): _rms_and_peak_db(path) for path in voice_dir.rglob("*.wav")}
    assert len(levels) == 161
    rms = [level[0] for level in levels.values()]
    assert max(rms) - min(rms) <= 2.0, sorted(levels.items(), key=lambda item: item[1][0])
    assert all(peak < 0 for _, peak in levels.values())


def test_remade_when_made_by_an_older_recipe_but_a_recording_put_by_hand_is_kept(tmp_path: Path) -> None:
    folder = tmp_path / "voice"
    assert generate_segments(folder) == 161
    assert generate_segments(folder) == 0, "nothing to do"
    # A centre records "Талон" with its own announcer; then Cherha's default segments change.
    subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", "-b", "16", str(folder / "uk" / "ticket.wav"),
                    "synth", "0.5", "sine", "300"], check=True)
    recorded = (folder / "uk" / "ticket.wav").read_bytes()
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    (folder / MANIFEST).write_text(json.dumps({**manifest, "recipe": "1: older"}), encoding="utf-8")
    assert generate_segments(folder) == 160, "every default segment made again, except the recording"
    assert (folder / "uk" / "ticket.wav").read_bytes() == recorded
    assert generate_segments(folder, force=True) == 161
    assert (folder / "uk" / "ticket.wav").read_bytes() != recorded


def test_hall_sounds_of_prefixes() -> None:
    assert {hall_sound(p) for p in "БВГҐДЖЗПТЦЧ"} == {"Cе"}
    assert {hall_sound(p) for p in "ЛМНРСФ"} == {"еC"}
    assert {hall_sound(p) for p in "КХШЩ"} == {"Cа"}
    assert hall_sound("І") == hall_sound("И") == hall_sound("Ї") and hall_sound("Е") == hall_sound("Є")
    assert len({hall_sound(p) for p in ("П", "Л", "К", "А", "О", "У", "І", "Е", "Й")}) == 9
    assert hall_sound("ПФ") == hall_sound("БС") != hall_sound("П")


def test_every_segment_speaks(voice_dir: Path) -> None:
    for lang in ("uk", "en"):
        for path in sorted((voice_dir / lang).glob("*.wav")):
            assert 0.09 < _seconds(path) < 3.0, path
    assert sox_stat(voice_dir / "uk" / "letter_Ґ.wav")["Maximum amplitude"] > 0.1


def test_replaced_or_missing_segments(voice_dir: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "voice"
    shutil.copytree(voice_dir, copy)
    (copy / "uk" / "n_7.wav").unlink()
    with pytest.raises(VoiceError, match="missing voice segment"):
        Voice(copy).call("П-015", 7)
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(copy / "uk" / "n_7.wav"), "trim", "0", "0.5"],
                   check=True)
    with pytest.raises(VoiceError, match="22050 Hz"):
        Voice(copy).call("П-015", 7)


def _rms_and_peak_db(path: Path) -> tuple[float, float]:
    with wave.open(str(path)) as reader:
        assert reader.getsampwidth() == 2
        samples = array.array("h", reader.readframes(reader.getnframes()))
    rms = math.sqrt(sum(x * x for x in samples) / len(samples)) / 32768
    return 20 * math.log10(rms), 20 * math.log10(max(abs(x) for x in samples) / 32768)


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as reader:
        return reader.getnframes() / reader.getframerate()
