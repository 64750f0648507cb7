"""From hall events to SMS: booking confirmation and reminder, "your turn is near", "come to desk 7",
"your document is ready". Only for bookings whose visitor gave a number with consent."""

from __future__ import annotations

import asyncio
import contextlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from texts import Catalogue

from ..domain.forecast import ahead_in_own_queue
from ..hall_service import HallService
from ..hub import Subscriber, staff_event
from .outbox import SmsOutbox

TEXTS = Path(__file__).resolve().parent.parent / "locales" / "sms.toml"


class Notifier:
    def __init__(self, service: HallService, outbox: SmsOutbox) -> None:
        self.service, self.outbox = service, outbox
        self.texts = Catalogue(TEXTS)
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.near_sent: set[str] = set()

    def attach(self) -> None:
        self.service.hub.subscribe(Subscriber(deliver=self._deliver, on_overflow=lambda: None, encode=staff_event))

    def _deliver(self, seq: int, body: str) -> bool:
        self.events.put_nowait(json.loads(body))
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                event = await asyncio.wait_for(self.events.get(), 0.5)
            except TimeoutError:
                continue
            with contextlib.suppress(Exception):
                await self.handle(event)

    async def handle(self, event: dict[str, Any]) -> None:
        state = self.service.published
        kind = event["type"]
        if kind == "booking_made" and event["contact"]:
            booking = state.bookings.by_id[event["booking_id"]]
            params = {"date": f"{booking.start:%d.%m}", "time": f"{booking.start:%H:%M}", "code": booking.code}
            await self.outbox.enqueue(booking.booking_id, "booking", self.texts.t_in(booking.lang, "booking", **params))
            remind_at = booking.start - timedelta(hours=self.service.hall.booking.sms_reminder_hours)
            if remind_at > self.service.clock.now():
                await self.outbox.enqueue(booking.booking_id, "reminder",
                                          self.texts.t_in(booking.lang, "reminder", **params), due=remind_at)
        elif kind == "visit_called":
            booking = self._booking_of_visit(event["visit_id"])
            if booking is not None:
                ticket = state.visits[event["visit_id"]].ticket
                await self.outbox.enqueue(booking.booking_id, "called",
                                          self.texts.t_in(booking.lang, "called", ticket=ticket, desk=event["desk"]))
        elif kind == "document_ready":
            booking = state.bookings.by_id[event["booking_id"]]
            await self.outbox.enqueue(booking.booking_id, "ready",
                                      self.texts.t_in(booking.lang, "ready", code=booking.code))
        await self._turn_near()

    def _booking_of_visit(self, visit_id: str) -> Any:
        now = self.service.clock.now()
        return next((b for b in self.service.published.bookings.on_day(now.date()) if b.visit_id == visit_id), None)

    async def _turn_near(self) -> None:
        """"Your turn is near" to today's checked-in bookings with SMS consent. Runs after every event, so the
        forecast runs only for those whose own line is already short (everyone ahead in it will be called
        first, so the forecast's count can only be larger)."""
        state, now = self.service.published, self.service.clock.now()
        limit = self.service.hall.booking.sms_near_count
        for booking in state.bookings.on_day(now.date()):
            visit = state.visits.get(booking.visit_id or "")
            if (visit is None or not booking.contact or booking.booking_id in self.near_sent
                    or not visit.is_waiting(now) or ahead_in_own_queue(state, visit, now) > limit):
                continue
            ahead = self.service.quotes.for_visit(state, visit, self.service.hub.last_seq, now).ahead
            if ahead <= limit:
                self.near_sent.add(booking.booking_id)
                await self.outbox.enqueue(booking.booking_id, "near", self.texts.t_in(
                    booking.lang, "near", count=ahead, ticket=visit.ticket))
