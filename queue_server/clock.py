"""Clocks: the system clock, and controllable ones for tests, demos and the day simulator.

The domain never asks the time; the service asks the clock and passes `now` in.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from .domain.hall import Hall


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def now(self) -> datetime:
        return datetime.now(self.zone)


class OffsetClock:
    """Real time, shifted to start at `start`: a demo or a test at 03:00 still sees an open hall."""

    def __init__(self, start: datetime) -> None:
        self.start = start
        self._origin = time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self._origin)


class ManualClock:
    """Moves only when told: for tests and the simulator."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, moment: datetime) -> None:
        self.current = moment


def next_open_moment(hall: Hall, after: datetime, at_hour: int = 10) -> datetime:
    """The first day from `after` on whose hours include `at_hour`:00, at that time."""
    candidate = after.replace(hour=at_hour, minute=0, second=0, microsecond=0)
    for _ in range(14):
        if hall.is_open_at(candidate):
            return candidate
        candidate += timedelta(days=1)
    raise ValueError("the hall is never open at that hour")


def parse_clock_start(value: str, hall: Hall) -> datetime:
    """`--clock-start`: `demo` (the next open day at 10:00), `HH:MM` today, or an ISO date-time."""
    zone = ZoneInfo(hall.timezone)
    now = datetime.now(zone)
    if value == "demo":
        return next_open_moment(hall, now)
    if len(value) == 5 and value[2] == ":":
        hour, minute = int(value[:2]), int(value[3:])
        return now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
