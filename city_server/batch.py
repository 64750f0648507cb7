"""A branch's batch of events as the city accepts it: checked whole before anything is written.

Each event must be one Cherha knows (`domain.events.from_dict` reads it), in strictly increasing seq order,
on a business day within the partitions the city keeps (2000-2099).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from queue_server.domain import events as ev
from queue_server.shipping.protocol import MAX_BATCH_EVENTS

from .errors import CityError
from .schema import FIRST_MONTH, LAST_MONTH


@dataclass(frozen=True)
class Incoming:
    seq: int
    day: date
    at: datetime
    type: str
    payload: str  # the event's JSON, stored as jsonb


def parse_batch(body: bytes, branch: str) -> list[Incoming]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CityError(400, "invalid_batch", details="not JSON") from None
    if not isinstance(data, dict) or set(data) != {"branch", "events"}:
        raise CityError(400, "invalid_batch", details='expected {"branch": ..., "events": [...]}')
    if data["branch"] != branch:
        raise CityError(403, "wrong_branch")
    items = data["events"]
    if not isinstance(items, list) or not items:
        raise CityError(400, "invalid_batch", details="events: a non-empty list")
    if len(items) > MAX_BATCH_EVENTS:
        raise CityError(413, "too_many_events", limit=MAX_BATCH_EVENTS)
    out: list[Incoming] = []
    for index, item in enumerate(items):
        incoming = _event(item, index)
        if out and incoming.seq <= out[-1].seq:
            raise CityError(400, "invalid_batch", details=f"events[{index}]: seq must increase")
        out.append(incoming)
    return out


def _event(item: Any, index: int) -> Incoming:
    where = f"events[{index}]"
    if not isinstance(item, dict) or set(item) != {"seq", "day", "event"}:
        raise CityError(400, "invalid_batch", details=f'{where}: expected {{"seq", "day", "event"}}')
    seq, day_text, payload = item["seq"], item["day"], item["event"]
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < 2**62:
        raise CityError(400, "invalid_batch", details=f"{where}.seq: a positive integer")
    try:
        day = date.fromisoformat(day_text) if isinstance(day_text, str) else None
    except ValueError:
        day = None
    if day is None or not FIRST_MONTH <= day.replace(day=1) <= LAST_MONTH:
        raise CityError(400, "invalid_batch", details=f"{where}.day: YYYY-MM-DD from 2000 to 2099")
    try:
        event = ev.from_dict(payload)
    except Exception:  # any malformed event: unknown type, missing or mistyped field
        raise CityError(400, "invalid_batch", details=f"{where}.event: not a Cherha event") from None
    if event.at.tzinfo is None:
        raise CityError(400, "invalid_batch", details=f"{where}.event.at: a time with its zone")
    return Incoming(seq, day, event.at, event.type_name, json.dumps(payload, ensure_ascii=False))
