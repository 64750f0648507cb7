"""What every decision shares: the context it is made in, and the lookups and guards that refuse cleanly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from . import commands as cmd
from . import events as ev
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


Decider = Callable[[HallState, Any, Context], list[ev.Event]]
D = TypeVar("D", bound=Decider)
DECIDERS: dict[type[cmd.Command], Decider] = {}  # each command's decision, registered where it is written
# Each desk action's name (its WebSocket message) and when a desk may take it: the desk's situation is
# closed, paused, idle, held (idle while the hall is paused), called (its visitor is on the way) or serving.
DESK_RULES: dict[str, frozenset[str]] = {}
SITUATIONS = frozenset({"closed", "paused", "idle", "held", "called", "serving"})


def decides(command: type[cmd.Command], action: str | None = None, desk_may: tuple[str, ...] = ()) -> Callable[[D], D]:
    """Register a decision; a desk action also names itself and the situations it makes sense in."""
    assert set(desk_may) <= SITUATIONS and (action is None) == (not desk_may), command

    def register(decider: D) -> D:
        DECIDERS[command] = decider
        if action is not None:
            DESK_RULES[action] = frozenset(desk_may)
        return decider

    return register



def find_service(state: HallState, service_id: str) -> Service:
    service = state.hall.services.get(service_id)
    if service is None:
        raise NotFound("unknown_service", service=service_id)
    return service


def find_desk(state: HallState, number: int) -> DeskState:
    desk = state.desks.get(number)
    if desk is None:
        raise NotFound("unknown_desk", desk=number)
    return desk


def find_visit_by_ticket(state: HallState, ticket: str) -> Visit:
    visit = state.visit_by_ticket(ticket)
    if visit is None:
        raise NotFound("unknown_ticket", ticket=ticket)
    return visit


def own_desk(state: HallState, c: cmd.DeskCommand) -> DeskState:
    desk = find_desk(state, c.desk)
    if desk.status is DeskStatus.CLOSED:
        raise Refused("desk_closed", desk=c.desk)
    if desk.operator != c.actor:
        raise Forbidden("desk_not_yours", desk=c.desk)
    return desk


def ready_to_call(state: HallState, c: cmd.DeskCommand) -> None:
    desk = own_desk(state, c)
    if state.paused:
        raise Refused("hall_paused")
    if desk.status is DeskStatus.PAUSED:
        raise Refused("desk_paused", desk=c.desk)
    if desk.visit_id is not None:
        raise Refused("desk_busy", desk=c.desk)


def current_visit(state: HallState, c: cmd.DeskCommand, *allowed: VisitState) -> Visit:
    desk = own_desk(state, c)
    if desk.visit_id is None:
        raise Refused("no_current_visit", desk=c.desk)
    visit = state.visits[desk.visit_id]
    if visit.state not in allowed:
        raise Refused("invalid_transition", ticket=visit.ticket, state=visit.state.value)
    return visit



def find_booking(state: HallState, code: str) -> Booking:
    booking = state.bookings.by_code_or_none(code)
    if booking is None:
        raise NotFound("unknown_booking")
    return booking

