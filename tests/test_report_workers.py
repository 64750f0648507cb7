"""Reports and exports computed in worker processes (queue_server/report_processes.py), on a real server.

The same bytes and figures while the hall issues and calls; a client that goes away mid-export leaves no
worker behind; a request past the limit of workers is refused clearly, and served once a worker is free.
A worker is held mid-export with SIGSTOP (it cannot finish on its own meanwhile), so nothing here depends on
how fast the machine is.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
from datetime import date, timedelta
from pathlib import Path

import aiohttp
import openpyxl
from playwright.async_api import expect
from sqlite_utils import Database

from queue_server import history
from queue_server.api.state import APP_STATE
from queue_server.clock import ManualClock
from queue_server.exports import VISIT_COLUMNS, csv_chunks
from queue_server.report_processes import ReportWorkers
from queue_server.reports import visit_row

from .browser import chromium
from .shots import shots_dir
from .support import Server, demo_hall, issue, operator, running_server
from .test_dashboard import sign_in
from .test_reports_scale import DAYS, NOW, TODAY, full_scan, make_store

FIRST, LAST = DAYS[0].isoformat(), DAYS[-1].isoformat()  # ended days: the hall's work today changes nothing
SUPERVISOR = {"login": "supervisor", "password": "super-demo"}


async def supervisor(http: aiohttp.ClientSession, server: Server) -> dict[str, str]:
    async with http.post(server.url + "/api/sessions", json=SUPERVISOR) as response:
        return {"Authorization": f"Bearer {(await response.json())['token']}"}


def long_store(path: Path) -> tuple[str, str]:
    """make_store's three days written again and again under earlier dates (a year's worth of days): an export
    of them takes the worker many seconds, long enough to be caught at work."""
    make_store(path)
    db = Database(path)
    rows = list(db.execute("SELECT day, at, type, payload FROM events WHERE day <= ? ORDER BY seq", [LAST]))
    seq = db.execute("SELECT MAX(seq) FROM events").fetchone()[0]
    start = DAYS[0] - timedelta(days=390)
    copies = []
    for block in range(129):
        for offset, day in enumerate(DAYS):
            copy = (start + timedelta(days=3 * block + offset)).isoformat()
            for row_day, at, kind, payload in rows:
                if row_day == day.isoformat():
                    seq += 1
                    copies.append((seq, copy, at, kind, payload))
    with db.atomic():
        db.conn.executemany("INSERT INTO events (seq, day, at, type, payload) VALUES (?, ?, ?, ?, ?)", copies)
    db.close()
    return start.isoformat(), (start + timedelta(days=3 * 129 - 1)).isoformat()


def workers(server: Server) -> ReportWorkers:
    return server.app[APP_STATE].reports


async def running_worker(server: Server, known: set[int] = frozenset()) -> int:  # type: ignore[assignment]
    """The pid of a worker started after those `known`, once it is running (bounded wait)."""
    for _ in range(400):
        pids = {p.pid for p in workers(server).running} - set(known)
        if pids:
            return pids.pop()  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError("no report worker started")


def alive(pid: int) -> bool:
    """A process that has not been reaped (a zombie counts: the server must wait for its workers)."""
    return Path(f"/proc/{pid}").exists()


def state_of(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


async def stopped(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)
    for _ in range(200):
        if state_of(pid) == "T":
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"worker {pid} did not stop")


async def gone(pid: int) -> bool:
    for _ in range(400):
        if not alive(pid):
            return True
        await asyncio.sleep(0.05)
    return False


async def released(server: Server) -> bool:
    """The server has let go of every worker (it forgets one when it has reaped it, a moment after the kill)."""
    for _ in range(400):
        if not workers(server).running:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_the_same_answers_while_the_hall_issues_and_calls(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    await asyncio.to_thread(make_store, data / "cherha.sqlite3")
    db = Database(data / "cherha.sqlite3")
    expected = json.loads(json.dumps(history.paged(full_scan(db, FIRST, LAST))))
    every_comment = full_scan(db, FIRST, LAST)["feedback"]["comments"]
    visit_rows = [visit_row(v) for v in history.visits(demo_hall(), db, FIRST, LAST)]
    csv_bytes = b"".join(csv_chunks(visit_rows))
    async with running_server(data, clock=ManualClock(NOW)) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        desk = await operator(server, 2)
        auth = await supervisor(http, server)
        busy = asyncio.Event()
        worked = {"issued": 0, "called": 0}

        async def hall_at_work() -> None:
            while not busy.is_set():
                await issue(http, server, kiosk, "consultation")
                worked["issued"] += 1
                reply = await desk.command("call_next")
                if reply.get("visit"):
                    worked["called"] += 1
                    await desk.command("no_show")
                await asyncio.sleep(0.01)

        hall = asyncio.create_task(hall_at_work())
        span = f"?from={FIRST}&to={LAST}"
        try:
            for _ in range(2):
                async with http.get(server.url + "/api/reports" + span, headers=auth) as response:
                    assert response.status == 200
                    report = await response.json()
                assert {k: v for k, v in report.items() if k not in ("from", "to")} == expected
                async with http.get(f"{server.url}/api/reports/comments{span}&limit=200", headers=auth) as response:
                    assert (await response.json())["comments"] == json.loads(json.dumps(every_comment[::-1]))
                async with http.get(server.url + "/api/reports/export.csv" + span, headers=auth) as response:
                    assert response.status == 200
                    assert await response.read() == csv_bytes
                async with http.get(server.url + "/api/reports/export.xlsx" + span, headers=auth) as response:
                    assert response.status == 200
                    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
                assert book["Підсумок"]["B1"].value == expected["visits"]
                rows = [list(r) for r in book["Візити"].iter_rows(min_row=2, values_only=True)]
                assert rows == [[None if row[c] == "" else row[c] for c in VISIT_COLUMNS] for row in visit_rows]
        finally:
            busy.set()
            await hall
            await desk.close()
        assert worked["issued"] > 0 and worked["called"] > 0, "the hall worked while the reports were computed"
        assert await released(server), workers(server).running


async def test_a_client_that_goes_away_mid_export_leaves_no_worker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    first, last = await asyncio.to_thread(long_store, data / "cherha.sqlite3")
    async with running_server(data, clock=ManualClock(NOW)) as server, aiohttp.ClientSession() as http:
        auth = await supervisor(http, server)
        for kind in ("csv", "xlsx"):
            response = await http.get(f"{server.url}/api/reports/export.{kind}?from={first}&to={last}",
                                      headers=auth)
            assert response.status == 200
            pid = await running_worker(server)
            await stopped(pid)  # mid-export: it can write nothing more until it is killed
            response.close()  # the supervisor closes the tab
            assert await gone(pid), f"the {kind} worker was left behind"
            assert await released(server), workers(server).running


async def test_the_limit_of_workers_answers_clearly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    data.mkdir()
    first, last = await asyncio.to_thread(long_store, data / "cherha.sqlite3")
    span = f"?from={first}&to={last}"
    async with running_server(data, clock=ManualClock(NOW)) as server, aiohttp.ClientSession() as http:
        server.app[APP_STATE].reports = ReportWorkers(limit=2, wait=0.5)
        auth = await supervisor(http, server)
        held = []
        for _ in range(2):  # two exports under way, their workers held
            response = await http.get(f"{server.url}/api/reports/export.csv{span}", headers=auth)
            assert response.status == 200
            pid = await running_worker(server, {p for _, p in held})
            await stopped(pid)
            held.append((response, pid))
        for path in ("/api/reports", "/api/reports/export.csv", "/api/reports/comments"):
            async with http.get(server.url + path + span, headers=auth) as response:
                assert response.status == 503, path
                error = (await response.json())["error"]
            assert error["code"] == "reports_busy" and error["params"] == {"limit": 2}
            assert "звітів одночасно (2)" in error["message"]["uk"] and "(2)" in error["message"]["en"]
        assert len(workers(server).running) == 2, "no third worker was started"
        for response, pid in held:  # the held exports go on, and end whole
            os.kill(pid, signal.SIGCONT)
            body = await response.read()
            assert body.decode("utf-8").count("\r\n") > 10_000
            response.close()
        async with http.get(server.url + "/api/reports" + span, headers=auth) as response:
            assert response.status == 200, "a free worker serves the next request"
        assert workers(server).running == set()


async def test_comments_paging_checks_its_query(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path, clock=ManualClock(NOW)) as server, aiohttp.ClientSession() as http:
        auth = await supervisor(http, server)
        day = TODAY.isoformat()
        for query, field in (("limit=0", "limit"), ("limit=201", "limit"), ("offset=-1", "offset"),
                             ("limit=x", "query")):
            async with http.get(f"{server.url}/api/reports/comments?from={day}&{query}", headers=auth) as response:
                assert response.status == 400, query
                assert (await response.json())["error"]["params"]["field"] == field
        async with http.get(f"{server.url}/api/reports/comments?from={day}", headers=auth) as response:
            assert await response.json() == {"from": day, "to": day, "total": 0, "offset": 0, "limit": 50,
                                             "comments": []}
        async with http.get(f"{server.url}/api/reports/comments?from={day}") as response:
            assert response.status == 401
        assert date.fromisoformat(day) == TODAY



async def test_the_reports_page_pages_through_every_comment(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """More comments than the report carries: the page shows the newest and fetches the rest, to the last."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        kiosk = await server.device_token()
        desk = await operator(server, 1)
        total = history.COMMENTS_IN_REPORT + 7
        for n in range(total):
            ticket = await issue(http, server, kiosk, "id-card")
            await desk.command("call_next")
            await desk.command("start_service")
            await desk.command("finish", result="served")
            async with http.post(f"{server.url}/api/feedback/{ticket['feedback_token']}",
                                 json={"good": n % 2 == 0, "comment": f"коментар №{n + 1}"}) as response:
                assert response.status == 201, await response.text()
        await desk.close()
        day = server.clock.now().date().isoformat()
        page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await page.goto(f"{server.url}/dashboard/history?from={day}&to={day}")
        await sign_in(page, "supervisor", "super-demo")
        await expect(page.locator("body")).to_have_attribute("data-loaded", f"{day}..{day}")
        items = page.locator("#comments li")
        await expect(items).to_have_count(history.COMMENTS_IN_REPORT)
        await expect(items.first).to_contain_text(f"коментар №{total}")  # the newest first
        await expect(page.locator("#comments-count")).to_have_text(
            f"Показано {history.COMMENTS_IN_REPORT} з {total}")
        section = page.locator("section", has=page.locator("#comments"))
        await section.screenshot(path=shots_dir() / "dashboard-history-comments.png")
        await page.click("#more-comments")
        await expect(items).to_have_count(total)
        await expect(items.last).to_contain_text("коментар №1")
        texts = await items.all_text_contents()
        assert [int(text.rsplit("№", 1)[1]) for text in texts] == list(range(total, 0, -1)), "each once, in order"
        await expect(page.locator("#more-comments")).to_be_hidden()
        await expect(page.locator("#comments-count")).to_have_text(f"Показано {total} з {total}")


async def test_a_worker_past_its_time_is_stopped(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A report out of time answers 503 report_timeout; an export out of time is cut off, never sent as whole."""
    # No day's figures stored in the background: the report computes every day from its events, seconds of work,
    # so its worker is caught at it (with the figures stored it could end before the test stops it).
    monkeypatch.setattr(history, "figures_to_store", lambda *args, **kwargs: [])
    data = tmp_path / "data"
    data.mkdir()
    first, last = await asyncio.to_thread(long_store, data / "cherha.sqlite3")
    span = f"?from={first}&to={last}"
    async with running_server(data, clock=ManualClock(NOW)) as server, aiohttp.ClientSession() as http:
        server.app[APP_STATE].reports = ReportWorkers(timeout=2.0)
        auth = await supervisor(http, server)
        report = asyncio.create_task(http.get(server.url + "/api/reports" + span, headers=auth))
        pid = await running_worker(server)
        await stopped(pid)
        response = await report
        assert response.status == 503
        error = (await response.json())["error"]
        assert error["code"] == "report_timeout" and error["params"] == {"seconds": 2}
        assert "2 с" in error["message"]["uk"] and "2 s" in error["message"]["en"]
        assert await gone(pid)
        response = await http.get(server.url + "/api/reports/export.csv" + span, headers=auth)
        assert response.status == 200
        pid = await running_worker(server)
        await stopped(pid)
        try:
            await response.read()
        except aiohttp.ClientPayloadError:
            pass  # cut off: the download is incomplete, as it should be
        else:
            raise AssertionError("an export out of time was sent as if whole")
        assert await gone(pid)
        assert workers(server).running == set()
