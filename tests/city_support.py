"""Test support for the city: a real PostgreSQL in a temporary directory, the city server and branch servers on
loopback ports, and an HTTP proxy between them that delays, duplicates and loses replies.

PostgreSQL is Debian's own server (`make test` installs the `postgresql` package), started with `initdb` and
`pg_ctl` from /usr/lib/postgresql/<version>/bin, listening on 127.0.0.1 and a socket in its directory.
`initdb` refuses to run as root, so under root (containers, CI) every PostgreSQL program runs through
`runuser -u postgres` — the system user the Debian package creates — and the directory is handed to it.
`fsync=off`: the tests kill branch servers, never the database, and this keeps them fast. PostgreSQL keeps the
machine's real clock in the suite's moved-date pass (`_real_clock_env`).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import itertools
import os
import random
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

from city_server.app import create_city_app
from city_server.store import CityStore
from queue_server.api.app import create_app
from queue_server.api.state import APP_STATE
from queue_server.clock import ManualClock
from queue_server.config import DEMO_HALL
from queue_server.shipping.config import CitySettings
from queue_server.shipping.protocol import INGEST_PATH
from queue_server.store import EventStore

from .process import free_port
from .support import Server, demo_hall

PG_USER = "postgres"  # the Debian package's system user, for running PostgreSQL under root


def _real_clock_env() -> dict[str, str]:
    """The environment without libfaketime: PostgreSQL runs on the machine's real clock even in the suite's
    moved-date pass. Nothing of ours asks the database the time (every timestamp comes from an injected clock),
    so this hides no dependency of our code on the date; under libfaketime PostgreSQL is six times slower."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


class Postgres:
    """One PostgreSQL server for the test session; each test gets a database of its own (`new_database`)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="cherha-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_user = ["runuser", "-u", PG_USER, "--"] if os.geteuid() == 0 else []
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        # No `timeout=`: under libfaketime (the suite's second pass) subprocess's timed wait can fail with
        # EINVAL from time.sleep; pg_ctl bounds its own waits (-t).
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, env=_real_clock_env())

    def start(self) -> Postgres:
        if self.as_user:
            shutil.chown(self.dir, PG_USER)
            self.dir.chmod(0o700)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "cherha", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=60")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "postgres.log"),
                  "-o", options, "-w", "-t", "60", "start")
        return self

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://cherha@127.0.0.1:{self.port}/{database}"

    async def new_database(self) -> str:
        name = f"city_{next(self._names)}"
        conn = await asyncpg.connect(self.dsn())
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        return self.dsn(name)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


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
                         summary_seconds: float = 0.3, config_seconds: float = 60.0) -> AsyncIterator[Server]:
    """A hall server (the demo hall) that is a branch of the city at `city_url`, on a loopback port
    (`config_seconds`: how often it asks the city for its configuration version)."""
    clock = ManualClock(start)
    store = EventStore(data_dir / "cherha.sqlite3")
    settings = CitySettings(city_url, branch, token, summary_seconds=summary_seconds, retry_max_seconds=0.5,
                            config_seconds=config_seconds)
    app = create_app(demo_hall(), store, clock, city=settings, hall_file=DEMO_HALL)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield Server(f"http://127.0.0.1:{port}", app, store, clock, runner)
    finally:
        await runner.cleanup()


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
