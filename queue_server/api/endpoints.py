"""How one HTTP route is declared: the vocabulary of the route table (routes.py, display_board/web.py).

A declaration says everything about a route once: method, path, who may call it, its body model, its
query parameters, a summary, its answers, and its handler. `guard.py` builds the checks from it and
registers it; `openapi.py` builds the document from it. Nothing else lists routes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel

from .auth import Role
from .http import Call

B = TypeVar("B", bound=BaseModel | None)
Handler = Callable[[Call[B]], Awaitable[web.StreamResponse]]

JSON = "application/json"
HTML = "text/html"


@dataclass(frozen=True)
class Access:
    """Who may call a route. Checked once, before the handler runs (guard.py)."""

    # public: anyone. token: `Authorization: Bearer` required. token-or-anonymous: anyone, but a token,
    # when one is sent, must be valid and of the roles. visitor-by-code: anyone holding the code (a booking's
    # code, a ticket's feedback token) that the path names; the code is the credential.
    kind: Literal["public", "token", "token-or-anonymous", "visitor-by-code"]
    roles: frozenset[Role] = frozenset()  # with a token: the roles allowed; empty: any authenticated caller


PUBLIC = Access("public")
VISITOR_BY_CODE = Access("visitor-by-code")
ANY_TOKEN = Access("token")


def token(*roles: Role) -> Access:
    return Access("token", frozenset(roles))


def token_or_anonymous(*roles: Role) -> Access:
    return Access("token-or-anonymous", frozenset(roles))


@dataclass(frozen=True)
class Query:
    """A query parameter, for the document: the handler parses it (and says what was wrong with it)."""

    name: str
    description: str
    required: bool = False
    format: str | None = None  # an OpenAPI string format: "date"
    max_length: int | None = None


@dataclass(frozen=True)
class Route(Generic[B]):
    method: str
    path: str  # aiohttp's syntax: /b/{code:[0-9A-Za-z]{8}}
    handler: Handler[B]
    access: Access
    summary: str  # one line, English (the protocol document is where the Ukrainian lives)
    body: type[B] | None = None  # a pydantic model: the body is validated before the handler runs
    body_required: bool = True  # False: no body at all is validated as `{}`
    query: tuple[Query, ...] = ()
    replies: Mapping[int, str] = field(default_factory=lambda: {200: "ok"})  # answers that are not errors
    errors: tuple[int, ...] = ()  # error statuses beyond those the access and the body imply (openapi.py)
    media: str = JSON  # of the replies
    guesses_codes: bool = False  # names a booking by a short code: unknown codes are throttled per address
    head: bool = False  # HEAD answered too (pages: browsers and monitors probe with it)


@dataclass(frozen=True)
class Static:
    """A folder of files served under a prefix (GET and HEAD), to anyone."""

    prefix: str
    directory: Path
    summary: str


Entry = Route[Any] | Static


@dataclass
class Registered:
    """The table an app was built from, kept on it: the OpenAPI document describes exactly what is registered."""

    entries: tuple[Entry, ...]
    # Built at the first request for it and kept: it is some 15 ms of schema work, and anyone may ask.
    document: dict[str, Any] | None = None


REGISTERED: web.AppKey[Registered] = web.AppKey("cherha_routes")
