"""A city of 9 branches, a year in PostgreSQL: how long the city's yearly load report and its exports take.

What is generated, and how (two million visits cannot be played through the domain in a benchmark's time: the
hall's own year of 214,000 took 35 minutes, bench/year_data.py):

1. `TEMPLATE_DAYS` working days of a Lutsk-sized branch (about `VISITS_PER_DAY` visitors each) are drawn and
   played by the simulator on the real domain (`bench.year_data.generate`: the events exactly as a hall server
   logs them, in its own SQLite store).
2. Those days are shipped to a real city server (in this process, on a loopback port, on a PostgreSQL started
   for the run with initdb/pg_ctl) through the real HTTP protocol, batch by batch from the branch's
   `LogReader`, and the city's own aggregator computes their figures (daily, hourly, wait minutes, feedback).
   Each day's figures are checked against the branch's own report of that day (`queue_server.reports.build`).
3. The year is then made of those figures: for each of 9 branches and each working day of the year (Monday to
   Friday, the hall's holidays off), the rows of one template day (a different rotation per branch) are copied
   under the branch's name and the day's date, in SQL. So every row the report reads is a row the real ingest
   and aggregator produced, moved to another date. The year's events themselves are not written (only the
   template days' are in PostgreSQL): the report never reads events, and writing ~9 million JSON events would
   cost this benchmark its time without changing what is measured.
4. The yearly report (every branch, every service), one branch's year, a month, and the year's CSV and XLSX
   exports are requested through the real HTTP API with a staff token, each timed (best and median of
   `REPEATS`), with the machine's load average.

    python -m bench.city_year [--template-days 8] [--visits-per-day 960]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench import year_data
from city_server.aggregates import Aggregator
from city_server.app import CITY_STATE, create_city_app
from city_server.store import CityStore
from city_server.testing_pg import Postgres
from queue_server.clock import ManualClock
from queue_server.config import DEMO_HALL, load_hall
from queue_server.reports import build
from queue_server.shipping.protocol import HALL_PATH, INGEST_PATH
from queue_server.shipping.reader import LogReader
from queue_server.shipping.shipper import hall_document
from queue_server.store import EventRecord
from tests.process import free_port

TEMPLATE_DAYS = 8
VISITS_PER_DAY = 960  # drawn; ~855 get a ticket (the daily air-raid pause turns the rest away): 9 × 261 days ≈ 2.0 M
BRANCHES = ("tsentr", "metalurh", "saksahan", "pokrov", "ternivka", "inhulets", "dovhyntseve", "tsentralnyi",
            "mobilnyi")
END = year_data.END
REPEATS = 3
TABLES = ("daily", "hourly", "wait_minutes", "feedback_daily")


def _say(text: str) -> None:
    print(f"city_year: {text}", file=sys.stderr, flush=True)


def _records_by_day(path: Path) -> dict[str, list[EventRecord]]:
    import sqlite3

    db = sqlite3.connect(path)
    try:
        out: dict[str, list[EventRecord]] = {}
        for seq, day, payload in db.execute("SELECT seq, day, payload FROM events ORDER BY seq"):
            out.setdefault(day, []).append(EventRecord(seq, day, json.loads(payload)))
        return out
    finally:
        db.close()


async def _timed(http: aiohttp.ClientSession, url: str, staff: str, repeats: int = REPEATS) -> dict[str, Any]:
    seconds, size = [], 0
    for _ in range(repeats):
        began = time.perf_counter()
        async with http.get(url, headers={"Authorization": f"Bearer {staff}"}) as response:
            body = await response.read()
            assert response.status == 200, body[:300]
        seconds.append(time.perf_counter() - began)
        size = len(body)
    _say(f"{url.split('?')[0]}: {[round(x, 2) for x in seconds]} s, {size} bytes")
    return {"best": round(min(seconds), 2), "median": round(statistics.median(seconds), 2), "bytes": size,
            "repeats": repeats, "body": body}


async def _measure(store_path: Path, template: list[str], work: Path) -> dict[str, Any]:
    hall = load_hall(DEMO_HALL)
    postgres = Postgres(free_port()).start()
    try:
        dsn = await postgres.new_database()
        store = await CityStore.open(dsn)
        clock = ManualClock(datetime.combine(END, datetime.min.time(), UTC) + timedelta(hours=6))
        app = create_city_app(store, clock, aggregate_seconds=0.2)
        aggregator = app[CITY_STATE].aggregator
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        url = f"http://127.0.0.1:{port}"
        try:
            return await _with_city(store, aggregator, url, clock, hall, store_path, template)
        finally:
            await runner.cleanup()
            await store.close()
    finally:
        postgres.stop()


async def _with_city(store: CityStore, aggregator: Aggregator, url: str, clock: ManualClock, hall: Any,
                     store_path: Path, template: list[str]) -> dict[str, Any]:
    now = clock.now()
    token = await store.add_branch("template", now)
    staff = await store.add_staff("bench", now)
    out: dict[str, Any] = {}
    # No client timeout: on a loaded machine a year's XLSX may take minutes, and that is the figure to report.
    async with aiohttp.ClientSession(base_url=url, timeout=aiohttp.ClientTimeout(total=None)) as http:
        # -- 2. the template days through the real protocol and the real aggregator ----------------------------
        auth = {"Authorization": f"Bearer {token}"}
        async with http.put(HALL_PATH, data=await asyncio.to_thread(hall_document, DEMO_HALL), headers=auth) as r:
            assert r.status == 200, await r.text()
        reader, acked, events = LogReader(store_path), 0, 0
        began = time.perf_counter()
        try:
            while (batch := await reader.batch("template", acked)) is not None:
                async with http.post(INGEST_PATH, data=batch.body, headers=auth) as r:
                    answer = await r.json()
                    assert r.status == 200, answer
                acked, events = answer["acked"], events + batch.count
        finally:
            await reader.close()
        out["ingest_seconds"] = round(time.perf_counter() - began, 1)
        _say(f"{events} events shipped in {out['ingest_seconds']} s; aggregating")
        out["template_events"] = events
        began = time.perf_counter()
        while await store.pool.fetchval("SELECT count(*) FROM dirty_days"):
            if time.perf_counter() - began > 1800:
                raise TimeoutError("the aggregator did not finish the template days")
            await asyncio.sleep(0.2)
            if aggregator.failed:
                raise RuntimeError(f"the aggregator could not replay {sorted(aggregator.failed)}")
        out["aggregate_seconds"] = round(time.perf_counter() - began, 1)
        records = await asyncio.to_thread(_records_by_day, store_path)
        checked = 0
        for day in template:
            own = build(hall, records[day], datetime.fromisoformat(records[day][-1].payload["at"]))
            city = await store.pool.fetchrow(
                "SELECT sum(visits)::int AS visits, sum(served)::int AS served, sum(visits - sla_met)::int AS above "
                "FROM daily WHERE branch = 'template' AND day = $1", date.fromisoformat(day))
            arrivals = await store.pool.fetchval(
                "SELECT sum(arrivals)::int FROM hourly WHERE branch = 'template' AND day = $1", date.fromisoformat(day))
            answers = await store.pool.fetchval(
                "SELECT coalesce(sum(answers), 0)::int FROM feedback_daily WHERE branch = 'template' AND day = $1",
                date.fromisoformat(day))
            same = (city["visits"] == own["visits"] and city["served"] == own["outcomes"]["served"]
                    and city["above"] == own["sla"]["above"] and answers == own["feedback"]["answers"]
                    and arrivals == sum(c["arrivals"] for c in own["heatmap"]))
            assert same, f"day {day}: the city's figures differ from the branch's report"
            checked += 1
        out["days_checked"] = checked

        # -- 3. the year, made of the template days' rows ------------------------------------------------------
        calendar = year_data.working_days(hall, END)
        plan = [(branch, day, date.fromisoformat(template[(index + 3 * number) % len(template)]))
                for number, branch in enumerate(BRANCHES) for index, day in enumerate(calendar)]
        began = time.perf_counter()
        for branch in BRANCHES:
            await store.add_branch(branch, now)
        async with store.pool.acquire() as conn, conn.transaction():
            await conn.execute("CREATE TEMP TABLE plan (branch text, day date, template date) ON COMMIT DROP")
            await conn.copy_records_to_table("plan", records=plan)
            for table in TABLES:
                columns = [r["column_name"] for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
                    "AND column_name NOT IN ('branch', 'day') ORDER BY ordinal_position", table)]
                await conn.execute(
                    f"INSERT INTO {table} (branch, day, {', '.join(columns)}) SELECT p.branch, p.day, "
                    f"{', '.join('t.' + c for c in columns)} FROM plan p JOIN {table} t "
                    "ON t.branch = 'template' AND t.day = p.template")
        await store.pool.execute("VACUUM ANALYZE")
        out["fill_seconds"] = round(time.perf_counter() - began, 1)
        _say(f"the year filled in {out['fill_seconds']} s; timing the reports")
        out["rows"] = {table: await store.pool.fetchval(f"SELECT count(*) FROM {table} WHERE branch <> 'template'")
                       for table in TABLES}
        out["visits"] = await store.pool.fetchval("SELECT sum(visits) FROM daily WHERE branch <> 'template'")
        out["branch_days"] = len(plan)
        out["database_mib"] = round(await store.pool.fetchval("SELECT pg_database_size(current_database())")
                                    / 2**20, 1)
        first, last = calendar[0].isoformat(), calendar[-1].isoformat()
        out["range"] = (first, last)

        # -- 4. the reports through the HTTP API ---------------------------------------------------------------
        branches = "".join(f"&branch={b}" for b in BRANCHES)
        year = f"from={first}&to={last}{branches}"
        month_start = (calendar[-1] - timedelta(days=30)).isoformat()
        out["load_before"] = os.getloadavg()
        timed = {
            "year report (9 branches)": await _timed(http, f"/api/city/reports?{year}", staff),
            "year report (one branch)": await _timed(http, f"/api/city/reports?from={first}&to={last}&branch=tsentr",
                                                     staff),
            "month report (9 branches)": await _timed(http, f"/api/city/reports?from={month_start}&to={last}"
                                                            f"{branches}", staff),
            "year CSV (9 branches)": await _timed(http, f"/api/city/reports.csv?{year}", staff, 1),
            "year XLSX (9 branches)": await _timed(http, f"/api/city/reports.xlsx?{year}", staff, 1),
        }
        out["load_after"] = os.getloadavg()
        report = json.loads(timed["year report (9 branches)"]["body"])
        assert report["city"]["visits"] == out["visits"], "the report does not count the year's visits"
        out["report_visits"] = report["city"]["visits"]
        out["requests"] = {name: {k: v for k, v in figures.items() if k != "body"} for name, figures in timed.items()}
    return out


def run(template_days: int = TEMPLATE_DAYS, visits_per_day: int = VISITS_PER_DAY) -> dict[str, Any]:
    hall = load_hall(DEMO_HALL)
    with tempfile.TemporaryDirectory(prefix="cherha-city-year-") as folder:
        work = Path(folder)
        path = work / "template.sqlite3"
        full = len(year_data.working_days(hall, END))
        _say(f"playing {template_days} template days on the domain")
        generated = year_data.generate(path, visits=visits_per_day * full, days=template_days)
        _say(f"generated: {generated}")
        template = sorted(_records_by_day(path))
        template = [d for d in template if date.fromisoformat(d).weekday() < 5][-template_days:]
        results = asyncio.run(_measure(path, template, work))
    results["generated"] = {k: generated[k] for k in ("days", "visits", "events", "seconds")}
    results["template_days"] = len(template)
    return results


def markdown(r: dict[str, Any]) -> list[str]:
    g = r["generated"]
    lines = [
        "## A city of 9 branches: a year in PostgreSQL (bench/city_year.py)",
        "",
        f"{r['template_days']} working days of a Lutsk-sized branch were played by the simulator on the real domain "
        f"({g['visits']:,} visits, {g['events']:,} events, {g['seconds']} s), shipped to a real city server through "
        f"the HTTP protocol in {r['ingest_seconds']} s and reported by the city's own aggregator in "
        f"{r['aggregate_seconds']} s; each of the {r['days_checked']} days' figures equals the branch's own report "
        "of it (visits, served, above SLA, arrivals by hour, feedback answers). The year was then made of those "
        f"days' rows: 9 branches × {r['branch_days'] // 9} working days = {r['branch_days']:,} branch-days, each the "
        f"rows of one template day under the branch's name and date ({r['fill_seconds']} s, in SQL). The year's "
        "events themselves are not written: the report reads only the aggregates (see the module's docstring).",
        "",
        "| figure | value |",
        "|---|---|",
        f"| visits in the year (9 branches, {r['range'][0]} to {r['range'][1]}) | **{r['visits']:,}** "
        f"(the yearly report counts {r['report_visits']:,}) |",
        "| aggregate rows | " + ", ".join(f"{t} {n:,}" for t, n in r["rows"].items()) + " |",
        f"| database size | {r['database_mib']} MiB |",
    ]
    for name, figures in r["requests"].items():
        timing = (f"**{figures['best']} s** best, {figures['median']} s median of {figures['repeats']}"
                  if figures["repeats"] > 1 else f"**{figures['best']} s** (once)")
        lines.append(f"| {name} | {timing} ({figures['bytes'] / 1024:,.0f} KiB) |")
    before, after = r["load_before"], r["load_after"]
    lines += [
        "",
        f"Load average while the requests ran: {before[0]:.1f} before, {after[0]:.1f} after (1-minute figures; "
        f"{os.cpu_count()} cores shared with other jobs). PostgreSQL ran with `fsync=off` (as in the tests); the "
        "city server in the benchmark's process, requests over loopback HTTP with a staff token. The reports read "
        "only aggregates, so their time follows the rows above, not the visits. The exports carry every branch × "
        f"day × service row ({r['rows']['daily']:,} here: the demo hall has many services); the XLSX's time is "
        "openpyxl writing those rows' cells, one page of 1,000 rows in memory at a time.",
        "",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--template-days", type=int, default=TEMPLATE_DAYS)
    parser.add_argument("--visits-per-day", type=int, default=VISITS_PER_DAY)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    results = run(args.template_days, args.visits_per_day)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
    print("\n".join(markdown(results)))


if __name__ == "__main__":
    main()
