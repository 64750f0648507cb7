"""The daily figures the city's reports read: per branch × day × service, computed from that day's events
exactly as the branch's own report computes them (`queue_server.reports.replay`, with the branch's hall).

A day is computed again, whole, when its events grow: the ingest marks it in `dirty_days` when the events
become contiguous (acknowledged), and `Aggregator` picks the marks up every few seconds, so a batch never
waits for a report and a busy day is replayed at most once per round, not once per batch. Only acknowledged
events count: a day is never reported with a hole in it. An open day's waits still running count up to its
latest event; the day's end (the branch's `day_ended`) closes them, and then the figures are final.

A visit served across midnight is in both days' figures, as it is in the branch's one-day reports of both.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date, datetime

import asyncpg

from queue_server.config import ConfigError, hall_from_data
from queue_server.domain import events as ev
from queue_server.domain.hall import Hall
from queue_server.domain.sla import above_target
from queue_server.domain.visit import PeriodKind, Visit, VisitState
from queue_server.reports import replay
from queue_server.store import EventRecord

from .reports_figures import ReportFigures, report_figures, write_report_figures

log = logging.getLogger("cherha.city")
ROUND_DAYS = 50  # dirty days taken per round


@dataclass
class DailyRow:
    service_id: str
    visits: int = 0
    served: int = 0
    no_shows: int = 0
    cancelled: int = 0
    wait_seconds_sum: float = 0.0
    wait_count: int = 0
    sla_met: int = 0


def day_rows(hall: Hall, records: list[EventRecord]) -> list[DailyRow]:
    """One business day's figures per service (the visit's own service; waits by the waiting period's)."""
    return day_figures(hall, records)[0]


def day_figures(hall: Hall, records: list[EventRecord]) -> tuple[list[DailyRow], ReportFigures]:
    """The day's daily rows and its report figures (reports_figures.py), from one replay."""
    if not records:
        return [], ReportFigures()
    visits, other = replay(hall, records)
    issued = {r.payload["visit_id"] for r in records if r.payload.get("type") == ev.TicketIssued.type_name}
    return _daily(hall, records, visits), report_figures(visits, other, issued)


def _daily(hall: Hall, records: list[EventRecord], visits: list[Visit]) -> list[DailyRow]:
    now = max(_at(r) for r in records)
    rows: dict[str, DailyRow] = defaultdict(lambda: DailyRow(""))
    for visit in visits:
        row = rows[visit.service_id]
        row.visits += 1
        row.served += visit.state is VisitState.FINISHED
        row.no_shows += visit.state is VisitState.NO_SHOW
        row.cancelled += visit.state is VisitState.CANCELLED
        row.sla_met += not above_target(hall.policy, visit, now)
        for period in visit.periods:
            if period.kind is PeriodKind.WAITING and period.end is not None:
                waited = rows[period.service_id]
                waited.wait_seconds_sum += (period.end - period.start).total_seconds()
                waited.wait_count += 1
    for service_id, row in rows.items():
        row.service_id = service_id
    return [rows[sid] for sid in sorted(rows)]


def _at(record: EventRecord) -> datetime:
    return datetime.fromisoformat(record.payload["at"])


class Aggregator:
    def __init__(self, pool: asyncpg.Pool, interval: float = 5.0) -> None:
        self.pool, self.interval = pool, interval
        self._halls: dict[str, tuple[str, Hall]] = {}  # branch -> (its hall's JSON, the parsed hall)
        # Days this process could not replay, at the version it tried: not tried again until they change.
        self._failed: set[tuple[str, date, int]] = set()
        self.rounds = 0

    @property
    def failed(self) -> set[tuple[str, date, int]]:
        """(branch, day, version) of the days this process could not replay (logged; left dirty)."""
        return set(self._failed)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                busy = await self.round()
            except (OSError, asyncpg.PostgresError) as exc:
                log.warning("aggregation round failed: %s", exc)
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval)

    async def round(self) -> bool:
        """Report the oldest dirty days; True when a full round was taken (more may wait)."""
        self.rounds += 1
        dirty = await self.pool.fetch(
            "SELECT d.branch, d.day, d.version, b.acked, b.hall::text AS hall FROM dirty_days d "
            "JOIN branches b ON b.name = d.branch WHERE b.hall IS NOT NULL ORDER BY d.day LIMIT $1", ROUND_DAYS)
        for row in dirty:
            if (row["branch"], row["day"], row["version"]) not in self._failed:
                await self._report(row["branch"], row["day"], row["version"], row["acked"], row["hall"])
        return len(dirty) == ROUND_DAYS and not any((r["branch"], r["day"], r["version"]) in self._failed
                                                    for r in dirty)

    def _hall(self, branch: str, text: str) -> Hall | None:
        known = self._halls.get(branch)
        if known is None or known[0] != text:
            try:
                known = (text, hall_from_data(json.loads(text), f"branch {branch}"))
            except ConfigError as exc:
                log.warning("the hall of branch %s cannot be read: %s", branch, exc)
                return None
            self._halls[branch] = known
        return known[1]

    async def _report(self, branch: str, day: date, version: int, acked: int, hall_text: str) -> None:
        hall = self._hall(branch, hall_text)
        if hall is None:
            return
        rows = await self.pool.fetch(
            "SELECT seq, day, payload::text AS payload FROM events WHERE branch = $1 AND day = $2 AND seq <= $3 "
            "ORDER BY seq", branch, day, acked)
        records = [EventRecord(r["seq"], r["day"].isoformat(), json.loads(r["payload"])) for r in rows]
        try:
            figures, extra = await asyncio.to_thread(day_figures, hall, records)
        except Exception:  # a day the domain cannot replay is logged and left dirty, never half-reported
            log.exception("cannot report branch %s, day %s", branch, day)
            self._failed.add((branch, day, version))
            return
        names = [f.name for f in fields(DailyRow)]
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM daily WHERE branch = $1 AND day = $2", branch, day)
            await conn.executemany(
                f"INSERT INTO daily (branch, day, {', '.join(names)}) VALUES "
                f"($1, $2, {', '.join(f'${i + 3}' for i in range(len(names)))})",
                [(branch, day, *(getattr(row, n) for n in names)) for row in figures])
            await write_report_figures(conn, branch, day, extra)
            # Left marked if the day changed again meanwhile: the next round takes it.
            await conn.execute("DELETE FROM dirty_days WHERE branch = $1 AND day = $2 AND version = $3",
                               branch, day, version)
