"""`GET /metrics`: the hall's figures for Prometheus (queue_server/metrics.py makes the text)."""

from __future__ import annotations

import time

from aiohttp import web

from ..metrics import CONTENT_TYPE
from ..views import device_alerts
from .http import Call


async def metrics(call: Call[None]) -> web.Response:
    """Formats counters already in memory: the same small work on the first day and after a year."""
    state, service = call.state, call.state.service
    # The problems the dashboard names (views.dashboard), as (kind, subject) pairs.
    problems = [(alert["kind"] if alert["kind"] == "kiosk_offline" else alert["problem"], alert["kiosk"])
                for alert in device_alerts(service.devices, time.monotonic())]
    if service.published.clock_jump is not None:
        problems.append(("clock_jump", "server"))
    if state.host is not None:
        problems += [(finding.key, finding.check) for finding in state.host.problems()]
    # A branch of a city: the age of its oldest event the city has not acknowledged (0 when caught up).
    if state.shipping is not None:
        service.metrics.shipping_lag_seconds = float(state.shipping.status()["behind_seconds"])
        service.metrics.city_config_version = service.published.city_version
    text = service.metrics.render(service.published, service.now(), state.client_roles, service.hub.last_seq,
                                  problems)
    return web.Response(body=text.encode("utf-8"), headers={"Content-Type": CONTENT_TYPE})
