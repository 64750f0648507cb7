"""How the simulator acts on a hall: through the real server's public protocol, or on the pure domain.

Both offer the same few verbs. The protocol driver is the real thing (a server on a port, kiosk and desks
over WebSocket, the clock moved by `set_clock`); the domain driver runs the same decisions in memory, for
the long statistical runs (Erlang C, dispatch comparisons) where the network would only add time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

import aiohttp

from ..clock import ManualClock
from ..domain import commands as cmd
from ..domain import events as ev
from ..domain.decide import Context, day_events, decide
from ..domain.errors import CherhaError
from ..domain.hall import Hall
from ..domain.state import HallState


class Driver(Protocol):
    async def open(self, desks: list[int]) -> None: ...
    async def set_time(self, moment: datetime) -> None: ...
    async def issue(self, service_id: str, priority_category: str | None = None) -> dict[str, Any] | None: ...
    async def desk(self, desk: int, action: str, **fields: Any) -> dict[str, Any] | None: ...
    async def hall(self, action: str) -> None: ...
    async def book(self, service_id: str, start: datetime, phone: str) -> str | None: ...
    async def check_in(self, code: str) -> dict[str, Any] | None: ...
    async def close(self) -> None: ...


class DomainDriver:
    """The pure domain in memory: the same `decide` and `apply` the server runs, nothing else."""

    def __init__(self, hall: Hall, start: datetime, predict: bool = True, state: HallState | None = None) -> None:
        # `state`: carry on from an earlier simulated day (what the hall learned survives the day's end).
        self.state = state or HallState(hall)
        self.predict, self.start = predict, start
        self.clock = ManualClock(start)
        self._tokens = (f"t{n}" for n in itertools.count())
        self._codes = itertools.count()
        self._person_bookings: dict[tuple[str, int, int], int] = {}

    def _do(self, command: cmd.Command) -> list[Any] | None:
        now = self.clock.now()
        for event in day_events(self.state, now):
            self.state.apply(event)
        try:
            context = Context(now, lambda: next(self._tokens), lambda: f"{self.start:%j}{next(self._codes):05d}",
                              self.predict)
            events = decide(self.state, command, context)
        except CherhaError:
            return None
        for event in events:
            self.state.apply(event)
        return events

    async def open(self, desks: list[int]) -> None:
        for number in desks:
            self._do(cmd.OpenDesk(actor=f"op{number:02d}", desk=number))

    async def set_time(self, moment: datetime) -> None:
        self.clock.set(moment)

    async def issue(self, service_id: str, priority_category: str | None = None) -> dict[str, Any] | None:
        events = self._do(cmd.IssueTicket(actor="sim-kiosk", service_id=service_id,
                                          priority_category=priority_category))
        return self._ticket(events[0]) if events else None

    async def desk(self, desk: int, action: str, **fields: Any) -> dict[str, Any] | None:
        factory = {"call_next": cmd.CallNext, "start_service": cmd.StartService, "finish": cmd.Finish,
                   "no_show": cmd.NoShow, "transfer": cmd.Transfer, "postpone": cmd.Postpone,
                   "desk_pause": cmd.PauseDesk, "desk_resume": cmd.ResumeDesk}[action]
        events = self._do(factory(actor=f"op{desk:02d}", desk=desk, **fields))
        if events is None:
            return None
        first = events[0] if events else None
        if isinstance(first, ev.VisitCalled):
            return {"visit": {"visit_id": first.visit_id}, "rule": first.rule}
        visit_id = getattr(first, "visit_id", None)
        return {"visit": {"visit_id": visit_id}} if visit_id else {}

    async def hall(self, action: str) -> None:
        self._do(cmd.PauseHall(actor="sim") if action == "hall_pause" else cmd.ResumeHall(actor="sim"))

    async def book(self, service_id: str, start: datetime, phone: str) -> str | None:
        month = (phone, start.year, start.month)  # the server counts this from its table; here, in memory
        events = self._do(cmd.BookSlot(actor="sim-web", service_id=service_id, start=start,
                                       person_bookings=self._person_bookings.get(month, 0)))
        if events:
            self._person_bookings[month] = self._person_bookings.get(month, 0) + 1
        return str(events[0].code) if events else None

    async def check_in(self, code: str) -> dict[str, Any] | None:
        events = self._do(cmd.CheckIn(actor="sim-kiosk", code=code))
        return self._ticket(events[0]) if events else None

    @staticmethod
    def _ticket(issued: ev.TicketIssued) -> dict[str, Any]:
        return {"visit_id": issued.visit_id, "ticket": issued.ticket, "ahead": issued.predicted_ahead,
                "estimated_wait_minutes": issued.predicted_wait_minutes}

    async def close(self) -> None:
        return None


Recover = Callable[[], Awaitable[None]]
NETWORK_ERRORS = (aiohttp.ClientError, ConnectionError, OSError, asyncio.TimeoutError, TypeError, RuntimeError)


class _Socket:
    """One authenticated WebSocket with request/answer matching.

    If the server goes away mid-request (a crash drill kills it), the socket asks `recover` to bring it
    back, signs in again and resends the very same message: the command id makes that safe, which is the
    guarantee a real kiosk or console relies on.
    """

    def __init__(self, http: aiohttp.ClientSession, url: str, auth: dict[str, Any], recover: Recover | None) -> None:
        self.http, self.url, self.auth, self.recover = http, url, auth, recover
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.ids = itertools.count(1)

    @classmethod
    async def connect(cls, http: aiohttp.ClientSession, url: str, recover: Recover | None = None,
                      **auth: Any) -> _Socket:
        socket = cls(http, url, auth, recover)
        await socket._open()
        return socket

    async def _open(self) -> None:
        self.ws = await self.http.ws_connect(self.url, max_msg_size=0)
        await self.ws.receive_json()
        await self.ws.send_json({"type": "auth", **self.auth})
        reply = await self.ws.receive_json()
        if reply["type"] != "auth_ok":
            raise PermissionError(f"simulation could not sign in: {reply}")
        self.ids = itertools.count(1)

    async def request(self, msg_type: str, command: bool = True, **fields: Any) -> dict[str, Any] | None:
        message: dict[str, Any] = {"type": msg_type, **fields}
        if command:
            message["command_id"] = uuid.uuid4().hex
        for attempt in range(100):
            try:
                return await self._exchange(message)
            except NETWORK_ERRORS:
                if self.recover is None or attempt == 99:
                    raise
                await self.recover()
                with contextlib.suppress(*NETWORK_ERRORS):
                    await self._open()
        raise ConnectionError("unreachable")

    async def _exchange(self, message: dict[str, Any]) -> dict[str, Any] | None:
        assert self.ws is not None
        msg_id = next(self.ids)
        await self.ws.send_str(json.dumps({**message, "id": msg_id}))
        while True:
            frame = await self.ws.receive()
            if frame.type != aiohttp.WSMsgType.TEXT:
                raise ConnectionError("the connection closed")
            reply = json.loads(frame.data)
            if reply.get("id") == msg_id and reply["type"] == "result":
                result: dict[str, Any] | None = reply["result"] if reply["success"] else None
                return result


class ProtocolDriver:
    """The real server: a kiosk, an admin (the clock, the air-raid pause) and every desk over WebSocket."""

    def __init__(self, url: str, kiosk_token: str, pin: str = "1111",
                 admin: tuple[str, str] = ("admin", "admin-demo"),
                 restart: Callable[[datetime], Awaitable[None]] | None = None) -> None:
        self.url = url.rstrip("/").replace("http", "ws", 1) + "/ws"
        self.kiosk_token, self.pin, self.admin_login = kiosk_token, pin, admin
        # A crash drill passes `restart`: bring the server back with its clock where the day had got to.
        self.restart = restart
        self.now: datetime | None = None
        self.http: aiohttp.ClientSession | None = None
        self.kiosk: _Socket | None = None
        self.admin: _Socket | None = None
        self.desks: dict[int, _Socket] = {}

    async def open(self, desks: list[int]) -> None:
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                          timeout=aiohttp.ClientTimeout(total=10))
        recover = self._recover if self.restart else None
        self.kiosk = await _Socket.connect(self.http, self.url, recover, token=self.kiosk_token)
        self.admin = await _Socket.connect(self.http, self.url, recover, login=self.admin_login[0],
                                           password=self.admin_login[1])
        sockets = await asyncio.gather(*[
            _Socket.connect(self.http, self.url, recover, login=f"op{n:02d}", password=self.pin, desk=n)
            for n in desks])
        self.desks = dict(zip(desks, sockets, strict=True))
        await asyncio.gather(*[s.request("desk_open") for s in self.desks.values()])

    async def _recover(self) -> None:
        assert self.restart is not None and self.now is not None
        await self.restart(self.now)

    async def set_time(self, moment: datetime) -> None:
        assert self.admin is not None
        if await self.admin.request("set_clock", command=False, at=moment.isoformat()) is None:
            raise PermissionError("the server refused set_clock: start it with --manual-clock")
        self.now = moment

    async def issue(self, service_id: str, priority_category: str | None = None) -> dict[str, Any] | None:
        assert self.kiosk is not None
        fields: dict[str, Any] = {"service_id": service_id}
        if priority_category:
            fields["priority_category"] = priority_category
        return await self.kiosk.request("issue_ticket", **fields)

    async def desk(self, desk: int, action: str, **fields: Any) -> dict[str, Any] | None:
        return await self.desks[desk].request(action, **fields)

    async def hall(self, action: str) -> None:
        assert self.admin is not None
        await self.admin.request(action)

    async def _rest(self, path: str, body: dict[str, Any], token: str | None) -> dict[str, Any] | None:
        assert self.http is not None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        base = self.url.replace("ws", "http", 1).removesuffix("/ws")
        body = {"command_id": uuid.uuid4().hex, **body}  # the same id on every retry
        for attempt in range(100):
            try:
                async with self.http.post(base + path, json=body, headers=headers) as response:
                    answer: dict[str, Any] = await response.json()
                    return answer if response.status < 300 else None
            except NETWORK_ERRORS:
                if self.restart is None or attempt == 99:
                    raise
                await self._recover()
        return None

    async def book(self, service_id: str, start: datetime, phone: str) -> str | None:
        answer = await self._rest("/api/bookings", {"service_id": service_id, "start": start.isoformat(),
                                                    "phone": phone}, None)
        return str(answer["booking"]["code"]) if answer else None

    async def check_in(self, code: str) -> dict[str, Any] | None:
        return await self._rest("/api/checkins", {"code": code}, self.kiosk_token)

    async def close(self) -> None:
        for socket in [self.kiosk, self.admin, *self.desks.values()]:
            if socket is not None and socket.ws is not None:
                with contextlib.suppress(*NETWORK_ERRORS):
                    await socket.ws.close()
        if self.http is not None:
            await self.http.close()
