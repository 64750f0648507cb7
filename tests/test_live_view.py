"""Screens receive views, not events: a subscriber that applies the view and every patch in order holds what
`get_state` returns, for staff and for devices, live and after a reconnect (docs/protocol.md "Views")."""

from __future__ import annotations

from typing import Any

import aiohttp

from cherha_client.view import HallView
from queue_server.api.auth import Role
from tests.support import WsClient, issue, new_command_id, operator, running_server

TIME_FIGURES = ("now",)


def _comparable(view: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in view.items() if k not in TIME_FIGURES}
    out["visits"] = sorted(view["visits"], key=lambda v: v["visit_id"])
    # Forecast figures come from a cache of hall time; the counts and the oldest wait must match exactly.
    out["queues"] = {sid: {k: q[k] for k in ("waiting", "longest_wait_seconds", "waiting_since")}
                     for sid, q in view["queues"].items()}
    return out


async def _follow(client: WsClient, view: HallView, seq: int) -> list[dict[str, Any]]:
    """Apply frames until the view reaches `seq`; returns the frames."""
    frames = []
    while view.seq is None or view.seq < seq:
        frame = await client.next_event()
        assert frame["type"] in ("view", "patch"), frame
        frames.append(frame)
        view.apply(frame)
    return frames


async def _busy_morning(server: Any, http: aiohttp.ClientSession, kiosk: str, supervisor: WsClient) -> None:
    desks = [await operator(server, n) for n in (1, 2, 3)]
    for service in ("id-card", "id-card", "passport-foreign", "birth", "id-card", "residence-register"):
        await issue(http, server, kiosk, service)
    await desks[0].command("call_next")
    await desks[1].command("call_next")
    await desks[1].command("recall")
    await desks[0].command("start_service")
    await desks[0].command("transfer", to_service="residence-register")
    await desks[1].command("no_show")
    await desks[2].command("call_next")
    await desks[2].command("start_service")
    await desks[2].command("postpone", minutes=10)
    await supervisor.command("send_message", text="Перерва о 13:00", desk=2)
    await supervisor.command("set_announcement", text_uk="Увага", text_en="Attention")
    await supervisor.command("service_close", service_id="birth", reason="registry")
    await supervisor.command("hall_pause")
    await supervisor.command("hall_resume")
    await desks[1].command("desk_pause", reason="break")
    for desk in desks:
        await desk.close()


async def test_patches_keep_every_screen_equal_to_the_server_view(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token(Role.KIOSK, "kiosk-1")
        supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        board = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "board"))
        staff_view, board_view = HallView(), HallView()
        await supervisor.request("subscribe")
        await board.request("subscribe")
        await _busy_morning(server, http, kiosk, supervisor)
        seq = server.service.hub.last_seq
        staff_frames = await _follow(supervisor, staff_view, seq)
        await _follow(board, board_view, seq)

        assert [f["type"] for f in staff_frames[:1]] == ["view"]
        patches = [f for f in staff_frames if f["type"] == "patch"]
        assert [p["seq"] for p in patches] == list(range(patches[0]["seq"], seq + 1)), "one patch per event"
        assert _comparable(staff_view.as_view()) == _comparable(await supervisor.request("get_state"))
        assert _comparable(board_view.as_view()) == _comparable(await board.request("get_state"))
        # What a supervisor wrote to a desk reaches staff only.
        assert [m["text"] for m in staff_view.messages] == ["Перерва о 13:00"]
        assert board_view.messages == []
        assert board_view.fields["paused"] is False and board_view.fields["closed_services"] == {"birth": "registry"}
        # Desk 1 is serving the transferred visitor's next step? No: the transfer freed it; desk 2 paused.
        assert board_view.desks[2]["status"] == "paused" and board_view.desks[2]["actions"] == [
            "desk_resume", "desk_close"]
        await supervisor.close()
        await board.close()


async def test_a_call_stands_until_the_visitor_reaches_the_desk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token(Role.KIOSK, "kiosk-1")
        board = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "board"))
        view = HallView()
        await board.request("subscribe")
        desks = [await operator(server, n) for n in range(1, 13)]
        for number in range(1, 13):  # one visitor for each desk's own first service
            await issue(http, server, kiosk, server.service.hall.desks[number].weights[0][0])
        for desk in desks:
            server.clock.advance(seconds=2)
            await desk.command("call_next")
        await _follow(board, view, server.service.hub.last_seq)
        assert len(view.calls) == 12, "every standing call, not the last eight"
        assert [c["desk"] for c in view.calls][:3] == [12, 11, 10], "newest first"
        keys = {c["key"] for c in view.calls}
        server.clock.advance(seconds=20)
        await desks[0].command("recall")
        await desks[1].command("start_service")
        await desks[2].command("no_show")
        await _follow(board, view, server.service.hub.last_seq)
        assert {c["desk"] for c in view.calls} == set(range(1, 13)) - {2, 3}
        assert view.calls[0]["desk"] == 1 and view.calls[0]["key"] not in keys, "a recall is a new call"
        for desk in desks:
            await desk.close()
        await board.close()


async def test_a_screen_back_from_a_cut_catches_up_in_one_patch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token(Role.KIOSK, "kiosk-1")
        token = await server.device_token(Role.DISPLAY, "board")
        board = await WsClient.connect(server.ws_url, token=token)
        view = HallView()
        await board.request("subscribe")
        desk = await operator(server, 4)
        await issue(http, server, kiosk, "id-card")
        await _follow(board, view, server.service.hub.last_seq)
        await board.close()  # the network cut
        await issue(http, server, kiosk, "id-card")
        await issue(http, server, kiosk, "passport-foreign")
        await desk.command("call_next")
        await desk.command("start_service")
        finished = (await desk.command("finish"))["visit"]
        await desk.command("call_next")
        board = await WsClient.connect(server.ws_url, token=token)
        result = await board.request("subscribe", since=view.seq)
        assert result["seq"] == server.service.hub.last_seq
        frame = await board.next_event()
        assert frame["type"] == "patch" and frame["patch"]["cause"] == "resume"
        view.apply(frame)
        assert _comparable(view.as_view()) == _comparable(await board.request("get_state"))
        assert finished["state"] == "finished" and finished["visit_id"] not in view.visits, "the finished one is gone"
        await desk.close()
        await board.close()


async def test_time_alone_is_sent_as_a_tick_and_a_new_day_as_a_whole_view(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token(Role.KIOSK, "kiosk-1")
        supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        view = HallView()
        await supervisor.request("subscribe")
        desk = await operator(server, 4)
        ticket = await issue(http, server, kiosk, "id-card")
        await desk.command("call_next")
        await desk.command("postpone", minutes=5)
        await _follow(supervisor, view, server.service.hub.last_seq)
        assert view.visits[ticket["visit_id"]]["waiting"] is False
        assert view.queues["id-card"]["waiting"] == 0
        server.clock.advance(minutes=6)
        server.service.tick()  # the app runs this every 20 s
        frame = await supervisor.next_event()
        assert frame["type"] == "patch" and frame["patch"]["cause"] == "tick"
        assert frame["seq"] == view.seq, "no event: the sequence stays"
        view.apply(frame)
        assert view.visits[ticket["visit_id"]]["waiting"] is True, "back from the postpone pool by time alone"
        assert view.queues["id-card"]["waiting"] == 1
        await supervisor.command("end_day", command_id=new_command_id())
        frames = await _follow(supervisor, view, server.service.hub.last_seq)
        assert any(f["type"] == "view" for f in frames)
        assert view.visits == {} and view.as_view()["seq"] == server.service.hub.last_seq
        await desk.close()
        await supervisor.close()
