"""Decisions: a command plus the current state gives the events to append, or a refusal.

Nothing here changes state; `HallState.apply` does that once the events are durable. Every refusal is a
`CherhaError` whose code names a message in the catalogue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from . import commands as cmd
from . import decide_config, decide_visitors, issuing  # noqa: F401  (their decisions register themselves)
from . import events as ev
from .dispatch import choose_next
from .errors import Forbidden, InvalidInput, Refused
from .guards import (
    DECIDERS,
    Context,
    current_visit,
    decides,
    find_desk,
    find_service,
    find_visit_by_ticket,
    own_desk,
    ready_to_call,
)
from .hall import MAX_HEAD_START_MINUTES
from .issuing import format_ticket, unavailable_reason
from .state import DeskStatus, HallState
from .visit import VisitState

__all__ = ["Context", "business_now", "day_events", "decide", "format_ticket", "unavailable_reason"]

MAX_PRIORITY = 9
MAX_WEIGHT = 100
# A clock set back by more than this is a jump (recorded and shown), not the drift NTP corrects in passing.
CLOCK_JUMP_TOLERANCE = timedelta(minutes=1)
# A visitor at a desk when the day ends stays there if their walk-up or service began at most this long ago.
CARRY_AT_DESK_LIMIT = timedelta(hours=2)


def business_now(state: HallState, clock_now: datetime) -> datetime:
    """The time a command is decided at: the clock, but held at the last event's time while the clock is
    behind it by more than the tolerance (a step back of seconds, as NTP makes, is taken as it is)."""
    if state.last_at is not None and state.last_at - clock_now > CLOCK_JUMP_TOLERANCE:
        return state.last_at
    return clock_now


def business_day(state: HallState, clock_now: datetime) -> str:
    """The business day never goes back, not even by a second at midnight: a day that ended stays ended."""
    latest = max(clock_now, state.last_at) if state.last_at is not None else clock_now
    return latest.date().isoformat()


def day_events(state: HallState, clock_now: datetime) -> list[ev.Event]:
    """Open the business day, closing yesterday's first if nobody ended it; note a clock set back."""
    out: list[ev.Event] = []
    last = state.last_at
    if last is not None and last - clock_now > CLOCK_JUMP_TOLERANCE and (
            state.clock_jump is None or state.clock_jump[0] != last):
        out.append(ev.ClockJumpDetected(at=last, clock=clock_now))  # once per jump, not once per command
    now = business_now(state, clock_now)
    today = business_day(state, clock_now)
    if state.day == today:
        return out
    carried = state.at_desks()  # after an early end of day: those it kept
    if state.day is not None:
        ended = _day_ended(state, now)
        carried = [visit for visit in carried if visit.visit_id in ended.kept]
        out.append(ended)
    out.append(ev.DayOpened(at=now, day=today))
    for visit in carried:  # the visitor at a desk goes on into the new day, to be finished there
        assert visit.desk is not None and visit.operator is not None
        out.append(ev.VisitCarriedOver(
            at=now, visit_id=visit.visit_id, ticket=visit.ticket, service_id=visit.service_id,
            state=visit.state.value, desk=visit.desk, operator=visit.operator,
            since=visit.periods[-1].start if visit.periods else now, issued_at=visit.issued_at,
            source=visit.source, feedback_token=visit.feedback_token, priority=visit.priority,
            priority_category=visit.priority_category, booked_for=visit.booked_for,
            pending_services=tuple(visit.pending_services), served_services=tuple(visit.served_services),
            recall_count=visit.recall_count, return_to_desk=visit.return_to[0] if visit.return_to else None,
            return_to_service=visit.return_to[1] if visit.return_to else None))
    return out


def _day_ended(state: HallState, now: datetime) -> ev.DayEnded:
    """End the day; a visitor whose walk-up or service began lately stays at the desk to be finished (one
    left there for hours, e.g. from last evening, is cancelled as before, so the desk is free in the morning)."""
    assert state.day is not None
    kept = tuple(visit.visit_id for visit in state.at_desks()
                 if not visit.periods or now - visit.periods[-1].start <= CARRY_AT_DESK_LIMIT)
    return ev.DayEnded(at=now, day=state.day, kept=kept)


def decide(state: HallState, command: cmd.Command, ctx: Context) -> list[ev.Event]:
    handler = DECIDERS.get(type(command))
    if handler is None:
        raise InvalidInput("unknown_command")
    return handler(state, command, ctx)


# -- desks ---------------------------------------------------------------------------------------
@decides(cmd.OpenDesk, "desk_open", ('closed',))
def _open_desk(state: HallState, c: cmd.OpenDesk, ctx: Context) -> list[ev.Event]:
    desk = find_desk(state, c.desk)
    operator = state.hall.operators.get(c.actor)
    if operator is not None and operator.desks and c.desk not in operator.desks:
        raise Forbidden("desk_not_allowed", desk=c.desk)
    if desk.status is not DeskStatus.CLOSED:
        if desk.operator == c.actor:
            return []  # logging in again at one's own desk changes nothing
        raise Refused("desk_taken", desk=c.desk)
    for other in state.desks.values():
        if other.operator == c.actor and other.status is not DeskStatus.CLOSED:
            raise Refused("operator_at_other_desk", desk=other.number)
    return [ev.DeskOpened(at=ctx.now, desk=c.desk, operator=c.actor)]


@decides(cmd.PauseDesk, "desk_pause", ('idle', 'held'))
def _pause_desk(state: HallState, c: cmd.PauseDesk, ctx: Context) -> list[ev.Event]:
    desk = own_desk(state, c)
    if desk.status is DeskStatus.PAUSED:
        raise Refused("desk_already_paused", desk=c.desk)
    if desk.visit_id is not None:
        raise Refused("desk_busy", desk=c.desk)
    return [ev.DeskPaused(at=ctx.now, desk=c.desk, operator=c.actor, reason=c.reason)]


@decides(cmd.ResumeDesk, "desk_resume", ('paused',))
def _resume_desk(state: HallState, c: cmd.ResumeDesk, ctx: Context) -> list[ev.Event]:
    desk = own_desk(state, c)
    if desk.status is not DeskStatus.PAUSED:
        raise Refused("desk_not_paused", desk=c.desk)
    return [ev.DeskResumed(at=ctx.now, desk=c.desk, operator=c.actor)]


@decides(cmd.CloseDesk, "desk_close", ('idle', 'held', 'paused'))
def _close_desk(state: HallState, c: cmd.CloseDesk, ctx: Context) -> list[ev.Event]:
    desk = own_desk(state, c)
    if desk.visit_id is not None:
        raise Refused("desk_busy", desk=c.desk)
    return [ev.DeskClosed(at=ctx.now, desk=c.desk, operator=c.actor)]


# -- calling and serving ---------------------------------------------------------------------------
@decides(cmd.CallNext, "call_next", ('idle',))
def _call_next(state: HallState, c: cmd.CallNext, ctx: Context) -> list[ev.Event]:
    ready_to_call(state, c)
    choice = choose_next(state, c.desk, ctx.now)
    if choice is None:
        raise Refused("queue_empty", desk=c.desk)
    return [ev.VisitCalled(at=ctx.now, visit_id=choice.visit.visit_id, desk=c.desk, operator=c.actor,
                           rule=choice.rule)]


@decides(cmd.CallTicket, "call_ticket", ('idle',))
def _call_ticket(state: HallState, c: cmd.CallTicket, ctx: Context) -> list[ev.Event]:
    ready_to_call(state, c)
    visit = find_visit_by_ticket(state, c.ticket)
    # A postponed visitor may be called back early by any desk; otherwise only a waiting one.
    if visit.state not in (VisitState.WAITING, VisitState.POSTPONED):
        raise Refused("visit_not_waiting", ticket=c.ticket, state=visit.state.value)
    if visit.target_desk is not None and visit.target_desk != c.desk:
        raise Refused("visit_pinned_elsewhere", ticket=c.ticket, desk=visit.target_desk)
    return [
        ev.VisitCalled(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor, specific=True)
    ]


@decides(cmd.Recall, "recall", ('called',))
def _recall(state: HallState, c: cmd.Recall, ctx: Context) -> list[ev.Event]:
    visit = current_visit(state, c, VisitState.CALLED)
    if state.paused:
        raise Refused("hall_paused")
    # The visitor may be recalled `recall_limit` times; asking once more marks the no-show.
    if visit.recall_count >= state.hall.policy.recall_limit:
        return [ev.VisitNoShow(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                               automatic=True)]
    return [ev.VisitRecalled(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                             recall_count=visit.recall_count + 1)]


@decides(cmd.StartService, "start_service", ('called',))
def _start(state: HallState, c: cmd.StartService, ctx: Context) -> list[ev.Event]:
    visit = current_visit(state, c, VisitState.CALLED)
    return [ev.ServiceStarted(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor)]


@decides(cmd.Finish, "finish", ('serving',))
def _finish(state: HallState, c: cmd.Finish, ctx: Context) -> list[ev.Event]:
    visit = current_visit(state, c, VisitState.SERVING)
    return [ev.ServiceFinished(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                               result=c.result)]


@decides(cmd.NoShow, "no_show", ('called',))
def _no_show(state: HallState, c: cmd.NoShow, ctx: Context) -> list[ev.Event]:
    visit = current_visit(state, c, VisitState.CALLED)
    return [ev.VisitNoShow(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor)]


@decides(cmd.Transfer, "transfer", ('called', 'serving'))
def _transfer(state: HallState, c: cmd.Transfer, ctx: Context) -> list[ev.Event]:
    visit = current_visit(state, c, VisitState.CALLED, VisitState.SERVING)
    if c.to_service is None and c.to_desk is None:
        raise InvalidInput("transfer_target_required")
    to_service = c.to_service or visit.service_id
    find_service(state, to_service)
    if c.to_desk is not None:
        find_desk(state, c.to_desk)
        if c.to_desk == c.desk:
            raise Refused("transfer_to_self", desk=c.desk)
    return [ev.VisitTransferred(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                                to_service=to_service, to_desk=c.to_desk, back_to_me=c.back_to_me)]


@decides(cmd.Postpone, "postpone", ('called', 'serving'))
def _postpone(state: HallState, c: cmd.Postpone, ctx: Context) -> list[ev.Event]:
    visit = current_visit(state, c, VisitState.CALLED, VisitState.SERVING)
    policy = state.hall.policy
    if not policy.postpone_min_minutes <= c.minutes <= policy.postpone_max_minutes:
        raise InvalidInput("postpone_out_of_range", low=policy.postpone_min_minutes,
                           high=policy.postpone_max_minutes)
    until = ctx.now + timedelta(minutes=c.minutes)
    return [ev.VisitPostponed(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                              until=until)]


@decides(cmd.AddService, "add_service", ('serving',))
def _add_service(state: HallState, c: cmd.AddService, ctx: Context) -> list[ev.Event]:
    visit = current_visit(state, c, VisitState.SERVING)
    find_service(state, c.service_id)
    return [ev.ServiceAdded(at=ctx.now, visit_id=visit.visit_id, desk=c.desk, operator=c.actor,
                            service_id=c.service_id)]


# -- supervisor ----------------------------------------------------------------------------------
@decides(cmd.CancelVisit)
def _cancel(state: HallState, c: cmd.CancelVisit, ctx: Context) -> list[ev.Event]:
    visit = find_visit_by_ticket(state, c.ticket)
    if visit.state.is_final:
        raise Refused("visit_already_closed", ticket=c.ticket, state=visit.state.value)
    return [ev.VisitCancelled(at=ctx.now, visit_id=visit.visit_id, by=c.actor, reason=c.reason)]


@decides(cmd.ChangePriority)
def _change_priority(state: HallState, c: cmd.ChangePriority, ctx: Context) -> list[ev.Event]:
    visit = find_visit_by_ticket(state, c.ticket)
    if visit.state.is_final:
        raise Refused("visit_already_closed", ticket=c.ticket, state=visit.state.value)
    if not 0 <= c.priority <= MAX_PRIORITY:
        raise InvalidInput("priority_out_of_range", high=MAX_PRIORITY)
    return [ev.PriorityChanged(at=ctx.now, visit_id=visit.visit_id, priority=c.priority, by=c.actor)]


@decides(cmd.SetDeskServices)
def _set_desk_services(state: HallState, c: cmd.SetDeskServices, ctx: Context) -> list[ev.Event]:
    find_desk(state, c.desk)
    if not c.weights:
        raise InvalidInput("desk_needs_services", desk=c.desk)
    for service_id, weight in c.weights:
        find_service(state, service_id)
        if not 0 <= weight <= MAX_WEIGHT:
            raise InvalidInput("weight_out_of_range", high=MAX_WEIGHT)
    return [ev.DeskServicesChanged(at=ctx.now, desk=c.desk, weights=c.weights, by=c.actor)]


@decides(cmd.SetDispatchPolicy)
def _set_dispatch_policy(state: HallState, c: cmd.SetDispatchPolicy, ctx: Context) -> list[ev.Event]:
    for name in ("level_head_start_minutes", "priority_head_start_minutes", "booked_head_start_minutes",
                 "cap_minutes"):
        if not 0 <= getattr(c, name) <= MAX_HEAD_START_MINUTES:
            raise InvalidInput("head_start_out_of_range", setting=name, high=MAX_HEAD_START_MINUTES)
    return [ev.DispatchPolicyChanged(at=ctx.now, level_head_start_minutes=c.level_head_start_minutes,
                                     priority_head_start_minutes=c.priority_head_start_minutes,
                                     booked_head_start_minutes=c.booked_head_start_minutes,
                                     cap_minutes=c.cap_minutes, strict_tiers=c.strict_tiers, by=c.actor)]


@decides(cmd.PauseHall)
def _pause_hall(state: HallState, c: cmd.PauseHall, ctx: Context) -> list[ev.Event]:
    if state.paused:
        raise Refused("hall_already_paused")
    return [ev.HallPaused(at=ctx.now, reason=c.reason, by=c.actor)]


@decides(cmd.ResumeHall)
def _resume_hall(state: HallState, c: cmd.ResumeHall, ctx: Context) -> list[ev.Event]:
    if not state.paused:
        raise Refused("hall_not_paused")
    return [ev.HallResumed(at=ctx.now, by=c.actor)]


@decides(cmd.CloseService)
def _close_service(state: HallState, c: cmd.CloseService, ctx: Context) -> list[ev.Event]:
    find_service(state, c.service_id)
    if c.service_id in state.closed_services:
        raise Refused("service_closed", service=c.service_id)
    return [ev.ServiceClosed(at=ctx.now, service_id=c.service_id, reason=c.reason, by=c.actor)]


@decides(cmd.ReopenService)
def _reopen_service(state: HallState, c: cmd.ReopenService, ctx: Context) -> list[ev.Event]:
    find_service(state, c.service_id)
    if c.service_id not in state.closed_services:
        raise Refused("service_not_closed", service=c.service_id)
    return [ev.ServiceReopened(at=ctx.now, service_id=c.service_id, by=c.actor)]


@decides(cmd.SetAnnouncement)
def _set_announcement(state: HallState, c: cmd.SetAnnouncement, ctx: Context) -> list[ev.Event]:
    return [ev.AnnouncementSet(at=ctx.now, text_uk=c.text_uk.strip(), text_en=c.text_en.strip(), by=c.actor)]


@decides(cmd.SendMessage)
def _send_message(state: HallState, c: cmd.SendMessage, ctx: Context) -> list[ev.Event]:
    if c.desk is not None:
        find_desk(state, c.desk)
    if not c.text.strip():
        raise InvalidInput("message_empty")
    return [ev.DeskMessage(at=ctx.now, desk=c.desk, text=c.text.strip(), by=c.actor)]


@decides(cmd.EndDay)
def _end_day(state: HallState, c: cmd.EndDay, ctx: Context) -> list[ev.Event]:
    assert state.day is not None  # day_events always opens the day first
    return [_day_ended(state, ctx.now)]
