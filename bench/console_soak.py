"""Soak: one desk console at a full hall for many minutes (issue 17; the short version is
tests/test_console_soak.py, the storm itself tests/console_storm.py).

The console window (offscreen) at desk 1 of a real server, through a proxy that is cut every so often, while
kiosks issue tickets, five other desks work, the supervisor sends messages and closes services, the hall's
clock runs through most of an afternoon, and an operator works desk 1 through the console's own buttons and
keys. Its redraw runs 50 times a second instead of once. Figures: what happened, whether the console survived
and ended showing the server's view, peak memory and its growth, and None's reference count (whose loss to a
broken Qt binding was the `none_dealloc` crash: desk_console/qt_check.py).
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MINUTES = 8.0  # of wall time
HALL_HOURS = 7.5  # of the hall's time: 10:00 to 17:30 on the demo hall's long Tuesday
PACE = 0.02  # seconds between two steps of the storm, besides what each step takes


def run(minutes: float = MINUTES) -> dict[str, Any]:
    from PySide6 import __version__ as pyside
    from PySide6.QtWidgets import QApplication

    from tests.console_storm import ConsoleStorm

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        storm = ConsoleStorm(Path(folder) / "data", Path(folder) / "session.json")
        try:
            figures = storm.run(steps=1, hall_seconds=HALL_HOURS * 3600, pace=PACE, drop_every=150,
                                wall_seconds=minutes * 60)
        finally:
            storm.close()
            app.processEvents()
    return {**dataclasses.asdict(figures), "pyside": pyside}


def markdown(figures: dict[str, Any]) -> list[str]:
    f = figures
    verdict = "**survived**, at its desk" if f["survived"] else "**DID NOT SURVIVE**"
    same = ("showed exactly the server's view at the end (queue counts, current visitor, every message, "
            "postponed visitors, closed services)" if f["consistent"]
            else f"DIFFERED from the server's view at the end: {'; '.join(f['mismatches'])}")
    return [
        "## The desk console at a full hall (bench/console_soak.py)",
        "",
        f"One console window (offscreen, PySide6 {f['pyside']}) at desk 1 for {f['seconds'] / 60:.1f} minutes and "
        f"{f['hall_minutes'] / 60:.1f} hours of the hall's time, its redraw 50 times a second; the storm and the "
        "checks are tests/console_storm.py (a 90-second version runs in `make test`).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| hall events while it ran | {f['server_events']} ({f['tickets']} tickets, {f['messages']} supervisor "
        f"messages, five other desks calling and serving, services closed and reopened) |",
        f"| views and patches the console applied | {f['patches_applied']} |",
        f"| redraws | {f['redraws']} |",
        f"| operator actions at the console | {f['console_actions']} ({f['refusals_shown']} refused by the server "
        f"and shown, e.g. a click that waited offline for a visitor another desk had called) |",
        f"| socket cut | {f['drops']} times ({f['outages']} of them with the network down for a while); "
        f"back online {f['reconnects']} times |",
        f"| memory (console and server in one process) | peak {f['peak_rss_mib']} MiB, "
        f"{f['rss_growth_mib']:+} MiB from a quarter of the way in to the end (the server's day grows with it: "
        "tracemalloc finds none of the growth in desk_console/) |",
        f"| references to None lost (the crash's cause) | {f['none_refs_lost']} |",
        f"| outcome | {verdict}; {same} |",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(markdown(run())))
