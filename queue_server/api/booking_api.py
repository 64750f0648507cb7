"""Pre-registration over REST: free slots, booking, the booking's status, cancelling, kiosk check-in.

The public booking page needs no account: knowing a booking's unguessable code is what lets one see or
cancel it. A phone number is required (the monthly limit counts a keyed hash of it, never the number); it
is stored only with consent for SMS, outside the event log, and deleted after the retention period.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, StringConstraints

from ..domain import commands as cmd
from ..domain.booking import slots_for
from ..domain.errors import InvalidInput, NotFound
from ..passwords import person_key
from ..views import booking_view
from .auth import Role
from .errors import aware_datetime, json_response
from .messages import CommandId, Ident
from .rest import _app, _json_body, _principal

Phone = Annotated[str, StringConstraints(min_length=1, max_length=30)]
BookingCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{8}$")]


class BookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    command_id: CommandId
    service_id: Ident
    start: str
    phone: Phone
    consent: bool = False
    lang: Literal["uk", "en"] = "uk"


class CheckInBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    command_id: CommandId
    code: Annotated[str, StringConstraints(min_length=1, max_length=200)]  # typed, or a scanned QR link
    lang: Literal["uk", "en"] = "uk"


def normalize_phone(raw: str) -> str:
    digits = re.sub(r"[\s()\-]", "", raw)
    if re.fullmatch(r"0\d{9}", digits):
        digits = "+38" + digits
    if not re.fullmatch(r"\+380\d{9}", digits):
        raise InvalidInput("phone_invalid")
    return digits


def code_from_scan(text: str) -> str:
    """A typed code, or the booking QR's link (…/b/CODE) read by a keyboard-wedge scanner."""
    match = re.search(r"([0-9A-Za-z]{8})\s*$", text.strip())
    if not match:
        raise NotFound("unknown_booking")
    return match.group(1).upper()


async def slots(request: web.Request) -> web.Response:
    service_state = _app(request).service
    hall, now = service_state.hall, service_state.clock.now()
    service = hall.services.get(request.query.get("service_id", ""))
    if service is None:
        raise NotFound("unknown_service", service=request.query.get("service_id", ""))
    try:
        day = date.fromisoformat(request.query.get("date", now.date().isoformat()))
    except ValueError:
        raise InvalidInput("invalid_message", details="date: YYYY-MM-DD expected") from None
    book = service_state.published.bookings
    out = []
    if service.bookable and 0 <= (day - now.date()).days <= hall.booking.days_ahead:
        for slot in slots_for(hall, hall.booking, service, day):
            if slot.start > now:
                free = slot.capacity - book.taken(service.id, slot.start)
                out.append({"start": slot.start.isoformat(), "end": slot.end.isoformat(), "free": max(0, free)})
    return json_response({"service_id": service.id, "date": day.isoformat(), "slots": out})


async def book(request: web.Request) -> web.Response:
    app = _app(request)
    body = BookingBody.model_validate(await _json_body(request))
    phone = normalize_phone(body.phone)
    start = aware_datetime(body.start, "start")
    principal = None
    if "Authorization" in request.headers:  # an operator booking by phone, or a kiosk
        principal = await _principal(request, Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, Role.KIOSK)
    channel = "web" if principal is None else ("kiosk" if principal.role is Role.KIOSK else "phone")
    command = cmd.BookSlot(actor=principal.name if principal else "web", service_id=body.service_id, start=start,
                           person_key=person_key(app.service.secret, phone), channel=channel, lang=body.lang,
                           contact=body.consent)
    result = await app.service.execute(command, body.command_id)
    booking = result["booking"]
    if body.consent:
        retention = app.service.hall.booking.phone_retention_days
        delete_after = (datetime.fromisoformat(booking["start"]) + timedelta(days=retention)).isoformat()
        await app.service.store.call(lambda db: db.execute(
            "INSERT OR REPLACE INTO contacts (ref, phone, lang, created, delete_after) VALUES (?, ?, ?, ?, ?)",
            [booking["booking_id"], phone, body.lang, app.service.clock.now().isoformat(), delete_after]))
    return json_response(result, status=201)


async def booking_status(request: web.Request) -> web.Response:
    app = _app(request)
    booking = app.service.published.bookings.by_code_or_none(request.match_info["code"])
    if booking is None:
        raise NotFound("unknown_booking")
    return json_response({"booking": booking_view(booking)})


async def cancel(request: web.Request) -> web.Response:
    app = _app(request)
    body: dict[str, Any] = await _json_body(request) if request.can_read_body else {}
    command_id = body.get("command_id") if isinstance(body, dict) else None
    command = cmd.CancelBooking(actor="web", code=request.match_info["code"].upper())
    return json_response(await app.service.execute(command, command_id if isinstance(command_id, str) else None))


async def check_in(request: web.Request) -> web.Response:
    principal = await _principal(request, Role.KIOSK, Role.ADMIN)
    body = CheckInBody.model_validate(await _json_body(request))
    command = cmd.CheckIn(actor=principal.name, code=code_from_scan(body.code), lang=body.lang)
    return json_response(await _app(request).service.execute(command, body.command_id), status=201)


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/booking/slots", slots),
    ("POST", "/api/bookings", book),
    ("GET", "/api/bookings/{code}", booking_status),
    ("DELETE", "/api/bookings/{code}", cancel),
    ("POST", "/api/checkins", check_in),
]
