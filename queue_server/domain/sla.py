"""The share of visits within the waiting target (SLA): one rule for the live dashboard and the reports.

The rule, and why:

- A visit's **first wait** is measured: the wait from the ticket to the first call is what the visitor
  experiences as "the queue"; a transfer's or a bundle's later waits are the hall's own work, not the target.
- A **booked** visitor's wait starts at their slot, not at check-in (who checks in early has not started
  waiting yet, as in dispatch), and is held to `sla_booked_minutes`; a walk-in to `sla_walk_in_minutes`.
- A wait **still going on** counts up to `now`. Both earlier versions differed here: the dashboard counted
  to now, the reports counted an open wait as zero, so someone waiting for an hour was "within target" in
  today's report. Someone who has already waited longer than the target is above it, whether or not they
  have been called yet; past days are unaffected (the day's end closes every wait).
- Every visit of the day counts in the denominator; one that never waited (none yet) is within.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from .hall import Policy
from .visit import PeriodKind, Visit


@dataclass(frozen=True)
class SlaShare:
    visits: int
    above: int

    @property
    def within_share(self) -> float:
        """Rounded to 0.1 %; 1.0 for a day without visits (nobody waited too long)."""
        return round(1 - self.above / self.visits, 3) if self.visits else 1.0


def above_target(policy: Policy, visit: Visit, now: datetime) -> bool:
    first = next((p for p in visit.periods if p.kind is PeriodKind.WAITING), None)
    if first is None:
        return False
    start = max(first.start, visit.booked_for) if visit.booked_for is not None else first.start
    limit = policy.sla_booked_minutes if visit.booked_for is not None else policy.sla_walk_in_minutes
    return ((first.end or now) - start).total_seconds() > limit * 60


def sla_share(policy: Policy, visits: Iterable[Visit], now: datetime) -> SlaShare:
    counted = list(visits)
    return SlaShare(len(counted), sum(1 for visit in counted if above_target(policy, visit, now)))
