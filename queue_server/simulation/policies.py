"""The dispatch policies compared fairly: each day drawn once, every policy played on exactly that day.

For each desk plan (plans.py), seed and load, the day's visitors, services, service times, no-shows,
bookings and breaks are drawn once (`engine.draw_day`); each policy then plays that very day on the pure
domain. The figures of a policy are compared with a baseline's on the same days, seed by seed, and the
mean of those paired differences is reported with its 95 % confidence interval.

Policies: FCFS (no level head start, no cap: each desk takes the longest wait among its weighted services),
the head start swept over a few values with the default cap, the default, and strict tiers (the first
release's rule: an infinite head start, no cap).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.dispatch import levels
from ..domain.hall import WEEKDAYS, DispatchPolicy, Hall
from .drivers import DomainDriver
from .engine import SimulationResult, draw_day, play
from .plans import plans
from .profiles import DayProfile, service_mix, service_speed
from .stats import mean_ci, percentile

FIGURES = ("sla_share", "mean", "p90", "p95", "max", "worst_service_sla", "speciality_share", "cap_share")
MIN_SERVICE_VISITS = 10  # a service counts for the worst-service figure with at least this many visitors


def policy_set(default: DispatchPolicy) -> dict[str, DispatchPolicy]:
    sweep = {f"head start {h:g}": dataclasses.replace(default, level_head_start_minutes=h) for h in (4.0, 16.0, 32.0)}
    return {"FCFS": dataclasses.replace(default, level_head_start_minutes=0.0, cap_minutes=0.0),
            "default": default, **sweep, "strict tiers": dataclasses.replace(default, strict_tiers=True)}


def day_figures(result: SimulationResult, hall: Hall) -> dict[str, float]:
    """The wait figures of one played day (minutes; shares 0..1)."""
    sla = hall.policy.sla_walk_in_minutes
    visits = [v for v in result.visits.values() if v.wait is not None]
    waits = [v.wait for v in visits if v.wait is not None]
    by_service: dict[str, list[float]] = defaultdict(list)
    for visit in visits:
        assert visit.wait is not None
        by_service[visit.service_id].append(visit.wait)
    shares = [sum(w <= sla for w in ws) / len(ws) for ws in by_service.values() if len(ws) >= MIN_SERVICE_VISITS]
    top = {n: max(w for _, w in d.weights) for n, d in hall.desks.items()}
    at_speciality = [v for v in visits if v.first_desk is not None
                     and dict(hall.desks[v.first_desk].weights).get(v.service_id) == top[v.first_desk]]
    return {"sla_share": sum(w <= sla for w in waits) / len(waits), "mean": sum(waits) / len(waits),
            "p90": percentile(waits, 0.9), "p95": percentile(waits, 0.95), "max": max(waits),
            "worst_service_sla": min(shares, default=1.0), "speciality_share": len(at_speciality) / len(visits),
            "cap_share": sum(v.rule == "cap" for v in visits) / len(visits)}


async def _play_all(hall: Hall, profile: DayProfile, seed: int, load: float,
                    policies: dict[str, DispatchPolicy]) -> dict[str, dict[str, float]]:
    weekday = WEEKDAYS[profile.day.weekday()]
    speed = service_speed(hall, profile)  # service times fixed at the nominal load; the load moves arrivals
    day = draw_day(hall, dataclasses.replace(profile, visitors=round(profile.visitors * load)), seed, speed,
                   service_mix(hall, weekday))
    start = datetime.combine(profile.day, time(7), ZoneInfo(hall.timezone))
    out = {}
    for name, policy in policies.items():
        variant = dataclasses.replace(hall, dispatch=policy)
        out[name] = day_figures(await play(DomainDriver(variant, start, predict=False), day), variant)
    return out


def _job(args: tuple[Hall, DayProfile, int, float, dict[str, DispatchPolicy]]) -> dict[str, dict[str, float]]:
    return asyncio.run(_play_all(*args))


def compare(demo: Hall, seeds: Iterable[int], loads: Iterable[float] = (0.9, 1.0, 1.1),
            workers: int = 2) -> dict[str, Any]:
    """{plan: {load: {policy: {figure: (mean, ci)}, "vs": {policy: {figure: (paired diff, ci)}}}}}.

    Every policy is compared with FCFS and with strict tiers on the same days; `loads` scale the arrivals.
    """
    policies = policy_set(demo.dispatch)
    seeds = list(seeds)
    jobs = [(hall, profile, seed, load, policies if load == 1.0 else
             {k: policies[k] for k in ("FCFS", "default", "strict tiers")})
            for hall, profile in plans(demo).values() for load in loads for seed in seeds]
    with ProcessPoolExecutor(workers) as pool:
        results = list(pool.map(_job, jobs))
    out: dict[str, Any] = {}
    index = 0
    for plan, (hall, _profile) in plans(demo).items():
        out[plan] = {"desks": len(hall.desks), "levels": _level_count(hall)}
        for load in loads:
            days = results[index:index + len(seeds)]
            index += len(seeds)
            out[plan][load] = _summarise(days)
    return out


def _level_count(hall: Hall) -> int:
    return max(len({lv for lv in levels(d.weights).values() if lv is not None}) for d in hall.desks.values())


def _summarise(days: list[dict[str, dict[str, float]]]) -> dict[str, Any]:
    names = list(days[0])
    summary: dict[str, Any] = {"policies": {}, "vs_fcfs": {}, "vs_strict": {}, "seeds": len(days)}
    for name in names:
        summary["policies"][name] = {f: mean_ci([d[name][f] for d in days]) for f in FIGURES}
        for baseline, key in (("FCFS", "vs_fcfs"), ("strict tiers", "vs_strict")):
            if name != baseline:
                summary[key][name] = {f: mean_ci([d[name][f] - d[baseline][f] for d in days]) for f in FIGURES}
    return summary
