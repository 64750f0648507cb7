"""The one WebSocket endpoint: auth phase, `{id, type}` envelope, subscriptions, commands.

Per connection, every outgoing message goes through one outbox bounded in bytes and drained by one
sender task, so results and events keep their order and a client that stops reading fills only its own
outbox; when it is full the connection is closed (code 4008) and the client resumes later from its last
sequence. Expensive requests are rate-limited and subscriptions capped per connection (limits.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import datetime
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import ValidationError

from ..catalogue import error_body
from ..clock import ManualClock
from ..domain.errors import CherhaError, Forbidden, InvalidInput, Refused, TooMany, Unauthorized
from ..hub import Subscriber, encode_event
from ..passwords import token_hash
from ..views import dashboard
from .auth import DEVICE_ROLES, Principal
from .connection_limits import (
    EXPENSIVE_BURST,
    EXPENSIVE_PER_SECOND,
    MAX_FRAME_BYTES,
    REPLAY_MAX_BYTES,
    REPLAY_MAX_EVENTS,
    Bucket,
    Outbox,
)
from .errors import dumps, parse_json, to_error, validation_error
from .messages import SPECS, Message, SetClock, SubscribeEvents, UnsubscribeEvents, WatchVisit
from .state import APP_STATE, AppState

log = logging.getLogger(__name__)
AUTH_TIMEOUT = 10.0
CLOSE_TOO_SLOW = 4008
CLOSE_AUTH_FAILED = 4001
CLOSE_INTERNAL = 1011  # an answer could not be sent: closed rather than left silently dead
# Requests that build a whole view of the hall (a snapshot) on the event loop share one rate limit.
EXPENSIVE = frozenset({"get_state", "get_dashboard", "subscribe_events"})
# Live subscriptions one connection may hold at once: each costs work on every event for every client.
LIVE_SUBSCRIPTIONS = {"watch_visit": 1, "subscribe_events": 4}
PROTOCOL_VERSION = 1
MAX_ID = 2**53  # the largest integer every JSON client (JavaScript) keeps exact


async def websocket_handler(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=MAX_FRAME_BYTES)
    await ws.prepare(request)
    app: AppState = request.app[APP_STATE]
    connection = Connection(ws, app, request.transport, app.client(request))
    app.sockets.add(ws)
    try:
        await connection.run()
    finally:
        app.sockets.discard(ws)
        connection.stop()
    return ws


class Connection:
    def __init__(self, ws: web.WebSocketResponse, app: AppState, transport: Any, address: str = "") -> None:
        self.ws, self.app, self.transport, self.address = ws, app, transport, address
        self.session: str | None = None  # the operator session's token hash, for logout
        self.principal: Principal | None = None
        self.outgoing = Outbox(app.outgoing_bytes)
        app.outboxes.add(self.outgoing)
        self.expensive = Bucket(EXPENSIVE_BURST, EXPENSIVE_PER_SECOND)
        self.subscriptions: dict[int, Subscriber] = {}
        self.kinds: dict[int, str] = {}  # subscription id -> its message type (capped by LIVE_SUBSCRIPTIONS)
        self.last_id = 0
        self.sender: asyncio.Task[None] | None = None
        self.closing = False

    # -- life cycle -----------------------------------------------------------------------------
    async def run(self) -> None:
        await self.ws.send_json({"type": "auth_required", "version": PROTOCOL_VERSION})
        if not await self._authenticate():
            return
        self.sender = asyncio.create_task(self._send_loop())
        if self.principal is not None and self.principal.desk is not None:
            self.app.desk_connections[self.principal.desk] += 1
        async for frame in self.ws:
            if frame.type == WSMsgType.TEXT:
                await self._handle_text(frame.data)
            elif frame.type == WSMsgType.BINARY:
                self._error(None, InvalidInput("binary_not_supported"))
            elif frame.type == WSMsgType.ERROR:
                break
            if self.closing:
                break

    def stop(self) -> None:
        if self.principal is not None and self.principal.desk is not None and self.sender is not None:
            self.app.desk_connections[self.principal.desk] -= 1
            if self.app.desk_connections[self.principal.desk] <= 0:
                del self.app.desk_connections[self.principal.desk]
        if self.session is not None:
            sockets = self.app.session_sockets.get(self.session)
            if sockets is not None:
                sockets.discard(self.ws)
                if not sockets:
                    del self.app.session_sockets[self.session]
        for subscriber in self.subscriptions.values():
            self.app.service.hub.unsubscribe(subscriber)
        self.subscriptions.clear()
        self.kinds.clear()
        self.outgoing.clear()  # a client that left keeps nothing queued in the server
        if self.sender is not None:
            self.sender.cancel()

    async def _authenticate(self) -> bool:
        try:
            frame = await self.ws.receive(timeout=AUTH_TIMEOUT)
        except TimeoutError:
            await self._auth_failed(Unauthorized("auth_required"))
            return False
        if frame.type != WSMsgType.TEXT:
            await self._auth_failed(Unauthorized("auth_required"))
            return False
        try:
            data = parse_json(frame.data)
            if not isinstance(data, dict) or data.get("type") != "auth":
                raise Unauthorized("auth_required")
            token, login, secret, desk = (data.get(k) for k in ("token", "login", "password", "desk"))
            visit_token, booking_code = data.get("visit_token"), data.get("booking_code")
            if isinstance(visit_token, str) or isinstance(booking_code, str):
                self.principal = self.app.auth.visitor(
                    self.app.service.published, visit_token if isinstance(visit_token, str) else None,
                    booking_code if isinstance(booking_code, str) else None, self.address)
                session_token = None
            elif isinstance(token, str) and token:
                self.principal = await self.app.auth.by_token(token)
                session_token = None
                if self.principal.role not in DEVICE_ROLES:
                    self.session = token_hash(token)
            elif isinstance(login, str) and isinstance(secret, str) and (desk is None or _is_int(desk)):
                self.principal, session_token = await self.app.auth.login(login, secret, desk, self.address)
                self.session = token_hash(session_token)
            else:
                raise Unauthorized("auth_required")
            if self.session is not None:
                self.app.session_sockets[self.session].add(self.ws)
        except CherhaError as exc:
            await self._auth_failed(exc)
            return False
        reply: dict[str, Any] = {
            "type": "auth_ok",
            "version": PROTOCOL_VERSION,
            "role": self.principal.role.value,
            "name": self.principal.name,
            "desk": self.principal.desk,
        }
        if session_token is not None:
            reply["session_token"] = session_token
        try:
            await self.ws.send_json(reply)
        except ConnectionError:  # the client left before hearing it: nothing to serve
            return False
        return True

    async def _auth_failed(self, exc: CherhaError) -> None:
        with contextlib.suppress(ConnectionError):  # a client that already left needs no answer
            await self.ws.send_json({"type": "auth_invalid", "error": error_body(exc.code, exc.params)})
            await self.ws.close(code=CLOSE_AUTH_FAILED, message=b"auth failed")

    # -- outgoing -------------------------------------------------------------------------------
    def _queue(self, text: str) -> bool:
        return self.outgoing.put(text)

    def _send(self, payload: dict[str, Any]) -> None:
        if not self._queue(dumps(payload)):
            self._too_slow()

    def _error(self, msg_id: int | None, exc: BaseException) -> None:
        _status, body = to_error(exc)
        self._send({"id": msg_id, "type": "result", "success": False, "error": body})

    async def _send_loop(self) -> None:
        while True:
            text = await self.outgoing.get()
            try:
                await self.ws.send_str(text)
            except (ConnectionResetError, RuntimeError):
                return
            except Exception:
                # Never leave a connection that no longer answers: close it so the client reconnects.
                log.exception("could not send to a client")
                self.closing = True
                with contextlib.suppress(Exception):
                    await self.ws.close(code=CLOSE_INTERNAL, message=b"internal error")
                return

    def _too_slow(self) -> None:
        if self.closing:
            return
        self.closing = True
        log.warning("closing a slow client", extra={"client": self.principal and self.principal.name})
        asyncio.get_running_loop().create_task(self._close_slow())

    async def _close_slow(self) -> None:
        if self.sender is not None:
            self.sender.cancel()
        try:
            await asyncio.wait_for(self.ws.close(code=CLOSE_TOO_SLOW, message=b"too slow"), 1.0)
        except (TimeoutError, ConnectionResetError, RuntimeError):
            if self.transport is not None:
                self.transport.abort()  # its socket buffer is full: drop it rather than wait

    # -- incoming -------------------------------------------------------------------------------
    async def _handle_text(self, text: str) -> None:
        try:
            data = parse_json(text)
        except CherhaError as exc:
            self._error(None, exc)
            return
        if not isinstance(data, dict):
            self._error(None, InvalidInput("invalid_json"))
            return
        msg_id = data.get("id")
        if not isinstance(msg_id, int) or isinstance(msg_id, bool) or not 1 <= msg_id <= MAX_ID:
            self._error(None, InvalidInput("invalid_message", details="id: an integer from 1 to 2^53 is required"))
            return
        if msg_id <= self.last_id:
            self._error(msg_id, InvalidInput("id_not_increasing"))
            return
        self.last_id = msg_id
        msg_type = data.get("type")
        spec = SPECS.get(msg_type) if isinstance(msg_type, str) else None
        if spec is None:
            self._error(msg_id, InvalidInput("unknown_type", type=str(msg_type)[:40]))
            return
        assert self.principal is not None
        if self.principal.role not in spec.roles:
            self._error(msg_id, Forbidden("forbidden_for_role", role=self.principal.role.value, type=msg_type))
            return
        try:
            self._admit(str(msg_type))
            message = spec.model.model_validate(data)
            result = await self._dispatch(message, spec.build)
        except ValidationError as exc:
            self._error(msg_id, validation_error(exc))
            return
        except Exception as exc:
            self._error(msg_id, exc)
            return
        if result is not None:
            self._send({"id": msg_id, "type": "result", "success": True, "result": result})

    def _admit(self, msg_type: str) -> None:
        """Refuse work one connection may not ask for: too many views, or a second live subscription."""
        if msg_type in EXPENSIVE and not self.expensive.take():
            raise TooMany("rate_limited", type=msg_type, per_second=int(EXPENSIVE_PER_SECOND))
        allowed = LIVE_SUBSCRIPTIONS.get(msg_type)
        if allowed is not None and sum(1 for kind in self.kinds.values() if kind == msg_type) >= allowed:
            raise TooMany("subscription_limit", type=msg_type, limit=allowed)

    async def _dispatch(self, message: Message, build: Any) -> dict[str, Any] | None:
        assert self.principal is not None
        service = self.app.service
        if message.type == "ping":
            self._send({"id": message.id, "type": "pong"})
            return None
        if message.type == "get_state":
            return service.snapshot()
        if isinstance(message, SetClock):
            return self._set_clock(message.at)
        if message.type == "get_dashboard":
            now = service.now()
            return dashboard(service.published, now, service.devices, set(self.app.desk_connections),
                             time.monotonic(), service.quotes.for_services(service.published, now))
        if isinstance(message, WatchVisit):
            self._watch_visit(message.id)
            return None
        if isinstance(message, SubscribeEvents):
            await self._subscribe(message)
            return None
        if isinstance(message, UnsubscribeEvents):
            subscriber = self.subscriptions.pop(message.subscription, None)
            self.kinds.pop(message.subscription, None)
            if subscriber is None:
                raise InvalidInput("unknown_subscription", subscription=message.subscription)
            service.hub.unsubscribe(subscriber)
            return {}
        command = build(message, self.principal)
        result: dict[str, Any] = await service.execute(command, getattr(message, "command_id", None))
        return result

    async def _subscribe(self, message: SubscribeEvents) -> None:
        """Snapshot (or replay from `since`) first, then live events, with nothing lost between them.

        Registration and reading the last published sequence happen without an await between them;
        live events that arrive during the replay are held back and sent after it.
        """
        service, sub_id = self.app.service, message.id
        held: list[tuple[int, str]] = []
        live = False

        def deliver(seq: int, body: str) -> bool:
            if not live:
                held.append((seq, body))
                return True
            return self._queue(_event_frame(sub_id, seq, body))

        public = self.principal is not None and self.principal.role in DEVICE_ROLES
        subscriber = Subscriber(deliver=deliver, on_overflow=self._too_slow, public=public)
        upto = service.hub.subscribe(subscriber)
        self.subscriptions[sub_id] = subscriber
        self.kinds[sub_id] = message.type
        replay = None
        # A gap of any size can be resumed: a small one is replayed, a large one (a board off all
        # morning, `since: 0` on a busy day) is answered with a snapshot, which fits any outbox.
        if message.since is not None and upto - message.since <= REPLAY_MAX_EVENTS:
            replay = await service.events_between(message.since, upto)
        bodies = [] if replay is None else [encode_event(record.payload, public) for record in replay]
        if sum(len(body) for body in bodies) > REPLAY_MAX_BYTES:
            replay, bodies = None, []
        if replay is None:
            # The published state is exactly at hub.last_seq (which may have passed `upto` if a
            # replay read was awaited): held events up to it are already in the snapshot.
            snapshot = service.snapshot()
            upto = snapshot["seq"]
            held[:] = [(seq, body) for seq, body in held if seq > upto]
            self._send({"id": sub_id, "type": "result", "success": True,
                        "result": {"subscription": sub_id, "seq": upto, "snapshot": snapshot}})
        else:
            self._send({"id": sub_id, "type": "result", "success": True,
                        "result": {"subscription": sub_id, "seq": message.since, "replay": len(replay)}})
            for record, body in zip(replay, bodies, strict=True):
                self._send_event(sub_id, record.seq, body)
        for seq, body in held:
            self._send_event(sub_id, seq, body)
        live = True

    def _set_clock(self, at: str) -> dict[str, Any]:
        clock = self.app.service.clock
        if not self.app.clock_control or not isinstance(clock, ManualClock):
            raise Refused("clock_not_manual")
        try:
            moment = datetime.fromisoformat(at)
        except ValueError:
            raise InvalidInput("invalid_message", details="at: an ISO date-time") from None
        if moment.tzinfo is None or moment < clock.now():
            raise InvalidInput("invalid_message", details="at: with a time zone, and not in the past")
        clock.set(moment)
        return {"now": clock.now().isoformat()}

    def _watch_visit(self, sub_id: int) -> None:
        """A visitor's page: the visit's status now, then again whenever it changes."""
        service = self.app.service
        assert self.principal is not None
        ref = self.principal.name
        last: list[str] = [""]

        def push() -> bool:
            status = service.visitor_status(ref)
            text = json.dumps(status, ensure_ascii=False, sort_keys=True)
            if text == last[0]:
                return True
            last[0] = text
            return self._queue(f'{{"id":{sub_id},"type":"visit_status","status":{text}}}')

        subscriber = Subscriber(deliver=lambda _seq, _body: push(), on_overflow=self._too_slow, public=True)
        service.hub.subscribe(subscriber)
        self.subscriptions[sub_id] = subscriber
        self.kinds[sub_id] = "watch_visit"
        self._send({"id": sub_id, "type": "result", "success": True, "result": {"subscription": sub_id}})
        push()

    def _send_event(self, sub_id: int, seq: int, body: str) -> None:
        if not self._queue(_event_frame(sub_id, seq, body)):
            self._too_slow()


def _event_frame(sub_id: int, seq: int, body: str) -> str:
    return f'{{"id":{sub_id},"type":"event","seq":{seq},"event":{body}}}'


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
