"""Decisions: a command plus the current state gives the events to append, or a refusal.

Nothing here changes state; `HallState.apply` does that once the events are durable. Every refusal is a
`CherhaError` whose code names a message in the catalogue.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import commands as cmd
from . import events as ev
from .booking import Booking, checkin_window, slots_for
from .dispatch import select_next
from .errors import Forbidden, InvalidInput, NotFound, Refused
from .hall import WEEKDAYS, Service
from .state import DeskState, DeskStatus, HallState
from .visit import Visit, VisitState

MAX_PRIORITY = 9
MAX_WEIGHT = 100


@dataclass(frozen=True)
class Context:
    now: datetime
    new_token: Callable[[], str]  # unguessable tokens come from outside the pure core
    new_code: Callable[[], str] = lambda: "UNSET"  # booking codes: short, typeable, unguessable (from outside)


def format_ticket(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


def day_events(state: HallState, now: datetime) -> list[ev.Event]:
    """Open the business day, closing yesterday's first if nobody ended it."""
    today = now.date().isoformat()
    if state.day == today:
        return []
    out: list[ev.Event] = []
    if state.day is not None:
        out.append(ev.DayEnded(at=now, day=state.day))
    out.append(ev.DayOpened(at=now, day=today))
    return out


def decide(state: HallState, command: cmd.Command, ctx: Context) -> list[ev.Event]:
    handler = _HANDLERS.get(type(command))
    if handler is None:
        raise InvalidInput("unknown_command")
    return handler(state, command, ctx)


# -- tickets -------------------------------------------------------------------------------------
def _issue(state: HallState, c: cmd.IssueTicket, ctx: Context) -> list[ev.Event]:
    hall, now = state.hall, ctx.now
    if state.paused:
        raise Refused("hall_paused")
    if c.bundle_id is not None:
        bundle = hall.bundles.get(c.bundle_id)
        if bundle is None:
            raise NotFound("unknown_bundle", bundle=c.bundle_id)
        service_ids = bundle.service_ids
    elif c.service_id is not None:
        service_ids = (c.service_id,)
    else:
        raise InvalidInput("service_required")
    if c.booked_for is None and not hall.is_open_at(now):
        raise Refused("hall_closed")
    services = [_service(state, sid) for sid in service_ids]
    for service in services:
        _check_issuable(state, service, now, booked=c.booked_for is not None)
    priority = 0
    if c.priority_category is not None:
        category = hall.priority_categories.get(c.priority_category)
        if category is None:
            raise InvalidInput("unknown_priority_category", category=c.priority_category)
        priority = category.level
    first = services[0]
    number = state.numbers.get(first.prefix, 0) + 1
    ticket = format_ticket(first.prefix, number)
    return [
        ev.TicketIssued(
            at=now,
            visit_id=f"{now.date().isoformat()}-{ticket}",
            ticket=ticket,
            prefix=first.prefix,
            number=number,
            service_ids=tuple(service_ids),
            source=c.actor,
            feedback_token=ctx.new_token(),
            priority=priority,
            priority_category=c.priority_category,
            booked_for=c.booked_for,
            lang=c.lang,
        )
    ]


def unavailable_reason(state: HallState, service: Service, now: datetime) -> str | None:
    """Why a walk-in ticket for this service cannot be taken now, as a catalogue code, or None."""
    if state.paused:
        return "hall_paused"
    if not state.hall.is_open_at(now):
        return "hall_closed"
    try:
        _check_issuable(state, service, now, booked=False)
    except Refused as refusal:
        return refusal.code
    return None


def _check_issuable(state: HallState, service: Service, now: datetime, booked: bool) -> None:
    if service.id in state.closed_services:
        raise Refused("service_closed", service=service.id)
    if not booked and not state.hall.service_offered_at(service, now):
        raise Refused("service_not_offered_now", service=service.id)
    if not state.hall.desks_serving(service.id, WEEKDAYS[now.weekday()]):
        raise Refused("no_desk_today", service=service.id)
    issued = state.issued_per_service.get(service.id, 0)
    if service.daily_limit is not None and issued >= service.daily_limit:
        raise Refused("daily_limit_reached", service=service.id, limit=service.daily_limit)


# -- desks ---------------------------------------------------------------------------------------
def _open_desk(state: HallState, c: cmd.OpenDesk, ctx: Context) -> list[ev.Event]:
    desk = _desk(state, c.desk)
    operator = state.hall.operators.get(c.actor)
    if operator is not None and operator.desks and c.desk not in operator.desks:
        raise Forbidden("desk_not_allowed", desk=c.desk)
    if desk.status is not DeskStatus.CLOSED:
        if desk.operator == c.actor:
            return []  # logging in again at one's own desk changes nothing
        raise Refused("desk_taken", desk=c.desk)
    for other in state.desks.values():
        if other.operator == c.actor and other.status is not DeskStatus.CLOSED:
            raise Refused("operator_at_other_desk", desk=other.number)
    return [ev.DeskOpened(at=ctx.now, desk=c.desk, operator=c.actor)]


def _pause_desk(state: HallState, c: cmd.PauseDesk, ctx: Context) -> list[ev.Event]:
    desk = _my_desk(state, c)
    if desk.status is DeskStatus.PAUSED:
        raise Refused("desk_already_paused", desk=c.desk)
    if desk.visit_id is not None:
        raise Refused("desk_busy", desk=c.desk)
    return [ev.DeskPaused(at=ctx.now, desk=c.desk, operator=c.actor, reason=c.reason)]


def _resume_desk(state: HallState, c: cmd.ResumeDesk, ctx: Context) -> list[ev.Event]:
    desk = _my_desk(state, c)
    if desk.status is not DeskStatus.PAUSED:
        raise Refused("desk_not_paused", desk=c.desk)
    return [ev.DeskResumed(at=ctx.now, desk=c.desk, operator=c.actor)]


def _close_desk(state: HallState, c: cmd.CloseDesk, ctx: Context) -> list[ev.Event]:
    desk = _my_desk(state, c)
    if desk.visit_id is not None:
        raise Refused("desk_busy", desk=c.desk)
    return [ev.DeskClosed(at=ctx.now, desk=c.desk, operator=c.actor)]


# -- calling and serving ---------------------------------------------------------------------------
def _call_next(state: HallState, c: cmd.CallNext, ctx: Context) -> list[ev.Event]:
    _ready_to_call(state, c)
    visit = select_next(state, c.desk, ctx.now)
    if visit is None:
        raise Refused("queue_empty", desk=c.desk)
    return [ev.VisitCalled(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor)]


def _call_ticket(state: HallState, c: cmd.CallTicket, ctx: Context) -> list[ev.Event]:
    _ready_to_call(state, c)
    visit = _visit_by_ticket(state, c.ticket)
    # A postponed visitor may be called back early by any desk; otherwise only a waiting one.
    if visit.state not in (VisitState.WAITING, VisitState.POSTPONED):
        raise Refused("visit_not_waiting", ticket=c.ticket, state=visit.state.value)
    if visit.target_desk is not None and visit.target_desk != c.desk:
        raise Refused("visit_pinned_elsewhere", ticket=c.ticket, desk=visit.target_desk)
    return [
        ev.VisitCalled(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor, specific=True)
    ]


def _recall(state: HallState, c: cmd.Recall, ctx: Context) -> list[ev.Event]:
    visit = _current(state, c, VisitState.CALLED)
    if state.paused:
        raise Refused("hall_paused")
    # The visitor may be recalled `recall_limit` times; asking once more marks the no-show.
    if visit.recall_count >= state.hall.policy.recall_limit:
        return [ev.VisitNoShow(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                               automatic=True)]
    return [ev.VisitRecalled(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                             recall_count=visit.recall_count + 1)]


def _start(state: HallState, c: cmd.StartService, ctx: Context) -> list[ev.Event]:
    visit = _current(state, c, VisitState.CALLED)
    return [ev.ServiceStarted(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor)]


def _finish(state: HallState, c: cmd.Finish, ctx: Context) -> list[ev.Event]:
    visit = _current(state, c, VisitState.SERVING)
    return [ev.ServiceFinished(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                               result=c.result)]


def _no_show(state: HallState, c: cmd.NoShow, ctx: Context) -> list[ev.Event]:
    visit = _current(state, c, VisitState.CALLED)
    return [ev.VisitNoShow(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor)]


def _transfer(state: HallState, c: cmd.Transfer, ctx: Context) -> list[ev.Event]:
    visit = _current(state, c, VisitState.CALLED, VisitState.SERVING)
    if c.to_service is None and c.to_desk is None:
        raise InvalidInput("transfer_target_required")
    to_service = c.to_service or visit.service_id
    _service(state, to_service)
    if c.to_desk is not None:
        _desk(state, c.to_desk)
        if c.to_desk == c.desk:
            raise Refused("transfer_to_self", desk=c.desk)
    return [ev.VisitTransferred(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                                to_service=to_service, to_desk=c.to_desk, back_to_me=c.back_to_me)]


def _postpone(state: HallState, c: cmd.Postpone, ctx: Context) -> list[ev.Event]:
    visit = _current(state, c, VisitState.CALLED, VisitState.SERVING)
    policy = state.hall.policy
    if not policy.postpone_min_minutes <= c.minutes <= policy.postpone_max_minutes:
        raise InvalidInput("postpone_out_of_range", low=policy.postpone_min_minutes,
                           high=policy.postpone_max_minutes)
    until = ctx.now + timedelta(minutes=c.minutes)
    return [ev.VisitPostponed(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                              until=until)]


def _add_service(state: HallState, c: cmd.AddService, ctx: Context) -> list[ev.Event]:
    visit = _current(state, c, VisitState.SERVING)
    _service(state, c.service_id)
    return [ev.ServiceAdded(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                            service_id=c.service_id)]


# -- supervisor ----------------------------------------------------------------------------------
def _cancel(state: HallState, c: cmd.CancelVisit, ctx: Context) -> list[ev.Event]:
    visit = _visit_by_ticket(state, c.ticket)
    if visit.state.is_final:
        raise Refused("visit_already_closed", ticket=c.ticket, state=visit.state.value)
    return [ev.VisitCancelled(at=ctx.now, visit_id=visit.visit_id, by=c.actor, reason=c.reason)]


def _change_priority(state: HallState, c: cmd.ChangePriority, ctx: Context) -> list[ev.Event]:
    visit = _visit_by_ticket(state, c.ticket)
    if visit.state.is_final:
        raise Refused("visit_already_closed", ticket=c.ticket, state=visit.state.value)
    if not 0 <= c.priority <= MAX_PRIORITY:
        raise InvalidInput("priority_out_of_range", high=MAX_PRIORITY)
    return [ev.PriorityChanged(at=ctx.now, visit_id=visit.visit_id, priority=c.priority, by=c.actor)]


def _set_desk_services(state: HallState, c: cmd.SetDeskServices, ctx: Context) -> list[ev.Event]:
    _desk(state, c.desk)
    if not c.weights:
        raise InvalidInput("desk_needs_services", desk=c.desk)
    for service_id, weight in c.weights:
        _service(state, service_id)
        if not 0 <= weight <= MAX_WEIGHT:
            raise InvalidInput("weight_out_of_range", high=MAX_WEIGHT)
    return [ev.DeskServicesChanged(at=ctx.now, desk=c.desk, weights=c.weights, by=c.actor)]


def _pause_hall(state: HallState, c: cmd.PauseHall, ctx: Context) -> list[ev.Event]:
    if state.paused:
        raise Refused("hall_already_paused")
    return [ev.HallPaused(at=ctx.now, reason=c.reason, by=c.actor)]


def _resume_hall(state: HallState, c: cmd.ResumeHall, ctx: Context) -> list[ev.Event]:
    if not state.paused:
        raise Refused("hall_not_paused")
    return [ev.HallResumed(at=ctx.now, by=c.actor)]


def _close_service(state: HallState, c: cmd.CloseService, ctx: Context) -> list[ev.Event]:
    _service(state, c.service_id)
    if c.service_id in state.closed_services:
        raise Refused("service_closed", service=c.service_id)
    return [ev.ServiceClosed(at=ctx.now, service_id=c.service_id, reason=c.reason, by=c.actor)]


def _reopen_service(state: HallState, c: cmd.ReopenService, ctx: Context) -> list[ev.Event]:
    _service(state, c.service_id)
    if c.service_id not in state.closed_services:
        raise Refused("service_not_closed", service=c.service_id)
    return [ev.ServiceReopened(at=ctx.now, service_id=c.service_id, by=c.actor)]


def _set_announcement(state: HallState, c: cmd.SetAnnouncement, ctx: Context) -> list[ev.Event]:
    return [ev.AnnouncementSet(at=ctx.now, text_uk=c.text_uk.strip(), text_en=c.text_en.strip(), by=c.actor)]


def _send_message(state: HallState, c: cmd.SendMessage, ctx: Context) -> list[ev.Event]:
    if c.desk is not None:
        _desk(state, c.desk)
    if not c.text.strip():
        raise InvalidInput("message_empty")
    return [ev.DeskMessage(at=ctx.now, desk=c.desk, text=c.text.strip(), by=c.actor)]


def _book_slot(state: HallState, c: cmd.BookSlot, ctx: Context) -> list[ev.Event]:
    service = _service(state, c.service_id)
    policy = state.hall.booking
    if not service.bookable:
        raise Refused("service_not_bookable", service=service.id)
    if c.start <= ctx.now:
        raise Refused("slot_in_past")
    if (c.start.date() - ctx.now.date()).days > policy.days_ahead:
        raise Refused("slot_too_far", days=policy.days_ahead)
    slot = next((s for s in slots_for(state.hall, policy, service, c.start.date()) if s.start == c.start), None)
    if slot is None:
        raise NotFound("unknown_slot")
    if state.bookings.taken(service.id, slot.start) >= slot.capacity:
        raise Refused("slot_full")
    if state.bookings.person_count(c.person_key, c.start.date()) >= policy.per_person_month:
        raise Refused("booking_limit", limit=policy.per_person_month)
    # 40 random bits: a clash is rare, but a code is never reused (and a broken source never loops forever).
    code = next((c for c in (ctx.new_code() for _ in range(8)) if c not in state.bookings.by_code), None)
    if code is None:
        raise Refused("try_again")
    return [ev.BookingMade(at=ctx.now, booking_id=f"b-{code}", code=code, service_id=service.id, start=slot.start,
                           person_key=c.person_key, channel=c.channel, by=c.actor, lang=c.lang, contact=c.contact)]


def _cancel_booking(state: HallState, c: cmd.CancelBooking, ctx: Context) -> list[ev.Event]:
    booking = _booking(state, c.code)
    if booking.cancelled or booking.visit_id is not None:
        raise Refused("booking_closed")
    return [ev.BookingCancelled(at=ctx.now, booking_id=booking.booking_id, by=c.actor)]


def _check_in(state: HallState, c: cmd.CheckIn, ctx: Context) -> list[ev.Event]:
    """On time: a ticket booked for the slot, called before walk-ins. Too late: an ordinary ticket."""
    booking = _booking(state, c.code)
    if booking.cancelled or booking.visit_id is not None:
        raise Refused("booking_closed")
    if booking.start.date() != ctx.now.date():
        raise Refused("checkin_wrong_day", date=booking.start.date().isoformat())
    opens, grace_ends = checkin_window(state.hall.booking, booking)
    if ctx.now < opens:
        raise Refused("checkin_too_early", time=f"{opens:%H:%M}")
    late = ctx.now > grace_ends
    issue = cmd.IssueTicket(actor=c.actor, service_id=booking.service_id, lang=c.lang,
                            booked_for=None if late else booking.start)
    (issued,) = _issue(state, issue, ctx)
    assert isinstance(issued, ev.TicketIssued)
    return [dataclasses.replace(issued, booking_id=booking.booking_id)]


def _booking(state: HallState, code: str) -> Booking:
    booking = state.bookings.by_code_or_none(code)
    if booking is None:
        raise NotFound("unknown_booking")
    return booking


ACCESSIBLE_FEATURES = frozenset({"large_print", "high_contrast", "voice", "repeat_voice", "low_reach",
                                 "long_timeouts"})
ACCESSIBLE_OUTCOMES = frozenset({"ticket", "checkin", "info", "abandoned", "timeout"})


def _log_accessible(state: HallState, c: cmd.LogAccessibleSession, ctx: Context) -> list[ev.Event]:
    if not set(c.features) <= ACCESSIBLE_FEATURES or c.outcome not in ACCESSIBLE_OUTCOMES:
        raise InvalidInput("invalid_message", details="unknown feature or outcome")
    return [ev.AccessibleSessionLogged(at=ctx.now, terminal=c.actor, started_at=c.started_at, features=c.features,
                                       steps=c.steps, duration_seconds=c.duration_seconds, outcome=c.outcome,
                                       lang=c.lang)]


def _document_ready(state: HallState, c: cmd.MarkDocumentReady, ctx: Context) -> list[ev.Event]:
    booking = _booking(state, c.code)
    return [ev.DocumentReady(at=ctx.now, booking_id=booking.booking_id, by=c.actor)]


FEEDBACK_REASONS = frozenset({"wait", "politeness", "competence", "documents", "premises", "other"})


def _feedback(state: HallState, c: cmd.GiveFeedback, ctx: Context) -> list[ev.Event]:
    if c.visit_id in state.feedback_given:
        raise Refused("feedback_already_given")
    if c.reason is not None and c.reason not in FEEDBACK_REASONS:
        raise InvalidInput("invalid_message", details="reason")
    return [ev.FeedbackGiven(at=ctx.now, visit_id=c.visit_id, service_id=c.service_id, desk=c.desk,
                             operator=c.operator, good=c.good, reason=c.reason, comment=c.comment)]


def _end_day(state: HallState, c: cmd.EndDay, ctx: Context) -> list[ev.Event]:
    assert state.day is not None  # day_events always opens the day first
    return [ev.DayEnded(at=ctx.now, day=state.day)]


# -- lookups and guards -------------------------------------------------------------------------
def _service(state: HallState, service_id: str) -> Service:
    service = state.hall.services.get(service_id)
    if service is None:
        raise NotFound("unknown_service", service=service_id)
    return service


def _desk(state: HallState, number: int) -> DeskState:
    desk = state.desks.get(number)
    if desk is None:
        raise NotFound("unknown_desk", desk=number)
    return desk


def _visit_by_ticket(state: HallState, ticket: str) -> Visit:
    visit = state.visit_by_ticket(ticket)
    if visit is None:
        raise NotFound("unknown_ticket", ticket=ticket)
    return visit


def _my_desk(state: HallState, c: cmd.DeskCommand) -> DeskState:
    desk = _desk(state, c.desk)
    if desk.status is DeskStatus.CLOSED:
        raise Refused("desk_closed", desk=c.desk)
    if desk.operator != c.actor:
        raise Forbidden("desk_not_yours", desk=c.desk)
    return desk


def _ready_to_call(state: HallState, c: cmd.DeskCommand) -> None:
    desk = _my_desk(state, c)
    if state.paused:
        raise Refused("hall_paused")
    if desk.status is DeskStatus.PAUSED:
        raise Refused("desk_paused", desk=c.desk)
    if desk.visit_id is not None:
        raise Refused("desk_busy", desk=c.desk)


def _current(state: HallState, c: cmd.DeskCommand, *allowed: VisitState) -> Visit:
    desk = _my_desk(state, c)
    if desk.visit_id is None:
        raise Refused("no_current_visit", desk=c.desk)
    visit = state.visits[desk.visit_id]
    if visit.state not in allowed:
        raise Refused("invalid_transition", ticket=visit.ticket, state=visit.state.value)
    return visit


_HANDLERS: dict[type[cmd.Command], Callable[..., list[ev.Event]]] = {
    cmd.IssueTicket: _issue,
    cmd.OpenDesk: _open_desk,
    cmd.PauseDesk: _pause_desk,
    cmd.ResumeDesk: _resume_desk,
    cmd.CloseDesk: _close_desk,
    cmd.CallNext: _call_next,
    cmd.CallTicket: _call_ticket,
    cmd.Recall: _recall,
    cmd.StartService: _start,
    cmd.Finish: _finish,
    cmd.NoShow: _no_show,
    cmd.Transfer: _transfer,
    cmd.Postpone: _postpone,
    cmd.AddService: _add_service,
    cmd.CancelVisit: _cancel,
    cmd.ChangePriority: _change_priority,
    cmd.SetDeskServices: _set_desk_services,
    cmd.PauseHall: _pause_hall,
    cmd.ResumeHall: _resume_hall,
    cmd.CloseService: _close_service,
    cmd.ReopenService: _reopen_service,
    cmd.SetAnnouncement: _set_announcement,
    cmd.SendMessage: _send_message,
    cmd.BookSlot: _book_slot,
    cmd.CancelBooking: _cancel_booking,
    cmd.CheckIn: _check_in,
    cmd.LogAccessibleSession: _log_accessible,
    cmd.MarkDocumentReady: _document_ready,
    cmd.GiveFeedback: _feedback,
    cmd.EndDay: _end_day,
}
