"""What every REST handler shares: the app's state, the JSON body, the caller. Public names only.

A handler never reads the Authorization header or checks a role: `guard.py` does, once, from the route
table, and hands the handler a `Call` with the caller already known.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiohttp import web

from ..domain.errors import InvalidInput
from .auth import Principal
from .errors import parse_json
from .state import APP_STATE, AppState

B = TypeVar("B")


def app_state(request: web.Request) -> AppState:
    state: AppState = request.app[APP_STATE]
    return state


def bearer_token(request: web.BaseRequest) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None when there is none (or it is blank)."""
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.startswith("Bearer ") else ""
    return token or None


async def read_json(request: web.Request) -> Any:
    """The request's JSON. Its size is capped by the app (`client_max_size`: 413), its depth and text by
    `parse_json` (400): a handler never sees what it could choke on."""
    try:
        text = await request.text()
    except UnicodeDecodeError:
        raise InvalidInput("invalid_json") from None
    return parse_json(text)


@dataclass(frozen=True)
class Call(Generic[B]):
    """One request as a handler sees it: the caller is checked and the body validated (see guard.py)."""

    request: web.Request
    state: AppState
    body: B
    caller: Principal | None = None  # None: anonymous (a public route, or a visitor naming a code)
    token: str | None = None  # the bearer token the caller was known by

    @property
    def principal(self) -> Principal:
        """The caller of a route that requires a token. Elsewhere it is a bug in the table, not the client's."""
        if self.caller is None:
            raise RuntimeError(f"{self.request.path} is not declared with a token")
        return self.caller
