"""Catch-up: nine branches' day of backlog shipped to a city that was down all day (bench/city_network.py sets
the city up; this module times it).

The clock starts when `cherha city` is launched (its start-up is part of coming back) and stops twice: when the
city has acknowledged the last event of every branch's log (polled in PostgreSQL, every 50 ms), and when the
city's daily figures for the day (GET /api/city/daily, as the city's reports read them) equal each branch's own
report of the day (GET /api/reports at the branch), figure by figure (tests/city_support.py `daily_differences`).
Afterwards every event the city holds is compared with the branch's log: (seq, type, time), all of them.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import asyncpg

from tests.city_support import branch_log, daily_differences

if TYPE_CHECKING:
    from bench.city_network import Network

POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 900.0


def last_seq(path: Path) -> int:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])
    finally:
        db.close()


async def measure(network: Network) -> dict[str, Any]:
    from bench.city_network import bearer, supervisor_token

    day = network.day.isoformat()
    async with aiohttp.ClientSession() as http:
        reports = {}
        for branch in network.branches:
            # Tuesday's first ticket ends Monday at the branch: Monday's figures are final on both sides.
            body = {"command_id": uuid.uuid4().hex, "service_id": "id-card"}
            async with http.post(branch.server.url + "/api/tickets", json=body,
                                 headers=bearer(branch.kiosk)) as response:
                assert response.status == 201, await response.text()
            token = await supervisor_token(http, branch.server.url)
            async with http.get(f"{branch.server.url}/api/reports?from={day}&to={day}",
                                headers=bearer(token)) as response:
                assert response.status == 200, await response.text()
                reports[branch.name] = await response.json()
        targets = {name: last_seq(path) for name, path in network.log_paths.items()}

        conn = await asyncpg.connect(network.dsn)
        try:
            began = time.perf_counter()
            network.city.launch()
            await asyncio.to_thread(network.city.wait_healthy)
            up = time.perf_counter() - began
            while True:
                acked = {r["name"]: r["acked"] for r in await conn.fetch("SELECT name, acked FROM branches")}
                if all(acked[name] == seq for name, seq in targets.items()):
                    break
                _check_time(began, "every branch's log acknowledged")
                await asyncio.sleep(POLL_SECONDS)
            shipped = time.perf_counter() - began
            while True:
                async with http.get(f"{network.city.url}/api/city/daily?day={day}",
                                    headers=bearer(network.staff)) as response:
                    assert response.status == 200, await response.text()
                    rows = (await response.json())["rows"]
                differences = {name: daily_differences([r for r in rows if r["branch"] == name], report)
                               for name, report in reports.items()}
                if not any(differences.values()):
                    break
                _check_time(began, f"the city's daily figures: {differences}")
                await asyncio.sleep(POLL_SECONDS)
            equal = time.perf_counter() - began
            identical = True
            for name, path in network.log_paths.items():
                held = await conn.fetch("SELECT seq, type, at FROM events WHERE branch = $1 ORDER BY seq", name)
                identical &= [(r["seq"], r["type"], r["at"]) for r in held] == branch_log(path)
        finally:
            await conn.close()
    events = sum(targets.values())
    return {
        "day": day,
        "visits": sum(r["visits"] for r in reports.values()),
        "visits_min": min(r["visits"] for r in reports.values()),
        "visits_max": max(r["visits"] for r in reports.values()),
        "events": events,
        "city_start_seconds": round(up, 2),
        "acknowledged_seconds": round(shipped, 2),
        "figures_equal_seconds": round(equal, 2),
        "events_per_second": round(events / shipped),
        "events_identical": identical,
    }


def _check_time(began: float, what: str) -> None:
    if time.perf_counter() - began > TIMEOUT_SECONDS:
        raise TimeoutError(f"no catch-up after {TIMEOUT_SECONDS:.0f} s: {what}")


def markdown(figures: dict[str, Any], branches: int) -> list[str]:
    return [
        "### A day's backlog from every branch at once (bench/city_catchup.py)",
        "",
        f"Each of the {branches} branches holds a Lutsk-sized day ({figures['day']}: {figures['visits_min']}–"
        f"{figures['visits_max']} visits, {figures['visits']} in all) that it logged while the city was down, "
        f"{figures['events']} events in all (batches of up to 500). The branches run; the city is launched; the "
        "time runs from the launch.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| the city up (process start, schema check, health answered) | {figures['city_start_seconds']:.1f} s |",
        f"| every branch's log acknowledged | **{figures['acknowledged_seconds']:.1f} s**, "
        f"**{figures['events_per_second']:,} events/s** |",
        f"| the city's daily figures equal to every branch's own report of the day | "
        f"**{figures['figures_equal_seconds']:.1f} s** (the city aggregates every 5 s, its default) |",
        f"| the city's copy of every log | "
        f"{'identical, event by event' if figures['events_identical'] else 'DIFFERENT from the branches'} |",
        "",
        "Between the last acknowledgement and equal figures the city replays each grown day whole (its aggregator,",
        "city_server/aggregates.py, every 5 s); while the backlog comes in, every round replays every branch's",
        "growing day again, on the same core that takes the batches.",
    ]
