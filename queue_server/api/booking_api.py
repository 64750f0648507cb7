"""Pre-registration over REST: free slots, booking, the booking's status, cancelling, kiosk check-in.

The public booking page needs no account: knowing a booking's unguessable code is what lets one see or
cancel it. A phone number is required (the monthly limit counts a keyed hash of it, never the number); it
is stored only with consent for SMS, outside the event log, and deleted after the retention period.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, RootModel, StringConstraints
from sqlite_utils import Database

from ..domain import commands as cmd
from ..domain.booking import closed_day, slots_for
from ..domain.errors import CherhaError, InvalidInput, NotFound, Refused
from ..passwords import person_key
from ..views import booking_view
from .auth import Principal, Role
from .errors import aware_datetime, json_response
from .http import Call
from .messages import CommandId, Ident
from .state import AppState

Phone = Annotated[str, StringConstraints(min_length=1, max_length=30)]


class BookingBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    command_id: CommandId
    service_id: Ident
    start: str
    phone: Phone
    consent: bool = False
    lang: Literal["uk", "en"] = "uk"


class ConfirmBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    command_id: CommandId
    pending: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]


class CheckInBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    command_id: CommandId
    code: Annotated[str, StringConstraints(min_length=1, max_length=200)]  # typed, or a scanned QR link
    lang: Literal["uk", "en"] = "uk"


class CancelBody(RootModel[Any]):
    """Optional, and any JSON: only a string `command_id` in an object is used (a retry gets the first answer).

    Lenient on purpose: a page that cancels by a link may send nothing at all.
    """


def normalize_phone(raw: str) -> str:
    """One spelling per number: fullwidth, Arabic-Indic or any other Unicode digits become ASCII.

    Otherwise the same number typed in other digits counts as another person (the monthly limit) and
    reaches the modem as characters it cannot dial.
    """
    text = unicodedata.normalize("NFKC", raw)  # fullwidth ＋ and digits, among others
    text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)
    digits = re.sub(r"[\s()\-]", "", text)
    if re.fullmatch(r"0[0-9]{9}", digits):
        digits = "+38" + digits
    if not re.fullmatch(r"\+380[0-9]{9}", digits):
        raise InvalidInput("phone_invalid")
    return digits


def code_from_scan(text: str) -> str:
    """A typed code, or the booking QR's link (…/b/CODE) read by a keyboard-wedge scanner."""
    match = re.search(r"([0-9A-Za-z]{8})\s*$", text.strip())
    if not match:
        raise NotFound("unknown_booking")
    return match.group(1).upper()


async def slots(call: Call[None]) -> web.Response:
    request, service_state = call.request, call.state.service
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


async def book(call: Call[BookingBody]) -> web.Response:
    app, body = call.state, call.body
    phone = normalize_phone(body.phone)
    start = aware_datetime(body.start, "start")
    principal = call.caller  # an operator booking by phone, or a kiosk; None: the public page
    # Anonymous bookings are limited per client address: one client once took every slot for two weeks.
    # A refused booking gives its place back; staff and kiosks (authenticated) are not limited.
    booked = app.guard.take_booking(app.client(call.request)) if principal is None else None
    try:
        if principal is None and app.confirmation is not None:
            # With a modem, a public booking waits for the SMS code (api/booking_confirm.py): no slot held.
            if not _bookable_now(app, body.service_id, start):
                raise Refused("slot_full")
            held = await app.confirmation.hold(body.service_id, start, phone, body.lang, body.consent)
            return json_response(held, status=202)
        result = await _make_booking(app, body.command_id, body.service_id, start, phone, body.lang, body.consent,
                                     principal)
    except CherhaError:
        if booked is not None:
            booked()
        raise
    return json_response(result, status=201)


async def confirm(call: Call[ConfirmBody]) -> web.Response:
    """The SMS code of a held public booking: the booking is made now (or refused if its slot filled up)."""
    app, body = call.state, call.body
    if app.confirmation is None:
        raise NotFound("unknown_pending")
    # Codes are 6 digits: wrong ones are throttled per address. Unlike a booking's code (guard.py), a
    # refused try is not given back: a wrong SMS code is a guess however it is refused.
    found = app.guard.take_code(app.client(call.request))
    held = await app.confirmation.take(body.pending, body.code)
    found()
    result = await _make_booking(app, body.command_id, held["service_id"], held["start"], held["phone"],
                                 held["lang"], held["consent"], None)
    return json_response(result, status=201)


def _bookable_now(app: AppState, service_id: str, start: datetime) -> bool:
    hall = app.service.hall
    service = hall.services.get(service_id)
    now = app.service.clock.now()
    if service is None or not service.bookable or start.tzinfo is None or start <= now \
            or (start.date() - now.date()).days > hall.booking.days_ahead:
        return False
    closed = closed_day(hall, service, start.date())
    if closed:  # as the booking itself would be refused: the visitor is told why, and texted nothing
        raise Refused(closed, date=start.date().isoformat())
    slot = next((s for s in slots_for(hall, hall.booking, service, start.date()) if s.start == start), None)
    return slot is not None and app.service.published.bookings.taken(service_id, start) < slot.capacity


async def _make_booking(app: AppState, command_id: str, service_id: str, start: datetime, phone: str, lang: str,
                        consent: bool, principal: Principal | None) -> dict[str, Any]:
    channel = "web" if principal is None else ("kiosk" if principal.role is Role.KIOSK else "phone")
    key = person_key(app.service.secret, phone)
    async with app.booking_lock:
        command = cmd.BookSlot(actor=principal.name if principal else "web", service_id=service_id,
                               start=start, person_bookings=await _person_bookings(app, key, start),
                               channel=channel, lang=lang, contact=consent)
        result: dict[str, Any] = await app.service.execute(command, command_id)
        booking = result["booking"]
        slot_start = datetime.fromisoformat(booking["start"])
        retention = timedelta(days=app.service.hall.booking.phone_retention_days)
        contact = [booking["booking_id"], phone, lang, app.service.clock.now().isoformat(),
                   (slot_start + retention).isoformat()] if consent else None
        # The person key is kept only until the slot's month is over: the limit needs it no longer.
        person = [booking["booking_id"], key, _next_month(slot_start).isoformat()]
        await app.service.store.call(lambda db: _remember(db, contact, person))
    return result


async def _person_bookings(app: AppState, key: str, start: datetime) -> int:
    """The person's live bookings in `start`'s month, from the person table (the log keeps no person keys)."""
    ids = await app.service.store.call(lambda db: [row[0] for row in db.execute(
        "SELECT booking_id FROM person_bookings WHERE person_key = ?", [key])])
    bookings = app.service.state.bookings.by_id
    return sum(1 for booking_id in ids if (b := bookings.get(booking_id)) is not None and not b.cancelled
               and (b.start.year, b.start.month) == (start.year, start.month))


def _remember(db: Database, contact: list[Any] | None, person: list[Any]) -> None:
    with db.atomic():  # committed now, not with whatever transaction comes next
        if contact is not None:
            db.execute("INSERT OR REPLACE INTO contacts (ref, phone, lang, created, delete_after) "
                       "VALUES (?, ?, ?, ?, ?)", contact)
        db.execute("INSERT OR IGNORE INTO person_bookings (booking_id, person_key, delete_after) VALUES (?, ?, ?)",
                   person)


def _next_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return moment.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


async def booking_status(call: Call[None]) -> web.Response:
    booking = call.state.service.published.bookings.by_code_or_none(call.request.match_info["code"])
    if booking is None:
        raise NotFound("unknown_booking")
    return json_response({"booking": booking_view(booking, call.state.service.hall)})


async def cancel(call: Call[CancelBody]) -> web.Response:
    body = call.body.root
    command_id = body.get("command_id") if isinstance(body, dict) else None
    command = cmd.CancelBooking(actor="web", code=call.request.match_info["code"].upper())
    return json_response(await call.state.service.execute(command, command_id if isinstance(command_id, str) else None))


async def check_in(call: Call[CheckInBody]) -> web.Response:
    command = cmd.CheckIn(actor=call.principal.name, code=code_from_scan(call.body.code), lang=call.body.lang)
    return json_response(await call.state.service.execute(command, call.body.command_id), status=201)
