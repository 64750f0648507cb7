"""The hall as configured: services tree, desks, operators, hours and policy.

Plain frozen data, built by `queue_server.config` from TOML. Nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Text:
    """A user-facing text in Ukrainian first, English second."""

    uk: str
    en: str


@dataclass(frozen=True)
class TimeRange:
    start: time
    end: time

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Service:
    id: str
    category_id: str
    name: Text
    prefix: str
    daily_limit: int | None = None
    registry_backed: bool = False
    avg_service_minutes: float = 10.0
    # Weekdays on which the service is offered; empty means every opening day.
    days: tuple[str, ...] = ()
    hours: TimeRange | None = None
    documents: Text | None = None
    term: Text | None = None
    cost: Text | None = None
    bookable: bool = True


@dataclass(frozen=True)
class Category:
    id: str
    name: Text
    service_ids: tuple[str, ...]


@dataclass(frozen=True)
class Desk:
    number: int
    zone: str
    # service id -> weight; weight 0 is the "remainder" tier served only when nothing else waits.
    weights: tuple[tuple[str, int], ...]
    days: tuple[str, ...] = ()
    # Offered on the consoles' desk list as a working desk; a spare desk (false) can still be opened.
    open_by_default: bool = True

    def weight_of(self, service_id: str) -> int | None:
        for sid, weight in self.weights:
            if sid == service_id:
                return weight
        return None

    def works_on(self, weekday: str) -> bool:
        return not self.days or weekday in self.days


@dataclass(frozen=True)
class Operator:
    login: str
    name: str
    role: str  # operator | supervisor | admin
    secret_hash: str
    desks: tuple[int, ...] = ()  # empty: may sit at any desk
    disabled: bool = False  # kept (the audit and reports name them) but may not sign in


@dataclass(frozen=True)
class PriorityCategory:
    id: str
    name: Text
    level: int = 1
    # At most this many priority tickets of the category a day; then its visitors get ordinary tickets.
    daily_cap: int | None = None


@dataclass(frozen=True)
class Bundle:
    """A life situation: several services taken in one visit, in this order."""

    id: str
    name: Text
    service_ids: tuple[str, ...]


@dataclass(frozen=True)
class Policy:
    recall_limit: int = 3
    postpone_min_minutes: int = 5
    postpone_max_minutes: int = 30
    # Priority level a postponed visitor returns with (above ordinary visitors).
    postpone_return_priority: int = 1
    sla_walk_in_minutes: int = 15
    sla_booked_minutes: int = 5
    # Shortest PIN a login accepts: a 4-digit PIN is 10,000 guesses, 6 digits a hundred times more.
    min_pin_length: int = 4


MAX_HEAD_START_MINUTES = 240  # a head start or cap longer than half a day means nothing in a hall


@dataclass(frozen=True)
class DispatchPolicy:
    """How a free desk chooses among the heads of the queues it serves (docs/architecture.md#dispatch).

    Every waiting visitor has a score: the minutes they have already waited, plus head starts. A desk
    takes the highest score among the services it serves. All figures are in minutes.
    """

    # Head start per level of the desk's weight for the service: at a desk with weights 10/5/3, a
    # weight-10 visitor is treated as if they had waited 2 levels x this longer than a weight-3 one.
    # Defaults chosen on the same simulated days (BENCHMARKS.md): they keep strict tiers' specialisation and
    # most of its share within the SLA, while nobody waits hours.
    level_head_start_minutes: float = 30.0
    # Head start per priority level (позачергово): level 2 = twice this.
    priority_head_start_minutes: float = 30.0
    # A booked visitor whose slot has come; their wait counts from the slot time, not from check-in.
    booked_head_start_minutes: float = 10.0
    # Safety cap: a queue's head who has waited this long is taken by any desk that can serve them,
    # ahead of its own specialities and its remainder tier alike. 0 turns the cap off.
    cap_minutes: float = 45.0
    # The old rule: strict weight tiers (a desk empties its highest tier first), no cap.
    strict_tiers: bool = False


@dataclass(frozen=True)
class BookingPolicy:
    """Pre-registration: slot length, the share of capacity offered, limits and the check-in window."""

    slot_minutes: int = 15
    share: float = 0.5  # of a slot's capacity offered for booking; the rest stays for walk-ins
    days_ahead: int = 14
    per_person_month: int = 3
    checkin_before_minutes: int = 60
    checkin_after_minutes: int = 20
    phone_retention_days: int = 30
    sms_near_count: int = 3  # "your turn is near" when this many or fewer are ahead
    sms_reminder_hours: int = 2  # the reminder goes this long before the slot


@dataclass(frozen=True)
class BoardSettings:
    """How the hall board looks and sounds."""

    volume: float = 0.9  # 0..1
    repeat: int = 1  # how many times a call is spoken
    english: str = "never"  # the English call after the Ukrainian one: one of ENGLISH_CALLS
    recent_calls: int = 8  # rows of recent calls on the hall board
    highlight_seconds: int = 10  # how long the newest call blinks
    screen_inches: float = 55.0  # the hall board's diagonal (16:9)
    viewing_metres: float = 10.0  # the farthest seat the board must be legible from

    def english_call(self, recall: bool) -> bool:
        """Whether a call (or a recall) is also spoken in English."""
        return self.english == "always" or (self.english == "recall" and recall)


@dataclass(frozen=True)
class Location:
    """Where the centre is (WGS 84 degrees), for the city's public page: a visitor's phone measures its own
    distance to each centre (the visitor's position never leaves the phone)."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        # Checked here, in the domain, for the hall file and the admin's edits alike; NaN fails both tests.
        if not -90.0 <= self.latitude <= 90.0:
            raise ValueError(f"latitude must be from -90 to 90 degrees, got {self.latitude!r}")
        if not -180.0 <= self.longitude <= 180.0:
            raise ValueError(f"longitude must be from -180 to 180 degrees, got {self.longitude!r}")


# always: every call in English too; recall: only a recall (a burst of new calls stays short); never.
ENGLISH_CALLS = ("always", "recall", "never")


@dataclass(frozen=True)
class Hall:
    id: str
    name: Text
    timezone: str
    feedback_url: str
    hours: dict[str, TimeRange | None]
    breaks: tuple[TimeRange, ...]
    holidays: frozenset[date]
    policy: Policy
    categories: tuple[Category, ...]
    services: dict[str, Service]
    desks: dict[int, Desk]
    operators: dict[str, Operator]
    priority_categories: dict[str, PriorityCategory]
    bundles: dict[str, Bundle] = field(default_factory=dict)
    board: BoardSettings = field(default_factory=BoardSettings)
    booking: BookingPolicy = field(default_factory=BookingPolicy)
    dispatch: DispatchPolicy = field(default_factory=DispatchPolicy)
    # Days with shorter hours than their weekday's (the eve of a holiday): date -> that day's hours.
    shortened: dict[date, TimeRange] = field(default_factory=dict)
    # The centre's address as a visitor's phone reaches it ("https://cnap.example.ua"), without a trailing
    # slash; empty: links stay relative and the kiosk prefixes the address it reaches the server at (the admin
    # pages then make board URLs from the address the admin's browser used).
    public_url: str = ""
    # The centre's street address for visitors (the city's public page shows it), and where it is on the map;
    # both optional: a hall that is not a branch of a city needs neither.
    address: Text | None = None
    location: Location | None = None

    def hours_on(self, day: date) -> TimeRange | None:
        """The opening hours of a date: none on a holiday, a shortened day's own, else its weekday's."""
        if day in self.holidays:
            return None
        return self.shortened.get(day) or self.hours.get(WEEKDAYS[day.weekday()])

    def link(self, path: str) -> str:
        """A link for a visitor's phone (a ticket's QR, a booking's page): absolute from `public_url`."""
        if not self.public_url or not path.startswith("/"):
            return path
        return self.public_url + path

    def is_open_at(self, moment: datetime) -> bool:
        hours = self.hours_on(moment.date())
        return hours is not None and hours.contains(moment.time())

    def service_offered_at(self, service: Service, moment: datetime) -> bool:
        weekday = WEEKDAYS[moment.weekday()]
        if service.days and weekday not in service.days:
            return False
        return service.hours is None or service.hours.contains(moment.time())

    def desks_serving(self, service_id: str, weekday: str | None = None) -> list[Desk]:
        return [
            desk
            for desk in self.desks.values()
            if desk.weight_of(service_id) is not None and (weekday is None or desk.works_on(weekday))
        ]
