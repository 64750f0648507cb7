"""The city's live view, pushed to supervisors over a WebSocket (`/api/city/ws`, docs/city.md "The live page").

One `LiveHub` per city server keeps every branch's latest summary in memory (bounded by the number of
branches: one summary each, at most MAX_SUMMARY_BYTES) and pushes to each connected page:

- the whole view when it connects (the same document as `GET /api/city/live`);
- one branch's entry when its summary arrives;
- one branch's entry when it passes the silence mark (STALE_SECONDS of the city's injected clock): a branch
  that stops talking flips to "no data" although nothing arrives, by a timer that looks at the city's clock
  once a second;
- the whole view again when the list of branches changes (added or revoked with `cherha city-branch`, read
  again every RELOAD_SECONDS).

A page that does not read cannot make the city hold more for it: what waits for a page is at most one entry
per branch (a newer summary replaces the one not yet sent: coalesced, never queued), and a send blocked for
SEND_SECONDS closes the connection (4008); the page reconnects and starts from the whole view.

The page authenticates with its first message, never in the address (addresses end up in logs and history):
`{"type": "auth", "token": "<city staff token>"}`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import WSMsgType, web

from queue_server.clock import Clock
from queue_server.passwords import token_hash
from queue_server.shipping.protocol import MAX_ALERT_TEXT, MAX_SUMMARY_ALERTS, STALE_SECONDS

from .errors import CityError, error_body
from .store import CityStore, Principal

WS_PATH = "/api/city/ws"

# Limits of the live socket (docs/city.md "The live page: limits").
MAX_CONNECTIONS = 200  # open live sockets in all, signed in or not: the next is refused (503) before upgrading
MAX_PER_TOKEN = 5  # live sockets per staff token (a supervisor's tabs and a wall screen): the next gets 4429
MAX_MESSAGE_BYTES = 4096  # one message from a page; larger: closed with 1009
AUTH_SECONDS = 10.0  # the first message (auth) must arrive within this; else 4401
SEND_SECONDS = 10.0  # one send blocked this long (a page that does not read): closed with 4008
TICK_SECONDS = 1.0  # how often the city's clock is looked at for branches falling silent
RELOAD_SECONDS = 30.0  # how often the list of branches is read again from PostgreSQL

CLOSE_CODES = {"bad_message": 4400, "unauthorized": 4401, "forbidden": 4403, "too_many_connections": 4429}

ALERT_KIND = re.compile(r"^[a-z_]{1,40}$")


def status_of(row: asyncpg.Record | dict[str, Any], now: datetime) -> str:
    heard: datetime | None = row["summary_received"]
    return "live" if heard is not None and now - heard <= timedelta(seconds=STALE_SECONDS) else "no_data"


def branch_entry(row: asyncpg.Record | dict[str, Any], now: datetime) -> dict[str, Any]:
    """One branch as the live view shows it: its latest summary, or "no_data" when it has not been heard from
    for STALE_SECONDS. A silent branch shows no figures at all, never old ones; only when it was last heard
    (by the city's clock, and the branch's own time of its last summary, to word "last heard at 10:15")."""
    heard: datetime | None = row["summary_received"]
    fresh = status_of(row, now) == "live"
    summary = json.loads(row["summary"]) if row["summary"] else None
    names = (row["name_uk"], row["name_en"])
    return {
        "branch": row["name"],
        "name": {"uk": names[0], "en": names[1] or names[0]} if names[0] else None,
        "status": "live" if fresh else "no_data",
        "last_heard": heard.isoformat() if heard else None,
        "last_summary_at": summary.get("at") if summary else None,
        "silent_seconds": int((now - heard).total_seconds()) if heard else None,
        "acked_seq": row["acked"],
        "summary": summary if fresh else None,
    }


def live_view(rows: list[Any], now: datetime) -> dict[str, Any]:
    return {"now": now.isoformat(), "stale_after_seconds": STALE_SECONDS,
            "branches": [branch_entry(row, now) for row in rows]}


def check_summary_fields(data: dict[str, Any]) -> None:
    """The live page's fields of a summary (`alerts`, `longest_wait_seconds`): optional, so that a branch of
    an older version is still shown; refused whole (400) when present and malformed."""
    longest = data.get("longest_wait_seconds")
    if longest is not None and (not isinstance(longest, int) or isinstance(longest, bool) or longest < 0):
        raise CityError(400, "invalid_summary", details="longest_wait_seconds: a whole number of seconds")
    alerts = data.get("alerts")
    if alerts is None:
        return
    if not isinstance(alerts, list) or len(alerts) > MAX_SUMMARY_ALERTS:
        raise CityError(400, "invalid_summary", details=f"alerts: a list of at most {MAX_SUMMARY_ALERTS}")
    for alert in alerts:
        if not isinstance(alert, dict) or not isinstance(alert.get("kind"), str) \
                or not ALERT_KIND.match(alert["kind"]):
            raise CityError(400, "invalid_summary", details="alerts: each {\"kind\": \"a_code\", ...}")
        for value in alert.values():
            if not (value is None or isinstance(value, bool | int | float)
                    or (isinstance(value, str) and len(value) <= MAX_ALERT_TEXT)):
                raise CityError(400, "invalid_summary",
                                details=f"alerts: parameters are numbers or texts up to {MAX_ALERT_TEXT} characters")


@dataclass(eq=False)
class Subscriber:
    """What waits to be sent to one page: the whole view, or the latest entry of each branch that changed."""

    token: str  # the token's hash, to count a token's sockets
    secret: str  # the token itself, in memory only: checked again every RELOAD_SECONDS (revoked: signed out)
    whole: bool = True
    revoked: bool = False
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    pong: bool = False
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.ready.set()  # the whole view goes first

    def put(self, name: str, entry: dict[str, Any]) -> None:
        if not self.whole:
            self.entries[name] = entry  # replaces one not yet sent: a slow page gets the latest, not a backlog
        self.ready.set()

    def everything(self) -> None:
        self.whole, self.entries = True, {}
        self.ready.set()


class LiveHub:
    def __init__(self, store: CityStore, clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.rows: dict[str, dict[str, Any]] = {}  # branch → its row (summary and when it came)
        self.shown: dict[str, str] = {}  # branch → the status last pushed ("live" / "no_data")
        self.subscribers: set[Subscriber] = set()
        self.sockets: set[web.WebSocketResponse] = set()  # every open live socket, signed in or not
        self.pending = 0  # sockets being opened (counted against MAX_CONNECTIONS before the upgrade)

    # -- what the branches send -----------------------------------------------------------------
    async def load(self) -> bool:
        """Every branch from PostgreSQL; True when the list of branches changed (the pages need it whole).
        Otherwise a branch whose summary is newer than the one held is pushed (none, while every summary
        reaches this process), and what the pages were last told stays as it is for `tick` to compare."""
        rows = {row["name"]: dict(row) for row in await self.store.branches()}
        if rows.keys() != self.rows.keys():
            self.rows = rows
            now = self.clock.now()
            self.shown = {name: status_of(row, now) for name, row in rows.items()}
            return True
        for name, row in rows.items():
            if row["summary_received"] != self.rows[name]["summary_received"]:
                self.rows[name] = row
                self._push(name)
        return False

    async def summary_arrived(self, name: str) -> None:
        """A branch's summary was stored: push its entry to every page."""
        row = await self.store.branch(name)
        if row is None:
            return
        self.rows[name] = dict(row)
        self._push(name)

    def _push(self, name: str) -> None:
        entry = branch_entry(self.rows[name], self.clock.now())
        self.shown[name] = entry["status"]
        for subscriber in self.subscribers:
            subscriber.put(name, entry)

    def view(self) -> dict[str, Any]:
        return live_view([self.rows[name] for name in sorted(self.rows)], self.clock.now())

    async def reload(self) -> None:
        """The branches read again; if the list changed (a branch added or revoked), every page gets it whole."""
        if await self.load():
            for subscriber in self.subscribers:
                subscriber.everything()

    def tick(self) -> None:
        """Branches whose status changed with the city's clock alone (fell silent) are pushed."""
        now = self.clock.now()
        for name, row in self.rows.items():
            if status_of(row, now) != self.shown.get(name):
                self._push(name)

    async def run(self, stop: asyncio.Event) -> None:
        since_reload = RELOAD_SECONDS  # the branches are read at once
        while not stop.is_set():
            if since_reload >= RELOAD_SECONDS:
                since_reload = 0.0
                try:
                    await self.reload()
                    await self._recheck_tokens()
                except (OSError, asyncpg.PostgresError) as exc:
                    logging.getLogger("cherha.city").warning("live view: branches not read again: %s", exc)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), TICK_SECONDS)
            self.tick()
            since_reload += TICK_SECONDS

    async def _recheck_tokens(self) -> None:
        """A page whose token was revoked since it signed in is signed out (one index probe per page)."""
        for subscriber in list(self.subscribers):
            who = await self.store.principal(subscriber.secret)
            if who is None or who.kind != "staff":
                subscriber.revoked = True
                subscriber.ready.set()

    # -- the pages ------------------------------------------------------------------------------
    async def close_all(self) -> None:
        """The city server stops: every page is told (1001, going away) and reconnects to the next one."""
        for ws in list(self.sockets):
            with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
                await asyncio.wait_for(ws.close(code=1001, message=b"city server stopping"), 2.0)

    def count(self, token: str) -> int:
        return sum(1 for s in self.subscribers if s.token == token)


async def live_socket(request: web.Request, hub: LiveHub) -> web.WebSocketResponse:
    """One supervisor's page: auth first, then the whole view, then what changes (module docstring)."""
    if len(hub.sockets) + hub.pending >= MAX_CONNECTIONS:
        raise CityError(503, "too_many_connections", limit=MAX_CONNECTIONS)
    ws = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES, heartbeat=30.0)
    hub.pending += 1
    try:
        await ws.prepare(request)
    finally:
        hub.pending -= 1
    hub.sockets.add(ws)
    try:
        subscriber = await _signed_in(ws, hub)
        if subscriber is None:
            return ws
        hub.subscribers.add(subscriber)
        sender = asyncio.create_task(_send(request, ws, hub, subscriber))
        try:
            await _read(ws, subscriber)
        finally:
            hub.subscribers.discard(subscriber)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
        if not ws.closed:
            await ws.close()
        return ws
    finally:
        hub.sockets.discard(ws)


async def _signed_in(ws: web.WebSocketResponse, hub: LiveHub) -> Subscriber | None:
    """The first message must be `{"type": "auth", "token": ...}` with a city staff token."""
    try:
        message = await asyncio.wait_for(ws.receive(), AUTH_SECONDS)
    except TimeoutError:
        await _refuse(ws, "unauthorized")
        return None
    if message.type != WSMsgType.TEXT:
        if message.type not in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            await _refuse(ws, "bad_message", details="a JSON text message")
        return None
    data = _parse(message.data)
    if data is None or data.get("type") != "auth":
        await _refuse(ws, "bad_message", details='the first message: {"type": "auth", "token": "..."}')
        return None
    token = data.get("token")
    who: Principal | None = None
    if isinstance(token, str) and 0 < len(token) <= 200:
        who = await hub.store.principal(token)
    if who is None:
        await _refuse(ws, "unauthorized")
        return None
    if who.kind != "staff":
        await _refuse(ws, "forbidden")
        return None
    assert isinstance(token, str)
    digest = token_hash(token)
    if hub.count(digest) >= MAX_PER_TOKEN:
        await _refuse(ws, "too_many_connections", limit=MAX_PER_TOKEN)
        return None
    await hub.reload()  # a page opened just after `cherha city-branch add` shows the new branch
    return Subscriber(digest, token)


async def _refuse(ws: web.WebSocketResponse, code: str, **params: Any) -> None:
    """A refusal in words (uk/en, city.toml), then the socket is closed with the code's close code."""
    with contextlib.suppress(ConnectionError, RuntimeError):
        await asyncio.wait_for(ws.send_str(json.dumps({"type": "error", **error_body(code, params)},
                                                      ensure_ascii=False)), SEND_SECONDS)
    with contextlib.suppress(ConnectionError, RuntimeError, TimeoutError):
        await asyncio.wait_for(ws.close(code=CLOSE_CODES[code], message=code.encode()), SEND_SECONDS)


def _parse(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


async def _read(ws: web.WebSocketResponse, subscriber: Subscriber) -> None:
    """After auth a page may only ping (`{"type": "ping"}` → `{"type": "pong"}`); anything else is refused."""
    async for message in ws:
        if message.type != WSMsgType.TEXT:
            return
        data = _parse(message.data)
        if data is None or data.get("type") != "ping":
            await _refuse(ws, "bad_message", details='after auth only {"type": "ping"}')
            return
        subscriber.pong = True  # one pong however many pings wait: a page that floods gets no queue
        subscriber.ready.set()


async def _send(request: web.Request, ws: web.WebSocketResponse, hub: LiveHub, subscriber: Subscriber) -> None:
    while True:
        await subscriber.ready.wait()
        subscriber.ready.clear()
        if subscriber.revoked:
            hub.subscribers.discard(subscriber)
            await _refuse(ws, "unauthorized")
            return
        frames: list[dict[str, Any]] = []
        if subscriber.whole:
            subscriber.whole = False
            frames.append({"type": "view", **hub.view()})
        entries, subscriber.entries = subscriber.entries, {}
        now = hub.clock.now().isoformat()
        frames += [{"type": "branch", "now": now, "branch": entry} for entry in entries.values()]
        if subscriber.pong:
            subscriber.pong = False
            frames.append({"type": "pong"})
        for frame in frames:
            try:
                await asyncio.wait_for(ws.send_str(json.dumps(frame, ensure_ascii=False)), SEND_SECONDS)
            except TimeoutError:
                # The page does not read: drop it rather than hold its view (it reconnects and starts whole).
                hub.subscribers.discard(subscriber)
                if request.transport is not None:
                    request.transport.abort()
                return
            except (ConnectionError, RuntimeError):
                return
