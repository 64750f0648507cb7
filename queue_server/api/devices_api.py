"""The devices' REST: a kiosk's heartbeat, so the dashboard can tell a dead kiosk or printer."""

from __future__ import annotations

import time
from typing import Annotated

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from .errors import json_response
from .http import Call


class HeartbeatBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    printer_problem: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None


async def heartbeat(call: Call[HeartbeatBody]) -> web.Response:
    """A kiosk says it is alive, and how its printer is: the dashboard raises an alert when either fails."""
    call.state.service.devices[call.principal.name] = (time.monotonic(), call.body.printer_problem)
    return json_response({})
