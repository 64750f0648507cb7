"""Pre-registration (попередній запис): slots, the book of bookings, and check-in rules. Pure.

Slots are cut from the hours a service is offered on a day, minus the hall's breaks and holidays. A slot's
capacity comes from the desks that serve the service with a weight that day, the service's average
time, and the share of capacity the centre offers for booking (the rest stays for walk-ins).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .hall import WEEKDAYS, BookingPolicy, Hall, Service, TimeRange


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    capacity: int


@dataclass
class Booking:
    booking_id: str
    code: str
    service_id: str
    start: datetime
    channel: str
    lang: str
    contact: bool
    cancelled: bool = False
    visit_id: str | None = None  # set at check-in


@dataclass
class BookingBook:
    """Every booking still of interest (the server loads about two months of them)."""

    by_id: dict[str, Booking] = field(default_factory=dict)
    by_code: dict[str, str] = field(default_factory=dict)
    by_day: dict[date, list[Booking]] = field(default_factory=dict)  # the day's bookings, for the forecast
    # Places taken per (service, slot start): the public slot listing must not scan every booking.
    taken_places: Counter[tuple[str, datetime]] = field(default_factory=Counter)

    def add(self, booking: Booking) -> None:
        self.by_id[booking.booking_id] = booking
        self.by_code[booking.code] = booking.booking_id
        self.by_day.setdefault(booking.start.date(), []).append(booking)
        if not booking.cancelled:
            self.taken_places[(booking.service_id, booking.start)] += 1

    def cancel(self, booking_id: str) -> None:
        booking = self.by_id[booking_id]
        if not booking.cancelled:
            booking.cancelled = True
            key = (booking.service_id, booking.start)
            self.taken_places[key] -= 1
            if self.taken_places[key] <= 0:
                del self.taken_places[key]

    def on_day(self, day: date) -> list[Booking]:
        return self.by_day.get(day, [])

    def by_code_or_none(self, code: str) -> Booking | None:
        booking_id = self.by_code.get(code.strip().upper())
        return self.by_id.get(booking_id) if booking_id else None

    def taken(self, service_id: str, start: datetime) -> int:
        return self.taken_places.get((service_id, start), 0)


def _overlaps(start: time, end: time, other: TimeRange) -> bool:
    return start < other.end and other.start < end


def slots_for(hall: Hall, policy: BookingPolicy, service: Service, day: date) -> list[Slot]:
    weekday = WEEKDAYS[day.weekday()]
    hours = hall.hours_on(day)
    if hours is None or (service.days and weekday not in service.days):
        return []
    opening, closing = hours.start, hours.end
    if service.hours is not None:
        opening, closing = max(opening, service.hours.start), min(closing, service.hours.end)
    desks = [d for d in hall.desks_serving(service.id, weekday) if (d.weight_of(service.id) or 0) > 0]
    # What the desks can serve in one slot, times the share offered for booking, rounded to the nearest.
    capacity = math.floor(len(desks) * policy.slot_minutes / service.avg_service_minutes * policy.share + 0.5)
    if capacity < 1:
        return []
    zone = ZoneInfo(hall.timezone)
    step = timedelta(minutes=policy.slot_minutes)
    cursor = datetime.combine(day, opening, zone)
    last = datetime.combine(day, closing, zone)
    slots = []
    while cursor + step <= last:
        end = cursor + step
        if not any(_overlaps(cursor.time(), end.time(), pause) for pause in hall.breaks):
            slots.append(Slot(cursor, end, capacity))
        cursor = end
    return slots


def closed_day(hall: Hall, service: Service, day: date) -> str | None:
    """Why a day has no slots of a service at all, for a refusal that says so (and a page that stops offering
    the day): the centre closed (a holiday or a day off), or the service not offered that day; else None."""
    if hall.hours_on(day) is None:
        return "booking_day_closed"
    if not slots_for(hall, hall.booking, service, day):
        return "booking_day_not_offered"
    return None


def checkin_window(policy: BookingPolicy, booking: Booking) -> tuple[datetime, datetime]:
    """From `checkin_before` minutes before the slot to `checkin_after` minutes after its start."""
    return (booking.start - timedelta(minutes=policy.checkin_before_minutes),
            booking.start + timedelta(minutes=policy.checkin_after_minutes))


def soonest_free_slot(hall: Hall, book: BookingBook, service: Service, now: datetime) -> Slot | None:
    """The first slot of a service still bookable after `now` with a free place, within the booking horizon
    (the public booking page's own rules: `slots_for`, the places taken, `days_ahead` days from today).
    Bounded: at most `days_ahead + 1` days of slots, and it stops at the first free one."""
    if not service.bookable:
        return None
    today = now.astimezone(ZoneInfo(hall.timezone)).date()
    for offset in range(hall.booking.days_ahead + 1):
        for slot in slots_for(hall, hall.booking, service, today + timedelta(days=offset)):
            if slot.start > now and book.taken(service.id, slot.start) < slot.capacity:
                return slot
    return None
