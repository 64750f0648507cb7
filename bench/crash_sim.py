"""Fault benchmark: `kill -9` the server 20+ times at random moments during a simulated day.

The simulator drives a server process (started with --manual-clock) through the protocol; a killer task
kills it at random moments and starts it again shortly after (as systemd would), with its clock where the day
had got to; every kiosk, desk and admin connection reconnects by itself and resends what was not answered,
with the same command ids. If
nothing is lost and nothing is applied twice, the interrupted day ends exactly as the same day run without
a single crash (in memory, same seed): same tickets, same waits, same estimates.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from queue_server.config import DEMO_HALL, load_hall
from queue_server.simulation.drivers import ProtocolDriver
from queue_server.simulation.engine import simulate
from queue_server.simulation.profiles import LUTSK, DayProfile
from queue_server.simulation.report import figures
from queue_server.simulation.run import run_in_memory
from tests.process import ServerProcess


async def run(kills: int = 22, profile: DayProfile = LUTSK, seed: int = 4) -> dict[str, Any]:
    hall = load_hall(DEMO_HALL)
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as folder:
        start = f"{profile.day.isoformat()}T07:00:00+02:00"
        server = ServerProcess(Path(folder) / "data", clock_start=start, manual_clock=True)
        token = server.token("kiosk", "sim-kiosk")
        server.start()
        restarts = 0
        lock = asyncio.Lock()

        async def restart(now: datetime) -> None:
            nonlocal restarts
            async with lock:
                if server.process is not None and server.process.poll() is None:
                    return  # another connection already brought it back
                server.clock_start = now.isoformat()
                await asyncio.to_thread(server.start)
                restarts += 1

        driver = ProtocolDriver(server.url, token, restart=restart)
        killed = 0

        async def killer() -> None:
            nonlocal killed, restarts
            while killed < kills:
                await asyncio.sleep(rng.uniform(0.1, 0.5))
                async with lock:
                    if server.process is not None and server.process.poll() is None and driver.now is not None:
                        server.kill9()
                        killed += 1
                        # As systemd does (Restart=always): the server comes back whether or not a client noticed.
                        # Waiting for a client to ask would hang when the kill falls while every client is still
                        # signing in again after the last restart (none was online, so none reports the loss).
                        await asyncio.sleep(rng.uniform(0.05, 0.3))
                        server.clock_start = driver.now.isoformat()
                        await asyncio.to_thread(server.start)
                        restarts += 1

        started = time.perf_counter()
        killing = asyncio.create_task(killer())
        try:
            result = await simulate(driver, hall, profile, seed)
        finally:
            killing.cancel()
            await driver.close()
            server.stop()
        seconds = time.perf_counter() - started
    interrupted = figures(result, hall.policy.sla_walk_in_minutes)
    calm = figures(await run_in_memory(hall, profile, seed), hall.policy.sla_walk_in_minutes)
    keys = ("tickets", "bookings", "wait_minutes", "sla_share", "estimate_mae_minutes", "wait_by_hour")
    return {"kills": killed, "restarts": restarts, "seconds": round(seconds, 1), "tickets": interrupted["tickets"],
            "same_as_uninterrupted_day": {k: interrupted[k] for k in keys} == {k: calm[k] for k in keys},
            "interrupted": {k: interrupted[k] for k in keys}, "uninterrupted": {k: calm[k] for k in keys}}


if __name__ == "__main__":
    print(asyncio.run(run(kills=22, profile=dataclasses.replace(LUTSK))))
