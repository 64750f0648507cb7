"""The buttons a console enables are the server's rule, and that rule agrees with what `decide` refuses."""

from __future__ import annotations

import pytest

from queue_server.api.messages import SPECS
from queue_server.domain import commands as cmd
from queue_server.domain.desk_actions import DESK_ACTIONS, available_actions, situation
from queue_server.domain.errors import CherhaError

from .halls import Driver, small_hall
from .support import TUESDAY_10


def _attempt(action: str, desk: int, who: str) -> cmd.Command:
    spec = SPECS[action]
    assert spec.command is not None and spec.needs_desk, action
    fields = {"call_ticket": {"ticket": "П-002"}, "transfer": {"to_service": "residence"},
              "postpone": {"minutes": 10}, "add_service": {"service_id": "residence"},
              "desk_pause": {"reason": "break"}}.get(action, {})
    return spec.command(actor=who, desk=desk, **fields)  # type: ignore[call-arg]


STEPS: dict[str, list[str]] = {
    "closed": [],
    "idle": ["open"],
    "held": ["open", "hall_pause"],
    "paused": ["open", "desk_pause"],
    "called": ["open", "call"],
    "serving": ["open", "call", "start"],
}


def _hall_in(name: str, tmp_path) -> Driver:  # type: ignore[no-untyped-def]
    """A hall where ann's desk 1 is in the named situation, with two visitors issued."""
    driver = Driver(small_hall(tmp_path), TUESDAY_10)
    driver.issue("passport")
    driver.issue("passport")
    for step in STEPS[name]:
        {"open": lambda: driver.open(1, "ann"),
         "hall_pause": lambda: driver.do(cmd.PauseHall(actor="sue")),
         "desk_pause": lambda: driver.do(cmd.PauseDesk(actor="ann", desk=1)),
         "call": lambda: driver.call(1, "ann"),
         "start": lambda: driver.do(cmd.StartService(actor="ann", desk=1))}[step]()
    return driver


def test_every_desk_action_is_a_desk_message() -> None:
    desk_messages = {t for t, spec in SPECS.items() if spec.needs_desk}
    assert set(DESK_ACTIONS) == desk_messages


def test_an_action_offered_is_one_decide_accepts_and_one_withheld_is_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in STEPS:
        offered = set(available_actions(_hall_in(name, tmp_path).state, 1))
        assert situation(_hall_in(name, tmp_path).state, 1) == name
        for action in DESK_ACTIONS:
            trial = _hall_in(name, tmp_path)
            try:
                accepted = bool(trial.do(_attempt(action, 1, "ann")))  # no events: a no-op (opening an open desk)
            except CherhaError:
                accepted = False
            assert accepted == (action in offered), (name, action, offered)


@pytest.mark.parametrize("action", DESK_ACTIONS)
def test_each_action_is_offered_somewhere(action: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert any(action in available_actions(_hall_in(name, tmp_path).state, 1) for name in STEPS)
