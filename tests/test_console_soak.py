"""The desk console at a full hall, briefly (issue 17): a storm of calls, tickets, messages, closed services
and cut sockets, with the console's redraw running 50 times a second. It must survive, lose no reference to
None (the crash's cause: desk_console/qt_check.py), and end showing exactly the server's view. The long
version, for many minutes, is bench/console_soak.py (`make bench`, figures in BENCHMARKS.md)."""

from __future__ import annotations

from .console_storm import ConsoleStorm


def test_a_console_at_a_full_hall_misses_nothing_shows_nothing_stale_and_survives(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    storm = ConsoleStorm(tmp_path / "data", tmp_path / "session.json")
    try:
        figures = storm.run(steps=400, hall_seconds=90, pace=0.02, drop_every=60)
    finally:
        storm.close()
    assert figures.survived, f"the console is alive and at its desk: {figures}"
    assert figures.consistent, figures.mismatches
    assert figures.none_refs_lost < 100, f"None lost {figures.none_refs_lost} references (the crash's cause)"
    assert figures.server_events > 200 and figures.messages > 20 and figures.tickets > 80
    assert figures.drops >= 5 and figures.reconnects >= 5, "the socket was cut and came back"
    assert figures.redraws > 300 and figures.console_actions > 30
    assert 60 <= figures.hall_minutes * 60 <= 100
