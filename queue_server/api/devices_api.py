"""The devices' REST: a kiosk's heartbeat, so the dashboard can tell a dead kiosk or printer; and a visitor's
call for an administrator from a kiosk («Покликати адміністратора»), shown among the dashboard's alerts until a
supervisor acknowledges it."""

from __future__ import annotations

import time
from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from .errors import json_response
from .http import Call


class HeartbeatBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    printer_problem: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None


class HelpCallBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    lang: Literal["uk", "en"] = "uk"  # the visitor's language
    accessible: bool = False  # called from the accessible mode


async def heartbeat(call: Call[HeartbeatBody]) -> web.Response:
    """A kiosk says it is alive, and how its printer is: the dashboard raises an alert when either fails."""
    call.state.service.devices[call.principal.name] = (time.monotonic(), call.body.printer_problem)
    return json_response({})


async def help_call(call: Call[HelpCallBody]) -> web.Response:
    """A visitor at a kiosk asks for an administrator: an alert on the dashboard until acknowledged
    (help_calls.py). A second press while the call is open answers `already`; a new call within a minute of
    the last is refused (429)."""
    service = call.state.service
    help_call, already = call.state.help_calls.call(call.principal.name, service.now().isoformat(),
                                                    call.body.lang, call.body.accessible)
    if not already:
        service.tick()  # every dashboard fetches its view again now, not at the next 20 s tick
    return json_response({"called_at": help_call.at, "already": already}, status=200 if already else 201)
