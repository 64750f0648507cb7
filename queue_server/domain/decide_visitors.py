"""Decisions visitors start: bookings and check-in, feedback, accessible-terminal use, documents ready."""

from __future__ import annotations

from . import commands as cmd
from . import events as ev
from .booking import checkin_window, closed_day, slots_for
from .enums import ACCESSIBLE_FEATURE_IDS, ACCESSIBLE_OUTCOME_IDS, FEEDBACK_REASON_IDS
from .errors import InvalidInput, NotFound, Refused
from .guards import Context, decides, find_booking, find_service
from .issuing import issue_ticket
from .state import HallState


@decides(cmd.BookSlot)
def _book_slot(state: HallState, c: cmd.BookSlot, ctx: Context) -> list[ev.Event]:
    service = find_service(state, c.service_id)
    policy = state.hall.booking
    if not service.bookable:
        raise Refused("service_not_bookable", service=service.id)
    if c.start <= ctx.now:
        raise Refused("slot_in_past")
    if (c.start.date() - ctx.now.date()).days > policy.days_ahead:
        raise Refused("slot_too_far", days=policy.days_ahead)
    slot = next((s for s in slots_for(state.hall, policy, service, c.start.date()) if s.start == c.start), None)
    if slot is None:
        closed = closed_day(state.hall, service, c.start.date())
        if closed:  # a holiday declared after the page showed the day: say why, not just "no such time"
            raise Refused(closed, date=c.start.date().isoformat())
        raise NotFound("unknown_slot")
    if state.bookings.taken(service.id, slot.start) >= slot.capacity:
        raise Refused("slot_full")
    if c.person_bookings >= policy.per_person_month:
        raise Refused("booking_limit", limit=policy.per_person_month)
    # 40 random bits: a clash is rare, but a code is never reused (and a broken source never loops forever).
    code = next((c for c in (ctx.new_code() for _ in range(8)) if c not in state.bookings.by_code), None)
    if code is None:
        raise Refused("try_again")
    return [ev.BookingMade(at=ctx.now, booking_id=f"b-{code}", code=code, service_id=service.id, start=slot.start,
                           channel=c.channel, by=c.actor, lang=c.lang, contact=c.contact)]


@decides(cmd.CancelBooking)
def _cancel_booking(state: HallState, c: cmd.CancelBooking, ctx: Context) -> list[ev.Event]:
    booking = find_booking(state, c.code)
    if booking.cancelled or booking.visit_id is not None:
        raise Refused("booking_closed")
    return [ev.BookingCancelled(at=ctx.now, booking_id=booking.booking_id, by=c.actor)]


@decides(cmd.CheckIn)
def _check_in(state: HallState, c: cmd.CheckIn, ctx: Context) -> list[ev.Event]:
    """On time: a ticket booked for the slot, called before walk-ins. Too late: an ordinary ticket."""
    booking = find_booking(state, c.code)
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
    return issue_ticket(state, issue, ctx, booking_id=booking.booking_id)


@decides(cmd.LogAccessibleSession)
def _log_accessible(state: HallState, c: cmd.LogAccessibleSession, ctx: Context) -> list[ev.Event]:
    if not set(c.features) <= ACCESSIBLE_FEATURE_IDS or c.outcome not in ACCESSIBLE_OUTCOME_IDS:
        raise InvalidInput("invalid_message", details="unknown feature or outcome")
    return [ev.AccessibleSessionLogged(at=ctx.now, terminal=c.actor, started_at=c.started_at, features=c.features,
                                       steps=c.steps, duration_seconds=c.duration_seconds, outcome=c.outcome,
                                       lang=c.lang)]


@decides(cmd.MarkDocumentReady)
def _document_ready(state: HallState, c: cmd.MarkDocumentReady, ctx: Context) -> list[ev.Event]:
    booking = find_booking(state, c.code)
    return [ev.DocumentReady(at=ctx.now, booking_id=booking.booking_id, by=c.actor)]


@decides(cmd.GiveFeedback)
def _feedback(state: HallState, c: cmd.GiveFeedback, ctx: Context) -> list[ev.Event]:
    if c.visit_id in state.feedback_given:
        raise Refused("feedback_already_given")
    visit = state.visits.get(c.visit_id)  # today's visits; an earlier day's has ended by definition
    if visit is not None and not visit.state.is_final:
        raise Refused("feedback_not_yet")
    if c.reason is not None and c.reason not in FEEDBACK_REASON_IDS:
        raise InvalidInput("invalid_message", details="reason")
    return [ev.FeedbackGiven(at=ctx.now, visit_id=c.visit_id, service_id=c.service_id, desk=c.desk,
                             operator=c.operator, good=c.good, reason=c.reason, comment=c.comment)]

