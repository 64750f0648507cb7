"""Reading the history for reports and exports: run in a report worker, a process of its own with a read-only
connection (report_worker.py), never on the writer thread or the event loop, and a day of events at a time.

A report adds up the stored figures of the range's ended days (queue_server/day_figures.py) and computes the
rest (today, or a day whose figures are not stored yet) from that day's events alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from . import day_figures
from .domain.hall import Hall
from .domain.visit import Visit
from .reports import visits_by_day
from .store import EventRecord, EventStore

# The report answers with the newest comments only: a year holds thousands of them (most of a year report's
# megabyte), and a supervisor pages through the rest (GET /api/reports/comments, docs/dashboard.md).
COMMENTS_IN_REPORT = 50
MAX_COMMENTS_PAGE = 200


def _days(hall: Hall, db: Database, first: str, last: str, now: datetime) -> list[day_figures.DayFigures]:
    stored = EventStore.stored_figures(db, first, last)
    days = []
    for day in EventStore.days_between(db, first, last):
        figures = day_figures.from_json(json.loads(stored[day])) if day in stored else None
        if figures is None:
            figures = day_figures.of_day(hall, EventStore.events_of_days(db, day, day), now)
        days.append(figures)
    return days


def report(hall: Hall, db: Database, first: str, last: str, now: datetime) -> dict[str, Any]:
    """The report over [first, last] (without its rows: `rows` is their number), every comment in it."""
    result = day_figures.combine(hall, _days(hall, db, first, last, now), now)
    result["rows"] = result["visits"]  # one row per visit, in the exports
    return result


def comments(hall: Hall, db: Database, first: str, last: str, now: datetime) -> list[dict[str, Any]]:
    """Every comment of the range, oldest first (as `report` has them)."""
    return [comment for figures in _days(hall, db, first, last, now) for comment in figures.comments]


def newest_first(comments: list[dict[str, Any]], offset: int, limit: int) -> list[dict[str, Any]]:
    """A page of the comments, newest first."""
    end = len(comments) - offset
    return comments[max(0, end - limit):max(0, end)][::-1]


def paged(report: dict[str, Any]) -> dict[str, Any]:
    """The report as the API answers it: its newest COMMENTS_IN_REPORT comments, newest first, and their number."""
    feedback = report["feedback"]
    everything = feedback["comments"]
    feedback["comments"] = newest_first(everything, 0, COMMENTS_IN_REPORT)
    feedback["comments_total"] = len(everything)
    return report


def figures_to_store(hall: Hall, db: Database, now: datetime, limit: int) -> list[tuple[str, str]]:
    """Up to `limit` ended days without stored figures, computed: (day, figures as JSON), oldest first.

    A day has ended once a later day has events (its `day_ended` is written with the next day's opening)."""
    latest = EventStore.latest_day(db)
    if latest is None:
        return []
    have = EventStore.stored_figure_days(db)
    out: list[tuple[str, str]] = []
    for day in EventStore.days_between(db, "", latest):
        if day == latest or len(out) >= limit:
            break
        if day in have:
            continue
        figures = day_figures.of_day(hall, EventStore.events_of_days(db, day, day), now)
        out.append((day, json.dumps(day_figures.to_json(figures), ensure_ascii=False)))
    return out


def day_records(db: Database, first: str, last: str) -> Iterator[list[EventRecord]]:
    for day in EventStore.days_between(db, first, last):
        yield EventStore.events_of_days(db, day, day)


def visits(hall: Hall, db: Database, first: str, last: str) -> Iterator[Visit]:
    """Every visit of the range, a day in memory at a time."""
    return visits_by_day(hall, day_records(db, first, last))
