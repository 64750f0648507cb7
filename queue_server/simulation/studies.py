"""The dispatch against theory, on the real domain.

Erlang C: one service, `servers` desks, Poisson arrivals and exponential service: the simulated mean wait
must agree with the formula. This checks the whole loop (issue, dispatch, call, finish) end to end. (The
dispatch policies are compared in policies.py, the wait forecast measured in accuracy.py.)
"""

from __future__ import annotations

import heapq
import itertools
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..domain.hall import Category, Desk, Hall, Policy, Service, Text, TimeRange
from .drivers import DomainDriver
from .report import erlang_c_wait

ZONE = ZoneInfo("Europe/Kyiv")


def single_service_hall(servers: int) -> Hall:
    all_day = TimeRange(time(0, 0), time(23, 59))
    service = Service("s", "c", Text("Послуга", "Service"), "S")
    return Hall(
        id="mmc", name=Text("M/M/c", "M/M/c"), timezone="Europe/Kyiv", feedback_url="/f/{token}",
        hours={day: all_day for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, breaks=(),
        holidays=frozenset(), policy=Policy(), categories=(Category("c", Text("К", "C"), ("s",)),),
        services={"s": service}, desks={n: Desk(n, "main", (("s", 10),)) for n in range(1, servers + 1)},
        operators={}, priority_categories={},
    )


async def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float, customers: int,
                        seed: int = 1, warm_up: int = 500) -> dict[str, float]:
    """Mean wait (minutes) of simulated M/M/c customers next to Erlang C's; rates are per minute."""
    rng = random.Random(seed)
    hall = single_service_hall(servers)
    start = datetime.combine(date(2026, 11, 25), time(0, 1), ZONE)
    driver = DomainDriver(hall, start, predict=False)  # nobody reads the promise here
    await driver.open(list(hall.desks))
    counter = itertools.count()
    queue: list[tuple[datetime, int, str, int]] = []
    moment = start
    for _ in range(customers):
        moment += timedelta(minutes=rng.expovariate(arrival_rate))
        heapq.heappush(queue, (moment, next(counter), "arrive", 0))
    issued: dict[str, datetime] = {}
    order: dict[str, int] = {}
    waits: dict[int, float] = {}
    idle = set(hall.desks)

    async def wake(now: datetime) -> None:
        for desk in sorted(idle):
            called = await driver.desk(desk, "call_next")
            if not called:
                return
            idle.discard(desk)
            visit_id = called["visit"]["visit_id"]
            waits[order[visit_id]] = (now - issued[visit_id]).total_seconds() / 60
            await driver.desk(desk, "start_service")
            done = now + timedelta(minutes=rng.expovariate(service_rate))
            heapq.heappush(queue, (done, next(counter), "done", desk))

    while queue:
        now, _, kind, desk = heapq.heappop(queue)
        await driver.set_time(now)
        if kind == "arrive":
            ticket = await driver.issue("s")
            assert ticket is not None, "the test hall must take every customer"
            issued[ticket["visit_id"]] = now
            order[ticket["visit_id"]] = len(order)
        else:
            await driver.desk(desk, "finish", result="served")
            idle.add(desk)
        await wake(now)
    measured = [waits[i] for i in range(warm_up, len(order)) if i in waits]
    simulated = sum(measured) / len(measured)
    theory = erlang_c_wait(servers, arrival_rate, service_rate)
    return {"servers": servers, "arrival_rate": arrival_rate, "service_rate": service_rate,
            "customers": len(measured), "simulated_wait": round(simulated, 7), "erlang_c_wait": round(theory, 7),
            "relative_error": round(abs(simulated - theory) / theory, 4)}
