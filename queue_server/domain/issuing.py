"""Issuing a ticket: numbering, and every reason a ticket cannot be taken now."""

from __future__ import annotations

from datetime import datetime

from . import commands as cmd
from . import events as ev
from .errors import InvalidInput, NotFound, Refused
from .forecast import Forecast, Target, forecast
from .guards import Context, decides, find_service
from .hall import WEEKDAYS, Service
from .state import HallState


def format_ticket(prefix: str, number: int) -> str:
    return f"{prefix}-{number:03d}"


@decides(cmd.IssueTicket)
def issue_ticket(state: HallState, c: cmd.IssueTicket, ctx: Context, booking_id: str | None = None) -> list[ev.Event]:
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
    services = [find_service(state, sid) for sid in service_ids]
    for service in services:
        _check_issuable(state, service, now, booked=c.booked_for is not None)
    priority = 0
    if c.priority_category is not None:
        category = hall.priority_categories.get(c.priority_category)
        if category is None:
            raise InvalidInput("unknown_priority_category", category=c.priority_category)
        # Over the category's daily cap the visitor still gets a ticket, an ordinary one.
        capped = category.daily_cap is not None and state.priority_issued.get(category.id, 0) >= category.daily_cap
        priority = 0 if capped else category.level
    first = services[0]
    number = state.numbers.get(first.prefix, 0) + 1
    ticket = format_ticket(first.prefix, number)
    visit_id = f"{now.date().isoformat()}-{ticket}"
    # The promise printed on the ticket, frozen in the event (replay never recomputes it).
    promise = forecast(state, Target(visit_id, first.id, c.booked_for or now, priority, c.booked_for,
                                     booking_id=booking_id), now) if ctx.predict else Forecast(None, 0)
    return [
        ev.TicketIssued(
            at=now,
            visit_id=visit_id,
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
            booking_id=booking_id,
            predicted_wait_minutes=promise.minutes,
            predicted_ahead=promise.ahead,
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

