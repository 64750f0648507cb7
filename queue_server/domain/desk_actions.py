"""What a desk may do now: the one rule the console greys its buttons by.

The server sends the list with each desk's view (views.desk_view), so no client re-derives it; `decide`
refuses the same things with a reason when a client asks anyway (a stale screen, a second console).
"""

from __future__ import annotations

from .state import DeskStatus, HallState
from .visit import VisitState

# Every desk action, in the order a console lists them. The console's own table (desk_console/actions.py)
# gives each a key and a label; a test checks both name the same actions.
DESK_ACTIONS = ("call_next", "call_ticket", "recall", "start_service", "finish", "no_show", "transfer", "postpone",
                "add_service", "desk_pause", "desk_resume", "desk_close", "desk_open")

_CALLED = ("recall", "start_service", "no_show", "transfer", "postpone")
_SERVING = ("finish", "transfer", "postpone", "add_service")


def available_actions(state: HallState, number: int) -> list[str]:
    desk = state.desks[number]
    if desk.status is DeskStatus.CLOSED:
        return ["desk_open"]
    if desk.status is DeskStatus.PAUSED:
        return ["desk_resume", "desk_close"]
    current = state.visits.get(desk.visit_id) if desk.visit_id else None
    if current is None or current.state not in (VisitState.CALLED, VisitState.SERVING):
        # A paused hall (air-raid alert) calls nobody: the desk may still pause or close.
        calls = [] if state.paused else ["call_next", "call_ticket"]
        return [*calls, "desk_pause", "desk_close"]
    return list(_CALLED if current.state is VisitState.CALLED else _SERVING)
