"""Fan-out of durable events to subscribers, in sequence order, without letting a slow one stall others.

Each subscriber gets a bounded queue. Publishing never waits: if a subscriber's queue is full, that
subscriber is dropped (its connection is closed with a "too slow" code) and it resumes later from its
last sequence number, so it misses nothing. The hub keeps the current day's events in memory so that a
reconnecting client is usually served without touching the disk.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from .store import EventRecord

log = logging.getLogger(__name__)
MEMORY_EVENTS = 200_000
# Event fields only staff clients may see: a feedback token on a public board would let anyone answer
# for someone else's visit.
# "text": a supervisor's message to a desk; "code" opens a booking; "person_key" links bookings.
# Never sent to anyone: a ticket's feedback token belongs to the visitor who holds the ticket (their QR code and
# live page), and a person key identifies a phone. Staff get the rest; devices (kiosks, boards) get less still.
SECRET_FIELDS = frozenset({"feedback_token", "person_key"})
PRIVATE_FIELDS = SECRET_FIELDS | {"text", "code", "comment"}


def encode_event(payload: dict[str, object], public: bool) -> str:
    hidden = PRIVATE_FIELDS if public else SECRET_FIELDS
    if hidden & payload.keys():
        payload = {k: v for k, v in payload.items() if k not in hidden}
    if payload.get("type") == "hall_configured":
        payload = _configured(payload, public)
    return json.dumps(payload, ensure_ascii=False)


def _configured(payload: dict[str, object], public: bool) -> dict[str, object]:
    """An administrator's change as clients see it: an operator's PIN hash never leaves the server, and devices
    (kiosks, boards) learn that staff or devices changed, not who or how."""
    value = payload.get("value")
    if public and payload.get("kind") in ("operator", "device"):
        return {**payload, "value": None, "target": ""}
    if isinstance(value, dict) and "secret_hash" in value:
        return {**payload, "value": {k: v for k, v in value.items() if k != "secret_hash"}}
    return payload


def event_frame(record: EventRecord, public: bool) -> str:
    """A raw event as a frame (without the subscription id, which the connection puts first)."""
    return f'{{"type":"event","seq":{record.seq},"event":{encode_event(record.payload, public)}}}'


def staff_event(record: EventRecord) -> str:
    """The event alone, as staff see it (the SMS notifier's feed)."""
    return encode_event(record.payload, public=False)


def staff_event_frame(record: EventRecord) -> str:
    return event_frame(record, public=False)


def public_event_frame(record: EventRecord) -> str:
    return event_frame(record, public=True)


@dataclass(eq=False)
class Subscriber:
    """One subscription. `encode` turns a record into the frame this subscriber gets (built once per record
    for all subscribers sharing the same `encode`); `deliver` queues it on the connection; False = full."""

    deliver: Callable[[int, str], bool]
    on_overflow: Callable[[], None]
    encode: Callable[[EventRecord], str]
    alive: bool = field(default=True)


class Hub:
    def __init__(
        self,
        last_seq: int,
        recent: list[EventRecord],
        on_record: Callable[[EventRecord], None] | None = None,
    ) -> None:
        self.last_seq = last_seq
        # Called for each record in sequence order before subscribers get it (the published state).
        self._on_record = on_record
        self._recent: list[EventRecord] = recent[-MEMORY_EVENTS:]
        self._pending: dict[int, EventRecord] = {}
        self._subscribers: list[Subscriber] = []

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def subscribe(self, subscriber: Subscriber) -> int:
        """Register; returns the last sequence already published (the caller replays up to it)."""
        self._subscribers.append(subscriber)
        return self.last_seq

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscriber.alive = False
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    def recent_since(self, since: int) -> list[EventRecord] | None:
        """Events after `since` from memory, or None if memory does not reach back that far."""
        if since >= self.last_seq:
            return []
        if not self._recent or self._recent[0].seq > since + 1:
            return None
        start = since + 1 - self._recent[0].seq
        return self._recent[start:]

    def publish(self, records: list[EventRecord]) -> None:
        """Deliver durable records; out-of-order arrivals wait until the gap before them is filled."""
        for record in records:
            self._pending[record.seq] = record
        while self.last_seq + 1 in self._pending:
            record = self._pending.pop(self.last_seq + 1)
            self.last_seq = record.seq
            self._recent.append(record)
            if len(self._recent) > MEMORY_EVENTS:
                del self._recent[: len(self._recent) - MEMORY_EVENTS]
            if self._on_record is not None:
                self._on_record(record)
            bodies: dict[Callable[[EventRecord], str], str] = {}
            for subscriber in list(self._subscribers):
                body = bodies.get(subscriber.encode)
                if body is None:
                    body = bodies[subscriber.encode] = subscriber.encode(record)
                self._deliver(subscriber, record.seq, body)

    def broadcast(self, encode: Callable[[EventRecord], str], body: str) -> None:
        """Send a frame that is no event (a view's time tick) to every subscriber of that encoding."""
        for subscriber in list(self._subscribers):
            if subscriber.encode == encode:
                self._deliver(subscriber, self.last_seq, body)

    def _deliver(self, subscriber: Subscriber, seq: int, body: str) -> None:
        if not subscriber.deliver(seq, body):
            log.warning("subscriber too slow, disconnecting", extra={"seq": seq})
            self.unsubscribe(subscriber)
            subscriber.on_overflow()
