"""What the request handlers share, kept on the aiohttp app under one key (no module singletons)."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from aiohttp import web

from ..hall_service import HallService
from .auth import Authenticator


@dataclass
class AppState:
    service: HallService
    auth: Authenticator
    # Messages queued for one client before it counts as too slow and is disconnected.
    outgoing_limit: int = 2048
    sockets: weakref.WeakSet[web.WebSocketResponse] = field(default_factory=weakref.WeakSet)


APP_STATE = web.AppKey("cherha", AppState)
