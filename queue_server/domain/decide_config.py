"""The administrator's changes to the centre: items checked against the hall they lead to, then events."""

from __future__ import annotations

from . import commands as cmd
from . import events as ev
from .city_catalogue import CITY_KIND
from .errors import NotFound, Refused
from .guards import Context, decides
from .hall import Hall
from .hall_config import AUDIT_ONLY, ConfigItem, affected_bookings, apply_item, comparable, validate, value_of
from .state import DeskStatus, HallState

AFFECTED_LISTED = 500  # bookings named in a refusal; `count` says how many there are in all


@decides(cmd.Configure)
def _configure(state: HallState, c: cmd.Configure, ctx: Context) -> list[ev.Event]:
    hall = state.hall
    events: list[ev.Event] = []
    for item in c.items:
        if item.kind == CITY_KIND and item.value is not None and int(item.value["version"]) <= state.city_version:
            # The same version twice (or an older one after a newer) changes nothing: no event, no audit line.
            raise Refused("city_version_applied", version=int(item.value["version"]), running=state.city_version)
        current = value_of(hall, item.kind, item.target)
        if item.action == "removed":
            if current is None:
                raise NotFound(f"unknown_{item.kind}", **{item.kind: item.target})
            _check_removable(state, hall, item)
        elif item.kind not in AUDIT_ONLY and comparable(current, item.kind) == comparable(item.value, item.kind):
            continue  # nothing changes: no event, no audit line
        hall = apply_item(hall, item)
        events.append(ev.HallConfigured(at=ctx.now, by=c.actor, kind=item.kind, action=item.action,
                                        target=item.target, value=item.value))
    if not events:
        return []
    # A service removed must be on no desk plan of the hall the change leads to (judged by where it leads: an
    # imported file, or a city's catalogue, may take it off the desks in the same change).
    for item in c.items:
        if item.kind == "service" and item.action == "removed":
            for planned in hall.desks.values():
                if planned.weight_of(item.target) is not None:
                    raise Refused("service_in_use", service=item.target, where=f"desk:{planned.number}")
    validate(state.hall, hall)
    affected = affected_bookings(state.bookings, state.hall, hall, ctx.now)
    if affected and not c.confirm_affected:
        raise Refused("bookings_affected", count=len(affected),
                      bookings=[{"code": b.code, "service": b.service_id, "start": b.start.isoformat(),
                                 "channel": b.channel} for b in affected[:AFFECTED_LISTED]])
    events.extend(ev.BookingCancelled(at=ctx.now, booking_id=b.booking_id, by=c.actor) for b in affected)
    return events


def _check_removable(state: HallState, hall: Hall, item: ConfigItem) -> None:
    if item.kind == "desk":
        desk = state.desks.get(int(item.target))
        if desk is not None and (desk.status is not DeskStatus.CLOSED or desk.visit_id is not None):
            raise Refused("desk_in_use", desk=int(item.target))
    if item.kind == "service" and state.live_by_service.get(item.target):
        raise Refused("service_in_use", service=item.target, where="queue")
    if item.kind == "category":
        # The hall as this change has made it so far: its services may have been removed by earlier items.
        category = next(c for c in hall.categories if c.id == item.target)
        if category.service_ids:
            raise Refused("category_in_use", category=item.target, where=",".join(category.service_ids))
