"""The supervisor's REST: history reports and exports; the public feedback page's API; kiosk heartbeats."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Annotated, Any

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema

from ..domain import commands as cmd
from ..domain import events as ev
from ..domain.enums import FEEDBACK_REASON_IDS, FEEDBACK_REASONS
from ..domain.errors import InvalidInput, NotFound, Refused
from ..domain.state import HallState
from ..domain.visit import PeriodKind
from ..exports import to_csv, to_xlsx
from ..reports import build
from ..store import EventStore
from .auth import Role
from .errors import json_response
from .rest import _app, _json_body, _principal

MAX_RANGE_DAYS = 400


def _feedback_reason(value: str) -> str:
    if value not in FEEDBACK_REASON_IDS:  # the one list: domain/enums.py
        raise ValueError("not a feedback reason")
    return value


class FeedbackBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    good: bool
    reason: Annotated[str, AfterValidator(_feedback_reason),
                      WithJsonSchema({"type": "string", "enum": [r.id for r in FEEDBACK_REASONS]})] | None = None
    comment: Annotated[str, StringConstraints(max_length=500)] | None = None


class HeartbeatBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    printer_problem: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None


def _range(request: web.Request) -> tuple[str, str]:
    today = _app(request).service.now().date()
    try:
        first = date.fromisoformat(request.query.get("from", today.isoformat()))
        last = date.fromisoformat(request.query.get("to", first.isoformat()))
    except ValueError:
        raise InvalidInput("invalid_message", details="from, to: YYYY-MM-DD") from None
    if last < first or last - first > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput("invalid_message", details=f"a range of 0 to {MAX_RANGE_DAYS} days")
    return first.isoformat(), last.isoformat()


async def _report(request: web.Request) -> dict[str, Any]:
    await _principal(request, Role.SUPERVISOR, Role.ADMIN)
    first, last = _range(request)
    service = _app(request).service
    records = await service.store.read(lambda db: EventStore.events_of_days(db, first, last))
    report = build(service.hall, records, service.now())
    report["from"], report["to"] = first, last
    return report


async def report_json(request: web.Request) -> web.Response:
    report = await _report(request)
    report["rows"] = len(report["rows"])  # the rows themselves are in the exports
    return json_response(report)


async def export_csv(request: web.Request) -> web.Response:
    report = await _report(request)
    return web.Response(body=to_csv(report), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="cherha-{report["from"]}-{report["to"]}.csv"'})


async def export_xlsx(request: web.Request) -> web.Response:
    report = await _report(request)
    names = {sid: s.name.uk for sid, s in _app(request).service.hall.services.items()}
    return web.Response(
        body=to_xlsx(report, names),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="cherha-{report["from"]}-{report["to"]}.xlsx"'})


async def _visit_facts(request: web.Request) -> dict[str, Any]:
    """The visit behind a feedback token, any day: service, desk and operator of its last service."""
    service = _app(request).service
    token = request.match_info["token"]
    found = await service.store.read(lambda db: EventStore.visit_by_feedback_token(db, token))
    if found is None:
        raise NotFound("unknown_ticket", ticket="")
    visit_id, payloads = found
    state = HallState(service.hall)
    rated = False
    for payload in payloads:
        event = ev.from_dict(payload)
        if isinstance(event, ev.FeedbackGiven):
            rated = True
            continue
        state.apply(event)
    visit = state.visits[visit_id]
    served = [p for p in visit.periods if p.kind is PeriodKind.SERVICE]
    last = served[-1] if served else None
    return {"visit_id": visit_id, "ticket": visit.ticket, "service_id": last.service_id if last else visit.service_id,
            "desk": last.desk if last else None, "operator": last.operator if last else None,
            "finished": visit.state.is_final, "rated": rated or visit_id in service.published.feedback_given}


async def feedback_status(request: web.Request) -> web.Response:
    facts = await _visit_facts(request)
    return json_response({k: facts[k] for k in ("ticket", "service_id", "finished", "rated")})


async def give_feedback(request: web.Request) -> web.Response:
    body = FeedbackBody.model_validate(await _json_body(request))
    facts = await _visit_facts(request)
    if facts["rated"]:
        raise Refused("feedback_already_given")
    if not facts["finished"]:  # a rating belongs to a visit that has ended, not to a wait still going on
        raise Refused("feedback_not_yet")
    command = cmd.GiveFeedback(actor="visitor", visit_id=facts["visit_id"], service_id=facts["service_id"],
                               desk=facts["desk"], operator=facts["operator"], good=body.good, reason=body.reason,
                               comment=(body.comment or "").strip() or None)
    await _app(request).service.execute(command)
    return json_response({"thanks": True}, status=201)


async def heartbeat(request: web.Request) -> web.Response:
    """A kiosk says it is alive, and how its printer is: the dashboard raises an alert when either fails."""
    principal = await _principal(request, Role.KIOSK)
    body = HeartbeatBody.model_validate(await _json_body(request))
    _app(request).service.devices[principal.name] = (time.monotonic(), body.printer_problem)
    return json_response({})


ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/api/reports", report_json),
    ("GET", "/api/reports/export.csv", export_csv),
    ("GET", "/api/reports/export.xlsx", export_xlsx),
    ("GET", "/api/feedback/{token}", feedback_status),
    ("POST", "/api/feedback/{token}", give_feedback),
    ("POST", "/api/devices/heartbeat", heartbeat),
]
