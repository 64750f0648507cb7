"""What the request handlers share, kept on the aiohttp app under one key (no module singletons)."""

from __future__ import annotations

import weakref
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from ..hall_service import HallService
from .auth import Authenticator
from .limits import OUTGOING_BYTES, Outbox


@dataclass
class AppState:
    service: HallService
    auth: Authenticator
    # Bytes queued for one client before it counts as too slow and is disconnected (4008).
    outgoing_bytes: int = OUTGOING_BYTES
    clock_control: bool = False  # `set_clock` allowed: simulation servers only
    # Desks with a console connected now (a desk open without one is "offline" on the dashboard).
    desk_connections: Counter[int] = field(default_factory=Counter)
    sockets: weakref.WeakSet[web.WebSocketResponse] = field(default_factory=weakref.WeakSet)
    # Every connection's outbox while it lives: what the server holds for its clients, in bytes.
    outboxes: weakref.WeakSet[Outbox] = field(default_factory=weakref.WeakSet)


APP_STATE = web.AppKey("cherha", AppState)
