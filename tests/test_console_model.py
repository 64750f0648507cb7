"""The console's Qt-free model: a reading of the server's view, kept by the protocol client's views and
patches from a real server. Nothing in it is worked out from events."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from cherha_client import Client, HallView
from desk_console.model import ConsoleModel
from queue_server.clock import ManualClock

from .support import DEMO_PIN, TUESDAY_10, ProtocolError, WsClient, issue, running_server


async def desk_client(server, desk: int) -> Client:  # type: ignore[no-untyped-def]
    """The desk as the console is: a PIN login through the protocol client, following the hall's view."""
    client = Client(server.url, {"login": f"op{desk:02d}", "password": DEMO_PIN, "desk": desk})
    await client.start()
    await client.command("desk_open")
    return client


async def hall_of(http: aiohttp.ClientSession, server) -> dict:  # type: ignore[no-untyped-def,type-arg]
    async with http.get(server.url + "/api/hall") as response:
        return await response.json()  # type: ignore[no-any-return]


async def test_model_reads_the_server_view(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        first = await issue(http, server, kiosk, "id-card", priority_category="military")
        await issue(http, server, kiosk, "id-card")
        desk = await desk_client(server, 1)
        model = ConsoleModel(1, await hall_of(http, server), desk.view)
        assert model.current() is None and model.status == "open"
        assert model.allowed() == {"call_next", "call_ticket", "desk_pause", "desk_close"}

        await desk.command("call_next")
        await desk.command("recall")
        await desk.wait_for(lambda view: view.seq == server.service.hub.last_seq)
        model.set_view(desk.view.copy())
        current = model.current()
        assert current is not None and current.ticket == first["ticket"] and current.recall_count == 1
        assert current.since is not None and current.priority_category == "military"
        assert current.state == "called" and model.service_name(current.service_id, "en").startswith("ID card")
        assert model.allowed() == {"recall", "start_service", "no_show", "transfer", "postpone"}
        rows = model.queues()
        assert [(q.service_id, q.waiting) for q in rows][:1] == [("id-card", 1)]
        assert rows[0].longest >= timedelta(), "counted on from the oldest waiting ticket"
        assert model.now().utcoffset() == TUESDAY_10.utcoffset(), "the hall's time, in the hall's zone"

        await desk.command("start_service")
        await desk.command("finish")
        supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await supervisor.command("send_message", desk=1, text="Вам")
        await supervisor.command("send_message", desk=2, text="Не вам")
        await supervisor.command("send_message", text="Усім")
        await supervisor.command("hall_pause", reason="air_raid")
        await desk.wait_for(lambda view: view.seq == server.service.hub.last_seq)
        model.set_view(desk.view.copy())
        assert model.current() is None and model.served == 1 and model.hall_paused
        assert model.allowed() == {"desk_pause", "desk_close"}, "a paused hall calls nobody"
        assert [m.text for m in model.messages()] == ["Усім", "Вам"], "newest first, this desk's and all"
        assert [m.to_all for m in model.messages()] == [True, False]
        for client in (desk, supervisor):
            await client.close()


async def test_model_keeps_the_visit_at_the_desk_across_midnight(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(TUESDAY_10.replace(hour=19, minute=58))
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        ticket = (await issue(http, server, kiosk, "id-card"))["ticket"]
        desk = await desk_client(server, 1)
        await desk.command("call_next")
        clock.set(TUESDAY_10.replace(hour=23, minute=50))  # a late evening
        await desk.command("start_service")
        hall = await hall_of(http, server)
        clock.set(TUESDAY_10.replace(hour=23, minute=59) + timedelta(minutes=2))  # past midnight
        view = await desk.request("get_state")  # a read only: the next command rolls the day over
        assert view["day"] == "2026-11-24"
        with pytest.raises(ProtocolError, match="hall_closed"):
            await issue(http, server, kiosk, "id-card")
        await desk.wait_for(lambda view: view.seq == server.service.hub.last_seq)
        assert desk.view.fields["day"] == "2026-11-25"
        model = ConsoleModel(1, hall, desk.view.copy())
        current = model.current()
        assert current is not None and current.ticket == ticket and current.state == "serving"
        assert model.status == "open" and "finish" in model.allowed()
        fresh = HallView()
        fresh.load(await desk.request("get_state"))
        assert ConsoleModel(1, hall, fresh).current() == current, "the patched view and a fresh one agree"
        await desk.close()
