"""The visitor's feedback page's REST: anyone holding a ticket's feedback token rates that visit, once.

The token (printed as the ticket's QR code) is the credential: 256 random bits, so there is nothing to
throttle, and a lookup runs on the store's read connection, never waiting behind a ticket being issued.
"""

from __future__ import annotations

from typing import Annotated, Any

from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, WithJsonSchema

from ..domain import commands as cmd
from ..domain import events as ev
from ..domain.enums import FEEDBACK_REASON_IDS, FEEDBACK_REASONS
from ..domain.errors import NotFound, Refused
from ..domain.state import HallState
from ..domain.visit import PeriodKind
from ..store import EventStore
from .errors import json_response
from .http import Call


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


async def _visit_facts(call: Call[Any]) -> dict[str, Any]:
    """The visit behind a feedback token, any day: service, desk and operator of its last service."""
    service = call.state.service
    token = call.request.match_info["token"]
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


async def feedback_status(call: Call[None]) -> web.Response:
    facts = await _visit_facts(call)
    return json_response({k: facts[k] for k in ("ticket", "service_id", "finished", "rated")})


async def give_feedback(call: Call[FeedbackBody]) -> web.Response:
    body = call.body
    facts = await _visit_facts(call)
    if facts["rated"]:
        raise Refused("feedback_already_given")
    if not facts["finished"]:  # a rating belongs to a visit that has ended, not to a wait still going on
        raise Refused("feedback_not_yet")
    command = cmd.GiveFeedback(actor="visitor", visit_id=facts["visit_id"], service_id=facts["service_id"],
                               desk=facts["desk"], operator=facts["operator"], good=body.good, reason=body.reason,
                               comment=(body.comment or "").strip() or None)
    await call.state.service.execute(command)
    return json_response({"thanks": True}, status=201)
