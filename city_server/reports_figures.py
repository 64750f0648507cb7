"""The figures the city's reports read, beside the daily ones: computed by the aggregator from the same replay
of a branch's day (aggregates.py), so they agree with the branch's own report of that day.

- `hourly`: per hour of arrival × service — arrivals (tickets issued that day in that hour; a visit carried
  over midnight counts on the day it arrived only, so a sum over days counts every visit once), of them served,
  and the closed waiting periods that began in that hour (by the waiting period's service, as the branch's
  report counts waits).
- `wait_minutes`: how many closed waits lasted each whole minute (0, 1, … `WAIT_MINUTES_CAP`, the last one
  "that long or longer"), per service: a range's 90th percentile is read from their sum to the minute.
- `feedback_daily`: feedback answers and how many were good, per service. Comments stay at the branch: they are
  free text a visitor typed, and the branch's report is where they are read (no personal data leaves it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import asyncpg

from queue_server.domain import events as ev
from queue_server.domain.visit import PeriodKind, Visit, VisitState

WAIT_MINUTES_CAP = 7 * 24 * 60  # a wait of a week or more (a day left open over a holiday) in the last minute


@dataclass
class HourRow:
    arrivals: int = 0
    served: int = 0
    wait_seconds_sum: float = 0.0
    wait_count: int = 0


@dataclass
class ReportFigures:
    hourly: dict[tuple[int, str], HourRow] = field(default_factory=lambda: defaultdict(HourRow))
    wait_minutes: Counter[tuple[str, int]] = field(default_factory=Counter)
    feedback: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # [answers, good]


def report_figures(visits: list[Visit], other: list[ev.Event], issued: set[str]) -> ReportFigures:
    """The hourly, wait-minute and feedback figures of one day's replay (`issued`: visits issued that day)."""
    figures = ReportFigures()
    for visit in visits:
        if visit.visit_id in issued:
            row = figures.hourly[(visit.issued_at.hour, visit.service_id)]
            row.arrivals += 1
            row.served += visit.state is VisitState.FINISHED
        for period in visit.periods:
            if period.kind is PeriodKind.WAITING and period.end is not None:
                seconds = (period.end - period.start).total_seconds()
                waited = figures.hourly[(period.start.hour, period.service_id)]
                waited.wait_seconds_sum += seconds
                waited.wait_count += 1
                figures.wait_minutes[(period.service_id, min(int(seconds // 60), WAIT_MINUTES_CAP))] += 1
    for event in other:
        if isinstance(event, ev.FeedbackGiven):
            answers = figures.feedback[event.service_id]
            answers[0] += 1
            answers[1] += event.good
    return figures


async def write_report_figures(conn: asyncpg.Connection, branch: str, day: object, figures: ReportFigures) -> None:
    """Replace the day's rows (inside the aggregator's transaction, with its daily rows)."""
    for table in ("hourly", "wait_minutes", "feedback_daily"):
        await conn.execute(f"DELETE FROM {table} WHERE branch = $1 AND day = $2", branch, day)
    await conn.executemany(
        "INSERT INTO hourly (branch, day, hour, service_id, arrivals, served, wait_seconds_sum, wait_count) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        [(branch, day, hour, sid, r.arrivals, r.served, r.wait_seconds_sum, r.wait_count)
         for (hour, sid), r in sorted(figures.hourly.items())])
    await conn.executemany(
        "INSERT INTO wait_minutes (branch, day, service_id, minute, waits) VALUES ($1, $2, $3, $4, $5)",
        [(branch, day, sid, minute, n) for (sid, minute), n in sorted(figures.wait_minutes.items())])
    await conn.executemany(
        "INSERT INTO feedback_daily (branch, day, service_id, answers, good) VALUES ($1, $2, $3, $4, $5)",
        [(branch, day, sid, answers, good) for sid, (answers, good) in sorted(figures.feedback.items())])
