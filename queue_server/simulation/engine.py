"""A day in the hall as a discrete-event simulation, played through a driver.

Visitors arrive by the profile; each idle desk calls the next by the real dispatch; a called visitor walks
up (or never comes: a no-show), is served for a sampled time, then leaves, is transferred to another
service, or is postponed for five minutes. Desks take a half-hour break each; an air-raid alert pauses the
hall. The simulator keeps its own record of each visit, to measure the waits and the estimate's accuracy.
"""

from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..domain.hall import WEEKDAYS, Hall
from .drivers import Driver
from .profiles import DayProfile, arrival_times, lognormal_minutes, service_mix, service_speed

WALK_UP = (0.3, 1.2)  # minutes from the call to the desk
BREAK_MINUTES, POSTPONE_MINUTES = 30, 5


@dataclass
class VisitRecord:
    ticket: str
    service_id: str
    issued_at: datetime
    estimate: int | None  # the promise at issue (None: no desk was open)
    draws: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # minutes, again, walk-up, fate
    first_call: datetime | None = None
    first_desk: int | None = None
    rule: str | None = None  # which part of the dispatch rule made the first call
    services_started: int = 0
    formula: int | None = None  # the first release's estimate, where a study's driver gives it

    @property
    def wait(self) -> float | None:
        return (self.first_call - self.issued_at).total_seconds() / 60 if self.first_call else None


@dataclass
class DeskRecord:
    busy_minutes: float = 0.0
    visitor: str | None = None
    break_due: datetime | None = None
    on_break: bool = False


@dataclass
class SimulationResult:
    profile: str
    arrivals: int
    issued: int
    turned_away: int  # came during the air-raid pause, or the hall refused
    bookings: int = 0
    visits: dict[str, VisitRecord] = field(default_factory=dict)
    desks: dict[int, DeskRecord] = field(default_factory=dict)
    open_minutes: float = 0.0
    started: datetime | None = None
    ended: datetime | None = None

    def waits(self) -> list[float]:
        return [(v.first_call - v.issued_at).total_seconds() / 60 for v in self.visits.values() if v.first_call]

    def estimate_errors(self) -> list[float]:
        return [abs(v.estimate - (v.first_call - v.issued_at).total_seconds() / 60)
                for v in self.visits.values() if v.first_call and v.estimate is not None]


@dataclass(frozen=True)
class Visitor:
    """One visitor of the drawn day: when they come, for what, and every chance that decides their visit."""

    arrives: datetime
    service_id: str
    priority: bool
    draws: tuple[float, float, float, float]  # service minutes, minutes of a second service, walk-up, fate


@dataclass(frozen=True)
class DrawnDay:
    """A day drawn once from a seed; every dispatch policy is then played on exactly this day."""

    profile: DayProfile
    visitors: tuple[Visitor, ...]
    services: tuple[str, ...]  # the demand mix's services (transfers go to one of them)
    opening: datetime
    closing: datetime
    desks: tuple[int, ...]
    break_due: dict[int, datetime]


def draw_day(hall: Hall, profile: DayProfile, seed: int = 1, speed: float | None = None,
             mix: list[tuple[str, float]] | None = None) -> DrawnDay:
    """Arrivals, services, service times, no-shows, bookings and breaks: every random draw of the day, up front.

    `mix` fixes the demand (by default the one the hall's desk plan is built for: `service_mix`), so another
    desk plan or policy can be played on the same visitors.
    """
    rng = random.Random(seed)
    zone = ZoneInfo(hall.timezone)
    mix = mix or service_mix(hall, WEEKDAYS[profile.day.weekday()])
    services, weights = [s for s, _ in mix], [p for _, p in mix]
    speed = speed if speed is not None else service_speed(hall, profile)
    visitors = []
    for moment in arrival_times(profile, zone, rng):
        service_id = rng.choices(services, weights)[0]
        mean = hall.services[service_id].avg_service_minutes * speed
        visitors.append(Visitor(moment, service_id, rng.random() < profile.priority_share,
                                (lognormal_minutes(mean, rng), lognormal_minutes(mean, rng), rng.uniform(*WALK_UP),
                                 rng.random())))
    opening = datetime.combine(profile.day, time(min(profile.shape)), zone)
    closing = datetime.combine(profile.day, time(max(profile.shape) + 1), zone)
    working = tuple(sorted(n for n, d in hall.desks.items() if d.works_on(WEEKDAYS[profile.day.weekday()])))
    breaks = {number: opening + timedelta(hours=5, minutes=(index % 8) * 15)  # after the peak
              for index, number in enumerate(working)} if profile.breaks else {}
    return DrawnDay(profile, tuple(visitors), tuple(services), opening, closing, working, breaks)


async def simulate(driver: Driver, hall: Hall, profile: DayProfile, seed: int = 1,
                   speed: float | None = None) -> SimulationResult:
    return await play(driver, draw_day(hall, profile, seed, speed))


async def play(driver: Driver, day: DrawnDay) -> SimulationResult:
    """Play a drawn day through a driver: the hall's own dispatch decides who each free desk calls."""
    profile, services, opening, closing = day.profile, list(day.services), day.opening, day.closing
    zone = opening.tzinfo
    assert zone is not None
    result = SimulationResult(profile.name, len(day.visitors), 0, 0, started=opening)
    result.desks = {number: DeskRecord(break_due=day.break_due.get(number)) for number in day.desks}
    working = list(day.desks)
    counter = itertools.count()
    queue: list[tuple[datetime, int, str, Any]] = []

    def at(moment: datetime, kind: str, payload: Any = None) -> None:
        heapq.heappush(queue, (moment, next(counter), kind, payload))

    await driver.open(working)  # desks open and bookings are made before the doors open
    await driver.set_time(opening - timedelta(minutes=30))
    bookings = 0
    for index, visitor in enumerate(day.visitors):
        moment, service_id, draws = visitor.arrives, visitor.service_id, visitor.draws
        if draws[3] > 1 - profile.booked_share:  # this visitor booked a slot around the time they come
            slot = moment.replace(minute=moment.minute // 15 * 15, second=0, microsecond=0) + timedelta(minutes=15)
            code = await driver.book(service_id, slot, f"+38050{index:07d}")
            if code is not None:
                bookings += 1
                at(moment, "check_in", (code, service_id, draws))
                continue
        at(moment, "arrive", visitor)
    result.bookings = bookings
    if profile.air_raid is not None:
        start = datetime.combine(profile.day, profile.air_raid[0], zone)
        at(start, "hall_pause")
        at(start + timedelta(minutes=profile.air_raid[1]), "hall_resume")
    at(opening, "wake")
    paused = False
    pending_visit: dict[int, tuple[str, float, float]] = {}  # desk -> (visit id, service minutes, fate draw)
    unknown = VisitRecord("?", services[0], opening, 0, (5.0, 5.0, 0.5, 1.0))
    by_id: dict[str, VisitRecord] = {}

    async def wake(now: datetime) -> None:
        """Every free desk calls the next visitor (or starts its break when one is due)."""
        if paused:
            return
        for number, record in result.desks.items():
            if record.visitor is not None or record.on_break:
                continue
            if record.break_due is not None and now >= record.break_due:
                record.break_due, record.on_break = None, True
                await driver.desk(number, "desk_pause", reason="break")
                at(now + timedelta(minutes=BREAK_MINUTES), "break_end", number)
                continue
            called = await driver.desk(number, "call_next")
            if not called:
                continue
            visit_id = called["visit"]["visit_id"]
            record.visitor = visit_id
            visit = by_id.get(visit_id, unknown)
            if visit.first_call is None:
                visit.first_call, visit.first_desk, visit.rule = now, number, called.get("rule")
            minutes, again, walk, fate = visit.draws
            # A second call (after a transfer or the postpone pool) ends in an ordinary finish.
            pending_visit[number] = (visit_id, again, 1.0) if visit.services_started else (visit_id, minutes, fate)
            visit.services_started += 1
            at(now + timedelta(minutes=walk), "walk_up", number)

    while queue:
        now, _, kind, payload = heapq.heappop(queue)
        await driver.set_time(now)
        if kind in ("arrive", "check_in"):
            if kind == "arrive":
                service_id, draws = payload.service_id, payload.draws
                ticket = None if paused else await driver.issue(service_id, "military" if payload.priority else None)
            else:
                code, service_id, draws = payload
                ticket = None if paused else await driver.check_in(code)
            if ticket is None:
                result.turned_away += 1
            else:
                result.issued += 1
                visit = VisitRecord(ticket["ticket"], service_id, now, ticket["estimated_wait_minutes"], draws,
                                    formula=ticket.get("formula_estimate"))
                result.visits[ticket["ticket"]] = visit
                by_id[ticket["visit_id"]] = visit
            await wake(now)
        elif kind == "walk_up":
            desk_number = payload
            _visit_id, minutes, fate = pending_visit[desk_number]
            if fate < profile.no_show:
                await driver.desk(desk_number, "no_show")
                result.desks[desk_number].visitor = None
                await wake(now)
            else:
                await driver.desk(desk_number, "start_service")
                at(now + timedelta(minutes=minutes), "served", desk_number)
        elif kind == "served":
            desk_number = payload
            _visit_id, minutes, fate = pending_visit.pop(desk_number)
            result.desks[desk_number].busy_minutes += minutes
            draw = (fate - profile.no_show) / max(1e-9, 1 - profile.no_show)
            if draw < profile.transfer:
                target = services[int(draw * 1000) % len(services)]
                await driver.desk(desk_number, "transfer", to_service=target)
            elif draw < profile.transfer + profile.postpone:
                await driver.desk(desk_number, "postpone", minutes=POSTPONE_MINUTES)
                at(now + timedelta(minutes=POSTPONE_MINUTES, seconds=1), "wake")
            else:
                await driver.desk(desk_number, "finish", result="served")
            result.desks[desk_number].visitor = None
            await wake(now)
        elif kind == "break_end":
            result.desks[payload].on_break = False
            await driver.desk(payload, "desk_resume")
            await wake(now)
        elif kind == "hall_pause":
            paused = True
            await driver.hall("hall_pause")
        elif kind == "hall_resume":
            paused = False
            await driver.hall("hall_resume")
            await wake(now)
        elif kind == "wake":
            await wake(now)
        if not queue and now < closing + timedelta(hours=4) and any(
                v.first_call is None for v in result.visits.values()):
            at(now + timedelta(minutes=1), "wake")  # someone still waits (back from the pool): keep calling
    result.ended = now
    result.open_minutes = (closing - opening).total_seconds() / 60
    return result
