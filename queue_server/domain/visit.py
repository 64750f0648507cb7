"""A visit and its append-only period log.

Every action closes the open period and opens the next one with the acting desk and operator, so wait,
walk-up, service and hold times are sums over the record (the model of BC's "The Q").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum


class VisitState(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    POSTPONED = "postponed"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in (VisitState.FINISHED, VisitState.NO_SHOW, VisitState.CANCELLED)


class PeriodKind(StrEnum):
    WAITING = "waiting"
    WALK_UP = "walk_up"  # called, walking to the desk
    SERVICE = "service"
    HOLD = "hold"  # postponed


@dataclass
class Period:
    kind: PeriodKind
    start: datetime
    service_id: str
    desk: int | None = None
    operator: str | None = None
    end: datetime | None = None

    def duration(self, now: datetime) -> timedelta:
        return (self.end or now) - self.start


@dataclass
class Visit:
    visit_id: str
    ticket: str
    service_id: str  # the service being waited for or served now
    issued_at: datetime
    source: str
    feedback_token: str
    priority: int = 0
    priority_category: str | None = None
    booked_for: datetime | None = None
    state: VisitState = VisitState.WAITING
    pending_services: list[str] = field(default_factory=list)
    served_services: list[str] = field(default_factory=list)
    # A transfer to a desk, or "back to me afterwards", pins the visit to that desk's own queue.
    target_desk: int | None = None
    return_to: tuple[int, str] | None = None  # (desk, service) for "back to me afterwards"
    desk: int | None = None
    operator: str | None = None
    recall_count: int = 0
    called_at: datetime | None = None  # the last call or recall
    call_order: int = 0  # that call's place among the day's calls (HallState.calls_made): newest first on boards
    postponed_until: datetime | None = None
    result: str | None = None
    periods: list[Period] = field(default_factory=list)

    # -- the period log -------------------------------------------------------------------------
    def open_period(
        self, kind: PeriodKind, at: datetime, desk: int | None = None, operator: str | None = None
    ) -> None:
        self.close_period(at)
        self.periods.append(Period(kind, at, self.service_id, desk, operator))

    def close_period(self, at: datetime) -> None:
        if self.periods and self.periods[-1].end is None:
            self.periods[-1].end = at

    def total(self, kind: PeriodKind, now: datetime) -> timedelta:
        return sum((p.duration(now) for p in self.periods if p.kind is kind), timedelta())

    def last_period_start(self) -> datetime:
        return self.periods[-1].start if self.periods else self.issued_at

    # -- queue membership -----------------------------------------------------------------------
    def is_waiting(self, now: datetime) -> bool:
        """Waiting in a queue now: issued and not called, or back from the postpone pool."""
        if self.state is VisitState.WAITING:
            return True
        return (
            self.state is VisitState.POSTPONED
            and self.postponed_until is not None
            and self.postponed_until <= now
        )

    def effective_priority(self, now: datetime, postpone_return_priority: int) -> int:
        if self.state is VisitState.POSTPONED and self.postponed_until and self.postponed_until <= now:
            return max(self.priority, postpone_return_priority)
        return self.priority
