"""Attacks on logins and sessions, performed against a real server (issue 13, points 1 and 5).

Every request comes from 127.0.0.1, so the server is given an `address_of` that reads a test header:
one test can then play the attacker's address and the operator's own desk PC. The throttles' clock is a
counter the test moves, so nothing depends on how fast this machine is.
"""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

import queue_server.api.auth as auth_module
from queue_server.api.limits import Limits
from queue_server.api.rest import CLOSE_LOGGED_OUT
from queue_server.api.state import APP_STATE
from queue_server.config import DEMO_HALL, ConfigError, load_hall
from tests.support import DEMO_PIN, ProtocolError, RawSocket, WsClient, demo_hall, running_server


class Ticks:
    """The throttles' monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def by_header(request: web.BaseRequest) -> str:
    return request.headers.get("X-Client", request.remote or "")


async def login(http: aiohttp.ClientSession, url: str, name: str, pin: str, client: str = "10.0.0.66",
                desk: int | None = None) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"login": name, "password": pin}
    if desk is not None:
        body["desk"] = desk
    async with http.post(url + "/api/sessions", json=body, headers={"X-Client": client}) as response:
        return response.status, await response.json()


def code(answer: tuple[int, dict[str, Any]]) -> str:
    return str(answer[1].get("error", {}).get("code", "ok"))


async def test_concurrent_wrong_pins_cannot_overrun_the_lock(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before: 12 wrong PINs at once each read "0 failures" and the lock never set; the right PIN then passed."""
    async with running_server(tmp_path, limits=Limits(clock=Ticks())) as server, aiohttp.ClientSession() as http:
        answers = await asyncio.gather(*(login(http, server.url, "op02", f"{n:04d}") for n in range(12)))
        codes = sorted(code(a) for a in answers)
        assert codes.count("invalid_credentials") == 5, codes
        assert codes.count("too_many_attempts") == 7 and all(a[0] in (401, 429) for a in answers)
        refused = await login(http, server.url, "op02", DEMO_PIN)
        assert refused[0] == 429 and code(refused) == "too_many_attempts", "the guesser's next try waits"
        # The same race over WebSocket: one connection per guess, all at once.
        async def ws_guess(pin: str) -> str:
            try:
                client = await WsClient.connect(server.ws_url, login="op04", password=pin, desk=4)
            except ProtocolError as exc:
                return str(exc.code)
            await client.close()
            return "ok"

        ws_codes = await asyncio.gather(*(ws_guess(f"{n:04d}") for n in range(12)))
        assert ws_codes.count("invalid_credentials") <= 5 and "ok" not in ws_codes
        assert await ws_guess(DEMO_PIN) == "too_many_attempts"


async def test_an_unknown_login_costs_the_same_scrypt(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Before: an unknown login answered at once (~4 ms against ~170 ms), so logins could be enumerated."""
    checked: list[str] = []
    real = auth_module.verify_secret

    def counting(secret: str, stored: str) -> bool:
        checked.append(stored)
        return real(secret, stored)

    monkeypatch.setattr(auth_module, "verify_secret", counting)
    async with running_server(tmp_path, limits=Limits(clock=Ticks())) as server, aiohttp.ClientSession() as http:
        unknown = await login(http, server.url, "nobody", "1234")
        wrong = await login(http, server.url, "op03", "1234", client="10.0.0.67")
        assert unknown == wrong, "the same status and body: nothing tells the two apart"
        assert len(checked) == 2 and all(stored.startswith("scrypt$16384$8$1$") for stored in checked), \
            "the unknown login ran the same scrypt as the known one"


async def test_an_address_is_throttled_across_logins_and_others_are_not(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ticks = Ticks()
    async with running_server(tmp_path, limits=Limits(clock=ticks), address_of=by_header) as server, \
            aiohttp.ClientSession() as http:
        # Spraying one PIN over every login from one address: 20 failures, then the address waits.
        sprayed = [await login(http, server.url, f"op{n:02d}", "0000") for n in range(1, 19)]
        sprayed += [await login(http, server.url, "supervisor", "0000"), await login(http, server.url, "admin", "0000")]
        assert [code(a) for a in sprayed] == ["invalid_credentials"] * 20
        blocked = await login(http, server.url, "op05", DEMO_PIN, desk=5)
        assert blocked[0] == 429 and code(blocked) == "too_many_attempts"
        # ...while op05's own desk PC, another address, logs in at once.
        own = await login(http, server.url, "op05", DEMO_PIN, client="10.0.0.5", desk=5)
        assert own[0] == 201 and own[1]["desk"] == 5


async def test_a_stranger_cannot_lock_an_operator_out_for_long(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before: five wrong PINs from anywhere locked the login: anyone could keep an operator out all day."""
    ticks = Ticks()
    async with running_server(tmp_path, limits=Limits(clock=ticks), address_of=by_header) as server, \
            aiohttp.ClientSession() as http:
        stranger = [code(await login(http, server.url, "op07", "0000")) for _ in range(6)]
        assert stranger == ["invalid_credentials"] * 5 + ["too_many_attempts"]
        own = await login(http, server.url, "op07", DEMO_PIN, client="10.0.0.7", desk=7)
        assert own[0] == 201, "the stranger's address is locked, the operator's desk PC is not"
        # A distributed guess (one wrong PIN from each of many addresses) meets the slower per-login limit...
        answers = [await login(http, server.url, "op08", "0000", client=f"10.1.0.{n}") for n in range(12)]
        assert [code(a) for a in answers[:10]] == ["invalid_credentials"] * 10
        assert {code(a) for a in answers[10:]} == {"too_many_attempts"}
        waiting = await login(http, server.url, "op08", DEMO_PIN, client="10.0.0.8", desk=8)
        assert code(waiting) == "too_many_attempts" and waiting[1]["error"]["params"]["seconds"] <= 10
        # ...which lets the operator in within seconds, not after a lock that the guesser keeps renewing.
        ticks.now += waiting[1]["error"]["params"]["seconds"]
        assert (await login(http, server.url, "op08", DEMO_PIN, client="10.0.0.8", desk=8))[0] == 201


async def test_the_hall_can_require_longer_pins(tmp_path) -> None:  # type: ignore[no-untyped-def]
    base = demo_hall()
    hall = dataclasses.replace(base, policy=dataclasses.replace(base.policy, min_pin_length=6))
    async with running_server(tmp_path, hall=hall) as server, aiohttp.ClientSession() as http:
        status, body = await login(http, server.url, "op01", DEMO_PIN, desk=1)
        assert status == 401 and body["error"]["code"] == "pin_too_short" and body["error"]["params"]["min"] == 6
        with pytest.raises(ProtocolError) as refusal:
            await WsClient.connect(server.ws_url, login="op01", password=DEMO_PIN, desk=1)
        assert refusal.value.code == "pin_too_short"
    text = DEMO_HALL.read_text(encoding="utf-8").replace("[policy]\n", "[policy]\nmin_pin_length = 3\n", 1)
    bad = Path(tmp_path) / "short.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="min_pin_length"):
        load_hall(bad)
    check = subprocess.run([sys.executable, "-m", "queue_server", "check-config", str(bad)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode != 0 and "min_pin_length" in check.stdout + check.stderr


async def test_logging_out_closes_the_sessions_open_sockets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Before: after DELETE /api/sessions the console's open WebSocket went on calling visitors."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        console = await WsClient.connect(server.ws_url, login="op06", password=DEMO_PIN, desk=6)
        token = console.auth["session_token"]
        again = await RawSocket.connect(server.ws_url, token=token)  # the same session, on a second socket
        board = await WsClient.connect(server.ws_url, login="op09", password=DEMO_PIN, desk=9)
        await console.command("desk_open")
        async with http.delete(server.url + "/api/sessions", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 200
        await asyncio.wait_for(again.closed.wait(), 10)
        assert again.ws.close_code == CLOSE_LOGGED_OUT
        # The console's client comes back by itself, is refused and stops for good: no loop of retries.
        await asyncio.wait_for(console.stopped.wait(), 10)
        assert console.client.error is not None and console.client.error["code"] == "invalid_token"
        with pytest.raises(ConnectionError):
            await console.command("call_next")
        await again.close()
        with pytest.raises(ProtocolError) as refused:
            await WsClient.connect(server.ws_url, token=token)
        assert refused.value.code == "invalid_token"
        assert "desks" in await board.request("get_state"), "another session goes on"
        await board.close()


async def test_closed_sockets_leave_no_session_entry(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server:
        clients = [await WsClient.connect(server.ws_url, login="op10", password=DEMO_PIN, desk=10) for _ in range(3)]
        state = server.app[APP_STATE]
        assert len(state.session_sockets) == 3
        for client in clients:
            await client.close()
        for _ in range(100):
            if not state.session_sockets:
                break
            await asyncio.sleep(0.02)
        assert not state.session_sockets, "closed sockets are forgotten: the table stays bounded"


def test_the_logout_close_code_is_documented() -> None:
    text = (Path(__file__).parent.parent / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert f"**{CLOSE_LOGGED_OUT}**" in text
