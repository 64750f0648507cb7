"""Pre-registration: slots, capacity, limits, check-in windows, booked before walk-ins, across restarts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import aiohttp
import pytest

from queue_server.api.auth import Role
from queue_server.domain.booking import slots_for
from queue_server.domain.hall import BookingPolicy

from .halls import small_hall
from .support import KYIV, TUESDAY_10, WsClient, demo_hall, new_command_id, operator, running_server

WEDNESDAY = date(2026, 11, 25)


def test_slots_follow_hours_breaks_and_holidays(tmp_path) -> None:  # type: ignore[no-untyped-def]
    hall = demo_hall()
    policy = hall.booking
    id_card = hall.services["id-card"]
    tuesday = slots_for(hall, policy, id_card, TUESDAY_10.date())
    starts = [s.start.strftime("%H:%M") for s in tuesday]
    assert starts[0] == "08:00" and starts[-1] == "19:45", "Tuesday runs until 20:00"
    assert "11:45" in starts and "12:45" in starts
    assert not {"12:00", "12:15", "12:30"} & set(starts), "the 12:00-12:45 break is cut out"
    assert tuesday[0].capacity == 2  # 4 desks x 15 min / 15 min x share 0.5
    assert [s.start.strftime("%H:%M") for s in slots_for(hall, policy, id_card, WEDNESDAY)][-1] == "15:45"
    assert slots_for(hall, policy, id_card, date(2026, 11, 29)) == [], "closed on Sunday"
    assert slots_for(hall, policy, id_card, date(2026, 12, 25)) == [], "a holiday"
    # Service days and hours (the small test hall): vehicles on Wednesdays, "evening" from 16:00.
    small = small_hall(tmp_path)
    assert slots_for(small, policy, small.services["vehicles"], TUESDAY_10.date()) == []
    assert slots_for(small, policy, small.services["vehicles"], WEDNESDAY) != []
    evening = slots_for(small, policy, small.services["evening"], TUESDAY_10.date())
    assert evening[0].start.strftime("%H:%M") == "16:00" and evening[-1].end.strftime("%H:%M") == "20:00"
    wide = BookingPolicy(slot_minutes=30, share=1.0)
    assert slots_for(hall, wide, id_card, TUESDAY_10.date())[0].capacity == 8


async def _book(http: aiohttp.ClientSession, server, service: str, start: datetime, phone: str = "+380501234567",  # type: ignore[no-untyped-def]
                **extra) -> tuple[int, dict]:  # type: ignore[no-untyped-def, type-arg]
    body = {"command_id": new_command_id(), "service_id": service, "start": start.isoformat(), "phone": phone, **extra}
    async with http.post(server.url + "/api/bookings", json=body) as response:
        return response.status, await response.json()


async def test_booking_rules(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        async with http.get(server.url + "/api/booking/slots",
                            params={"service_id": "id-card", "date": WEDNESDAY.isoformat()}) as response:
            offered = (await response.json())["slots"]
        slot = datetime.fromisoformat(offered[0]["start"])
        assert offered[0]["free"] == 2
        status, first = await _book(http, server, "id-card", slot, phone="050 123 45 67")
        assert status == 201 and len(first["booking"]["code"]) == 8
        status, second = await _book(http, server, "id-card", slot, phone="+380671111111")
        assert status == 201
        status, full = await _book(http, server, "id-card", slot, phone="+380672222222")
        assert (status, full["error"]["code"]) == (409, "slot_full")
        later = [datetime.fromisoformat(s["start"]) for s in offered[1:4]]
        status, _ = await _book(http, server, "id-card", later[0])
        status, _ = await _book(http, server, "id-card", later[1])
        status, over = await _book(http, server, "id-card", later[2])
        assert over["error"]["code"] == "booking_limit", "3 a month per phone number"
        checks = [
            (TUESDAY_10 - timedelta(hours=1), "slot_in_past"),
            (TUESDAY_10 + timedelta(days=20), "slot_too_far"),
            (slot + timedelta(minutes=7), "unknown_slot"),
        ]
        for start, code in checks:
            _status, refused = await _book(http, server, "id-card", start, phone="+380931234567")
            assert refused["error"]["code"] == code
        _status, bad_phone = await _book(http, server, "id-card", later[2], phone="12345")
        assert bad_phone["error"]["code"] == "phone_invalid"
        async with http.get(server.url + f"/api/bookings/{first['booking']['code']}") as response:
            assert (await response.json())["booking"]["start"] == slot.isoformat()
        async with http.delete(server.url + f"/api/bookings/{second['booking']['code']}") as response:
            assert response.status == 200
        async with http.get(server.url + "/api/booking/slots",
                            params={"service_id": "id-card", "date": WEDNESDAY.isoformat()}) as response:
            assert (await response.json())["slots"][0]["free"] == 1, "a cancelled booking frees its place"
        async with http.get(server.url + "/api/bookings/ZZZZZZZZ") as response:
            assert response.status == 404


async def _check_in(http, server, token, code):  # type: ignore[no-untyped-def]
    async with http.post(server.url + "/api/checkins", json={"command_id": new_command_id(), "code": code},
                         headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status, await response.json()


async def test_check_in_windows_and_booked_before_walk_ins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        slot = TUESDAY_10.replace(hour=11)
        _s, on_time = await _book(http, server, "residence-register", slot, consent=True)
        _s, late = await _book(http, server, "residence-register", slot + timedelta(minutes=15), phone="+380661112233")
        assert "booking" in late, late
        _s, tomorrow = await _book(http, server, "residence-register", slot + timedelta(days=1), phone="+380661112234")
        assert "booking" in tomorrow, tomorrow
        server.clock.set(slot - timedelta(minutes=61))
        status, early = await _check_in(http, server, kiosk, on_time["booking"]["code"])
        assert (status, early["error"]["code"], early["error"]["params"]["time"]) == (409, "checkin_too_early", "10:00")
        status, wrong_day = await _check_in(http, server, kiosk, tomorrow["booking"]["code"])
        assert wrong_day["error"]["code"] == "checkin_wrong_day"
        server.clock.set(slot - timedelta(minutes=30))
        walk_in = None
        async with http.post(server.url + "/api/tickets", json={"command_id": new_command_id(),
                             "service_id": "residence-register"}, headers={"Authorization": f"Bearer {kiosk}"}) as r:
            walk_in = await r.json()
        # A QR read by a keyboard-wedge scanner gives the booking link; the code is at its end.
        status, booked = await _check_in(http, server, kiosk, f"http://cnap.example/b/{on_time['booking']['code']}")
        assert status == 201 and booked["booked_for"] == slot.isoformat() and not booked["late"]
        status, again = await _check_in(http, server, kiosk, on_time["booking"]["code"])
        assert again["error"]["code"] == "booking_closed", "a code checks in once"
        desk = await operator(server, 5)
        assert (await desk.command("call_next"))["visit"]["ticket"] == walk_in["ticket"], "slot not due yet"
        await desk.command("no_show")
        server.clock.set(slot)
        await _issue_walk_in(http, server, kiosk)
        assert (await desk.command("call_next"))["visit"]["ticket"] == booked["ticket"], "due: before walk-ins"
        server.clock.set(slot + timedelta(minutes=15 + 21))
        status, too_late = await _check_in(http, server, kiosk, late["booking"]["code"].lower())
        assert status == 201 and too_late["late"] and too_late["booked_for"] is None, "joins the live queue"
        await desk.close()


async def _issue_walk_in(http, server, kiosk) -> None:  # type: ignore[no-untyped-def]
    async with http.post(server.url + "/api/tickets", json={"command_id": new_command_id(),
                         "service_id": "residence-register"}, headers={"Authorization": f"Bearer {kiosk}"}) as r:
        assert r.status == 201


async def test_bookings_survive_restarts_and_days_and_stay_private(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        board = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "b"))
        await board.request("subscribe_events")
        slot = datetime(2026, 11, 27, 9, 0, tzinfo=KYIV)
        _s, made = await _book(http, server, "id-card", slot)
        public = (await board.events_until(made["seq"]))[-1]["event"]
        assert public["type"] == "booking_made" and "code" not in public and "person_key" not in public
        await board.close()
    # Two days later the server starts again: the booking made on Tuesday is still there.
    later = TUESDAY_10.replace(day=26)
    from queue_server.clock import ManualClock

    async with running_server(tmp_path, clock=ManualClock(later)) as server, aiohttp.ClientSession() as http:
        async with http.get(server.url + f"/api/bookings/{made['booking']['code']}") as response:
            assert response.status == 200
        async with http.get(server.url + "/api/booking/slots",
                            params={"service_id": "id-card", "date": "2026-11-27"}) as response:
            assert (await response.json())["slots"][4]["free"] == 1  # 09:00 is the fifth slot


@pytest.mark.parametrize("raw", ["0501234567", "+380 50 123-45-67", "(050) 123 45 67"])
def test_phone_numbers_are_normalised(raw: str) -> None:
    from queue_server.api.booking_api import normalize_phone

    assert normalize_phone(raw) == "+380501234567"
