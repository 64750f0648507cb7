"""Benchmark: the spoken call, measured on the default segments made here with espeak-ng and sox.

- How long a typical call lasts: «Талон П-15, підійдіть, будь ласка, до вікна номер 7», Ukrainian alone and
  with the English "Ticket P 15, window 7" after it.
- How even the segments' loudness is: the RMS of every segment from its samples, the spread in dB (goal: at
  most 2 dB; espeak's own words spanned 10.4 dB before the segments were normalised).
- How long a burst of 10 calls takes to be spoken, as the board plays it: one call after another, the first
  with the chime, the rest straight after (no chime): when the 10th call starts, and when the burst ends.

The figures are lengths of audio, not timings of this machine: the same on any machine with the same espeak-ng.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from display_board.voice import TARGET_RMS_DB, Voice, generate_segments, levels

# Ten calls of a morning burst at the demo hall: its prefixes, three-digit numbers, desks 1-18.
BURST = [("П-115", 7), ("Ц-023", 12), ("Р-047", 5), ("З-009", 15), ("Б-031", 10), ("С-102", 17), ("Н-066", 8),
         ("М-012", 18), ("Т-054", 14), ("Д-003", 16)]
# The previous generator and wording (commit 57f1797), measured the same way on the same burst.
BEFORE = {"uk": 4.89, "uk_en": 9.22, "spread_db": 10.4, "burst_uk": 48.4, "burst_uk_en": 91.7}


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "voice"
        began = time.perf_counter()
        made = generate_segments(folder)
        seconds_to_make = time.perf_counter() - began
        voice = Voice(folder)
        rms = {path.relative_to(folder).as_posix(): levels(path) for path in folder.rglob("*.wav")}
        typical = {"uk": voice.call("П-015", 7).seconds, "uk_en": voice.call("П-015", 7, english=True).seconds}
        bursts = {}
        for mode, english in (("uk", False), ("uk_en", True)):
            lengths = [voice.call(ticket, desk, english=english, chime=index == 0).seconds
                       for index, (ticket, desk) in enumerate(BURST)]
            bursts[mode] = {"tenth_starts": sum(lengths[:9]), "ends": sum(lengths), "each": lengths}
    values = [level[0] for level in rms.values()]
    return {
        "segments": made,
        "seconds_to_make": seconds_to_make,
        "typical": typical,
        "rms_min_db": min(values),
        "rms_max_db": max(values),
        "rms_spread_db": max(values) - min(values),
        "rms_stdev_db": statistics.pstdev(values),
        "peak_max_db": max(level[1] for level in rms.values()),
        "bursts": bursts,
    }


def markdown(results: dict[str, Any]) -> list[str]:
    typical, bursts = results["typical"], results["bursts"]
    return [
        "## The spoken call (bench/voice.py)",
        "",
        f"The default voice: {results['segments']} segments made by `cherha voice` with espeak-ng and sox in "
        f"{results['seconds_to_make']:.1f} s, each trimmed of silence and brought to {TARGET_RMS_DB:.0f} dB RMS. "
        "Lengths of audio (the same on any machine with the same espeak-ng):",
        "",
        "| figure | value | before (the previous generator) |",
        "|---|---|---|",
        f"| a typical call, «Талон П-15, підійдіть, будь ласка, до вікна номер 7» | **{typical['uk']:.1f} s** | "
        f"{BEFORE['uk']:.1f} s («Відвідувач пе п'ятнадцять, підійдіть до вікна сім») |",
        f"| the same with \"Ticket P 15, window 7\" after it (`english = \"always\"`, or a recall with "
        f"`\"recall\"`) | **{typical['uk_en']:.1f} s** | {BEFORE['uk_en']:.1f} s |",
        f"| loudness of the segments: RMS spread (goal ≤ 2 dB) | **{results['rms_spread_db']:.2f} dB** "
        f"({results['rms_min_db']:.1f} to {results['rms_max_db']:.1f} dB, σ {results['rms_stdev_db']:.2f} dB; "
        f"highest peak {results['peak_max_db']:.1f} dBFS) | {BEFORE['spread_db']:.1f} dB |",
        f"| a burst of 10 calls, Ukrainian (`english = \"never\"` or `\"recall\"`): the 10th call starts after | "
        f"**{bursts['uk']['tenth_starts']:.0f} s** (all spoken in {bursts['uk']['ends']:.0f} s) | "
        f"{BEFORE['burst_uk']:.0f} s |",
        f"| the same burst with English after each call (`\"always\"`) | **{bursts['uk_en']['tenth_starts']:.0f} s** "
        f"(all spoken in {bursts['uk_en']['ends']:.0f} s) | {BEFORE['burst_uk_en']:.0f} s (the demo hall's "
        "`english = true` then) |",
        "",
        "A burst is played as the board plays it: one call after another, the chime before the first only. Calls",
        "whose visitor reaches the desk before their turn are skipped (tests/test_pages_views.py).",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(markdown(run())))
