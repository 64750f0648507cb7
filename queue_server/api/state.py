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
    sockets: weakref.WeakSet[web.WebSocketResponse] = field(default_factory=weakref.WeakSet)
