"""The one place where a route's caller is checked, before its handler runs; and where routes are registered.

For every declared route: who is calling (the bearer token, its role), then the body (read with its limits and
validated against the route's model), then, for routes that look a booking up by its short code, the
per-address throttle on unknown codes. The handler gets a `Call` with all of that done.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from ..domain.errors import CherhaError, Forbidden, NotFound, Unauthorized
from .auth import Principal, Role
from .endpoints import REGISTERED, Access, Entry, Registered, Route, Static
from .http import Call, app_state, bearer_token, read_json
from .state import AppState

Endpoint = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def authenticate(request: web.Request, state: AppState, access: Access) -> tuple[Principal | None, str | None]:
    """The caller and its token, or (None, None) for an anonymous one; 401 or 403 when not allowed."""
    if access.kind in ("public", "visitor-by-code"):
        return None, None
    if access.kind == "token-or-anonymous" and "Authorization" not in request.headers:
        return None, None
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("auth_required")
    principal = await state.auth.by_token(token)
    # A monitoring token opens the routes that name its role (/metrics), not every "any token" route.
    if (access.roles or principal.role is Role.METRICS) and principal.role not in access.roles:
        raise Forbidden("forbidden_for_role", role=principal.role.value, type=request.path)
    return principal, token


async def read_body(request: web.Request, route: Route[Any]) -> BaseModel | None:
    if route.body is None:
        return None
    data = await read_json(request) if route.body_required or request.can_read_body else {}
    model: type[BaseModel] = route.body
    return model.model_validate(data)


async def guessing_codes(state: AppState, request: web.Request,
                         action: Callable[[], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    """Run an action that names a booking by its code: unknown codes are throttled per client address.

    The attempt is reserved before the action awaits anything and given back unless the code was unknown,
    so neither sequential nor concurrent guessing gets past the limit (api/limits.py).
    """
    found = state.guard.take_code(state.client(request))
    try:
        response = await action()
    except NotFound:
        raise
    except CherhaError:
        found()  # a real code refused for another reason (already cancelled, too early): not a guess
        raise
    found()
    return response


def endpoint(route: Route[Any]) -> Endpoint:
    async def checked(request: web.Request) -> web.StreamResponse:
        state = app_state(request)
        caller, token = await authenticate(request, state, route.access)
        call = Call(request, state, await read_body(request, route), caller, token)
        if route.guesses_codes:
            return await guessing_codes(state, request, lambda: route.handler(call))
        return await route.handler(call)

    checked.__name__ = checked.__qualname__ = getattr(route.handler, "__name__", "endpoint")
    return checked


def register(app: web.Application, table: Iterable[Entry]) -> None:
    """Add every route of the table to the app, each behind its checks; the table is kept for the document."""
    entries = tuple(table)
    for entry in entries:
        if isinstance(entry, Static):
            app.router.add_static(entry.prefix, entry.directory, append_version=False)
            continue
        handler = endpoint(entry)
        app.router.add_route(entry.method, entry.path, handler)
        if entry.head:
            app.router.add_route("HEAD", entry.path, handler)
    app[REGISTERED] = Registered(entries)
