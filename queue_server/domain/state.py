"""The live state of the hall, rebuilt by applying events in sequence order.

`HallState.apply` is the only place state changes; it trusts the event (the decision was made and
checked in `decide`), so replaying the log after a restart reproduces exactly the state before it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from . import events as ev
from .booking import Booking, BookingBook
from .city_catalogue import CITY_KIND
from .hall import DispatchPolicy, Hall
from .hall_config import ConfigItem, apply_item
from .service_times import ServiceTimes
from .visit import PeriodKind, Visit, VisitState

RECENT_SERVICE_SAMPLES = 20
RECENT_ARRIVALS = 400  # walk-in issues kept for the forecast's arrival rates (Lutsk's peak hour is ~150)
DAY_MESSAGES = 200  # supervisor messages kept for the day: a console restarted at noon gets them back


class DeskStatus(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


@dataclass
class DeskState:
    number: int
    weights: tuple[tuple[str, int], ...]
    status: DeskStatus = DeskStatus.CLOSED
    operator: str | None = None
    pause_reason: str | None = None
    visit_id: str | None = None  # the visit called to or served at this desk
    since: datetime | None = None
    served_today: int = 0
    no_shows_today: int = 0


@dataclass
class HallState:
    hall: Hall
    day: str | None = None
    paused: bool = False
    pause_reason: str | None = None
    announcement: tuple[str, str] | None = None  # (uk, en) for the board's running line
    visits: dict[str, Visit] = field(default_factory=dict)
    # Indexes over the visits not yet closed, so dispatch and estimates never scan the whole day.
    live: dict[str, Visit] = field(default_factory=dict)
    live_by_service: dict[str, dict[str, Visit]] = field(default_factory=dict)
    numbers: dict[str, int] = field(default_factory=dict)  # prefix -> last number issued on numbers_day
    numbers_day: str | None = None
    issued_per_service: dict[str, int] = field(default_factory=dict)
    priority_issued: dict[str, int] = field(default_factory=dict)  # today's priority tickets per category
    closed_services: dict[str, str] = field(default_factory=dict)  # service id -> reason
    desks: dict[int, DeskState] = field(default_factory=dict)
    recent_service_minutes: dict[str, deque[float]] = field(default_factory=dict)
    by_feedback_token: dict[str, str] = field(default_factory=dict)
    by_ticket: dict[str, str] = field(default_factory=dict)
    feedback_given: set[str] = field(default_factory=set)  # visits already rated: one answer per visit
    # Bookings reach over many days: they survive the end of a day.
    bookings: BookingBook = field(default_factory=BookingBook)
    # The dispatch settings in force: the hall file's, until the supervisor changes them for the day.
    dispatch: DispatchPolicy = field(default=DispatchPolicy())
    # What the log has taught about service lengths (outlives the day), and today's recent walk-in
    # arrivals (moment, service, priority): the wait forecast's inputs.
    service_times: ServiceTimes = field(default_factory=ServiceTimes.empty)
    recent_arrivals: deque[tuple[datetime, str, bool]] = field(default_factory=lambda: deque(maxlen=RECENT_ARRIVALS))
    # The latest event time ever applied (it outlives the day): business time never runs backwards, whatever
    # the clock says. `clock_jump` is (business time, clock reading) of the last backward jump, for the alert.
    last_at: datetime | None = None
    clock_jump: tuple[datetime, datetime] | None = None
    # Calls and recalls made today, in order: a visit's `call_order` (newest call first on the board, and its key)
    calls_made: int = 0
    # The day's supervisor messages (at, desk or None for every desk, text, by), newest last.
    messages: deque[tuple[datetime, int | None, str, str]] = field(default_factory=lambda: deque(maxlen=DAY_MESSAGES))
    # A branch of a city: the version of the city's catalogue it runs (0: none yet), from `hall_configured`.
    city_version: int = 0

    def __post_init__(self) -> None:
        if not self.desks:
            self.desks = {n: DeskState(n, d.weights) for n, d in self.hall.desks.items()}
        self.dispatch = self.hall.dispatch

    # -- queries --------------------------------------------------------------------------------
    def visit(self, visit_id: str) -> Visit | None:
        return self.visits.get(visit_id)

    def visit_by_ticket(self, ticket: str) -> Visit | None:
        visit_id = self.by_ticket.get(ticket)
        return self.visits[visit_id] if visit_id is not None else None

    def live_visits(self) -> list[Visit]:
        return list(self.live.values())

    def live_in_service(self, service_id: str) -> list[Visit]:
        return list(self.live_by_service.get(service_id, {}).values())

    def desk_weight(self, desk: int, service_id: str) -> int | None:
        for sid, weight in self.desks[desk].weights:
            if sid == service_id:
                return weight
        return None

    def avg_service_minutes(self, service_id: str) -> float:
        samples = self.recent_service_minutes.get(service_id)
        if samples:
            return sum(samples) / len(samples)
        return self.hall.services[service_id].avg_service_minutes

    # -- applying events ------------------------------------------------------------------------
    def apply(self, event: ev.Event) -> None:
        handler = getattr(self, "_on_" + event.type_name)
        handler(event)
        if self.last_at is None or event.at > self.last_at:
            self.last_at = event.at

    def at_desks(self) -> list[Visit]:
        """Visits called to or being served at a desk: a day's end does not take them from their desk."""
        out = []
        for desk in self.desks.values():
            visit = self.visits.get(desk.visit_id) if desk.visit_id else None
            if visit is not None and visit.state in (VisitState.CALLED, VisitState.SERVING):
                out.append(visit)
        return out

    def _on_day_opened(self, event: ev.DayOpened) -> None:
        self.day = event.day
        if self.numbers_day != event.day:
            self.numbers, self.numbers_day = {}, event.day

    def _on_day_ended(self, event: ev.DayEnded) -> None:
        # Whatever still waits is cancelled by the day's end; a visitor at a desk stays there, with the desk,
        # to be finished (the new day's `visit_carried_over` records it). Ticket numbers survive an early
        # end of day: reopening on the same date must not hand out П-001 a second time.
        kept = [visit for visit in self.at_desks() if visit.visit_id in event.kept]
        kept_ids = {visit.visit_id for visit in kept}
        for visit in self.live_visits():
            if visit.visit_id not in kept_ids:
                visit.close_period(event.at)
                self._close(visit, VisitState.CANCELLED, "end_of_day")
        old_desks = self.desks
        hall = self.hall
        fresh = HallState(hall)
        self.day = None
        self.paused, self.pause_reason, self.announcement, self.clock_jump = False, None, None, None
        self.visits, self.live, self.live_by_service, self.issued_per_service = {}, {}, {}, {}
        self.priority_issued = {}
        self.closed_services, self.by_feedback_token, self.by_ticket = {}, {}, {}
        self.desks = fresh.desks
        self.dispatch = hall.dispatch
        self.recent_arrivals.clear()
        self.messages.clear()
        self.calls_made = 0
        for visit in kept:
            assert visit.desk is not None
            old = old_desks[visit.desk]
            self._seat(visit, visit.desk, old.operator or visit.operator or "", old.since or event.at)

    def _on_visit_carried_over(self, event: ev.VisitCarriedOver) -> None:
        # Rebuilt from the event alone, also when the visit is still here: a replay starting at this day and the
        # running server then hold the very same visit.
        visit = Visit(
            visit_id=event.visit_id, ticket=event.ticket, service_id=event.service_id, issued_at=event.issued_at,
            source=event.source, feedback_token=event.feedback_token, priority=event.priority,
            priority_category=event.priority_category, booked_for=event.booked_for, state=VisitState(event.state),
            pending_services=list(event.pending_services), served_services=list(event.served_services),
            desk=event.desk, operator=event.operator, recall_count=event.recall_count,
            return_to=(event.return_to_desk, event.return_to_service)
            if event.return_to_desk is not None and event.return_to_service is not None else None,
        )
        kind = PeriodKind.SERVICE if visit.state is VisitState.SERVING else PeriodKind.WALK_UP
        visit.open_period(kind, event.since, event.desk, event.operator)
        self._seat(visit, event.desk, event.operator, event.since)

    def _on_clock_jump_detected(self, event: ev.ClockJumpDetected) -> None:
        self.clock_jump = (event.at, event.clock)

    def _on_ticket_issued(self, event: ev.TicketIssued) -> None:
        first, *rest = event.service_ids
        visit = Visit(
            visit_id=event.visit_id,
            ticket=event.ticket,
            service_id=first,
            issued_at=event.at,
            source=event.source,
            feedback_token=event.feedback_token,
            priority=event.priority,
            priority_category=event.priority_category,
            booked_for=event.booked_for,
            pending_services=list(rest),
        )
        visit.open_period(PeriodKind.WAITING, event.at)
        self.visits[visit.visit_id] = visit
        self.live[visit.visit_id] = visit
        self.live_by_service.setdefault(first, {})[visit.visit_id] = visit
        self.numbers[event.prefix] = max(self.numbers.get(event.prefix, 0), event.number)
        self.issued_per_service[first] = self.issued_per_service.get(first, 0) + 1
        if event.priority_category is not None and event.priority > 0:
            self.priority_issued[event.priority_category] = self.priority_issued.get(event.priority_category, 0) + 1
        self.by_feedback_token[event.feedback_token] = visit.visit_id
        self.by_ticket[event.ticket] = visit.visit_id
        if event.booking_id is not None and event.booking_id in self.bookings.by_id:
            self.bookings.by_id[event.booking_id].visit_id = visit.visit_id
        if event.booked_for is None:
            self.recent_arrivals.append((event.at, first, event.priority > 0))

    def _on_visit_called(self, event: ev.VisitCalled) -> None:
        visit = self.visits[event.visit_id]
        until = visit.postponed_until
        if visit.state is VisitState.POSTPONED and until is not None and until < event.at:
            # The return from the pool happened by time alone, with no event: record it when it was.
            visit.open_period(PeriodKind.WAITING, until)
        visit.state = VisitState.CALLED
        visit.desk, visit.operator = event.desk, event.operator
        visit.recall_count = 0
        visit.postponed_until = None
        visit.target_desk = None
        visit.called_at = event.at
        self.calls_made += 1
        visit.call_order = self.calls_made
        visit.open_period(PeriodKind.WALK_UP, event.at, event.desk, event.operator)
        desk = self.desks[event.desk]
        desk.visit_id, desk.since = visit.visit_id, event.at

    def _on_visit_recalled(self, event: ev.VisitRecalled) -> None:
        visit = self.visits[event.visit_id]
        visit.recall_count, visit.called_at = event.recall_count, event.at
        self.calls_made += 1
        visit.call_order = self.calls_made

    def _on_service_started(self, event: ev.ServiceStarted) -> None:
        visit = self.visits[event.visit_id]
        self._learn_call(visit, event.at, came=True)
        visit.state = VisitState.SERVING
        visit.open_period(PeriodKind.SERVICE, event.at, event.desk, event.operator)
        self.desks[event.desk].since = event.at

    def _on_service_finished(self, event: ev.ServiceFinished) -> None:
        visit = self.visits[event.visit_id]
        serving = visit.periods[-1]
        if serving.kind is PeriodKind.SERVICE:
            minutes = (event.at - serving.start).total_seconds() / 60
            samples = self.recent_service_minutes.setdefault(
                visit.service_id, deque(maxlen=RECENT_SERVICE_SAMPLES)
            )
            samples.append(minutes)
            self.service_times.observe_service(visit.service_id, event.desk, minutes)
        visit.served_services.append(visit.service_id)
        self.service_times.observe_service_end(bool(visit.pending_services) or visit.return_to is not None)
        self._release_desk(event.desk, event.at)
        self.desks[event.desk].served_today += 1
        if visit.pending_services:
            self._requeue(visit, visit.pending_services.pop(0), event.at, target_desk=None)
        elif visit.return_to is not None:
            # "Back to me afterwards": the visit waits for the desk that sent it away.
            desk, service_id = visit.return_to
            visit.return_to = None
            self._requeue(visit, service_id, event.at, target_desk=desk)
        else:
            visit.close_period(event.at)
            self._close(visit, VisitState.FINISHED, event.result)

    def _on_visit_no_show(self, event: ev.VisitNoShow) -> None:
        visit = self.visits[event.visit_id]
        self._learn_call(visit, event.at, came=False)
        visit.close_period(event.at)
        self._close(visit, VisitState.NO_SHOW, "no_show")
        self._release_desk(event.desk, event.at)
        self.desks[event.desk].no_shows_today += 1

    def _on_visit_transferred(self, event: ev.VisitTransferred) -> None:
        visit = self.visits[event.visit_id]
        self.service_times.observe_service_end(requeued=True)
        self._release_desk(event.desk, event.at)
        if event.back_to_me:
            visit.return_to = (event.desk, visit.service_id)
        self._requeue(visit, event.to_service, event.at, target_desk=event.to_desk)

    def _on_visit_postponed(self, event: ev.VisitPostponed) -> None:
        visit = self.visits[event.visit_id]
        self.service_times.observe_service_end(requeued=True)
        self._release_desk(event.desk, event.at)
        visit.state = VisitState.POSTPONED
        visit.postponed_until = event.until
        visit.desk = None
        visit.open_period(PeriodKind.HOLD, event.at, event.desk, event.operator)

    def _on_visit_cancelled(self, event: ev.VisitCancelled) -> None:
        visit = self.visits[event.visit_id]
        if visit.desk is not None and self.desks[visit.desk].visit_id == visit.visit_id:
            self._release_desk(visit.desk, event.at)
        visit.close_period(event.at)
        self._close(visit, VisitState.CANCELLED, event.reason)

    def _on_service_added(self, event: ev.ServiceAdded) -> None:
        self.visits[event.visit_id].pending_services.append(event.service_id)

    def _on_priority_changed(self, event: ev.PriorityChanged) -> None:
        self.visits[event.visit_id].priority = event.priority

    def _on_desk_opened(self, event: ev.DeskOpened) -> None:
        desk = self.desks[event.desk]
        desk.status, desk.operator, desk.pause_reason = DeskStatus.OPEN, event.operator, None

    def _on_desk_paused(self, event: ev.DeskPaused) -> None:
        desk = self.desks[event.desk]
        desk.status, desk.pause_reason, desk.since = DeskStatus.PAUSED, event.reason, event.at

    def _on_desk_resumed(self, event: ev.DeskResumed) -> None:
        desk = self.desks[event.desk]
        if desk.since is not None:
            self.service_times.observe_pause((event.at - desk.since).total_seconds() / 60)
        desk.status, desk.pause_reason, desk.since = DeskStatus.OPEN, None, None

    def _on_desk_closed(self, event: ev.DeskClosed) -> None:
        desk = self.desks[event.desk]
        desk.status, desk.operator, desk.pause_reason, desk.since = DeskStatus.CLOSED, None, None, None

    def _on_desk_services_changed(self, event: ev.DeskServicesChanged) -> None:
        self.desks[event.desk].weights = event.weights

    def _on_dispatch_policy_changed(self, event: ev.DispatchPolicyChanged) -> None:
        self.dispatch = DispatchPolicy(event.level_head_start_minutes, event.priority_head_start_minutes,
                                       event.booked_head_start_minutes, event.cap_minutes, event.strict_tiers)

    def _on_hall_paused(self, event: ev.HallPaused) -> None:
        self.paused, self.pause_reason = True, event.reason

    def _on_hall_resumed(self, event: ev.HallResumed) -> None:
        self.paused, self.pause_reason = False, None

    def _on_service_closed(self, event: ev.ServiceClosed) -> None:
        self.closed_services[event.service_id] = event.reason

    def _on_announcement_set(self, event: ev.AnnouncementSet) -> None:
        self.announcement = (event.text_uk, event.text_en) if event.text_uk or event.text_en else None

    def _on_booking_made(self, event: ev.BookingMade) -> None:
        self.bookings.add(Booking(event.booking_id, event.code, event.service_id, event.start, event.channel,
                                  event.lang, event.contact))

    def _on_booking_cancelled(self, event: ev.BookingCancelled) -> None:
        self.bookings.cancel(event.booking_id)

    def _on_accessible_session_logged(self, event: ev.AccessibleSessionLogged) -> None:
        pass  # a record for reports; the hall does not change

    def _on_feedback_given(self, event: ev.FeedbackGiven) -> None:
        self.feedback_given.add(event.visit_id)

    def _on_document_ready(self, event: ev.DocumentReady) -> None:
        pass  # a notification, not a change to the hall

    def _on_desk_message(self, event: ev.DeskMessage) -> None:
        self.messages.append((event.at, event.desk, event.text, event.by))

    def _on_hall_configured(self, event: ev.HallConfigured) -> None:
        self.hall = apply_item(self.hall, ConfigItem(event.kind, event.action, event.target, event.value))
        for number, desk in self.hall.desks.items():
            if number not in self.desks:
                self.desks[number] = DeskState(number, desk.weights)
            elif event.kind == "desk" and event.target == str(number):
                self.desks[number].weights = desk.weights  # the centre's plan is today's plan from now on
        for number in [n for n in self.desks if n not in self.hall.desks]:
            del self.desks[number]
        if event.kind == CITY_KIND and event.value is not None:
            self.city_version = int(event.value["version"])  # in the log: a restart neither loses nor re-applies it
        if event.kind == "centre":
            self.dispatch = self.hall.dispatch  # the centre's new rule replaces a supervisor's rule for today

    def _on_service_reopened(self, event: ev.ServiceReopened) -> None:
        self.closed_services.pop(event.service_id, None)

    # -- helpers --------------------------------------------------------------------------------
    def _seat(self, visit: Visit, number: int, operator: str, since: datetime) -> None:
        """Put a live visit at an open desk (a day's end keeps it there)."""
        self.visits[visit.visit_id] = self.live[visit.visit_id] = visit
        self.live_by_service.setdefault(visit.service_id, {})[visit.visit_id] = visit
        self.by_ticket[visit.ticket] = visit.visit_id
        self.by_feedback_token[visit.feedback_token] = visit.visit_id
        desk = self.desks[number]
        desk.status, desk.operator, desk.visit_id, desk.since = DeskStatus.OPEN, operator, visit.visit_id, since

    def _learn_call(self, visit: Visit, at: datetime, came: bool) -> None:
        walk_up = visit.periods[-1] if visit.periods else None
        if walk_up is not None and walk_up.kind is PeriodKind.WALK_UP:
            self.service_times.observe_call((at - walk_up.start).total_seconds() / 60, came)

    def _release_desk(self, number: int, at: datetime) -> None:
        desk = self.desks[number]
        desk.visit_id, desk.since = None, None

    def _close(self, visit: Visit, final: VisitState, result: str) -> None:
        visit.state, visit.result = final, result
        self.live.pop(visit.visit_id, None)
        self.live_by_service.get(visit.service_id, {}).pop(visit.visit_id, None)

    def _requeue(self, visit: Visit, service_id: str, at: datetime, target_desk: int | None) -> None:
        self.live_by_service.get(visit.service_id, {}).pop(visit.visit_id, None)
        self.live_by_service.setdefault(service_id, {})[visit.visit_id] = visit
        visit.service_id = service_id
        visit.state = VisitState.WAITING
        visit.desk = visit.operator = None
        visit.target_desk = target_desk
        visit.recall_count = 0
        visit.open_period(PeriodKind.WAITING, at)
