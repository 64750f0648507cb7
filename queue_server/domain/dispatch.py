"""Who a desk calls next, and how long a waiting visitor will wait.

Rules (domain.md): a desk takes the head of its highest-weighted non-empty queue; services of equal
weight form one queue; within it booked visitors due now come first, then higher priority, then
earlier arrival. Visits pinned to this desk (transfer to a desk, "back to me afterwards") come before
everything; the weight-0 remainder tier only when nothing else waits for this desk.

Arrival is the ticket's issue time, also after a transfer or a bundle's next service: a visitor who has
already waited in the hall does not go to the back of the next line.
"""

from __future__ import annotations

import math
from datetime import datetime
from itertools import groupby

from .hall import WEEKDAYS
from .state import DeskStatus, HallState
from .visit import Visit

Rank = tuple[int, int, datetime, str]


def rank(visit: Visit, now: datetime, postpone_return_priority: int) -> Rank:
    booked_due = visit.booked_for is not None and visit.booked_for <= now
    return (
        0 if booked_due else 1,
        -visit.effective_priority(now, postpone_return_priority),
        visit.issued_at,
        visit.ticket,
    )


def waiting_visits(state: HallState, now: datetime, service_id: str | None = None) -> list[Visit]:
    pool = state.live_visits() if service_id is None else state.live_in_service(service_id)
    return [v for v in pool if v.is_waiting(now)]


def select_next(state: HallState, desk_number: int, now: datetime) -> Visit | None:
    """The visit this desk should call now, or None when nothing waits for it."""
    policy = state.hall.policy
    waiting = [v for v in state.live_visits() if v.target_desk == desk_number and v.is_waiting(now)]

    def best(candidates: list[Visit]) -> Visit | None:
        if not candidates:
            return None
        return min(candidates, key=lambda v: rank(v, now, policy.postpone_return_priority))

    pinned = best([v for v in waiting if v.target_desk == desk_number])
    if pinned is not None:
        return pinned
    weights = sorted(state.desks[desk_number].weights, key=lambda item: -item[1])
    for _weight, tier in groupby(weights, key=lambda item: item[1]):
        candidates = [
            v for sid, _ in tier for v in waiting_visits(state, now, sid) if v.target_desk is None
        ]
        chosen = best(candidates)
        if chosen is not None:
            return chosen
    return None


def queue_of(state: HallState, service_id: str, now: datetime) -> list[Visit]:
    """The service's waiting visitors in the order they will be called."""
    prio = state.hall.policy.postpone_return_priority
    members = [v for v in waiting_visits(state, now, service_id) if v.target_desk is None]
    return sorted(members, key=lambda v: rank(v, now, prio))


def ahead_of_newest(state: HallState, visit: Visit, now: datetime) -> int:
    """How many will be called before a visit just issued (so every other visit arrived earlier).

    Equivalent to its index in `queue_of`, without sorting the queue: an earlier arrival is ahead unless
    it ranks lower on booking-due or priority, which a linear count decides.
    """
    prio = state.hall.policy.postpone_return_priority
    booked_due = visit.booked_for is not None and visit.booked_for <= now
    mine = visit.effective_priority(now, prio)
    count = 0
    for other in state.live_in_service(visit.service_id):
        if other is visit or other.target_desk is not None or not other.is_waiting(now):
            continue
        other_due = other.booked_for is not None and other.booked_for <= now
        if (other_due and not booked_due) or (other_due == booked_due and other.effective_priority(now, prio) >= mine):
            count += 1
    return count


def serving_desks(state: HallState, service_id: str) -> int:
    """Open desks that take this service from a weighted (non-remainder) tier."""
    return sum(
        1
        for desk in state.desks.values()
        if desk.status is not DeskStatus.CLOSED
        and any(sid == service_id and weight > 0 for sid, weight in desk.weights)
    )


def estimate_wait_minutes(state: HallState, service_id: str, ahead: int, now: datetime) -> int:
    """Estimated wait for a visitor with `ahead` people before them in this service's queue.

    Each of the service's open desks works through the line at the service's recent average pace
    (last 20 finished services, else the configured average). A visitor at the head waits half a
    service on average when every desk is busy, nothing when one is free. Before any desk opens the
    configured desks count, so a kiosk in the morning still gives a sensible figure.
    """
    desks = serving_desks(state, service_id)
    if desks == 0:
        weekday = WEEKDAYS[now.weekday()]
        desks = max(1, len([d for d in state.hall.desks_serving(service_id, weekday)
                            if (d.weight_of(service_id) or 0) > 0]))
    average = state.avg_service_minutes(service_id)
    idle = any(
        d.status is DeskStatus.OPEN and d.visit_id is None and state.desk_weight(d.number, service_id)
        for d in state.desks.values()
    )
    if ahead == 0 and idle:
        return 0
    return math.ceil(average * (ahead + 0.5) / desks)
