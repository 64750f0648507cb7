"""Every WebSocket message, declared once: its type, schema, the roles that may send it, whether it acts on
the session's desk, and what it becomes — a domain command (its fields passed by name) or a handler of the
connection (websocket.py `on_<handler>`). Limits come from the domain's constants.

docs/protocol.md documents each entry; a test fails when a type here is missing from the document.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ..domain import commands as cmd
from ..domain.decide import MAX_PRIORITY, MAX_WEIGHT
from ..domain.errors import Forbidden
from ..domain.hall import MAX_HEAD_START_MINUTES
from .auth import Principal, Role

CommandId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_\-]{8,64}$")]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")]
Ticket = Annotated[str, StringConstraints(min_length=1, max_length=16)]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=200)]
DeskNumber = Annotated[int, Field(ge=1, le=10_000)]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=200)]

ALL = frozenset(Role)
STAFF_AND_DEVICES = frozenset(Role) - {Role.VISITOR, Role.METRICS}  # a metrics token reads /metrics only
SUPERVISORS = frozenset({Role.SUPERVISOR, Role.ADMIN})
DESK_ROLES = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN})


ModelClass = type[BaseModel]
CommandClass = type[cmd.Command]


@dataclass(frozen=True)
class MessageSpec:
    type: str
    model: ModelClass
    roles: frozenset[Role]  # empty for `auth`, which comes before there is a principal
    summary: str
    command: CommandClass | None = None  # what the message becomes, or
    handler: str | None = None  # the connection's `on_<handler>` that answers it
    expensive: bool = False  # builds a whole view of the hall: rate-limited per connection
    live_limit: int | None = None  # live subscriptions of this type one connection may hold

    @property
    def needs_desk(self) -> bool:
        """Desk commands act on the session's desk; a message can never name another."""
        return self.command is not None and issubclass(self.command, cmd.DeskCommand)

    def build(self, message: BaseModel, principal: Principal) -> cmd.Command:
        assert self.command is not None
        names = {f.name for f in dataclasses.fields(self.command)}
        values = {name: _plain(getattr(message, name)) for name in type(message).model_fields if name in names}
        if self.needs_desk:
            if principal.desk is None:
                raise Forbidden("desk_required")
            values["desk"] = principal.desk
        return self.command(actor=principal.name, **values)


def _plain(value: Any) -> Any:
    # Commands are frozen dataclasses: a mapping (a desk's weights) becomes a tuple of pairs, in its order.
    return tuple(value.items()) if isinstance(value, dict) else value


SPECS: dict[str, MessageSpec] = {}
M = TypeVar("M", bound=BaseModel)


def declare(type_: str, roles: frozenset[Role], summary: str, *, command: type[cmd.Command] | None = None,
            handler: str | None = None, expensive: bool = False,
            live_limit: int | None = None) -> Callable[[type[M]], type[M]]:
    assert (command is None) != (handler is None), type_

    def register(model: type[M]) -> type[M]:
        SPECS[type_] = MessageSpec(type_, model, roles, summary, command, handler, expensive, live_limit)
        return model

    return register


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Message(Strict):
    id: int = Field(ge=1, le=2**53)
    type: str  # which one is the table's key: the connection looks the message up by it


class CommandMessage(Message):
    command_id: CommandId


# -- session -------------------------------------------------------------------------------------
@declare("auth", frozenset(), "The first message: a device or session token, a PIN login, or a visitor's code.",
         handler="auth")
class Auth(Strict):
    type: str
    token: Secret | None = None
    login: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    password: Secret | None = None
    desk: DeskNumber | None = None
    visit_token: Secret | None = None
    booking_code: Secret | None = None

    @model_validator(mode="after")
    def one_way(self) -> Auth:
        ways = [self.token is not None, self.login is not None or self.password is not None,
                self.visit_token is not None or self.booking_code is not None]
        if sum(ways) != 1 or (ways[1] and (self.login is None or self.password is None)):
            raise ValueError("one of: token; login with password (and desk); visit_token or booking_code")
        return self


@declare("ping", ALL, "Keep-alive; answered with pong.", handler="ping")
class Ping(Message):
    pass


@declare("get_state", STAFF_AND_DEVICES, "The hall's whole view now.", handler="get_state", expensive=True)
class GetState(Message):
    pass


@declare("subscribe", STAFF_AND_DEVICES,
         "The hall's view (or, given `since`, what changed since), then a patch at every change.",
         handler="subscribe", expensive=True, live_limit=4)
class Subscribe(Message):
    since: int | None = Field(default=None, ge=0)


@declare("subscribe_events", STAFF_AND_DEVICES,
         "For integrations: the raw event log from `since` (or a snapshot), then live events.",
         handler="subscribe_events", expensive=True, live_limit=4)
class SubscribeEvents(Message):
    since: int | None = Field(default=None, ge=0)


@declare("unsubscribe", ALL, "Cancel a subscription by its id.", handler="unsubscribe")
class Unsubscribe(Message):
    subscription: int = Field(ge=1)


@declare("get_dashboard", SUPERVISORS, "Live desks, queues, the day's SLA share and alerts.",
         handler="get_dashboard", expensive=True)
class GetDashboard(Message):
    pass


@declare("acknowledge_help", SUPERVISORS,
         "A kiosk's call for an administrator is answered: its dashboard alert goes.", handler="acknowledge_help")
class AcknowledgeHelp(Message):
    kiosk: Annotated[str, StringConstraints(min_length=1, max_length=64)]


@declare("set_clock", frozenset({Role.ADMIN}),
         "Simulation only (server started with --manual-clock): move the hall's clock on.", handler="set_clock")
class SetClock(Message):
    at: Annotated[str, StringConstraints(min_length=10, max_length=40)]


@declare("watch_visit", frozenset({Role.VISITOR}), "A visitor's own visit: its status now and at every change.",
         handler="watch_visit", live_limit=1)
class WatchVisit(Message):
    pass


# -- kiosk ---------------------------------------------------------------------------------------
class TicketRequest(Strict):
    """Shared by the WebSocket `issue_ticket` and REST `POST /api/tickets`."""

    service_id: Ident | None = None
    bundle_id: Ident | None = None
    priority_category: Ident | None = None
    lang: Literal["uk", "en"] = "uk"


@declare("issue_ticket", frozenset({Role.KIOSK, Role.ADMIN}), "Issue a ticket for a service or a bundle.",
         command=cmd.IssueTicket)
class IssueTicket(CommandMessage, TicketRequest):
    pass


# -- desk: each acts on the session's desk ------------------------------------------------------------
@declare("desk_open", DESK_ROLES, "Open the session's desk.", command=cmd.OpenDesk)
class DeskOpen(CommandMessage):
    pass


@declare("desk_pause", DESK_ROLES, "Pause the desk with a reason.", command=cmd.PauseDesk)
class DeskPause(CommandMessage):
    reason: Reason = "break"


@declare("desk_resume", DESK_ROLES, "End the desk's pause.", command=cmd.ResumeDesk)
class DeskResume(CommandMessage):
    pass


@declare("desk_close", DESK_ROLES, "Close the desk.", command=cmd.CloseDesk)
class DeskClose(CommandMessage):
    pass


@declare("call_next", DESK_ROLES, "Call the next visitor by the dispatch rules.", command=cmd.CallNext)
class CallNext(CommandMessage):
    pass


@declare("call_ticket", DESK_ROLES, "Call a specific waiting or postponed ticket.", command=cmd.CallTicket)
class CallTicket(CommandMessage):
    ticket: Ticket


@declare("recall", DESK_ROLES, "Call the current visitor again (no-show past the limit).", command=cmd.Recall)
class Recall(CommandMessage):
    pass


@declare("start_service", DESK_ROLES, "The called visitor has come: start serving.", command=cmd.StartService)
class StartService(CommandMessage):
    pass


@declare("finish", DESK_ROLES, "Finish the current service with a result.", command=cmd.Finish)
class Finish(CommandMessage):
    result: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] = "served"


@declare("no_show", DESK_ROLES, "The called visitor did not come.", command=cmd.NoShow)
class NoShow(CommandMessage):
    pass


@declare("transfer", DESK_ROLES, "Send the visitor to another service or desk.", command=cmd.Transfer)
class Transfer(CommandMessage):
    to_service: Ident | None = None
    to_desk: DeskNumber | None = None
    back_to_me: bool = False


@declare("postpone", DESK_ROLES, "Put the visitor in the postpone pool for some minutes.", command=cmd.Postpone)
class Postpone(CommandMessage):
    # The hall's own bounds (policy postpone_min/max_minutes) are checked by the domain, with their values.
    minutes: int = Field(ge=1, le=MAX_HEAD_START_MINUTES)


@declare("add_service", DESK_ROLES, "Add a further service to the current visit.", command=cmd.AddService)
class AddService(CommandMessage):
    service_id: Ident


@declare("document_ready", DESK_ROLES, "The result of a booked service is ready (SMS if consented).",
         command=cmd.MarkDocumentReady)
class DocumentReady(CommandMessage):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9A-Za-z]{8}$", to_upper=True)]


# -- supervisor ------------------------------------------------------------------------------------
@declare("cancel_visit", SUPERVISORS, "Cancel a live visit.", command=cmd.CancelVisit)
class CancelVisit(CommandMessage):
    ticket: Ticket
    reason: Reason = "cancelled"


@declare("change_priority", SUPERVISORS, "Change a waiting visit's priority.", command=cmd.ChangePriority)
class ChangePriority(CommandMessage):
    ticket: Ticket
    priority: int = Field(ge=0, le=MAX_PRIORITY)


@declare("set_desk_services", SUPERVISORS, "Replace a desk's services and weights.", command=cmd.SetDeskServices)
class SetDeskServices(CommandMessage):
    desk: DeskNumber
    weights: dict[Ident, Annotated[int, Field(ge=0, le=MAX_WEIGHT)]] = Field(min_length=1, max_length=500)


HeadStart = Annotated[float, Field(ge=0, le=MAX_HEAD_START_MINUTES)]


@declare("set_dispatch_policy", SUPERVISORS, "Change the dispatch head starts and cap for the rest of the day.",
         command=cmd.SetDispatchPolicy)
class SetDispatchPolicy(CommandMessage):
    level_head_start_minutes: HeadStart
    priority_head_start_minutes: HeadStart
    booked_head_start_minutes: HeadStart
    cap_minutes: HeadStart
    strict_tiers: bool = False


@declare("hall_pause", SUPERVISORS, "Pause the whole hall (air-raid alert).", command=cmd.PauseHall)
class HallPause(CommandMessage):
    reason: Reason = "air_raid"


@declare("hall_resume", SUPERVISORS, "Resume the hall after the all-clear.", command=cmd.ResumeHall)
class HallResume(CommandMessage):
    pass


@declare("service_close", SUPERVISORS, "Close a service for the rest of the day.", command=cmd.CloseService)
class ServiceClose(CommandMessage):
    service_id: Ident
    reason: Reason = "closed"


@declare("service_reopen", SUPERVISORS, "Reopen a closed service.", command=cmd.ReopenService)
class ServiceReopen(CommandMessage):
    service_id: Ident


@declare("set_announcement", SUPERVISORS, "Set (or clear, with empty texts) the board's running line.",
         command=cmd.SetAnnouncement)
class SetAnnouncement(CommandMessage):
    text_uk: Annotated[str, StringConstraints(max_length=300)] = ""
    text_en: Annotated[str, StringConstraints(max_length=300)] = ""


@declare("send_message", SUPERVISORS, "Send a message to one desk, or to every desk without `desk`.",
         command=cmd.SendMessage)
class SendMessage(CommandMessage):
    text: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    desk: DeskNumber | None = None


@declare("end_day", SUPERVISORS, "End the business day: waiting visits are closed, one at a desk stays.",
         command=cmd.EndDay)
class EndDay(CommandMessage):
    pass


# Messages the server sends (documented in docs/protocol.md as well).
SERVER_TYPES = ("auth_required", "auth_ok", "auth_invalid", "result", "view", "patch", "event", "visit_status",
                "pong")
