"""The city server's HTTP API (aiohttp): branches ship to it, city staff read the live view.

Every route is in `ROUTES` with who may call it; the token is checked (one index probe) before a body is
read, and a body is read within its route's limit. The city's clock is injected, as the hall's is: "no data"
after two minutes of silence is measured on it, never on the machine's time of day.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web

from queue_server.clock import Clock
from queue_server.config import ConfigError, hall_from_data
from queue_server.shipping.protocol import (
    CONFIG_PATH,
    CONFIG_VERSIONS_PATH,
    HALL_PATH,
    INGEST_PATH,
    LIVE_PATH,
    MAX_BATCH_BYTES,
    MAX_CATALOGUE_BYTES,
    MAX_HALL_BYTES,
    MAX_SUMMARY_BYTES,
    MAX_SUMMARY_SERVICES,
    POSITION_PATH,
    SUMMARY_PATH,
)

from . import config_api
from .aggregates import Aggregator
from .batch import parse_batch
from .errors import CityError, error_middleware, json_response
from .live import WS_PATH, LiveHub, check_summary_fields, live_socket, live_view
from .pages import attach_pages
from .public import (
    PUBLIC_SERVICES_PATH,
    PUBLIC_VIEW,
    PUBLIC_WAIT_PATH,
    attach_public,
    check_public_fields,
    public_services,
    public_wait,
)
from .reports_api import REPORT_CSV_PATH, REPORT_PATH, REPORT_XLSX_PATH, report, report_csv, report_xlsx
from .store import CityStore, Principal

DAILY_PATH = "/api/city/daily"
HEALTH_PATH = "/api/city/health"


@dataclass
class CityState:
    store: CityStore
    clock: Clock
    aggregator: Aggregator
    live: LiveHub


CITY_STATE = web.AppKey("city", CityState)


Handler = Callable[[web.Request, CityState, Principal, bytes], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    who: str  # "branch", "staff" or "anyone"
    max_bytes: int
    handler: Handler


async def position(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    acked, hall_known = await city.store.position(who.name)
    return json_response({"branch": who.name, "acked": acked, "hall_known": hall_known})


async def events(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    batch = parse_batch(body, who.name)
    acked, inserted = await city.store.ingest(who.name, batch)
    return json_response({"acked": acked, "received": len(batch), "inserted": inserted})


async def hall(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    data = _json_object(body, "invalid_hall")
    try:
        hall_from_data(data, f"branch {who.name}")
    except (ConfigError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise CityError(400, "invalid_hall", details=str(exc)[:300]) from None
    await city.store.put_hall(who.name, data, city.clock.now())
    return json_response({"ok": True})


async def summary(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    data = _json_object(body, "invalid_summary")
    services = data.get("services")
    if not isinstance(data.get("at"), str) or not isinstance(data.get("paused"), bool) \
            or not isinstance(data.get("desks"), dict) or not isinstance(services, dict):
        raise CityError(400, "invalid_summary", details="at, paused, desks and services are required")
    if len(services) > MAX_SUMMARY_SERVICES:
        raise CityError(400, "invalid_summary", details=f"at most {MAX_SUMMARY_SERVICES} services")
    check_summary_fields(data)
    check_public_fields(data)
    await city.store.put_summary(who.name, data, city.clock.now())
    request.app[PUBLIC_VIEW].summary_arrived()
    await city.live.summary_arrived(who.name)  # every open live page gets it now
    return json_response({"ok": True})


async def live(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    """Every branch: its latest summary, or "no_data" when it has not been heard from for two minutes."""
    return json_response(live_view(await city.store.branches(), city.clock.now()))


async def live_ws(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.StreamResponse:
    """The live page's WebSocket: it signs in with its first message (live.py), so the route is "anyone"."""
    return await live_socket(request, city.live)


async def daily(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    try:
        day = date.fromisoformat(request.query.get("day", ""))
    except ValueError:
        raise CityError(400, "invalid_batch", details="day: YYYY-MM-DD") from None
    rows = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in dict(r).items()}
            for r in await city.store.daily(day)]
    return json_response({"day": day.isoformat(), "rows": rows})


async def health(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    await city.store.pool.fetchval("SELECT 1")
    return json_response({"status": "ok"})


ROUTES = [
    Route("GET", POSITION_PATH, "branch", 0, position),
    Route("POST", INGEST_PATH, "branch", MAX_BATCH_BYTES, events),
    Route("PUT", HALL_PATH, "branch", MAX_HALL_BYTES, hall),
    Route("PUT", SUMMARY_PATH, "branch", MAX_SUMMARY_BYTES, summary),
    Route("GET", LIVE_PATH, "staff", 0, live),
    Route("GET", DAILY_PATH, "staff", 0, daily),
    Route("GET", HEALTH_PATH, "anyone", 0, health),
    Route("GET", PUBLIC_SERVICES_PATH, "anyone", 0, public_services),
    Route("GET", PUBLIC_WAIT_PATH, "anyone", 0, public_wait),
    # Configuration from the city (config_api.py).
    Route("POST", CONFIG_PATH, "staff", MAX_CATALOGUE_BYTES, config_api.publish),
    Route("GET", CONFIG_PATH, "branch", 0, config_api.current),
    Route("GET", CONFIG_VERSIONS_PATH, "staff", 0, config_api.versions),
    Route("GET", WS_PATH, "anyone", 0, live_ws),
    Route("GET", REPORT_PATH, "staff", 0, report),
    Route("GET", REPORT_CSV_PATH, "staff", 0, report_csv),
    Route("GET", REPORT_XLSX_PATH, "staff", 0, report_xlsx),
]


def _json_object(body: bytes, code: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CityError(400, code, details="not JSON") from None
    if not isinstance(data, dict):
        raise CityError(400, code, details="a JSON object")
    return data


async def _body(request: web.Request, limit: int) -> bytes:
    """The request's body, refused (413) past `limit` bytes whether or not it declared its length."""
    if request.content_length is not None and request.content_length > limit:
        raise CityError(413, "too_large", limit=limit)
    chunks, size = [], 0
    while chunk := await request.content.read(65536):
        size += len(chunk)
        if size > limit:
            raise CityError(413, "too_large", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _guarded(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        city = request.app[CITY_STATE]
        who = Principal("anyone", "")
        if route.who != "anyone":
            header = request.headers.get("Authorization", "")
            token = header[7:].strip() if header.startswith("Bearer ") else ""
            found = await city.store.principal(token) if 0 < len(token) <= 200 else None
            if found is None:
                raise CityError(401, "unauthorized")
            if found.kind != route.who:
                raise CityError(403, "forbidden")
            who = found
        return await route.handler(request, city, who, await _body(request, route.max_bytes))

    return handle


def create_city_app(store: CityStore, clock: Clock, aggregate_seconds: float = 5.0) -> web.Application:
    app = web.Application(middlewares=[error_middleware])
    aggregator = Aggregator(store.pool, aggregate_seconds)
    live = LiveHub(store, clock)
    app[CITY_STATE] = CityState(store, clock, aggregator, live)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, _guarded(route))
    attach_pages(app)
    attach_public(app, store, clock)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def start(_: web.Application) -> None:
        tasks.append(asyncio.create_task(aggregator.run(stop)))
        tasks.append(asyncio.create_task(live.run(stop)))

    async def cleanup(_: web.Application) -> None:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def shutdown(_: web.Application) -> None:
        await live.close_all()

    app.on_startup.append(start)
    app.on_shutdown.append(shutdown)
    app.on_cleanup.append(cleanup)
    return app
