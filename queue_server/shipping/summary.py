"""The branch's live summary for the city: a few figures every few seconds, never the log itself."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from ..domain.state import DeskStatus
from ..hall_service import HallService
from ..host_checks import HostMonitor
from ..views import device_alerts, queue_summary, sla_today
from .protocol import MAX_ALERT_TEXT, MAX_SUMMARY_ALERTS


def live_summary(service: HallService, shipping: dict[str, Any], host: HostMonitor | None = None) -> dict[str, Any]:
    """Open desks, waiting and the wait a ticket taken now would be promised per service, the pause, the
    longest wait in the hall, and what of its machines needs someone (the city's live page, docs/city.md)."""
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
        "longest_wait_seconds": max((q["longest_wait_seconds"] for q in queues.values()), default=0),
        "sla": sla_today(state, now),
        "shipping": {"behind_events": shipping["behind_events"], "behind_seconds": shipping["behind_seconds"]},
        "alerts": summary_alerts(service, host),
    }


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
