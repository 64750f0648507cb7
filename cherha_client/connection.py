"""One connection to the server's WebSocket, kept up by itself: the protocol client every Python program uses
(the desk console, the LED driver, the simulator, the tests). Qt-free; asyncio, on the `websockets` library.

- Logs in once with what it is given (a PIN login, a device token, a visit token); after a PIN login it keeps
  only the session token the server returned, so a reconnect never sends the PIN again.
- Reconnects by itself: `async for ws in connect(url)` retries a failed connection with exponential backoff
  (capped at `max_delay`), and on every new connection the client authenticates again and subscribes with
  `since` = the last sequence it holds, so the server sends one patch of what it missed (docs/protocol.md
  "Views"). `view` (a HallView) is then what `get_state` returns.
- Keeps every command in an outbox until the server has answered it. A command made while offline, or whose
  answer was lost with the connection, is sent again after the reconnect with the same `command_id`: the
  server applies a command id once and answers a repeat with the first answer, so nothing is lost or doubled.
- Gives up only when retrying cannot help: a refused login (`auth_invalid`: a wrong PIN on the first attempt
  raises from `start`; later, e.g. a session logged out, it is reported to `on_status` and the client stops),
  or, before it was ever connected, an address that is not a WebSocket server.

`online` is true from the moment the client is authenticated and (when subscribing) holds the view of the
current connection. Only the `subscribe` view is renewed by the client after a reconnect: a caller holding
another subscription (`watch_visit`, `subscribe_events`) asks for it again when `on_status(True, None)` comes.
Every method must be called on the event loop that ran `start`; the callbacks run on it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import uuid
from collections.abc import AsyncGenerator, Callable, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.client import backoff
from websockets.client import process_exception as transient_or_fatal
from websockets.exceptions import ConnectionClosed

from .view import HallView

log = logging.getLogger(__name__)

AUTH_TIMEOUT = 10.0  # the server closes a silent client after 10 s; we wait as long for its answers
REQUEST_TIMEOUT = 30.0  # a request answered by nobody on an open socket (never expected) fails after this
MAX_FRAME = 64 * 1024 * 1024  # a whole day's view can pass 1 MiB (the library's default limit)


class ProtocolError(Exception):
    """The server refused: `error` is its error body (`code`, `message` {uk, en}, `params`)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("code"))
        self.error = error
        self.code = str(error.get("code"))


class _Refused(Exception):
    """Authentication refused: retrying with the same credentials cannot help."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("code"))
        self.error = error


@dataclass
class _Pending:
    message: dict[str, Any]  # type, command_id and fields; the envelope id is new on every send
    future: asyncio.Future[dict[str, Any]]
    sent_on: int = 0  # the connection it was last sent on (0: not yet sent)


def ws_url(url: str) -> str:
    """`http://host:8080` (the server's address, as a user types it) -> `ws://host:8080/ws`; a ws URL is kept."""
    parts = urlsplit(url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path not in ("", "/") else "/ws"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


class Client:
    def __init__(self, url: str, auth: dict[str, Any], *, subscribe: bool = True,
                 on_change: Callable[[dict[str, Any]], None] | None = None,
                 on_status: Callable[[bool, dict[str, Any] | None], None] | None = None,
                 on_frame: Callable[[dict[str, Any]], None] | None = None,
                 max_delay: float = 10.0) -> None:
        self.url = ws_url(url)
        self.auth = dict(auth)  # after a PIN login: {"token": session_token}
        self.subscribe = subscribe
        self.on_change, self.on_status, self.on_frame = on_change, on_status, on_frame
        self.max_delay = max_delay
        self.view = HallView()
        self.identity: dict[str, Any] = {}
        self.online = False
        self.error: dict[str, Any] | None = None  # why the client stopped, if it did
        self._outbox: dict[str, _Pending] = {}  # command id -> pending, in the order they were made
        self._requests: dict[int, asyncio.Future[dict[str, Any]]] = {}  # envelope id -> its answer
        self._commands: dict[int, str] = {}  # envelope id -> command id, on the current connection
        self._ws: ClientConnection | None = None
        self._ids: Callable[[], int] = itertools.count(1).__next__
        self._connection = 0  # counts connections, so a command is sent once on each
        self._subscription: int | None = None
        self._ever_online = False
        self._sessions_online = 0  # connections that went online: an early drop is one that did not
        self._changed = asyncio.Event()
        self._started: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    # -- the API ----------------------------------------------------------------------------------
    @property
    def token(self) -> str | None:
        """The token this client authenticates with (the session token after a PIN login): for REST calls."""
        token = self.auth.get("token")
        return token if isinstance(token, str) else None

    async def start(self) -> None:
        """Connect in the background; return once authenticated (and, when subscribing, holding the view).

        A refused login raises ProtocolError (nothing is retried). An unreachable server is retried with
        backoff until it answers, so bound this with `asyncio.wait_for` where a person is waiting.
        """
        if self._task is not None:
            raise RuntimeError("the client is already started")
        self._started = asyncio.get_running_loop().create_future()
        self._task = asyncio.create_task(self._run(), name=f"cherha-client {self.url}")
        try:
            await asyncio.shield(self._started)
        except BaseException:
            self._started.cancel()  # nobody will read it now
            await self.close()
            raise

    async def request(self, type: str, **fields: Any) -> dict[str, Any]:
        """Send one message and return its result (a `pong` frame for `ping`); raises ProtocolError with the
        server's refusal, ConnectionError when offline or when the connection drops before the answer, and
        TimeoutError when no answer comes within the request timeout (30 s)."""
        ws = self._ws
        if ws is None or not self.online:
            raise ConnectionError("offline")
        msg_id = self._ids()
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._requests[msg_id] = future
        try:
            await ws.send(json.dumps({"id": msg_id, "type": type, **fields}, ensure_ascii=False))
            reply = await asyncio.wait_for(future, REQUEST_TIMEOUT)
        except ConnectionClosed as closed:
            raise ConnectionError("connection lost") from closed
        finally:
            self._requests.pop(msg_id, None)
        return _result(reply)

    async def command(self, type: str, *, command_id: str | None = None, **fields: Any) -> dict[str, Any]:
        """Send a command through the outbox and return its result: kept across reconnects until the server
        answers (then ProtocolError on a refusal). Raises ConnectionError only when the client is closed or
        stopped (a session logged out)."""
        if self._closing or self.error is not None:
            raise ConnectionError("the client is closed")
        command_id = command_id or uuid.uuid4().hex
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        pending = _Pending({"type": type, "command_id": command_id, **fields}, future)
        self._outbox[command_id] = pending
        try:
            if self.online:
                await self._send(command_id, pending)
            return _result(await future)
        finally:
            if self._outbox.get(command_id) is pending:
                del self._outbox[command_id]

    async def wait_for(self, predicate: Callable[[HallView], bool], timeout: float = 10.0) -> None:
        """Wait until the view satisfies `predicate` (checked now and after every view or patch);
        TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout):
            while not (self.view.ready and predicate(self.view)):
                if self._closing or self.error is not None:
                    raise ConnectionError("the client is closed")
                await self._changed.wait()

    async def close(self) -> None:
        """Stop for good: close the socket, fail what still waits with ConnectionError. Reports nothing."""
        self._closing = True
        ws, task = self._ws, self._task
        if ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ws.close(), 2.0)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5.0)
        self._went_offline(report=False)
        self._fail_all(ConnectionError("the client is closed"))

    # -- the connection ---------------------------------------------------------------------------
    def _reconnect_delays(self) -> Generator[float]:
        """The library's backoff, quicker to start than its default (a desk waits) and capped at max_delay."""
        return backoff(initial_delay=min(1.0, self.max_delay), min_delay=min(0.5, self.max_delay),
                       max_delay=self.max_delay)

    def _transient(self, exc: Exception) -> Exception | None:
        """websockets' `process_exception` hook: None retries, an exception stops the loop.

        Before the first success its default applies (network errors and 5xx are retried; an address that
        answers but is no WebSocket server is not). Once this client has worked, every failure is retried:
        a proxy's 403 during a restart must not leave a desk offline for good."""
        if self._closing:
            return exc
        return None if self._ever_online else transient_or_fatal(exc)

    async def _run(self) -> None:
        connections = connect(self.url, process_exception=self._transient, reconnect_delays=self._reconnect_delays,
                              max_size=MAX_FRAME, open_timeout=AUTH_TIMEOUT, close_timeout=2.0,
                              ping_interval=20, ping_timeout=20)
        # A session that the server accepted but ended before it went online (refused subscription, timeout
        # in the auth phase, closed at once): the library's backoff restarts after every accepted handshake,
        # so these get their own delays, or a server closing each new socket would be hammered.
        early_drops: Generator[float] | None = None
        try:
            async with contextlib.aclosing(_connections(connections)) as sockets:
                async for ws in sockets:
                    online_before = self._sessions_online
                    try:
                        await self._session(ws)
                    except (ConnectionClosed, TimeoutError, OSError, ValueError) as lost:
                        log.info("connection lost: %s", lost)
                    except _Refused as refused:
                        self._stop(refused.error)
                        return
                    finally:
                        self._ws = None
                        self._went_offline(report=not self._closing)
                    if self._closing:
                        return
                    if self._sessions_online != online_before:
                        early_drops = None
                    else:
                        early_drops = early_drops or self._reconnect_delays()
                        await asyncio.sleep(next(early_drops))
        except asyncio.CancelledError:
            raise
        except Exception as fatal:  # before ever connecting: not a WebSocket server (or a bad URL)
            log.warning("cannot connect to %s: %s", self.url, fatal)
            if self._closing:
                return
            if self._started is not None and not self._started.done():
                self._started.set_exception(fatal)
            else:
                self._stop({"code": "connection_failed", "params": {"reason": str(fatal)}})

    async def _session(self, ws: ClientConnection) -> None:
        """One connection: authenticate, subscribe, then read until it closes."""
        hello = json.loads(await asyncio.wait_for(ws.recv(), AUTH_TIMEOUT))
        if hello.get("type") != "auth_required":
            raise ValueError(f"unexpected first frame {hello.get('type')!r}")
        await ws.send(json.dumps({"type": "auth", **self.auth}, ensure_ascii=False))
        reply = json.loads(await asyncio.wait_for(ws.recv(), AUTH_TIMEOUT))
        if reply.get("type") != "auth_ok":
            error = reply.get("error") or {"code": "auth_invalid"}
            if self._started is not None and not self._started.done():
                self._started.set_exception(ProtocolError(error))
            raise _Refused(error)
        if "session_token" in reply:  # a PIN login: from now on the session token, never the PIN
            self.auth = {"token": reply["session_token"]}
        self.identity = {k: v for k, v in reply.items() if k not in ("type", "session_token")}
        self._connection += 1
        self._ids = itertools.count(1).__next__
        self._commands.clear()
        self._ws = ws
        if self.subscribe:
            self._subscription = self._ids()
            message: dict[str, Any] = {"id": self._subscription, "type": "subscribe"}
            if self.view.seq is not None:
                message["since"] = self.view.seq
            await ws.send(json.dumps(message))
        else:
            await self._went_online()
        async for text in ws:
            await self._receive(json.loads(text))

    async def _receive(self, message: dict[str, Any]) -> None:
        kind, msg_id = message.get("type"), message.get("id")
        if kind in ("view", "patch") and msg_id == self._subscription and self._subscription is not None:
            change = self.view.apply(message)
            if not self.online:
                await self._went_online()
            if change is not None:
                self._changed.set()
                self._changed = asyncio.Event()
                self._call(self.on_change, change)
            return
        if kind == "result" and isinstance(msg_id, int):
            if msg_id == self._subscription:
                if not message.get("success"):  # rate_limited, subscription_limit: try again later
                    log.warning("subscription refused: %s", message.get("error"))
                    if self._ws is not None:
                        await self._ws.close()
                return
            command_id = self._commands.pop(msg_id, None)
            if command_id is not None:
                pending = self._outbox.get(command_id)
                if pending is not None and not pending.future.done():
                    pending.future.set_result(message)
                return
        future = self._requests.pop(msg_id, None) if isinstance(msg_id, int) else None
        if future is not None:
            if not future.done():
                future.set_result(message)
            if kind == "result":
                return
        self._call(self.on_frame, message)  # pongs, visit_status, events, results nobody waits for

    async def _went_online(self) -> None:
        self.online = True
        self._ever_online = True
        self._sessions_online += 1
        if self._started is not None and not self._started.done():
            self._started.set_result(None)
        self._call(self.on_status, True, None)
        for command_id, pending in list(self._outbox.items()):  # what waited, in the order it was made
            if self._ws is None:
                break
            await self._send(command_id, pending)

    def _went_offline(self, *, report: bool) -> None:
        for future in self._requests.values():
            if not future.done():
                future.set_exception(ConnectionError("connection lost"))
        self._requests.clear()
        self._commands.clear()
        self._subscription = None
        if self.online:
            self.online = False
            if report:
                self._call(self.on_status, False, None)

    async def _send(self, command_id: str, pending: _Pending) -> None:
        ws = self._ws
        if ws is None or pending.sent_on == self._connection:
            return
        msg_id = self._ids()
        self._commands[msg_id] = command_id
        pending.sent_on = self._connection
        with contextlib.suppress(ConnectionClosed):  # it stays in the outbox and goes again after the reconnect
            await ws.send(json.dumps({"id": msg_id, **pending.message}, ensure_ascii=False))

    def _stop(self, error: dict[str, Any]) -> None:
        """Retrying cannot help (a session logged out, a token revoked): say why and fail what waits."""
        self.error = error
        log.warning("client stopped: %s", error.get("code"))
        if self._ever_online:  # a refusal of the first attempt is raised by start() instead
            self._call(self.on_status, False, error)
        self._fail_all(ProtocolError(error))

    def _fail_all(self, exc: Exception) -> None:
        for pending in self._outbox.values():
            if not pending.future.done():
                pending.future.set_exception(exc)
        for future in self._requests.values():
            if not future.done():
                future.set_exception(exc)
        if self._started is not None and not self._started.done():
            self._started.set_exception(exc)
        self._changed.set()  # wake wait_for, which then raises
        self._changed = asyncio.Event()

    @staticmethod
    def _call(callback: Callable[..., None] | None, *args: Any) -> None:
        if callback is None:
            return
        try:
            callback(*args)
        except Exception:  # a screen's bug must not break the connection
            log.exception("callback %r failed", callback)


async def _connections(connections: connect) -> AsyncGenerator[ClientConnection]:
    """The library's reconnecting iterator, as an async generator that `aclosing` can close on cancel."""
    async for ws in connections:
        yield ws


def _result(reply: dict[str, Any]) -> dict[str, Any]:
    if reply.get("type") == "pong":
        return reply
    if not reply.get("success"):
        raise ProtocolError(reply.get("error") or {"code": "unknown"})
    result: dict[str, Any] = reply.get("result") or {}
    return result


__all__ = ["Client", "ProtocolError", "ws_url"]
