"""Wait forecasts for screens, kept for a short while of hall time.

A forecast (domain/forecast.py) costs a few milliseconds. The ticket's own promise is computed once, at
issue, and frozen in its event. The figures that screens show between issues — each service's wait for a
ticket taken now (kiosk buttons, dashboard) and a waiting visitor's re-estimate (their phone page) — are
recomputed at most every `ttl` of hall time, whatever the number of screens asking; a visitor's own
re-estimate also after each change in the hall.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .domain.forecast import Forecast, Target, forecast, wait_now
from .domain.state import HallState
from .domain.visit import Visit

SERVICE_REPLICATIONS = 3  # per-service figures are an indication; the ticket's promise uses the full count


class Quotes:
    def __init__(self, ttl: timedelta = timedelta(seconds=20)) -> None:
        self.ttl = ttl
        self._services: tuple[datetime, dict[str, Forecast]] | None = None
        self._visits: dict[str, tuple[datetime, int, Forecast]] = {}

    def for_services(self, state: HallState, now: datetime) -> dict[str, Forecast]:
        """What a ticket taken now for each service would be promised."""
        cached = self._services
        if cached is None or not self._fresh(cached[0], now):
            figures = {sid: forecast(state, Target(f"quote-{sid}", sid, now, 0, None), now, SERVICE_REPLICATIONS)
                       for sid in state.hall.services}
            self._services = cached = (now, figures)
        return cached[1]

    def for_visit(self, state: HallState, visit: Visit, seq: int, now: datetime) -> Forecast:
        """A waiting visitor's re-estimate: again after every change in the hall (someone ahead was called),
        and as time passes. Several pages watching one visit share it."""
        cached = self._visits.get(visit.visit_id)
        if cached is None or cached[1] != seq or not self._fresh(cached[0], now):
            if len(self._visits) > 4 * len(state.live) + 100:  # forget visits that have left
                self._visits = {k: v for k, v in self._visits.items() if k in state.live}
            cached = (now, seq, wait_now(state, visit, now))
            self._visits[visit.visit_id] = cached
        return cached[2]

    def _fresh(self, computed: datetime, now: datetime) -> bool:
        return computed <= now < computed + self.ttl  # a clock set back also recomputes
