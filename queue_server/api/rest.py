"""REST handlers for kiosks, boards and consoles: health, the hall, tickets, sessions.

Routes are declared in routes.py; the caller is checked there (guard.py) before a handler runs.
"""

from __future__ import annotations

from typing import Annotated, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..domain import commands as cmd
from ..passwords import token_hash
from .errors import aware_datetime, json_response
from .http import Call
from .messages import CommandId, TicketRequest

CLOSE_LOGGED_OUT = 4003  # a WebSocket whose operator session was logged out


class TicketBody(TicketRequest):
    command_id: CommandId


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    login: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    desk: int | None = Field(default=None, ge=1, le=10_000)


class AccessibleSessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    command_id: CommandId
    started_at: str
    features: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,30}$")]] = Field(max_length=10)
    steps: int = Field(ge=0, le=10_000)
    duration_seconds: int = Field(ge=0, le=86_400)
    outcome: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,20}$")]
    lang: Literal["uk", "en"] = "uk"


async def health(call: Call[None]) -> web.Response:
    service = call.state.service
    store = service.store.health()
    # A monitor (or the hall's supervisor) must see a store it cannot trust: 503, and which fault.
    return json_response({"status": "ok" if store == "ok" else "unavailable", "store": store,
                          "seq": service.hub.last_seq, "day": service.state.day,
                          "subscribers": service.hub.subscriber_count}, status=200 if store == "ok" else 503)


async def hall(call: Call[None]) -> web.Response:
    """Public: the services tree with availability and estimated waits (kiosks, boards)."""
    return json_response(call.state.service.public_hall())


async def state(call: Call[None]) -> web.Response:
    return json_response(call.state.service.snapshot())


async def issue_ticket(call: Call[TicketBody]) -> web.Response:
    body = call.body
    command = cmd.IssueTicket(actor=call.principal.name, service_id=body.service_id, bundle_id=body.bundle_id,
                              priority_category=body.priority_category, lang=body.lang)
    result = await call.state.service.execute(command, body.command_id)
    return json_response(result, status=201)


async def accessible_session(call: Call[AccessibleSessionBody]) -> web.Response:
    """A kiosk reports one use of its accessible mode (for the dashboard's usage report)."""
    body = call.body
    started = aware_datetime(body.started_at, "started_at")
    command = cmd.LogAccessibleSession(actor=call.principal.name, started_at=started, features=tuple(body.features),
                                       steps=body.steps, duration_seconds=body.duration_seconds,
                                       outcome=body.outcome, lang=body.lang)
    return json_response(await call.state.service.execute(command, body.command_id), status=201)


async def login(call: Call[LoginBody]) -> web.Response:
    body, app = call.body, call.state
    principal, token = await app.auth.login(body.login, body.password, body.desk, app.client(call.request))
    return json_response({"token": token, "role": principal.role.value, "name": principal.name,
                          "desk": principal.desk}, status=201)


async def logout(call: Call[None]) -> web.Response:
    app, token = call.state, call.token
    assert token is not None  # declared with a token: the guard let no request without one through
    await app.auth.logout(token)
    # A console still connected with this session must not keep acting for the operator who left.
    for ws in list(app.session_sockets.pop(token_hash(token), ())):
        await ws.close(code=CLOSE_LOGGED_OUT, message=b"logged out")
    return json_response({}, status=200)
