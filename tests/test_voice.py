"""The spoken call: built from the right segments, not silent, of a sensible length (measured with sox)."""

from __future__ import annotations

import subprocess
import wave
from pathlib import Path

import pytest

from display_board.voice import Voice, VoiceError, call_segments, number_parts


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
    assert call_segments("П-015", 7, "uk") == ["uk/visitor", "uk/letter_П", "uk/n_15", "uk/go_to_desk", "uk/n_7"]
    assert call_segments("ПФ-123", 18, "en") == ["en/visitor", "en/letter_П", "en/letter_Ф", "en/n_100",
                                                 "en/n_20", "en/n_3", "en/go_to_desk", "en/n_18"]
    with pytest.raises(VoiceError):
        call_segments("П15", 7, "uk")


def test_announcement_is_audible_and_built_from_its_segments(voice_dir: Path, tmp_path: Path) -> None:
    voice = Voice(voice_dir)
    uk_only = voice.call("П-015", 7)
    assert uk_only.segments[:2] == ("chime", "silence:0.3")
    spoken = [s for s in uk_only.segments if not s.startswith("silence")]
    assert spoken == ["chime", "uk/visitor", "uk/letter_П", "uk/n_15", "uk/go_to_desk", "uk/n_7"]
    expected = sum(_seconds(voice_dir / f"{name}.wav") for name in spoken)
    expected += sum(float(s.split(":")[1]) for s in uk_only.segments if s.startswith("silence"))
    assert uk_only.seconds == pytest.approx(expected, abs=0.01), "exactly its segments and pauses, nothing else"
    assert 2.5 < uk_only.seconds < 8, uk_only.seconds
    path = tmp_path / "call.wav"
    path.write_bytes(uk_only.wav)
    stats = sox_stat(path)
    assert stats["RMS     amplitude"] > 0.02 and stats["Maximum amplitude"] > 0.2, stats
    both = voice.call("П-015", 7, english=True, repeat=2)
    assert both.segments.count("chime") == 2 and "en/go_to_desk" in both.segments
    assert both.seconds > 2 * uk_only.seconds


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


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as reader:
        return reader.getnframes() / reader.getframerate()
