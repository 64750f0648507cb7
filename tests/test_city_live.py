"""The city supervisor's live page and its WebSocket (city_server/live.py, display_board/static/city_live.*).

A real PostgreSQL (the session's, tests/city_support.py), a city server and three real branch servers on
loopback ports, each shipping its live summary; the page in headless Chromium. The city's and the halls' clocks
are ManualClocks: the two-minute silence is two minutes of the city's clock, never of the machine's.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, expect

from city_server import live
from queue_server.config import DEMO_HALL
from queue_server.host_checks import Finding, HostMonitor
from queue_server.passwords import token_hash
from queue_server.shipping.protocol import (
    LIVE_PATH,
    MAX_ALERT_TEXT,
    MAX_SUMMARY_ALERTS,
    MAX_SUMMARY_BYTES,
    MAX_SUMMARY_SERVICES,
    STALE_SECONDS,
    SUMMARY_PATH,
)
from queue_server.shipping.summary import live_summary

from .browser import chromium
from .city_support import City, running_branch, until
from .shots import shots_dir
from .support import Server, WsClient, issue, operator
from .test_city import SUPERVISOR, TUESDAY_8, bearer
from .test_contrast_pages import audit

WS = live.WS_PATH
NAMES = {"tsentr": ("ЦНАП Центр", "Tsentr Centre"), "inhulets": ("ЦНАП Інгулець", "Inhulets Centre"),
         "ternivka": ("ЦНАП Тернівка", "Ternivka Centre")}


def summary(waiting: int = 2, **extra: Any) -> dict[str, Any]:
    """A summary as a branch sends it (queue_server/shipping/summary.py), for protocol-level tests."""
    return {"at": "2026-11-24T10:15:00+02:00", "day": "2026-11-24", "paused": False, "pause_reason": None,
            "desks": {"open": 2, "paused": 0, "closed": 3},
            "services": {"id-card": {"waiting": waiting, "longest_wait_seconds": 300, "estimated_wait_minutes": 9}},
            "longest_wait_seconds": 300, "sla": {"visits": 10, "above": 1, "within_share": 0.9},
            "shipping": {"behind_events": 0, "behind_seconds": 0}, "alerts": [], **extra}


async def put_summary(http: aiohttp.ClientSession, city: City, token: str, body: dict[str, Any]) -> int:
    async with http.put(city.url + SUMMARY_PATH, data=json.dumps(body), headers=bearer(token)) as response:
        return response.status


@contextlib.asynccontextmanager
async def socket(http: aiohttp.ClientSession, city: City, token: str | None) -> AsyncIterator[Any]:
    async with http.ws_connect(city.url.replace("http", "ws") + WS) as ws:
        if token is not None:
            await ws.send_json({"type": "auth", "token": token})
        yield ws


async def next_json(ws: Any, timeout: float = 10.0) -> dict[str, Any]:
    message = await ws.receive(timeout=timeout)
    assert message.type == aiohttp.WSMsgType.TEXT, message
    data: dict[str, Any] = json.loads(message.data)
    return data


async def refused(ws: Any, code: str, close_code: int) -> None:
    """The refusal in words, then the close with its code."""
    error = await next_json(ws)
    assert error["type"] == "error" and error["error"]["code"] == code, error
    assert set(error["error"]["message"]) == {"uk", "en"} and all(error["error"]["message"].values())
    message = await ws.receive(timeout=10)
    assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert ws.close_code == close_code


async def test_the_live_socket_signs_in_first_pushes_changes_and_is_bounded(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "AUTH_SECONDS", 0.5)
    monkeypatch.setattr(live, "MAX_PER_TOKEN", 2)
    branch, staff = await city.branch_token("tsentr"), await city.staff_token()
    other = await city.branch_token("inhulets")
    async with aiohttp.ClientSession() as http:
        assert await put_summary(http, city, branch, summary(waiting=2)) == 200

        # Refusals: no first message, not JSON, not auth, a wrong token, a branch's token.
        async with socket(http, city, None) as ws:
            await refused(ws, "unauthorized", 4401)  # nothing within AUTH_SECONDS
        async with socket(http, city, None) as ws:
            await ws.send_str("hello")
            await refused(ws, "bad_message", 4400)
        async with socket(http, city, None) as ws:
            await ws.send_json({"type": "ping"})
            await refused(ws, "bad_message", 4400)
        async with socket(http, city, "x" * 43) as ws:
            await refused(ws, "unauthorized", 4401)
        async with socket(http, city, "x" * 201) as ws:
            await refused(ws, "unauthorized", 4401)
        async with socket(http, city, branch) as ws:
            await refused(ws, "forbidden", 4403)
        async with socket(http, city, None) as ws:  # one message over 4 KiB: closed by the protocol (1009)
            await ws.send_str(json.dumps({"type": "auth", "token": "y" * live.MAX_MESSAGE_BYTES}))
            message = await ws.receive(timeout=10)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 1009

        async with socket(http, city, staff) as first, socket(http, city, staff) as second:
            # The whole view first: the same document as GET /api/city/live.
            view = await next_json(first)
            assert view["type"] == "view" and view["stale_after_seconds"] == STALE_SECONDS
            async with http.get(city.url + LIVE_PATH, headers=bearer(staff)) as response:
                assert {k: v for k, v in view.items() if k != "type"} == await response.json()
            entries = {e["branch"]: e for e in view["branches"]}
            assert entries["tsentr"]["status"] == "live" and entries["tsentr"]["summary"]["services"]["id-card"][
                "waiting"] == 2
            assert entries["inhulets"]["status"] == "no_data" and entries["inhulets"]["last_heard"] is None
            assert (await next_json(second))["type"] == "view"

            # A third page with the same token is one too many.
            async with socket(http, city, staff) as third:
                await refused(third, "too_many_connections", 4429)

            # A summary arriving is pushed to every page at once.
            alert = {"kind": "printer", "kiosk": "kiosk-1", "problem": "printer_paper_out"}
            assert await put_summary(http, city, other, summary(waiting=7, paused=True, pause_reason="air_raid",
                                                                 alerts=[alert])) == 200
            for ws in (first, second):
                pushed = await next_json(ws)
                assert pushed["type"] == "branch" and pushed["branch"]["branch"] == "inhulets"
                assert pushed["branch"]["status"] == "live" and pushed["branch"]["summary"]["paused"] is True
                assert pushed["branch"]["summary"]["alerts"] == [alert]

            # Malformed alerts are refused whole, and nothing is pushed.
            bad: Any
            for bad in ([{"kind": "Printer!"}], [{"kind": "printer", "kiosk": "k" * 301}], [{}] * 51, "x"):
                assert await put_summary(http, city, other, summary(alerts=bad)) == 400
            assert await put_summary(http, city, other, summary(longest_wait_seconds=-1)) == 400

            # Ping → pong; anything else after auth is refused.
            await first.send_json({"type": "ping"})
            assert await next_json(first) == {"type": "pong"}
            await first.send_json({"type": "subscribe"})
            await refused(first, "bad_message", 4400)

            # Silence: with no summary at all, the city's clock alone flips a branch to "no data".
            city.clock.advance(seconds=STALE_SECONDS + 1)
            flips: dict[str, dict[str, Any]] = {}
            while len(flips) < 2:
                pushed = await next_json(second, timeout=5)
                flips[pushed["branch"]["branch"]] = pushed["branch"]
            assert all(e["status"] == "no_data" and e["summary"] is None for e in flips.values())
            assert flips["tsentr"]["silent_seconds"] == STALE_SECONDS + 1
            assert flips["tsentr"]["last_summary_at"] == "2026-11-24T10:15:00+02:00"

    # Every socket is gone from the hub when its page is.
    assert city.runner is not None
    hub = _hub(city)
    await until(lambda: not hub.subscribers and not hub.sockets, timeout=10, what="sockets closed")


def _hub(city: City) -> live.LiveHub:
    from city_server.app import CITY_STATE

    assert city.runner is not None
    return city.runner.app[CITY_STATE].live


async def test_the_live_socket_limits_connections_drops_a_page_that_does_not_read_and_signs_out_revoked(
        city: City, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "MAX_CONNECTIONS", 3)
    monkeypatch.setattr(live, "SEND_SECONDS", 0.5)
    monkeypatch.setattr(live, "RELOAD_SECONDS", 1.0)
    branch, staff, revoked = (await city.branch_token("tsentr"), await city.staff_token(),
                              await city.staff_token())
    hub = _hub(city)
    async with aiohttp.ClientSession() as http, socket(http, city, staff) as reader, \
            socket(http, city, revoked) as doomed, socket(http, city, staff) as sleeper:
        for ws in (reader, doomed, sleeper):
            assert (await next_json(ws))["type"] == "view"
        # The fourth socket is refused before it is upgraded, in words.
        with pytest.raises(aiohttp.WSServerHandshakeError) as refusal:
            await http.ws_connect(city.url.replace("http", "ws") + WS)
        assert refusal.value.status == 503
        async with http.get(city.url.replace("ws", "http") + WS) as response:
            body = await response.json()
            assert response.status == 503 and body["error"]["code"] == "too_many_connections"

        # A revoked token's page is signed out within RELOAD_SECONDS.
        assert city.store is not None
        await city.store.pool.execute("UPDATE staff_tokens SET revoked = true WHERE token_hash = $1",
                                      token_hash(revoked))
        await refused(doomed, "unauthorized", 4401)

        # `sleeper` stops reading; big summaries pour in. What waits for it is at most one entry per branch
        # (coalesced), and once a send is blocked for SEND_SECONDS it is dropped; `reader`, reading, is kept.
        received: list[dict[str, Any]] = []

        async def read() -> None:
            while True:
                received.append(await next_json(reader, timeout=60))

        reading = asyncio.create_task(read())
        services = {f"service-{n:03}": {"waiting": n, "longest_wait_seconds": n, "estimated_wait_minutes": n}
                    for n in range(480)}
        most_waiting, sent = 0, 0
        for sent in range(1, 401):
            body = summary(services={**services, "id-card": {"waiting": sent, "longest_wait_seconds": 1,
                                                             "estimated_wait_minutes": 1}})
            assert await put_summary(http, city, branch, body) == 200
            most_waiting = max([most_waiting] + [len(s.entries) for s in hub.subscribers])
            if len(hub.subscribers) == 1:
                break
        assert len(hub.subscribers) == 1, "the page that does not read was not dropped"
        assert most_waiting <= 1  # one branch: never more than one entry waiting for a page
        await until(lambda: received and received[-1]["branch"]["summary"]["services"]["id-card"]["waiting"]
                    == sent, what="the reading page has the latest summary")
        assert all(frame["type"] == "branch" for frame in received)
        reading.cancel()
        message = await sleeper.receive(timeout=10)  # what was buffered, then the end: the city hung up
        while message.type == aiohttp.WSMsgType.TEXT:
            message = await sleeper.receive(timeout=10)
        assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR)
    await until(lambda: not hub.sockets, timeout=10, what="sockets closed")


async def test_the_summary_carries_the_machines_alerts_and_the_longest_wait(city: City, tmp_path: Path) -> None:
    token = await city.branch_token("tsentr")
    async with running_branch(tmp_path, city.url, "tsentr", token, TUESDAY_8 + timedelta(hours=2)) as server, \
            aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        await issue(http, server, kiosk, "id-card")
        server.clock.advance(minutes=7)
        await issue(http, server, kiosk, "passport-foreign")
        server.clock.advance(minutes=2)
        async with http.post(server.url + "/api/devices/heartbeat", json={"printer_problem": "printer_paper_out"},
                             headers=bearer(kiosk)) as response:
            assert response.status == 200
        deep = "/srv/" + "d" * 600  # a path longer than an alert's text may be: clipped, not refused by the city
        host = HostMonitor(lambda: [Finding("disk", "warn", "disk_low", {"free_mb": 812, "path": deep}),
                                    Finding("clock", "ok", "clock_ok")])
        await host.refresh()
        shipping = {"behind_events": 0, "behind_seconds": 0}
        made = live_summary(server.service, shipping, host)
        assert made["longest_wait_seconds"] == 9 * 60
        assert made["alerts"] == [{"kind": "printer", "kiosk": "kiosk-1", "problem": "printer_paper_out"},
                                  {"kind": "disk_low", "free_mb": 812, "path": deep[:MAX_ALERT_TEXT]}]
        # And the branch's own shipper sends them: the city holds what the hall's dashboard says.
        staff = await city.staff_token()
        supervisor = await WsClient.connect(server.ws_url, **SUPERVISOR)
        dashboard = await supervisor.request("get_dashboard")
        await supervisor.close()

        async def shown() -> dict[str, Any] | None:
            async with http.get(city.url + LIVE_PATH, headers=bearer(staff)) as response:
                entry: dict[str, Any] = (await response.json())["branches"][0]
                held: dict[str, Any] | None = entry["summary"]
                return held

        await until(lambda: _has(shown, lambda s: s["longest_wait_seconds"] == 9 * 60 and s["alerts"]),
                    what="the summary with alerts")
        held = await shown()
        assert held is not None
        printer = [a for a in dashboard["alerts"] if a["kind"] == "printer"]
        assert held["alerts"] == printer
        assert held["longest_wait_seconds"] == max(q["longest_wait_seconds"] for q in dashboard["queues"].values())


async def test_a_summary_at_its_largest_fits_its_limit(city: City) -> None:
    """The most a branch can put in a summary (every service with the longest id the hall file allows, large
    figures, every alert with texts at their limit) is under MAX_SUMMARY_BYTES, and the city takes it."""
    token = await city.branch_token("tsentr")
    services = {f"{n:03}" + "s" * 61: {"waiting": 99999, "longest_wait_seconds": 9_999_999,
                                       "estimated_wait_minutes": 99999} for n in range(MAX_SUMMARY_SERVICES)}
    alerts = [{"kind": "timezone_mismatch", "machine": "м" * MAX_ALERT_TEXT, "hall": "з" * MAX_ALERT_TEXT}
              for _ in range(MAX_SUMMARY_ALERTS)]
    largest = summary(services=services, alerts=alerts, pause_reason="air_raid", longest_wait_seconds=9_999_999,
                      sla={"visits": 999_999, "above": 999_999, "within_share": 0.123456789},
                      shipping={"behind_events": 10**12, "behind_seconds": 10**9})
    size = len(json.dumps(largest, ensure_ascii=False).encode())
    assert 90 * 1024 < size < MAX_SUMMARY_BYTES, size
    async with aiohttp.ClientSession() as http:
        assert await put_summary(http, city, token, largest) == 200


async def _has(get: Any, check: Any) -> bool:
    value = await get()
    return value is not None and bool(check(value))


# -- the page ---------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def named_branch(folder: Path, city_url: str, name: str, token: str) -> AsyncIterator[Server]:
    """A branch with the demo hall under its own centre's name (the city shows a branch by the name in the hall
    it shipped): city_support.running_branch, with its own hall file."""
    folder.mkdir()
    hall_file = folder / "hall.toml"
    uk, en = NAMES[name]
    hall_file.write_text(DEMO_HALL.read_text(encoding="utf-8").replace(
        'name_uk = "Центр надання адміністративних послуг м. Луцька"', f'name_uk = "{uk}"').replace(
        'name_en = "Lutsk Administrative Services Centre"', f'name_en = "{en}"'), encoding="utf-8")
    async with running_branch(folder, city_url, name, token, TUESDAY_8 + timedelta(hours=2),
                              hall_file=hall_file) as server:
        yield server


async def sign_in(page: Page, url: str, token: str) -> None:
    await page.goto(url)
    await page.fill("#token", token)
    await page.click("#login button")
    await expect(page.locator("#rows [role=row]").first).to_be_visible()


def row(page: Page, branch: str) -> Any:
    return page.locator(f"#rows [data-branch={branch}]")


async def test_the_live_page_shows_each_branch_as_it_is_and_a_silent_one_as_no_data(
        city: City, tmp_path: Path) -> None:
    tokens = {name: await city.branch_token(name) for name in NAMES}
    staff = await city.staff_token()
    async with contextlib.AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        servers = {name: await stack.enter_async_context(named_branch(tmp_path / name, city.url, name, tokens[name]))
                   for name in NAMES}
        tsentr, inhulets, ternivka = servers["tsentr"], servers["inhulets"], servers["ternivka"]
        # A kiosk's name is the centre's own word for it (the admin names devices), shown as it is.
        kiosks = {name: await s.device_token(name="біля входу") for name, s in servers.items()}
        for _ in range(3):
            await issue(http, tsentr, kiosks["tsentr"], "id-card")
            tsentr.clock.advance(minutes=4)
        desk = await operator(tsentr, 1)
        await desk.command("call_next")
        await issue(http, inhulets, kiosks["inhulets"], "residence-register")
        boss = await WsClient.connect(inhulets.ws_url, **SUPERVISOR)
        await boss.command("hall_pause", reason="air_raid")
        await boss.close()
        await issue(http, ternivka, kiosks["ternivka"], "passport-foreign")
        async with http.post(ternivka.url + "/api/devices/heartbeat", json={"printer_problem": "printer_paper_out"},
                             headers=bearer(kiosks["ternivka"])) as response:
            assert response.status == 200
        for server in servers.values():
            server.clock.advance(seconds=30)  # the kiosk's estimates are renewed at most every 20 s

        async def dashboards() -> dict[str, dict[str, Any]]:
            out = {}
            for name, server in servers.items():
                supervisor = await WsClient.connect(server.ws_url, **SUPERVISOR)
                out[name] = await supervisor.request("get_dashboard")
                await supervisor.close()
            return out

        branch_views = await dashboards()
        browser = await stack.enter_async_context(chromium())
        screen = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await sign_in(screen, city.url + "/city", staff)
        await expect(screen.locator("#rows [role=row]")).to_have_count(3)

        # Each branch's figures are the branch's own (its supervisor's dashboard).
        for name, view in branch_views.items():
            line = row(screen, name)
            open_desks = sum(1 for d in view["desks"] if d["status"] == "open")
            await expect(line.locator("[data-field=desks] .value")).to_have_text(
                f"{open_desks} з {len(view['desks'])}")
            waiting = sum(q["waiting"] for q in view["queues"].values())
            await expect(line.locator("[data-field=waiting] .value")).to_have_text(str(waiting))
            longest = max(q["longest_wait_seconds"] for q in view["queues"].values())
            await expect(line.locator("[data-field=longest] .value")).to_have_text(f"{longest // 60} хв")
            sla = view["sla"]
            await expect(line.locator("[data-field=sla] .value")).to_have_text(
                f"{round(sla['within_share'] * 100)}%" if sla["visits"] else "ще немає відвідувань")
        assert sum(q["waiting"] for q in branch_views["tsentr"]["queues"].values()) == 2  # 3 issued, 1 called
        await expect(row(screen, "inhulets")).to_have_attribute("data-paused", "true")
        await expect(row(screen, "inhulets").locator(".badge")).to_have_text("Повітряна тривога: пауза")
        await expect(screen.locator("#paused-banner")).to_contain_text("Повітряна тривога: 1 філія на паузі")
        await expect(row(screen, "ternivka").locator("[data-field=alerts] li")).to_have_text(
            "Кіоск біля входу: принтер — закінчився папір")
        await expect(row(screen, "tsentr").locator("[data-field=alerts]")).to_contain_text("усе гаразд")
        await expect(row(screen, "tsentr").locator("[data-field=shipping]")).to_contain_text("усе передано")
        # Problems first: paused, then the branch with an alert, then the rest.
        assert await screen.locator("#rows [role=row]").evaluate_all(
            "rows => rows.map(r => r.dataset.branch)") == ["inhulets", "ternivka", "tsentr"]
        # City totals on top.
        total_waiting = sum(q["waiting"] for v in branch_views.values() for q in v["queues"].values())
        await expect(screen.locator("#total-waiting")).to_have_text(str(total_waiting))
        await expect(screen.locator("#total-live")).to_have_text("3 з 3")
        await expect(screen.locator("#total-paused")).to_have_text("1")

        problems: list[str] = []
        await audit(screen, "city live uk", 4.5, "uk", problems)
        await screen.screenshot(path=shots_dir() / "city-live-uk.png", full_page=True)

        # A change at a branch reaches the page without a reload.
        await issue(http, tsentr, kiosks["tsentr"], "id-card")
        await expect(row(screen, "tsentr").locator("[data-field=waiting] .value")).to_have_text("3")
        await expect(screen.locator("#total-waiting")).to_have_text(str(total_waiting + 1))

        # English, and the phone.
        english = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await sign_in(english, city.url + "/city?lang=en", staff)
        await expect(english.locator("#rows [role=row]")).to_have_count(3)
        await expect(row(english, "inhulets").locator(".badge")).to_have_text("Air-raid alert: paused")
        await expect(row(english, "ternivka").locator("[data-field=alerts] li")).to_have_text(
            "Kiosk біля входу: printer — out of paper")
        await audit(english, "city live en", 4.5, "en", problems)
        await english.screenshot(path=shots_dir() / "city-live-en.png", full_page=True)
        phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        for lang in ("uk", "en"):
            page = await phone.new_page()
            await sign_in(page, f"{city.url}/city?lang={lang}", staff)
            await expect(page.locator("#rows [role=row]")).to_have_count(3)
            await audit(page, f"city live phone {lang}", 4.5, lang, problems)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the phone page scrolls sideways ({width} px)"
            await page.screenshot(path=shots_dir() / f"city-live-phone-{lang}.png", full_page=True)
            await page.close()
        assert not problems, "\n".join(problems)

        # tsentr stops. Its figures stay while it may still be heard from, then "no data", with no summary arriving.
        await desk.close()
        await servers.pop("tsentr").runner.cleanup()
        await asyncio.sleep(0.5)  # anything on its way has arrived
        for _ in range(int(STALE_SECONDS // 30)):
            city.clock.advance(seconds=30)  # in steps, so the other branches' summaries keep them live
            await asyncio.sleep(0.4)
        await asyncio.sleep(1.5)  # more than a tick of the city's timer
        assert await row(screen, "tsentr").get_attribute("data-status") == "live"
        await expect(row(screen, "tsentr").locator("[data-field=waiting] .value")).to_have_text("3")
        city.clock.advance(seconds=2)
        await expect(row(screen, "tsentr")).to_have_attribute("data-status", "no_data", timeout=5000)
        await expect(row(screen, "tsentr").locator("[data-field=no-data]")).to_contain_text("Немає даних")
        await expect(row(screen, "tsentr").locator("[data-field=no-data]")).to_contain_text(
            re.compile(r"востаннє о \d\d:\d\d, мовчить 2 хв"))
        await expect(row(screen, "tsentr").locator("[data-field=waiting]")).to_have_count(0)  # never old figures
        await expect(screen.locator("#announcer")).to_have_text("ЦНАП Центр: немає даних")
        assert (await screen.locator("#rows [role=row]").evaluate_all(
            "rows => rows.map(r => r.dataset.branch)"))[0] == "tsentr"  # no data: first
        await expect(screen.locator("#total-live")).to_have_text("2 з 3")
        await screen.screenshot(path=shots_dir() / "city-live-no-data-uk.png", full_page=True)


async def test_a_bad_token_is_refused_on_the_page_and_the_page_keeps_it_out_of_the_address(
        city: City, tmp_path: Path) -> None:
    branch = await city.branch_token("tsentr")
    staff = await city.staff_token()
    async with chromium() as browser:
        page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        sent: list[str] = []
        page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
        await page.goto(city.url + "/city")
        for wrong, words in (("not-a-token", "Потрібен дійсний токен"), (branch, "не дає доступу")):
            await page.fill("#token", wrong)
            await page.click("#login button")
            await expect(page.locator("#login-error")).to_contain_text(words)
            await expect(page.locator("#app")).to_be_hidden()
        await page.fill("#token", staff)
        await page.click("#login button")
        await expect(page.locator("#rows [role=row]")).to_have_count(1)
        assert staff not in page.url
        assert any(staff in frame for frame in sent)  # the token travels in the socket's first message
        assert await page.evaluate("sessionStorage.getItem('cherha-city-token')") == staff
        await page.reload()  # kept for the tab
        await expect(page.locator("#rows [role=row]")).to_have_count(1)
        await expect(row(page, "tsentr")).to_have_attribute("data-status", "no_data")
        await expect(row(page, "tsentr")).to_contain_text("філія ще не надсилала зведення")
        # A summary far behind in shipping, with an alert this page has no words for: the row says both in words.
        async with aiohttp.ClientSession() as http:
            lagging = summary(shipping={"behind_events": 164, "behind_seconds": 95 * 60},
                              alerts=[{"kind": "something_new", "n": 1}])
            assert await put_summary(http, city, branch, lagging) == 200
        await expect(row(page, "tsentr")).to_have_attribute("data-status", "live")
        await expect(row(page, "tsentr").locator("[data-field=shipping]")).to_contain_text(
            "не передано 164 події, найстарішу 95 хв тому")
        await expect(row(page, "tsentr").locator("[data-field=alerts] li")).to_have_text(
            "Інше сповіщення на панелі керівника філії")
        await expect(row(page, "tsentr")).to_have_class(re.compile("attention"))
        await expect(page.locator("#announcer")).to_have_text("tsentr: знову на зв’язку")
        await page.click("#sign-out")
        await expect(page.locator("#login")).to_be_visible()
        assert await page.evaluate("sessionStorage.getItem('cherha-city-token')") is None
