"""The forecast in the running server: the promise on the kiosk's answer, the kiosk's per-service figures,
and what the hall learned surviving a restart on a later day."""

from __future__ import annotations

from datetime import timedelta

import aiohttp

from queue_server.clock import ManualClock
from queue_server.store import EventStore

from .support import TUESDAY_10, WsClient, issue, operator, running_server


async def test_promise_is_frozen_in_the_event_and_answered_to_the_kiosk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        desk = await operator(server, 7)
        for _ in range(3):
            await issue(http, server, kiosk, "birth")
        ticket = await issue(http, server, kiosk, "death")
        assert ticket["ahead"] == 3 and ticket["estimated_wait_minutes"] > 0
        logged = await server.store.call(EventStore.latest_day_events)
        issued = [r.payload for r in logged if r.payload["type"] == "ticket_issued"][-1]
        assert (issued["predicted_wait_minutes"], issued["predicted_ahead"]) == (ticket["estimated_wait_minutes"], 3)
        async with http.get(server.url + "/api/hall") as response:
            hall = await response.json()
        death = hall["services"]["death"]
        assert death["waiting"] == 1 and death["ahead"] == 4, "a new ticket would have all four ahead"
        assert hall["services"]["id-card"]["estimated_wait_minutes"] is None, "desk 7 does not serve it"
        await desk.close()


async def test_what_the_hall_learned_survives_a_restart_on_a_later_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(TUESDAY_10)
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        desk = await operator(server, 7)
        for _ in range(6):  # desk 7 takes 4 minutes a birth; the hall file says 20
            await issue(http, server, kiosk, "birth")
            await desk.command("call_next")
            await desk.command("start_service")
            clock.advance(minutes=4)
            await desk.command("finish")
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await boss.command("end_day")
        for client in (desk, boss):
            await client.close()
    clock.set(TUESDAY_10 + timedelta(days=1))
    async with running_server(tmp_path, clock=clock) as server:
        learned = server.service.state.service_times
        assert learned.service("birth", 7, 20.0)[0] == 4.0
        assert learned.by_service["birth"].count == 6
