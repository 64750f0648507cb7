"""How far the wait promised on the ticket is from the wait that came, measured on simulated days.

Each measured day follows warm-up days on the same hall state, so what the forecast knows of service
lengths comes only from earlier days (the simulator's service times differ from the configured ones by the
profile's speed factor; the forecast must learn them). Beside the forecast, two yardsticks: "always 0"
and the first release's formula (average × (own queue + ½) / open desks).

Actual wait: from issue to the first call. A ticket issued while no desk for its service was open has no
minutes to compare (it said so); those are counted apart.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.hall import Hall
from ..domain.state import DeskStatus, HallState
from ..domain.visit import Visit
from .drivers import DomainDriver
from .engine import VisitRecord, simulate
from .profiles import DayProfile
from .stats import percentile

ESTIMATORS = ("forecast", "formula", "zero")


def first_release_estimate(state: HallState, visit: Visit, now: datetime) -> int:
    """The first release's estimate, kept here as the yardstick: its own queue only, average pace."""
    ahead = sum(1 for v in state.live_in_service(visit.service_id)
                if v is not visit and v.target_desk is None and v.is_waiting(now) and v.issued_at <= visit.issued_at)
    desks = sum(1 for d in state.desks.values() if d.status is not DeskStatus.CLOSED
                and any(sid == visit.service_id and w > 0 for sid, w in d.weights)) or 1
    idle = any(d.status is DeskStatus.OPEN and d.visit_id is None and state.desk_weight(d.number, visit.service_id)
               for d in state.desks.values())
    if ahead == 0 and idle:
        return 0
    return math.ceil(state.avg_service_minutes(visit.service_id) * (ahead + 0.5) / desks)


class MeasuringDriver(DomainDriver):
    """The domain driver, plus the yardstick estimate and the time each ticket's issue (and forecast) took."""

    def __init__(self, hall: Hall, start: datetime, state: HallState | None = None) -> None:
        super().__init__(hall, start, predict=True, state=state)
        self.issue_ms: list[tuple[int, float]] = []  # (hour, milliseconds)

    async def issue(self, service_id: str, priority_category: str | None = None) -> dict[str, Any] | None:
        started = time.perf_counter()
        ticket = await super().issue(service_id, priority_category)
        self.issue_ms.append((self.clock.now().hour, (time.perf_counter() - started) * 1000))
        if ticket is not None:
            now = self.clock.now()
            ticket["formula_estimate"] = first_release_estimate(self.state, self.state.visits[ticket["visit_id"]], now)
        return ticket


async def measured_day(hall: Hall, profile: DayProfile, seed: int, warm_up_days: int = 2
                       ) -> tuple[list[VisitRecord], list[tuple[int, float]]]:
    zone = ZoneInfo(hall.timezone)
    state = HallState(hall)
    for back in range(warm_up_days, 0, -1):
        day = replace(profile, day=profile.day - timedelta(days=7 * back))
        start = datetime.combine(day.day, datetime.min.time(), zone) + timedelta(hours=7)
        await simulate(DomainDriver(hall, start, predict=False, state=state), hall, day, seed * 100 + back)
    start = datetime.combine(profile.day, datetime.min.time(), zone) + timedelta(hours=7)
    driver = MeasuringDriver(hall, start, state)
    result = await simulate(driver, hall, profile, seed)
    return list(result.visits.values()), driver.issue_ms


def _job(args: tuple[Hall, DayProfile, int]) -> tuple[list[VisitRecord], list[tuple[int, float]]]:
    return asyncio.run(measured_day(*args))


def measure(hall: Hall, profile: DayProfile, seeds: list[int], workers: int = 2) -> dict[str, Any]:
    with ProcessPoolExecutor(workers) as pool:
        days = list(pool.map(_job, [(hall, profile, seed) for seed in seeds]))
    visits = [v for records, _ in days for v in records if v.wait is not None]
    timings = [timing for _, issue_ms in days for timing in issue_ms]
    peak = [ms for hour, ms in timings if 10 <= hour < 12]
    promised = [v for v in visits if v.estimate is not None]
    calm = [v for v in promised if not _through_air_raid(v, profile)]
    by_hour: dict[int, list[VisitRecord]] = defaultdict(list)
    for visit in promised:
        by_hour[visit.issued_at.hour].append(visit)
    return {
        "days": len(seeds), "tickets": len(visits), "no_desk_open": len(visits) - len(promised),
        "through_air_raid": len(promised) - len(calm),
        "overall": {name: errors(promised, name) for name in ESTIMATORS},
        "outside_air_raid": {name: errors(calm, name) for name in ESTIMATORS},
        "by_hour": {hour: {name: errors(group, name) for name in ESTIMATORS}
                    for hour, group in sorted(by_hour.items())},
        "issue_ms": {"peak_p50": percentile(peak, 0.5), "peak_p99": percentile(peak, 0.99),
                     "peak_max": max(peak, default=0.0), "all_p99": percentile([ms for _, ms in timings], 0.99)},
    }


def _through_air_raid(visit: VisitRecord, profile: DayProfile) -> bool:
    """Waited through the air-raid pause: nobody can foresee an alert, so these are reported apart too."""
    if profile.air_raid is None or visit.first_call is None:
        return False
    start = datetime.combine(profile.day, profile.air_raid[0], visit.issued_at.tzinfo)
    return visit.issued_at < start + timedelta(minutes=profile.air_raid[1]) and visit.first_call > start


def errors(visits: list[VisitRecord], estimator: str) -> dict[str, float]:
    signed = [_predicted(v, estimator) - (v.wait or 0.0) for v in visits]
    absolute = [abs(e) for e in signed]
    n = len(signed) or 1
    return {"n": len(signed), "mae": sum(absolute) / n, "bias": sum(signed) / n,
            "p90_abs": percentile(absolute, 0.9), "within_3": sum(e <= 3 for e in absolute) / n}


def _predicted(visit: VisitRecord, estimator: str) -> float:
    if estimator == "forecast":
        return float(visit.estimate or 0)
    if estimator == "formula":
        return float(visit.formula or 0)
    return 0.0
