"""What one desk's console knows and may do, kept from the snapshot and the event stream. Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any


@dataclass
class VisitInfo:
    visit_id: str
    ticket: str
    service_id: str
    state: str
    issued_at: datetime
    priority: int = 0
    priority_category: str | None = None
    booked_for: datetime | None = None
    desk: int | None = None
    target_desk: int | None = None
    pending: list[str] = field(default_factory=list)
    return_service: str | None = None  # "back to me afterwards": the service and desk to return to
    return_desk: int | None = None
    recall_count: int = 0
    since: datetime | None = None  # called at, or serving since


@dataclass
class QueueRow:
    service_id: str
    name: str
    weight: int
    waiting: int
    longest: timedelta


ACTIONS = ("call_next", "call_ticket", "recall", "start_service", "finish", "no_show", "transfer", "postpone",
           "add_service", "desk_pause", "desk_resume", "desk_close")


@dataclass
class ConsoleModel:
    desk: int
    hall: dict[str, Any]
    visits: dict[str, VisitInfo] = field(default_factory=dict)
    status: str = "closed"
    pause_reason: str | None = None
    weights: dict[str, int] = field(default_factory=dict)
    served: int = 0
    no_shows: int = 0
    hall_paused: bool = False
    messages: list[tuple[datetime, str]] = field(default_factory=list)
    clock_skew: timedelta = timedelta()  # hall clock minus this machine's clock

    # -- loading ------------------------------------------------------------------------------
    def load(self, snapshot: dict[str, Any]) -> None:
        self.clock_skew = datetime.fromisoformat(snapshot["now"]) - datetime.now().astimezone()
        self.hall_paused = snapshot["paused"]
        self.visits = {}
        for v in snapshot["visits"]:
            periods = v["periods"]
            since = datetime.fromisoformat(periods[-1]["start"]) if periods else None
            self.visits[v["visit_id"]] = VisitInfo(
                v["visit_id"], v["ticket"], v["service_id"], v["state"], datetime.fromisoformat(v["issued_at"]),
                priority=v["priority"], priority_category=v["priority_category"],
                booked_for=datetime.fromisoformat(v["booked_for"]) if v["booked_for"] else None,
                desk=v["desk"], target_desk=v["target_desk"], pending=list(v["pending_services"]),
                recall_count=v["recall_count"], since=since)
        mine = next(d for d in snapshot["desks"] if d["number"] == self.desk)
        self.status, self.pause_reason = mine["status"], mine["pause_reason"]
        self.weights = dict(mine["weights"])
        self.served, self.no_shows = mine["served_today"], mine["no_shows_today"]

    def apply(self, event: dict[str, Any]) -> None:
        kind, at = event["type"], datetime.fromisoformat(event["at"])
        visit = self.visits.get(event.get("visit_id", ""))
        mine = event.get("desk") == self.desk
        if kind == "ticket_issued":
            self.visits[event["visit_id"]] = VisitInfo(
                event["visit_id"], event["ticket"], event["service_ids"][0], "waiting", at, event["priority"],
                event["priority_category"],
                datetime.fromisoformat(event["booked_for"]) if event["booked_for"] else None,
                pending=list(event["service_ids"][1:]))
        elif kind in ("visit_called", "visit_recalled") and visit:
            visit.state, visit.desk, visit.target_desk = "called", event["desk"], None
            visit.recall_count = event.get("recall_count", 0)
            if kind == "visit_called":
                visit.since = at
        elif kind == "service_started" and visit:
            visit.state, visit.since = "serving", at
        elif kind == "service_finished" and visit:
            if mine:
                self.served += 1
            if visit.pending:
                self._requeue(visit, visit.pending.pop(0), None)
            elif visit.return_service is not None:
                service_id, desk = visit.return_service, visit.return_desk
                visit.return_service = visit.return_desk = None
                self._requeue(visit, service_id, desk)
            else:
                del self.visits[visit.visit_id]
        elif kind == "visit_transferred" and visit:
            if event["back_to_me"]:
                visit.return_service, visit.return_desk = visit.service_id, event["desk"]
            self._requeue(visit, event["to_service"], event["to_desk"])
        elif kind == "visit_postponed" and visit:
            visit.state, visit.desk = "postponed", None
        elif kind == "visit_no_show":
            self.visits.pop(event["visit_id"], None)
            if mine:
                self.no_shows += 1
        elif kind == "visit_cancelled":
            self.visits.pop(event["visit_id"], None)
        elif kind == "service_added" and visit:
            visit.pending.append(event["service_id"])
        elif kind == "priority_changed" and visit:
            visit.priority = event["priority"]
        elif kind in ("desk_opened", "desk_resumed") and mine:
            self.status, self.pause_reason = "open", None
        elif kind == "desk_paused" and mine:
            self.status, self.pause_reason = "paused", event["reason"]
        elif kind == "desk_closed" and mine:
            self.status = "closed"
        elif kind == "desk_services_changed" and mine:
            self.weights = dict(event["weights"])
        elif kind in ("hall_paused", "hall_resumed"):
            self.hall_paused = kind == "hall_paused"
        elif kind == "desk_message" and event["desk"] in (None, self.desk):
            self.messages.insert(0, (at, event["text"]))
        elif kind == "day_ended":
            self.visits.clear()
            self.status, self.served, self.no_shows = "closed", 0, 0
        elif kind == "visit_carried_over":  # the visitor at a desk when the day ended goes on there
            self.visits[event["visit_id"]] = VisitInfo(
                event["visit_id"], event["ticket"], event["service_id"], event["state"],
                datetime.fromisoformat(event["issued_at"]), event["priority"], event["priority_category"],
                datetime.fromisoformat(event["booked_for"]) if event["booked_for"] else None,
                desk=event["desk"], pending=list(event["pending_services"]),
                return_service=event["return_to_service"], return_desk=event["return_to_desk"],
                recall_count=event["recall_count"], since=datetime.fromisoformat(event["since"]))
            if mine:
                self.status = "open"

    @staticmethod
    def _requeue(visit: VisitInfo, service_id: str, target_desk: int | None) -> None:
        visit.service_id, visit.state, visit.desk, visit.target_desk = service_id, "waiting", None, target_desk
        visit.recall_count, visit.since = 0, None

    # -- what the view shows --------------------------------------------------------------------
    def now(self) -> datetime:
        return datetime.now().astimezone() + self.clock_skew

    def current(self) -> VisitInfo | None:
        for visit in self.visits.values():
            if visit.desk == self.desk and visit.state in ("called", "serving"):
                return visit
        return None

    def queues(self) -> list[QueueRow]:
        now = self.now()
        rows = []
        for service_id, weight in sorted(self.weights.items(), key=lambda item: (-item[1], item[0])):
            waiting = [v for v in self.visits.values()
                       if v.state == "waiting" and v.service_id == service_id and v.target_desk in (None, self.desk)]
            longest = max((now - v.issued_at for v in waiting), default=timedelta())
            rows.append(QueueRow(service_id, self.service_name(service_id), weight, len(waiting), longest))
        return rows

    def service_name(self, service_id: str, lang: str = "uk") -> str:
        service = self.hall.get("services", {}).get(service_id)
        return service["name"][lang] if service else service_id

    def priority_name(self, category: str, lang: str = "uk") -> str:
        for item in self.hall.get("priority_categories", []):
            if item["id"] == category:
                return str(item["name"][lang])
        return category

    def allowed(self) -> set[str]:
        """The actions that make sense now; the rest are disabled in the view."""
        if self.status == "closed":
            return set()
        if self.status == "paused":
            return {"desk_resume", "desk_close"}
        current = self.current()
        if current is None:
            calls = set() if self.hall_paused else {"call_next", "call_ticket"}
            return calls | {"desk_pause", "desk_close"}
        if current.state == "called":
            return {"recall", "start_service", "no_show", "transfer", "postpone"}
        return {"finish", "transfer", "postpone", "add_service"}
