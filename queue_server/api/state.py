"""What the request handlers share, kept on the aiohttp app under one key (no module singletons)."""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from ..hall_service import HallService
from ..host_checks import HostMonitor
from ..report_processes import ReportWorkers
from .auth import Authenticator
from .booking_confirm import SmsConfirmation
from .connection_limits import OUTGOING_BYTES, Outbox
from .help_calls import HelpCalls
from .limits import Guard

if TYPE_CHECKING:
    from ..shipping.shipper import Shipper


def remote_address(request: web.BaseRequest) -> str:
    return request.remote or ""


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
    # Open sockets per operator session or device token (its hash): logging out, revoking closes them.
    session_sockets: defaultdict[str, set[web.WebSocketResponse]] = field(
        default_factory=lambda: defaultdict(set))
    guard: Guard = field(default_factory=Guard)
    # Which client a request comes from, for the throttles (tests inject one to play several addresses).
    address_of: Callable[[web.BaseRequest], str] = remote_address
    # Counting a person's bookings and booking must be one step, or two at once both pass the limit.
    booking_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # With a modem, public bookings are held until the number is confirmed by an SMS code.
    confirmation: SmsConfirmation | None = None
    # Every connection's outbox while it lives: what the server holds for its clients, in bytes.
    outboxes: weakref.WeakSet[Outbox] = field(default_factory=weakref.WeakSet)
    # Open WebSocket connections by role, for /metrics (counted as they open and close, never by a scan).
    client_roles: Counter[str] = field(default_factory=Counter)
    # The server's own look at its machine (disk, clock, time zone), for the dashboard; None: not watched.
    host: HostMonitor | None = None
    # Reports and exports, each computed in a worker process of its own (report_processes.py).
    reports: ReportWorkers = field(default_factory=ReportWorkers)
    # A branch of a city ships its log there (shipping/); None for a hall that runs alone.
    shipping: Shipper | None = None
    # Visitors' open calls for an administrator, from the kiosks (help_calls.py).
    help_calls: HelpCalls = field(default_factory=HelpCalls)

    def client(self, request: web.BaseRequest) -> str:
        return self.address_of(request)


APP_STATE = web.AppKey("cherha", AppState)
