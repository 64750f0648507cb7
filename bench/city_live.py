"""Live-view lag: how long after a change at a branch the city's live view shows it (bench/city_network.py sets
the nine branches and the city up; this module times it).

At every branch at once, one change at a time (at random moments, 0.2-5.5 s apart): a kiosk issues a ticket
(REST) or desk 1 calls the next visitor (the desk console's WebSocket protocol; before a call, the visitor
called last time is marked a no-show, which is not timed). A change is timed from the moment it is sent to the
branch until the city's live view (GET /api/city/live with a staff token, polled every 20 ms) shows the
branch's waiting total after it. The city's answer also says when it received the summary it shows
(`last_heard`, on the city's own clock: the same machine's wall clock), which splits the lag into the wait for
the branch's summary and its trip to the city, and the polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp

from cherha_client import Client, ProtocolError
from queue_server.config import DEMO_HALL, load_hall
from queue_server.shipping.protocol import LIVE_PATH

if TYPE_CHECKING:
    from bench.city_network import Branch, Network

POLL_SECONDS = 0.02
# Between one change at a branch and its next: drawn over more than a summary period, so that changes fall at
# any moment of the branch's summary cycle (right after a summary was seen, a change would always wait most of
# a period for the next one).
PAUSE_SECONDS = (0.2, 5.5)
TIMEOUT_SECONDS = 30.0  # a change not shown by then counts as not shown
DESK = 1
OPERATOR = {"login": "op01", "password": "1111", "desk": DESK}


@dataclass
class Seen:
    total: int  # visitors waiting at the branch, by the city's live view
    at: float  # perf_counter when the bench saw it
    heard: float  # the city's wall-clock time of receiving the summary


@dataclass
class LiveView:
    """The city's live view, polled: the latest waiting total of every branch."""

    url: str
    staff: str
    latest: dict[str, Seen] = field(default_factory=dict)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    polls: int = 0

    async def run(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        while not stop.is_set():
            async with http.get(self.url + LIVE_PATH, headers={"Authorization": f"Bearer {self.staff}"}) as response:
                assert response.status == 200, await response.text()
                data = await response.json()
            now = time.perf_counter()
            self.polls += 1
            for branch in data["branches"]:
                summary = branch["summary"]
                if branch["status"] == "live" and summary is not None:
                    total = sum(s["waiting"] for s in summary["services"].values())
                    heard = datetime.fromisoformat(branch["last_heard"]).timestamp()
                    old = self.latest.get(branch["branch"])
                    if old is None or (old.total, old.heard) != (total, heard):
                        self.latest[branch["branch"]] = Seen(total, now, heard)
            async with self.changed:
                self.changed.notify_all()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), POLL_SECONDS)

    async def until_total(self, branch: str, total: int, timeout: float = TIMEOUT_SECONDS) -> Seen:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: branch in self.latest and self.latest[branch].total == total)
            return self.latest[branch]


@dataclass
class Change:
    kind: str  # "ticket" or "call"
    lag: float  # seconds from sending the change until the city's view showed it
    to_summary: float  # seconds from sending it until the city received the summary that shows it


async def _branch(branch: Branch, view: LiveView, http: aiohttp.ClientSession, count: int, services: list[str],
                  rng: random.Random, out: list[Change], missed: list[str], refused: list[str]) -> None:
    desk = Client(branch.server.url, OPERATOR, subscribe=False)
    await asyncio.wait_for(desk.start(), 30)
    called = False
    try:
        with contextlib.suppress(ProtocolError):
            await desk.command("desk_open")  # (open already)
        with contextlib.suppress(ProtocolError):
            await desk.command("no_show")  # the visitor the last run called (none at first)
        expected = view.latest[branch.name].total
        for index in range(count):
            await asyncio.sleep(rng.uniform(*PAUSE_SECONDS))
            call = index % 2 == 1
            if call and called:
                await desk.command("no_show")  # not timed: the waiting total stays as it is
                called = False
            began, wall = time.perf_counter(), time.time()
            if call:
                try:
                    await desk.command("call_next")
                except ProtocolError as exc:
                    refused.append(f"{branch.name}: {exc}")  # (nobody for this desk): nothing changed, not timed
                    continue
                called, expected = True, expected - 1
            else:
                body = {"command_id": uuid.uuid4().hex, "service_id": rng.choice(services)}
                async with http.post(branch.server.url + "/api/tickets", json=body,
                                     headers={"Authorization": f"Bearer {branch.kiosk}"}) as response:
                    assert response.status == 201, await response.text()
                expected += 1
            try:
                seen = await view.until_total(branch.name, expected)
            except TimeoutError:
                missed.append(f"{branch.name} #{index}")
                expected = view.latest[branch.name].total  # go on from what the city shows now
                continue
            out.append(Change("call" if call else "ticket", seen.at - began, max(0.0, seen.heard - wall)))
    finally:
        await desk.close()


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50": round(cuts[49], 3), "p95": round(cuts[94], 3), "max": round(ordered[-1], 3)}


async def measure(network: Network, changes: int = 300, seed: int = 18) -> dict[str, Any]:
    from bench.city_network import SUMMARY_SECONDS

    hall = load_hall(DEMO_HALL)
    services = sorted(sid for sid, weight in hall.desks[DESK].weights if weight > 0)  # desk 1 calls them
    rng = random.Random(seed)
    out: list[Change] = []
    missed: list[str] = []
    refused: list[str] = []
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as http:
        view = LiveView(network.city.url, network.staff)
        poller = asyncio.create_task(view.run(http, stop))
        try:
            async with asyncio.timeout(60):  # every branch's summary reaches the city
                while len(view.latest) < len(network.branches):
                    await asyncio.sleep(0.1)
            await asyncio.sleep(SUMMARY_SECONDS + 1)  # the figures settle: each branch sends its current ones
            per_branch = -(-changes // len(network.branches))
            began = time.perf_counter()
            await asyncio.gather(*(_branch(b, view, http, per_branch, services, random.Random(rng.random()), out,
                                           missed, refused) for b in network.branches))
            seconds = time.perf_counter() - began
        finally:
            stop.set()
            await poller
    lags = [c.lag for c in out]
    summary = [c.to_summary for c in out]
    return {
        "changes": len(out),
        "tickets": sum(c.kind == "ticket" for c in out),
        "calls": sum(c.kind == "call" for c in out),
        "not_shown": missed,
        "calls_refused": refused,
        "seconds": round(seconds, 1),
        "summary_seconds": SUMMARY_SECONDS,
        "lag": _percentiles(lags),
        "to_summary": _percentiles(summary),
        "summary_share": round(sum(summary) / sum(lags), 3),
        "polls": view.polls,
        "poll_seconds": round(seconds / max(1, view.polls), 3),  # the poll's actual period (asked every 20 ms)
    }


def _row(label: str, figures: dict[str, Any]) -> str:
    lag, part = figures["lag"], figures["to_summary"]
    return (f"| {label} | {figures['changes']} ({figures['tickets']} tickets, {figures['calls']} calls) | "
            f"{lag['p50']:.2f} s | **{lag['p95']:.2f} s** | {lag['max']:.2f} s | "
            f"{part['p50']:.2f} s / {part['p95']:.2f} s | {figures['summary_share']:.0%} | "
            f"{len(figures['not_shown'])} |")


def markdown(modes: dict[str, Any]) -> list[str]:
    periodic, prompt = modes["periodic"], modes["prompt"]
    return [
        "### Live-view lag (bench/city_live.py)",
        "",
        "Tickets issued at a kiosk and visitors called at a desk, at all nine branches at once (one change at a time",
        "at each, at random moments 0.2–5.5 s apart); each timed from sending it to the branch until the city's",
        "live view (GET /api/city/live, polled every 20 ms) shows the branch's waiting total after it. \"Until the",
        "summary\" is from sending the change until the city received the branch's summary that shows it (the",
        "city's `last_heard`); the rest is the poll. Measured twice on the same branches, restarted in between:",
        f"with `summary_on_change = false` (a summary every {periodic['summary_seconds']} s only, as the first",
        "release did) and with the default, `true` (a summary also soon after a change, at most one a second).",
        "",
        "| summaries | changes | p50 | p95 | max | until the summary, p50 / p95 | its share of the lag "
        "| not shown in 30 s |",
        "|---|---|---|---|---|---|---|---|",
        _row(f"every {periodic['summary_seconds']} s only", periodic),
        _row("also after a change (default)", prompt),
        "",
        f"With summaries by the period alone the lag is the wait for the next summary ({periodic['summary_share']:.0%}"
        " of it): on average half a period. Sent after a change as well, a summary leaves within a tenth of a second"
        " of the change unless one went less than a second before; what remains is building the summary, the",
        "trip, and the city storing it on a machine shared with eight other servers. Under this machine's load",
        f"the poll itself came every {prompt['poll_seconds'] * 1000:.0f} ms instead of 20 ms (the city's answer "
        "and the bench's own turn on the cores), which the lag includes.",
    ]
