"""How the simulator acts on a hall: through the real server's public protocol, or on the pure domain.

Both offer the same few verbs. The protocol driver is the real thing (a server on a port, kiosk and desks
over WebSocket, the clock moved by `set_clock`); the domain driver runs the same decisions in memory, for
the long statistical runs (Erlang C, dispatch comparisons) where the network would only add time.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Protocol

import aiohttp

from cherha_client import Client, ProtocolError

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


NETWORK_ERRORS = (aiohttp.ClientError, ConnectionError, OSError, asyncio.TimeoutError)


class _Peer:
    """One of the simulation's protocol clients (the kiosk, the admin, a desk): a cherha_client.Client, which
    reconnects by itself and keeps commands in its outbox until answered, and whether it is online now."""

    def __init__(self, url: str, auth: dict[str, Any], lost: Callable[[], None] | None, max_delay: float) -> None:
        self.online = asyncio.Event()
        self.lost = lost
        self.client = Client(url, auth, subscribe=False, on_status=self._status, max_delay=max_delay)

    def _status(self, online: bool, error: dict[str, Any] | None) -> None:
        if online:
            self.online.set()
            return
        self.online.clear()
        if error is None and self.lost is not None:
            self.lost()  # the connection dropped: a crash drill brings the server back

    async def command(self, msg_type: str, **fields: Any) -> dict[str, Any] | None:
        """A command through the outbox: across a crash it is resent with the same command id, so it is applied
        once. None when the hall refuses it (the simulation carries on, as a person at a desk would)."""
        try:
            return await self.client.command(msg_type, **fields)
        except ProtocolError:
            return None

    async def request(self, msg_type: str, **fields: Any) -> dict[str, Any] | None:
        """A query (not a command: no outbox); sent again once the client is back online."""
        for attempt in range(100):
            try:
                return await self.client.request(msg_type, **fields)
            except ProtocolError:
                return None
            except (TimeoutError, ConnectionError):
                if self.lost is None or attempt == 99:
                    raise
                await asyncio.sleep(0.05)  # let the client notice the drop before waiting for it to come back
                await asyncio.wait_for(self.online.wait(), 120)
        raise ConnectionError("unreachable")


class ProtocolDriver:
    """The real server: a kiosk, an admin (the clock, the air-raid pause) and every desk over WebSocket, each a
    cherha_client.Client like the real programs."""

    def __init__(self, url: str, kiosk_token: str, pin: str = "1111",
                 admin: tuple[str, str] = ("admin", "admin-demo"),
                 restart: Callable[[datetime], Awaitable[None]] | None = None) -> None:
        self.base = url.rstrip("/")
        self.kiosk_token, self.pin, self.admin_login = kiosk_token, pin, admin
        # A crash drill passes `restart`: bring the server back with its clock where the day had got to. Every
        # client that loses its connection asks for it (the drill's `restart` does it once per crash); the
        # clients reconnect by themselves and resend what was not answered.
        self.restart = restart
        self.now: datetime | None = None
        self.http: aiohttp.ClientSession | None = None
        self.kiosk: _Peer | None = None
        self.admin: _Peer | None = None
        self.desks: dict[int, _Peer] = {}
        self._recovering: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None

    def _peer(self, auth: dict[str, Any]) -> _Peer:
        lost = self._lost if self.restart else None
        return _Peer(self.base, auth, lost, max_delay=0.5 if self.restart else 10.0)

    async def open(self, desks: list[int]) -> None:
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                          timeout=aiohttp.ClientTimeout(total=10))
        self.kiosk = self._peer({"token": self.kiosk_token})
        self.admin = self._peer({"login": self.admin_login[0], "password": self.admin_login[1]})
        self.desks = {n: self._peer({"login": f"op{n:02d}", "password": self.pin, "desk": n}) for n in desks}
        peers = [self.kiosk, self.admin, *self.desks.values()]
        await asyncio.gather(*[peer.client.start() for peer in peers])
        await asyncio.gather(*[peer.command("desk_open") for peer in self.desks.values()])

    def _lost(self) -> None:
        task = asyncio.get_running_loop().create_task(self._recover())
        self._recovering.add(task)
        task.add_done_callback(self._recovered)

    def _recovered(self, task: asyncio.Task[None]) -> None:
        self._recovering.discard(task)
        if not task.cancelled() and task.exception() is not None and self._failure is None:
            self._failure = task.exception()  # the server could not be brought back: stop the day
            for peer in [self.kiosk, self.admin, *self.desks.values()]:
                if peer is not None:
                    task.get_loop().create_task(peer.client.close())

    async def _recover(self) -> None:
        if self.restart is not None and self.now is not None:
            await self.restart(self.now)

    def _check(self) -> None:
        if self._failure is not None:
            raise ConnectionError("the server could not be brought back") from self._failure

    async def set_time(self, moment: datetime) -> None:
        assert self.admin is not None
        self._check()
        if await self.admin.request("set_clock", at=moment.isoformat()) is None:
            raise PermissionError("the server refused set_clock: start it with --manual-clock")
        self.now = moment

    async def issue(self, service_id: str, priority_category: str | None = None) -> dict[str, Any] | None:
        assert self.kiosk is not None
        self._check()
        fields: dict[str, Any] = {"service_id": service_id}
        if priority_category:
            fields["priority_category"] = priority_category
        return await self.kiosk.command("issue_ticket", **fields)

    async def desk(self, desk: int, action: str, **fields: Any) -> dict[str, Any] | None:
        self._check()
        return await self.desks[desk].command(action, **fields)

    async def hall(self, action: str) -> None:
        assert self.admin is not None
        self._check()
        await self.admin.command(action)

    async def _rest(self, path: str, body: dict[str, Any], token: str | None) -> dict[str, Any] | None:
        """Bookings and check-ins are REST (as the booking page and the kiosk's scanner use them)."""
        assert self.http is not None
        self._check()
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = {"command_id": uuid.uuid4().hex, **body}  # the same id on every retry
        for attempt in range(100):
            try:
                async with self.http.post(self.base + path, json=body, headers=headers) as response:
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
        for peer in [self.kiosk, self.admin, *self.desks.values()]:
            if peer is not None:
                await peer.client.close()
        if self._recovering:  # a restart under way finishes, so the drill can stop the server it started
            await asyncio.wait(set(self._recovering), timeout=60)
        if self.http is not None:
            await self.http.close()
