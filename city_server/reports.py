"""The city's reports over a date range, read from the aggregates (never from the events): a year of nine
branches is a few hundred thousand rows summed in PostgreSQL, not two million visits replayed.

What each figure means (docs/city.md, "City reports"):
- visits, served, no-shows, cancelled, SLA share: by the visit's service, summed from `daily` (the branch's own
  report's figures of each day);
- waits: closed waiting periods by the waiting period's service; the mean from `daily`'s sums, the 90th
  percentile from `wait_minutes` to the whole minute (the nearest-rank p90 of the range lies in that minute:
  shown as its upper edge, "at most N minutes");
- average load: for a branch, a weekday and an hour, the visits arriving in that hour on those weekdays of the
  range divided by the number of those weekdays the branch was open (issued at least one ticket). A weekday
  the branch was closed (a holiday, a weekend) does not dilute it. The city's figure for an hour is the sum of
  its branches' averages;
- feedback: answers, the share of good ones and complaints per 1,000 visits, as the branch's report gives them.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from queue_server.reports import WEEKDAY_NAMES

from .errors import CityError

MAX_REPORT_DAYS = 366  # a year (a leap one too) per request
MAX_BRANCH_FILTERS = 50
MAX_SERVICE_FILTERS = 100
NAME = re.compile(r"^[a-z0-9_-]{1,64}$")  # branch names (store.py) and service ids
DAY_ROWS_PAGE = 1000  # rows fetched at a time by an export


@dataclass(frozen=True)
class ReportQuery:
    start: date
    end: date
    branches: list[str] | None  # None: every branch
    services: list[str] | None  # None: every service

    def args(self) -> tuple[date, date, list[str] | None, list[str] | None]:
        return self.start, self.end, self.branches, self.services


def parse_query(query: Mapping[str, str], multi: Mapping[str, list[str]]) -> ReportQuery:
    """The range and filters of a report request, checked: a refusal names what is wrong (uk/en)."""
    try:
        start = date.fromisoformat(query.get("from", ""))
        end = date.fromisoformat(query.get("to", ""))
    except ValueError:
        raise CityError(400, "invalid_report_query", details="from, to: YYYY-MM-DD") from None
    if end < start:
        raise CityError(400, "invalid_report_query", details="to is before from")
    if (end - start).days + 1 > MAX_REPORT_DAYS:
        raise CityError(400, "report_range_too_long", limit=MAX_REPORT_DAYS)
    branches = _names(multi.get("branch", []), MAX_BRANCH_FILTERS, "branch")
    services = _names(multi.get("service", []), MAX_SERVICE_FILTERS, "service")
    return ReportQuery(start, end, branches, services)


def _names(values: list[str], limit: int, what: str) -> list[str] | None:
    if len(values) > limit:
        raise CityError(400, "too_many_filters", what=what, limit=limit)
    for value in values:
        if not NAME.match(value):
            raise CityError(400, "invalid_report_query", details=f"{what}: a-z, 0-9, - and _, 1-64 characters")
    return sorted(set(values)) or None


FILTER = "day BETWEEN $1 AND $2 AND ($3::text[] IS NULL OR branch = ANY($3)) " \
         "AND ($4::text[] IS NULL OR service_id = ANY($4))"


async def known_branches(pool: asyncpg.Pool) -> list[str]:
    return [r["name"] for r in await pool.fetch("SELECT name FROM branches ORDER BY name")]


async def branch_names(pool: asyncpg.Pool) -> dict[str, dict[str, str]]:
    """Each branch's centre as its hall names it (people read «ЦНАП Інгулець», not `inhulets`); a branch whose
    hall has not reached the city yet is left out, and the page shows its name at the city instead."""
    rows = await pool.fetch("SELECT name, hall->'centre'->>'name_uk' AS uk, hall->'centre'->>'name_en' AS en "
                            "FROM branches WHERE hall IS NOT NULL")
    return {r["name"]: {"uk": r["uk"], "en": r["en"] or r["uk"]} for r in rows if r["uk"]}


async def check_branches(pool: asyncpg.Pool, query: ReportQuery) -> list[str]:
    """Every branch the city knows; a filter naming another is refused (a typo must not read as "no visits")."""
    known = await known_branches(pool)
    for name in query.branches or []:
        if name not in known:
            raise CityError(400, "unknown_branch", branch=name)
    return known


def p90_minutes(by_minute: Mapping[int, int]) -> int | None:
    """The upper edge of the whole minute holding the nearest-rank 90th percentile (None without waits)."""
    total = sum(by_minute.values())
    if not total:
        return None
    rank, seen = max(1, math.ceil(0.9 * total)), 0
    for minute in sorted(by_minute):
        seen += by_minute[minute]
        if seen >= rank:
            return minute + 1
    raise AssertionError("unreachable")


class _Sums:
    """Counts summed over rows, and the figures people read from them."""

    def __init__(self) -> None:
        self.visits = self.served = self.no_shows = self.cancelled = self.sla_met = 0
        self.wait_seconds, self.wait_count = 0.0, 0
        self.by_minute: dict[int, int] = defaultdict(int)
        self.answers = self.good = 0

    def add_daily(self, row: Mapping[str, Any]) -> None:
        self.visits += row["visits"]
        self.served += row["served"]
        self.no_shows += row["no_shows"]
        self.cancelled += row["cancelled"]
        self.sla_met += row["sla_met"]
        self.wait_seconds += row["wait_seconds_sum"]
        self.wait_count += row["wait_count"]

    def figures(self) -> dict[str, Any]:
        return {
            "visits": self.visits, "served": self.served, "no_shows": self.no_shows, "cancelled": self.cancelled,
            "wait": {"count": self.wait_count,
                     "avg_minutes": round(self.wait_seconds / self.wait_count / 60, 1) if self.wait_count else None,
                     "p90_minutes": p90_minutes(self.by_minute)},
            "sla": {"met": self.sla_met,
                    "within_share": round(self.sla_met / self.visits, 3) if self.visits else None},
            "feedback": {"answers": self.answers,
                         "positive_share": round(self.good / self.answers, 3) if self.answers else None,
                         "complaints_per_1000": round((self.answers - self.good) * 1000 / self.visits, 1)
                         if self.visits else None},
        }


async def build_report(pool: asyncpg.Pool, query: ReportQuery) -> dict[str, Any]:
    """The report (bounded by branches × services × hours, whatever the range)."""
    known = await check_branches(pool, query)
    args = query.args()
    city = _Sums()
    branch_sums: dict[str, _Sums] = defaultdict(_Sums)
    pair_sums: dict[tuple[str, str], _Sums] = defaultdict(_Sums)
    for row in await pool.fetch(
            "SELECT branch, service_id, sum(visits)::int AS visits, sum(served)::int AS served, "
            "sum(no_shows)::int AS no_shows, sum(cancelled)::int AS cancelled, sum(sla_met)::int AS sla_met, "
            "sum(wait_seconds_sum) AS wait_seconds_sum, sum(wait_count)::int AS wait_count "
            f"FROM daily WHERE {FILTER} GROUP BY branch, service_id", *args):
        for sums in (city, branch_sums[row["branch"]], pair_sums[(row["branch"], row["service_id"])]):
            sums.add_daily(row)
    for row in await pool.fetch(
            "SELECT branch, service_id, minute, sum(waits)::int AS waits "
            f"FROM wait_minutes WHERE {FILTER} GROUP BY branch, service_id, minute", *args):
        for sums in (city, branch_sums[row["branch"]], pair_sums[(row["branch"], row["service_id"])]):
            sums.by_minute[row["minute"]] += row["waits"]
    for row in await pool.fetch(
            "SELECT branch, service_id, sum(answers)::int AS answers, sum(good)::int AS good "
            f"FROM feedback_daily WHERE {FILTER} GROUP BY branch, service_id", *args):
        for sums in (city, branch_sums[row["branch"]], pair_sums[(row["branch"], row["service_id"])]):
            sums.answers += row["answers"]
            sums.good += row["good"]
    load = await _load(pool, query)
    shown = sorted(set(branch_sums) | {entry["branch"] for entry in load})
    return {
        "from": query.start.isoformat(), "to": query.end.isoformat(),
        "days": (query.end - query.start).days + 1,
        "filters": {"branches": query.branches, "services": query.services},
        "known_branches": known,
        "branch_names": await branch_names(pool),
        "service_names": await service_names(pool),
        "city": city.figures(),
        "by_branch": [{"branch": b, **branch_sums[b].figures()} for b in shown],
        "by_branch_service": [{"branch": b, "service_id": s, **sums.figures()}
                              for (b, s), sums in sorted(pair_sums.items())],
        "load": load,
        "load_city": _city_load(load),
    }


async def _load(pool: asyncpg.Pool, query: ReportQuery) -> list[dict[str, Any]]:
    """Per branch: the days it was open by weekday, and the average arrivals per weekday × hour."""
    open_days: dict[str, dict[int, int]] = defaultdict(dict)
    for row in await pool.fetch(
            "SELECT branch, extract(isodow FROM day)::int - 1 AS weekday, count(DISTINCT day)::int AS days "
            "FROM hourly WHERE day BETWEEN $1 AND $2 AND ($3::text[] IS NULL OR branch = ANY($3)) "
            "AND arrivals > 0 GROUP BY branch, weekday", query.start, query.end, query.branches):
        open_days[row["branch"]][row["weekday"]] = row["days"]
    cells: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in await pool.fetch(
            "SELECT branch, extract(isodow FROM day)::int - 1 AS weekday, hour, sum(arrivals)::int AS arrivals "
            f"FROM hourly WHERE {FILTER} GROUP BY branch, weekday, hour HAVING sum(arrivals) > 0 "
            "ORDER BY branch, weekday, hour", *query.args()):
        days = open_days[row["branch"]].get(row["weekday"], 0)
        if days:  # arrivals on a weekday with no ticket issued cannot be; kept safe from dividing by zero
            cells[row["branch"]].append({"weekday": WEEKDAY_NAMES[row["weekday"]], "hour": row["hour"],
                                         "arrivals": row["arrivals"], "average": round(row["arrivals"] / days, 2)})
    return [{"branch": branch,
             "open_days": {WEEKDAY_NAMES[d]: n for d, n in sorted(open_days[branch].items())},
             "cells": cells[branch]} for branch in sorted(open_days)]


def _city_load(load: list[dict[str, Any]]) -> list[dict[str, Any]]:
    total: dict[tuple[int, int], float] = defaultdict(float)
    for branch in load:
        for cell in branch["cells"]:
            total[(WEEKDAY_NAMES.index(cell["weekday"]), cell["hour"])] += cell["average"]
    return [{"weekday": WEEKDAY_NAMES[d], "hour": h, "average": round(v, 2)} for (d, h), v in sorted(total.items())]


# A hall's list, or an empty one if the document has something else there (a hall is checked when it comes).
_ARRAY = "CASE WHEN jsonb_typeof({0}->'{1}') = 'array' THEN {0}->'{1}' ELSE '[]'::jsonb END"


async def service_names(pool: asyncpg.Pool) -> dict[str, dict[str, str]]:
    """Each service's name in uk and en, from the branches' halls (the first branch that names it)."""
    rows = await pool.fetch(
        "SELECT DISTINCT ON (s->>'id') s->>'id' AS id, s->>'name_uk' AS uk, s->>'name_en' AS en FROM branches, "
        f"jsonb_array_elements({_ARRAY.format('hall', 'categories')}) AS c, "
        f"jsonb_array_elements({_ARRAY.format('c', 'services')}) AS s ORDER BY s->>'id', name")
    return {r["id"]: {"uk": r["uk"] or r["id"], "en": r["en"] or r["uk"] or r["id"]} for r in rows if r["id"]}


DAY_COLUMNS = ("branch", "day", "weekday", "service_id", "visits", "served", "no_shows", "cancelled", "waits",
               "wait_avg_min", "sla_met", "sla_within_share", "feedback_answers", "feedback_good")


async def day_rows(pool: asyncpg.Pool, query: ReportQuery) -> AsyncIterator[list[tuple[Any, ...]]]:
    """The range's rows per branch × day × service (DAY_COLUMNS), DAY_ROWS_PAGE at a time from a cursor:
    an export holds one page in memory, whatever the range."""
    async with pool.acquire() as conn, conn.transaction():
        cursor = conn.cursor(
            "SELECT d.branch, d.day, d.service_id, d.visits, d.served, d.no_shows, d.cancelled, d.wait_count, "
            "d.wait_seconds_sum, d.sla_met, coalesce(f.answers, 0) AS answers, coalesce(f.good, 0) AS good "
            "FROM daily d LEFT JOIN feedback_daily f USING (branch, day, service_id) "
            "WHERE d.day BETWEEN $1 AND $2 AND ($3::text[] IS NULL OR d.branch = ANY($3)) "
            "AND ($4::text[] IS NULL OR d.service_id = ANY($4)) ORDER BY d.branch, d.day, d.service_id",
            *query.args(), prefetch=DAY_ROWS_PAGE)
        page: list[tuple[Any, ...]] = []
        async for r in cursor:
            page.append((r["branch"], r["day"].isoformat(), WEEKDAY_NAMES[r["day"].weekday()], r["service_id"],
                         r["visits"], r["served"], r["no_shows"], r["cancelled"], r["wait_count"],
                         round(r["wait_seconds_sum"] / r["wait_count"] / 60, 1) if r["wait_count"] else None,
                         r["sla_met"], round(r["sla_met"] / r["visits"], 3) if r["visits"] else None,
                         r["answers"], r["good"]))
            if len(page) == DAY_ROWS_PAGE:
                yield page
                page = []
        if page:
            yield page

