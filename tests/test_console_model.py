"""The console's Qt-free model, loaded from a real snapshot and kept by real events."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from desk_console.model import ConsoleModel
from queue_server.clock import ManualClock

from .support import TUESDAY_10, ProtocolError, WsClient, issue, operator, running_server


async def test_model_matches_the_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        first = await issue(http, server, kiosk, "id-card", priority_category="military")
        await issue(http, server, kiosk, "id-card")
        desk = await operator(server, 1)
        await desk.command("call_next")
        await desk.command("recall")
        async with http.get(server.url + "/api/hall") as response:
            hall = await response.json()
        watcher = await WsClient.connect(server.ws_url, token=await server.device_token())
        snapshot = (await watcher.request("subscribe_events"))["snapshot"]
        model = ConsoleModel(1, hall)
        model.load(snapshot)
        current = model.current()
        assert current is not None and current.ticket == first["ticket"] and current.recall_count == 1
        assert current.since is not None and current.priority_category == "military"
        assert model.allowed() == {"recall", "start_service", "no_show", "transfer", "postpone"}
        assert [(q.service_id, q.waiting) for q in model.queues()][:1] == [("id-card", 1)]
        started = await desk.command("start_service")
        finished = await desk.command("finish")
        for event in await watcher.events_until(finished["seq"]):
            model.apply(event["event"])
        assert started["visit"]["state"] == "serving"
        assert model.current() is None and model.served == 1
        assert model.allowed() == {"call_next", "call_ticket", "desk_pause", "desk_close"}
        for client in (desk, watcher):
            await client.close()


async def test_model_keeps_the_visit_at_the_desk_across_midnight(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(TUESDAY_10.replace(hour=19, minute=58))
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        ticket = (await issue(http, server, kiosk, "id-card"))["ticket"]
        desk = await operator(server, 1)
        await desk.command("call_next")
        clock.set(TUESDAY_10.replace(hour=23, minute=50))  # a late evening
        await desk.command("start_service")
        async with http.get(server.url + "/api/hall") as response:
            hall = await response.json()
        watcher = await WsClient.connect(server.ws_url, token=await server.device_token())
        model = ConsoleModel(1, hall)
        model.load((await watcher.request("subscribe_events"))["snapshot"])
        clock.set(TUESDAY_10.replace(hour=23, minute=59) + timedelta(minutes=2))  # past midnight
        view = await desk.request("get_state")  # a read only: the next command rolls the day over
        assert view["day"] == "2026-11-24"
        with pytest.raises(ProtocolError, match="hall_closed"):
            await issue(http, server, kiosk, "id-card")
        for event in await watcher.events_until(server.service.hub.last_seq):
            model.apply(event["event"])
        current = model.current()
        assert current is not None and current.ticket == ticket and current.state == "serving"
        assert model.status == "open" and "finish" in model.allowed()
        fresh = ConsoleModel(1, hall)
        fresh.load(await watcher.request("get_state"))
        assert fresh.current() == current, "events and a snapshot agree on the carried visit"
        for client in (desk, watcher):
            await client.close()
