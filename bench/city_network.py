"""Benchmark: a city of 9 branches — a day's backlog caught up, and how late the city's live view is.

Everything is real and on loopback ports: PostgreSQL from Debian started in a temporary directory
(city_server/testing_pg.py, as the tests do), the city server as `cherha city` in its own process, and nine
branch servers as `cherha server` processes, each with the demo hall and a `[city]` table pointing at the city.

1. Catch-up (bench/city_catchup.py). Each branch's log holds a Lutsk-sized Monday (about 900 visits) written on
   the pure domain by bench/year_data.py (another seed for every branch), all while the city was down; the
   branches start with the city still down, and each issues Tuesday's first ticket, which ends Monday. Then the
   city comes up, and the clock runs until every branch's log is acknowledged and the city's daily figures for
   Monday equal each branch's own report of Monday, figure by figure.
2. Live-view lag (bench/city_live.py). With the nine branches live, kiosks issue tickets and desks call
   visitors at every branch; each change is timed from the moment it is sent to the branch until the city's
   live view (GET /api/city/live, polled) shows it.

    python -m bench.city_network [--changes 300]
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

from bench import city_catchup, city_live
from bench.year_data import END, generate, working_days
from city_server.store import CityStore
from city_server.testing_pg import Postgres
from queue_server.config import DEMO_HALL, load_hall
from tests.process import ServerProcess, free_port

BRANCHES = ("tsentr", "inhulets", "ternivka", "dovhyntseve", "saksahan", "metalurhiinyi", "pokrovskyi",
            "tsentralno-miskyi", "mobile-1")
ARRIVALS_PER_DAY = 1050  # drawn; about 900 visits a day (some are turned away in the air-raid pause): Lutsk
SUMMARY_SECONDS = 5  # the shipped default (queue_server/shipping/config.py)
# The branches try again at most a second apart while the city is down: the catch-up then measures the city
# and the shipping, not the backoff's jitter (in service, `retry_max_seconds` defaults to 60 s: the first
# batch after an outage goes out up to a minute after the city is back).
RETRY_MAX_SECONDS = 1
TUESDAY_8 = datetime.combine(END, datetime.min.time(), ZoneInfo("Europe/Kyiv")).replace(hour=8, minute=5)
SUPERVISOR = {"login": "supervisor", "password": "super-demo"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class CityProcess:
    """`cherha city` in its own process, on the real clock (its live view's `last_heard` is wall time)."""

    dsn: str
    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        log = (self.folder / "city.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "queue_server", "city", "--dsn", self.dsn, "--port", str(self.port),
             "--log-level", "warning"], stdout=log, stderr=log)
        log.close()

    def wait_healthy(self, timeout: float = 60.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the city exited: {(self.folder / 'city.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url + "/api/city/health",
                                                                      timeout=1) as response:
                if response.status == 200:
                    return
            time.sleep(0.05)
        raise TimeoutError("the city did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Branch:
    name: str
    server: ServerProcess
    generated: dict[str, Any]  # bench/year_data.py's figures for its log
    kiosk: str = ""  # a kiosk's token at the branch


@dataclass
class Network:
    folder: Path
    postgres: Postgres
    dsn: str
    city: CityProcess
    staff: str  # a city staff token (the live view, the daily figures)
    branches: list[Branch]
    day: date  # the day every branch's backlog holds
    tokens: dict[str, str]  # the branches' credentials at the city
    started: float  # time.monotonic() when the branches' clocks were started at TUESDAY_8

    async def restart_branches(self, on_change: bool) -> None:
        """Every branch stopped and started again with `summary_on_change = on_change` (its clock, started at
        Tuesday 08:05, goes on from where it was: the server keeps no clock of its own across a restart)."""
        for branch in self.branches:
            branch.server.stop()
        for branch in self.branches:
            hall_file(branch.server.data_dir, self.city.url, branch.name, self.tokens[branch.name], on_change)
            branch.server.clock_start = (TUESDAY_8 + timedelta(seconds=time.monotonic() - self.started)).isoformat()
        await asyncio.gather(*(asyncio.to_thread(b.server.start, 300) for b in self.branches))

    @property
    def log_paths(self) -> dict[str, Path]:
        return {b.name: b.server.data_dir / "cherha.sqlite3" for b in self.branches}


def _generate(args: tuple[Path, int, int]) -> dict[str, Any]:
    path, visits, seed = args
    return generate(path, visits=visits, days=1, seed=seed)


def hall_file(folder: Path, city_url: str, branch: str, token: str, on_change: bool = True) -> Path:
    token_file = folder / "city.token"
    token_file.write_text(token + "\n", encoding="utf-8")
    path = folder / "hall.toml"
    path.write_text(DEMO_HALL.read_text(encoding="utf-8") + f'\n[city]\nurl = "{city_url}"\nbranch = "{branch}"\n'
                    f'token_file = "{token_file}"\nsummary_seconds = {SUMMARY_SECONDS}\n'
                    f'summary_on_change = {str(on_change).lower()}\nretry_max_seconds = {RETRY_MAX_SECONDS}\n',
                    encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def city_of_branches(folder: Path, arrivals_per_day: int = ARRIVALS_PER_DAY) -> AsyncIterator[Network]:
    """PostgreSQL, the branches' credentials, nine generated logs and nine running branches; the city is down."""
    postgres = Postgres(free_port()).start()
    city: CityProcess | None = None
    servers: list[ServerProcess] = []
    try:
        dsn = await postgres.new_database()
        city = CityProcess(dsn, folder)
        store = await CityStore.open(dsn, max_size=1)  # what `cherha city-branch add` does, for nine branches
        try:
            now = datetime.now(ZoneInfo("UTC"))
            tokens = {name: await store.add_branch(name, now) for name in BRANCHES}
            staff = await store.add_staff("bench", now)
        finally:
            await store.close()
        calendar = working_days(load_hall(DEMO_HALL), END)
        jobs = [(folder / name / "cherha.sqlite3", arrivals_per_day * len(calendar), seed)
                for seed, name in enumerate(BRANCHES, start=1)]
        for path, _, _ in jobs:
            path.parent.mkdir(parents=True)
        with concurrent.futures.ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            generated = list(pool.map(_generate, jobs))
        branches = []
        for name, figures in zip(BRANCHES, generated, strict=True):
            server = ServerProcess(folder / name, clock_start=TUESDAY_8.isoformat(),
                                   config=hall_file(folder / name, city.url, name, tokens[name]))
            servers.append(server)
            branches.append(Branch(name, server, figures))
        started = time.monotonic()
        await asyncio.gather(*(asyncio.to_thread(b.server.start, 300) for b in branches))
        for branch in branches:
            branch.kiosk = branch.server.token("kiosk", "bench-kiosk")
        yield Network(folder, postgres, dsn, city, staff, branches, date.fromisoformat(generated[0]["last_day"]),
                      tokens, started)
    finally:
        for server in servers:
            server.stop()
        if city is not None:
            city.stop()
        postgres.stop()


async def supervisor_token(http: aiohttp.ClientSession, url: str) -> str:
    async with http.post(url + "/api/sessions", json=SUPERVISOR) as response:
        assert response.status == 201, await response.text()
        token: str = (await response.json())["token"]
        return token


async def run(changes: int = 300) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cherha-city-bench-") as tmp:
        async with city_of_branches(Path(tmp)) as network:
            caught_up = await city_catchup.measure(network)
            print(f"catch-up: {caught_up}", file=sys.stderr, flush=True)
            await network.restart_branches(on_change=False)
            periodic = await city_live.measure(network, changes)
            print(f"live, every {SUMMARY_SECONDS} s only: {periodic}", file=sys.stderr, flush=True)
            await network.restart_branches(on_change=True)
            prompt = await city_live.measure(network, changes)
    return {"branches": len(BRANCHES), "catchup": caught_up, "live": {"periodic": periodic, "prompt": prompt},
            "load": [round(x, 1) for x in os.getloadavg()]}


def markdown(results: dict[str, Any]) -> list[str]:
    return [
        "## A city of 9 branches (bench/city_network.py)",
        "",
        "PostgreSQL (Debian's, in a temporary directory, `fsync=off` as in the tests), `cherha city` in its own",
        "process and nine `cherha server` branch processes on loopback ports, all on this machine's two cores.",
        "",
        *city_catchup.markdown(results["catchup"], results["branches"]),
        "",
        *city_live.markdown(results["live"]),
        "",
        f"Load average at the end of the run: {', '.join(str(x) for x in results['load'])} (1, 5, 15 minutes) —",
        "other engineers' test suites ran on the same two cores, so these times are pessimistic.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--changes", type=int, default=300)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    results = asyncio.run(run(args.changes))
    if args.json is not None:
        import json

        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print("\n".join(markdown(results)))


if __name__ == "__main__":
    main()
