"""JSON views of the hall: the snapshot subscribers start from, and the public service list for kiosks.

Nothing personal is in these views: a visit is a ticket number, a service and times.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from .domain.booking import Booking
from .domain.decide import unavailable_reason
from .domain.desk_actions import available_actions
from .domain.dispatch import waiting_visits
from .domain.enums import ACCESSIBLE_FEATURES, ACCESSIBLE_OUTCOMES, FEEDBACK_REASONS, Choice
from .domain.forecast import Forecast
from .domain.hall import WEEKDAYS, Hall, Service, Text
from .domain.sla import sla_share
from .domain.state import DeskState, DeskStatus, HallState
from .domain.visit import PeriodKind, Visit, VisitState
from .passwords import BOOKING_ALPHABET


def text(value: Text | None) -> dict[str, str] | None:
    return None if value is None else {"uk": value.uk, "en": value.en}


def booking_view(booking: Booking, hall: Hall) -> dict[str, Any]:
    return {
        "booking_id": booking.booking_id,
        "code": booking.code,
        "service_id": booking.service_id,
        "start": booking.start.isoformat(),
        "channel": booking.channel,
        "cancelled": booking.cancelled,
        "checked_in": booking.visit_id is not None,
        "link": hall.link(f"/b/{booking.code}"),
    }


def visitor_status(state: HallState, ref: str, now: datetime, quote: Callable[[Visit], Forecast]) -> dict[str, Any]:
    """What a visitor's phone shows: their place, the wait, the desk when called. `ref` is a visit id or a
    booking id. Nothing about anyone else. `quote` re-estimates a waiting visit (cached: quotes.py)."""
    booking = state.bookings.by_id.get(ref)
    visit = state.visits.get(booking.visit_id or "") if booking else state.visits.get(ref)
    out: dict[str, Any] = {"booking": booking_view(booking, state.hall) if booking else None}
    if visit is None:
        out["visit"] = None
        return out
    estimate = quote(visit) if visit.is_waiting(now) else None
    out["visit"] = {
        "ticket": visit.ticket,
        "service_id": visit.service_id,
        "state": visit.state.value,
        "ahead": estimate.ahead if estimate else None,
        "estimated_wait_minutes": estimate.minutes if estimate else None,
        "desk": visit.desk,
        "finished": visit.state.is_final,
    }
    return out


def visit_view(visit: Visit, now: datetime) -> dict[str, Any]:
    return {
        "visit_id": visit.visit_id,
        "ticket": visit.ticket,
        "service_id": visit.service_id,
        "state": visit.state.value,
        "waiting": visit.is_waiting(now),  # also true for a visit back from the postpone pool by time alone
        "issued_at": visit.issued_at.isoformat(),
        "priority": visit.priority,
        "priority_category": visit.priority_category,
        "booked_for": visit.booked_for.isoformat() if visit.booked_for else None,
        "desk": visit.desk,
        "target_desk": visit.target_desk,
        "recall_count": visit.recall_count,
        "postponed_until": visit.postponed_until.isoformat() if visit.postponed_until else None,
        "pending_services": list(visit.pending_services),
        "result": visit.result,
        "waited_seconds": int(visit.total(PeriodKind.WAITING, now).total_seconds()),
        "periods": [
            {
                "kind": p.kind.value,
                "start": p.start.isoformat(),
                "end": p.end.isoformat() if p.end else None,
                "service_id": p.service_id,
                "desk": p.desk,
                "operator": p.operator,
            }
            for p in visit.periods
        ],
    }


def desk_view(desk: DeskState, state: HallState) -> dict[str, Any]:
    current = state.visits.get(desk.visit_id) if desk.visit_id else None
    return {
        "number": desk.number,
        "zone": state.hall.desks[desk.number].zone,
        "status": desk.status.value,
        "operator": desk.operator,
        "pause_reason": desk.pause_reason,
        "ticket": current.ticket if current else None,
        "visit_id": current.visit_id if current else None,
        "visit_state": current.state.value if current else None,
        "since": desk.since.isoformat() if desk.since else None,
        "weights": {sid: weight for sid, weight in desk.weights},
        "served_today": desk.served_today,
        "no_shows_today": desk.no_shows_today,
        "actions": available_actions(state, desk.number),
    }


def call_view(visit: Visit, state: HallState) -> dict[str, Any]:
    """A standing call: a visitor invited to a desk who has not reached it yet. `key` is new for every call and
    recall (also a second call after a postponement), and the same after a server restart (the day's log is
    replayed in order), so a board announces each call once and a recall again."""
    assert visit.desk is not None
    return {
        "visit_id": visit.visit_id,
        "ticket": visit.ticket,
        "desk": visit.desk,
        "zone": state.hall.desks[visit.desk].zone,
        "called_at": (visit.called_at or visit.last_period_start()).isoformat(),
        "recall_count": visit.recall_count,
        "key": f"{visit.visit_id}/{visit.call_order}",
    }


def calls_view(state: HallState) -> list[dict[str, Any]]:
    """Every standing call, newest first: one per desk at most, so an 18-desk hall has at most 18."""
    called = [v for v in state.at_desks() if v.state is VisitState.CALLED]
    called.sort(key=lambda v: v.call_order, reverse=True)
    return [call_view(v, state) for v in called]


def messages_view(state: HallState) -> list[dict[str, Any]]:
    """The day's supervisor messages, oldest first (staff only: the hub's private field `text`)."""
    return [{"at": at.isoformat(), "desk": desk, "text": text, "by": by} for at, desk, text, by in state.messages]


def queue_summary(state: HallState, now: datetime, quotes: Mapping[str, Forecast],
                  service_ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per service: how many wait in its own line, the longest wait so far, and what a ticket taken now would
    be promised (`ahead` counts everyone who will be called first, from every queue the desks share;
    `estimated_wait_minutes` is null while no desk that serves it is open)."""
    out: dict[str, dict[str, Any]] = {}
    for service_id in state.hall.services if service_ids is None else service_ids:
        members = waiting_visits(state, now, service_id)
        longest = max((int((now - v.issued_at).total_seconds()) for v in members), default=0)
        quote = quotes.get(service_id)
        out[service_id] = {
            "waiting": len(members),
            "longest_wait_seconds": longest,
            # The oldest waiting ticket's issue time: a screen counts the longest wait on from it by itself.
            "waiting_since": min(v.issued_at for v in members).isoformat() if members else None,
            "ahead": quote.ahead if quote else len(members),
            "estimated_wait_minutes": quote.minutes if quote else None,
        }
    return out


def announcement_view(state: HallState) -> dict[str, str] | None:
    return {"uk": state.announcement[0], "en": state.announcement[1]} if state.announcement else None


def hall_fields(state: HallState) -> dict[str, Any]:
    """The hall-wide part of the view: one patch replaces all of it."""
    return {
        "day": state.day,
        "paused": state.paused,
        "pause_reason": state.pause_reason,
        "announcement": announcement_view(state),
        "closed_services": dict(state.closed_services),
        "dispatch": dataclasses.asdict(state.dispatch),
    }


def snapshot(state: HallState, seq: int, now: datetime, quotes: Mapping[str, Forecast],
             staff: bool = True) -> dict[str, Any]:
    """The whole view of the hall at `seq`; live patches (live_view.py) change it by key from there."""
    return {
        "seq": seq,
        "now": now.isoformat(),
        **hall_fields(state),
        "desks": [desk_view(d, state) for d in sorted(state.desks.values(), key=lambda d: d.number)],
        "visits": [visit_view(v, now) for v in state.live_visits()],
        "queues": queue_summary(state, now, quotes),
        "calls": calls_view(state),
        "messages": messages_view(state) if staff else [],
    }


KIOSK_SILENCE_SECONDS = 180


def sla_today(state: HallState, now: datetime) -> dict[str, Any]:
    """The day's visits within the waiting target so far (the rule: domain/sla.py, shared with the reports)."""
    share = sla_share(state.hall.policy, state.visits.values(), now)
    return {"visits": share.visits, "above": share.above, "within_share": share.within_share}


def dashboard(state: HallState, now: datetime, devices: dict[str, tuple[float, str | None]],
              online_desks: set[int], clock_seconds: float, quotes: Mapping[str, Forecast],
              host_alerts: Iterable[dict[str, Any]] = (), city: dict[str, Any] | None = None,
              help_calls: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """The supervisor's live view: desks, queues, the day's SLA share, and what needs attention (a visitor's
    call for an administrator first: someone is standing at a kiosk waiting); for a branch of a city, how far
    behind the city is (`city`: shipping/shipper.py `Shipper.status`, None for a lone hall)."""
    queues = queue_summary(state, now, quotes)
    desks = []
    alerts: list[dict[str, Any]] = list(help_calls)
    for desk in sorted(state.desks.values(), key=lambda d: d.number):
        current = state.visits.get(desk.visit_id) if desk.visit_id else None
        activity = desk.status.value if desk.status is not DeskStatus.OPEN else (
            "idle" if current is None else ("calling" if current.state.value == "called" else "serving"))
        online = desk.number in online_desks
        if desk.status is not DeskStatus.CLOSED and not online:
            alerts.append({"kind": "desk_offline", "desk": desk.number})
        waiting = sum(queues[sid]["waiting"] for sid, weight in desk.weights if weight > 0)
        if activity == "idle" and online and waiting:
            alerts.append({"kind": "desk_idle", "desk": desk.number, "waiting": waiting})
        desks.append({**desk_view(desk, state), "activity": activity, "online": online})
    limit = state.hall.policy.sla_walk_in_minutes * 60
    for service_id, figures in queues.items():
        if figures["longest_wait_seconds"] > limit:
            alerts.append({"kind": "wait_over_target", "service_id": service_id,
                           "longest_minutes": figures["longest_wait_seconds"] // 60})
    if state.clock_jump is not None:
        held, clock = state.clock_jump
        alerts.append({"kind": "clock_jump", "clock": clock.isoformat(), "held_at": held.isoformat(),
                       "behind_minutes": int((held - clock).total_seconds() // 60)})
    alerts.extend(device_alerts(devices, clock_seconds))
    # What the server sees of its own machine (host_checks.py): disk space, clock synchronisation, time zone.
    alerts.extend(host_alerts)
    return {"now": now.isoformat(), "paused": state.paused, "closed_services": dict(state.closed_services),
            "announcement": announcement_view(state), "desks": desks, "queues": queues,
            "sla": sla_today(state, now), "alerts": alerts, "dispatch": dataclasses.asdict(state.dispatch),
            "city": city}


def device_alerts(devices: Mapping[str, tuple[float, str | None]], clock_seconds: float) -> list[dict[str, Any]]:
    """A kiosk not heard from (heartbeats, monotonic time) or its printer's problem: for the dashboard and
    /metrics alike."""
    alerts: list[dict[str, Any]] = []
    for name, (seen, problem) in sorted(devices.items()):
        if clock_seconds - seen > KIOSK_SILENCE_SECONDS:
            alerts.append({"kind": "kiosk_offline", "kiosk": name,
                           "silent_minutes": int((clock_seconds - seen) // 60)})
        elif problem:
            alerts.append({"kind": "printer", "kiosk": name, "problem": problem})
    return alerts


def offered_days(hall: Hall, service: Service) -> list[str]:
    """The weekdays (WEEKDAYS' names) a walk-in can get a ticket for the service: it is offered, the centre
    is open, and a desk that serves it works."""
    return [day for day in WEEKDAYS
            if (not service.days or day in service.days) and hall.hours.get(day) is not None
            and hall.desks_serving(service.id, day)]


def booking_holidays(hall: Hall, today: date) -> list[str]:
    """The holidays a visitor could book on (today … days_ahead), for the booking page not to offer them; the
    weekly days off are in each service's `days`."""
    last = today + timedelta(days=hall.booking.days_ahead)
    return sorted(day.isoformat() for day in hall.holidays if today <= day <= last)


def public_hall(hall: Hall, state: HallState, now: datetime, quotes: Mapping[str, Forecast]) -> dict[str, Any]:
    """What a kiosk shows: the services tree, whether each can be taken now and the expected wait; and the
    lists the pages and apps name things by (domain/enums.py, the hall's priority categories)."""

    def choices(items: tuple[Choice, ...]) -> list[dict[str, Any]]:
        return [{"id": c.id, "name": text(c.name)} for c in items]

    queues = queue_summary(state, now, quotes)
    services = {}
    for service in hall.services.values():
        services[service.id] = {
            "id": service.id,
            "category_id": service.category_id,
            "name": text(service.name),
            "prefix": service.prefix,
            "registry_backed": service.registry_backed,
            "unavailable": unavailable_reason(state, service, now),
            "documents": text(service.documents),
            "term": text(service.term),
            "cost": text(service.cost),
            # When it is offered, for a kiosk to say so when it is not now: the weekdays (the service's own,
            # the centre open and a desk for it working), the hours (null: whenever the centre is open).
            "days": offered_days(hall, service),
            "hours": {"start": f"{service.hours.start:%H:%M}", "end": f"{service.hours.end:%H:%M}"}
            if service.hours else None,
            "bookable": service.bookable,
            **queues[service.id],
        }
    return {
        # public_url: the address a visitor's phone reaches the centre at ("" when not set); booking.page: the
        # public booking page made from it (relative when it is not set: the client prefixes its own address).
        "centre": {"id": hall.id, "name": text(hall.name), "timezone": hall.timezone, "public_url": hall.public_url},
        "board": dataclasses.asdict(hall.board),
        "booking": {"days_ahead": hall.booking.days_ahead, "slot_minutes": hall.booking.slot_minutes,
                    "code_alphabet": BOOKING_ALPHABET, "page": hall.link("/book"),
                    "holidays": booking_holidays(hall, now.date())},
        "desks": [{"number": d.number, "zone": d.zone, "services": [sid for sid, _ in d.weights]}
                  for d in hall.desks.values()],
        "now": now.isoformat(),
        "open": hall.is_open_at(now),
        "paused": state.paused,
        "categories": [
            {"id": c.id, "name": text(c.name), "service_ids": list(c.service_ids)} for c in hall.categories
        ],
        "services": services,
        "priority_categories": [
            {"id": p.id, "name": text(p.name), "level": p.level} for p in hall.priority_categories.values()
        ],
        "bundles": [
            {"id": b.id, "name": text(b.name), "service_ids": list(b.service_ids)} for b in hall.bundles.values()
        ],
        "feedback_reasons": choices(FEEDBACK_REASONS),
        "accessible_features": [{"id": f.id, "name": text(f.name), "on_request": f.on_request}
                                for f in ACCESSIBLE_FEATURES],
        "accessible_outcomes": choices(ACCESSIBLE_OUTCOMES),
    }
