"""Every WebSocket message type: its schema, the roles that may send it, and the command it becomes.

This table is the single place the protocol is defined; docs/protocol.md documents each entry and a
test fails when a type here is missing from the document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..domain import commands as cmd
from ..domain.errors import Forbidden
from ..domain.hall import MAX_HEAD_START_MINUTES
from .auth import Principal, Role

CommandId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{8,64}$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
Ticket = Annotated[str, StringConstraints(min_length=1, max_length=16)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200)]
DeskNumber = Annotated[int, Field(ge=1, le=10_000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Message(Strict):
    id: int = Field(ge=1, le=2**53)
    type: str


class CommandMessage(Message):
    command_id: CommandId


# -- session and subscription --------------------------------------------------------------------
class Ping(Message):
    type: Literal["ping"]


class GetState(Message):
    type: Literal["get_state"]


class SubscribeEvents(Message):
    type: Literal["subscribe_events"]
    since: int | None = Field(default=None, ge=0)


class WatchVisit(Message):
    type: Literal["watch_visit"]


class GetDashboard(Message):
    type: Literal["get_dashboard"]


class SetClock(Message):
    type: Literal["set_clock"]
    at: Annotated[str, StringConstraints(min_length=10, max_length=40)]


class UnsubscribeEvents(Message):
    type: Literal["unsubscribe_events"]
    subscription: int = Field(ge=1)


# -- kiosk ---------------------------------------------------------------------------------------
class TicketRequest(Strict):
    """Shared by the WebSocket `issue_ticket` and REST `POST /api/tickets`."""

    service_id: Ident | None = None
    bundle_id: Ident | None = None
    priority_category: Ident | None = None
    lang: Literal["uk", "en"] = "uk"


class IssueTicket(CommandMessage, TicketRequest):
    type: Literal["issue_ticket"]


# -- desk ----------------------------------------------------------------------------------------
class DeskOpen(CommandMessage):
    type: Literal["desk_open"]


class DeskPause(CommandMessage):
    type: Literal["desk_pause"]
    reason: Reason = "break"


class DeskResume(CommandMessage):
    type: Literal["desk_resume"]


class DeskClose(CommandMessage):
    type: Literal["desk_close"]


class CallNext(CommandMessage):
    type: Literal["call_next"]


class CallTicket(CommandMessage):
    type: Literal["call_ticket"]
    ticket: Ticket


class Recall(CommandMessage):
    type: Literal["recall"]


class StartService(CommandMessage):
    type: Literal["start_service"]


class Finish(CommandMessage):
    type: Literal["finish"]
    result: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] = "served"


class NoShow(CommandMessage):
    type: Literal["no_show"]


class Transfer(CommandMessage):
    type: Literal["transfer"]
    to_service: Ident | None = None
    to_desk: DeskNumber | None = None
    back_to_me: bool = False


class Postpone(CommandMessage):
    type: Literal["postpone"]
    minutes: int = Field(ge=1, le=240)


class AddService(CommandMessage):
    type: Literal["add_service"]
    service_id: Ident


# -- supervisor ------------------------------------------------------------------------------------
class CancelVisit(CommandMessage):
    type: Literal["cancel_visit"]
    ticket: Ticket
    reason: Reason = "cancelled"


class ChangePriority(CommandMessage):
    type: Literal["change_priority"]
    ticket: Ticket
    priority: int = Field(ge=0, le=9)


class SetDeskServices(CommandMessage):
    type: Literal["set_desk_services"]
    desk: DeskNumber
    weights: dict[Ident, Annotated[int, Field(ge=0, le=100)]] = Field(min_length=1, max_length=500)


HeadStart = Annotated[float, Field(ge=0, le=MAX_HEAD_START_MINUTES)]


class SetDispatchPolicy(CommandMessage):
    type: Literal["set_dispatch_policy"]
    level_head_start_minutes: HeadStart
    priority_head_start_minutes: HeadStart
    booked_head_start_minutes: HeadStart
    cap_minutes: HeadStart
    strict_tiers: bool = False


class HallPause(CommandMessage):
    type: Literal["hall_pause"]
    reason: Reason = "air_raid"


class HallResume(CommandMessage):
    type: Literal["hall_resume"]


class ServiceClose(CommandMessage):
    type: Literal["service_close"]
    service_id: Ident
    reason: Reason = "closed"


class ServiceReopen(CommandMessage):
    type: Literal["service_reopen"]
    service_id: Ident


class SetAnnouncement(CommandMessage):
    type: Literal["set_announcement"]
    text_uk: Annotated[str, StringConstraints(max_length=300)] = ""
    text_en: Annotated[str, StringConstraints(max_length=300)] = ""


class SendMessage(CommandMessage):
    type: Literal["send_message"]
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    desk: DeskNumber | None = None


class DocumentReadyMessage(CommandMessage):
    type: Literal["document_ready"]
    code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{8}$")]


class EndDay(CommandMessage):
    type: Literal["end_day"]


# -- the table -----------------------------------------------------------------------------------
ALL = frozenset(Role)
STAFF_AND_DEVICES = frozenset(Role) - {Role.VISITOR}
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
DESK_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})


@dataclass(frozen=True)
class MessageSpec:
    model: type[Message]
    roles: frozenset[Role]
    summary: str
    build: Callable[[Any, Principal], cmd.Command] | None = None  # None: handled by the connection


def _desk(principal: Principal) -> int:
    if principal.desk is None:
        raise Forbidden("desk_required")
    return principal.desk


def _at_desk(factory: Callable[..., cmd.Command], **fields: str) -> Callable[[Any, Principal], cmd.Command]:
    """A builder for a desk command: the desk comes from the session, never from the message."""

    def build(message: Any, principal: Principal) -> cmd.Command:
        extra = {name: getattr(message, attr) for name, attr in fields.items()}
        return factory(actor=principal.name, desk=_desk(principal), **extra)

    return build


SPECS: dict[str, MessageSpec] = {
    "ping": MessageSpec(Ping, ALL, "Keep-alive; answered with pong."),
    "get_state": MessageSpec(GetState, STAFF_AND_DEVICES, "The hall snapshot now."),
    "subscribe_events": MessageSpec(SubscribeEvents, STAFF_AND_DEVICES,
                                    "Snapshot or replay from `since`, then live events."),
    "unsubscribe_events": MessageSpec(UnsubscribeEvents, ALL, "Cancel a subscription by its id."),
    "get_dashboard": MessageSpec(GetDashboard, SUPERVISORS,
                                 "Live desks, queues, the day's SLA share and alerts."),
    "set_clock": MessageSpec(SetClock, frozenset({Role.ADMIN}),
                             "Simulation only (server started with --manual-clock): move the hall's clock on."),
    "watch_visit": MessageSpec(WatchVisit, frozenset({Role.VISITOR}),
                               "A visitor's own visit: its status now and at every change."),
    "issue_ticket": MessageSpec(
        IssueTicket, frozenset({Role.KIOSK, Role.ADMIN}), "Issue a ticket for a service or a bundle.",
        lambda m, p: cmd.IssueTicket(actor=p.name, service_id=m.service_id, bundle_id=m.bundle_id,
                                     priority_category=m.priority_category, lang=m.lang),
    ),
    "desk_open": MessageSpec(DeskOpen, DESK_ROLES, "Open the session's desk.", _at_desk(cmd.OpenDesk)),
    "desk_pause": MessageSpec(DeskPause, DESK_ROLES, "Pause the desk with a reason.",
                              _at_desk(cmd.PauseDesk, reason="reason")),
    "desk_resume": MessageSpec(DeskResume, DESK_ROLES, "End the desk's pause.", _at_desk(cmd.ResumeDesk)),
    "desk_close": MessageSpec(DeskClose, DESK_ROLES, "Close the desk.", _at_desk(cmd.CloseDesk)),
    "call_next": MessageSpec(CallNext, DESK_ROLES, "Call the next visitor by the dispatch rules.",
                             _at_desk(cmd.CallNext)),
    "call_ticket": MessageSpec(CallTicket, DESK_ROLES, "Call a specific waiting or postponed ticket.",
                               _at_desk(cmd.CallTicket, ticket="ticket")),
    "recall": MessageSpec(Recall, DESK_ROLES, "Call the current visitor again (no-show past the limit).",
                          _at_desk(cmd.Recall)),
    "start_service": MessageSpec(StartService, DESK_ROLES, "The called visitor has come: start serving.",
                                 _at_desk(cmd.StartService)),
    "finish": MessageSpec(Finish, DESK_ROLES, "Finish the current service with a result.",
                          _at_desk(cmd.Finish, result="result")),
    "no_show": MessageSpec(NoShow, DESK_ROLES, "The called visitor did not come.", _at_desk(cmd.NoShow)),
    "transfer": MessageSpec(Transfer, DESK_ROLES, "Send the visitor to another service or desk.",
                            _at_desk(cmd.Transfer, to_service="to_service", to_desk="to_desk",
                                     back_to_me="back_to_me")),
    "postpone": MessageSpec(Postpone, DESK_ROLES, "Put the visitor in the postpone pool for some minutes.",
                            _at_desk(cmd.Postpone, minutes="minutes")),
    "add_service": MessageSpec(AddService, DESK_ROLES, "Add a further service to the current visit.",
                               _at_desk(cmd.AddService, service_id="service_id")),
    "cancel_visit": MessageSpec(
        CancelVisit, SUPERVISORS, "Cancel a live visit.",
        lambda m, p: cmd.CancelVisit(actor=p.name, ticket=m.ticket, reason=m.reason),
    ),
    "change_priority": MessageSpec(
        ChangePriority, SUPERVISORS, "Change a waiting visit's priority.",
        lambda m, p: cmd.ChangePriority(actor=p.name, ticket=m.ticket, priority=m.priority),
    ),
    "set_desk_services": MessageSpec(
        SetDeskServices, SUPERVISORS, "Replace a desk's services and weights.",
        lambda m, p: cmd.SetDeskServices(actor=p.name, desk=m.desk, weights=tuple(m.weights.items())),
    ),
    "set_dispatch_policy": MessageSpec(
        SetDispatchPolicy, SUPERVISORS, "Change the dispatch head starts and cap for the rest of the day.",
        lambda m, p: cmd.SetDispatchPolicy(
            actor=p.name, level_head_start_minutes=m.level_head_start_minutes,
            priority_head_start_minutes=m.priority_head_start_minutes,
            booked_head_start_minutes=m.booked_head_start_minutes, cap_minutes=m.cap_minutes,
            strict_tiers=m.strict_tiers),
    ),
    "hall_pause": MessageSpec(HallPause, SUPERVISORS, "Pause the whole hall (air-raid alert).",
                              lambda m, p: cmd.PauseHall(actor=p.name, reason=m.reason)),
    "hall_resume": MessageSpec(HallResume, SUPERVISORS, "Resume the hall after the all-clear.",
                               lambda m, p: cmd.ResumeHall(actor=p.name)),
    "service_close": MessageSpec(
        ServiceClose, SUPERVISORS, "Close a service for the rest of the day.",
        lambda m, p: cmd.CloseService(actor=p.name, service_id=m.service_id, reason=m.reason),
    ),
    "service_reopen": MessageSpec(ServiceReopen, SUPERVISORS, "Reopen a closed service.",
                                  lambda m, p: cmd.ReopenService(actor=p.name, service_id=m.service_id)),
    "set_announcement": MessageSpec(
        SetAnnouncement, SUPERVISORS, "Set (or clear, with empty texts) the board's running line.",
        lambda m, p: cmd.SetAnnouncement(actor=p.name, text_uk=m.text_uk, text_en=m.text_en),
    ),
    "send_message": MessageSpec(
        SendMessage, SUPERVISORS, "Send a message to one desk, or to every desk without `desk`.",
        lambda m, p: cmd.SendMessage(actor=p.name, text=m.text, desk=m.desk),
    ),
    "document_ready": MessageSpec(
        DocumentReadyMessage, DESK_ROLES, "The result of a booked service is ready (SMS if consented).",
        lambda m, p: cmd.MarkDocumentReady(actor=p.name, code=m.code.upper()),
    ),
    "end_day": MessageSpec(EndDay, SUPERVISORS, "End the business day: waiting visits are closed, one at a desk stays.",
                           lambda m, p: cmd.EndDay(actor=p.name)),
}

# Messages the server sends (documented in docs/protocol.md as well).
SERVER_TYPES = ("auth_required", "auth_ok", "auth_invalid", "result", "event", "visit_status", "pong")
