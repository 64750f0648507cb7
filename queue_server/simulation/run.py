"""`cherha simulate`: a day of a hall through a real server on a loopback port, written up as JSON and PNG."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from aiohttp import web

from ..api.app import create_app
from ..api.auth import Role, create_device_token
from ..api.limits import Limits
from ..clock import ManualClock
from ..domain.hall import Hall
from ..store import EventStore
from .drivers import DomainDriver, Driver, ProtocolDriver
from .engine import SimulationResult, simulate
from .profiles import DayProfile, scaled_hall
from .report import figures, plot


async def run_with_server(hall: Hall, profile: DayProfile, seed: int, data_dir: Path
                          ) -> tuple[SimulationResult, dict[str, Any]]:
    """The real server in this process on a free loopback port, driven only through its protocol."""
    zone = ZoneInfo(hall.timezone)
    clock = ManualClock(datetime.combine(profile.day, datetime.min.time(), zone) + timedelta(hours=7))
    store = EventStore(data_dir / "cherha.sqlite3")
    app = create_app(hall, store, clock, clock_control=True, voice_dir=data_dir / "voice",
                     limits=Limits.for_simulation())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://127.0.0.1:{port}"
    try:
        token = await store.call(lambda db: create_device_token(db, "sim-kiosk", Role.KIOSK, clock.now()))
        driver = ProtocolDriver(url, token)
        try:
            result = await simulate(driver, hall, profile, seed)
        finally:
            await driver.close()
        async with aiohttp.ClientSession() as http:
            async with http.post(url + "/api/sessions", json={"login": "admin", "password": "admin-demo"}) as r:
                session = (await r.json())["token"]
            day = profile.day.isoformat()
            async with http.get(url + f"/api/reports?from={day}&to={day}",
                                headers={"Authorization": f"Bearer {session}"}) as r:
                server_report = await r.json()
    finally:
        await runner.cleanup()
    return result, server_report


async def run_in_memory(hall: Hall, profile: DayProfile, seed: int) -> SimulationResult:
    driver: Driver = DomainDriver(hall, datetime.combine(profile.day, datetime.min.time(),
                                                          ZoneInfo(hall.timezone)) + timedelta(hours=7))
    return await simulate(driver, hall, profile, seed)


async def simulate_day(hall: Hall, profile: DayProfile, seed: int, out_dir: Path, through: str = "protocol"
                       ) -> dict[str, Any]:
    hall = scaled_hall(hall, profile)
    started = time.perf_counter()
    server_report: dict[str, Any] | None = None
    if through == "protocol":
        with tempfile.TemporaryDirectory() as scratch:
            result, server_report = await run_with_server(hall, profile, seed, Path(scratch))
    else:
        result = await run_in_memory(hall, profile, seed)
    report = figures(result, hall.policy.sla_walk_in_minutes)
    report["seconds_to_simulate"] = round(time.perf_counter() - started, 1)
    report["through"] = through
    report["desks"] = len(hall.desks)
    if server_report is not None:
        report["server"] = {k: server_report[k] for k in ("visits", "outcomes", "sla")}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"simulation-{profile.name}.json").write_text(json.dumps(report, ensure_ascii=False, indent=2),
                                                            encoding="utf-8")
    plot(report, out_dir / f"simulation-{profile.name}.png")
    return report
