"""The branch's live summary for the city: a few figures every few seconds, never the log itself."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from ..domain.booking import soonest_free_slot
from ..domain.hall import Hall, Text
from ..domain.hall_config import location_value
from ..domain.state import DeskStatus
from ..hall_service import HallService
from ..host_checks import HostMonitor
from ..views import device_alerts, queue_summary, sla_today
from .protocol import MAX_ALERT_TEXT, MAX_PUBLIC_TEXT, MAX_SUMMARY_ALERTS


def live_summary(service: HallService, shipping: dict[str, Any], host: HostMonitor | None = None) -> dict[str, Any]:
    """Open desks, waiting and the wait a ticket taken now would be promised per service, the pause, the
    longest wait in the hall, and what of its machines needs someone (the city's live page, docs/city.md); for
    the city's public page also the centre's public facts, each service's name and its soonest free booking slot."""
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
        "longest_wait_seconds": max((q["longest_wait_seconds"] for q in queues.values()), default=0),
        "sla": sla_today(state, now),
        "shipping": {"behind_events": shipping["behind_events"], "behind_seconds": shipping["behind_seconds"]},
        "alerts": summary_alerts(service, host),
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


def summary_alerts(service: HallService, host: HostMonitor | None) -> list[dict[str, Any]]:
    """The dashboard's alerts about the hall's machines, as codes and parameters (the city's page words them):
    kiosks silent and their printers' problems (views.device_alerts, the dashboard's own), then what the server
    sees of its own machine (host_checks.py). At most MAX_SUMMARY_ALERTS, texts clipped to MAX_ALERT_TEXT: a
    hall of broken kiosks on a deep data path still sends a summary the city accepts."""
    alerts = device_alerts(service.devices, time.monotonic())
    if host is not None:
        alerts += [{"kind": finding.key, **finding.params} for finding in host.problems()]
    return [{key: value[:MAX_ALERT_TEXT] if isinstance(value, str) else value for key, value in alert.items()}
            for alert in alerts[:MAX_SUMMARY_ALERTS]]
