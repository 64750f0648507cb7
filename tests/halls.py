"""Small halls written for one test's purpose, plus a pure-domain driver."""

from __future__ import annotations

import itertools
from datetime import datetime
from pathlib import Path

from queue_server.clock import ManualClock
from queue_server.config import load_hall
from queue_server.domain import commands as cmd
from queue_server.domain import events as ev
from queue_server.domain.decide import Context, day_events, decide
from queue_server.domain.hall import Hall
from queue_server.domain.state import HallState
from queue_server.passwords import hash_secret

SECRET = hash_secret("1234", salt=b"0123456789abcdef")

SMALL_HALL = f"""
[centre]
id = "small"
name_uk = "Малий зал"
name_en = "Small hall"
public_url = "https://cnap.example.ua"

[hours]
mon = "08:00-17:00"
tue = "08:00-20:00"
wed = "08:00-17:00"
thu = "08:00-17:00"
fri = "08:00-16:00"
holidays = ["2026-12-25"]

[policy]
recall_limit = 2
postpone_min_minutes = 5
postpone_max_minutes = 30
postpone_return_priority = 1

[[priority_categories]]
id = "disability"
level = 2
name_uk = "Особа з інвалідністю"
name_en = "Person with a disability"

[[categories]]
id = "docs"
name_uk = "Документи"
name_en = "Documents"

  [[categories.services]]
  id = "passport"
  prefix = "П"
  name_uk = "Паспорт"
  name_en = "Passport"
  avg_minutes = 10

  [[categories.services]]
  id = "residence"
  prefix = "Р"
  name_uk = "Реєстрація місця проживання"
  name_en = "Residence"
  avg_minutes = 12

  [[categories.services]]
  id = "extract"
  prefix = "Р"
  name_uk = "Витяг"
  name_en = "Extract"
  avg_minutes = 5
  daily_limit = 2

  [[categories.services]]
  id = "consult"
  prefix = "К"
  name_uk = "Консультація"
  name_en = "Advice"
  avg_minutes = 5

  [[categories.services]]
  id = "vehicles"
  prefix = "Т"
  name_uk = "Транспорт"
  name_en = "Vehicles"
  days = ["wed"]

  [[categories.services]]
  id = "evening"
  prefix = "В"
  name_uk = "Вечірня послуга"
  name_en = "Evening service"
  hours = "16:00-20:00"

  [[categories.services]]
  id = "migration"
  prefix = "М"
  name_uk = "Міграційна служба"
  name_en = "Migration service"

[[bundles]]
id = "birth"
name_uk = "Народження дитини"
name_en = "Birth of a child"
services = ["residence", "extract", "consult"]

[[desks]]
number = 1
services = {{ "passport" = 10, "residence" = 5, "consult" = 0, "evening" = 1, "vehicles" = 1 }}

[[desks]]
number = 2
services = {{ "residence" = 10, "extract" = 10, "passport" = 5, "consult" = 0 }}

[[desks]]
number = 3
services = {{ "consult" = 10, "extract" = 1 }}

[[desks]]
number = 4
days = ["thu"]
services = {{ "migration" = 10 }}

[[operators]]
login = "ann"
role = "operator"
secret_hash = "{SECRET}"

[[operators]]
login = "bob"
role = "operator"
secret_hash = "{SECRET}"

[[operators]]
login = "cat"
role = "operator"
secret_hash = "{SECRET}"
desks = [3]

[[operators]]
login = "sue"
role = "supervisor"
secret_hash = "{SECRET}"
"""


def small_hall(tmp_path: Path, text: str = SMALL_HALL) -> Hall:
    path = tmp_path / "small.toml"
    path.write_text(text, encoding="utf-8")
    return load_hall(path)


class Driver:
    """Runs commands through decide/apply exactly as the server does, minus storage and network."""

    def __init__(self, hall: Hall, now: datetime) -> None:
        self.state = HallState(hall)
        self.clock = ManualClock(now)
        self.log: list[ev.Event] = []
        self._tokens = (f"token-{n}" for n in itertools.count(1))

    def do(self, command: cmd.Command) -> list[ev.Event]:
        now = self.clock.now()
        events = day_events(self.state, now)
        for event in events:
            self._apply(event)
        produced = decide(self.state, command, Context(now, lambda: next(self._tokens)))
        for event in produced:
            self._apply(event)
        return produced

    def _apply(self, event: ev.Event) -> None:
        self.state.apply(event)
        self.log.append(event)

    def issue(self, service_id: str, **extra: object) -> str:
        (event,) = self.do(cmd.IssueTicket(actor="kiosk", service_id=service_id, **extra))  # type: ignore[arg-type]
        assert isinstance(event, ev.TicketIssued)
        return event.ticket

    def open(self, desk: int, who: str) -> None:
        self.do(cmd.OpenDesk(actor=who, desk=desk))

    def call(self, desk: int, who: str) -> str:
        (event,) = self.do(cmd.CallNext(actor=who, desk=desk))
        assert isinstance(event, ev.VisitCalled)
        return self.state.visits[event.visit_id].ticket

    def visit(self, ticket: str):  # type: ignore[no-untyped-def]
        visit = self.state.visit_by_ticket(ticket)
        assert visit is not None
        return visit
