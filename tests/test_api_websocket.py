"""The WebSocket protocol on a real loopback port."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from queue_server.api.auth import Role
from queue_server.api.messages import SPECS

from .support import ProtocolError, RawSocket, WsClient, issue, new_command_id, operator, raw_ws, running_server


async def test_auth_phase(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        async with http.ws_connect(server.ws_url) as ws:
            assert (await ws.receive_json())["type"] == "auth_required"
            await ws.send_json({"id": 1, "type": "ping"})  # anything but auth first
            reply = await ws.receive_json()
            assert reply["type"] == "auth_invalid" and reply["error"]["code"] == "auth_required"
            assert (await ws.receive()).type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        for auth, code in (({"token": "nope"}, "invalid_token"),
                           ({"login": "op01", "password": "0000", "desk": 1}, "invalid_credentials"),
                           ({"login": "op01", "password": "1111", "desk": "1"}, "auth_required")):
            with pytest.raises(ProtocolError) as failure:
                await WsClient.connect(server.ws_url, **auth)
            assert failure.value.code == code
        async with http.ws_connect(server.ws_url) as ws:
            await ws.receive_json()
            await ws.send_str("{{{")
            reply = await ws.receive_json()
            assert reply["type"] == "auth_invalid" and reply["error"]["code"] == "invalid_json"
        desk = await WsClient.connect(server.ws_url, login="op05", password="1111", desk=5)
        assert desk.auth["role"] == "operator" and desk.auth["desk"] == 5 and desk.auth["session_token"]
        again = await WsClient.connect(server.ws_url, token=desk.auth["session_token"])
        assert again.auth["name"] == "op05" and again.auth["desk"] == 5, "a console resumes without the PIN"
        await desk.close()
        await again.close()


async def test_visit_life_over_the_protocol_reaches_the_board(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        board = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "board"))
        sub = await board.request("subscribe_events")
        assert sub["snapshot"]["seq"] == sub["seq"] and len(sub["snapshot"]["desks"]) == 18
        kiosk_token = await server.device_token()
        desk = await operator(server, 1)
        ticket = await issue(http, server, kiosk_token, "id-card")
        called = await desk.command("call_next")
        assert called["visit"]["ticket"] == ticket["ticket"] and called["visit"]["desk"] == 1
        await desk.command("recall")
        await desk.command("start_service")
        finished = await desk.command("finish", result="served")
        assert finished["visit"]["state"] == "finished"
        events = await board.events_until(finished["seq"])
        types = [e["event"]["type"] for e in events]
        assert types == ["desk_opened", "ticket_issued", "visit_called", "visit_recalled", "service_started",
                         "service_finished"]
        seqs = [e["seq"] for e in events]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
        assert events[2]["event"]["desk"] == 1 and events[2]["id"] == sub["subscription"]
        for client in (board, desk):
            await client.close()


async def test_malformed_frames_get_errors_and_the_connection_lives(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server:
        desk = await RawSocket.connect(server.ws_url, login="op02", password="1111", desk=2)
        assert (await desk.request_raw({"id": 1, "type": "desk_open", "command_id": new_command_id()}))["success"]
        await desk.send_raw("not json")
        assert (await desk.next_frame())["error"]["code"] == "invalid_json"
        await desk.send_raw("[1,2,3]")
        assert (await desk.next_frame())["error"]["code"] == "invalid_json"
        await desk.send_raw('{"type": "ping"}')
        assert (await desk.next_frame())["error"]["code"] == "invalid_message"
        await desk.ws.send_bytes(b"\x00\x01")
        assert (await desk.next_frame())["error"]["code"] == "binary_not_supported"
        cases = [
            ({"id": 1, "type": "ping"}, "id_not_increasing"),  # `desk_open` already used id 1
            ({"id": 100, "type": "launch_rockets"}, "unknown_type"),
            ({"id": 101, "type": "call_next"}, "invalid_message"),  # no command_id
            ({"id": 102, "type": "postpone", "command_id": new_command_id(), "minutes": "ten"}, "invalid_message"),
            ({"id": 103, "type": "postpone", "command_id": new_command_id(), "minutes": 10, "extra": 1},
             "invalid_message"),
            ({"id": 104, "type": "call_ticket", "command_id": new_command_id(), "ticket": "Я-999"}, "unknown_ticket"),
            ({"id": 105, "type": "hall_pause", "command_id": new_command_id()}, "forbidden_for_role"),
            ({"id": 106, "type": "subscribe_events", "since": -5}, "invalid_message"),
            ({"id": 107, "type": "unsubscribe", "subscription": 77}, "unknown_subscription"),
            ({"id": 108, "type": "call_next", "command_id": new_command_id(), "desk": 7}, "invalid_message"),
        ]
        for message, code in cases:
            reply = await desk.request_raw(message)
            assert reply["success"] is False and reply["error"]["code"] == code, (message, reply)
            assert reply["error"]["message"]["uk"] and reply["error"]["message"]["en"]
        await desk.send_raw('{"id": 1152921504606846976, "type": "ping"}')
        assert (await desk.next_frame())["error"]["code"] == "invalid_message"
        assert (await desk.request_raw({"id": 200, "type": "ping"}))["type"] == "pong"
        await desk.close()


async def test_commands_are_idempotent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        for _ in range(2):
            await issue(http, server, token, "id-card")
        desk = await operator(server, 1)
        command_id = new_command_id()
        first = await desk.command("call_next", command_id=command_id)
        again = await desk.command("call_next", command_id=command_id)  # e.g. a retry after a network fault
        assert first == again
        called = [v for v in server.service.state.visits.values() if v.state.value == "called"]
        assert len(called) == 1
        other = await operator(server, 2)
        with pytest.raises(ProtocolError) as stolen:
            await other.command("call_next", command_id=command_id)
        assert stolen.value.code == "command_id_reused"
        for client in (desk, other):
            await client.close()


async def test_desks_calling_at_once_never_share_a_visitor(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        for _ in range(4):
            await issue(http, server, token, "id-card")
        desks = [await operator(server, n) for n in (1, 2, 3, 4)]
        results = await asyncio.gather(*[d.command("call_next") for d in desks])
        tickets = [r["visit"]["ticket"] for r in results]
        assert sorted(tickets) == ["П-001", "П-002", "П-003", "П-004"]
        extra = await operator(server, 18)
        with pytest.raises(ProtocolError) as empty:
            await extra.command("call_next")
        assert empty.value.code == "queue_empty"
        for client in [*desks, extra]:
            await client.close()


async def test_reconnect_resumes_from_sequence_without_missing_events(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        token = await server.device_token(Role.DISPLAY, "board")
        board = await WsClient.connect(server.ws_url, token=token)
        sub = await board.request("subscribe_events")
        last = sub["seq"]
        kiosk = await server.device_token()
        await issue(http, server, kiosk, "id-card")
        last = (await board.events_until(last + 1))[-1]["seq"]
        await board.close()
        missed = [await issue(http, server, kiosk, "residence-register") for _ in range(5)]
        board = await WsClient.connect(server.ws_url, token=token)
        resumed = await board.request("subscribe_events", since=last)
        assert resumed["replay"] == 5 and "snapshot" not in resumed
        replayed = await board.events_until(missed[-1]["seq"])
        assert [e["event"]["ticket"] for e in replayed] == [t["ticket"] for t in missed]
        live = await issue(http, server, kiosk, "id-card")
        assert (await board.next_event())["event"]["ticket"] == live["ticket"]
        future = await board.request("subscribe_events", since=10_000)
        assert "snapshot" in future, "a sequence this server never had gets a fresh snapshot"
        await board.close()


async def test_board_catches_up_after_server_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        board_token = await server.device_token(Role.DISPLAY, "board")
        kiosk = await server.device_token()
        port = int(server.url.rsplit(":", 1)[1])
        board = await WsClient.connect(server.ws_url, token=board_token)
        last = (await board.request("subscribe_events"))["seq"]
        first = await issue(http, server, kiosk, "id-card")
        last = (await board.events_until(first["seq"]))[-1]["seq"]
    await asyncio.wait_for(board.closed.wait(), 5)
    await board.close()
    async with running_server(tmp_path, port=port) as server, aiohttp.ClientSession() as http:
        after = [await issue(http, server, kiosk, "id-card") for _ in range(3)]
        assert [t["ticket"] for t in after] == ["П-002", "П-003", "П-004"], "numbering survives the restart"
        board = await WsClient.connect(server.ws_url, token=board_token)
        resumed = await board.request("subscribe_events", since=last)
        events = await board.events_until(after[-1]["seq"])
        assert resumed["replay"] == len(events) == 3
        await board.close()


async def test_hall_controls_reach_kiosks_and_boards(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        board = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "b"))
        await board.request("subscribe_events")
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        waiting = [await issue(http, server, kiosk, "id-card") for _ in range(3)]
        paused = await boss.command("hall_pause", reason="air_raid")
        with pytest.raises(ProtocolError) as refusal:
            await issue(http, server, kiosk, "id-card")
        assert refusal.value.code == "hall_paused"
        async with http.get(server.url + "/api/hall") as response:
            hall = await response.json()
        assert hall["paused"] and hall["services"]["id-card"]["unavailable"] == "hall_paused"
        events = await board.events_until(paused["seq"])
        assert events[-1]["event"]["type"] == "hall_paused"
        await boss.command("hall_resume")
        desk = await operator(server, 1)
        assert (await desk.command("call_next"))["visit"]["ticket"] == waiting[0]["ticket"]
        await boss.command("service_close", service_id="residence-register", reason="registry_offline")
        with pytest.raises(ProtocolError) as closed:
            await issue(http, server, kiosk, "residence-register")
        assert closed.value.code == "service_closed"
        await boss.command("change_priority", ticket=waiting[2]["ticket"], priority=5)
        await boss.command("set_desk_services", desk=2, weights={"id-card": 10})
        await boss.command("cancel_visit", ticket=waiting[1]["ticket"], reason="left")
        ended = await boss.command("end_day")
        assert ended["events"] == ["day_ended"]
        snapshot = await boss.request("get_state")
        # The waiting are cancelled; the visitor called to desk 1 stays there, to be finished (issue 13, point 12).
        assert [v["ticket"] for v in snapshot["visits"]] == [waiting[0]["ticket"]] and snapshot["day"] is None
        for client in (board, boss, desk):
            await client.close()


ROLE_LOGINS = {
    Role.OPERATOR: {"login": "op07", "password": "1111", "desk": 7},
    Role.SUPERVISOR: {"login": "supervisor", "password": "super-demo"},
    Role.ADMIN: {"login": "admin", "password": "admin-demo"},
}


async def test_role_matrix(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every message type against every role: allowed ones are never refused for the role."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        clients = {}
        visit = await issue(http, server, await server.device_token(name="k0"), "death")
        for role in Role:
            if role is Role.VISITOR:
                clients[role] = await WsClient.connect(server.ws_url, visit_token=visit["feedback_token"])
            elif role in ROLE_LOGINS:
                clients[role] = await WsClient.connect(server.ws_url, **ROLE_LOGINS[role])
            else:
                token = await server.device_token(role, role.value)
                clients[role] = await WsClient.connect(server.ws_url, token=token)
        minimal = {
            "postpone": {"minutes": 10}, "call_ticket": {"ticket": "П-001"}, "add_service": {"service_id": "id-card"},
            "cancel_visit": {"ticket": "П-001"}, "change_priority": {"ticket": "П-001", "priority": 1},
            "set_desk_services": {"desk": 1, "weights": {"id-card": 10}}, "service_close": {"service_id": "death"},
            "service_reopen": {"service_id": "death"}, "issue_ticket": {"service_id": "id-card"},
            "unsubscribe": {"subscription": 1}, "set_announcement": {"text_uk": "Увага"},
            "send_message": {"text": "Перерва о 13:00"}, "document_ready": {"code": "ABCDEFGH"},
            "acknowledge_help": {"kiosk": "k0"},
            "set_clock": {"at": "2026-11-24T10:05:00+02:00"},
            "set_dispatch_policy": {"level_head_start_minutes": 8, "priority_head_start_minutes": 30,
                                    "booked_head_start_minutes": 10, "cap_minutes": 30},
        }
        checked = 0
        for msg_type, spec in SPECS.items():
            if msg_type == "end_day":
                continue  # ends the day for the other checks; covered in test_hall_controls
            if msg_type == "auth":  # the auth phase's message only: after it, an unknown type
                for client in clients.values():
                    reply = await client.reply("auth", token="x")
                    assert reply["error"]["code"] == "unknown_type"
                continue
            for role, client in clients.items():
                fields = dict(minimal.get(msg_type, {}))
                if "command_id" in spec.model.model_fields:
                    fields["command_id"] = new_command_id()
                reply = await client.reply(msg_type, **fields)
                code = None if reply.get("success", True) else reply["error"]["code"]
                if role in spec.roles:
                    assert code not in ("forbidden_for_role", "invalid_message"), (role, msg_type, reply)
                else:
                    assert code == "forbidden_for_role", (role, msg_type, reply)
                checked += 1
        assert checked == (len(SPECS) - 2) * len(Role)
        for client in clients.values():
            await client.close()


async def test_desk_commands_need_a_desk_session(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server:
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        with pytest.raises(ProtocolError) as refusal:
            await boss.command("call_next")
        assert refusal.value.code == "desk_required"
        await boss.close()


async def test_slow_client_is_dropped_and_others_keep_up(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path, outgoing_bytes=64 * 1024) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        for n in range(150):
            await issue(http, server, kiosk, "id-card" if n % 2 else "residence-register")
        token = await server.device_token(Role.DISPLAY, "frozen")
        healthy = await WsClient.connect(server.ws_url, token=token)
        await healthy.request("subscribe_events")
        # The frozen board asks for big snapshots and never reads a byte of the answers.
        frozen, _ = await raw_ws(http, server.ws_url, token=token)
        transport = frozen._response.connection.transport  # type: ignore[union-attr]
        transport.pause_reading()
        for n in range(1, 4000):
            try:
                await frozen.send_str(json.dumps({"id": n, "type": "get_state"}))
            except ConnectionError:
                break
            if n % 50 == 0:
                fresh = await issue(http, server, kiosk, "id-card")
                event = await healthy.next_event(timeout=2.0)
                assert event["event"]["ticket"] == fresh["ticket"], "the healthy board is not held up"
            if server.open_sockets < 2:
                break
        assert server.open_sockets == 1, "the frozen client was disconnected"
        fresh = await issue(http, server, kiosk, "id-card")
        assert (await healthy.next_event(timeout=2.0))["event"]["ticket"] == fresh["ticket"]
        transport.resume_reading()
        await healthy.close()


async def test_no_subscriber_ever_sees_feedback_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The token is the visitor's own (their QR code and live page): neither boards nor staff get it."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        board = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "board"))
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await board.request("subscribe_events")
        await boss.request("subscribe_events")
        ticket = await issue(http, server, await server.device_token(), "id-card")
        public = (await board.events_until(ticket["seq"]))[-1]["event"]
        staff = (await boss.events_until(ticket["seq"]))[-1]["event"]
        assert "feedback_token" not in public and public["ticket"] == ticket["ticket"]
        assert "feedback_token" not in staff and staff["ticket"] == ticket["ticket"]
        await board.close()
        replay = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "b2"))
        await replay.request("subscribe_events", since=0)
        replayed = await replay.events_until(ticket["seq"])
        assert all("feedback_token" not in e["event"] for e in replayed)
        for client in (boss, replay):
            await client.close()


async def test_a_visitor_follows_only_their_own_visit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        first = await issue(http, server, kiosk, "id-card")
        mine = await issue(http, server, kiosk, "id-card")
        with pytest.raises(ProtocolError) as refused:
            await WsClient.connect(server.ws_url, visit_token="guess")
        assert refused.value.code == "invalid_token"
        phone = await WsClient.connect(server.ws_url, visit_token=mine["feedback_token"])
        assert phone.auth["role"] == "visitor"
        await phone.request("watch_visit")
        status = (await phone.next_event())["status"]["visit"]
        assert (status["ticket"], status["ahead"], status["state"]) == (mine["ticket"], 1, "waiting")
        async def next_status(condition) -> dict:  # type: ignore[no-untyped-def, type-arg]
            for _ in range(10):  # an opened desk changes the estimate too: wait for the change we want
                visit = (await phone.next_event())["status"]["visit"]
                if condition(visit):
                    return visit  # type: ignore[no-any-return]
            raise AssertionError("status never came")

        desk = await operator(server, 1)
        await desk.command("call_next")  # calls the first ticket: one fewer ahead
        await next_status(lambda v: v["ahead"] == 0)
        await desk.command("no_show")
        await desk.command("call_next")
        called = await next_status(lambda v: v["state"] == "called")
        assert called["desk"] == 1
        for forbidden in ("get_state", "subscribe_events"):
            reply = await phone.reply(forbidden)
            assert reply["error"]["code"] == "forbidden_for_role", "a visitor sees nothing of others"
        assert first["ticket"] != mine["ticket"]
        for client in (phone, desk):
            await client.close()
