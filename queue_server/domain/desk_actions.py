"""What a desk may do now: the one rule the console greys its buttons by.

Each desk action declares, where its decision is written (decide.py `@decides(..., desk_may=...)`), the
situations it makes sense in; the server sends the list with each desk's view (views.desk_view), so no
client re-derives it, and `decide` refuses the same things with a reason when asked anyway.
"""

from __future__ import annotations

from . import decide  # noqa: F401  (registers every decision, and with it DESK_RULES)
from .guards import DESK_RULES
from .state import DeskStatus, HallState
from .visit import VisitState

DESK_ACTIONS = tuple(DESK_RULES)  # every desk action, in the order they are written


def situation(state: HallState, number: int) -> str:
    desk = state.desks[number]
    if desk.status is DeskStatus.CLOSED:
        return "closed"
    if desk.status is DeskStatus.PAUSED:
        return "paused"
    current = state.visits.get(desk.visit_id) if desk.visit_id else None
    if current is not None and current.state is VisitState.CALLED:
        return "called"
    if current is not None and current.state is VisitState.SERVING:
        return "serving"
    return "held" if state.paused else "idle"  # an air-raid pause calls nobody; a desk may still pause or close


def available_actions(state: HallState, number: int) -> list[str]:
    now = situation(state, number)
    return [action for action, situations in DESK_RULES.items() if now in situations]
