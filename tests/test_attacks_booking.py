"""Attacks on pre-registration, performed against a real server (issue 13, points 3 and 5).

All requests come from 127.0.0.1: the server reads the client's address from a test header instead, so one
test plays both the attacker and an ordinary visitor. The throttles' clock stands still (nothing refills).
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import timedelta
from typing import Any

import aiohttp
from aiohttp import web

from queue_server.api.limits import Limits
from queue_server.api.state import APP_STATE
from queue_server.passwords import BOOKING_ALPHABET
from tests.support import TUESDAY_10, WsClient, new_command_id, running_server

SERVICE = "residence-register"
ATTACKER, VISITOR = "10.6.6.6", "10.0.0.1"


def by_header(request: web.BaseRequest) -> str:
    return request.headers.get("X-Client", request.remote or "")


def frozen() -> Limits:
    return Limits(clock=lambda: 1000.0)


async def free_places(http: aiohttp.ClientSession, url: str, days: int = 10) -> list[str]:
    """Every free place (a slot start once per free place) from today on, through the public listing."""
    places: list[str] = []
    for offset in range(days):
        day = (TUESDAY_10 + timedelta(days=offset)).date().isoformat()
        async with http.get(url + "/api/booking/slots", params={"service_id": SERVICE, "date": day}) as r:
            assert r.status == 200
            for slot in (await r.json())["slots"]:
                places += [slot["start"]] * slot["free"]
    return places


async def book(http: aiohttp.ClientSession, url: str, start: str, phone: str, client: str = ATTACKER,
               consent: bool = False, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    body = {"command_id": new_command_id(), "service_id": SERVICE, "start": start, "phone": phone,
            "consent": consent}
    async with http.post(url + "/api/bookings", json=body, headers={"X-Client": client, **(headers or {})}) as r:
        return r.status, await r.json()


def random_code() -> str:
    return "".join(secrets.choice(BOOKING_ALPHABET) for _ in range(8))


async def test_one_client_cannot_take_every_slot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before: one anonymous client booked every ID-card slot for 14 days in 2.6 s with random numbers."""
    async with running_server(tmp_path, limits=frozen(), address_of=by_header) as server, \
            aiohttp.ClientSession() as http:
        places = await free_places(http, server.url)
        assert len(places) > 20
        answers = [await book(http, server.url, places[n], f"+38067{n:07d}") for n in range(20)]
        assert [status for status, _ in answers[:10]] == [201] * 10
        assert {(status, body["error"]["code"]) for status, body in answers[10:]} == {(429, "too_many_bookings")}
        assert answers[10][1]["error"]["params"]["seconds"] > 0
        # A visitor at another address books as usual, and so does staff at the attacker's address.
        assert (await book(http, server.url, places[10], "+380501112233", client=VISITOR))[0] == 201
        kiosk = await server.device_token()
        staff = await book(http, server.url, places[11], "+380501112234",
                           headers={"Authorization": f"Bearer {kiosk}"})
        assert staff[0] == 201 and staff[1]["booking"]["channel"] == "kiosk"
        # Concurrent bookings cannot overrun the limit either.
        burst = await asyncio.gather(*(book(http, server.url, places[12 + n], f"+38063{n:07d}", client="10.7.7.7")
                                       for n in range(15)))
        assert sum(1 for status, _ in burst if status == 201) == 10


async def test_one_number_in_other_digits_is_still_one_person(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before: fullwidth or Arabic-Indic digits made new "people" and reached the SMS modem as typed."""
    spellings = ["+380501234567", "＋３８０５０１２３４５６７", "٠٥٠١٢٣٤٥٦٧", "+38 (०५०) १२३-४५-६७"]
    async with running_server(tmp_path, address_of=by_header) as server, aiohttp.ClientSession() as http:
        places = await free_places(http, server.url)
        answers = [await book(http, server.url, places[n * 3], phone, client=f"10.0.1.{n}", consent=True)
                   for n, phone in enumerate(spellings)]
        assert [status for status, _ in answers[:3]] == [201] * 3, answers
        assert answers[3][0] == 409 and answers[3][1]["error"]["code"] == "booking_limit"
        phones = await server.store.call(lambda db: [r[0] for r in db.execute("SELECT phone FROM contacts")])
        assert phones == ["+380501234567"] * 3, "stored (and texted) in ASCII"
        sms = await server.store.call(lambda db: [r[0] for r in db.execute("SELECT DISTINCT phone FROM sms")])
        assert sms in ([], ["+380501234567"])


async def test_booking_codes_cannot_be_guessed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before: ~1,800 guesses a second, unthrottled, on every route that takes a code."""
    async with running_server(tmp_path, limits=frozen(), address_of=by_header) as server, \
            aiohttp.ClientSession() as http:
        places = await free_places(http, server.url)
        _, made = await book(http, server.url, places[0], "+380501234567", client=VISITOR)
        real = made["booking"]["code"]
        # A real code looked up many times is no guess: never throttled.
        for _ in range(15):
            async with http.get(f"{server.url}/api/bookings/{real}", headers={"X-Client": VISITOR}) as r:
                assert r.status == 200
        guesses = await asyncio.gather(*(http.get(f"{server.url}/api/bookings/{random_code()}",
                                                  headers={"X-Client": ATTACKER}) for _ in range(30)))
        statuses = sorted(r.status for r in guesses)
        for r in guesses:
            r.release()
        assert statuses.count(404) == 10 and statuses.count(429) == 20
        # Once throttled, even a right guess tells the attacker nothing, on every route that takes a code.
        async with http.get(f"{server.url}/api/bookings/{real}", headers={"X-Client": ATTACKER}) as r:
            assert r.status == 429 and (await r.json())["error"]["code"] == "too_many_attempts"
        async with http.delete(f"{server.url}/api/bookings/{real}", headers={"X-Client": ATTACKER}) as r:
            assert r.status == 429
        kiosk = await server.device_token()
        async with http.post(server.url + "/api/checkins", json={"command_id": new_command_id(), "code": real},
                             headers={"X-Client": ATTACKER, "Authorization": f"Bearer {kiosk}"}) as r:
            assert r.status == 429
        async with http.ws_connect(server.ws_url, headers={"X-Client": ATTACKER}) as ws:
            await ws.receive_json(timeout=10)
            await ws.send_json({"type": "auth", "booking_code": real})
            reply = await ws.receive_json(timeout=10)
            assert reply["type"] == "auth_invalid" and reply["error"]["code"] == "too_many_attempts"
        # The visitor, from their own phone, still sees and follows the booking.
        visitor = await WsClient.connect(server.ws_url, booking_code=real)
        assert visitor.auth["role"] == "visitor"
        await visitor.close()
        assert not server.service.published.bookings.by_code_or_none(real).cancelled


async def test_visitor_tokens_over_websocket_are_throttled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path, limits=frozen(), address_of=by_header) as server, \
            aiohttp.ClientSession() as http:
        codes = []
        for n in range(12):
            async with http.ws_connect(server.ws_url, headers={"X-Client": ATTACKER}) as ws:
                await ws.receive_json(timeout=10)
                await ws.send_json({"type": "auth", **({"visit_token": random_code() * 4} if n % 2 else
                                                        {"booking_code": random_code()})})
                codes.append((await ws.receive_json(timeout=10))["error"]["code"])
        assert codes == ["invalid_token"] * 10 + ["too_many_attempts"] * 2


class NoScan(dict):  # type: ignore[type-arg]
    """A bookings table that fails any request that walks all of it."""

    def values(self):  # type: ignore[no-untyped-def]
        raise AssertionError("an anonymous request scanned every booking")

    def items(self):  # type: ignore[no-untyped-def]
        raise AssertionError("an anonymous request scanned every booking")

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("an anonymous request scanned every booking")


async def test_the_slot_listing_does_no_work_that_grows_with_history(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before: every GET /api/booking/slots counted taken places by scanning every booking ever loaded."""
    async with running_server(tmp_path, address_of=by_header) as server, aiohttp.ClientSession() as http:
        places = await free_places(http, server.url, days=1)
        kept, cancelled = sorted(set(places))[:2]
        made = [await book(http, server.url, start, f"+38066{n:07d}", client=f"10.2.0.{n}")
                for n, start in enumerate((kept, cancelled))]
        assert all(status == 201 for status, _ in made), made
        async with http.delete(f"{server.url}/api/bookings/{made[1][1]['booking']['code']}") as r:
            assert r.status == 200
        for state in (server.service.published, server.service.state):
            state.bookings.by_id = NoScan(state.bookings.by_id)
        async with http.get(server.url + "/api/booking/slots",
                            params={"service_id": SERVICE, "date": TUESDAY_10.date().isoformat()}) as r:
            assert r.status == 200, await r.text()
            free = {slot["start"]: slot["free"] for slot in (await r.json())["slots"]}
        assert free[kept] == places.count(kept) - 1, "a booking holds a place"
        assert free[cancelled] == places.count(cancelled), "a cancelled one gave it back"


async def test_with_a_modem_random_numbers_book_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """With SMS configured, a booking counts only once the number's owner types the code texted to it."""
    from queue_server.sms.modem import GsmModem
    from tests.test_sms import FakeModem

    fake = FakeModem()

    def factory() -> GsmModem:
        modem = GsmModem(fake.device, timeout=5)
        modem.open()
        return modem

    try:
        async with running_server(tmp_path, modem_factory=factory, sms_interval=0.05, limits=frozen(),
                                  address_of=by_header) as server, aiohttp.ClientSession() as http:
            places = await free_places(http, server.url, days=1)
            slot = places[0]
            free_before = places.count(slot)
            # The hoarder's random numbers: each is only held, and no slot is taken.
            held = [await book(http, server.url, slot, f"+38067{n:07d}") for n in range(min(free_before + 2, 10))]
            assert {status for status, _ in held} == {202} and all(body["pending"] for _, body in held)
            assert (await free_places(http, server.url, days=1)).count(slot) == free_before
            # A guessed code books nothing; five wrong tries drop the request.
            pending = held[0][1]["pending"]
            for n in range(5):
                async with http.post(server.url + "/api/bookings/confirm", headers={"X-Client": f"10.3.0.{n}"},
                                     json={"command_id": new_command_id(), "pending": pending,
                                           "code": f"{n:06d}"}) as r:
                    assert r.status == 400 and (await r.json())["error"]["code"] == "confirmation_invalid"
            async with http.post(server.url + "/api/bookings/confirm", headers={"X-Client": "10.3.1.1"},
                                 json={"command_id": new_command_id(), "pending": pending, "code": "123456"}) as r:
                assert r.status == 404 and (await r.json())["error"]["code"] == "unknown_pending"
            # The real visitor gets the code by SMS (number in ASCII, whatever digits were typed) and books.
            status, answer = await book(http, server.url, slot, "＋３８０５０１２３４５６７", client=VISITOR)
            assert status == 202
            for _ in range(200):
                if any(phone == "+380501234567" for phone, _, _ in fake.sent):
                    break
                await asyncio.sleep(0.05)
            text = next(text for phone, text, _ in fake.sent if phone == "+380501234567")
            code = text.rsplit(" ", 1)[1]
            assert text.startswith("ЦНАП: код підтвердження") and len(code) == 6
            async with http.post(server.url + "/api/bookings/confirm", headers={"X-Client": VISITOR},
                                 json={"command_id": new_command_id(), "pending": answer["pending"],
                                       "code": code}) as r:
                assert r.status == 201, await r.text()
                booking = (await r.json())["booking"]
            assert booking["start"] == slot and booking["channel"] == "web"
            assert (await free_places(http, server.url, days=1)).count(slot) == free_before - 1
            # An hour later the confirmation SMS's number is blanked; expired held requests are gone.
            server.clock.advance(minutes=61)
            from queue_server.sms.outbox import SmsOutbox

            await SmsOutbox(server.store, server.clock).purge()
            rows = await server.store.call(lambda db: [r[0] for r in db.execute(
                "SELECT phone FROM sms WHERE kind = 'confirm'")])
            held_rows = await server.store.call(lambda db: db.execute(
                "SELECT count(*) FROM pending_bookings").fetchone()[0])
            assert set(rows) == {""} and held_rows == 0
    finally:
        fake.close()


async def test_the_throttles_memory_is_bounded(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An attacker with many addresses fills each table only up to its cap; the oldest keys go first."""
    limits = Limits(clock=lambda: 1000.0, max_keys=50)
    async with running_server(tmp_path, limits=limits, address_of=by_header) as server, \
            aiohttp.ClientSession() as http:
        for n in range(200):
            async with http.get(f"{server.url}/api/bookings/{random_code()}", headers={"X-Client": f"10.9.{n}.1"}) as r:
                assert r.status == 404
        guard = server.app[APP_STATE].guard
        assert len(guard.code_lookups) == 50
