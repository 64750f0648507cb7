"""Faults of the clock against a real server (issue 13, points 10 and 12): the clock set back a day and
forward again, and the business day rolling over while a visitor is at a desk."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from queue_server.clock import ManualClock
from queue_server.reports import build
from queue_server.store import EventStore

from .support import TUESDAY_10, ProtocolError, Server, WsClient, issue, operator, running_server


def _comparable(server: Server) -> dict[str, Any]:
    """What a restart must rebuild exactly: the snapshot, the numbering and business time."""
    state = server.service.state
    return {"snapshot": server.service.snapshot(), "numbers": dict(state.numbers), "day": state.day,
            "last_at": state.last_at, "clock_jump": state.clock_jump}


async def _event_types(server: Server) -> list[str]:
    records = await server.store.call(lambda db: EventStore.events_between(db, 0, 1_000_000))
    return [r.payload["type"] for r in records]


async def test_clock_set_back_a_day_and_forward_never_reopens_a_day_nor_repeats_a_number(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = ManualClock(TUESDAY_10)
    tickets: list[str] = []
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        tickets += [(await issue(http, server, kiosk, "id-card"))["ticket"] for _ in range(3)]
        with caplog.at_level(logging.WARNING, logger="queue_server.hall_service"):
            clock.set(TUESDAY_10 - timedelta(days=1))  # the clock steps back a day (a bad NTP server, a flat battery)
            tickets += [(await issue(http, server, kiosk, "id-card"))["ticket"] for _ in range(2)]
        assert any("clock set back" in r.getMessage() for r in caplog.records)
        assert server.service.state.day == TUESDAY_10.date().isoformat(), "the ended day must not reopen"
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        alerts = (await boss.request("get_dashboard"))["alerts"]
        jump = [a for a in alerts if a["kind"] == "clock_jump"]
        assert jump and jump[0]["behind_minutes"] >= 24 * 60 - 1
        await boss.close()
        clock.set(TUESDAY_10 + timedelta(minutes=5))  # and forward again
        tickets += [(await issue(http, server, kiosk, "id-card"))["ticket"] for _ in range(2)]
        types = await _event_types(server)
        running = _comparable(server)
    assert len(tickets) == len(set(tickets)) == 7, f"a number was issued twice: {tickets}"
    assert tickets[-1].endswith("007")
    assert types.count("day_opened") == 1 and "day_ended" not in types
    assert types.count("clock_jump_detected") == 1, "recorded once per jump, not once per command"
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        assert _comparable(server) == running, "the state rebuilt after a restart differs from the running one"
        kiosk = await server.device_token()
        assert (await issue(http, server, kiosk, "id-card"))["ticket"].endswith("008")


async def test_restart_while_the_clock_is_still_behind_rebuilds_the_same_state(tmp_path: Path) -> None:
    clock = ManualClock(TUESDAY_10)
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        await issue(http, server, kiosk, "id-card")
        clock.set(TUESDAY_10 - timedelta(days=1))
        await issue(http, server, kiosk, "id-card")
        running = _comparable(server)
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        assert _comparable(server) == running
        kiosk = await server.device_token()
        assert (await issue(http, server, kiosk, "id-card"))["ticket"].endswith("003")
        assert (await _event_types(server)).count("clock_jump_detected") == 1


async def test_visit_at_a_desk_at_midnight_is_finished_with_its_outcome(tmp_path: Path) -> None:
    evening = TUESDAY_10.replace(hour=19, minute=50)
    clock = ManualClock(evening)
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        served = (await issue(http, server, kiosk, "id-card"))["ticket"]
        waiting = (await issue(http, server, kiosk, "id-card"))["ticket"]
        desk = await operator(server, 1)
        assert (await desk.command("call_next"))["visit"]["ticket"] == served
        clock.set(evening + timedelta(hours=4))  # a late evening (the hall's own hours end at 20:00)
        await desk.command("start_service")
        clock.set(evening + timedelta(hours=4, minutes=15))  # 00:05 on Wednesday: the day rolls over
        done = await desk.command("finish", result="done")
        assert done["visit"]["ticket"] == served and done["visit"]["state"] == "finished"
        state = server.service.state
        assert state.day == "2026-11-25" and state.desks[1].visit_id is None
        assert state.desks[1].served_today == 1
        await desk.close()
        running = _comparable(server)
        records = await server.store.call(lambda db: EventStore.events_of_days(db, "2026-11-24", "2026-11-25"))
    report = build(server.service.hall, records, clock.now())
    rows = {row["ticket"]: row for row in report["rows"]}
    assert rows[served]["outcome"] == "finished" and rows[served]["result"] == "done", rows[served]
    assert rows[served]["service_min"] == 15.0 and rows[served]["desk"] == 1, "its whole service, across midnight"
    assert rows[waiting]["outcome"] == "cancelled", "the waiting are still closed by the day's end"
    assert report["outcomes"]["served"] == 1 and report["visits"] == 2
    async with running_server(tmp_path, clock=clock) as server:
        assert _comparable(server) == running


async def test_restart_after_midnight_before_finishing_keeps_the_visit_at_its_desk(tmp_path: Path) -> None:
    evening = TUESDAY_10.replace(hour=19, minute=55)
    clock = ManualClock(evening)
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        served = (await issue(http, server, kiosk, "id-card"))["ticket"]
        desk = await operator(server, 1)
        await desk.command("call_next")
        clock.set(evening + timedelta(hours=3, minutes=55))
        await desk.command("start_service")
        clock.set(evening + timedelta(hours=4, minutes=10))
        with pytest.raises(ProtocolError, match="hall_closed"):  # refused, but it rolls the day over first
            await issue(http, server, kiosk, "id-card")
        assert server.service.state.day == "2026-11-25"
        await desk.close()
        running = _comparable(server)
    async with running_server(tmp_path, clock=clock) as server:
        assert _comparable(server) == running
        desk = await operator(server, 1)  # logging in again at one's own desk
        done = await desk.command("finish", result="done")
        assert done["visit"]["ticket"] == served and done["visit"]["state"] == "finished"
        await desk.close()


async def test_a_visit_left_at_a_desk_overnight_does_not_hold_the_desk_next_morning(tmp_path: Path) -> None:
    clock = ManualClock(TUESDAY_10.replace(hour=19, minute=50))
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        await issue(http, server, kiosk, "id-card")
        desk = await operator(server, 1)
        await desk.command("call_next")  # and op01 goes home without a word
        await desk.close()
        clock.set(TUESDAY_10 + timedelta(days=1, hours=-2))  # Wednesday 08:00: the first ticket of the day
        await issue(http, server, kiosk, "id-card")
        assert server.service.state.desks[1].visit_id is None
        other = await operator(server, 1, login="op05")  # another operator may take desk 1
        await other.close()
