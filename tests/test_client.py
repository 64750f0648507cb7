"""cherha_client.Client against a real server: login once, reconnect by itself, resume with nothing missed, an
outbox that neither loses nor doubles a command, and no reconnect storm when retrying cannot help.

Every wait here is bounded: the tests end by themselves whatever the client does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from cherha_client import Client, ProtocolError
from cherha_client.connection import ws_url
from queue_server.clock import ManualClock

from .support import DEMO_PIN, TUESDAY_10, WsClient, issue, operator, running_server
from .tcp_proxy import TcpProxy

PIN_LOGIN = {"login": "op01", "password": DEMO_PIN, "desk": 1}
QUICK = 0.5  # the client's max_delay in these tests: reconnects within half a second once possible


def comparable(view: dict[str, Any]) -> dict[str, Any]:
    """A view without the time figures (`now`; the forecast's cached estimates)."""
    out = {k: v for k, v in view.items() if k != "now"}
    out["visits"] = sorted(view["visits"], key=lambda v: v["visit_id"])
    out["queues"] = {sid: {k: q[k] for k in ("waiting", "longest_wait_seconds", "waiting_since")}
                     for sid, q in view["queues"].items()}
    return out


async def until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def called_tickets(server: Any) -> list[str]:
    return sorted(v.ticket for v in server.service.state.visits.values() if v.state.value == "called")


async def test_ws_url_from_the_server_address() -> None:
    assert ws_url("http://10.0.0.5:8080") == "ws://10.0.0.5:8080/ws"
    assert ws_url("https://cnap.example/") == "wss://cnap.example/ws"
    assert ws_url("ws://127.0.0.1:1/ws") == "ws://127.0.0.1:1/ws"


async def test_pin_once_then_the_session_token_across_a_server_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The server restarts on the same port: the client comes back by itself with its session token, and a
    command made while the server was down is applied once, after the reconnect."""
    clock = ManualClock(TUESDAY_10)
    statuses: list[tuple[bool, Any]] = []
    async with running_server(tmp_path, clock=clock) as server, aiohttp.ClientSession() as http:
        port = port_of(server.url)
        kiosk = await server.device_token()
        first = await issue(http, server, kiosk, "id-card")
        second = await issue(http, server, kiosk, "id-card")
        client = Client(server.url, PIN_LOGIN, max_delay=QUICK,
                        on_status=lambda online, error: statuses.append((online, error)))
        await client.start()
        assert client.identity["role"] == "operator" and client.identity["desk"] == 1
        assert set(client.auth) == {"token"}, "the PIN is not kept after the login"
        assert client.view.ready and client.online
        await client.command("desk_open")
        called = await client.command("call_next")
        assert called["visit"]["ticket"] == first["ticket"]
        await client.command("no_show")
    await until(lambda: not client.online)
    offline_click = asyncio.create_task(client.command("call_next"))  # made while the server is down
    await asyncio.sleep(0.3)
    assert not offline_click.done()
    with pytest.raises(ConnectionError):
        await client.request("get_state")

    async with running_server(tmp_path, clock=clock, port=port) as server:
        result = await asyncio.wait_for(offline_click, 15)
        assert result["visit"]["ticket"] == second["ticket"]
        assert called_tickets(server) == [second["ticket"]], "applied once, not lost and not doubled"
        await client.wait_for(lambda view: view.seq == server.service.hub.last_seq)
        assert comparable(client.view.as_view()) == comparable(await client.request("get_state"))
        assert client.view.desks[1]["actions"] == ["recall", "start_service", "no_show", "transfer", "postpone"]
        await client.close()
    assert [online for online, _ in statuses] == [True, False, True]
    assert all(error is None for _, error in statuses)


async def test_resumes_after_a_cut_with_nothing_missed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The network between one screen and the server goes down while the hall goes on: back, the client
    catches up in one patch from its last seq, and its view is what the server's get_state says."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        proxy = await TcpProxy(port_of(server.url)).start()
        kiosk = await server.device_token()
        changes: list[dict[str, Any]] = []
        board = Client(proxy.url, {"token": await server.device_token(name="board")}, max_delay=QUICK,
                       on_change=changes.append)
        supervisor = Client(proxy.url, {"login": "supervisor", "password": "super-demo"}, max_delay=QUICK)
        await board.start()
        await supervisor.start()
        assert [c.get("cause") for c in changes] == [None] and "desks" in changes[0], "the whole view first"
        desk = await operator(server, 2)
        await issue(http, server, kiosk, "id-card")
        await board.wait_for(lambda view: view.queues["id-card"]["waiting"] == 1)

        await proxy.cut()
        await until(lambda: not board.online and not supervisor.online)
        for service in ("id-card", "passport-foreign", "birth"):
            await issue(http, server, kiosk, service)
        await desk.command("call_next")
        await desk.command("start_service")
        await desk.command("finish")
        await desk.command("call_next")
        staff = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await staff.command("send_message", text="Перерва о 13:00", desk=2)
        await staff.close()
        missed_from = board.view.seq
        await proxy.restore()

        last = server.service.hub.last_seq
        for client in (board, supervisor):
            await client.wait_for(lambda view: view.seq == last)
            assert comparable(client.view.as_view()) == comparable(await client.request("get_state"))
        resume = changes[-1]
        assert resume["cause"] == "resume" and "desks" in resume, "one patch of what was missed, not a view"
        assert missed_from is not None and missed_from < last
        assert board.view.messages == [] and [m["text"] for m in supervisor.view.messages] == ["Перерва о 13:00"]

        accepted = proxy.accepted
        await proxy.drop()  # a dropped socket, the network still up: back at once
        await until(lambda: proxy.accepted == accepted + 2 and board.online and supervisor.online)
        await issue(http, server, kiosk, "id-card")
        await board.wait_for(lambda view: view.seq == server.service.hub.last_seq)
        assert comparable(board.view.as_view()) == comparable(await board.request("get_state"))
        for client in (board, supervisor):
            await client.close()
        await desk.close()
        await proxy.close()


async def test_an_answer_lost_with_the_connection_is_not_applied_twice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The server applies a command but its answer never arrives: the client sends it again after the
    reconnect with the same command id and gets the first answer; the hall changed once."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        proxy = await TcpProxy(port_of(server.url)).start()
        kiosk = await server.device_token()
        first = await issue(http, server, kiosk, "id-card")
        await issue(http, server, kiosk, "id-card")
        client = Client(proxy.url, PIN_LOGIN, max_delay=QUICK)
        await client.start()
        await client.command("desk_open")
        proxy.mute_replies = True
        click = asyncio.create_task(client.command("call_next"))
        await until(lambda: called_tickets(server) == [first["ticket"]])  # applied; its answer swallowed
        await asyncio.sleep(0.2)
        assert not click.done()
        proxy.mute_replies = False
        await proxy.drop()
        result = await asyncio.wait_for(click, 10)
        assert result["visit"]["ticket"] == first["ticket"]
        assert called_tickets(server) == [first["ticket"]], "the second ticket was not called by a repeat"
        await client.command("no_show")
        again = await client.command("call_next", command_id="fixed-id-0001")
        assert (await client.command("call_next", command_id="fixed-id-0001")) == again
        await client.close()
        await proxy.close()


async def test_a_wrong_pin_is_raised_once_without_a_reconnect_storm(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server:
        proxy = await TcpProxy(port_of(server.url)).start()
        statuses: list[Any] = []
        client = Client(proxy.url, {**PIN_LOGIN, "password": "0000"}, max_delay=QUICK,
                        on_status=lambda *status: statuses.append(status))
        with pytest.raises(ProtocolError) as refused:
            await asyncio.wait_for(client.start(), 10)
        assert refused.value.code == "invalid_credentials"
        assert refused.value.error["message"]["en"]
        await asyncio.sleep(1.5)  # three times max_delay: a retrying client would have come back by now
        assert proxy.accepted == 1 and statuses == [] and not client.online
        with pytest.raises(ConnectionError):
            await client.command("desk_open")
        await proxy.close()


async def test_a_session_logged_out_stops_the_client(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Logging out closes the socket (4003); the reconnect's token is refused: the client says so once and
    stops, and a command still waiting fails instead of waiting for ever."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        proxy = await TcpProxy(port_of(server.url)).start()
        statuses: list[tuple[bool, Any]] = []
        client = Client(proxy.url, PIN_LOGIN, max_delay=QUICK,
                        on_status=lambda online, error: statuses.append((online, error)))
        await client.start()
        await proxy.cut()
        await until(lambda: not client.online)
        waiting = asyncio.create_task(client.command("desk_open"))
        async with http.delete(server.url + "/api/sessions",
                               headers={"Authorization": f"Bearer {client.token}"}) as response:
            assert response.status == 200
        await proxy.restore()
        with pytest.raises(ProtocolError):
            await asyncio.wait_for(waiting, 10)
        assert statuses[0] == (True, None) and statuses[1] == (False, None)
        assert statuses[-1][0] is False and statuses[-1][1] is not None and client.error is not None
        await asyncio.sleep(1.5)
        assert proxy.accepted == 2, "one refused reconnect, then nothing"
        assert server.service.state.desks[1].status.value == "closed", "the waiting command was not applied"
        await client.close()
        await proxy.close()


async def test_requests_frames_and_bounded_waits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server:
        frames: list[dict[str, Any]] = []
        client = Client(server.ws_url, {"token": await server.device_token(name="led")}, subscribe=False,
                        on_frame=frames.append)
        await client.start()
        assert client.online and not client.view.ready, "no subscription asked for"
        pong = await client.request("ping")
        assert pong["type"] == "pong" and frames == [pong]
        with pytest.raises(ProtocolError) as refused:
            await client.request("call_next", command_id="a-kiosk-calls-00")
        assert refused.value.code == "forbidden_for_role"
        with pytest.raises(TimeoutError):
            await client.wait_for(lambda view: True, timeout=0.3)
        await client.close()

        # An address that answers but is no Cherha socket: start() says so at once, no retrying.
        stray = Client(server.url + "/api/health", {"token": "x"}, max_delay=QUICK)
        with pytest.raises(Exception) as failed:
            await asyncio.wait_for(stray.start(), 5)
        assert not isinstance(failed.value, TimeoutError)

    # Nobody listens: start() goes on retrying until the caller's bound, then leaves nothing running.
    client = Client(server.url, PIN_LOGIN, max_delay=QUICK)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(client.start(), 1.0)
    assert client._task is not None and client._task.done()
