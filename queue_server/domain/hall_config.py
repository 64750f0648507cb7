"""The centre's configuration as items an administrator changes one at a time. Pure.

Every item (an operator, a desk, a service, a category, a life situation, the centre's own settings) has one
JSON-ready form, its *value* (docs/admin-api.md shows each). A change is a `ConfigItem`: the kind, the action,
the item's id and its whole new value. `apply_item` gives the hall with that item replaced; `validate` says what
is wrong with a hall as a whole, so a change is judged by where it leads, never by the order of its steps;
`diff` turns one hall into another as items (an imported hall file).

Why whole values: a replayed event needs nothing but itself, and the audit shows each item before and after.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from .booking import Booking, BookingBook
from .errors import InvalidInput, NotFound, Refused
from .hall import (
    ENGLISH_CALLS,
    WEEKDAYS,
    BoardSettings,
    BookingPolicy,
    Bundle,
    Category,
    Desk,
    DispatchPolicy,
    Hall,
    Location,
    Operator,
    Policy,
    PriorityCategory,
    Service,
    Text,
    TimeRange,
)
from .public_address import AddressError, normalise

KINDS = ("operator", "desk", "service", "category", "bundle", "centre", "device", "import", "city")
# Kinds whose events change no item: a device's token (its own table), the note that an import began, and the
# city's version a branch now runs (domain/city_catalogue.py; HallState.city_version remembers it).
AUDIT_ONLY = ("device", "import", "city")
ROLES = ("operator", "supervisor", "admin")
CENTRE = "centre"  # the target of the one centre item
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
Value = dict[str, Any]


@dataclass(frozen=True)
class ConfigItem:
    kind: str
    action: str  # added | changed | removed (pin_reset for operators; issued, renamed, revoked, imported)
    target: str  # the item's id (a desk's number as text)
    value: Value | None = None  # the whole new value; None when removed (devices: what the audit shows)


# -- values: the hall's items as JSON-ready dicts -------------------------------------------------------
def text_value(text: Text | None) -> dict[str, str] | None:
    return None if text is None else {"uk": text.uk, "en": text.en}


def location_value(location: Location | None) -> dict[str, float] | None:
    return None if location is None else {"latitude": location.latitude, "longitude": location.longitude}


def range_value(value: TimeRange | None) -> str | None:
    return None if value is None else f"{value.start:%H:%M}-{value.end:%H:%M}"


def operator_value(op: Operator) -> Value:
    return {"login": op.login, "name": op.name, "role": op.role, "desks": list(op.desks),
            "disabled": op.disabled, "secret_hash": op.secret_hash}


def desk_value(desk: Desk) -> Value:
    return {"number": desk.number, "zone": desk.zone, "open_by_default": desk.open_by_default,
            "days": list(desk.days), "services": [{"service": sid, "weight": w} for sid, w in desk.weights]}


def category_value(hall: Hall, category: Category) -> Value:
    order = next(i for i, c in enumerate(hall.categories, 1) if c.id == category.id)
    return {"id": category.id, "name": text_value(category.name), "order": order,
            "services": list(category.service_ids)}


def service_value(hall: Hall, service: Service) -> Value:
    category = next(c for c in hall.categories if c.id == service.category_id)
    return {"id": service.id, "category": service.category_id, "prefix": service.prefix,
            "name": text_value(service.name), "avg_minutes": service.avg_service_minutes,
            "daily_limit": service.daily_limit, "bookable": service.bookable, "registry": service.registry_backed,
            "documents": text_value(service.documents), "term": text_value(service.term),
            "cost": text_value(service.cost), "days": list(service.days), "hours": range_value(service.hours),
            "order": category.service_ids.index(service.id) + 1}


def bundle_value(bundle: Bundle) -> Value:
    return {"id": bundle.id, "name": text_value(bundle.name), "services": list(bundle.service_ids)}


def centre_value(hall: Hall) -> Value:
    return {
        "name": text_value(hall.name), "public_url": hall.public_url, "timezone": hall.timezone,
        "address": text_value(hall.address), "location": location_value(hall.location),
        "feedback_url": hall.feedback_url,
        "hours": {day: range_value(hall.hours.get(day)) for day in WEEKDAYS},
        "breaks": [range_value(b) for b in hall.breaks],
        "holidays": sorted(d.isoformat() for d in hall.holidays),
        "shortened": {d.isoformat(): range_value(r) for d, r in sorted(hall.shortened.items())},
        "policy": dataclasses.asdict(hall.policy),
        "booking": dataclasses.asdict(hall.booking),
        "board": dataclasses.asdict(hall.board),
        "dispatch": dataclasses.asdict(hall.dispatch),
        "priority_categories": [{"id": p.id, "name": text_value(p.name), "level": p.level,
                                 "daily_cap": p.daily_cap} for p in hall.priority_categories.values()],
    }


def value_of(hall: Hall, kind: str, target: str) -> Value | None:
    """The item's value in this hall, or None when the hall has no such item."""
    if kind == "operator":
        op = hall.operators.get(target)
        return operator_value(op) if op else None
    if kind == "desk":
        desk = hall.desks.get(int(target)) if target.isdigit() else None
        return desk_value(desk) if desk else None
    if kind == "service":
        service = hall.services.get(target)
        return service_value(hall, service) if service else None
    if kind == "category":
        found = next((c for c in hall.categories if c.id == target), None)
        return category_value(hall, found) if found else None
    if kind == "bundle":
        bundle = hall.bundles.get(target)
        return bundle_value(bundle) if bundle else None
    if kind == "centre":
        return centre_value(hall)
    return None


# -- parsing values (already shaped by the API or an event) into the hall's objects --------------------
def parse_range(value: str, field: str) -> TimeRange:
    match = _RANGE.match(value)
    if not match:
        raise InvalidInput("bad_hours", field=field, value=value)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise InvalidInput("bad_hours", field=field, value=value) from None
    if end <= start:
        raise InvalidInput("bad_hours", field=field, value=value)
    return TimeRange(start, end)


def _text(value: dict[str, str] | None) -> Text | None:
    if value is None:
        return None
    uk = value["uk"].strip()
    return Text(uk, (value.get("en") or "").strip() or uk)


def _name(value: dict[str, str]) -> Text:
    text = _text(value)
    assert text is not None
    return text


def _location(value: dict[str, Any] | None) -> Location | None:
    """Map coordinates for the city's public page: null clears them; degrees out of range are refused."""
    if value is None:
        return None
    try:
        return Location(float(value["latitude"]), float(value["longitude"]))
    except (KeyError, TypeError, ValueError):
        raise InvalidInput("invalid_message", details="location: latitude -90..90 and longitude -180..180") from None


def _public_url(value: str) -> str:
    """The address links are made from: checked as the hall file's is (public_address.normalise)."""
    if not value:
        return ""
    try:
        return normalise(value)
    except AddressError:
        raise InvalidInput("bad_public_url", field="public_url", value=value) from None


def _date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("bad_date", field=field) from None


def _operator(value: Value) -> Operator:
    return Operator(value["login"], value["name"], value["role"], value["secret_hash"],
                    tuple(value.get("desks", ())), bool(value.get("disabled", False)))


def _desk(value: Value) -> Desk:
    return Desk(int(value["number"]), value.get("zone", "main"),
                tuple((s["service"], int(s["weight"])) for s in value["services"]), tuple(value.get("days", ())),
                bool(value.get("open_by_default", True)))


def _service(value: Value) -> Service:
    hours = value.get("hours")
    return Service(
        id=value["id"], category_id=value["category"], name=_name(value["name"]), prefix=value["prefix"],
        daily_limit=value.get("daily_limit"), registry_backed=bool(value.get("registry", False)),
        avg_service_minutes=float(value.get("avg_minutes", 10.0)), days=tuple(value.get("days", ())),
        hours=parse_range(hours, "hours") if hours else None, documents=_text(value.get("documents")),
        term=_text(value.get("term")), cost=_text(value.get("cost")), bookable=bool(value.get("bookable", True)))


def _settings(cls: type[Any], current: Any, values: dict[str, Any] | None) -> Any:
    """A settings dataclass: the current one with the given fields replaced (a partial update)."""
    return dataclasses.replace(current, **(values or {}))


def _centre(hall: Hall, value: Value) -> Hall:
    hours = {day: parse_range(r, f"hours.{day}") if r else None for day, r in value["hours"].items()}
    return dataclasses.replace(
        hall,
        name=_name(value["name"]), public_url=_public_url(value.get("public_url", "")),
        address=_text(value["address"]) if "address" in value else hall.address,
        location=_location(value["location"]) if "location" in value else hall.location,
        timezone=value.get("timezone", hall.timezone), feedback_url=value.get("feedback_url", hall.feedback_url),
        hours={day: hours.get(day) for day in WEEKDAYS},
        breaks=tuple(parse_range(b, "breaks") for b in value.get("breaks", ())),
        holidays=frozenset(_date(d, "holidays") for d in value.get("holidays", ())),
        shortened={_date(d, "shortened"): parse_range(r, f"shortened.{d}")
                   for d, r in value.get("shortened", {}).items()},
        policy=_settings(Policy, hall.policy, value.get("policy")),
        booking=_settings(BookingPolicy, hall.booking, value.get("booking")),
        board=_settings(BoardSettings, hall.board, value.get("board")),
        dispatch=_settings(DispatchPolicy, hall.dispatch, value.get("dispatch")),
        priority_categories={p["id"]: PriorityCategory(p["id"], _name(p["name"]), int(p.get("level", 1)),
                                                       p.get("daily_cap"))
                             for p in value.get("priority_categories", ())},
    )


def _moved(ids: Iterable[str], item: str, order: int | None) -> tuple[str, ...]:
    """`ids` with `item` at 1-based position `order` (None: where it is, or last when new)."""
    rest = [i for i in ids if i != item]
    if order is None:
        current = list(ids)
        position = current.index(item) if item in current else len(rest)
    else:
        position = max(0, min(order - 1, len(rest)))
    rest.insert(position, item)
    return tuple(rest)


# -- applying --------------------------------------------------------------------------------------------
def apply_item(hall: Hall, item: ConfigItem) -> Hall:
    """The hall with one item replaced, added or removed. Trusts the item (validate the result)."""
    kind, target, value = item.kind, item.target, item.value
    removed = item.action == "removed"
    if kind == "operator":
        operators = dict(hall.operators)
        if removed:
            operators.pop(target, None)
        else:
            assert value is not None
            operators[target] = _operator(value)
        return dataclasses.replace(hall, operators=operators)
    if kind == "desk":
        desks = dict(hall.desks)
        if removed:
            desks.pop(int(target), None)
        else:
            assert value is not None
            desks[int(target)] = _desk({**value, "number": int(target)})
        return dataclasses.replace(hall, desks=dict(sorted(desks.items())))
    if kind == "category":
        categories = list(hall.categories)
        if removed:
            return dataclasses.replace(hall, categories=tuple(c for c in categories if c.id != target))
        assert value is not None
        old = next((c for c in categories if c.id == target), None)
        category = Category(target, _name(value["name"]), old.service_ids if old else ())
        ids = _moved([c.id for c in categories], target, value.get("order"))
        by_id = {c.id: c for c in categories}
        by_id[target] = category
        return dataclasses.replace(hall, categories=tuple(by_id[i] for i in ids))
    if kind == "service":
        services = dict(hall.services)
        categories = [Category(c.id, c.name, tuple(s for s in c.service_ids if s != target))
                      for c in hall.categories]
        if removed:
            services.pop(target, None)
        else:
            assert value is not None
            service = _service({**value, "id": target})
            services[target] = service
            previous = hall.services.get(target)
            for i, c in enumerate(categories):
                if c.id == service.category_id:
                    before = next(h for h in hall.categories if h.id == c.id).service_ids
                    order = value.get("order")
                    if order is None and previous is not None and previous.category_id == c.id:
                        order = before.index(target) + 1
                    categories[i] = Category(c.id, c.name, _moved(c.service_ids, target, order))
        return dataclasses.replace(hall, services=services, categories=tuple(categories))
    if kind == "bundle":
        bundles = dict(hall.bundles)
        if removed:
            bundles.pop(target, None)
        else:
            assert value is not None
            bundles[target] = Bundle(target, _name(value["name"]), tuple(value["services"]))
        return dataclasses.replace(hall, bundles=bundles)
    if kind == "centre":
        assert value is not None
        return _centre(hall, value)
    return hall  # devices live in their own table; their events are for the audit only


# -- validating a hall as a whole -------------------------------------------------------------------------
def validate(before: Hall, after: Hall) -> None:
    """Refuse a hall the centre cannot run: each refusal a code with its parameters (messages.toml)."""
    for category in after.categories:
        if not category.service_ids:
            raise Refused("category_empty", category=category.id)
    shared_before = {prefix for prefix, _owner, _other in _shared_prefixes(before)}
    for prefix, owner, other in _shared_prefixes(after):
        if prefix not in shared_before:  # a hall file that already shares one is not refused every change
            # Name the category that had the prefix before this change, by its name, not the one being edited.
            had_it = other if prefix.upper() in _prefixes_of(before, other) else owner
            name = next(c.name for c in after.categories if c.id == had_it)
            raise Refused("prefix_taken", prefix=prefix, category={"uk": name.uk, "en": name.en})
    known_categories = {c.id for c in after.categories}
    for service in after.services.values():
        if service.category_id not in known_categories:
            raise NotFound("unknown_category", category=service.category_id)
        if not 1 <= len(service.prefix) <= 3 or not service.prefix.isalpha():
            raise InvalidInput("bad_prefix", prefix=service.prefix)
    for desk in after.desks.values():
        if not desk.weights:
            raise Refused("desk_serves_nothing", desk=desk.number)
        for sid, _weight in desk.weights:
            if sid not in after.services:
                raise NotFound("unknown_service", service=sid)
    for sid in after.services:
        if not any(d.weight_of(sid) is not None for d in after.desks.values()):
            raise Refused("service_unserved", service=sid)
    for bundle in after.bundles.values():
        for sid in bundle.service_ids:
            if sid not in after.services:
                raise Refused("service_in_use", service=sid, where=f"bundle:{bundle.id}")
        if len(bundle.service_ids) < 2:
            raise Refused("bundle_too_small", bundle=bundle.id)
    for op in after.operators.values():
        if op.role not in ROLES:
            raise InvalidInput("setting_out_of_range", field="role", min="operator", max="admin")
        for number in op.desks:
            if number not in after.desks:
                raise NotFound("unknown_desk", desk=number)
    _validate_centre(after)
    admins = [op.login for op in after.operators.values() if op.role == "admin" and not op.disabled]
    had = [op.login for op in before.operators.values() if op.role == "admin" and not op.disabled]
    if had and not admins:
        raise Refused("last_admin", login=had[0])


def _prefixes_of(hall: Hall, category_id: str) -> set[str]:
    """The ticket prefixes a category's services use (upper case)."""
    return {hall.services[sid].prefix.upper() for c in hall.categories if c.id == category_id
            for sid in c.service_ids if sid in hall.services}


def _shared_prefixes(hall: Hall) -> list[tuple[str, str, str]]:
    """(prefix, its first category, another category using it): two categories' tickets would share numbers."""
    owners: dict[str, str] = {}
    out = []
    for category in hall.categories:
        for sid in category.service_ids:
            service = hall.services.get(sid)
            if service is None:
                continue
            owner = owners.setdefault(service.prefix.upper(), category.id)
            if owner != category.id:
                out.append((service.prefix, owner, category.id))
    return out


def _validate_centre(hall: Hall) -> None:
    if not any(hall.hours.values()):
        raise Refused("bad_hours", field="hours", value="")
    for pause in hall.breaks:
        if not any(h is not None and h.start <= pause.start and pause.end <= h.end for h in hall.hours.values()):
            raise Refused("bad_hours", field="breaks", value=range_value(pause))
    for day, hours in hall.shortened.items():
        usual = hall.hours.get(WEEKDAYS[day.weekday()])
        if usual is None or hours.start < usual.start or hours.end > usual.end:
            raise Refused("bad_hours", field=f"shortened.{day.isoformat()}", value=range_value(hours))
    for p in hall.priority_categories.values():
        if not 1 <= p.level <= 9:
            raise InvalidInput("setting_out_of_range", field=f"priority_categories.{p.id}.level", min=1, max=9)
        if p.daily_cap is not None and p.daily_cap < 1:
            raise InvalidInput("setting_out_of_range", field=f"priority_categories.{p.id}.daily_cap", min=1,
                               max=10000)
    policy, booking = hall.policy, hall.booking
    if policy.postpone_min_minutes > policy.postpone_max_minutes:
        raise InvalidInput("setting_out_of_range", field="policy.postpone_min_minutes", min=0,
                           max=policy.postpone_max_minutes)
    if not 0 < booking.share <= 1:
        raise InvalidInput("setting_out_of_range", field="booking.share", min=0, max=1)
    if hall.board.english not in ENGLISH_CALLS:
        raise InvalidInput("setting_out_of_range", field="board.english", min="always", max="never")


# -- who a schedule change leaves outside the hours ----------------------------------------------------
def outside_hours(hall: Hall, booking: Booking) -> bool:
    """A booking the hall's hours (holidays, shortened days, breaks) no longer have room for."""
    start = booking.start
    hours = hall.hours_on(start.date())
    if hours is None or not hours.contains(start.time()):
        return True
    return any(b.contains(start.time()) for b in hall.breaks)


def affected_bookings(book: BookingBook, before: Hall, after: Hall, now: datetime) -> list[Booking]:
    """Live bookings from now on that the new hours leave outside (and the old ones did not)."""
    if (before.hours, before.breaks, before.holidays, before.shortened) == (
            after.hours, after.breaks, after.holidays, after.shortened):
        return []
    out = []
    for day in sorted(d for d in book.by_day if d >= now.date()):
        for booking in book.on_day(day):
            if (not booking.cancelled and booking.visit_id is None and booking.start >= now
                    and outside_hours(after, booking) and not outside_hours(before, booking)):
                out.append(booking)
    return out


# -- the difference between two halls, as items -------------------------------------------------------
def diff(old: Hall, new: Hall) -> list[ConfigItem]:
    """Items that turn `old` into `new`, in an order whose every step applies (validate the end only).

    Operators missing from `new` are disabled, not removed: the audit and the reports still name them.
    """
    items: list[ConfigItem] = []
    work = old

    def put(kind: str, target: str, value: Value | None, removed: bool = False) -> None:
        nonlocal work
        current = comparable(value_of(work, kind, target), kind)
        if removed:
            item = ConfigItem(kind, "removed", target, None)
        elif current == value:
            return
        else:
            item = ConfigItem(kind, "added" if current is None else "changed", target, value)
        items.append(item)
        work = apply_item(work, item)

    for category in new.categories:
        put("category", category.id, _without(category_value(new, category), "services"))
    for category in new.categories:
        for sid in category.service_ids:
            put("service", sid, service_value(new, new.services[sid]))
    for sid in old.services:
        if sid not in new.services:
            put("service", sid, None, removed=True)
    for category in old.categories:
        if all(c.id != category.id for c in new.categories):
            put("category", category.id, None, removed=True)
    for number, desk in new.desks.items():
        put("desk", str(number), desk_value(desk))
    for number in old.desks:
        if number not in new.desks:
            put("desk", str(number), None, removed=True)
    for bid, bundle in new.bundles.items():
        put("bundle", bid, bundle_value(bundle))
    for bid in old.bundles:
        if bid not in new.bundles:
            put("bundle", bid, None, removed=True)
    for login, op in new.operators.items():
        put("operator", login, operator_value(op))
    for login, op in old.operators.items():
        if login not in new.operators and not op.disabled:
            put("operator", login, {**operator_value(op), "disabled": True})
    put("centre", CENTRE, centre_value(new))
    return items


def _without(value: Value, key: str) -> Value:
    return {k: v for k, v in value.items() if k != key}


def comparable(value: Value | None, kind: str) -> Value | None:
    """A value as `value_of` gives it, for comparing with one sent by a client (read-only keys dropped)."""
    if value is None:
        return None
    if kind == "category":
        return _without(value, "services")
    return value
