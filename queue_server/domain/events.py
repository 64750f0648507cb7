"""Domain events: every change to the hall is one of these, appended durably before it is broadcast.

Events are frozen dataclasses. `to_dict` / `from_dict` give the JSON shape stored in SQLite and sent to
subscribers; the `type` key is the snake_case name registered below.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Union

# Every event class, by its type name: each registers itself as it is defined.
EVENT_TYPES: dict[str, type[Event]] = {}


@dataclass(frozen=True)
class Event:
    type_name: ClassVar[str] = ""
    at: datetime

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        assert cls.type_name and cls.type_name not in EVENT_TYPES, cls
        EVENT_TYPES[cls.type_name] = cls


@dataclass(frozen=True)
class DayOpened(Event):
    type_name: ClassVar[str] = "day_opened"
    day: str


@dataclass(frozen=True)
class DayEnded(Event):
    type_name: ClassVar[str] = "day_ended"
    day: str
    # Visits at a desk that stay there into the new day (the rest are cancelled); empty in older logs.
    kept: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClockJumpDetected(Event):
    """The clock read `clock`, behind the last event's time `at`: events keep `at` until the clock catches up,
    so a day never reopens and numbers never restart (issue 13, point 10)."""

    type_name: ClassVar[str] = "clock_jump_detected"
    clock: datetime


@dataclass(frozen=True)
class VisitCarriedOver(Event):
    """A visit called to or served at a desk when its day ended goes on into the new day at that desk, whole
    in this event, so the new day's log alone rebuilds it (replay after a restart starts at the day)."""

    type_name: ClassVar[str] = "visit_carried_over"
    visit_id: str
    ticket: str
    service_id: str
    state: str  # called | serving
    desk: int
    operator: str
    since: datetime  # the start of the walk-up or service now running
    issued_at: datetime
    source: str
    feedback_token: str
    priority: int = 0
    priority_category: str | None = None
    booked_for: datetime | None = None
    pending_services: tuple[str, ...] = ()
    served_services: tuple[str, ...] = ()
    recall_count: int = 0
    return_to_desk: int | None = None
    return_to_service: str | None = None


@dataclass(frozen=True)
class TicketIssued(Event):
    type_name: ClassVar[str] = "ticket_issued"
    visit_id: str
    ticket: str
    prefix: str
    number: int
    service_ids: tuple[str, ...]
    source: str
    feedback_token: str
    priority: int = 0
    priority_category: str | None = None
    booked_for: datetime | None = None
    lang: str = "uk"
    booking_id: str | None = None
    # The wait promised at issue (forecast.py), frozen here so the ticket, the kiosk and the reports agree:
    # minutes (None: no desk serving the service is open) and how many will be called first.
    predicted_wait_minutes: int | None = None
    predicted_ahead: int | None = None


@dataclass(frozen=True)
class VisitCalled(Event):
    type_name: ClassVar[str] = "visit_called"
    visit_id: str
    desk: int
    operator: str
    specific: bool = False
    # Which part of the dispatch rule chose the visitor: pinned, score, cap, remainder, strict; None when
    # called by ticket (specific) or in a log older than the rule.
    rule: str | None = None


@dataclass(frozen=True)
class VisitRecalled(Event):
    type_name: ClassVar[str] = "visit_recalled"
    visit_id: str
    desk: int
    operator: str
    recall_count: int


@dataclass(frozen=True)
class ServiceStarted(Event):
    type_name: ClassVar[str] = "service_started"
    visit_id: str
    desk: int
    operator: str


@dataclass(frozen=True)
class ServiceFinished(Event):
    """Closes the current service; the visit ends or goes on to its next pending service."""

    type_name: ClassVar[str] = "service_finished"
    visit_id: str
    desk: int
    operator: str
    result: str


@dataclass(frozen=True)
class VisitNoShow(Event):
    type_name: ClassVar[str] = "visit_no_show"
    visit_id: str
    desk: int
    operator: str
    automatic: bool = False


@dataclass(frozen=True)
class VisitTransferred(Event):
    type_name: ClassVar[str] = "visit_transferred"
    visit_id: str
    desk: int
    operator: str
    to_service: str
    to_desk: int | None = None
    back_to_me: bool = False


@dataclass(frozen=True)
class VisitPostponed(Event):
    type_name: ClassVar[str] = "visit_postponed"
    visit_id: str
    desk: int
    operator: str
    until: datetime


@dataclass(frozen=True)
class VisitCancelled(Event):
    type_name: ClassVar[str] = "visit_cancelled"
    visit_id: str
    by: str
    reason: str


@dataclass(frozen=True)
class ServiceAdded(Event):
    type_name: ClassVar[str] = "service_added"
    visit_id: str
    desk: int
    operator: str
    service_id: str


@dataclass(frozen=True)
class PriorityChanged(Event):
    type_name: ClassVar[str] = "priority_changed"
    visit_id: str
    priority: int
    by: str


@dataclass(frozen=True)
class DeskOpened(Event):
    type_name: ClassVar[str] = "desk_opened"
    desk: int
    operator: str


@dataclass(frozen=True)
class DeskPaused(Event):
    type_name: ClassVar[str] = "desk_paused"
    desk: int
    operator: str
    reason: str


@dataclass(frozen=True)
class DeskResumed(Event):
    type_name: ClassVar[str] = "desk_resumed"
    desk: int
    operator: str


@dataclass(frozen=True)
class DeskClosed(Event):
    type_name: ClassVar[str] = "desk_closed"
    desk: int
    operator: str


@dataclass(frozen=True)
class DeskServicesChanged(Event):
    type_name: ClassVar[str] = "desk_services_changed"
    desk: int
    weights: tuple[tuple[str, int], ...]
    by: str


@dataclass(frozen=True)
class DispatchPolicyChanged(Event):
    """The supervisor changed the dispatch settings for the rest of the day (the hall file keeps the default)."""

    type_name: ClassVar[str] = "dispatch_policy_changed"
    level_head_start_minutes: float
    priority_head_start_minutes: float
    booked_head_start_minutes: float
    cap_minutes: float
    strict_tiers: bool
    by: str


@dataclass(frozen=True)
class HallPaused(Event):
    type_name: ClassVar[str] = "hall_paused"
    reason: str
    by: str


@dataclass(frozen=True)
class HallResumed(Event):
    type_name: ClassVar[str] = "hall_resumed"
    by: str


@dataclass(frozen=True)
class ServiceClosed(Event):
    type_name: ClassVar[str] = "service_closed"
    service_id: str
    reason: str
    by: str


@dataclass(frozen=True)
class ServiceReopened(Event):
    type_name: ClassVar[str] = "service_reopened"
    service_id: str
    by: str


@dataclass(frozen=True)
class AnnouncementSet(Event):
    """The board's running line; empty texts clear it."""

    type_name: ClassVar[str] = "announcement_set"
    text_uk: str
    text_en: str
    by: str


@dataclass(frozen=True)
class DeskMessage(Event):
    """A message from the supervisor to one desk (or to every desk when `desk` is None)."""

    type_name: ClassVar[str] = "desk_message"
    desk: int | None
    text: str
    by: str


@dataclass(frozen=True)
class BookingMade(Event):
    type_name: ClassVar[str] = "booking_made"
    booking_id: str
    code: str
    service_id: str
    start: datetime
    channel: str
    by: str
    lang: str = "uk"
    contact: bool = False  # the visitor agreed to SMS; the number itself is kept outside the log
    # Logs written before the person keys left the log carry a keyed hash of the phone here; it still
    # replays, but nothing writes it any more (the key it was made with is deleted).
    person_key: str = ""


@dataclass(frozen=True)
class BookingCancelled(Event):
    type_name: ClassVar[str] = "booking_cancelled"
    booking_id: str
    by: str


@dataclass(frozen=True)
class AccessibleSessionLogged(Event):
    """One use of a kiosk's accessible mode, for the supervisor's usage report."""

    type_name: ClassVar[str] = "accessible_session_logged"
    terminal: str
    started_at: datetime
    features: tuple[str, ...]
    steps: int
    duration_seconds: int
    outcome: str  # ticket | checkin | info | abandoned | timeout
    lang: str = "uk"


@dataclass(frozen=True)
class DocumentReady(Event):
    """The result of a service can be collected (an SMS tells the visitor, if they agreed)."""

    type_name: ClassVar[str] = "document_ready"
    booking_id: str
    by: str


@dataclass(frozen=True)
class FeedbackGiven(Event):
    """A visitor's answer from the ticket's QR page: tied to the visit, nothing about the person."""

    type_name: ClassVar[str] = "feedback_given"
    visit_id: str
    service_id: str
    desk: int | None
    operator: str | None
    good: bool
    reason: str | None = None
    comment: str | None = None



@dataclass(frozen=True)
class HallConfigured(Event):
    """An administrator changed the centre: one item (docs/admin-api.md#events) replaced whole.

    One event family for every kind of item: one apply rule (domain/hall_config.py), one indexed audit query,
    and a new setting needs no new event class. `value` is the item's whole new form (None when removed);
    an operator's carries the PIN's scrypt hash, never the PIN. Kind `device` is for the audit only (tokens
    live in the devices table, so a revoked one stays revoked whatever is replayed).
    """

    type_name: ClassVar[str] = "hall_configured"
    by: str
    kind: str
    action: str  # added | changed | removed
    target: str
    value: dict[str, Any] | None = None


def to_dict(event: Event) -> dict[str, Any]:
    """The JSON-ready form: datetimes as ISO strings, tuples as lists, plus the `type` key."""
    out: dict[str, Any] = {"type": event.type_name}
    for f in dataclasses.fields(event):
        out[f.name] = _encode(getattr(event, f.name))
    return out


Decoder = Callable[[Any], Any]


def _decoder(hint: Any) -> Decoder | None:
    """How a field's JSON value becomes its Python value (None: taken as it is), worked out once per field.

    Decoding is the hot path of every report and export (a year is 900,000 events): asking `typing` about each
    field of each event took most of an export's time, so each type's decoders are built once, at import."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _decoder(inner[0])
    if hint is datetime:
        return datetime.fromisoformat
    if origin is tuple:
        args = typing.get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            item = _decoder(args[0])
            if item is None:
                return tuple
            return lambda value: tuple(None if v is None else item(v) for v in value)
        items = [_decoder(arg) for arg in args]
        return lambda value: tuple(v if d is None or v is None else d(v) for d, v in zip(items, value, strict=True))
    return None


def _fields(cls: type) -> tuple[tuple[str, Decoder | None], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, _decoder(hints[f.name])) for f in dataclasses.fields(cls))


_FIELDS = {name: _fields(cls) for name, cls in EVENT_TYPES.items()}


def from_dict(data: dict[str, Any]) -> Event:
    cls = EVENT_TYPES[data["type"]]
    kwargs: dict[str, Any] = {}
    for name, decode in _FIELDS[data["type"]]:
        if name in data:
            value = data[name]
            kwargs[name] = value if decode is None or value is None else decode(value)
    return cls(**kwargs)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    return value


