"""The visit state machine: every transition, every refusal, and the period log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from queue_server.domain import commands as cmd
from queue_server.domain.errors import CherhaError, Forbidden, InvalidInput, NotFound, Refused
from queue_server.domain.visit import PeriodKind, VisitState

from .halls import Driver, small_hall
from .support import TUESDAY_10


@pytest.fixture
def hall(tmp_path):  # type: ignore[no-untyped-def]
    return small_hall(tmp_path)


@pytest.fixture
def d(hall) -> Driver:  # type: ignore[no-untyped-def]
    driver = Driver(hall, TUESDAY_10)
    driver.open(1, "ann")
    driver.open(2, "bob")
    return driver


def refused(code: str, kind: type[CherhaError] = Refused):  # type: ignore[no-untyped-def]
    class _Check:
        def __enter__(self) -> None:
            return None

        def __exit__(self, exc_type, exc, tb) -> bool:  # type: ignore[no-untyped-def]
            assert exc is not None, f"expected refusal {code}"
            assert isinstance(exc, kind), exc
            assert exc.code == code, exc
            return True

    return _Check()


def test_numbering_per_prefix_and_day(d: Driver) -> None:
    assert d.issue("passport") == "П-001"
    assert d.issue("residence") == "Р-001"
    assert d.issue("extract") == "Р-002"  # shares the prefix, so shares the counter
    assert d.issue("passport") == "П-002"
    d.clock.advance(days=1)  # Wednesday: a new day starts at 1 again
    assert d.issue("passport") == "П-001"


def test_end_of_day_cancels_live_visits_and_keeps_numbers_that_day(d: Driver) -> None:
    first = d.issue("passport")
    d.do(cmd.EndDay(actor="sue"))
    assert d.state.visits == {}
    assert d.issue("passport") == "П-002", "reopening the same date must not repeat П-001"
    assert first == "П-001"


def test_full_life_with_period_log(d: Driver) -> None:
    ticket = d.issue("passport")
    d.clock.advance(minutes=7)
    assert d.call(1, "ann") == ticket
    visit = d.visit(ticket)
    assert visit.state is VisitState.CALLED and visit.desk == 1
    d.clock.advance(minutes=1)
    d.do(cmd.StartService(actor="ann", desk=1))
    assert visit.state is VisitState.SERVING
    d.clock.advance(minutes=12)
    d.do(cmd.Finish(actor="ann", desk=1, result="served"))
    assert visit.state is VisitState.FINISHED and visit.result == "served"
    now = d.clock.now()
    assert visit.total(PeriodKind.WAITING, now) == timedelta(minutes=7)
    assert visit.total(PeriodKind.WALK_UP, now) == timedelta(minutes=1)
    assert visit.total(PeriodKind.SERVICE, now) == timedelta(minutes=12)
    assert [p.kind for p in visit.periods] == [PeriodKind.WAITING, PeriodKind.WALK_UP, PeriodKind.SERVICE]
    assert all(p.end is not None for p in visit.periods)
    assert visit.periods[1].desk == 1 and visit.periods[1].operator == "ann"
    assert d.state.desks[1].visit_id is None and d.state.desks[1].served_today == 1


def test_recall_limit_turns_into_no_show(d: Driver) -> None:
    ticket = d.issue("passport")
    d.call(1, "ann")
    (first,) = d.do(cmd.Recall(actor="ann", desk=1))
    (second,) = d.do(cmd.Recall(actor="ann", desk=1))
    assert d.visit(ticket).recall_count == 2
    (third,) = d.do(cmd.Recall(actor="ann", desk=1))  # recall_limit = 2: the next one is a no-show
    assert third.type_name == "visit_no_show" and third.automatic  # type: ignore[attr-defined]
    assert d.visit(ticket).state is VisitState.NO_SHOW
    assert d.state.desks[1].no_shows_today == 1 and d.state.desks[1].visit_id is None
    assert first.type_name == second.type_name == "visit_recalled"


def test_no_show_only_while_called(d: Driver) -> None:
    ticket = d.issue("passport")
    d.call(1, "ann")
    d.do(cmd.StartService(actor="ann", desk=1))
    with refused("invalid_transition"):
        d.do(cmd.NoShow(actor="ann", desk=1))
    with refused("invalid_transition"):
        d.do(cmd.StartService(actor="ann", desk=1))
    with refused("invalid_transition"):
        d.do(cmd.Recall(actor="ann", desk=1))
    assert d.visit(ticket).state is VisitState.SERVING


def test_finish_refused_before_service_starts(d: Driver) -> None:
    d.issue("passport")
    d.call(1, "ann")
    with refused("invalid_transition"):
        d.do(cmd.Finish(actor="ann", desk=1))
    with refused("invalid_transition"):
        d.do(cmd.AddService(actor="ann", desk=1, service_id="consult"))


def test_actions_without_a_visitor_are_refused(d: Driver) -> None:
    for command in (cmd.Recall, cmd.StartService, cmd.Finish, cmd.NoShow, cmd.Postpone):
        with refused("no_current_visit"):
            d.do(command(actor="ann", desk=1))
    with refused("no_current_visit"):
        d.do(cmd.Transfer(actor="ann", desk=1, to_service="residence"))


def test_transfer_to_service_keeps_arrival(d: Driver) -> None:
    early = d.issue("passport")
    d.clock.advance(minutes=1)
    later = d.issue("residence")
    d.call(1, "ann")
    d.do(cmd.StartService(actor="ann", desk=1))
    d.do(cmd.Transfer(actor="ann", desk=1, to_service="residence"))
    visit = d.visit(early)
    assert visit.state is VisitState.WAITING and visit.service_id == "residence"
    assert d.call(2, "bob") == early, "a transferred visitor keeps the place earned by arriving first"
    assert later != early


def test_transfer_to_desk_back_to_me(d: Driver) -> None:
    ticket = d.issue("passport")
    d.call(1, "ann")
    d.do(cmd.StartService(actor="ann", desk=1))
    d.do(cmd.Transfer(actor="ann", desk=1, to_service="extract", to_desk=2, back_to_me=True))
    visit = d.visit(ticket)
    assert visit.target_desk == 2 and visit.service_id == "extract"
    other = d.issue("passport")
    assert d.call(1, "ann") == other, "desk 1 cannot take a visit pinned to desk 2"
    assert d.call(2, "bob") == ticket
    d.do(cmd.StartService(actor="bob", desk=2))
    d.do(cmd.Finish(actor="bob", desk=2))
    assert visit.state is VisitState.WAITING
    assert visit.target_desk == 1 and visit.service_id == "passport", "back to desk 1 for its own service"
    d.do(cmd.StartService(actor="ann", desk=1))
    d.do(cmd.Finish(actor="ann", desk=1))
    assert d.call(1, "ann") == ticket, "the returning visitor comes before anyone else at desk 1"


def test_transfer_refusals(d: Driver) -> None:
    d.issue("passport")
    d.call(1, "ann")
    with refused("transfer_target_required", InvalidInput):
        d.do(cmd.Transfer(actor="ann", desk=1))
    with refused("transfer_to_self"):
        d.do(cmd.Transfer(actor="ann", desk=1, to_desk=1))
    with refused("unknown_service", NotFound):
        d.do(cmd.Transfer(actor="ann", desk=1, to_service="nope"))
    with refused("unknown_desk", NotFound):
        d.do(cmd.Transfer(actor="ann", desk=1, to_desk=99))


def test_postpone_pool_and_return_with_priority(d: Driver) -> None:
    ticket = d.issue("passport")
    d.call(1, "ann")
    with refused("postpone_out_of_range", InvalidInput):
        d.do(cmd.Postpone(actor="ann", desk=1, minutes=45))
    d.do(cmd.Postpone(actor="ann", desk=1, minutes=10))
    visit = d.visit(ticket)
    assert visit.state is VisitState.POSTPONED and d.state.desks[1].visit_id is None
    d.clock.advance(minutes=1)
    newcomer = d.issue("passport")
    assert d.call(1, "ann") == newcomer, "still in the pool"
    d.do(cmd.NoShow(actor="ann", desk=1))
    d.clock.advance(minutes=2)
    another = d.issue("passport")
    d.clock.advance(minutes=10)
    third = d.issue("passport")
    assert d.call(1, "ann") == ticket, "back from the pool ahead of ordinary visitors"
    assert visit.total(PeriodKind.HOLD, d.clock.now()) == timedelta(minutes=10)
    assert {another, third}.isdisjoint({ticket})


def test_postponed_visitor_can_be_called_early(d: Driver) -> None:
    ticket = d.issue("passport")
    d.call(1, "ann")
    d.do(cmd.Postpone(actor="ann", desk=1, minutes=20))
    d.do(cmd.CallTicket(actor="ann", desk=1, ticket=ticket))
    assert d.visit(ticket).state is VisitState.CALLED


def test_call_specific_ticket_refusals(d: Driver) -> None:
    ticket = d.issue("passport")
    with refused("unknown_ticket", NotFound):
        d.do(cmd.CallTicket(actor="ann", desk=1, ticket="Ж-999"))
    d.call(2, "bob")
    with refused("visit_not_waiting"):
        d.do(cmd.CallTicket(actor="ann", desk=1, ticket=ticket))


def test_cancel(d: Driver) -> None:
    ticket = d.issue("passport")
    d.call(1, "ann")
    d.do(cmd.CancelVisit(actor="sue", ticket=ticket, reason="left"))
    assert d.visit(ticket).state is VisitState.CANCELLED
    assert d.state.desks[1].visit_id is None, "a cancelled visit frees its desk"
    with refused("visit_already_closed"):
        d.do(cmd.CancelVisit(actor="sue", ticket=ticket))


def test_bundle_goes_through_each_service(d: Driver) -> None:
    (issued,) = d.do(cmd.IssueTicket(actor="kiosk", bundle_id="birth"))
    ticket = issued.ticket  # type: ignore[attr-defined]
    assert ticket == "Р-001"
    visit = d.visit(ticket)
    assert visit.service_id == "residence" and visit.pending_services == ["extract", "consult"]
    for service, desk, who in (("residence", 2, "bob"), ("extract", 2, "bob"), ("consult", 1, "ann")):
        assert visit.service_id == service
        assert d.call(desk, who) == ticket
        d.do(cmd.StartService(actor=who, desk=desk))
        d.do(cmd.Finish(actor=who, desk=desk))
    assert visit.state is VisitState.FINISHED
    assert visit.served_services == ["residence", "extract", "consult"]


def test_add_service_while_serving(d: Driver) -> None:
    ticket = d.issue("passport")
    d.call(1, "ann")
    d.do(cmd.StartService(actor="ann", desk=1))
    d.do(cmd.AddService(actor="ann", desk=1, service_id="extract"))
    d.do(cmd.Finish(actor="ann", desk=1))
    visit = d.visit(ticket)
    assert visit.state is VisitState.WAITING and visit.service_id == "extract"


def test_priority_change(d: Driver) -> None:
    first = d.issue("passport")
    second = d.issue("passport")
    d.do(cmd.ChangePriority(actor="sue", ticket=second, priority=3))
    assert d.call(1, "ann") == second
    with refused("priority_out_of_range", InvalidInput):
        d.do(cmd.ChangePriority(actor="sue", ticket=first, priority=10))


# -- desks -------------------------------------------------------------------------------------
def test_desk_rules(hall) -> None:  # type: ignore[no-untyped-def]
    d = Driver(hall, TUESDAY_10)
    with refused("desk_closed"):
        d.do(cmd.CallNext(actor="ann", desk=1))
    d.open(1, "ann")
    d.do(cmd.OpenDesk(actor="ann", desk=1))  # logging in again changes nothing
    with refused("desk_taken"):
        d.do(cmd.OpenDesk(actor="bob", desk=1))
    with refused("operator_at_other_desk"):
        d.do(cmd.OpenDesk(actor="ann", desk=2))
    with refused("desk_not_allowed", Forbidden):
        d.do(cmd.OpenDesk(actor="cat", desk=2))
    with refused("desk_not_yours", Forbidden):
        d.do(cmd.CallNext(actor="bob", desk=1))
    with refused("unknown_desk", NotFound):
        d.do(cmd.OpenDesk(actor="bob", desk=42))
    with refused("queue_empty"):
        d.do(cmd.CallNext(actor="ann", desk=1))
    d.issue("passport")
    d.do(cmd.PauseDesk(actor="ann", desk=1, reason="break"))
    with refused("desk_already_paused"):
        d.do(cmd.PauseDesk(actor="ann", desk=1))
    with refused("desk_paused"):
        d.do(cmd.CallNext(actor="ann", desk=1))
    d.do(cmd.ResumeDesk(actor="ann", desk=1))
    with refused("desk_not_paused"):
        d.do(cmd.ResumeDesk(actor="ann", desk=1))
    d.call(1, "ann")
    with refused("desk_busy"):
        d.do(cmd.CallNext(actor="ann", desk=1))
    with refused("desk_busy"):
        d.do(cmd.PauseDesk(actor="ann", desk=1))
    with refused("desk_busy"):
        d.do(cmd.CloseDesk(actor="ann", desk=1))
    d.do(cmd.NoShow(actor="ann", desk=1))
    d.do(cmd.CloseDesk(actor="ann", desk=1))
    assert d.state.desks[1].operator is None
    d.open(2, "ann")  # free to sit elsewhere now


def test_set_desk_services(d: Driver) -> None:
    d.issue("consult")
    d.do(cmd.SetDeskServices(actor="sue", desk=1, weights=(("extract", 10),)))
    with refused("queue_empty"):
        d.do(cmd.CallNext(actor="ann", desk=1))  # consult was in desk 1's remainder tier before
    d.do(cmd.SetDeskServices(actor="sue", desk=1, weights=(("extract", 10), ("consult", 0))))
    assert d.call(1, "ann") == "К-001"
    with refused("weight_out_of_range", InvalidInput):
        d.do(cmd.SetDeskServices(actor="sue", desk=1, weights=(("extract", 101),)))
    with refused("desk_needs_services", InvalidInput):
        d.do(cmd.SetDeskServices(actor="sue", desk=1, weights=()))


# -- issuing -----------------------------------------------------------------------------------
def test_issue_refusals(d: Driver) -> None:
    with refused("unknown_service", NotFound):
        d.issue("nope")
    with refused("service_required", InvalidInput):
        d.do(cmd.IssueTicket(actor="kiosk"))
    with refused("unknown_bundle", NotFound):
        d.do(cmd.IssueTicket(actor="kiosk", bundle_id="nope"))
    with refused("unknown_priority_category", InvalidInput):
        d.issue("passport", priority_category="vip")
    with refused("service_not_offered_now"):
        d.issue("vehicles")  # Wednesdays only
    with refused("service_not_offered_now"):
        d.issue("evening")  # from 16:00
    with refused("no_desk_today"):
        d.issue("migration")  # its only desk works on Thursdays
    d.issue("extract")
    d.issue("extract")
    with refused("daily_limit_reached"):
        d.issue("extract")
    d.clock.advance(hours=7)
    assert d.issue("evening") == "В-001"


def test_hall_closed_outside_hours_and_on_holidays(hall) -> None:  # type: ignore[no-untyped-def]
    d = Driver(hall, TUESDAY_10.replace(hour=7, minute=59))
    with refused("hall_closed"):
        d.issue("passport")
    d.clock.set(TUESDAY_10.replace(day=25, hour=10) + timedelta(days=30))  # 2026-12-25 is a holiday
    with refused("hall_closed"):
        d.issue("passport")


def test_service_closed_for_the_day(d: Driver) -> None:
    waiting = d.issue("residence")
    d.do(cmd.CloseService(actor="sue", service_id="residence", reason="registry_offline"))
    with refused("service_closed"):
        d.issue("residence")
    with refused("service_closed"):
        d.do(cmd.CloseService(actor="sue", service_id="residence"))
    assert d.call(2, "bob") == waiting, "those already waiting are still served"
    d.do(cmd.ReopenService(actor="sue", service_id="residence"))
    with refused("service_not_closed"):
        d.do(cmd.ReopenService(actor="sue", service_id="residence"))
    assert d.issue("residence") == "Р-002"


def test_air_raid_pause_keeps_the_queue_in_order(d: Driver) -> None:
    tickets = [d.issue("passport") for _ in range(3)]
    d.do(cmd.PauseHall(actor="sue", reason="air_raid"))
    with refused("hall_paused"):
        d.issue("passport")
    with refused("hall_paused"):
        d.call(1, "ann")
    with refused("hall_already_paused"):
        d.do(cmd.PauseHall(actor="sue"))
    d.clock.advance(minutes=50)
    d.do(cmd.ResumeHall(actor="sue"))
    with refused("hall_not_paused"):
        d.do(cmd.ResumeHall(actor="sue"))
    assert [d.call(1, "ann")] == tickets[:1]
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert d.call(1, "ann") == tickets[1]
