"""The console's Qt-free model, loaded from a real snapshot and kept by real events."""

from __future__ import annotations

import aiohttp

from desk_console.model import ConsoleModel

from .support import WsClient, issue, operator, running_server


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
