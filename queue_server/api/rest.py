"""REST routes for kiosks and pages. Every route is listed in `ROUTES` and documented in openapi.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..domain import commands as cmd
from ..domain.errors import Forbidden, InvalidInput, Unauthorized
from ..passwords import token_hash
from .auth import Principal, Role
from .errors import aware_datetime, json_response, parse_json
from .messages import CommandId, TicketRequest
from .state import APP_STATE, AppState

CLOSE_LOGGED_OUT = 4003  # a WebSocket whose operator session was logged out


class TicketBody(TicketRequest):
    command_id: CommandId


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    login: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    desk: int | None = Field(default=None, ge=1, le=10_000)


def _app(request: web.Request) -> AppState:
    state: AppState = request.app[APP_STATE]
    return state


async def _json_body(request: web.Request) -> Any:
    try:
        text = await request.text()
    except UnicodeDecodeError:
        raise InvalidInput("invalid_json") from None
    return parse_json(text)


async def _principal(request: web.Request, *roles: Role) -> Principal:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        raise Unauthorized("auth_required")
    principal = await _app(request).auth.by_token(header[7:].strip())
    if roles and principal.role not in roles:
        raise Forbidden("forbidden_for_role", role=principal.role.value, type=request.path)
    return principal


async def health(request: web.Request) -> web.Response:
    service = _app(request).service
    store = service.store.health()
    # A monitor (or the hall's supervisor) must see a store it cannot trust: 503, and which fault.
    return json_response({"status": "ok" if store == "ok" else "unavailable", "store": store,
                          "seq": service.hub.last_seq, "day": service.state.day,
                          "subscribers": service.hub.subscriber_count}, status=200 if store == "ok" else 503)


async def hall(request: web.Request) -> web.Response:
    """Public: the services tree with availability and estimated waits (kiosks, boards)."""
    return json_response(_app(request).service.public_hall())


async def state(request: web.Request) -> web.Response:
    await _principal(request)
    return json_response(_app(request).service.snapshot())


async def issue_ticket(request: web.Request) -> web.Response:
    principal = await _principal(request, Role.KIOSK, Role.ADMIN)
    body = TicketBody.model_validate(await _json_body(request))
    command = cmd.IssueTicket(actor=principal.name, service_id=body.service_id, bundle_id=body.bundle_id,
                              priority_category=body.priority_category, lang=body.lang)
    result = await _app(request).service.execute(command, body.command_id)
    return json_response(result, status=201)


class AccessibleSessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    command_id: CommandId
    started_at: str
    features: list[Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,30}$")]] = Field(max_length=10)
    steps: int = Field(ge=0, le=10_000)
    duration_seconds: int = Field(ge=0, le=86_400)
    outcome: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,20}$")]
    lang: Literal["uk", "en"] = "uk"


async def accessible_session(request: web.Request) -> web.Response:
    """A kiosk reports one use of its accessible mode (for the dashboard's usage report)."""
    principal = await _principal(request, Role.KIOSK)
    body = AccessibleSessionBody.model_validate(await _json_body(request))
    started = aware_datetime(body.started_at, "started_at")
    command = cmd.LogAccessibleSession(actor=principal.name, started_at=started, features=tuple(body.features),
                                       steps=body.steps, duration_seconds=body.duration_seconds,
                                       outcome=body.outcome, lang=body.lang)
    return json_response(await _app(request).service.execute(command, body.command_id), status=201)


async def login(request: web.Request) -> web.Response:
    body = LoginBody.model_validate(await _json_body(request))
    app = _app(request)
    principal, token = await app.auth.login(body.login, body.password, body.desk, app.client(request))
    return json_response({"token": token, "role": principal.role.value, "name": principal.name,
                              "desk": principal.desk}, status=201)


async def logout(request: web.Request) -> web.Response:
    await _principal(request)
    token = request.headers["Authorization"][7:].strip()
    app = _app(request)
    await app.auth.logout(token)
    # A console still connected with this session must not keep acting for the operator who left.
    for ws in list(app.session_sockets.pop(token_hash(token), ())):
        await ws.close(code=CLOSE_LOGGED_OUT, message=b"logged out")
    return json_response({}, status=200)


async def openapi(request: web.Request) -> web.Response:
    from .openapi import spec

    return json_response(spec())


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/health", health),
    ("GET", "/api/openapi.json", openapi),
    ("GET", "/api/hall", hall),
    ("GET", "/api/state", state),
    ("POST", "/api/tickets", issue_ticket),
    ("POST", "/api/accessibility", accessible_session),
    ("POST", "/api/sessions", login),
    ("DELETE", "/api/sessions", logout),
]
