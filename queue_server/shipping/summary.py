"""The branch's live summary for the city: a few figures every few seconds, never the log itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.state import DeskStatus
from ..hall_service import HallService
from ..views import queue_summary, sla_today


def live_summary(service: HallService, shipping: dict[str, Any]) -> dict[str, Any]:
    """Open desks, waiting and the wait a ticket taken now would be promised per service, the pause."""
    now: datetime = service.now()
    state = service.published
    queues = queue_summary(state, now, service.quotes.for_services(state, now))
    desks = [desk.status for desk in state.desks.values()]
    return {
        "at": now.isoformat(),
        "day": state.day,
        "paused": state.paused,  # the air-raid pause: the queue is kept, nobody is called
        "pause_reason": state.pause_reason,
        "desks": {"open": desks.count(DeskStatus.OPEN), "paused": desks.count(DeskStatus.PAUSED),
                  "closed": desks.count(DeskStatus.CLOSED)},
        "services": {sid: {"waiting": q["waiting"], "longest_wait_seconds": q["longest_wait_seconds"],
                           "estimated_wait_minutes": q["estimated_wait_minutes"]} for sid, q in queues.items()},
        "sla": sla_today(state, now),
        "shipping": {"behind_events": shipping["behind_events"], "behind_seconds": shipping["behind_seconds"]},
        # Which city configuration version runs here, and a refused one with its reason (config_pull.py).
        "config": shipping.get("config"),
    }
