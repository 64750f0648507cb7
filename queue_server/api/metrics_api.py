"""`GET /metrics`: the hall's figures for Prometheus (queue_server/metrics.py makes the text)."""

from __future__ import annotations

from aiohttp import web

from ..metrics import CONTENT_TYPE
from .http import Call


async def metrics(call: Call[None]) -> web.Response:
    """Formats counters already in memory: the same small work on the first day and after a year."""
    state, service = call.state, call.state.service
    problems = [(problem, name) for name, (_seen, problem) in service.devices.items() if problem]
    if state.host is not None:
        problems += [(finding.key, finding.check) for finding in state.host.problems()]
    text = service.metrics.render(service.published, service.now(), state.client_roles, service.hub.last_seq,
                                  problems)
    return web.Response(body=text.encode("utf-8"), headers={"Content-Type": CONTENT_TYPE})
