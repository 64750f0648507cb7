"""The dispatch rule: waited minutes plus head starts, the safety cap, pinned visits, and the strict setting.

Small hall (tests/halls.py): desk 1 serves passport 10, residence 5, consult 0 (remainder), evening and
vehicles 1, so its levels are passport 2, residence 1, evening/vehicles 0. Desk 2 serves residence and
extract 10 (level 1), passport 5 (level 0), consult 0. Default head starts: 30 min a level, 30 min a
priority level, 10 min for a booked visitor whose slot has come; cap 45 min.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from queue_server.domain import commands as cmd
from queue_server.domain import events as ev
from queue_server.domain.errors import InvalidInput
from queue_server.domain.hall import DispatchPolicy, Hall

from .halls import Driver, small_hall
from .support import TUESDAY_10


@pytest.fixture
def hall(tmp_path) -> Hall:  # type: ignore[no-untyped-def]
    return small_hall(tmp_path)


def with_policy(hall: Hall, **settings: object) -> Hall:
    return dataclasses.replace(hall, dispatch=dataclasses.replace(hall.dispatch, **settings))


def called(d: Driver, desk: int, who: str) -> tuple[str, str | None]:
    (event,) = d.do(cmd.CallNext(actor=who, desk=desk))
    assert isinstance(event, ev.VisitCalled)
    return d.state.visits[event.visit_id].ticket, event.rule


def test_defaults_are_the_documented_ones(hall: Hall) -> None:
    assert hall.dispatch == DispatchPolicy(30.0, 30.0, 10.0, 45.0, False)


@pytest.mark.parametrize(("earlier_by", "expected"), [(29, "passport"), (31, "residence")])
def test_level_head_start_is_worth_minutes_not_forever(hall: Hall, earlier_by: int, expected: str) -> None:
    """Passport is one level above residence at desk 1: 30 minutes of head start, no more."""
    d = Driver(hall, TUESDAY_10 - timedelta(minutes=40))
    residence = d.issue("residence")
    d.clock.advance(minutes=earlier_by)
    passport = d.issue("passport")
    d.open(1, "ann")
    ticket, rule = called(d, 1, "ann")
    assert ticket == {"passport": passport, "residence": residence}[expected]
    assert rule == "score"


@pytest.mark.parametrize(("earlier_by", "expected"), [(59, "priority"), (61, "plain")])
def test_priority_head_start_per_level(hall: Hall, earlier_by: int, expected: str) -> None:
    d = Driver(hall, TUESDAY_10 - timedelta(hours=2))
    plain = d.issue("passport")
    d.clock.advance(minutes=earlier_by)
    priority = d.issue("passport", priority_category="disability")  # level 2: 2 x 30 minutes
    d.open(1, "ann")
    assert called(d, 1, "ann")[0] == {"priority": priority, "plain": plain}[expected]


def test_booked_wait_counts_from_the_slot(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    slot = TUESDAY_10 + timedelta(minutes=20)
    booked = d.issue("passport", booked_for=slot)  # checked in 20 minutes early
    walk_in = d.issue("passport")
    d.open(1, "ann")
    assert called(d, 1, "ann")[0] == walk_in, "checked in early: their turn has not begun"
    d.do(cmd.NoShow(actor="ann", desk=1))
    later = d.issue("passport")
    d.clock.set(slot + timedelta(minutes=1))  # the booked visitor: 1 + 10; `later` waited 21
    assert called(d, 1, "ann")[0] == later
    d.do(cmd.NoShow(actor="ann", desk=1))
    d.clock.advance(minutes=1)
    fresh = d.issue("passport")
    d.clock.advance(minutes=5)  # booked: 7 + 10 = 17; fresh: 5
    assert called(d, 1, "ann")[0] == booked
    assert d.visit(fresh).state.value == "waiting"


def test_cap_lets_any_desk_take_a_long_wait_even_from_its_remainder(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10 - timedelta(minutes=46))
    consult = d.issue("consult")  # desk 2 serves it only from its remainder tier
    d.clock.set(TUESDAY_10)
    residence = d.issue("residence")
    d.open(2, "bob")
    assert called(d, 2, "bob") == (consult, "cap")
    d.do(cmd.NoShow(actor="bob", desk=2))
    assert called(d, 2, "bob") == (residence, "score")


def test_under_the_cap_the_remainder_waits_for_an_empty_desk(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10 - timedelta(minutes=44))
    consult = d.issue("consult")
    d.clock.set(TUESDAY_10)
    residence = d.issue("residence")
    d.open(2, "bob")
    assert called(d, 2, "bob") == (residence, "score")
    d.do(cmd.NoShow(actor="bob", desk=2))
    assert called(d, 2, "bob") == (consult, "remainder")


def test_cap_zero_turns_it_off(hall: Hall) -> None:
    d = Driver(with_policy(hall, cap_minutes=0), TUESDAY_10 - timedelta(minutes=100))
    consult = d.issue("consult")
    d.clock.set(TUESDAY_10)
    residence = d.issue("residence")
    d.open(2, "bob")
    assert called(d, 2, "bob") == (residence, "score")
    assert d.visit(consult).state.value == "waiting"


def test_pinned_visit_goes_first(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10 - timedelta(minutes=20))
    priority = d.issue("passport", priority_category="disability")
    d.clock.set(TUESDAY_10)
    d.open(1, "ann")
    d.open(2, "bob")
    sent = d.issue("residence")
    d.do(cmd.CallTicket(actor="bob", desk=2, ticket=sent))
    d.do(cmd.StartService(actor="bob", desk=2))
    d.do(cmd.Transfer(actor="bob", desk=2, to_service="passport", to_desk=1))
    assert called(d, 1, "ann") == (sent, "pinned")
    assert d.visit(priority).state.value == "waiting"


def test_strict_setting_is_the_old_rule(hall: Hall) -> None:
    d = Driver(with_policy(hall, strict_tiers=True), TUESDAY_10 - timedelta(hours=1))
    consult = d.issue("consult")
    residence = d.issue("residence")  # desk 1 weight 5, waited an hour
    d.clock.set(TUESDAY_10)
    passport = d.issue("passport")  # desk 1 weight 10, just came
    d.open(1, "ann")
    assert called(d, 1, "ann") == (passport, "strict"), "the top tier is emptied first, whatever the wait"
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert called(d, 1, "ann") == (residence, "strict")
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert called(d, 1, "ann") == (consult, "remainder"), "no cap: the remainder only when nothing else waits"


def test_level_head_start_zero_is_first_come_first_served(hall: Hall) -> None:
    d = Driver(with_policy(hall, level_head_start_minutes=0), TUESDAY_10)
    residence = d.issue("residence")
    d.clock.advance(seconds=1)
    passport = d.issue("passport")
    d.open(1, "ann")
    assert called(d, 1, "ann")[0] == residence
    d.do(cmd.NoShow(actor="ann", desk=1))
    assert called(d, 1, "ann")[0] == passport


def test_supervisor_changes_the_rule_live_and_it_is_logged(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    residence = d.issue("residence")
    d.clock.advance(minutes=5)
    d.issue("passport")
    (changed,) = d.do(cmd.SetDispatchPolicy(actor="sue", level_head_start_minutes=0, priority_head_start_minutes=30,
                                            booked_head_start_minutes=10, cap_minutes=30))
    assert isinstance(changed, ev.DispatchPolicyChanged) and changed.by == "sue"
    assert ev.from_dict(ev.to_dict(changed)) == changed
    d.open(1, "ann")
    assert called(d, 1, "ann")[0] == residence, "no level head start any more: the earlier arrival"
    with pytest.raises(InvalidInput) as refusal:
        d.do(cmd.SetDispatchPolicy(actor="sue", level_head_start_minutes=8, priority_head_start_minutes=30,
                                   booked_head_start_minutes=10, cap_minutes=500))
    assert refusal.value.code == "head_start_out_of_range"
    d.do(cmd.EndDay(actor="sue"))
    assert d.state.dispatch == hall.dispatch, "a live change holds for the day; the hall file keeps the default"
