"""A year of a Lutsk-sized centre as an event store on disk, made fast: the pure domain in memory, no protocol.

Every working day (Monday to Friday, the hall's holidays off) of the year before `END` is drawn and played by
the simulator (queue_server/simulation/engine.py) on the real `decide` and `apply`, carrying the hall's state
from day to day as the server does (yesterday ends, today opens, a visitor at a desk carries over). Each
command's events and its stored answer are written through the store's own encoding (`EventStore.write_rows`),
one transaction a day, exactly as the running server would have logged them. About one visitor in ten rates
the visit (a feedback event), so the feedback page and the reports' feedback figures have a year too.

    python -m bench.year_data /tmp/year.sqlite3 [--visits 214000] [--days N]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import random
import sqlite3
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from queue_server.config import DEMO_HALL, load_hall
from queue_server.domain import commands as cmd
from queue_server.domain import events as ev
from queue_server.domain.decide import Context, day_events, decide
from queue_server.domain.errors import CherhaError
from queue_server.domain.hall import WEEKDAYS, Hall
from queue_server.domain.state import HallState
from queue_server.domain.visit import PeriodKind
from queue_server.hall_service import log_day, respond
from queue_server.simulation.drivers import DomainDriver
from queue_server.simulation.engine import draw_day, play
from queue_server.simulation.profiles import LUTSK
from queue_server.store import EventRecord, EventStore, StoredCommand
from queue_server.store.migrations import migrate

END = date(2026, 11, 24)  # the tests' Tuesday: the year runs up to the day before it
VISITS = 214_000
FEEDBACK_SHARE = 0.1
UPGRADED_FROM = 9
WRITE_EVERY = 10  # days
COMMENTS = ("Швидко і ввічливо", "Довго чекав", "Дякую!", "=1+1 (a comment that looks like a formula)")


class RecordingDriver(DomainDriver):
    """The domain driver that also keeps what the server would log: every event with its sequence number and
    business day, and every command's answer under a fresh command id."""

    def __init__(self, hall: Hall, start: datetime, state: HallState, seq: int, rng: random.Random) -> None:
        super().__init__(hall, start, predict=False, state=state)
        self.config, self.seq, self.rng = hall, seq, rng
        self.records: list[EventRecord] = []
        self.commands: list[StoredCommand] = []
        self._tokens = (uuid.UUID(int=rng.getrandbits(128)).hex for _ in itertools.count())

    def _anyone_for(self, desk: int) -> bool:
        """Whether `choose_next` could find a visit for this desk: one waiting for a service it serves (unpinned),
        or pinned to it. False exactly when it returns None."""
        now, state = self.clock.now(), self.state
        for visit in state.live.values():
            if visit.target_desk == desk and visit.is_waiting(now):
                return True
        return any(visit.target_desk is None and visit.is_waiting(now)
                   for service_id, _weight in state.desks[desk].weights
                   for visit in state.live_by_service.get(service_id, {}).values())

    def _log(self, events: list[Any]) -> list[EventRecord]:
        out = []
        for event in events:
            self.state.apply(event)
            self.seq += 1
            out.append(EventRecord(self.seq, log_day(self.state, event), ev.to_dict(event)))
        self.records += out
        return out

    def _do(self, command: cmd.Command) -> list[Any] | None:
        now = self.clock.now()
        self._log(day_events(self.state, now))
        codes = (f"{self.start:%j}{n:05d}" for n in self._codes)
        try:
            events = decide(self.state, command, Context(now, lambda: next(self._tokens), lambda: next(codes),
                                                         self.predict))
        except CherhaError:
            return None
        self._log(events)
        answer = respond(self.config, self.state, now, command, events, self.seq)
        day = self.state.day or now.date().isoformat()
        self.commands.append(StoredCommand(uuid.UUID(int=self.rng.getrandbits(128)).hex, command.actor, day, answer))
        return events

    async def desk(self, desk: int, action: str, **fields: Any) -> dict[str, Any] | None:
        if action == "call_next" and not self._anyone_for(desk):
            # The hall would refuse the call (queue_empty) and log nothing: most of a day's calls are of this kind
            # (every free desk tries after each event), and `choose_next` is the costliest part of deciding.
            # Calls never open a day (the desks' `desk_open` does, earlier), so the log is the same, byte for byte.
            return None
        answer = await super().desk(desk, action, **fields)
        if action == "finish" and answer and self.rng.random() < FEEDBACK_SHARE:
            visit = self.state.visits[answer["visit"]["visit_id"]]
            served = [p for p in visit.periods if p.kind is PeriodKind.SERVICE]
            good = self.rng.random() < 0.85
            comment = self.rng.choice(COMMENTS) if self.rng.random() < 0.3 else None
            self._do(cmd.GiveFeedback(actor="visitor", visit_id=visit.visit_id, service_id=served[-1].service_id,
                                      desk=served[-1].desk, operator=served[-1].operator, good=good,
                                      reason=None if good else "wait", comment=comment))
        return answer


def working_days(hall: Hall, end: date, count: int | None = None) -> list[date]:
    """The weekdays (Monday to Friday) the hall is open in the year before `end`, oldest first."""
    days = []
    day = end - timedelta(days=365)
    while day < end:
        if day.weekday() < 5 and hall.hours.get(WEEKDAYS[day.weekday()]) and day not in hall.holidays:
            days.append(day)
        day += timedelta(days=1)
    return days[:count] if count else days


def generate(path: Path, visits: int = VISITS, days: int | None = None, month_copy: Path | None = None,
             month_days: int = 22, end: date = END, seed: int = 0) -> dict[str, Any]:
    """Write the store at `path` (replacing it); `month_copy` also gets the first `month_days` days alone.
    Another `seed` draws other days (another branch of a city, bench/city_catchup.py)."""
    hall = load_hall(DEMO_HALL)
    for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), path.with_suffix(".acked-seq")):
        stale.unlink(missing_ok=True)
    calendar = working_days(hall, end)
    per_day = round(visits / len(calendar))
    if days:
        calendar = calendar[-days:]
    db = Database(sqlite3.connect(path, isolation_level=None))
    # A generated file, written once by one connection: no journal and no syncs (a crash means generating again).
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    # As the release before this one wrote its stores (schema 9): every command's answer kept, so the server's
    # first start on it is a real upgrade (migration 10 and the catch-up after it).
    migrate(db, upto=UPGRADED_FROM)
    state, seq, rng = HallState(hall), 0, random.Random(19 + seed)
    zone = ZoneInfo(hall.timezone)
    started, issued, events = time.perf_counter(), 0, 0
    pending: list[RecordingDriver] = []
    for index, day in enumerate(calendar):
        profile = dataclasses.replace(LUTSK, day=day, visitors=per_day)
        drawn = draw_day(hall, profile, seed=seed * 1000 + index + 1)
        driver = RecordingDriver(hall, datetime.combine(day, drawn.opening.time(), zone) - timedelta(hours=1),
                                 state, seq, rng)
        result = asyncio.run(play(driver, drawn))
        issued += result.issued
        events += len(driver.records)
        state, seq = driver.state, driver.seq
        pending.append(driver)
        if len(pending) == WRITE_EVERY or index + 1 in (len(calendar), month_days):
            with db.atomic():  # a few days a transaction
                for done in pending:
                    EventStore.write_rows(db, done.records, done.commands)
            pending.clear()
        if month_copy is not None and index + 1 == month_days:
            month_copy.unlink(missing_ok=True)
            target = sqlite3.connect(month_copy)
            db.conn.backup(target)
            target.close()
    db.close()
    return {"days": len(calendar), "visits": issued, "events": events, "last_day": calendar[-1].isoformat(),
            "seconds": round(time.perf_counter() - started, 1), "bytes": path.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path)
    parser.add_argument("--visits", type=int, default=VISITS)
    parser.add_argument("--days", type=int, default=None, help="only the last N working days (quick runs)")
    args = parser.parse_args()
    print(generate(args.path, args.visits, args.days))


if __name__ == "__main__":
    main()
