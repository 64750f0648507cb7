"""The branch's live summary for the city: a few figures every few seconds, never the log itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..domain.booking import soonest_free_slot
from ..domain.hall import Hall, Text
from ..domain.hall_config import location_value
from ..domain.state import DeskStatus
from ..hall_service import HallService
from ..views import queue_summary, sla_today
from .protocol import MAX_PUBLIC_TEXT


def live_summary(service: HallService, shipping: dict[str, Any]) -> dict[str, Any]:
    """Open desks, waiting and the wait a ticket taken now would be promised per service, the pause; for the
    city's public page also the centre's public facts, each service's name and its soonest free booking slot."""
    now: datetime = service.now()
    state = service.published
    hall = state.hall
    queues = queue_summary(state, now, service.quotes.for_services(state, now))
    desks = [desk.status for desk in state.desks.values()]
    # Once per summary (not per visitor of the city's page): at most `days_ahead + 1` days of slots a service.
    slots = {sid: soonest_free_slot(hall, state.bookings, hall.services[sid], now) for sid in queues}
    soonest = {sid: slot.start.isoformat() if slot else None for sid, slot in slots.items()}
    return {
        "at": now.isoformat(),
        "day": state.day,
        "paused": state.paused,  # the air-raid pause: the queue is kept, nobody is called
        "pause_reason": state.pause_reason,
        "desks": {"open": desks.count(DeskStatus.OPEN), "paused": desks.count(DeskStatus.PAUSED),
                  "closed": desks.count(DeskStatus.CLOSED)},
        "services": {sid: {"waiting": q["waiting"], "longest_wait_seconds": q["longest_wait_seconds"],
                           "estimated_wait_minutes": q["estimated_wait_minutes"],
                           "name": _short(hall.services[sid].name),
                           "open": hall.is_open_at(now) and hall.service_offered_at(hall.services[sid], now),
                           "soonest_slot": soonest[sid]}
                     for sid, q in queues.items()},
        "sla": sla_today(state, now),
        "shipping": {"behind_events": shipping["behind_events"], "behind_seconds": shipping["behind_seconds"]},
        "centre": public_facts(hall, now),
        # Which city configuration version runs here, and a refused one with its reason (config_pull.py).
        "config": shipping.get("config"),
    }


def public_facts(hall: Hall, now: datetime) -> dict[str, Any]:
    """What the city's public page tells a visitor about the centre: its name, address, where it is on the map,
    whether it is open now, and where its public booking page is (from `[centre] public_url`; empty: none)."""
    return {
        "name": _short(hall.name),
        "address": _short(hall.address),
        "location": location_value(hall.location),
        "open": hall.is_open_at(now),
        "booking_url": hall.link("/book") if hall.public_url else "",
    }


def _short(text: Text | None) -> dict[str, str] | None:
    """A name or an address for the public page, cut to what the city accepts (a hall file sets no limit)."""
    return None if text is None else {"uk": text.uk[:MAX_PUBLIC_TEXT], "en": text.en[:MAX_PUBLIC_TEXT]}
