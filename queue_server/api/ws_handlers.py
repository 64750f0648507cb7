"""The answers to the WebSocket messages that are not domain commands, by the name messages.py gives them.

Each handler gets the connection and the validated message; it returns the result to send, or None when it
sent its answers itself (a subscription's result must precede its first frame in the same outbox).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from ..clock import ManualClock
from ..domain.errors import InvalidInput, Refused
from ..hub import Subscriber, public_event_frame, staff_event_frame
from ..live_view import with_id
from ..views import dashboard
from .connection import Connection
from .connection_limits import REPLAY_MAX_BYTES, REPLAY_MAX_EVENTS

Handler = Callable[[Connection, Any], Awaitable[dict[str, Any] | None]]


async def on_ping(conn: Connection, message: Any) -> None:
    conn.send({"id": message.id, "type": "pong"})


async def on_get_state(conn: Connection, message: Any) -> dict[str, Any]:
    return conn.app.service.live_view.full(conn.staff)


async def on_get_dashboard(conn: Connection, message: Any) -> dict[str, Any]:
    service = conn.app.service
    now = service.now()
    host = conn.app.host.problems() if conn.app.host is not None else []
    shipping = conn.app.shipping
    return dashboard(service.published, now, service.devices, set(conn.app.desk_connections), time.monotonic(),
                     service.quotes.for_services(service.published, now),
                     host_alerts=[{"kind": finding.key, **finding.params} for finding in host],
                     city=shipping.status() if shipping is not None else None,
                     help_calls=conn.app.help_calls.alerts())


async def on_acknowledge_help(conn: Connection, message: Any) -> dict[str, Any]:
    acknowledged = conn.app.help_calls.acknowledge(message.kiosk)
    if acknowledged:
        conn.app.service.tick()  # the other dashboards drop the alert too
    return {"kiosk": message.kiosk, "acknowledged": acknowledged}


async def on_subscribe(conn: Connection, message: Any) -> None:
    """The view, or what changed since `since`, then a patch per event: nothing lost between them, because
    registering, reading the published sequence and rendering happen with no `await` in between."""
    live_view, hub, sub_id = conn.app.service.live_view, conn.app.service.hub, message.id
    subscriber = Subscriber(deliver=lambda _seq, frame: conn.queue(with_id(sub_id, frame)),
                            on_overflow=conn.too_slow, encode=live_view.encoder(conn.staff))
    upto = conn.add_subscription(sub_id, message.type, subscriber)
    missed = None
    # A small gap is caught up in one patch; a large one (a board off all morning, a future `since` from a
    # replaced database) gets the whole view, which fits any outbox.
    if message.since is not None and 0 <= upto - message.since <= REPLAY_MAX_EVENTS:
        missed = hub.recent_since(message.since)
    frame = live_view.full_frame(conn.staff) if missed is None else live_view.catch_up_frame(missed, conn.staff)
    conn.result(sub_id, {"subscription": sub_id, "seq": upto})
    conn.send_text(with_id(sub_id, frame))


async def on_subscribe_events(conn: Connection, message: Any) -> None:
    """The raw log for integrations: a replay from `since` (or a snapshot), then live events.

    Live events that arrive while the replay is read from disk are held back and sent after it.
    """
    service, sub_id = conn.app.service, message.id
    held: list[tuple[int, str]] = []
    live = False

    def deliver(seq: int, frame: str) -> bool:
        if not live:
            held.append((seq, frame))
            return True
        return conn.queue(with_id(sub_id, frame))

    encode = staff_event_frame if conn.staff else public_event_frame
    upto = conn.add_subscription(sub_id, message.type, Subscriber(deliver, conn.too_slow, encode))
    replay = None
    if message.since is not None and upto - message.since <= REPLAY_MAX_EVENTS:
        replay = await service.events_between(message.since, upto)
    frames = [] if replay is None else [encode(record) for record in replay]
    if sum(len(frame) for frame in frames) > REPLAY_MAX_BYTES:
        replay, frames = None, []
    if replay is None:
        # The published state is exactly at hub.last_seq (which may have passed `upto` if a replay read was
        # awaited): held events up to it are already in the snapshot.
        snapshot = service.live_view.full(conn.staff)
        upto = snapshot["seq"]
        held[:] = [(seq, frame) for seq, frame in held if seq > upto]
        conn.result(sub_id, {"subscription": sub_id, "seq": upto, "snapshot": snapshot})
    else:
        conn.result(sub_id, {"subscription": sub_id, "seq": message.since, "replay": len(replay)})
        for frame in frames:
            conn.send_text(with_id(sub_id, frame))
    for _seq, frame in held:
        conn.send_text(with_id(sub_id, frame))
    live = True


async def on_unsubscribe(conn: Connection, message: Any) -> dict[str, Any]:
    if not conn.drop_subscription(message.subscription):
        raise InvalidInput("unknown_subscription", subscription=message.subscription)
    return {}


async def on_watch_visit(conn: Connection, message: Any) -> None:
    """A visitor's page: the visit's status now, then again whenever it changes."""
    service, sub_id = conn.app.service, message.id
    ref = conn.as_principal.name
    last = [""]

    def push() -> bool:
        text = json.dumps(service.visitor_status(ref), ensure_ascii=False, sort_keys=True)
        if text == last[0]:
            return True
        last[0] = text
        return conn.queue(f'{{"id":{sub_id},"type":"visit_status","status":{text}}}')

    conn.add_subscription(sub_id, message.type, Subscriber(lambda _seq, _frame: push(), conn.too_slow, _nothing))
    conn.result(sub_id, {"subscription": sub_id})
    push()


def _nothing(_record: Any) -> str:
    return ""  # a visitor's page gets its own status, never the hall's events


async def on_set_clock(conn: Connection, message: Any) -> dict[str, Any]:
    clock = conn.app.service.clock
    if not conn.app.clock_control or not isinstance(clock, ManualClock):
        raise Refused("clock_not_manual")
    try:
        moment = datetime.fromisoformat(message.at)
    except ValueError:
        raise InvalidInput("invalid_message", details="at: an ISO date-time") from None
    if moment.tzinfo is None or moment < clock.now():
        raise InvalidInput("invalid_message", details="at: with a time zone, and not in the past")
    clock.set(moment)
    return {"now": clock.now().isoformat()}


HANDLERS: dict[str, Handler] = {
    "ping": on_ping,
    "get_state": on_get_state,
    "get_dashboard": on_get_dashboard,
    "acknowledge_help": on_acknowledge_help,
    "subscribe": on_subscribe,
    "subscribe_events": on_subscribe_events,
    "unsubscribe": on_unsubscribe,
    "watch_visit": on_watch_visit,
    "set_clock": on_set_clock,
}
