"""Dispatch rules, estimated waits, and replay: the log rebuilds exactly the same state."""

from __future__ import annotations

import contextlib
import dataclasses
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from queue_server.domain import commands as cmd
from queue_server.domain import events as ev
from queue_server.domain.errors import CherhaError
from queue_server.domain.hall import DispatchPolicy
from queue_server.domain.state import HallState
from queue_server.views import snapshot

from .halls import Driver, small_hall
from .support import TUESDAY_10


@pytest.fixture
def hall(tmp_path):  # type: ignore[no-untyped-def]
    return small_hall(tmp_path)


def opened(hall, *desks: tuple[int, str]) -> Driver:  # type: ignore[no-untyped-def]
    d = Driver(hall, TUESDAY_10)
    for number, who in desks:
        d.open(number, who)
    return d


def test_highest_weight_tier_first(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(hall, (1, "ann"))
    residence = d.issue("residence")  # desk 1: weight 5, arrived first
    d.clock.advance(minutes=5)
    passport = d.issue("passport")  # desk 1: weight 10
    assert d.call(1, "ann") == passport
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert d.call(1, "ann") == residence


def test_equal_weights_form_one_queue_by_arrival(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(hall, (2, "bob"))
    extract = d.issue("extract")
    d.clock.advance(minutes=1)
    residence = d.issue("residence")
    assert d.call(2, "bob") == extract  # both weight 10 at desk 2: the earlier one
    d.do(cmd.NoShow(actor="bob", desk=2))
    assert d.call(2, "bob") == residence


def test_priority_before_arrival(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(hall, (1, "ann"))
    plain = d.issue("passport")
    d.clock.advance(minutes=3)
    priority = d.issue("passport", priority_category="disability")
    assert d.visit(priority).priority == 2
    assert d.call(1, "ann") == priority
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert d.call(1, "ann") == plain


def test_strict_tiers_booked_visitor_due_now_goes_first(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(dataclasses.replace(hall, dispatch=DispatchPolicy(strict_tiers=True)), (1, "ann"))
    walk_in = d.issue("passport", priority_category="disability")
    early = d.issue("passport", booked_for=TUESDAY_10 + timedelta(minutes=30))
    due = d.issue("passport", booked_for=TUESDAY_10)
    assert d.call(1, "ann") == due, "a booked visitor due now comes before even a priority walk-in"
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert d.call(1, "ann") == walk_in, "a booked visitor not yet due waits like anyone"
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert d.call(1, "ann") == early


def test_remainder_tier_only_when_nothing_else_waits(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(hall, (1, "ann"))
    consult = d.issue("consult")  # weight 0 at desk 1
    d.clock.advance(minutes=20)
    residence = d.issue("residence")  # weight 5 at desk 1
    assert d.call(1, "ann") == residence
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert d.call(1, "ann") == consult


def test_desk_only_takes_its_services(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(hall, (3, "cat"))
    d.issue("passport")
    with pytest.raises(CherhaError) as refusal:
        d.call(3, "cat")
    assert refusal.value.code == "queue_empty"


def test_two_desks_never_claim_the_same_visitor(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(hall, (1, "ann"), (2, "bob"))
    first, second = d.issue("passport"), d.issue("passport")
    assert {d.call(1, "ann"), d.call(2, "bob")} == {first, second}
    with pytest.raises(CherhaError):
        d.do(cmd.CallTicket(actor="ann", desk=1, ticket=second))


def test_estimate_learns_recent_service_times(hall) -> None:  # type: ignore[no-untyped-def]
    d = opened(hall, (1, "ann"))
    for _ in range(3):
        d.issue("passport")
        d.call(1, "ann")
        d.do(cmd.StartService(actor="ann", desk=1))
        d.clock.advance(minutes=20)
        d.do(cmd.Finish(actor="ann", desk=1))
    assert d.state.avg_service_minutes("passport") == pytest.approx(20.0)


# -- replay ------------------------------------------------------------------------------------
ACTIONS = ["issue", "issue", "issue", "call", "start", "finish", "recall", "no_show", "transfer",
           "postpone", "pause", "resume", "close_desk", "open_desk", "cancel", "hall_pause", "hall_resume"]


SERVICES = ["passport", "residence", "extract", "consult"]
STAFF = {1: "ann", 2: "bob", 3: "cat"}


def random_command(action: str, pick: int, live: list[str]) -> cmd.Command:
    desk = 1 + pick % 3
    at = {"actor": STAFF[desk], "desk": desk}
    simple: dict[str, type[cmd.DeskCommand]] = {
        "call": cmd.CallNext, "start": cmd.StartService, "finish": cmd.Finish, "recall": cmd.Recall,
        "no_show": cmd.NoShow, "pause": cmd.PauseDesk, "resume": cmd.ResumeDesk, "close_desk": cmd.CloseDesk,
        "open_desk": cmd.OpenDesk,
    }
    if action in simple:
        return simple[action](**at)  # type: ignore[arg-type]
    if action == "issue":
        return cmd.IssueTicket(actor="k", service_id=SERVICES[pick % 4])
    if action == "transfer":
        return cmd.Transfer(**at, to_service=SERVICES[pick % 4], back_to_me=bool(pick % 2))  # type: ignore[arg-type]
    if action == "postpone":
        return cmd.Postpone(**at, minutes=5 + pick % 20)  # type: ignore[arg-type]
    if action == "cancel":
        return cmd.CancelVisit(actor="sue", ticket=random.Random(pick).choice(live or ["x"]))
    return cmd.PauseHall(actor="sue") if action == "hall_pause" else cmd.ResumeHall(actor="sue")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(ACTIONS), st.integers(0, 1000), st.integers(0, 240)),
                min_size=5, max_size=80))
def test_replaying_the_log_rebuilds_the_same_state(tmp_path_factory, steps) -> None:  # type: ignore[no-untyped-def]
    hall = small_hall(tmp_path_factory.mktemp("hall"))
    d = opened(hall, (1, "ann"), (2, "bob"), (3, "cat"))
    for action, pick, seconds in steps:
        live = [v.ticket for v in d.state.live_visits()]
        with contextlib.suppress(CherhaError):
            d.do(random_command(action, pick, live))
        d.clock.advance(seconds=seconds)
    rebuilt = HallState(hall)
    for event in d.log:
        rebuilt.apply(ev.from_dict(ev.to_dict(event)))  # through the stored JSON form
    now = d.clock.now()
    assert snapshot(rebuilt, 0, now, {}) == snapshot(d.state, 0, now, {})
    tickets = [v.ticket for v in d.state.visits.values()]
    assert len(tickets) == len(set(tickets)), "a ticket number was repeated"
    assert len(d.log) > 3


def test_a_broken_code_source_cannot_loop_forever(hall) -> None:  # type: ignore[no-untyped-def]
    from queue_server.domain.decide import Context, decide

    d = opened(hall)
    state, now = d.state, d.clock.now()
    start = now.replace(hour=15, minute=0)
    book = cmd.BookSlot(actor="web", service_id="passport", start=start)
    for event in decide(state, book, Context(now, lambda: "t", lambda: "SAMECODE")):
        state.apply(event)
    with pytest.raises(CherhaError) as refusal:
        decide(state, dataclasses.replace(book, person_bookings=0), Context(now, lambda: "t", lambda: "SAMECODE"))
    assert refusal.value.code == "try_again"
