"""The supervisor's dashboard, reports and exports, and the feedback page, in a real headless Chromium.

A small day is played through the protocol with a controlled clock; the test keeps its own record of what
happened and when, and the figures on the pages and in the exports must match what it computes from that.
"""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import aiohttp
import openpyxl
from playwright.async_api import Page, expect

from queue_server.api.auth import Role

from .browser import chromium
from .shots import shots_dir
from .support import TUESDAY_10, WsClient, issue, new_command_id, operator, running_server

SHOTS = shots_dir()
SCREEN = {"width": 1600, "height": 1000}


async def play_day(server: Any, http: aiohttp.ClientSession) -> dict[str, Any]:
    """Four visitors; returns the test's own account of the day, in minutes from 10:00."""
    clock = server.clock
    kiosk = await server.device_token()
    at = {}

    def now() -> float:
        return (clock.now() - TUESDAY_10).total_seconds() / 60

    tickets = {name: await issue(http, server, kiosk, service) for name, service in
               (("A1", "id-card"), ("A2", "id-card"), ("R1", "residence-register"))}
    desk1, desk2, desk5 = await operator(server, 1), await operator(server, 2), await operator(server, 5)
    clock.advance(minutes=5)
    assert (await desk1.command("call_next"))["visit"]["ticket"] == tickets["A1"]["ticket"]
    assert (await desk5.command("call_next"))["visit"]["ticket"] == tickets["R1"]["ticket"]
    at["A1_called"] = at["R1_called"] = now()
    clock.advance(minutes=1)
    await desk1.command("start_service")
    await desk5.command("start_service")
    clock.advance(minutes=6)
    await desk5.command("finish")  # R1: 6 minutes at desk 5
    clock.advance(minutes=4)
    await desk1.command("finish")  # A1: 10 minutes at desk 1
    assert (await desk1.command("call_next"))["visit"]["ticket"] == tickets["A2"]["ticket"]  # at 16: above 15
    await desk1.command("no_show")
    clock.advance(minutes=1)
    tickets["A3"] = await issue(http, server, kiosk, "id-card")  # at 17
    clock.advance(minutes=3)
    await desk2.command("call_next")  # 20: waited 3
    clock.advance(minutes=1)
    await desk2.command("start_service")
    clock.advance(minutes=4)
    await desk2.command("transfer", to_service="residence-register")  # 25: 4 minutes of id-card service
    clock.advance(minutes=2)
    await desk5.command("call_next")  # 27: waited 2 for residence
    clock.advance(minutes=1)
    await desk5.command("start_service")
    clock.advance(minutes=5)
    await desk5.command("finish")  # 33: 5 minutes of residence service
    async with http.post(server.url + "/api/accessibility", headers={"Authorization": f"Bearer {kiosk}"}, json={
            "command_id": new_command_id(), "started_at": TUESDAY_10.isoformat(), "features": ["voice", "large_print"],
            "steps": 4, "duration_seconds": 70, "outcome": "ticket"}) as response:
        assert response.status == 201
    for client in (desk1, desk2, desk5):
        await client.close()
    return {
        "tickets": tickets,
        "kiosk": kiosk,
        "waits": {"id-card": [5, 16, 3], "residence-register": [5, 2]},
        "service_by_operator": {"op01": [10], "op02": [4], "op05": [6, 5]},
        "visits": 4, "served": 3, "no_show": 1, "transferred": 1, "above_sla": 1,
    }


def p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


async def sign_in(page: Page, login: str, password: str) -> None:
    await page.fill("#login [name=login]", login)
    await page.fill("#login [name=password]", password)
    await page.click("#login button")


async def test_dashboard_reports_exports_and_feedback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        day = await play_day(server, http)
        tickets = day["tickets"]

        # -- feedback from the ticket's QR page, on a phone -------------------------------------------
        phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = await phone.new_page()
        await page.goto(f"{server.url}/f/{tickets['A1']['feedback_token']}")
        await expect(page.locator("#feedback")).to_be_visible()
        await page.fill("#comment", "Швидко і ввічливо, дякую!")
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SHOTS / "feedback-phone.png", full_page=True)
        await page.click("#good")
        await expect(page.locator("#thanks")).to_have_text("Дякуємо за відгук!")
        await page.reload()
        await expect(page.locator("#thanks")).to_have_text("Ви вже оцінили цей візит. Дякуємо!")
        page = await phone.new_page()
        await page.goto(f"{server.url}/f/{tickets['R1']['feedback_token']}?lang=en")
        await expect(page.locator("#reason option[value=wait]")).to_have_text("Long wait")  # GET /api/hall's list
        await page.select_option("#reason", "wait")
        await page.click("#bad")
        await expect(page.locator("#thanks")).to_have_text("Thank you for your feedback!")
        async with http.post(f"{server.url}/api/feedback/{tickets['R1']['feedback_token']}",
                             json={"good": True}) as again:
            assert again.status == 409, "one answer per visit"

        # -- reports: the figures on the page against the test's own account --------------------------
        desktop = await browser.new_context(viewport=SCREEN, accept_downloads=True)
        history = await desktop.new_page()
        await history.goto(f"{server.url}/dashboard/history?from=2026-11-24&to=2026-11-24")
        await sign_in(history, "supervisor", "super-demo")
        await expect(history.locator("body")).to_have_attribute("data-loaded", "2026-11-24..2026-11-24")

        async def kpi(key: str) -> str:
            return (await history.locator(f"[data-kpi={key}] .value").text_content() or "").strip()

        assert await kpi("visits") == str(day["visits"])
        assert await kpi("served") == str(day["served"])
        assert await kpi("no_show") == str(day["no_show"])
        assert await kpi("transferred") == str(day["transferred"])
        assert await kpi("within_sla") == f"{(1 - day['above_sla'] / day['visits']) * 100:.0f}%"
        assert await kpi("positive") == "50%"
        assert await kpi("complaints") == f"{1 * 1000 / day['visits']:g}"
        assert await kpi("accessible") == "1"
        assert await history.locator("[data-cell='tue-10']").text_content() == "4"
        chart = await history.evaluate("""() => {
            const c = Chart.getChart('services-chart');
            return {labels: c.data.labels, avg: c.data.datasets[0].data, p90: c.data.datasets[1].data};
        }""")
        names = {"id-card": "Оформлення паспорта громадянина України у формі ID-картки",
                 "residence-register": "Реєстрація (декларування) місця проживання"}
        for service, waits in day["waits"].items():
            index = chart["labels"].index(names[service])
            assert chart["avg"][index] == round(sum(waits) / len(waits), 1)
            assert chart["p90"][index] == p90(waits)
        operators = await history.evaluate("""() => {
            const c = Chart.getChart('operators-chart');
            return Object.fromEntries(c.data.labels.map((l, i) => [l, c.data.datasets[0].data[i]]));
        }""")
        assert operators == {op: round(sum(v) / len(v), 1) for op, v in day["service_by_operator"].items()}
        await expect(history.locator("#comments li")).to_have_count(2)
        await expect(history.locator("#comments")).to_contain_text("(довге очікування)")  # named by GET /api/hall
        await expect(history.locator("#accessible")).to_contain_text("отримано талон")
        await history.screenshot(path=SHOTS / "dashboard-history.png", full_page=True)

        # -- exports, opened with real readers ----------------------------------------------------------
        async with history.expect_download() as download_info:
            await history.click("#csv")
        csv_path = tmp_path / "day.csv"
        await (await download_info.value).save_as(csv_path)
        rows = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
        assert len(rows) == day["visits"]
        by_ticket = {row["ticket"]: row for row in rows}
        assert by_ticket[tickets["A2"]["ticket"]]["outcome"] == "no_show"
        assert float(by_ticket[tickets["A1"]["ticket"]]["service_min"]) == 10.0
        async with history.expect_download() as download_info:
            await history.click("#xlsx")
        xlsx_path = tmp_path / "day.xlsx"
        await (await download_info.value).save_as(xlsx_path)
        book = openpyxl.load_workbook(xlsx_path)
        assert {"Підсумок", "Послуги", "Адміністратори", "Навантаження", "Відгуки", "Візити"} <= set(book.sheetnames)
        services = {row[0]: row for row in book["Послуги"].iter_rows(min_row=2, values_only=True)}
        assert services["id-card"][3] == round(sum(day["waits"]["id-card"]) / 3, 1)
        assert services["id-card"][5] == max(day["waits"]["id-card"])
        summary = {row[0]: row[1] for row in book["Підсумок"].iter_rows(values_only=True)}
        assert summary["Візитів / visits"] == day["visits"]
        assert book["Візити"].max_row == day["visits"] + 1

        # -- the live hall and its controls ---------------------------------------------------------------
        for _ in range(3):
            await issue(http, server, day["kiosk"], "id-card")
        async with http.post(server.url + "/api/devices/heartbeat", json={"printer_problem": "printer_paper_out"},
                             headers={"Authorization": f"Bearer {day['kiosk']}"}) as response:
            assert response.status == 200
        desk1 = await operator(server, 1)
        await desk1.request("subscribe_events")
        live = await desktop.new_page()
        await live.goto(f"{server.url}/dashboard")
        await sign_in(live, "supervisor", "super-demo")  # sessionStorage is per tab
        within = 1 - day["above_sla"] / (day["visits"] + 3)  # three more wait now, none over target yet
        await expect(live.locator("#sla")).to_have_text(f"{round(within * 100)}%")
        await expect(live.locator("[data-desk='1']")).to_have_attribute("data-activity", "idle")
        await expect(live.locator("#alerts [data-kind=desk_idle]")).to_contain_text("Вікно 1 вільне")
        await expect(live.locator("#alerts [data-kind=printer]")).to_contain_text("закінчився папір")
        await expect(live.locator("#queues tr[data-service='id-card'] td").nth(1)).to_have_text("3")
        await live.screenshot(path=SHOTS / "dashboard-live.png", full_page=True)
        await desk1.command("call_next")
        await expect(live.locator("[data-desk='1']")).to_have_attribute("data-activity", "calling")
        await live.click("#pause")
        await live.click("#confirm-ok")  # asked first (tests/test_dashboard_layout.py)
        await expect(live.locator("#paused-banner")).to_be_visible()
        assert server.service.state.paused
        await live.screenshot(path=SHOTS / "dashboard-air-raid.png", full_page=True)
        await live.click("#pause")
        await expect(live.locator("#paused-banner")).to_be_hidden()
        await live.locator("#queues tr[data-service='id-card'] button").click()
        await live.click("#confirm-ok")
        await expect(live.locator("#queues tr[data-service='id-card'] button")).to_have_text("Відкрити")
        assert "id-card" in server.service.state.closed_services
        await live.fill("#announcement-uk", "Сьогодні прийом до 20:00")
        await live.click("#announce")
        await live.select_option("#message-desk", "1")
        await live.fill("#message-text", "Зайдіть до керівника після цього відвідувача")
        await live.click("#send")
        waiting = [v.ticket for v in server.service.state.live_visits() if v.state.value == "waiting"]
        await live.fill("#priority-ticket", waiting[-1])
        await live.click("#set-priority")
        await live.select_option("#weights-desk", "2")
        for service in ("id-card-14", "passport-foreign", "passport-lost", "passport-photo", "passport-issue"):
            await live.click(f"#weights-rows li[data-service='{service}'] .remove")
        await live.click("#set-weights")
        for _ in range(50):
            state = server.service.state
            if dict(state.desks[2].weights) == {"id-card": 10, "consultation": 0}:
                break
            await live.wait_for_timeout(100)
        state = server.service.state
        assert dict(state.desks[2].weights) == {"id-card": 10, "consultation": 0}
        assert state.announcement == ("Сьогодні прийом до 20:00", "")
        assert state.visit_by_ticket(waiting[-1]).priority == 3
        messages = [e for e in desk1.drain() if e.get("event", {}).get("type") == "desk_message"]
        assert messages and messages[-1]["event"]["text"] == "Зайдіть до керівника після цього відвідувача"

        # -- the calling order: shown as in force, changed live, in the log ---------------------------------
        await expect(live.locator("#level-minutes")).to_have_value("30")
        await expect(live.locator("#cap-minutes")).to_have_value("45")
        await live.fill("#level-minutes", "12")
        await live.fill("#cap-minutes", "20")
        await live.click("#set-dispatch")
        await expect(live.locator("#dispatch-saved")).to_have_text("Збережено")
        dispatch = server.service.state.dispatch
        assert (dispatch.level_head_start_minutes, dispatch.cap_minutes, dispatch.strict_tiers) == (12, 20, False)
        logged = [e for e in desk1.drain() if e.get("event", {}).get("type") == "dispatch_policy_changed"]
        assert logged and logged[-1]["event"]["by"] == "supervisor"
        await live.fill("#cap-minutes", "999")
        await live.click("#set-dispatch")
        await expect(live.locator("#control-error")).not_to_be_empty()
        assert server.service.state.dispatch.cap_minutes == 20, "out of range: refused, nothing changed"
        await live.locator("#dispatch").screenshot(path=SHOTS / "dashboard-dispatch.png")
        await desk1.close()


async def test_only_supervisors_see_reports_and_the_dashboard(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        async with http.post(server.url + "/api/sessions", json={"login": "op03", "password": "1111"}) as response:
            token = (await response.json())["token"]
        for path in ("/api/reports", "/api/reports/export.csv", "/api/reports/export.xlsx"):
            async with http.get(server.url + path, headers={"Authorization": f"Bearer {token}"}) as response:
                assert response.status == 403, path
        display = await server.device_token(Role.DISPLAY, "board")
        async with http.get(server.url + "/api/reports", headers={"Authorization": f"Bearer {display}"}) as r:
            assert r.status == 403
        desk = await WsClient.connect(server.ws_url, token=token)
        assert (await desk.reply("get_dashboard"))["error"]["code"] == "forbidden_for_role"
        await desk.close()
        page = await browser.new_page(viewport=SCREEN)
        await page.goto(server.url + "/dashboard")
        await sign_in(page, "op03", "1111")
        await expect(page.locator("#offline")).to_contain_text("недоступна для ролі «адміністратор вікна»")
        async with http.get(server.url + "/api/feedback/" + "y" * 43) as response:
            assert response.status == 404


async def test_the_dashboard_and_the_report_agree_on_the_share_within_target(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """One SLA rule (domain/sla.py): the live share and the day's report, asked at the same moment, agree,
    also about visitors still waiting past the target (the report once counted them as within)."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        day = await play_day(server, http)
        for _ in range(2):
            await issue(http, server, day["kiosk"], "consultation")
        server.clock.advance(minutes=20)  # both still wait, now past the 15-minute target
        async with http.post(server.url + "/api/sessions",
                             json={"login": "supervisor", "password": "super-demo"}) as response:
            token = (await response.json())["token"]
        async with http.get(server.url + "/api/reports?from=2026-11-24&to=2026-11-24",
                            headers={"Authorization": f"Bearer {token}"}) as response:
            report = (await response.json())["sla"]
        supervisor = await WsClient.connect(server.ws_url, token=token)
        live = (await supervisor.request("get_dashboard"))["sla"]
        await supervisor.close()
        above, visits = day["above_sla"] + 2, day["visits"] + 2
        assert (live["above"], live["visits"]) == (above, visits)
        assert report["above"] == live["above"] and report["within_share"] == live["within_share"]
        assert live["within_share"] == round(1 - above / visits, 3)
