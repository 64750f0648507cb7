"""The wait promised on a ticket: the real dispatch rule run forward from the hall as it is now.

A few replications of a small simulation, each from the live state:
- every open desk is free now or when its current visitor is likely done (the learned length of that
  service at that desk, given how long it has already taken); a paused desk comes back after the hall's
  usual pause (learned); a closed desk does not come;
- every waiting visitor of every queue stays where the rule puts them; postponed visitors return at their
  time; booked visitors come at their slot; walk-ins keep arriving at today's recent rate for each service
  (and may overtake: a speciality or a priority visitor who comes later can be called first);
- each free desk takes the head the rule (`dispatch.pick`) gives it; a call lasts the learned walk-up (or
  the absence) plus a service length drawn around the learned figure for that service at that desk; the
  learned share of visitors who go back into a queue afterwards (transfer, postponement) do so.
The forecast is the median over the replications of the minutes until the visitor is called, and of the
number called first ("ahead of you", whatever service they came for). When no desk that serves the
service is open, there are no minutes to promise: `minutes` is None and the kiosk says so.

Pure and deterministic: the random draws come from a seed made from the visit id.
"""

from __future__ import annotations

import heapq
import math
import statistics
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random

from .dispatch import Candidate, head_start, level_bonus, pick, visit_order
from .hall import WEEKDAYS, DispatchPolicy
from .state import DeskStatus, HallState
from .visit import Visit, VisitState

REPLICATIONS = 5
ARRIVAL_WINDOW_MINUTES = 60  # today's recent walk-ins give each service's arrival rate
LATE_PAUSE_MINUTES = 5  # a desk paused longer than its usual pause is expected back this long from now
HORIZON_MINUTES = 12 * 60  # nobody is promised more than the rest of a long day
MAX_CALLS = 5_000  # the forward run stops here whatever happens (bounded work per forecast)


@dataclass(frozen=True)
class Forecast:
    minutes: int | None  # None: no desk that serves the service is open now
    ahead: int  # visitors who will be called first, whatever service they came for


@dataclass(frozen=True)
class Target:
    """The visitor to forecast for: a ticket about to be issued, or a waiting visit."""

    visit_id: str
    service_id: str
    since: datetime  # issue time, or the booked slot
    priority: int
    booked_for: datetime | None
    pinned_desk: int | None = None
    booking_id: str | None = None  # the booking being checked in (not also a later arrival)
    order: str = "\uffff"  # tie-break among equal scores: a new ticket comes after everyone already here

    @classmethod
    def of(cls, visit: Visit, now: datetime, return_priority: int) -> Target:
        return cls(visit.visit_id, visit.service_id, visit.booked_for or visit.issued_at,
                   visit.effective_priority(now, return_priority), visit.booked_for, visit.target_desk,
                   order=visit_order(visit))


# A waiting visitor inside the forward run: (-(boost) + since, order, service, pinned desk, since, boost, id).
# Ordered by since - boost: in one queue the head is the smallest, and it stays so as time passes.
_Entry = tuple[float, str, str, int | None, float, float, str]


def forecast(state: HallState, target: Target, now: datetime, replications: int = REPLICATIONS) -> Forecast:
    desks = _desks(state, target, now)
    if not desks:  # no minutes to promise; checked first, so a hall with no desk open stays cheap to issue in
        return Forecast(None, _ahead_in_line(state, target, now))
    start = _Start.build(state, target, now, desks)
    seed = zlib.crc32(target.visit_id.encode())
    runs = [start.run(Random(seed + r)) for r in range(replications)]
    minutes = statistics.median(m for m, _ in runs)
    return Forecast(max(0, math.ceil(minutes - 0.25)), round(statistics.median(a for _, a in runs)))


def wait_now(state: HallState, visit: Visit, now: datetime) -> Forecast:
    """The live re-estimate for a waiting visit (the visitor's page)."""
    return forecast(state, Target.of(visit, now, state.hall.policy.postpone_return_priority), now)


def _minutes(moment: datetime, origin: datetime) -> float:
    return (moment - origin).total_seconds() / 60


@dataclass
class _Start:
    """Everything the forward run starts from, gathered once; each replication copies it."""

    state: HallState
    target: Target
    now: datetime
    queues: dict[str, list[_Entry]]  # service -> heap of waiting visitors (pinned ones under "#<desk>")
    later: list[tuple[float, _Entry]]  # visitors who come back or arrive at a known time
    desk_free_at: dict[int, tuple[float, str | None, float]]  # desk -> (minutes from now, busy with, elapsed)
    rates: list[tuple[str, float, float]]  # service, walk-ins per minute, share with priority
    # (mu, sigma) of each service's lognormal length at each desk, filled as the runs ask
    lengths: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)

    @classmethod
    def build(cls, state: HallState, target: Target, now: datetime,
              desks: dict[int, tuple[float, str | None, float]]) -> _Start:
        policy, return_priority = state.dispatch, state.hall.policy.postpone_return_priority
        queues: dict[str, list[_Entry]] = {}
        later: list[tuple[float, _Entry]] = []

        def entry(visit_id: str, service_id: str, since: datetime, priority: int, booked: bool,
                  pinned: int | None, order: str) -> _Entry:
            boost = head_start(policy, priority, booked)
            at = _minutes(since, now)
            return (at - boost, order, service_id, pinned, at, boost, visit_id)

        for visit in state.live_visits():
            if visit.visit_id == target.visit_id:
                continue
            since = visit.booked_for or visit.issued_at
            order = visit_order(visit)
            if visit.state is VisitState.WAITING or visit.is_waiting(now):
                item = entry(visit.visit_id, visit.service_id, since, visit.effective_priority(now, return_priority),
                             visit.booked_for is not None, visit.target_desk, order)
                queues.setdefault(_queue_key(item), []).append(item)
            elif visit.state is VisitState.POSTPONED and visit.postponed_until is not None:
                item = entry(visit.visit_id, visit.service_id, since, max(visit.priority, return_priority),
                             visit.booked_for is not None, visit.target_desk, order)
                later.append((_minutes(visit.postponed_until, now), item))
        mine = entry(target.visit_id, target.service_id, target.since, target.priority,
                     target.booked_for is not None, target.pinned_desk, target.order)
        queues.setdefault(_queue_key(mine), []).append(mine)
        for index, booking in enumerate(state.bookings.on_day(now.date())):
            if (booking.visit_id is None and not booking.cancelled and booking.booking_id != target.booking_id
                    and now < booking.start < now + timedelta(hours=4)):
                # Tie-break by booking order, never by the (random) code: the same hall, the same forecast.
                item = entry(booking.booking_id, booking.service_id, booking.start, 0, True, None,
                             f"{booking.start.isoformat()} #{index:06d}")
                later.append((_minutes(booking.start, now), item))
        for heap in queues.values():
            heapq.heapify(heap)
        return cls(state, target, now, queues, later, desks, _rates(state, now))

    def run(self, rng: Random) -> tuple[float, int]:
        """One replication: (minutes until the target is called, how many were called first)."""
        state = self.state
        queues = {k: list(v) for k, v in self.queues.items()}
        known = list(self.later)
        heapq.heapify(known)
        walk_ins = _WalkIns(self.rates, state.dispatch, rng)
        desks: list[tuple[float, int]] = []
        for number, (free_at, busy_with, elapsed) in self.desk_free_at.items():
            if busy_with is not None:
                free_at = self._remaining(busy_with, number, elapsed, rng)
            heapq.heappush(desks, (free_at, number))
        plans = {n: (level_bonus(state.desks[n].weights, state.dispatch), [sid for sid, _ in state.desks[n].weights])
                 for n in self.desk_free_at}
        called, requeue = 0, state.service_times.requeue_share()
        for _ in range(MAX_CALLS):
            moment, number = heapq.heappop(desks)
            if moment > HORIZON_MINUTES:
                break
            while known and known[0][0] <= moment:
                _, item = heapq.heappop(known)
                heapq.heappush(queues.setdefault(_queue_key(item), []), item)
            if walk_ins.next_at <= moment:
                for item in walk_ins.until(moment):
                    heapq.heappush(queues.setdefault(_queue_key(item), []), item)
            chosen = self._choose(queues, number, plans[number], moment)
            if chosen is None:  # nothing for this desk now: it waits for the next arrival
                heapq.heappush(desks, (min(known[0][0] if known else math.inf, walk_ins.next_at), number))
                continue
            if chosen[6] == self.target.visit_id:
                return max(0.0, moment), called
            called += 1
            done = moment + self._call_length(chosen[2], number, rng)
            heapq.heappush(desks, (done, number))
            if rng.random() < requeue:  # transferred or postponed: back in a queue, with their wait kept
                heapq.heappush(known, (done, chosen))
        return HORIZON_MINUTES, called

    def _choose(self, queues: dict[str, list[_Entry]], number: int,
                plan: tuple[dict[str, float], list[str]], moment: float) -> _Entry | None:
        pinned = queues.get(f"#{number}")
        if pinned:
            return heapq.heappop(pinned)
        bonus, services = plan
        heads = [Candidate(sid, moment - head[4], head[5], head[1])
                 for sid in services if (queue := queues.get(sid)) and (head := queue[0])]
        picked = pick(bonus, heads, self.state.dispatch)
        return heapq.heappop(queues[picked[0].service_id]) if picked is not None else None

    def _remaining(self, service_id: str, desk: int, elapsed: float, rng: Random) -> float:
        """How much longer the current visitor keeps the desk, given how long it has taken so far."""
        for _ in range(20):
            length = self._service_length(service_id, desk, rng)
            if length > elapsed:
                return length - elapsed
        return 0.5

    def _call_length(self, service_id: str, desk: int, rng: Random) -> float:
        times = self.state.service_times
        walk = times.call_minutes()
        if rng.random() < times.no_show_share():
            return walk
        return walk + self._service_length(service_id, desk, rng)

    def _service_length(self, service_id: str, desk: int, rng: Random) -> float:
        known = self.lengths.get((service_id, desk))
        if known is None:
            service = self.state.hall.services.get(service_id)
            configured = service.avg_service_minutes if service is not None else 10.0
            mean, spread = self.state.service_times.service(service_id, desk, configured)
            known = self.lengths[(service_id, desk)] = (math.log(mean) - spread * spread / 2, spread)
        return rng.lognormvariate(*known)


class _WalkIns:
    """Walk-ins drawn one at a time as the run needs them (a Poisson stream at today's recent rates)."""

    def __init__(self, rates: list[tuple[str, float, float]], policy: DispatchPolicy, rng: Random) -> None:
        self.rates, self.policy, self.rng = rates, policy, rng
        self.total = sum(rate for _, rate, _ in rates)
        self.next_at = self._after(0.0)

    def _after(self, moment: float) -> float:
        return moment + self.rng.expovariate(self.total) if self.total > 0 else math.inf

    def until(self, moment: float) -> list[_Entry]:
        out: list[_Entry] = []
        while self.next_at <= moment:
            at = self.next_at
            point = self.rng.random() * self.total
            service_id, share = self.rates[-1][0], self.rates[-1][2]
            for sid, rate, priority_share in self.rates:
                point -= rate
                if point <= 0:
                    service_id, share = sid, priority_share
                    break
            boost = head_start(self.policy, 1 if self.rng.random() < share else 0, False)
            out.append((at - boost, f"~{at:012.4f}", service_id, None, at, boost, f"~{at}"))
            self.next_at = self._after(at)
        return out


def ahead_in_own_queue(state: HallState, visit: Visit, now: datetime) -> int:
    """How many of the visit's own queue stand before it (all of them are called first, whatever else)."""
    return _ahead_in_line(state, Target.of(visit, now, state.hall.policy.postpone_return_priority), now)


def _ahead_in_line(state: HallState, target: Target, now: datetime) -> int:
    """How many of the target's own queue stand before it (also what a ticket says while no desk is open).

    Linear in the queue, on every issue while no desk is open: keys are compared as float minutes, and the
    tie-breaking ticket order (an isoformat per visit) only on an exact tie."""
    policy, returning = state.dispatch, state.hall.policy.postpone_return_priority
    # The same order as the live rule (dispatch.candidate): a booking's head start counts once its slot has come.
    mine = _minutes(target.since, now) - head_start(
        policy, target.priority, target.booked_for is not None and target.booked_for <= now)
    count = 0
    for visit in state.live_in_service(target.service_id):
        if visit.visit_id == target.visit_id or visit.target_desk != target.pinned_desk or not visit.is_waiting(now):
            continue
        due = visit.booked_for is not None and visit.booked_for <= now
        key = _minutes(visit.booked_for or visit.issued_at, now) - head_start(
            policy, visit.effective_priority(now, returning), due)
        if key < mine or (key == mine and visit_order(visit) < target.order):
            count += 1
    return count


def _queue_key(item: _Entry) -> str:
    return f"#{item[3]}" if item[3] is not None else item[2]


def _desks(state: HallState, target: Target, now: datetime) -> dict[int, tuple[float, str | None, float]]:
    """Open and paused desks: when each can next call, and what it is busy with (service, minutes so far).

    Empty when no desk that serves the target's service is open: there is then nothing honest to promise.
    """
    weekday = WEEKDAYS[now.weekday()]
    out: dict[int, tuple[float, str | None, float]] = {}
    for number, desk in state.desks.items():
        configured = state.hall.desks.get(number)
        if desk.status is DeskStatus.CLOSED or (configured is not None and not configured.works_on(weekday)):
            continue
        if desk.status is DeskStatus.PAUSED:
            back = state.service_times.pause_minutes() - _minutes(now, desk.since or now)
            out[number] = (back if back > 0 else LATE_PAUSE_MINUTES, None, 0.0)
        elif desk.visit_id is not None and desk.visit_id in state.visits:
            visit = state.visits[desk.visit_id]
            out[number] = (0.0, visit.service_id, _minutes(now, desk.since or now))
        else:
            out[number] = (0.0, None, 0.0)
    serves = [n for n in out if any(sid == target.service_id for sid, _ in state.desks[n].weights)
              or n == target.pinned_desk]
    return out if serves else {}


def _rates(state: HallState, now: datetime) -> list[tuple[str, float, float]]:
    """Walk-ins per minute for each service over the last hour of today, and the share with priority."""
    counts: dict[str, list[int]] = {}
    window = now - timedelta(minutes=ARRIVAL_WINDOW_MINUTES)
    earliest = now
    for at, service_id, priority in state.recent_arrivals:
        if window <= at <= now:
            tally = counts.setdefault(service_id, [0, 0])
            tally[0] += 1
            tally[1] += priority
            earliest = min(earliest, at)
    # Early in the day the window is shorter than an hour: divide by the time actually covered.
    span = max(10.0, _minutes(now, earliest))
    return [(sid, n / span, p / n) for sid, (n, p) in sorted(counts.items())]
