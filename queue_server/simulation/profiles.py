"""Who comes, when, and for what: the day profiles the simulator plays.

Lutsk's centre (seeds): 800-1,000 visitors a day (peak 1,004) with a morning peak. The demo hall's
configured service times are each service's typical length; the simulator scales them so that the
day's visitors load the open desks to `target_load` (Lutsk reaches its numbers with 30 staff working
the 18 desks in shifts, so a desk is rarely idle).
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..domain.hall import WEEKDAYS, Desk, Hall, Operator

# Share of arrivals by hour of the opening day (08:00-16:00), a morning peak as in the seeds' reports.
WORKDAY_SHAPE = {8: 0.09, 9: 0.13, 10: 0.16, 11: 0.16, 12: 0.12, 13: 0.12, 14: 0.12, 15: 0.10}


@dataclass(frozen=True)
class DayProfile:
    name: str
    visitors: int
    day: date = date(2026, 11, 25)  # a Wednesday: 08:00-16:00 in the demo hall
    shape: dict[int, float] = field(default_factory=lambda: dict(WORKDAY_SHAPE))
    target_load: float = 0.72
    no_show: float = 0.04
    transfer: float = 0.03
    postpone: float = 0.02
    booked_share: float = 0.08
    priority_share: float = 0.03
    desk_scale: int = 1  # the hall's desks times this (a network's big centre)
    breaks: bool = True
    air_raid: tuple[time, int] | None = (time(11, 30), 40)  # start, minutes


LUTSK = DayProfile("lutsk", 900)
BIG = DayProfile("vinnytsia", 3500, desk_scale=4)
PROFILES = {p.name: p for p in (LUTSK, BIG)}


def scaled_hall(hall: Hall, profile: DayProfile) -> Hall:
    """The demo hall with `desk_scale` times the desks (and an operator for each), for the big profile."""
    if profile.desk_scale == 1:
        return hall
    desks: dict[int, Desk] = {}
    for copy in range(profile.desk_scale):
        for desk in hall.desks.values():
            number = desk.number + copy * len(hall.desks)
            desks[number] = dataclasses.replace(desk, number=number)
    template = next(op for op in hall.operators.values() if op.role == "operator")
    operators = dict(hall.operators)
    for number in desks:
        login = f"op{number:02d}"
        operators.setdefault(login, Operator(login, login, "operator", template.secret_hash))
    return dataclasses.replace(hall, desks=desks, operators=operators)


def service_mix(hall: Hall, weekday: str = "wed") -> list[tuple[str, float]]:
    """(service, probability): the demand the hall's desk plan is built for.

    Each desk's time is shared among its weighted services in proportion to their weights; a service's
    visitors are its desk time divided by its average service time. (Taking the seeds' citywide shares
    instead would load land desks three times over: the plan, not the city, fixes what one hall serves.)
    """
    minutes: dict[str, float] = {}
    for desk in hall.desks.values():
        if not desk.works_on(weekday):
            continue
        weighted = [(sid, w) for sid, w in desk.weights if w > 0 and hall.services[sid].daily_limit is None]
        total = sum(w for _, w in weighted)
        for sid, weight in weighted:
            minutes[sid] = minutes.get(sid, 0.0) + weight / total
    visitors = {sid: share / hall.services[sid].avg_service_minutes for sid, share in minutes.items()}
    total_visitors = sum(visitors.values())
    return sorted((sid, v / total_visitors) for sid, v in visitors.items())


def service_speed(hall: Hall, profile: DayProfile) -> float:
    """The factor on configured service times that makes the day's visitors a `target_load` of the desks."""
    weekday = WEEKDAYS[profile.day.weekday()]
    mean = sum(p * hall.services[sid].avg_service_minutes for sid, p in service_mix(hall, weekday))
    open_minutes = len(profile.shape) * 60
    working = [d for d in hall.desks.values() if d.works_on(weekday)]
    capacity = len(working) * open_minutes * profile.target_load
    return capacity / (profile.visitors * mean)


def arrival_times(profile: DayProfile, zone: ZoneInfo, rng: random.Random) -> list[datetime]:
    """A Poisson process whose rate follows the hourly shape, `visitors` expected in the day."""
    times = []
    for hour, share in sorted(profile.shape.items()):
        rate = profile.visitors * share / 60  # per minute
        moment = 0.0
        while True:
            moment += rng.expovariate(rate)
            if moment >= 60:
                break
            times.append(datetime.combine(profile.day, time(hour), zone) + timedelta(minutes=moment))
    return times


def lognormal_minutes(mean: float, rng: random.Random, spread: float = 0.5) -> float:
    """Service times are skewed (most quick, a few long): lognormal with the given mean."""
    mu = math.log(mean) - spread**2 / 2
    return rng.lognormvariate(mu, spread)
