"""Test support: a real server on a loopback port, and a small protocol client for it."""

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
) -> AsyncIterator[Server]:
    clock = clock or ManualClock(TUESDAY_10)
    store = EventStore(data_dir / "cherha.sqlite3")
    app = create_app(hall or demo_hall(), store, clock, outgoing_bytes=outgoing_bytes, voice_dir=voice_dir,
                     modem_factory=modem_factory, sms_interval=sms_interval, limits=limits,
                     address_of=address_of)
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


class ProtocolError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("code"))
        self.code = error.get("code")
        self.error = error


@dataclass
class WsClient:
    """A protocol client: `request` sends `{id, type, ...}` and returns the result or raises."""

    session: aiohttp.ClientSession
    ws: aiohttp.ClientWebSocketResponse
    auth: dict[str, Any]
    events: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _waiting: dict[int, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _reader: asyncio.Task[None] | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    @classmethod
    async def connect(cls, url: str, **auth: Any) -> WsClient:
        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(url, timeout=aiohttp.ClientWSTimeout(ws_close=2.0))
            hello = await ws.receive_json(timeout=TIMEOUT)
            assert hello["type"] == "auth_required"
            await ws.send_json({"type": "auth", **auth})
            reply = await ws.receive_json(timeout=TIMEOUT)
            if reply["type"] != "auth_ok":
                await ws.close()
                raise ProtocolError(reply["error"])
        except BaseException:
            await session.close()
            raise
        client = cls(session, ws, reply)
        client._reader = asyncio.create_task(client._read())
        return client

    async def _read(self) -> None:
        try:
            async for frame in self.ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                if message["type"] in ("event", "visit_status", "view", "patch"):
                    self.events.put_nowait(message)
                    continue
                future = self._waiting.pop(message.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(message)
                elif message.get("id") is None:
                    self.events.put_nowait(message)  # an error about an unparseable frame
        finally:
            self.closed.set()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("closed"))

    async def send_raw(self, text: str) -> None:
        await self.ws.send_str(text)

    async def request_raw(self, payload: dict[str, Any]) -> dict[str, Any]:
        msg_id = payload.get("id") or next(self._ids)
        payload = {**payload, "id": msg_id}
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[msg_id] = future
        await self.ws.send_json(payload)
        return await asyncio.wait_for(future, TIMEOUT)

    async def request(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        reply = await self.request_raw({"type": msg_type, **fields})
        if reply["type"] == "pong":
            return reply
        if not reply["success"]:
            raise ProtocolError(reply["error"])
        result: dict[str, Any] = reply["result"]
        return result

    async def command(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        return await self.request(msg_type, command_id=fields.pop("command_id", new_command_id()), **fields)

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
