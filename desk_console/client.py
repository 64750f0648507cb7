"""The console's protocol client: Qt-free, asyncio, runs on its own thread's loop (see runner.py).

It logs in once with the PIN and keeps only the session token, reconnects by itself with a growing delay,
resumes the event stream from its last sequence number, and keeps every command in an outbox until the
server has answered it. A command clicked while offline is sent after the reconnect with the same
command id, so it is never lost and never applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp


class Listener(Protocol):
    def on_snapshot(self, snapshot: dict[str, Any]) -> None: ...
    def on_event(self, seq: int, event: dict[str, Any]) -> None: ...
    def on_online(self, online: bool) -> None: ...


class LoginFailed(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("code"))
        self.error = error


class CommandRefused(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("code"))
        self.error = error


@dataclass
class _Pending:
    message: dict[str, Any]
    future: asyncio.Future[dict[str, Any]]


@dataclass
class DeskClient:
    server: str
    listener: Listener
    session_token: str | None = None
    identity: dict[str, Any] = field(default_factory=dict)
    last_seq: int | None = None
    online: bool = False
    hall: dict[str, Any] = field(default_factory=dict)
    _outbox: dict[str, _Pending] = field(default_factory=dict)  # command id -> pending, in click order
    _by_message: dict[int, str] = field(default_factory=dict)
    _ws: aiohttp.ClientWebSocketResponse | None = None
    _task: asyncio.Task[None] | None = None
    _ids: Callable[[], int] = field(default_factory=lambda: itertools.count(1).__next__)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def ws_url(self) -> str:
        return self.server.rstrip("/").replace("http", "ws", 1) + "/ws"

    async def login(self, login: str, password: str, desk: int) -> dict[str, Any]:
        """Check the PIN, keep the session token, fetch the hall, then stay connected in the background."""
        async with aiohttp.ClientSession() as http:
            async with http.get(self.server.rstrip("/") + "/api/hall") as response:
                hall: dict[str, Any] = await response.json()
                self.hall = hall
            async with http.ws_connect(self.ws_url) as ws:
                await ws.receive_json()
                await ws.send_json({"type": "auth", "login": login, "password": password, "desk": desk})
                reply = await ws.receive_json()
        if reply["type"] != "auth_ok":
            raise LoginFailed(reply["error"])
        self.session_token = reply["session_token"]
        self.identity = reply
        self._task = asyncio.create_task(self._run())
        identity: dict[str, Any] = reply
        return identity

    async def rest(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """A REST call with this session's token (phone bookings). Raises CommandRefused with the server's error."""
        headers = {"Authorization": f"Bearer {self.session_token}"}
        async with aiohttp.ClientSession() as http, http.request(
                method, self.server.rstrip("/") + path, json=body, headers=headers) as response:
            answer: dict[str, Any] = await response.json()
        if response.status >= 400:
            raise CommandRefused(answer["error"])
        return answer

    async def stop(self) -> None:
        self._stop.set()
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 5)

    async def command(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        command_id = uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._outbox[command_id] = _Pending({"type": msg_type, "command_id": command_id, **fields}, future)
        if self.online:
            await self._send(command_id)
        try:
            return await future
        finally:
            self._outbox.pop(command_id, None)

    # -- the connection ---------------------------------------------------------------------------
    async def _send(self, command_id: str) -> None:
        pending = self._outbox.get(command_id)
        if pending is None or self._ws is None:
            return
        msg_id = self._ids()
        self._by_message[msg_id] = command_id
        with contextlib.suppress(ConnectionError, RuntimeError, aiohttp.ClientError):
            await self._ws.send_json({"id": msg_id, **pending.message})

    async def _run(self) -> None:
        delay = 0.3
        while not self._stop.is_set():
            try:
                async with aiohttp.ClientSession() as http, http.ws_connect(self.ws_url, heartbeat=10) as ws:
                    await ws.receive_json()
                    await ws.send_json({"type": "auth", "token": self.session_token})
                    reply = await ws.receive_json()
                    if reply["type"] != "auth_ok":
                        raise ConnectionError(reply.get("error", {}).get("code", "auth"))
                    self._ws = ws
                    self._ids = itertools.count(1).__next__
                    self._by_message.clear()
                    subscribe: dict[str, Any] = {"id": self._ids(), "type": "subscribe_events"}
                    if self.last_seq is not None:
                        subscribe["since"] = self.last_seq
                    await ws.send_json(subscribe)
                    delay = 0.3
                    async for frame in ws:
                        if frame.type == aiohttp.WSMsgType.TEXT:
                            await self._receive(json.loads(frame.data))
            except (TimeoutError, aiohttp.ClientError, OSError, ConnectionError):
                pass
            finally:
                self._ws = None
                if self.online:
                    self.online = False
                    self.listener.on_online(False)
            if self._stop.is_set():
                break
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
            delay = min(delay * 2, 5.0)

    async def _receive(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "event":
            if self.last_seq is None or message["seq"] > self.last_seq:
                self.last_seq = message["seq"]
                self.listener.on_event(message["seq"], message["event"])
            return
        if kind != "result":
            return
        msg_id = message.get("id")
        command_id = self._by_message.pop(msg_id, None) if isinstance(msg_id, int) else None
        if command_id is None:
            result = message.get("result") or {}
            if message.get("success") and "subscription" in result:
                if "snapshot" in result:
                    self.last_seq = result["seq"]
                    self.listener.on_snapshot(result["snapshot"])
                await self._now_online()
            return
        pending = self._outbox.get(command_id)
        if pending is None or pending.future.done():
            return
        if message["success"]:
            pending.future.set_result(message["result"])
        else:
            pending.future.set_exception(CommandRefused(message["error"]))

    async def _now_online(self) -> None:
        self.online = True
        self.listener.on_online(True)
        for command_id in list(self._outbox):  # what was clicked while offline, in order
            await self._send(command_id)
