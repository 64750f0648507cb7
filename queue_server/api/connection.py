"""One WebSocket client's side of the server: who it is, what it subscribed to, and its one outbox.

Every outgoing message goes through one outbox bounded in bytes and drained by one sender task, so
results, views and events keep their order and a client that stops reading fills only its own outbox;
when it is full the connection is closed (code 4008) and the client resumes later from its last sequence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web

from ..domain.errors import TooMany
from ..hub import Subscriber
from .auth import DEVICE_ROLES, Principal
from .connection_limits import EXPENSIVE_BURST, EXPENSIVE_PER_SECOND, Bucket, Outbox
from .errors import dumps, to_error
from .messages import MessageSpec
from .state import AppState

log = logging.getLogger(__name__)
CLOSE_TOO_SLOW = 4008
CLOSE_INTERNAL = 1011  # an answer could not be sent: closed rather than left silently dead


class Connection:
    def __init__(self, ws: web.WebSocketResponse, app: AppState, transport: Any, address: str = "") -> None:
        self.ws, self.app, self.transport, self.address = ws, app, transport, address
        self.session: str | None = None  # the operator session's token hash, for logout
        self.principal: Principal | None = None
        self.outgoing = Outbox(app.outgoing_bytes)
        app.outboxes.add(self.outgoing)
        self.expensive = Bucket(EXPENSIVE_BURST, EXPENSIVE_PER_SECOND)
        self.subscriptions: dict[int, tuple[str, Subscriber]] = {}  # id -> (message type, subscriber)
        self.last_id = 0
        self.sender: asyncio.Task[None] | None = None
        self.closing = False

    @property
    def staff(self) -> bool:
        """Kiosks, boards and visitors get the public views: no supervisor's messages, no booking codes."""
        return self.principal is not None and self.principal.role not in DEVICE_ROLES

    @property
    def as_principal(self) -> Principal:
        assert self.principal is not None, "handlers run after auth"
        return self.principal

    # -- life cycle -----------------------------------------------------------------------------
    def start_sending(self) -> None:
        self.sender = asyncio.create_task(self._send_loop())
        if self.principal is not None:
            self.app.client_roles[self.principal.role.value] += 1
        if self.principal is not None and self.principal.desk is not None:
            self.app.desk_connections[self.principal.desk] += 1

    def stop(self) -> None:
        if self.principal is not None and self.sender is not None:  # counted for /metrics when it started
            self.app.client_roles[self.principal.role.value] -= 1
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
        for _kind, subscriber in self.subscriptions.values():
            self.app.service.hub.unsubscribe(subscriber)
        self.subscriptions.clear()
        self.outgoing.clear()  # a client that left keeps nothing queued in the server
        if self.sender is not None:
            self.sender.cancel()

    # -- subscriptions ----------------------------------------------------------------------------
    def admit(self, spec: MessageSpec) -> None:
        """Refuse work one connection may not ask for: too many views, or one live subscription too many."""
        if spec.expensive and not self.expensive.take():
            raise TooMany("rate_limited", type=spec.type, per_second=int(EXPENSIVE_PER_SECOND))
        if spec.live_limit is not None:
            held = sum(1 for kind, _ in self.subscriptions.values() if kind == spec.type)
            if held >= spec.live_limit:
                raise TooMany("subscription_limit", type=spec.type, limit=spec.live_limit)

    def add_subscription(self, sub_id: int, kind: str, subscriber: Subscriber) -> int:
        """Register with the hub; returns the last sequence already published."""
        self.subscriptions[sub_id] = (kind, subscriber)
        return self.app.service.hub.subscribe(subscriber)

    def drop_subscription(self, sub_id: int) -> bool:
        held = self.subscriptions.pop(sub_id, None)
        if held is not None:
            self.app.service.hub.unsubscribe(held[1])
        return held is not None

    # -- outgoing -------------------------------------------------------------------------------
    def queue(self, text: str) -> bool:
        return self.outgoing.put(text)

    def send(self, payload: dict[str, Any]) -> None:
        self.send_text(dumps(payload))

    def send_text(self, text: str) -> None:
        if not self.queue(text):
            self.too_slow()

    def result(self, msg_id: int, result: dict[str, Any]) -> None:
        self.send({"id": msg_id, "type": "result", "success": True, "result": result})

    def error(self, msg_id: int | None, exc: BaseException) -> None:
        _status, body = to_error(exc)
        self.send({"id": msg_id, "type": "result", "success": False, "error": body})

    def too_slow(self) -> None:
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

