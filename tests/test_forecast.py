"""The wait forecast on hand-built hall states: the real dispatch run forward from the live state.

Demo hall: desk 7 is the only desk for the civil registry (birth, marriage, death, name change at weight 10;
repeat certificates and extracts at 5). Births and deaths take 20 minutes as configured (nothing learned yet).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from queue_server.domain import commands as cmd
from queue_server.domain import events as ev
from queue_server.domain.forecast import Target, forecast, wait_now
from queue_server.domain.hall import Hall
from queue_server.domain.service_times import DEFAULT_PAUSE_MINUTES

from .halls import Driver
from .support import TUESDAY_10, demo_hall


@pytest.fixture(scope="module")
def hall() -> Hall:
    return demo_hall()


def issued(d: Driver, service_id: str, **extra: object) -> ev.TicketIssued:
    (event,) = d.do(cmd.IssueTicket(actor="kiosk", service_id=service_id, **extra))  # type: ignore[arg-type]
    assert isinstance(event, ev.TicketIssued)
    return event


def test_ahead_counts_every_queue_the_desk_takes(hall: Hall) -> None:
    """The reported case: a death ticket behind six births at desk 7 is not "nobody ahead"."""
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    for _ in range(6):
        issued(d, "birth")
        d.clock.advance(seconds=30)
    death = issued(d, "death")
    assert death.predicted_ahead == 6
    assert death.predicted_wait_minutes is not None
    assert 6 * 20 * 0.6 <= death.predicted_wait_minutes <= 6 * 20 * 1.5, death.predicted_wait_minutes
    for _ in range(6):  # and it is true: desk 7 calls the six births first
        assert d.call(7, "op07").startswith(hall.services["birth"].prefix)
        d.do(cmd.NoShow(actor="op07", desk=7))
    assert d.call(7, "op07") == death.ticket


def test_no_open_desk_promises_no_minutes(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10.replace(hour=8, minute=1))
    first = issued(d, "death")
    second = issued(d, "death")
    assert (first.predicted_wait_minutes, first.predicted_ahead) == (None, 0)
    assert (second.predicted_wait_minutes, second.predicted_ahead) == (None, 1), "its own line still counts"


def test_an_idle_open_desk_means_no_wait(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    event = issued(d, "death")
    assert (event.predicted_wait_minutes, event.predicted_ahead) == (0, 0)


def test_a_desk_on_break_comes_back(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    d.do(cmd.PauseDesk(actor="op07", desk=7, reason="break"))
    d.clock.advance(minutes=5)
    event = issued(d, "death")
    assert event.predicted_wait_minutes == DEFAULT_PAUSE_MINUTES - 5


def test_a_busy_desk_frees_when_its_visitor_is_likely_done(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    issued(d, "birth")
    d.call(7, "op07")
    d.do(cmd.StartService(actor="op07", desk=7))
    d.clock.advance(minutes=5)
    event = issued(d, "death")
    assert event.predicted_ahead == 0
    assert event.predicted_wait_minutes is not None and 5 <= event.predicted_wait_minutes <= 30


def test_learned_times_replace_the_configured_ones(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    for _ in range(8):  # desk 7 takes 4 minutes a birth, not 20
        issued(d, "birth")
        d.call(7, "op07")
        d.do(cmd.StartService(actor="op07", desk=7))
        d.clock.advance(minutes=4)
        d.do(cmd.Finish(actor="op07", desk=7))
    mean, _spread = d.state.service_times.service("birth", 7, 20.0)
    assert mean == pytest.approx(4.0)
    for _ in range(5):
        issued(d, "birth")
    event = issued(d, "birth")
    assert event.predicted_ahead == 5
    assert event.predicted_wait_minutes is not None and 10 <= event.predicted_wait_minutes <= 35


def test_the_forecast_is_deterministic_and_frozen_in_the_event(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    for _ in range(4):
        issued(d, "marriage")
    event = issued(d, "death")
    assert ev.from_dict(ev.to_dict(event)) == event
    visit = d.state.visits[event.visit_id]
    again = forecast(d.state, Target.of(visit, d.clock.now(), 1), d.clock.now())
    assert again == wait_now(d.state, visit, d.clock.now()), "the same hall gives the same forecast"
    assert again.ahead == event.predicted_ahead == 4


def test_live_estimate_moves_with_the_hall(hall: Hall) -> None:
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    for _ in range(3):
        issued(d, "birth")
    mine = d.state.visits[issued(d, "death").visit_id]
    assert wait_now(d.state, mine, d.clock.now()).ahead == 3
    d.call(7, "op07")
    d.do(cmd.NoShow(actor="op07", desk=7))
    d.clock.advance(minutes=1)
    assert wait_now(d.state, mine, d.clock.now()).ahead == 2


def test_later_arrivals_may_overtake(hall: Hall) -> None:
    """A priority visitor arriving during the wait is called first: the forecast expects such arrivals."""
    d = Driver(hall, TUESDAY_10 - timedelta(minutes=60))
    d.open(7, "op07")
    for _ in range(30):  # a busy hour of births, a third of them with priority
        d.clock.advance(minutes=2)
        extra = {"priority_category": "military"} if len(d.state.recent_arrivals) % 3 == 0 else {}
        issued(d, "birth", **extra)
        if d.state.desks[7].visit_id is None:
            d.call(7, "op07")
            d.do(cmd.StartService(actor="op07", desk=7))
        elif d.state.visits[d.state.desks[7].visit_id].state.value == "serving":
            d.do(cmd.Finish(actor="op07", desk=7))
    waiting_now = sum(1 for v in d.state.live_visits() if v.is_waiting(d.clock.now()))
    event = issued(d, "birth")
    assert event.predicted_ahead is not None and event.predicted_ahead > waiting_now


def test_desks_that_finish_at_once_do_not_break_the_forecast(hall: Hall) -> None:
    """A desk clicking call, start and finish in the same second teaches zero-minute services."""
    d = Driver(hall, TUESDAY_10)
    d.open(7, "op07")
    for _ in range(8):
        issued(d, "birth")
        d.call(7, "op07")
        d.do(cmd.StartService(actor="op07", desk=7))
        d.do(cmd.Finish(actor="op07", desk=7))
    assert d.state.service_times.by_service["birth"].mean == 0.0
    for _ in range(3):
        issued(d, "birth")
    event = issued(d, "birth")
    assert event.predicted_ahead == 3 and event.predicted_wait_minutes is not None
