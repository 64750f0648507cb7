"""History reports for any date range, computed from the event log alone (pure: records in, figures out).

Each day is replayed through the same `HallState` the server runs, so a visit's periods here are exactly
the ones the hall lived: wait, walk-up and service times are sums over them (per service and per operator
by the period's own service and operator).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from .domain import events as ev
from .domain.hall import Hall
from .domain.sla import sla_share
from .domain.state import HallState
from .domain.visit import PeriodKind, Visit, VisitState
from .store import EventRecord

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def summary(values: list[float]) -> dict[str, float | int]:
    """count, average, 90th percentile (nearest rank) and maximum, in minutes rounded to 0.1."""
    if not values:
        return {"count": 0, "avg": 0.0, "p90": 0.0, "max": 0.0}
    ordered = sorted(values)
    p90 = ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]
    return {"count": len(ordered), "avg": round(sum(ordered) / len(ordered), 1), "p90": round(p90, 1),
            "max": round(ordered[-1], 1)}


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60


def replay(hall: Hall, records: list[EventRecord]) -> tuple[list[Visit], list[ev.Event]]:
    """Every visit of the records' days as it ended, and the non-visit events worth reporting."""
    visits: list[Visit] = []
    where: dict[str, int] = {}  # visit id -> its place in `visits`
    other: list[ev.Event] = []
    for _day, day_records in groupby(records, key=lambda r: r.day):
        state = HallState(hall)
        for record in day_records:
            event = ev.from_dict(record.payload)
            state.apply(event)
            if isinstance(event, ev.TicketIssued):
                where[event.visit_id] = len(visits)
                visits.append(state.visits[event.visit_id])  # the object lives on, closed by later events
            elif isinstance(event, ev.VisitCarriedOver):
                # Served across midnight: counted once, as it ended on the later day (or there alone, when the
                # report starts on that day).
                visit = state.visits[event.visit_id]
                if event.visit_id in where:
                    visit.periods = visits[where[event.visit_id]].periods[:-1] + visit.periods  # its whole record
                    visits[where[event.visit_id]] = visit
                else:
                    where[event.visit_id] = len(visits)
                    visits.append(visit)
            elif isinstance(event, ev.FeedbackGiven | ev.AccessibleSessionLogged | ev.VisitTransferred):
                other.append(event)
    return visits, other


def build(hall: Hall, records: list[EventRecord], now: datetime) -> dict[str, Any]:
    """The report; `now` measures a wait still going on today (the SLA rule: domain/sla.py)."""
    visits, other = replay(hall, records)
    heat: Counter[tuple[int, int]] = Counter(
        (v.issued_at.weekday(), v.issued_at.hour) for v in visits)
    waits_by_service: dict[str, list[float]] = defaultdict(list)
    service_by_service: dict[str, list[float]] = defaultdict(list)
    service_by_operator: dict[str, list[float]] = defaultdict(list)
    for visit in visits:
        for period in visit.periods:
            if period.end is None:
                continue
            minutes = _minutes(period.end - period.start)
            if period.kind is PeriodKind.WAITING:
                waits_by_service[period.service_id].append(minutes)
            elif period.kind is PeriodKind.SERVICE:
                service_by_service[period.service_id].append(minutes)
                if period.operator:
                    service_by_operator[period.operator].append(minutes)
    outcomes = Counter(v.state.value for v in visits)
    feedback = [e for e in other if isinstance(e, ev.FeedbackGiven)]
    accessible = [e for e in other if isinstance(e, ev.AccessibleSessionLogged)]
    sla = sla_share(hall.policy, visits, now)
    bad = sum(1 for f in feedback if not f.good)
    return {
        "visits": len(visits),
        "outcomes": {
            "served": outcomes[VisitState.FINISHED.value],
            "no_show": outcomes[VisitState.NO_SHOW.value],
            "cancelled": outcomes[VisitState.CANCELLED.value],
            "transferred": sum(1 for e in other if isinstance(e, ev.VisitTransferred)),
        },
        "sla": {"above": sla.above, "within_share": sla.within_share,
                "walk_in_minutes": hall.policy.sla_walk_in_minutes,
                "booked_minutes": hall.policy.sla_booked_minutes},
        "heatmap": [{"weekday": WEEKDAY_NAMES[d], "hour": h, "arrivals": n} for (d, h), n in sorted(heat.items())],
        "by_service": {
            sid: {"wait": summary(waits_by_service.get(sid, [])), "service": summary(service_by_service.get(sid, []))}
            for sid in sorted(set(waits_by_service) | set(service_by_service))
        },
        "by_operator": {op: summary(values) for op, values in sorted(service_by_operator.items())},
        "feedback": {
            "answers": len(feedback),
            "positive_share": round(sum(1 for f in feedback if f.good) / len(feedback), 3) if feedback else None,
            "complaints_per_1000": round(bad * 1000 / len(visits), 1) if visits else 0.0,
            "comments": [{"at": f.at.isoformat(), "service_id": f.service_id, "desk": f.desk, "good": f.good,
                          "reason": f.reason, "comment": f.comment} for f in feedback if f.comment or f.reason],
        },
        "accessible": {
            "sessions": len(accessible),
            "outcomes": dict(Counter(a.outcome for a in accessible)),
            "terminals": dict(Counter(a.terminal for a in accessible)),
            "features": dict(Counter(f for a in accessible for f in a.features)),
            "avg_seconds": round(sum(a.duration_seconds for a in accessible) / len(accessible), 1) if accessible
            else 0.0,
        },
        "rows": [visit_row(v) for v in visits],
    }


def visit_row(visit: Visit) -> dict[str, Any]:
    """One visit as a flat row for the exports."""
    minutes: dict[PeriodKind, float] = dict.fromkeys(PeriodKind, 0)  # one pass over the periods (a year: 214,000)
    served_at = None
    for period in visit.periods:
        if period.end is not None:
            minutes[period.kind] += _minutes(period.end - period.start)
        if period.kind is PeriodKind.SERVICE:
            served_at = period
    return {
        "date": visit.issued_at.date().isoformat(),
        "ticket": visit.ticket,
        "service_id": visit.service_id,
        "issued_at": visit.issued_at.strftime("%H:%M:%S"),
        "wait_min": round(minutes[PeriodKind.WAITING], 1),
        "walk_up_min": round(minutes[PeriodKind.WALK_UP], 1),
        "service_min": round(minutes[PeriodKind.SERVICE], 1),
        "hold_min": round(minutes[PeriodKind.HOLD], 1),
        "outcome": visit.state.value,
        "result": visit.result or "",
        "desk": served_at.desk if served_at else "",
        "operator": served_at.operator if served_at else "",
        "priority": visit.priority_category or "",
        "booked": visit.booked_for.strftime("%H:%M") if visit.booked_for else "",
    }


def visits_by_day(hall: Hall, days: Iterable[list[EventRecord]]) -> Iterator[Visit]:
    """The visits of consecutive days' records as `replay` finds them, one day in memory at a time (exports).

    A visit still at a desk when its day ended waits to be joined with the next day's part of it (as in
    `replay`) and comes out when it is whole, so it may come after visits issued later than it."""
    held: dict[str, Visit] = {}  # kept at a desk when its day ended
    for records in days:
        state = HallState(hall)
        ordered: list[Visit] = []
        kept: set[str] = set()
        for record in records:
            event = ev.from_dict(record.payload)
            state.apply(event)
            if isinstance(event, ev.TicketIssued):
                ordered.append(state.visits[event.visit_id])
            elif isinstance(event, ev.VisitCarriedOver):
                visit = state.visits[event.visit_id]
                earlier = held.pop(event.visit_id, None)
                if earlier is not None:
                    visit.periods = earlier.periods[:-1] + visit.periods
                ordered.append(visit)
            elif isinstance(event, ev.DayEnded):
                kept.update(event.kept)
        yield from held.values()  # kept yesterday, but not carried into this day: as they were
        held = {}
        for visit in ordered:
            if visit.visit_id in kept:
                held[visit.visit_id] = visit
            else:
                yield visit
    yield from held.values()
