"""Commands: what a kiosk, a desk or a supervisor asks the hall to do.

`actor` is the authenticated login or device name, filled in by the API layer, never by the client.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .hall_config import ConfigItem


@dataclass(frozen=True)
class Command:
    actor: str


@dataclass(frozen=True)
class IssueTicket(Command):
    service_id: str | None = None
    bundle_id: str | None = None
    priority_category: str | None = None
    booked_for: datetime | None = None
    lang: str = "uk"


@dataclass(frozen=True)
class DeskCommand(Command):
    desk: int


@dataclass(frozen=True)
class OpenDesk(DeskCommand):
    pass


@dataclass(frozen=True)
class PauseDesk(DeskCommand):
    reason: str = "break"


@dataclass(frozen=True)
class ResumeDesk(DeskCommand):
    pass


@dataclass(frozen=True)
class CloseDesk(DeskCommand):
    pass


@dataclass(frozen=True)
class CallNext(DeskCommand):
    pass


@dataclass(frozen=True)
class CallTicket(DeskCommand):
    ticket: str = ""


@dataclass(frozen=True)
class Recall(DeskCommand):
    pass


@dataclass(frozen=True)
class StartService(DeskCommand):
    pass


@dataclass(frozen=True)
class Finish(DeskCommand):
    result: str = "served"


@dataclass(frozen=True)
class NoShow(DeskCommand):
    pass


@dataclass(frozen=True)
class Transfer(DeskCommand):
    to_service: str | None = None
    to_desk: int | None = None
    back_to_me: bool = False


@dataclass(frozen=True)
class Postpone(DeskCommand):
    minutes: int = 10


@dataclass(frozen=True)
class AddService(DeskCommand):
    service_id: str = ""


@dataclass(frozen=True)
class CancelVisit(Command):
    ticket: str
    reason: str = "cancelled"


@dataclass(frozen=True)
class ChangePriority(Command):
    ticket: str
    priority: int


@dataclass(frozen=True)
class SetDeskServices(Command):
    desk: int
    weights: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SetDispatchPolicy(Command):
    level_head_start_minutes: float
    priority_head_start_minutes: float
    booked_head_start_minutes: float
    cap_minutes: float
    strict_tiers: bool = False


@dataclass(frozen=True)
class PauseHall(Command):
    reason: str = "air_raid"


@dataclass(frozen=True)
class ResumeHall(Command):
    pass


@dataclass(frozen=True)
class CloseService(Command):
    service_id: str
    reason: str = "closed"


@dataclass(frozen=True)
class ReopenService(Command):
    service_id: str


@dataclass(frozen=True)
class SetAnnouncement(Command):
    text_uk: str = ""
    text_en: str = ""


@dataclass(frozen=True)
class SendMessage(Command):
    text: str
    desk: int | None = None


@dataclass(frozen=True)
class BookSlot(Command):
    service_id: str
    start: datetime
    # The person's live bookings in the slot's month, counted by the server from its own table (never the
    # event log: the log is permanent and must hold nothing that leads back to a phone number).
    person_bookings: int = 0
    channel: str = "web"  # web | kiosk | phone (by an operator)
    lang: str = "uk"
    contact: bool = False


@dataclass(frozen=True)
class CancelBooking(Command):
    code: str


@dataclass(frozen=True)
class CheckIn(Command):
    code: str
    lang: str = "uk"


@dataclass(frozen=True)
class LogAccessibleSession(Command):
    started_at: datetime
    features: tuple[str, ...]
    steps: int
    duration_seconds: int
    outcome: str
    lang: str = "uk"


@dataclass(frozen=True)
class MarkDocumentReady(Command):
    code: str  # the booking's code


@dataclass(frozen=True)
class GiveFeedback(Command):
    """Decided from the visit's own record (looked up by its token, maybe from an earlier day)."""

    visit_id: str
    service_id: str
    desk: int | None
    operator: str | None
    good: bool
    reason: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class EndDay(Command):
    pass


@dataclass(frozen=True)
class Configure(Command):
    """An administrator's change to the centre: items applied together, judged by the hall they lead to."""

    items: tuple[ConfigItem, ...]
    # A schedule change that leaves booked visitors outside the hours is refused unless confirmed; confirmed,
    # those bookings are cancelled with it (the answer lists them so staff can warn the visitors).
    confirm_affected: bool = False
