"""What one desk's console shows and may do: a reading of the server's view of the hall. Qt-free.

The view (cherha_client.HallView) is the server's own, patched by key; nothing here is worked out from
events. The current visitor is the visit of `desks[desk].visit_id`, the allowed actions are
`desks[desk].actions`, the queue figures are `queues[service]`, the messages are the day's `messages` for
this desk or for every desk, the desk's postponed visitors are the `postponed` visits whose last period (the
hold) is this desk's, closed services are `closed_services`, and the time is the hall's (`now`), never this
PC's. The services a visitor can be sent to are the hall's (GET /api/hall), grouped by its categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cherha_client.view import HallView
from texts import search_form, ukrainian_key

DAY_MESSAGES = 200  # the supervisor messages of the day the server keeps (docs/protocol.md "Views")


@dataclass(frozen=True)
class VisitInfo:
    visit_id: str
    ticket: str
    service_id: str
    state: str  # called or serving
    priority_category: str | None = None
    booked_for: datetime | None = None
    recall_count: int = 0
    since: datetime | None = None  # called at, or serving since


@dataclass(frozen=True)
class QueueRow:
    service_id: str
    name: str
    weight: int
    waiting: int
    longest: timedelta


@dataclass(frozen=True)
class PostponedInfo:
    visit_id: str
    ticket: str
    service_id: str
    until: datetime  # when it goes back to the queue by itself, in the hall's time
    returned: bool  # it is back in the queue already (the server's `waiting`): still callable by its number


@dataclass(frozen=True)
class Message:
    at: datetime
    text: str
    to_all: bool  # to every desk, or to this one


@dataclass(frozen=True)
class ServiceChoice:
    service_id: str
    name: str  # in the console's language
    words: str  # what typed words are matched against: both names and the ticket prefix


@dataclass(frozen=True)
class ServiceGroup:
    name: str  # the hall's category
    services: tuple[ServiceChoice, ...]  # in Ukrainian alphabetical order (English in English)


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class ConsoleModel:
    def __init__(self, desk: int, hall: dict[str, Any], view: HallView | None = None) -> None:
        self.desk = desk
        self.hall = hall  # GET /api/hall: the services' and priority categories' names
        self.view = HallView()
        self.clock_skew = timedelta()  # the hall's clock minus this machine's
        if view is not None:
            self.set_view(view)

    def set_view(self, view: HallView) -> None:
        """The latest view; its `now` is the hall's time at the last frame, so the clock goes on from there."""
        self.view = view
        if view.now is not None:
            self.clock_skew = view.now - datetime.now().astimezone()

    # -- the desk ---------------------------------------------------------------------------------
    @property
    def mine(self) -> dict[str, Any]:
        return self.view.desks.get(self.desk, {})

    @property
    def status(self) -> str:
        return str(self.mine.get("status", "closed"))

    @property
    def pause_reason(self) -> str | None:
        return self.mine.get("pause_reason")

    @property
    def weights(self) -> dict[str, int]:
        return dict(self.mine.get("weights", {}))

    @property
    def served(self) -> int:
        return int(self.mine.get("served_today", 0))

    @property
    def no_shows(self) -> int:
        return int(self.mine.get("no_shows_today", 0))

    @property
    def hall_paused(self) -> bool:
        return bool(self.view.fields.get("paused"))

    def allowed(self) -> set[str]:
        """What the desk may do now, as the server says; the other actions are disabled in the view."""
        return set(self.mine.get("actions", ()))

    # -- what the view shows --------------------------------------------------------------------
    def now(self) -> datetime:
        """The hall's time now, with the hall's offset (the hall's date may not be this PC's)."""
        now = datetime.now().astimezone() + self.clock_skew
        return now.astimezone(self.view.now.tzinfo) if self.view.now is not None else now

    def current(self) -> VisitInfo | None:
        visit_id = self.mine.get("visit_id")
        visit = self.view.visits.get(visit_id) if visit_id else None
        if visit is None or visit["state"] not in ("called", "serving"):
            return None
        return VisitInfo(visit["visit_id"], visit["ticket"], visit["service_id"], visit["state"],
                         visit["priority_category"], _time(visit["booked_for"]), visit["recall_count"],
                         _time(self.mine.get("since")))

    def queues(self) -> list[QueueRow]:
        """This desk's services by weight, with how many wait and the longest wait, counted on from the
        oldest waiting ticket's issue time so the figure grows between patches."""
        now = self.now()
        rows = []
        for service_id, weight in sorted(self.weights.items(), key=lambda item: (-item[1], item[0])):
            figures = self.view.queues.get(service_id, {})
            since = _time(figures.get("waiting_since"))
            longest = max(now - since, timedelta()) if since is not None else timedelta()
            rows.append(QueueRow(service_id, self.service_name(service_id), weight, figures.get("waiting", 0),
                                 longest))
        return rows

    def messages(self) -> list[Message]:
        """The day's supervisor messages to this desk or to every desk, newest first: of the newest
        DAY_MESSAGES of the hall, as the server keeps them (the client's view appends every patch's messages
        and holds more than that on a busy day; a fresh view, after a restart, has only these)."""
        return [Message(datetime.fromisoformat(m["at"]), m["text"], m["desk"] is None)
                for m in reversed(self.view.messages[-DAY_MESSAGES:]) if m["desk"] in (None, self.desk)]

    def postponed(self) -> list[PostponedInfo]:
        """The visitors this desk postponed and nobody has called since: the earliest back first."""
        rows = []
        for visit in self.view.visits.values():
            periods = visit.get("periods") or ()
            until = _time(visit.get("postponed_until"))
            if visit["state"] != "postponed" or until is None or not periods or periods[-1]["desk"] != self.desk:
                continue
            if self.view.now is not None:
                until = until.astimezone(self.view.now.tzinfo)
            rows.append(PostponedInfo(visit["visit_id"], visit["ticket"], visit["service_id"], until,
                                      bool(visit.get("waiting"))))
        return sorted(rows, key=lambda row: (row.until, row.ticket))

    def closed_services(self) -> dict[str, str]:
        """The services the supervisor closed for the rest of the day, with the reason given."""
        return dict(self.view.fields.get("closed_services") or {})

    def service_groups(self, lang: str, other: str) -> list[ServiceGroup]:
        """Every service of the hall under its category (in the hall's order), each group alphabetical;
        services of no category, if any, last under `other`."""
        services = self.hall.get("services", {})
        grouped: list[tuple[str, list[str]]] = [
            (category["name"][lang], [sid for sid in category["service_ids"] if sid in services])
            for category in self.hall.get("categories", [])]
        listed = {sid for _name, ids in grouped for sid in ids}
        grouped.append((other, [sid for sid in services if sid not in listed]))
        groups = []
        for name, ids in grouped:
            choices = [self._choice(services[sid], lang) for sid in ids]
            if choices:
                groups.append(ServiceGroup(name, tuple(sorted(choices, key=lambda c: ukrainian_key(c.name)))))
        return groups

    @staticmethod
    def _choice(service: dict[str, Any], lang: str) -> ServiceChoice:
        names = service["name"]
        words = " ".join([*names.values(), str(service.get("prefix") or ""), service["id"]])
        return ServiceChoice(service["id"], str(names[lang]), search_form(words))

    def service_name(self, service_id: str, lang: str = "uk") -> str:
        service = self.hall.get("services", {}).get(service_id)
        return str(service["name"][lang]) if service else service_id

    def priority_name(self, category: str, lang: str = "uk") -> str:
        for item in self.hall.get("priority_categories", []):
            if item["id"] == category:
                return str(item["name"][lang])
        return category
