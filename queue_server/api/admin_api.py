"""The administrator's REST: people, desks, services, the centre, the audit, the whole configuration.

Every change becomes one `Configure` command (domain/decide_config.py): the domain checks the hall it leads to
and answers with `hall_configured` events, applied live and kept over a restart. This module only shapes the
requests into items and the answers for the pages (the contract: docs/admin-api.md).
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..audit import AUDIT_KINDS, DEFAULT_PAGE, MAX_PAGE, audit_entries
from ..config import ConfigError, check_hall_text
from ..config_export import hall_to_toml
from ..domain import commands as cmd
from ..domain.errors import InvalidInput, NotFound, Refused
from ..domain.hall import Hall
from ..domain.hall_config import (
    CENTRE,
    ConfigItem,
    Value,
    affected_bookings,
    bundle_value,
    category_value,
    centre_value,
    desk_value,
    diff,
    operator_value,
    parse_range,
    service_value,
    value_of,
)
from ..passwords import hash_secret
from ..store import EventStore
from .errors import json_response
from .http import Call
from .rest import CLOSE_LOGGED_OUT

Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Range = Annotated[str, StringConstraints(pattern=r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$")]
DateText = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Role = Literal["operator", "supervisor", "admin"]
DeskNumber = Annotated[int, Field(ge=1, le=999)]
Weight = Annotated[int, Field(ge=0, le=100)]
PIN_DIGITS = 6  # a generated PIN: a million guesses, behind the login throttle (docs/security.md)
MAX_AFFECTED = 500


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class TextBody(Model):
    uk: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    en: Annotated[str, StringConstraints(max_length=2000)] = ""


class NewOperatorBody(Model):
    login: Ident
    name: Name
    role: Role = "operator"
    desks: list[DeskNumber] = Field(default_factory=list, max_length=999)


class OperatorPatchBody(Model):
    name: Name | None = None
    role: Role | None = None
    desks: list[DeskNumber] | None = Field(default=None, max_length=999)
    disabled: bool | None = None


class NoBody(Model):
    """A POST that takes nothing (a PIN reset): an empty object, or no body at all."""


class ImportBody(Model):
    toml: Annotated[str, StringConstraints(min_length=1, max_length=60_000)]
    dry_run: bool = False  # only list the changes
    confirm_affected: bool = False  # apply even if booked visitors are left outside the new hours


class DeskService(Model):
    service: Ident
    weight: Weight


class DeskBody(Model):
    zone: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "main"
    open_by_default: bool = True
    days: list[Weekday] = Field(default_factory=list, max_length=7)
    services: list[DeskService] = Field(max_length=500)


class CopyBody(Model):
    to: list[DeskNumber] = Field(min_length=1, max_length=999)


class ServiceBody(Model):
    category: Ident
    prefix: Annotated[str, StringConstraints(min_length=1, max_length=3)]
    name: TextBody
    avg_minutes: Annotated[float, Field(gt=0, le=480)] = 10.0
    daily_limit: Annotated[int, Field(ge=1, le=100000)] | None = None
    bookable: bool = True
    registry: bool = False
    documents: TextBody | None = None
    term: TextBody | None = None
    cost: TextBody | None = None
    days: list[Weekday] = Field(default_factory=list, max_length=7)
    hours: Range | None = None
    order: Annotated[int, Field(ge=1, le=10000)] | None = None
    # Desks that serve it, desk number -> weight: a new service must be on a desk (service_unserved).
    desks: dict[Annotated[str, StringConstraints(pattern=r"^\d{1,3}$")], Weight] = Field(default_factory=dict,
                                                                                        max_length=999)


class FirstServiceBody(ServiceBody):
    id: Ident


class CategoryBody(Model):
    name: TextBody
    order: Annotated[int, Field(ge=1, le=10000)] | None = None
    first_service: FirstServiceBody | None = None


class BundleBody(Model):
    name: TextBody
    services: list[Ident] = Field(max_length=20)


class PriorityBody(Model):
    id: Ident
    name: TextBody
    level: Annotated[int, Field(ge=1, le=9)] = 1
    daily_cap: Annotated[int, Field(ge=1, le=10000)] | None = None


class PolicyBody(Model):
    recall_limit: Annotated[int, Field(ge=0, le=20)] | None = None
    postpone_min_minutes: Annotated[int, Field(ge=0, le=240)] | None = None
    postpone_max_minutes: Annotated[int, Field(ge=0, le=240)] | None = None
    postpone_return_priority: Annotated[int, Field(ge=0, le=9)] | None = None
    sla_walk_in_minutes: Annotated[int, Field(ge=1, le=480)] | None = None
    sla_booked_minutes: Annotated[int, Field(ge=1, le=480)] | None = None
    min_pin_length: Annotated[int, Field(ge=4, le=64)] | None = None


class BookingRulesBody(Model):
    slot_minutes: Annotated[int, Field(ge=5, le=240)] | None = None
    share: Annotated[float, Field(gt=0, le=1)] | None = None
    days_ahead: Annotated[int, Field(ge=0, le=365)] | None = None
    per_person_month: Annotated[int, Field(ge=0, le=100)] | None = None
    checkin_before_minutes: Annotated[int, Field(ge=0, le=480)] | None = None
    checkin_after_minutes: Annotated[int, Field(ge=0, le=480)] | None = None
    phone_retention_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    sms_near_count: Annotated[int, Field(ge=0, le=50)] | None = None
    sms_reminder_hours: Annotated[int, Field(ge=0, le=72)] | None = None


class BoardBody(Model):
    volume: Annotated[float, Field(ge=0, le=1)] | None = None
    repeat: Annotated[int, Field(ge=1, le=3)] | None = None
    english: Literal["always", "recall", "never"] | None = None
    recent_calls: Annotated[int, Field(ge=1, le=20)] | None = None
    highlight_seconds: Annotated[int, Field(ge=0, le=600)] | None = None
    screen_inches: Annotated[float, Field(ge=10, le=150)] | None = None
    viewing_metres: Annotated[float, Field(ge=1, le=50)] | None = None


class DispatchBody(Model):
    level_head_start_minutes: Annotated[float, Field(ge=0, le=240)] | None = None
    priority_head_start_minutes: Annotated[float, Field(ge=0, le=240)] | None = None
    booked_head_start_minutes: Annotated[float, Field(ge=0, le=240)] | None = None
    cap_minutes: Annotated[float, Field(ge=0, le=240)] | None = None
    strict_tiers: bool | None = None


class CentreBody(Model):
    name: TextBody | None = None
    public_url: Annotated[str, StringConstraints(pattern=r"^(https?://[^\s/]+[^\s]*)?$", max_length=300)] | None = None
    hours: dict[Weekday, Range | None] | None = None
    breaks: list[Range] | None = Field(default=None, max_length=10)
    holidays: list[DateText] | None = Field(default=None, max_length=400)
    shortened: dict[DateText, Range] | None = Field(default=None, max_length=400)
    policy: PolicyBody | None = None
    booking: BookingRulesBody | None = None
    board: BoardBody | None = None
    dispatch: DispatchBody | None = None
    priority_categories: list[PriorityBody] | None = Field(default=None, max_length=50)
    confirm_affected: bool = False


# -- helpers ------------------------------------------------------------------------------------------------
def _hall(call: Call[Any]) -> Hall:
    return call.state.service.state.hall


def _text(body: TextBody | None) -> dict[str, str] | None:
    return None if body is None else {"uk": body.uk.strip(), "en": body.en.strip() or body.uk.strip()}


def _shown_operator(value: Value) -> Value:
    return {k: v for k, v in value.items() if k != "secret_hash"}


def _ident(call: Call[Any], key: str, code: str) -> str:
    value = call.request.match_info[key]
    hall = _hall(call)
    if value_of(hall, code, value) is None:
        raise NotFound(f"unknown_{code}", **{code: value})
    return value


async def _configure(call: Call[Any], items: list[ConfigItem], confirm: bool = False) -> dict[str, Any]:
    """Run the items as one change; the answer's `changes` are its audit entries, `cancelled` the bookings."""
    service = call.state.service
    before = {b.booking_id for b in service.state.bookings.by_id.values() if b.cancelled}
    response = await service.execute(cmd.Configure(actor=call.principal.name, items=tuple(items),
                                                   confirm_affected=confirm))
    cancelled = [b for b in service.state.bookings.by_id.values() if b.cancelled and b.booking_id not in before]
    return {"seq": response["seq"], "changes": response.get("changes", []),
            "cancelled": [_booking(b) for b in cancelled]}


def _booking(b: Any) -> dict[str, Any]:
    return {"code": b.code, "service": b.service_id, "start": b.start.isoformat(), "channel": b.channel}


async def _end_sessions(call: Call[Any], login: str) -> None:
    """An operator disabled, given a new PIN, role or desks: their sessions end, their sockets close (4003)."""
    app = call.state
    for digest in await app.auth.end_sessions(login):
        for ws in list(app.session_sockets.pop(digest, ())):
            await ws.close(code=CLOSE_LOGGED_OUT, message=b"logged out")


def _new_pin(hall: Hall) -> str:
    digits = max(PIN_DIGITS, hall.policy.min_pin_length)
    return "".join(secrets.choice("0123456789") for _ in range(digits))


# -- operators ----------------------------------------------------------------------------------------------
async def list_operators(call: Call[None]) -> web.Response:
    hall = _hall(call)
    return json_response({"operators": [_shown_operator(operator_value(op))
                                        for op in sorted(hall.operators.values(), key=lambda o: o.login)]})


async def add_operator(call: Call[NewOperatorBody]) -> web.Response:
    body, hall = call.body, _hall(call)
    if body.login in hall.operators:
        raise Refused("login_taken", login=body.login)
    pin = _new_pin(hall)
    digest = await asyncio.to_thread(hash_secret, pin)
    value = {"login": body.login, "name": body.name.strip(), "role": body.role, "desks": sorted(set(body.desks)),
             "disabled": False, "secret_hash": digest}
    answer = await _configure(call, [ConfigItem("operator", "added", body.login, value)])
    return json_response({"operator": _shown_operator(value), "pin": pin, **answer}, status=201)


async def change_operator(call: Call[OperatorPatchBody]) -> web.Response:
    login = _ident(call, "login", "operator")
    current = value_of(_hall(call), "operator", login)
    assert current is not None
    changes = call.body.model_dump(exclude_none=True)
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if "desks" in changes:
        changes["desks"] = sorted(set(changes["desks"]))
    value = {**current, **changes}
    answer = await _configure(call, [ConfigItem("operator", "changed", login, value)])
    if answer["changes"] and any(current[k] != value[k] for k in ("role", "desks", "disabled")):
        await _end_sessions(call, login)
    return json_response({"operator": _shown_operator(value), **answer})


async def reset_pin(call: Call[NoBody]) -> web.Response:
    login = _ident(call, "login", "operator")
    hall = _hall(call)
    current = value_of(hall, "operator", login)
    assert current is not None
    pin = _new_pin(hall)
    value = {**current, "secret_hash": await asyncio.to_thread(hash_secret, pin)}
    answer = await _configure(call, [ConfigItem("operator", "pin_reset", login, value)])
    await _end_sessions(call, login)
    return json_response({"operator": _shown_operator(value), "pin": pin, **answer})


# -- desks --------------------------------------------------------------------------------------------------
def _desk_number(call: Call[Any]) -> int:
    text = call.request.match_info["number"]
    if not text.isdigit() or not 1 <= int(text) <= 999:
        raise NotFound("unknown_desk", desk=text)
    return int(text)


async def list_desks(call: Call[None]) -> web.Response:
    return json_response({"desks": [desk_value(d) for d in _hall(call).desks.values()]})


async def put_desk(call: Call[DeskBody]) -> web.Response:
    number = _desk_number(call)
    value = {"number": number, **call.body.model_dump()}
    action = "changed" if number in _hall(call).desks else "added"
    answer = await _configure(call, [ConfigItem("desk", action, str(number), value)])
    return json_response({"desk": desk_value(_hall(call).desks[number]), **answer})


async def delete_desk(call: Call[None]) -> web.Response:
    number = _desk_number(call)
    if number not in _hall(call).desks:
        raise NotFound("unknown_desk", desk=number)
    return json_response(await _configure(call, [ConfigItem("desk", "removed", str(number))]))


async def copy_desk(call: Call[CopyBody]) -> web.Response:
    number = _desk_number(call)
    hall = _hall(call)
    source = hall.desks.get(number)
    if source is None:
        raise NotFound("unknown_desk", desk=number)
    items = []
    for target in dict.fromkeys(call.body.to):
        desk = hall.desks.get(target)
        if desk is None:
            raise NotFound("unknown_desk", desk=target)
        if target != number:
            items.append(ConfigItem("desk", "changed", str(target),
                                    {**desk_value(desk), "services": desk_value(source)["services"]}))
    answer = await _configure(call, items)
    hall = _hall(call)
    return json_response({"desks": [desk_value(hall.desks[n]) for n in dict.fromkeys(call.body.to)], **answer})


# -- services, categories, bundles ---------------------------------------------------------------------------
async def list_services(call: Call[None]) -> web.Response:
    hall = _hall(call)
    return json_response({
        "categories": [category_value(hall, c) for c in hall.categories],
        "services": [service_value(hall, hall.services[sid]) for c in hall.categories for sid in c.service_ids],
        "bundles": [bundle_value(b) for b in hall.bundles.values()],
    })


def _service_items(hall: Hall, sid: str, body: ServiceBody) -> list[ConfigItem]:
    """The service, and each desk named in `desks` serving it at that weight."""
    value: Value = {"id": sid, "category": body.category, "prefix": body.prefix, "name": _text(body.name),
                    "avg_minutes": body.avg_minutes, "daily_limit": body.daily_limit, "bookable": body.bookable,
                    "registry": body.registry, "documents": _text(body.documents), "term": _text(body.term),
                    "cost": _text(body.cost), "days": list(body.days), "hours": body.hours, "order": body.order}
    if body.hours is not None:
        parse_range(body.hours, "hours")
    if not body.prefix.isalpha():
        raise InvalidInput("bad_prefix", prefix=body.prefix)
    current = value_of(hall, "service", sid)
    if value["order"] is None and current is not None and current["category"] == body.category:
        value["order"] = current["order"]
    items = [ConfigItem("service", "changed" if current else "added", sid, value)]
    for number_text, weight in body.desks.items():
        desk = hall.desks.get(int(number_text))
        if desk is None:
            raise NotFound("unknown_desk", desk=int(number_text))
        weights = dict(desk.weights)
        weights[sid] = weight
        items.append(ConfigItem("desk", "changed", number_text, {
            **desk_value(desk), "services": [{"service": s, "weight": w} for s, w in weights.items()]}))
    return items


async def put_service(call: Call[ServiceBody]) -> web.Response:
    sid = call.request.match_info["id"]
    _check_ident(sid, "service")
    answer = await _configure(call, _service_items(_hall(call), sid, call.body))
    hall = _hall(call)
    return json_response({"service": service_value(hall, hall.services[sid]), **answer})


async def delete_service(call: Call[None]) -> web.Response:
    sid = _ident(call, "id", "service")
    return json_response(await _configure(call, [ConfigItem("service", "removed", sid)]))


async def put_category(call: Call[CategoryBody]) -> web.Response:
    cid = call.request.match_info["id"]
    _check_ident(cid, "category")
    hall, body = _hall(call), call.body
    current = value_of(hall, "category", cid)
    order = body.order if body.order is not None else (current["order"] if current else None)
    items = [ConfigItem("category", "changed" if current else "added", cid,
                        {"id": cid, "name": _text(body.name), "order": order})]
    if body.first_service is not None:
        first = body.first_service
        service = ServiceBody(**{**first.model_dump(exclude={"id"}), "category": cid})
        items.extend(_service_items(hall, first.id, service))
    elif current is None:
        raise InvalidInput("first_service_required", category=cid)
    answer = await _configure(call, items)
    hall = _hall(call)
    return json_response({"category": value_of(hall, "category", cid), **answer})


async def delete_category(call: Call[None]) -> web.Response:
    cid = _ident(call, "id", "category")
    return json_response(await _configure(call, [ConfigItem("category", "removed", cid)]))


async def put_bundle(call: Call[BundleBody]) -> web.Response:
    bid = call.request.match_info["id"]
    _check_ident(bid, "bundle")
    for sid in call.body.services:
        if sid not in _hall(call).services:
            raise NotFound("unknown_service", service=sid)
    value = {"id": bid, "name": _text(call.body.name), "services": list(call.body.services)}
    action = "changed" if bid in _hall(call).bundles else "added"
    answer = await _configure(call, [ConfigItem("bundle", action, bid, value)])
    return json_response({"bundle": value, **answer})


async def delete_bundle(call: Call[None]) -> web.Response:
    bid = _ident(call, "id", "bundle")
    return json_response(await _configure(call, [ConfigItem("bundle", "removed", bid)]))


def _check_ident(value: str, kind: str) -> None:
    import re

    if not re.match(r"^[a-z0-9][a-z0-9_\-]{0,63}$", value):
        raise InvalidInput("invalid_message", field=kind, expected="form",
                           details={"uk": f"ідентифікатор «{value}»: лише латинські малі літери, цифри, - та _",
                                    "en": f"id \"{value}\": only Latin lower-case letters, digits, - and _"})


# -- the centre ---------------------------------------------------------------------------------------------
async def get_centre(call: Call[None]) -> web.Response:
    return json_response(centre_value(_hall(call)))


async def change_centre(call: Call[CentreBody]) -> web.Response:
    current = centre_value(_hall(call))
    body = call.body.model_dump(exclude_none=True, exclude={"confirm_affected"})
    value = dict(current)
    for key, new in body.items():
        if key in ("policy", "booking", "board", "dispatch"):
            value[key] = {**current[key], **new}
        elif key == "hours":
            value[key] = {**current["hours"], **call.body.hours} if call.body.hours is not None else current[key]
        elif key == "name":
            value[key] = _text(call.body.name)
        elif key == "priority_categories":
            value[key] = [{**p, "name": _text(TextBody(**p["name"]))} for p in new]
        else:
            value[key] = new
    answer = await _configure(call, [ConfigItem("centre", "changed", CENTRE, value)], call.body.confirm_affected)
    return json_response({"centre": centre_value(_hall(call)), **answer})


async def affected(call: Call[None]) -> web.Response:
    """The bookings a holiday (or shorter hours) on a date would leave outside: staff warn those visitors."""
    query = call.request.query
    try:
        day = date.fromisoformat(query.get("date", ""))
    except ValueError:
        raise InvalidInput("bad_date", field="date") from None
    service = call.state.service
    hall = _hall(call)
    value = centre_value(hall)
    if query.get("hours"):
        parse_range(query["hours"], "hours")
        value["shortened"] = {**value["shortened"], day.isoformat(): query["hours"]}
    else:
        value["holidays"] = sorted({*value["holidays"], day.isoformat()})
    from ..domain.hall_config import apply_item

    planned = apply_item(hall, ConfigItem("centre", "changed", CENTRE, value))
    found = [b for b in affected_bookings(service.state.bookings, hall, planned, service.now())
             if b.start.date() == day]
    return json_response({"date": day.isoformat(), "count": len(found),
                          "bookings": [_booking(b) for b in found[:MAX_AFFECTED]]})


# -- the audit ----------------------------------------------------------------------------------------------
async def audit(call: Call[None]) -> web.Response:
    query = call.request.query
    try:
        limit = int(query.get("limit", DEFAULT_PAGE))
        before = int(query.get("before", 2**62))
        first = date.fromisoformat(query["from"]).isoformat() if query.get("from") else None
        last = date.fromisoformat(query["to"]).isoformat() if query.get("to") else None
    except ValueError:
        raise InvalidInput("invalid_message", field="query", expected="form",
                           details={"uk": "limit і before — цілі числа, from і to — дати РРРР-ММ-ДД",
                                    "en": "limit and before are whole numbers, from and to dates YYYY-MM-DD"}) from None
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("setting_out_of_range", field="limit", min=1, max=MAX_PAGE)
    kind = query.get("kind") or None
    if kind is not None and kind not in AUDIT_KINDS:
        raise InvalidInput("setting_out_of_range", field="kind", min=AUDIT_KINDS[0], max=AUDIT_KINDS[-1])
    login = (query.get("login") or None)
    if login is not None and len(login) > 64:
        raise InvalidInput("setting_out_of_range", field="login", min=1, max=64)
    records = await call.state.service.store.read(
        lambda db: EventStore.audit(db, before, limit + 1, login, kind, first, last))
    entries = audit_entries(records[:limit])
    more = len(records) > limit
    return json_response({"entries": entries, "next_before": entries[-1]["seq"] if more and entries else None})


# -- the whole configuration --------------------------------------------------------------------------------
async def export_config(call: Call[None]) -> web.Response:
    return web.Response(text=hall_to_toml(_hall(call)), content_type="text/plain", charset="utf-8")


async def import_config(call: Call[ImportBody]) -> web.Response:
    try:
        new, _warnings = check_hall_text(call.body.toml, Path("import.toml"))
    except ConfigError as exc:
        raise InvalidInput("config_invalid", error=str(exc)) from None
    hall = _hall(call)
    items = diff(hall, new)
    if call.body.dry_run:
        return json_response({"seq": call.state.service.seq, "dry_run": True,
                              "changes": [{"kind": i.kind, "action": i.action, "target": i.target} for i in items]})
    if items:
        items.insert(0, ConfigItem("import", "imported", new.id, {"items": len(items)}))
    before = {login: value_of(hall, "operator", login) for login in hall.operators}
    answer = await _configure(call, items, confirm=call.body.confirm_affected)
    after = _hall(call)
    for login, value in before.items():
        now = value_of(after, "operator", login)
        if value is not None and now is not None and any(
                value[k] != now[k] for k in ("role", "desks", "disabled", "secret_hash")):
            await _end_sessions(call, login)
    return json_response(answer)
