"""The city's public API: for a service, every branch offering it, its predicted wait now and its soonest free
booking slot. No token: anyone may ask, so nothing here grows with history.

What it serves is a **cached view** built from the branches' latest live summaries only (one row per branch):
it is rebuilt when a summary has arrived since it was built (at most once a second, however many arrive) or
when a branch it showed as live falls silent, and is kept as ready-encoded JSON, one body per service. A request
costs a dictionary look-up and a token from its client address's bucket (`queue_server/api/limits.py`).

A branch is listed with its public facts (its name, address, map position and booking page, from its summary)
even while it is silent; its figures never are: "no data" is told as such, never as stale numbers, and such a
branch is never the page's choice. The same service id at different branches is the same service (the city's
catalogue uses one id per service across its halls); its name is the one the first branch (by name) gives it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web

from queue_server.api.limits import Bucket, Rate
from queue_server.clock import Clock
from queue_server.shipping.protocol import MAX_PUBLIC_TEXT, STALE_SECONDS

from .errors import CityError
from .store import CityStore

PUBLIC_SERVICES_PATH = "/api/city/public/services"
PUBLIC_WAIT_PATH = "/api/city/public/wait"

# Per client address: 60 requests at once, then one every half second. The page asks once every 15 s, so
# this is room for many phones behind one mobile operator's address, and a flood costs only dictionary look-ups.
PUBLIC_RATE = Rate(burst=60, per_seconds=0.5)
MAX_CLIENTS = 10_000  # addresses remembered by the rate limit (the least recently seen is forgotten)
REBUILD_SECONDS = 1.0  # the view is rebuilt at most this often (summaries from many branches arrive apart)
SERVICE_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")  # as the hall file's ids (queue_server/config.py)


# -- checking what a branch sends ----------------------------------------------------------------------------
def check_public_fields(summary: dict[str, Any]) -> None:
    """The summary's parts the public page shows, checked before the city keeps it (400 `invalid_summary`).
    They are optional, for a branch running an older Cherha: such a branch is left out of the public page."""
    centre = summary.get("centre")
    if centre is not None:
        if not isinstance(centre, dict):
            raise _invalid("centre: an object")
        _text(centre.get("name"), "centre.name", required=True)
        _text(centre.get("address"), "centre.address", required=False)
        _location(centre.get("location"))
        if not isinstance(centre.get("open"), bool):
            raise _invalid("centre.open: true or false")
        url = centre.get("booking_url")
        if not isinstance(url, str) or len(url) > MAX_PUBLIC_TEXT or (url and not url.startswith(("https://", "http://"))):
            raise _invalid("centre.booking_url: an http(s) address or empty")
    for sid, figures in summary["services"].items():
        if not SERVICE_ID.match(sid) or not isinstance(figures, dict):
            raise _invalid(f"services: {sid[:70]!r} is not a service id with an object")
        _text(figures.get("name"), f"services.{sid}.name", required=False)
        if "open" in figures and not isinstance(figures["open"], bool):
            raise _invalid(f"services.{sid}.open: true or false")
        wait = figures.get("estimated_wait_minutes")
        if wait is not None and (not isinstance(wait, int) or isinstance(wait, bool) or not 0 <= wait <= 100_000):
            raise _invalid(f"services.{sid}.estimated_wait_minutes: a whole number of minutes or null")
        slot = figures.get("soonest_slot")
        if slot is not None and not _moment(slot):
            raise _invalid(f"services.{sid}.soonest_slot: a date and time with its offset, or null")


def _invalid(details: str) -> CityError:
    return CityError(400, "invalid_summary", details=details)


def _text(value: Any, where: str, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, dict) or not all(isinstance(value.get(k), str) and len(value[k]) <= MAX_PUBLIC_TEXT
                                              for k in ("uk", "en")) or not value["uk"].strip():
        raise _invalid(f"{where}: {{\"uk\": ..., \"en\": ...}}, at most {MAX_PUBLIC_TEXT} characters each")


def _location(value: Any) -> None:
    if value is None:
        return
    try:
        latitude, longitude = float(value["latitude"]), float(value["longitude"])
    except (TypeError, KeyError, ValueError):
        raise _invalid("centre.location: latitude and longitude in degrees") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # NaN fails too
        raise _invalid("centre.location: latitude -90..90, longitude -180..180")


def _moment(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 40:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


# -- the cached view -----------------------------------------------------------------------------------------
@dataclass
class _Built:
    services: bytes  # the body of PUBLIC_SERVICES_PATH
    by_service: dict[str, bytes]  # the body of PUBLIC_WAIT_PATH per service id
    until: datetime | None  # a branch shown live falls silent then (the city's clock): rebuild
    at: float  # time.monotonic() of the build


@dataclass
class PublicView:
    store: CityStore
    clock: Clock
    generation: int = 0  # bumped by every summary the city accepts
    _built: _Built | None = None
    _built_generation: int = -1
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    clients: Bucket = field(default_factory=lambda: Bucket(PUBLIC_RATE, time.monotonic, MAX_CLIENTS))

    def summary_arrived(self) -> None:
        self.generation += 1

    async def current(self) -> _Built:
        if not self._fresh():
            async with self._lock:  # one rebuild at a time; those who waited get its result
                if not self._fresh():
                    generation = self.generation
                    self._built = build(await self.store.branches(), self.clock.now())
                    self._built_generation = generation
        assert self._built is not None
        return self._built

    def _fresh(self) -> bool:
        built = self._built
        if built is None:
            return False
        if built.until is not None and self.clock.now() > built.until:
            return False  # a branch shown live is silent now: never serve its figures as current
        return self._built_generation == self.generation or time.monotonic() - built.at < REBUILD_SECONDS


def build(rows: list[Any], now: datetime) -> _Built:
    """The public view from the branches' rows (name, summary, summary_received): per service, every branch
    that offers it, with its figures while it is live."""
    stale_after = timedelta(seconds=STALE_SECONDS)
    names: dict[str, dict[str, str]] = {}
    entries: dict[str, list[dict[str, Any]]] = {}
    until: datetime | None = None
    for row in rows:
        if row["summary"] is None:
            continue  # never heard from: nothing to name it by
        summary = json.loads(row["summary"])
        centre = summary.get("centre")
        if centre is None:
            continue  # an older branch without public facts
        heard: datetime = row["summary_received"]
        live = now - heard <= stale_after
        if live:
            until = min(until or heard + stale_after, heard + stale_after)
        for sid, figures in summary["services"].items():
            if figures.get("name") is None:
                continue
            names.setdefault(sid, figures["name"])
            entries.setdefault(sid, []).append(_branch_entry(row["name"], centre, sid, figures, summary, live))
    services = [{"id": sid, "name": names[sid], "branches": len(entries[sid])}
                for sid in sorted(names, key=lambda s: (names[s]["uk"], s))]
    by_service = {sid: _encode({"service": {"id": sid, "name": names[sid]}, "now": now.isoformat(),
                                "stale_after_seconds": STALE_SECONDS, "branches": entries[sid]})
                  for sid in names}
    return _Built(_encode({"now": now.isoformat(), "services": services}), by_service, until, time.monotonic())


def _branch_entry(branch: str, centre: dict[str, Any], sid: str, figures: dict[str, Any], summary: dict[str, Any],
                  live: bool) -> dict[str, Any]:
    facts = {"branch": branch, "name": centre["name"], "address": centre.get("address"),
             "location": centre.get("location"), "status": "live" if live else "no_data",
             "booking_url": _booking_link(centre.get("booking_url", ""), sid)}
    if not live:  # its figures are not current: none at all, never old ones
        return {**facts, "open": None, "paused": None, "waiting": None, "estimated_wait_minutes": None,
                "soonest_slot": None}
    return {**facts, "open": bool(figures.get("open", centre["open"])), "paused": bool(summary["paused"]),
            "waiting": figures.get("waiting"), "estimated_wait_minutes": figures.get("estimated_wait_minutes"),
            "soonest_slot": figures.get("soonest_slot")}


def _booking_link(url: str, sid: str) -> str:
    return f"{url}?service={sid}" if url else ""


def _encode(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


# -- the routes (anyone) -------------------------------------------------------------------------------------
PUBLIC_VIEW = web.AppKey("city_public", PublicView)


def attach_public(app: web.Application, store: CityStore, clock: Clock) -> None:
    app[PUBLIC_VIEW] = PublicView(store, clock)


def client_address(request: web.BaseRequest) -> str:
    """The visitor's address. Behind the documented TLS proxy on the same machine (docs/city.md), the peer is
    loopback and the visitor is the last address the proxy appended to X-Forwarded-For; from any other peer the
    header is ignored (a visitor could write anything there)."""
    peer = request.remote or ""
    try:
        loopback = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        loopback = False
    forwarded = request.headers.get("X-Forwarded-For", "")
    if loopback and forwarded:
        return forwarded.rsplit(",", 1)[-1].strip()[:64]
    return peer


def _throttle(request: web.Request) -> None:
    view = request.app[PUBLIC_VIEW]
    key = client_address(request)
    wait = view.clients.wait(key)
    if wait > 0:
        raise CityError(429, "too_many_requests", seconds=wait)
    view.clients.take(key)


def _json(body: bytes) -> web.Response:
    # A few seconds in a shared cache are harmless (the summaries come every 5 s) and spare the city a crowd.
    return web.Response(body=body, content_type="application/json", charset="utf-8",
                        headers={"Cache-Control": "public, max-age=5"})


async def public_services(request: web.Request, city: Any, who: Any, body: bytes) -> web.Response:
    _throttle(request)
    return _json((await request.app[PUBLIC_VIEW].current()).services)


async def public_wait(request: web.Request, city: Any, who: Any, body: bytes) -> web.Response:
    _throttle(request)
    sid = request.query.get("service", "")
    if not SERVICE_ID.match(sid):
        raise CityError(400, "invalid_service", service=sid[:70])
    found = (await request.app[PUBLIC_VIEW].current()).by_service.get(sid)
    if found is None:
        raise CityError(404, "unknown_service", service=sid)
    return _json(found)

