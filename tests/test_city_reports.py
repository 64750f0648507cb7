"""The city's reports (docs/city.md, "City reports"): real branch servers ship to a real city server on a real
PostgreSQL; the city's report of a day equals each branch's own report of it; the weekday × hour load grid on a
small known set of days; the CSV and XLSX exports parse and match the report; limits are refused.
Clocks are injected (ManualClock): nothing depends on the machine's date or time zone.
"""

from __future__ import annotations

import contextlib
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import openpyxl
import pytest
from playwright.async_api import expect

from .browser import chromium
from .city_support import City, running_branch, shipper, until
from .shots import shots_dir
from .support import WsClient, issue, operator
from .test_city import SERVICES, SUPERVISOR, TUESDAY_8, bearer, end_the_day, play_day
from .test_contrast_pages import audit

KYIV = ZoneInfo("Europe/Kyiv")
DAY = "from=2026-11-24&to=2026-11-24"


@pytest.fixture
def town(city: City) -> City:
    """test_city's city server (a database of its own on the session's PostgreSQL), under a name of this module."""
    return city


async def settled(town: City, branches: dict[str, Any]) -> None:
    """Every branch's log acknowledged and every day's figures computed."""
    await until(lambda: all(shipper(b).acked == b.service.seq for b in branches.values()), timeout=60,
                what="every log acknowledged")
    assert town.store is not None
    store = town.store
    await until(lambda: store.pool.fetchval("SELECT count(*) = 0 FROM dirty_days"), what="aggregates")


async def get_json(http: aiohttp.ClientSession, url: str, token: str) -> tuple[int, Any]:
    async with http.get(url, headers=bearer(token)) as response:
        return response.status, await response.json()


async def test_a_days_city_report_equals_the_branches_own_reports_and_the_exports_match(
        town: City, tmp_path: Path) -> None:
    staff = await town.staff_token()
    names = ("tsentr", "inhulets")
    async with contextlib.AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        branches = {name: await stack.enter_async_context(running_branch(
            tmp_path / name, town.url, name, await town.branch_token(name), TUESDAY_8, summary_seconds=5))
            for name in names}
        for seed, server in enumerate(branches.values()):
            await served_with_feedback(server, http, (True, True, False))
            await play_day(server, http, seed + 7, visitors=30)
            await end_the_day(server, http)
        await settled(town, branches)

        status, report = await get_json(http, f"{town.url}/api/city/reports?{DAY}", staff)
        assert status == 200, report
        assert report["known_branches"] == sorted(names)
        assert report["service_names"]["id-card"]["en"] == "ID card passport of a citizen of Ukraine"
        by_branch = {entry["branch"]: entry for entry in report["by_branch"]}
        load = {entry["branch"]: entry for entry in report["load"]}
        total_visits = 0
        for name, server in branches.items():
            status, own = await get_json(http, f"{server.url}/api/reports?{DAY}", await supervisor_token(server))
            assert status == 200
            mine = by_branch[name]
            assert own["visits"] >= 30
            assert mine["visits"] == own["visits"]
            total_visits += own["visits"]
            assert mine["served"] == own["outcomes"]["served"]
            assert mine["no_shows"] == own["outcomes"]["no_show"]
            assert mine["cancelled"] == own["outcomes"]["cancelled"]
            assert mine["sla"]["within_share"] == own["sla"]["within_share"]
            assert mine["feedback"]["answers"] == own["feedback"]["answers"] == 3
            assert mine["feedback"]["positive_share"] == own["feedback"]["positive_share"]
            assert mine["feedback"]["complaints_per_1000"] == own["feedback"]["complaints_per_1000"]
            services = {e["service_id"]: e for e in report["by_branch_service"] if e["branch"] == name}
            waited = {sid: f["wait"] for sid, f in own["by_service"].items() if f["wait"]["count"]}
            assert {sid for sid, e in services.items() if e["wait"]["count"]} == set(waited)
            for sid, wait in waited.items():
                assert services[sid]["wait"]["count"] == wait["count"]
                assert services[sid]["wait"]["avg_minutes"] == wait["avg"]
                # The p90 to the whole minute: the branch's exact p90 lies in the minute the city names.
                assert services[sid]["wait"]["p90_minutes"] - 1 <= wait["p90"] <= services[sid]["wait"]["p90_minutes"]
            # One open Tuesday: the average load of each hour is that day's arrivals, the branch's heat map.
            assert load[name]["open_days"] == {"tue": 1}
            assert {(c["weekday"], c["hour"]): c["average"] for c in load[name]["cells"]} == \
                {(c["weekday"], c["hour"]): float(c["arrivals"]) for c in own["heatmap"]}
        assert report["city"]["visits"] == total_visits

        # The CSV: one row per branch × day × service, summing to the report's figures.
        async with http.get(f"{town.url}/api/city/reports.csv?{DAY}", headers=bearer(staff)) as response:
            assert response.status == 200 and response.content_type == "text/csv"
            assert "cherha-city-2026-11-24-2026-11-24.csv" in response.headers["Content-Disposition"]
            rows = list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig"))))
        for entry in report["by_branch_service"]:
            mine = [r for r in rows if (r["branch"], r["service_id"]) == (entry["branch"], entry["service_id"])]
            assert sum(int(r["visits"]) for r in mine) == entry["visits"]
            assert sum(int(r["served"]) for r in mine) == entry["served"]
            assert sum(int(r["waits"]) for r in mine) == entry["wait"]["count"]
            assert sum(int(r["feedback_answers"]) for r in mine) == entry["feedback"]["answers"]
        assert {r["weekday"] for r in rows} == {"tue"}

        # The XLSX: the same report in sheets, and the same day rows.
        async with http.get(f"{town.url}/api/city/reports.xlsx?{DAY}", headers=bearer(staff)) as response:
            assert response.status == 200
            book = openpyxl.load_workbook(io.BytesIO(await response.read()), read_only=True)
        assert book.sheetnames == ["Місто", "Філії", "Послуги", "Навантаження", "Дні"]
        city_row = next(iter(book["Місто"].iter_rows(min_row=3, max_row=3, values_only=True)))
        assert city_row[1] == report["city"]["visits"]
        sheet_branches = {r[0]: r for r in book["Філії"].iter_rows(min_row=2, values_only=True)}
        for name in names:
            assert sheet_branches[name][1] == by_branch[name]["visits"]
            assert sheet_branches[name][7] == by_branch[name]["wait"]["p90_minutes"]
        day_rows = list(book["Дні"].iter_rows(min_row=2, values_only=True))
        assert len(day_rows) == len(rows)
        assert sum(r[4] for r in day_rows) == report["city"]["visits"]

        await the_page(town, staff, http)


async def the_page(town: City, staff: str, http: aiohttp.ClientSession) -> None:
    """/city/reports in Chromium: signed in with the staff token, the figures of the API, exports, both languages,
    a phone and a laptop; contrast and no codes shown (test_contrast_pages' audit); screenshots."""
    # With no range in the address the page shows the 28 days up to the city's today (the city's clock).
    status, report = await get_json(http, f"{town.url}/api/city/reports?from=2026-10-28&to=2026-11-24", staff)
    assert status == 200
    problems: list[str] = []
    async with chromium() as browser:
        for lang, width in (("uk", 1280), ("en", 1280), ("uk", 390), ("en", 390)):
            context = await browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
            page = await context.new_page()
            await page.goto(f"{town.url}/city/reports" + ("?lang=en" if lang == "en" else ""))
            await expect(page.locator("#signin")).to_be_visible()
            await page.fill("#token", "wrong-token")
            await page.click("#signin button")
            await expect(page.locator("#signin-error")).to_have_text(
                "Токен не прийнято: перевірте його або попросіть новий в ІТ-відділі." if lang == "uk" else
                "The token was not accepted: check it or ask the IT department for a new one.")
            await page.fill("#token", staff)
            await page.click("#signin button")
            await expect(page.locator("body")).to_have_attribute("data-loaded", "2026-10-28..2026-11-24")
            assert "token" not in page.url and staff not in page.url
            visits = report["city"]["visits"]
            await expect(page.locator("[data-kpi=visits] .value")).to_have_text(str(visits))
            assert await page.locator("#by-branch tbody tr").count() == len(report["by_branch"])
            assert await page.locator("#by-service tbody tr").count() == len(report["by_branch_service"])
            assert await page.locator(".heatmap").count() == len(report["load"]) + 1  # and the whole city
            # Branches by their centres' names; both run the demo hall here, so each name carries its branch.
            centre = "Центр надання адміністративних послуг м. Луцька" if lang == "uk" else \
                "Lutsk Administrative Services Centre"
            labels = page.locator("#branch-list label")
            await expect(labels).to_have_text([f"{centre} (inhulets)", f"{centre} (tsentr)"])
            await expect(page.locator("#city-title")).to_contain_text("28.10.2026" if lang == "uk" else "28/10/2026")
            tue = "вт" if lang == "uk" else "Tue"
            await expect(page.locator(".heatmap").nth(1).locator("tbody th")).to_have_text([tue])
            word = "робочий день у періоді" if lang == "uk" else "open day in the range"
            await expect(page.locator(".heatmap figcaption span").first).to_have_text(f"1 {word}")
            overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{lang} {width}: the page is {overflow} px wider than the screen"
            await audit(page, f"city reports {lang} {width}", 4.5, lang, problems)
            await page.screenshot(path=shots_dir() / f"city-reports-{lang}-{width}.png", full_page=True)
            if width == 1280 and lang == "uk":
                async with page.expect_download() as download:
                    await page.click("#csv")
                path = await (await download.value).path()
                rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
                assert sum(int(r["visits"]) for r in rows) == visits
                # Only one branch chosen: the report and its export follow.
                await page.locator("#branch-list input").first.uncheck()
                await page.click("#show")
                await expect(page.locator("#by-branch tbody tr")).to_have_count(1)
                assert "branch=tsentr" in page.url
                async with page.expect_download() as download:
                    await page.click("#xlsx")
                saved = await download.value
                assert saved.suggested_filename == "cherha-city-2026-10-28-2026-11-24.xlsx"
                book = openpyxl.load_workbook(io.BytesIO(Path(await saved.path()).read_bytes()), read_only=True)
                assert [r[0] for r in book["Філії"].iter_rows(min_row=2, values_only=True)] == ["tsentr"]
                # A range past the limit is refused in words.
                await page.fill("#from", "2024-01-01")
                await page.click("#show")
                await expect(page.locator("#query-error")).to_have_text(
                    "Завеликий період звіту. Найдовший період, у днях: 366.")
            await context.close()
    assert not problems, "\n".join(problems)


async def served_with_feedback(server: Any, http: aiohttp.ClientSession, answers: tuple[bool, ...]) -> None:
    """Visitors served one by one at desk 1, each rating the visit from the ticket's QR page."""
    kiosk = await server.device_token(name="kiosk-fb")
    desk = await operator(server, 1)
    for good in answers:
        ticket = await issue(http, server, kiosk, "id-card")
        server.clock.advance(minutes=2)
        for action in ("call_next", "start_service", "finish"):
            await desk.command(action)
        async with http.post(f"{server.url}/api/feedback/{ticket['feedback_token']}", json={"good": good}) as response:
            assert response.status < 300, await response.text()
    await desk.command("desk_close")
    await desk.close()


async def supervisor_token(server: Any) -> str:
    client = await WsClient.connect(server.ws_url, **SUPERVISOR)
    token: str = client.client.token
    await client.close()
    return token


# A small known set: branch "a" open on two Mondays and a Tuesday, branch "b" on the second Monday only.
MONDAY_1 = datetime(2026, 11, 16, tzinfo=KYIV)
ARRIVALS = {
    "a": [MONDAY_1.replace(hour=9, minute=5), MONDAY_1.replace(hour=9, minute=10), MONDAY_1.replace(hour=9, minute=20),
          (MONDAY_1 + timedelta(days=1)).replace(hour=14, minute=5),
          (MONDAY_1 + timedelta(days=7)).replace(hour=9, minute=30),
          (MONDAY_1 + timedelta(days=7)).replace(hour=10, minute=5),
          (MONDAY_1 + timedelta(days=7)).replace(hour=10, minute=40)],
    "b": [(MONDAY_1 + timedelta(days=7)).replace(hour=9, minute=15)],
}


async def test_the_weekday_by_hour_grid_on_a_known_set_of_days(town: City, tmp_path: Path) -> None:
    staff = await town.staff_token()
    async with contextlib.AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        branches = {}
        for name, moments in ARRIVALS.items():
            server = await stack.enter_async_context(running_branch(
                tmp_path / name, town.url, name, await town.branch_token(name), moments[0] - timedelta(hours=1)))
            branches[name] = server
            kiosk = await server.device_token()
            for moment in moments:
                server.clock.set(moment)
                await issue(http, server, kiosk, SERVICES[0])
        await settled(town, branches)

        status, report = await get_json(http, f"{town.url}/api/city/reports?from=2026-11-16&to=2026-11-23", staff)
        assert status == 200, report
        load = {entry["branch"]: entry for entry in report["load"]}
        # "a": Mondays open 2 (4 arrivals at 9, 2 at 10), Tuesday open 1 (1 at 14); "b": one Monday (1 at 9).
        assert load["a"]["open_days"] == {"mon": 2, "tue": 1}
        assert [(c["weekday"], c["hour"], c["arrivals"], c["average"]) for c in load["a"]["cells"]] == \
            [("mon", 9, 4, 2.0), ("mon", 10, 2, 1.0), ("tue", 14, 1, 1.0)]
        assert load["b"]["open_days"] == {"mon": 1}
        assert [(c["weekday"], c["hour"], c["average"]) for c in load["b"]["cells"]] == [("mon", 9, 1.0)]
        # The city's hour is the sum of its branches' averages.
        assert report["load_city"] == [{"weekday": "mon", "hour": 9, "average": 3.0},
                                       {"weekday": "mon", "hour": 10, "average": 1.0},
                                       {"weekday": "tue", "hour": 14, "average": 1.0}]
        assert report["city"]["visits"] == 8

        # A range without the first Monday: one Monday open for "a".
        status, report = await get_json(http, f"{town.url}/api/city/reports?from=2026-11-17&to=2026-11-23"
                                              "&branch=a", staff)
        assert status == 200
        assert [entry["branch"] for entry in report["load"]] == ["a"]
        assert report["load"][0]["open_days"] == {"mon": 1, "tue": 1}
        assert [(c["weekday"], c["hour"], c["average"]) for c in report["load"][0]["cells"]] == \
            [("mon", 9, 1.0), ("mon", 10, 2.0), ("tue", 14, 1.0)]
        # A service filter counts that service's arrivals over the same open days; another service has none.
        status, report = await get_json(http, f"{town.url}/api/city/reports?from=2026-11-16&to=2026-11-23"
                                              f"&service={SERVICES[1]}", staff)
        assert status == 200 and report["city"]["visits"] == 0
        assert all(not entry["cells"] for entry in report["load"])


async def test_reports_refuse_what_is_out_of_bounds(town: City) -> None:
    staff, branch = await town.staff_token(), await town.branch_token("tsentr")
    base = f"{town.url}/api/city/reports"
    async with aiohttp.ClientSession() as http:
        for path in ("", ".csv", ".xlsx"):
            async with http.get(f"{base}{path}?{DAY}") as response:
                assert response.status == 401
            async with http.get(f"{base}{path}?{DAY}", headers=bearer(branch)) as response:
                assert response.status == 403
        cases = [
            ("from=2026-01-01&to=2027-01-02", "report_range_too_long"),  # 367 days
            ("from=2026-11-24&to=2026-11-23", "invalid_report_query"),
            ("from=24.11.2026&to=2026-11-24", "invalid_report_query"),
            ("to=2026-11-24", "invalid_report_query"),
            (f"{DAY}&branch=nowhere", "unknown_branch"),
            (f"{DAY}&branch=Bad%20Name", "invalid_report_query"),
            (DAY + "".join(f"&branch=b{n}" for n in range(51)), "too_many_filters"),
            (DAY + "".join(f"&service=s{n}" for n in range(101)), "too_many_filters"),
        ]
        for path in ("", ".csv", ".xlsx"):
            for query, code in cases:
                async with http.get(f"{base}{path}?{query}", headers=bearer(staff)) as response:
                    assert response.status == 400, (path, query)
                    error = (await response.json())["error"]
                    assert error["code"] == code, (path, query, error)
                    assert error["message"]["uk"] and error["message"]["en"]
                    assert "{" not in error["message"]["uk"] + error["message"]["en"]
        # A leap year's whole year is allowed (366 days), and an empty city answers zeros, not an error.
        status, report = await get_json(http, f"{base}?from=2028-01-01&to=2028-12-31", staff)
        assert status == 200 and report["days"] == 366
        assert report["city"]["visits"] == 0 and report["city"]["wait"]["p90_minutes"] is None
