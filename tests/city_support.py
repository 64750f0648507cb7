"""Test support for the city: a real PostgreSQL in a temporary directory (city_server/testing_pg.py, shared with
the benchmarks), the city server and branch servers on loopback ports, and an HTTP proxy between them that
delays, duplicates and loses replies.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import random
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from city_server.app import create_city_app
from city_server.store import CityStore
from queue_server.api.app import create_app
from queue_server.api.state import APP_STATE
from queue_server.clock import ManualClock
from queue_server.config import DEMO_HALL, load_hall
from queue_server.shipping.config import CitySettings
from queue_server.shipping.protocol import INGEST_PATH
from queue_server.store import EventStore

from .process import free_port
from .support import Server, demo_hall

# The city's clock at the start of every city test (the manual clock: "no data" is measured on it).
CITY_START = datetime(2026, 11, 24, 6, 0, tzinfo=ZoneInfo("UTC"))


@dataclass
class City:
    """The city server on a fixed loopback port: it can be stopped and started again (the city is down)."""

    dsn: str
    clock: ManualClock
    port: int = field(default_factory=free_port)
    store: CityStore | None = None
    runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> City:
        self.store = await CityStore.open(self.dsn)
        self.runner = web.AppRunner(create_city_app(self.store, self.clock, aggregate_seconds=0.1), access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True).start()
        return self

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None
        if self.store is not None:
            await self.store.close()
            self.store = None

    async def branch_token(self, name: str) -> str:
        assert self.store is not None
        return await self.store.add_branch(name, self.clock.now())

    async def staff_token(self) -> str:
        assert self.store is not None
        return await self.store.add_staff("city-supervisor", self.clock.now())


class ChaosProxy:
    """An HTTP proxy from the branches to the city that misbehaves like a bad network, by a seeded draw:
    it delays requests, sends some twice (the copy arrives too, its answer goes nowhere), and loses some
    answers (the city did the work, the branch never hears). `hold` keeps every request waiting until it is
    released (a test can kill a branch while its batch is on the way)."""

    def __init__(self, target: str, seed: int = 18, delay: float = 0.03, duplicate: float = 0.2,
                 lose_reply: float = 0.15, hold_path: str | None = None) -> None:
        self.target, self.delay, self.duplicate, self.lose_reply = target, delay, duplicate, lose_reply
        self.hold_path = hold_path  # only requests to this path are held while `hold` is clear
        # The next this many batches that reach the proxy are sent twice / lose their answer, whatever the draw
        # (a test that must see both happen does not depend on how many requests a run happens to make).
        self.force_duplicate = 0
        self.force_lose_reply = 0
        self.random = random.Random(seed)
        self.port = 0
        self.counts: dict[str, int] = {"requests": 0, "duplicated": 0, "replies_lost": 0, "failed": 0}
        self.paths: collections.Counter[str] = collections.Counter()  # requests by path, as the branches sent them
        self.hold = asyncio.Event()
        self.hold.set()
        self.waiting = 0  # requests held now
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._copies: set[asyncio.Task[Any]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> ChaosProxy:
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        app = web.Application(client_max_size=8 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def _send(self, request: web.Request, body: bytes) -> tuple[int, bytes, str]:
        assert self._http is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        async with self._http.request(request.method, self.target + request.path_qs, data=body,
                                      headers=headers) as response:
            return response.status, await response.read(), response.content_type

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        self.counts["requests"] += 1
        self.paths[request.path] += 1
        body = await request.read()
        if self.hold_path is None or request.path == self.hold_path:
            self.waiting += 1
            try:
                await self.hold.wait()
            finally:
                self.waiting -= 1
        await asyncio.sleep(self.random.uniform(0, self.delay))
        batch = request.path == INGEST_PATH
        if (batch and self.force_duplicate > 0) or self.random.random() < self.duplicate:
            self.force_duplicate -= batch and self.force_duplicate > 0
            self.counts["duplicated"] += 1
            copy = asyncio.create_task(self._send(request, body))
            self._copies.add(copy)
            copy.add_done_callback(lambda task: (self._copies.discard(task), task.exception()))
        try:
            status, data, content_type = await self._send(request, body)
        except (aiohttp.ClientError, TimeoutError):
            self.counts["failed"] += 1  # the city is down: the branch sees the connection end
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=502)
        if (batch and self.force_lose_reply > 0) or self.random.random() < self.lose_reply:
            self.force_lose_reply -= batch and self.force_lose_reply > 0
            self.counts["replies_lost"] += 1
            assert request.transport is not None
            request.transport.abort()
            return web.Response(status=502)
        return web.Response(status=status, body=data, content_type=content_type)

    async def close(self) -> None:
        self.hold.set()
        for copy in list(self._copies):
            copy.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()


@contextlib.asynccontextmanager
async def running_branch(data_dir: Path, city_url: str, branch: str, token: str, start: datetime,
                         summary_seconds: float = 0.3, summary_on_change: bool = True,
                         config_seconds: float = 60.0, hall_file: Path = DEMO_HALL) -> AsyncIterator[Server]:
    """A hall server (the demo hall, or `hall_file`) that is a branch of the city at `city_url`, on a loopback
    port (`config_seconds`: how often it asks the city for its configuration version)."""
    clock = ManualClock(start)
    store = EventStore(data_dir / "cherha.sqlite3")
    settings = CitySettings(city_url, branch, token, summary_seconds=summary_seconds, retry_max_seconds=0.5,
                            summary_on_change=summary_on_change, config_seconds=config_seconds)
    hall = demo_hall() if hall_file == DEMO_HALL else load_hall(hall_file)
    app = create_app(hall, store, clock, city=settings, hall_file=hall_file)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Server(f"http://127.0.0.1:{port}", app, store, clock, runner)
    finally:
        await runner.cleanup()


def branch_log(path: Path) -> list[tuple[int, str, datetime]]:
    """A branch's own log (seq, type, hall time), read-only: what the city's copy must equal event by event."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [(seq, kind, datetime.fromisoformat(at)) for seq, kind, at in
                db.execute("SELECT seq, type, at FROM events ORDER BY seq")]
    finally:
        db.close()


def shipper(server: Server) -> Any:
    shipping = server.app[APP_STATE].shipping
    assert shipping is not None
    return shipping


async def until(condition: Any, timeout: float = 30.0, what: str = "") -> None:
    """Wait (bounded) until `condition()` (sync or async) is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.05)


def daily_differences(rows: list[dict[str, Any]], report: dict[str, Any]) -> list[str]:
    """Where the city's daily rows of one branch and day (GET /api/city/daily) differ from that branch's own
    report of the day (GET /api/reports): nothing when every figure is the same."""
    found: list[str] = []

    def same(what: str, city: Any, branch: Any) -> None:
        if city != branch:
            found.append(f"{what}: city {city!r}, branch {branch!r}")

    same("visits", sum(r["visits"] for r in rows), report["visits"])
    same("served", sum(r["served"] for r in rows), report["outcomes"]["served"])
    same("no-shows", sum(r["no_shows"] for r in rows), report["outcomes"]["no_show"])
    same("cancelled", sum(r["cancelled"] for r in rows), report["outcomes"]["cancelled"])
    same("above the SLA", sum(r["visits"] - r["sla_met"] for r in rows), report["sla"]["above"])
    waits = {r["service_id"]: r for r in rows if r["wait_count"]}
    same("services with waits", set(waits), {sid for sid, f in report["by_service"].items() if f["wait"]["count"]})
    for sid, row in waits.items():
        wait = report["by_service"].get(sid, {}).get("wait", {})
        same(f"{sid} waits", row["wait_count"], wait.get("count"))
        same(f"{sid} average wait", round(row["wait_seconds_sum"] / 60 / row["wait_count"], 1), wait.get("avg"))
    return found
