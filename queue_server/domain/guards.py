"""What every decision shares: the context it is made in, and the lookups and guards that refuse cleanly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from . import commands as cmd
from .booking import Booking
from .errors import Forbidden, NotFound, Refused
from .hall import Service
from .state import DeskState, DeskStatus, HallState
from .visit import Visit, VisitState


@dataclass(frozen=True)
class Context:
    now: datetime
    new_token: Callable[[], str]  # unguessable tokens come from outside the pure core
    new_code: Callable[[], str] = lambda: "UNSET"  # booking codes: short, typeable, unguessable (from outside)
    # Forecast the wait at issue (the server always does). Policy studies that replay thousands of days
    # and never read the promise turn it off: it does not change who is called.
    predict: bool = True



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



def _booking(state: HallState, code: str) -> Booking:
    booking = state.bookings.by_code_or_none(code)
    if booking is None:
        raise NotFound("unknown_booking")
    return booking

