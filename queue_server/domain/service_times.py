"""What the hall has learned from its own log about how long things take, for the wait forecast.

Each service's length is learned per service and per desk (a desk may be quicker at its speciality), as
exponentially weighted means of the minutes and of their squares, so the figures follow a hall that
speeds up or slows down over weeks without keeping every sample. Until a figure has a few samples, the
forecast falls back: desk -> service -> the service's configured average.

The knowledge outlives the day (a day's end does not reset it) and is saved as the day ends (`to_dict`),
so a restarted server starts from what earlier days taught it, never from history scanned on a request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

ALPHA = 0.1  # weight of a new sample once a figure has settled: roughly the last 20 services
MIN_SAMPLES = 5  # samples before a learned figure is trusted over the next fallback
DEFAULT_SPREAD = 0.5  # lognormal sigma of service times before anything is learned
DEFAULT_CALL_MINUTES = 1.0  # from the call to the visitor at the desk (or marked absent)
DEFAULT_PAUSE_MINUTES = 15.0  # a desk's pause, until the hall's own are learned
SHORTEST_MINUTES = 0.2  # a service is never taken as shorter (desks that click "finish" at once teach zeros)


@dataclass
class Figure:
    """A running mean of a quantity and of its square (for the spread)."""

    count: int = 0
    mean: float = 0.0
    square: float = 0.0

    def add(self, value: float) -> None:
        self.count += 1
        weight = max(ALPHA, 1 / self.count)  # a plain average at first, then exponential
        self.mean += weight * (value - self.mean)
        self.square += weight * (value * value - self.square)

    @property
    def spread(self) -> float:
        """The lognormal sigma that gives this mean and variance."""
        variance = max(0.0, self.square - self.mean * self.mean)
        if self.mean <= 0 or variance <= 0:
            return DEFAULT_SPREAD
        return min(1.5, math.sqrt(math.log(1 + variance / (self.mean * self.mean))))


@dataclass
class ServiceTimes:
    by_service: dict[str, Figure]
    by_desk: dict[tuple[str, int], Figure]
    call: Figure  # minutes from the call until the visitor is at the desk or marked absent
    no_show: Figure  # 1 for a no-show, 0 for a visitor who came: its mean is the no-show share
    pause: Figure  # minutes a desk's pause lasts
    requeue: Figure  # 1 when a service ends with the visitor back in a queue (transfer, postpone, next service)

    @classmethod
    def empty(cls) -> ServiceTimes:
        return cls({}, {}, Figure(), Figure(), Figure(), Figure())

    def observe_service(self, service_id: str, desk: int, minutes: float) -> None:
        self.by_service.setdefault(service_id, Figure()).add(minutes)
        self.by_desk.setdefault((service_id, desk), Figure()).add(minutes)

    def observe_call(self, minutes: float, came: bool) -> None:
        self.call.add(minutes)
        self.no_show.add(0.0 if came else 1.0)

    def service(self, service_id: str, desk: int | None, configured: float) -> tuple[float, float]:
        """(mean minutes, lognormal spread) for this service at this desk; the mean is never below
        `SHORTEST_MINUTES` (the forecast draws lognormal lengths, which need a positive mean)."""
        for figure in (self.by_desk.get((service_id, desk)) if desk is not None else None,
                       self.by_service.get(service_id)):
            if figure is not None and figure.count >= MIN_SAMPLES:
                return max(SHORTEST_MINUTES, figure.mean), figure.spread
        return max(SHORTEST_MINUTES, configured), DEFAULT_SPREAD

    def observe_pause(self, minutes: float) -> None:
        self.pause.add(minutes)

    def observe_service_end(self, requeued: bool) -> None:
        self.requeue.add(1.0 if requeued else 0.0)

    def pause_minutes(self) -> float:
        return self.pause.mean if self.pause.count >= MIN_SAMPLES else DEFAULT_PAUSE_MINUTES

    def requeue_share(self) -> float:
        return self.requeue.mean if self.requeue.count >= MIN_SAMPLES else 0.0

    def call_minutes(self) -> float:
        return self.call.mean if self.call.count >= MIN_SAMPLES else DEFAULT_CALL_MINUTES

    def no_show_share(self) -> float:
        return self.no_show.mean if self.no_show.count >= MIN_SAMPLES else 0.0

    # -- saved as the day ends ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        def row(f: Figure) -> list[float]:
            return [f.count, f.mean, f.square]

        return {"service": {k: row(f) for k, f in self.by_service.items()},
                "desk": [[s, d, *row(f)] for (s, d), f in self.by_desk.items()],
                "call": row(self.call), "no_show": row(self.no_show), "pause": row(self.pause),
                "requeue": row(self.requeue)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ServiceTimes:
        def figure(values: list[float]) -> Figure:
            return Figure(int(values[0]), float(values[1]), float(values[2]))

        return cls({k: figure(v) for k, v in data.get("service", {}).items()},
                   {(str(r[0]), int(r[1])): figure(r[2:]) for r in data.get("desk", [])},
                   *(figure(data.get(name, [0, 0, 0])) for name in ("call", "no_show", "pause", "requeue")))
