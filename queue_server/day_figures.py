"""A business day's report figures, kept so a report over a year sums ~250 days instead of replaying a year.

`reports.build` replays a range of the log and is the definition of every figure. This module gets the very
same figures from per-day parts: `of_day` replays one day once (when the day has ended, the result is stored:
store `day_figures` table, filled by `hall_service`), and `combine` adds the days of a range up. Equality with
`reports.build` is exact (tests/test_reports_scale.py), which decides how each part is kept:

- counts (visits, outcomes, arrivals by weekday and hour, above the SLA target, transfers, feedback) add up;
- averages, 90th percentiles and maxima are of the range's whole list of minutes, so each day keeps its list
  (packed doubles, so every value comes back bit for bit: `summary` then sorts and sums the same numbers);
- a visit still at a desk when its day ended goes on into the next day (`VisitCarriedOver`), and a report
  over both days counts it once with its whole record. Such visits (at most a few a day) are kept whole with
  the day instead of in its counts, and `combine` joins them across days exactly as `reports.replay` does.

`now` matters only to a wait still going on (the SLA rule), so only a day that has not ended depends on it;
such a day (today) is never stored.
"""

from __future__ import annotations

import base64
from array import array
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby
from typing import Any

from .domain import events as ev
from .domain.hall import Hall
from .domain.sla import above_target
from .domain.state import HallState
from .domain.visit import Period, PeriodKind, Visit, VisitState
from .reports import WEEKDAY_NAMES, summary
from .store import EventRecord

FORMAT = 1  # the stored rows' layout: a row of another format is computed again from the log


@dataclass
class DayFigures:
    visits: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    heat: Counter[tuple[int, int]] = field(default_factory=Counter)
    above: int = 0
    waits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    services: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    operators: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    transferred: int = 0
    feedback_answers: int = 0
    feedback_good: int = 0
    comments: list[dict[str, Any]] = field(default_factory=list)
    accessible: int = 0
    accessible_outcomes: Counter[str] = field(default_factory=Counter)
    accessible_terminals: Counter[str] = field(default_factory=Counter)
    accessible_features: Counter[str] = field(default_factory=Counter)
    accessible_seconds: int = 0
    # Visits carried into this day or still at a desk when it ended: (carried in?, the visit as the day left it).
    across: list[tuple[bool, Visit]] = field(default_factory=list)

    def add_visit(self, visit: Visit, hall: Hall, now: datetime) -> None:
        """One visit's part of every figure (as `reports.build` counts it)."""
        self.visits += 1
        self.outcomes[visit.state.value] += 1
        self.heat[(visit.issued_at.weekday(), visit.issued_at.hour)] += 1
        self.above += above_target(hall.policy, visit, now)
        for period in visit.periods:
            if period.end is None:
                continue
            minutes = (period.end - period.start).total_seconds() / 60
            if period.kind is PeriodKind.WAITING:
                self.waits[period.service_id].append(minutes)
            elif period.kind is PeriodKind.SERVICE:
                self.services[period.service_id].append(minutes)
                if period.operator:
                    self.operators[period.operator].append(minutes)

    def add(self, other: DayFigures) -> None:
        """Another day's counts and lists (not its visits across days: `combine` joins those)."""
        self.visits += other.visits
        self.outcomes.update(other.outcomes)
        self.heat.update(other.heat)
        self.above += other.above
        for mine, theirs in ((self.waits, other.waits), (self.services, other.services),
                             (self.operators, other.operators)):
            for key, values in theirs.items():
                mine[key].extend(values)
        self.transferred += other.transferred
        self.feedback_answers += other.feedback_answers
        self.feedback_good += other.feedback_good
        self.comments += other.comments
        self.accessible += other.accessible
        self.accessible_outcomes.update(other.accessible_outcomes)
        self.accessible_terminals.update(other.accessible_terminals)
        self.accessible_features.update(other.accessible_features)
        self.accessible_seconds += other.accessible_seconds


def of_day(hall: Hall, records: list[EventRecord], now: datetime) -> DayFigures:
    """One business day's figures from its own records (all of one day, in sequence order)."""
    figures = DayFigures()
    state = HallState(hall)
    issued: list[Visit] = []
    carried_in: list[Visit] = []
    kept: set[str] = set()
    for record in records:
        event = ev.from_dict(record.payload)
        state.apply(event)
        if isinstance(event, ev.TicketIssued):
            issued.append(state.visits[event.visit_id])
        elif isinstance(event, ev.VisitCarriedOver):
            carried_in.append(state.visits[event.visit_id])
        elif isinstance(event, ev.DayEnded):
            kept.update(event.kept)
        elif isinstance(event, ev.VisitTransferred):
            figures.transferred += 1
        elif isinstance(event, ev.FeedbackGiven):
            figures.feedback_answers += 1
            figures.feedback_good += event.good
            if event.comment or event.reason:
                figures.comments.append({"at": event.at.isoformat(), "service_id": event.service_id,
                                         "desk": event.desk, "good": event.good, "reason": event.reason,
                                         "comment": event.comment})
        elif isinstance(event, ev.AccessibleSessionLogged):
            figures.accessible += 1
            figures.accessible_outcomes[event.outcome] += 1
            figures.accessible_terminals[event.terminal] += 1
            figures.accessible_features.update(event.features)
            figures.accessible_seconds += event.duration_seconds
    across_ids = {v.visit_id for v in carried_in} | kept
    for visit in issued:
        if visit.visit_id in across_ids:
            figures.across.append((False, visit))
        else:
            figures.add_visit(visit, hall, now)
    figures.across += [(True, visit) for visit in carried_in]
    return figures


def of_days(hall: Hall, records: list[EventRecord], now: datetime) -> list[tuple[str, DayFigures]]:
    return [(day, of_day(hall, list(rows), now)) for day, rows in groupby(records, key=lambda r: r.day)]


def combine(hall: Hall, days: list[DayFigures], now: datetime) -> dict[str, Any]:
    """The report (without its rows) over consecutive days, oldest first: equal to `reports.build`."""
    total = DayFigures()
    joined: dict[str, Visit] = {}  # visits across days, by id, as `reports.replay` joins them
    for day in days:
        total.add(day)
        for carried_in, visit in day.across:
            earlier = joined.get(visit.visit_id)
            if carried_in and earlier is not None:
                visit = _copy(visit)
                visit.periods = earlier.periods[:-1] + visit.periods
            joined[visit.visit_id] = visit
    for visit in joined.values():
        total.add_visit(visit, hall, now)
    feedback_bad = total.feedback_answers - total.feedback_good
    policy = hall.policy
    return {
        "visits": total.visits,
        "outcomes": {
            "served": total.outcomes[VisitState.FINISHED.value],
            "no_show": total.outcomes[VisitState.NO_SHOW.value],
            "cancelled": total.outcomes[VisitState.CANCELLED.value],
            "transferred": total.transferred,
        },
        "sla": {"above": total.above,
                "within_share": round(1 - total.above / total.visits, 3) if total.visits else 1.0,
                "walk_in_minutes": policy.sla_walk_in_minutes, "booked_minutes": policy.sla_booked_minutes},
        "heatmap": [{"weekday": WEEKDAY_NAMES[d], "hour": h, "arrivals": n}
                    for (d, h), n in sorted(total.heat.items())],
        "by_service": {
            sid: {"wait": summary(total.waits.get(sid, [])), "service": summary(total.services.get(sid, []))}
            for sid in sorted(set(total.waits) | set(total.services))
        },
        "by_operator": {op: summary(values) for op, values in sorted(total.operators.items())},
        "feedback": {
            "answers": total.feedback_answers,
            "positive_share": round(total.feedback_good / total.feedback_answers, 3) if total.feedback_answers
            else None,
            "complaints_per_1000": round(feedback_bad * 1000 / total.visits, 1) if total.visits else 0.0,
            "comments": total.comments,
        },
        "accessible": {
            "sessions": total.accessible,
            "outcomes": dict(total.accessible_outcomes),
            "terminals": dict(total.accessible_terminals),
            "features": dict(total.accessible_features),
            "avg_seconds": round(total.accessible_seconds / total.accessible, 1) if total.accessible else 0.0,
        },
    }


def _copy(visit: Visit) -> Visit:
    clone = Visit(visit.visit_id, visit.ticket, visit.service_id, visit.issued_at, visit.source,
                  visit.feedback_token, booked_for=visit.booked_for, state=visit.state)
    clone.periods = list(visit.periods)
    return clone


# -- the stored form --------------------------------------------------------------------------------------
def _pack(values: list[float]) -> str:
    return base64.b64encode(array("d", values).tobytes()).decode("ascii")


def _unpack(text: str) -> list[float]:
    values = array("d")
    values.frombytes(base64.b64decode(text))
    return values.tolist()


def _period(p: Period) -> list[Any]:
    return [p.kind.value, p.start.isoformat(), p.end.isoformat() if p.end else None, p.service_id, p.desk,
            p.operator]


def to_json(figures: DayFigures) -> dict[str, Any]:
    return {
        "format": FORMAT, "visits": figures.visits, "outcomes": dict(figures.outcomes),
        "heat": [[d, h, n] for (d, h), n in figures.heat.items()], "above": figures.above,
        "waits": {k: _pack(v) for k, v in figures.waits.items()},
        "services": {k: _pack(v) for k, v in figures.services.items()},
        "operators": {k: _pack(v) for k, v in figures.operators.items()},
        "transferred": figures.transferred, "feedback_answers": figures.feedback_answers,
        "feedback_good": figures.feedback_good, "comments": figures.comments,
        "accessible": figures.accessible, "accessible_outcomes": dict(figures.accessible_outcomes),
        "accessible_terminals": dict(figures.accessible_terminals),
        "accessible_features": dict(figures.accessible_features), "accessible_seconds": figures.accessible_seconds,
        "across": [{"carried_in": carried_in, "visit_id": v.visit_id, "ticket": v.ticket, "service_id": v.service_id,
                    "issued_at": v.issued_at.isoformat(), "booked_for": v.booked_for.isoformat() if v.booked_for
                    else None, "state": v.state.value, "periods": [_period(p) for p in v.periods]}
                   for carried_in, v in figures.across],
    }


def from_json(data: dict[str, Any]) -> DayFigures | None:
    """The stored figures, or None when they are of another format (to be computed again)."""
    if data.get("format") != FORMAT:
        return None
    figures = DayFigures(
        visits=data["visits"], outcomes=Counter(data["outcomes"]),
        heat=Counter({(d, h): n for d, h, n in data["heat"]}), above=data["above"],
        transferred=data["transferred"], feedback_answers=data["feedback_answers"],
        feedback_good=data["feedback_good"], comments=data["comments"], accessible=data["accessible"],
        accessible_outcomes=Counter(data["accessible_outcomes"]),
        accessible_terminals=Counter(data["accessible_terminals"]),
        accessible_features=Counter(data["accessible_features"]), accessible_seconds=data["accessible_seconds"])
    for name in ("waits", "services", "operators"):
        target: dict[str, list[float]] = getattr(figures, name)
        for key, packed in data[name].items():
            target[key] = _unpack(packed)
    for item in data["across"]:
        visit = Visit(item["visit_id"], item["ticket"], item["service_id"], datetime.fromisoformat(item["issued_at"]),
                      "", "", booked_for=datetime.fromisoformat(item["booked_for"]) if item["booked_for"] else None,
                      state=VisitState(item["state"]))
        visit.periods = [Period(PeriodKind(kind), datetime.fromisoformat(start), service_id, desk, operator,
                                datetime.fromisoformat(end) if end else None)
                         for kind, start, end, service_id, desk, operator in item["periods"]]
        figures.across.append((item["carried_in"], visit))
    return figures
