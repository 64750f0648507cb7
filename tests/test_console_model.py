"""The console's Qt-free model: a reading of the server's view, kept by the protocol client's views and
patches from a real server. Nothing in it is worked out from events."""

from __future__ import annotations

from datetime import timedelta

import aiohttp
import pytest

from cherha_client import Client, HallView
from desk_console.model import ConsoleModel
from queue_server.clock import ManualClock
from texts import ukrainian_sorted

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


async def test_model_lists_this_desks_postponed_visitors_and_the_closed_services(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock(TUESDAY_10)
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        mine = (await issue(http, server, kiosk, "id-card"))["ticket"]
        theirs = (await issue(http, server, kiosk, "residence-register"))["ticket"]
        desk, other = await desk_client(server, 1), await desk_client(server, 5)
        await desk.command("call_next")
        await desk.command("postpone", minutes=10)
        await other.command("call_next")
        await other.command("start_service")
        await other.command("postpone", minutes=5)
        supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await supervisor.command("service_close", service_id="passport-foreign", reason="registry_offline")
        await desk.wait_for(lambda view: view.seq == server.service.hub.last_seq)
        model = ConsoleModel(1, await hall_of(http, server), desk.view.copy())
        [row] = model.postponed()
        assert (row.ticket, row.service_id, f"{row.until:%H:%M}", row.returned) == (mine, "id-card", "10:10", False)
        assert row.until.utcoffset() == TUESDAY_10.utcoffset(), "in the hall's time"
        assert [r.ticket for r in ConsoleModel(5, model.hall, desk.view.copy()).postponed()] == [theirs]
        assert model.closed_services() == {"passport-foreign": "registry_offline"}

        clock.advance(minutes=11)  # its time is up: back in the queue by itself, still this desk's to see
        server.service.tick()
        await desk.wait_for(lambda view: view.visits[row.visit_id]["waiting"])
        model.set_view(desk.view.copy())
        [row] = model.postponed()
        assert row.returned and row.ticket == mine
        await desk.command("call_ticket", ticket=mine)  # called back early or late, by its number
        await desk.wait_for(lambda view: view.seq == server.service.hub.last_seq)
        model.set_view(desk.view.copy())
        assert model.postponed() == [] and model.current() is not None and model.current().ticket == mine
        for client in (desk, other, supervisor):
            await client.close()


async def test_model_groups_the_halls_services_by_category_in_ukrainian_order(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        hall = await hall_of(http, server)
    model = ConsoleModel(1, hall)
    groups = model.service_groups("uk", "Інші послуги")
    assert [g.name for g in groups] == [c["name"]["uk"] for c in hall["categories"]]
    for group in groups:
        names = [c.name for c in group.services]
        assert names == ukrainian_sorted(names), group.name
    assert sorted(c.service_id for g in groups for c in g.services) == sorted(hall["services"])
    flat = sorted(s["name"]["uk"] for s in hall["services"].values())
    assert flat[0].startswith("І"), "what Python's own order did: І before А"
    english = model.service_groups("en", "Other services")
    assert english[0].name == "Passports" and all(
        [c.name for c in g.services] == ukrainian_sorted([c.name for c in g.services]) for g in english)
    id_card = next(c for g in groups for c in g.services if c.service_id == "id-card")
    assert "id card" in id_card.words and "паспорт" in id_card.words, "found by either name"

    hall = {**hall, "categories": hall["categories"][1:]}  # a service of no category still gets a place
    groups = ConsoleModel(1, hall).service_groups("uk", "Інші послуги")
    assert groups[-1].name == "Інші послуги" and "id-card" in [c.service_id for c in groups[-1].services]
