"""The app factory: every collaborator is passed in; nothing lives in module globals."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import WSCloseCode, web

from display_board.voice import Voice
from display_board.web import attach

from ..clock import Clock
from ..domain.hall import Hall
from ..hall_service import HallService
from ..host_checks import Finding, HostMonitor
from ..live_view import TICK_SECONDS
from ..passwords import load_or_create_key, new_token
from ..sms.notifier import Notifier
from ..sms.outbox import Modem, SmsOutbox, SmsSender
from ..store import EventStore
from .auth import Authenticator
from .booking_confirm import SmsConfirmation
from .connection_limits import MAX_REQUEST_BYTES, OUTGOING_BYTES
from .errors import error_middleware, security_headers
from .guard import register
from .limits import Guard, Limits
from .routes import TABLE
from .state import APP_STATE, AppState, remote_address

if TYPE_CHECKING:
    from ..shipping.config import CitySettings

PURGE_SECONDS = 60.0
HOST_CHECK_SECONDS = 60.0
SWITCH_INTERVAL = 0.0005  # seconds: see start()
DEFAULT_VOICE_DIR = Path("data/voice")
DEFAULT_KEY_NAME = "person.key"


def create_app(
    hall: Hall,
    store: EventStore,
    clock: Clock,
    token_factory: Callable[[], str] = new_token,
    outgoing_bytes: int = OUTGOING_BYTES,
    voice_dir: Path | None = None,
    modem_factory: Callable[[], Modem] | None = None,
    sms_interval: float = 1.0,
    clock_control: bool = False,
    limits: Limits | None = None,
    address_of: Callable[[web.BaseRequest], str] = remote_address,
    key_file: Path | None = None,
    host_probe: Callable[[], list[Finding]] | None = None,
    city: CitySettings | None = None,
    hall_file: Path | None = None,
) -> web.Application:
    app = web.Application(middlewares=[security_headers, error_middleware], client_max_size=MAX_REQUEST_BYTES)
    service = HallService(hall, store, clock, token_factory)
    guard = Guard(limits)
    app[APP_STATE] = AppState(service=service, auth=Authenticator(lambda: service.state.hall, store, clock, guard),
                              outgoing_bytes=outgoing_bytes, clock_control=clock_control, guard=guard,
                              address_of=address_of)
    if host_probe is not None:  # `cherha server` watches its machine (host_checks.server_probe)
        app[APP_STATE].host = HostMonitor(host_probe)
    # Every route, the hall's pages included (one address for every screen in the hall), from the one table.
    register(app, TABLE)
    attach(app, hall, Voice(voice_dir or DEFAULT_VOICE_DIR))

    outbox = SmsOutbox(store, clock)
    if modem_factory is not None:
        app[APP_STATE].confirmation = SmsConfirmation(store, clock, outbox)
    notifier = Notifier(service, outbox)
    sender = SmsSender(outbox, modem_factory, sms_interval) if modem_factory else None
    stop_background = asyncio.Event()
    background: list[asyncio.Task[None]] = []
    if city is not None:
        # Imported only for a branch of a city: a single hall needs none of it (docs/city.md).
        from ..shipping.shipper import Shipper

        if hall_file is None:
            raise ValueError("a branch ships its hall file to the city: pass hall_file")
        app[APP_STATE].shipping = Shipper(city, service, hall_file, host=app[APP_STATE].host)

    async def start(_: web.Application) -> None:
        # Ended days' report figures are computed in a history thread (store/event_store.py); a thread holding the
        # interpreter gives it up to the event loop after this long (Python's default, 5 ms, adds up to tens of ms
        # per command). Reports and exports themselves run in worker processes (report_processes.py).
        sys.setswitchinterval(SWITCH_INTERVAL)
        background.append(asyncio.create_task(app[APP_STATE].reports.warm()))  # niced: start-up comes first
        await store.start()
        await service.start()
        # The key of person keys sits in its own file, by default next to the database (not in it).
        service.secret = await asyncio.to_thread(
            load_or_create_key, key_file or store.path.with_name(DEFAULT_KEY_NAME))
        notifier.attach()
        # SMS are queued (and old numbers purged) even with no modem; a modem sends them.
        background.append(asyncio.create_task(notifier.run(stop_background)))
        background.append(asyncio.create_task(sender.run(stop_background) if sender else
                                              _purge_forever(outbox, stop_background)))
        background.append(asyncio.create_task(_every(TICK_SECONDS, service.tick, stop_background)))
        host = app[APP_STATE].host
        if host is not None:
            background.append(asyncio.create_task(_watch_host(host, stop_background)))
        shipping = app[APP_STATE].shipping
        if shipping is not None:
            background.append(asyncio.create_task(shipping.run(stop_background)))

    async def close_sockets(_: web.Application) -> None:
        # Without this, open WebSockets keep shutdown (and test teardown) waiting.
        for ws in list(app[APP_STATE].sockets):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    async def stop(_: web.Application) -> None:
        stop_background.set()
        await asyncio.gather(*background, return_exceptions=True)
        await service.close()
        await store.close()

    app.on_startup.append(start)
    app.on_shutdown.append(close_sockets)
    app.on_cleanup.append(stop)
    return app


async def _every(seconds: float, action: Callable[[], None], stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
        if not stop.is_set():
            action()


async def _watch_host(host: HostMonitor, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):  # a check that breaks must not stop the hall
            await host.refresh()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), HOST_CHECK_SECONDS)


async def _purge_forever(outbox: SmsOutbox, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(Exception):
            await outbox.purge()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PURGE_SECONDS)
