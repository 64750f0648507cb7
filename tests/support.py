"""Test support: a real server on a loopback port; the protocol client (cherha_client) and a raw socket."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from cherha_client import Client, ProtocolError
from queue_server.api.app import create_app
from queue_server.api.auth import Role, create_device_token
from queue_server.api.limits import Limits
from queue_server.api.state import APP_STATE, remote_address
from queue_server.clock import ManualClock
from queue_server.config import DEMO_HALL, load_hall
from queue_server.domain.hall import Hall
from queue_server.store import EventStore

KYIV = ZoneInfo("Europe/Kyiv")
# A Tuesday (the long day, open 08:00-20:00) at 10:00 in the demo hall.
TUESDAY_10 = datetime(2026, 11, 24, 10, 0, tzinfo=KYIV)
DEMO_PIN = "1111"
TIMEOUT = 10.0


def demo_hall() -> Hall:
    return load_hall(DEMO_HALL)


def new_command_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Server:
    url: str
    app: web.Application
    store: EventStore
    clock: ManualClock
    runner: web.AppRunner

    @property
    def service(self) -> Any:
        return self.app[APP_STATE].service

    @property
    def open_sockets(self) -> int:
        return len(list(self.app[APP_STATE].sockets))

    @property
    def ws_url(self) -> str:
        return self.url.replace("http", "ws") + "/ws"

    async def device_token(self, role: Role = Role.KIOSK, name: str = "kiosk-1") -> str:
        now = self.clock.now()
        token: str = await self.store.call(lambda db: create_device_token(db, name, role, now))
        return token


@contextlib.asynccontextmanager
async def running_server(
    data_dir: Path, clock: ManualClock | None = None, hall: Hall | None = None, port: int = 0,
    outgoing_bytes: int = 2 * 1024 * 1024, voice_dir: Path | None = None, modem_factory: Any = None,
    sms_interval: float = 1.0, limits: Limits | None = None,
    address_of: Callable[[web.BaseRequest], str] = remote_address,
    host_probe: Callable[[], list[Any]] | None = None,
) -> AsyncIterator[Server]:
    clock = clock or ManualClock(TUESDAY_10)
    store = EventStore(data_dir / "cherha.sqlite3")
    app = create_app(hall or demo_hall(), store, clock, outgoing_bytes=outgoing_bytes, voice_dir=voice_dir,
                     modem_factory=modem_factory, sms_interval=sms_interval, limits=limits,
                     address_of=address_of, host_probe=host_probe)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    sockets = site._server.sockets  # type: ignore[union-attr]
    actual_port = sockets[0].getsockname()[1]
    try:
        yield Server(f"http://127.0.0.1:{actual_port}", app, store, clock, runner)
    finally:
        await runner.cleanup()


@dataclass
class WsClient:
    """The tests' protocol client: cherha_client.Client (the one every Python program uses), with no
    subscription of its own, plus a queue of what it hands on: events, visit statuses, and the view and patch
    frames of subscriptions a test makes itself. Attacks on the protocol itself use `RawSocket`."""

    client: Client
    events: asyncio.Queue[dict[str, Any]]
    closed: asyncio.Event  # the connection went down (the client may come back by itself)
    stopped: asyncio.Event  # the client gave up: `client.error` says why (e.g. a session logged out)
    pin_login: bool = False

    @classmethod
    async def connect(cls, url: str, **auth: Any) -> WsClient:
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        closed, stopped = asyncio.Event(), asyncio.Event()

        def status(online: bool, error: dict[str, Any] | None) -> None:
            if not online:
                closed.set()
            if error is not None:
                stopped.set()

        client = Client(url, auth, subscribe=False, on_frame=events.put_nowait, on_status=status, max_delay=1.0)
        await asyncio.wait_for(client.start(), TIMEOUT)
        return cls(client, events, closed, stopped, pin_login="password" in auth)

    @property
    def auth(self) -> dict[str, Any]:
        """The server's `auth_ok` (with `session_token` after a PIN login: the client keeps only that)."""
        return {**self.client.identity, **({"session_token": self.client.token} if self.pin_login else {})}

    async def request(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        return await self.client.request(msg_type, **fields)

    async def command(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        return await asyncio.wait_for(self.client.command(msg_type, **fields), TIMEOUT)

    async def reply(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        """The answer as the server framed it (`success`, `result` or `error`; a `pong`): for checks on refusals."""
        try:
            result = await self.request(msg_type, **fields)
        except ProtocolError as refusal:
            return {"type": "result", "success": False, "error": refusal.error}
        return result if result.get("type") == "pong" else {"type": "result", "success": True, "result": result}

    async def next_event(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return await asyncio.wait_for(self.events.get(), timeout)

    async def events_until(self, seq: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while not out or out[-1]["seq"] < seq:
            out.append(await self.next_event(timeout))
        return out

    def drain(self) -> list[dict[str, Any]]:
        out = []
        while not self.events.empty():
            out.append(self.events.get_nowait())
        return out

    async def close(self) -> None:
        await self.client.close()


async def raw_ws(http: aiohttp.ClientSession, url: str, **auth: Any
                 ) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """A bare aiohttp WebSocket past the auth phase, and the `auth_ok`: for tests that misbehave on purpose
    (never read, flood, send what no client would). Read from it directly; nothing else reads it."""
    ws = await http.ws_connect(url, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=2.0))
    try:
        assert (await ws.receive_json(timeout=TIMEOUT))["type"] == "auth_required"
        await ws.send_json({"type": "auth", **auth})
        reply: dict[str, Any] = await ws.receive_json(timeout=TIMEOUT)
        assert reply["type"] == "auth_ok", reply
    except BaseException:
        await ws.close()
        raise
    return ws, reply


@dataclass
class RawSocket:
    """A bare WebSocket for attacking the protocol: frames exactly as a test writes them (chosen ids, malformed
    text, binary), every frame the server sends (`frames`), and how the server closed it. No reconnects, no
    outbox: that is cherha_client's job, and these tests check what the server does with a client that
    misbehaves."""

    session: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse
    auth: dict[str, Any]
    frames: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _reader: asyncio.Task[None] | None = None

    @classmethod
    async def connect(cls, url: str, **auth: Any) -> RawSocket:
        session = aiohttp.ClientSession()
        try:
            ws, reply = await raw_ws(session, url, **auth)
        except BaseException:
            await session.close()
            raise
        raw = cls(session, ws, reply)
        raw._reader = asyncio.create_task(raw._read())
        return raw

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame.type == aiohttp.WSMsgType.TEXT:
                    self.frames.put_nowait(json.loads(frame.data))
        finally:
            self.closed.set()

    async def send_raw(self, text: str) -> None:
        await self.ws.send_str(text)

    async def next_frame(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        return await asyncio.wait_for(self.frames.get(), timeout)

    async def request_raw(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Send `payload` (its own `id`, or the next one) and return the next frame with that id."""
        msg_id = payload.get("id") or next(self._ids)
        await self.ws.send_json({**payload, "id": msg_id})
        while (frame := await self.next_frame()).get("id") != msg_id:
            pass
        return frame

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        await self.session.close()


async def operator(server: Server, desk: int, login: str | None = None, open_desk: bool = True) -> WsClient:
    client = await WsClient.connect(server.ws_url, login=login or f"op{desk:02d}", password=DEMO_PIN, desk=desk)
    if open_desk:
        await client.command("desk_open")
    return client


async def issue(session: aiohttp.ClientSession, server: Server, token: str, service_id: str,
                **extra: Any) -> dict[str, Any]:
    body = {"command_id": new_command_id(), "service_id": service_id, **extra}
    async with session.post(server.url + "/api/tickets", json=body,
                            headers={"Authorization": f"Bearer {token}"}) as response:
        data: dict[str, Any] = await response.json()
        if response.status != 201:
            raise ProtocolError(data["error"])
        return data
