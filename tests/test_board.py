"""The hall board and the desk display in a real headless Chromium, fed by calls made through the protocol."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from playwright.async_api import Page, expect

from display_board.launcher import board_command
from queue_server.api.auth import Role
from queue_server.clock import ManualClock

from .browser import CHROMIUM, browser_env, chromium
from .shots import shots_dir
from .support import TUESDAY_10, WsClient, demo_hall, issue, operator, running_server

ROOT = Path(__file__).resolve().parent.parent
SHOTS = shots_dir()
TV = {"width": 1920, "height": 1080}


async def _calls_on(page: Page) -> list[tuple[str, str]]:
    rows = await page.locator("#calls li").all()
    return [(await r.get_attribute("data-ticket") or "", await r.get_attribute("data-desk") or "") for r in rows]


async def test_calls_reach_board_and_desk_display(tmp_path, voice_dir) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path, voice_dir=voice_dir) as server, aiohttp.ClientSession() as http, \
            chromium() as browser:
        display = await server.device_token(Role.DISPLAY, "board")
        kiosk = await server.device_token()
        tickets = [await issue(http, server, kiosk, service) for service in
                   ("id-card", "id-card", "residence-register", "birth", "subsidy", "land-cadastre-extract")]
        board = await browser.new_page(viewport=TV)
        audio: list[str] = []
        board.on("response", lambda r: audio.append(r.url) if "/audio/call.wav" in r.url and r.status == 200 else None)
        await board.goto(f"{server.url}/board?token={display}")
        desk_page = await browser.new_page(viewport={"width": 800, "height": 480})
        await desk_page.goto(f"{server.url}/display/desk/5?token={display}")
        await expect(board.locator("#waiting li[data-category='passports'] .count")).to_have_text("2")
        await expect(desk_page.locator("#state")).to_contain_text("Не працює")

        desks = [await operator(server, n) for n in (1, 2, 5)]
        # Three desks call at the same moment: all three calls show, none overwrites another.
        results = await asyncio.gather(*[d.command("call_next") for d in desks])
        called = {(r["visit"]["ticket"], str(r["visit"]["desk"])) for r in results}
        await expect(board.locator("#calls li")).to_have_count(3)
        assert set(await _calls_on(board)) == called
        await expect(board.locator("#calls li.new")).to_have_count(3)
        await expect(board.locator("#waiting li[data-category='passports']")).to_have_count(0)
        desk5 = next(t for t, d in called if d == "5")
        await expect(desk_page.locator("#ticket")).to_have_text(desk5)
        await expect(desk_page.locator("#state")).to_contain_text("Запрошується")

        server.clock.advance(seconds=30)  # the server orders calls by their time: a recall comes later
        await desks[2].command("recall")  # a recall repeats the announcement and moves the call to the top
        await expect(board.locator("#calls li").first).to_have_attribute("data-ticket", desk5)
        queued = await board.evaluate("window.cherhaAnnouncements")
        assert sorted(queued[:3]) == sorted(f"{t}>{d}" for t, d in called) and queued[3] == f"{desk5}>5"
        await board.wait_for_timeout(1500)
        # Calls are spoken one after another: while the first (about 5 s) plays, the next has not even been
        # fetched.
        spoken = [unquote(url.split("ticket=")[1].split("&")[0]) for url in audio]
        assert spoken == [queued[0].split(">")[0]]

        await desks[2].command("start_service")
        await expect(desk_page.locator("#state")).to_contain_text("Обслуговується")
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await boss.command("set_announcement", text_uk="Сьогодні ЦНАП працює до 20:00",
                           text_en="Today the centre is open until 20:00")
        await expect(board.locator("#announcement")).to_contain_text("працює до 20:00")
        await board.wait_for_timeout(300)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await board.screenshot(path=SHOTS / "board.png")
        await desk_page.screenshot(path=SHOTS / "desk-display.png")
        await boss.command("hall_pause", reason="air_raid")
        await expect(board.locator("#paused")).to_be_visible()
        await board.screenshot(path=SHOTS / "board-air-raid.png")
        await boss.command("hall_resume")
        await expect(board.locator("#paused")).to_be_hidden()
        await desks[1].command("no_show")
        await desks[1].command("desk_pause", reason="break")
        desk2 = await browser.new_page(viewport={"width": 800, "height": 480})
        await desk2.goto(f"{server.url}/display/desk/2?token={display}")
        await expect(desk2.locator("#state")).to_contain_text("Перерва")
        assert tickets
        for client in [*desks, boss]:
            await client.close()


async def test_board_catches_up_after_server_restart(tmp_path, voice_dir) -> None:  # type: ignore[no-untyped-def]
    async with chromium() as browser:
        async with running_server(tmp_path, voice_dir=voice_dir) as server, aiohttp.ClientSession() as http:
            port = int(server.url.rsplit(":", 1)[1])
            display = await server.device_token(Role.DISPLAY, "board")
            kiosk = await server.device_token()
            for _ in range(3):
                await issue(http, server, kiosk, "id-card")
            board = await browser.new_page(viewport=TV)
            await board.goto(f"{server.url}/board?token={display}")
            desk = await operator(server, 1)
            first = await desk.command("call_next")
            await expect(board.locator("#calls li")).to_have_count(1)
            await desk.close()
        await expect(board.locator("#offline")).to_be_visible()  # a discreet mark while the server is away
        await board.screenshot(path=SHOTS / "board-offline.png")
        # The server orders the standing calls by their time: the restarted server's clock has moved on.
        later = ManualClock(TUESDAY_10 + timedelta(minutes=2))
        async with running_server(tmp_path, port=port, voice_dir=voice_dir, clock=later) as server:
            desk = await operator(server, 2)
            second = await desk.command("call_next")
            await expect(board.locator("#offline")).to_be_hidden(timeout=15_000)
            await expect(board.locator("#calls li")).to_have_count(2)
            assert [t for t, _ in await _calls_on(board)] == [second["visit"]["ticket"], first["visit"]["ticket"]]
            await expect(board.locator("#waiting li[data-category='passports'] .count")).to_have_text("1")
            await desk.close()


async def test_zone_board_shows_only_its_zone(tmp_path, voice_dir) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path, voice_dir=voice_dir) as server, aiohttp.ClientSession() as http, \
            chromium() as browser:
        display = await server.device_token(Role.DISPLAY, "board")
        kiosk = await server.device_token()
        await issue(http, server, kiosk, "id-card")
        await issue(http, server, kiosk, "residence-register")
        board = await browser.new_page(viewport=TV)
        await board.goto(f"{server.url}/board?token={display}&zone=Б")
        passport_desk, residence_desk = await operator(server, 1), await operator(server, 5)  # zones А and Б
        await passport_desk.command("call_next")
        residence = await residence_desk.command("call_next")
        await expect(board.locator("#calls li")).to_have_count(1)
        assert await _calls_on(board) == [(residence["visit"]["ticket"], "5")]
        await expect(board.locator("#centre")).to_contain_text("Б")  # which zone this board is for
        await issue(http, server, kiosk, "land-cadastre-extract")  # served in zone Г only
        await issue(http, server, kiosk, "residence-deregister")  # served in zone Б
        await expect(board.locator("#waiting li[data-category='residence'] .count")).to_have_text("1")
        assert await board.locator("#waiting li[data-category='land']").count() == 0
        for client in (passport_desk, residence_desk):
            await client.close()


def test_board_launcher_opens_chromium_with_autoplay(tmp_path) -> None:  # type: ignore[no-untyped-def]
    command = board_command("http://127.0.0.1:8080/", "TOKEN", zone="А", profile_dir=str(tmp_path / "profile"))
    assert "--autoplay-policy=no-user-gesture-required" in command and "--kiosk" in command
    assert command[-1] == "http://127.0.0.1:8080/board?token=TOKEN&zone=%D0%90"
    desk = board_command("http://h:1", "T", desk=7)
    assert desk[-1] == "http://h:1/display/desk/7?token=T"
    # The same command really starts this machine's Chromium (headless here, with nothing to show).
    shot = tmp_path / "shot.png"
    run = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
           *command[1:-1], "data:text/html,<h1>Табло</h1>"]
    run.remove("--kiosk")
    subprocess.run(run, check=True, capture_output=True, timeout=60, env=browser_env())
    assert shot.stat().st_size > 1000


# -- legibility: issue 17 --------------------------------------------------------------------------------
# A 16:9 screen of 55" is 685 mm high; at 1920x1080 one CSS pixel is 0.634 mm. Read from 10 m, a capital must be
# 10,000 / 357 = 28 mm high; DejaVu Sans's capital is 0.73 of the font size, counted as 0.7.
MM_PER_PX = 55 * 25.4 * 9 / math.hypot(16, 9) / 1080
MIN_CAP_MM = 10_000 / 357
MIN_FONT_PX = MIN_CAP_MM / 0.7 / MM_PER_PX

# Every text element on the board that shows, with its font size and the height of its capital letters (drawn
# in its own font on a canvas), and whether it is cut: outside the screen, or outside a box that hides overflow.
TEXTS = """() => {
    const canvas = document.createElement("canvas").getContext("2d");
    const found = [];
    for (const el of document.body.querySelectorAll("*")) {
        const text = [...el.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE)
            .map((node) => node.textContent).join("").trim();
        if (!text || !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
        const box = el.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        const style = getComputedStyle(el);
        canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const owner = el.closest("[id]");
        const kind = el.className ? "." + el.className.split(" ")[0] : "";
        const where = `${owner ? "#" + owner.id : ""} ${el.tagName.toLowerCase()}${kind}`;
        let cut = false;
        if (!el.closest("#announcement")) {  // the running line runs off the screen by design
            cut = box.left < -0.5 || box.top < -0.5 || box.right > innerWidth + 0.5 || box.bottom > innerHeight + 0.5;
            for (let up = el.parentElement; up && !cut; up = up.parentElement) {
                const clip = getComputedStyle(up);
                if (clip.overflowX === "visible" && clip.overflowY === "visible") continue;
                const outer = up.getBoundingClientRect();
                cut = box.left < outer.left - 0.5 || box.right > outer.right + 0.5 || box.top < outer.top - 0.5
                    || box.bottom > outer.bottom + 0.5;
                if (cut) cut = `${[box.left, box.top, box.right, box.bottom].map(Math.round)} outside ${up.tagName}`
                    + ` ${[outer.left, outer.top, outer.right, outer.bottom].map(Math.round)}`;
            }
        }
        found.push({ where: where.trim(), text: text.slice(0, 40), font: parseFloat(style.fontSize),
                     cap: canvas.measureText("НH").actualBoundingBoxAscent, cut });
    }
    return found;
}"""


async def _legible(page: Page, min_font: float = MIN_FONT_PX, min_cap_mm: float = MIN_CAP_MM) -> set[str]:
    """Every text on the board at least the legible size, none cut; returns where texts were found."""
    texts = await page.evaluate(TEXTS)
    small = [t for t in texts if t["font"] < min_font - 0.01 or t["cap"] * MM_PER_PX < min_cap_mm]
    assert small == [], f"smaller than {min_font:.1f} px (capital {min_cap_mm:.1f} mm)"
    assert [(t["where"], t["text"], t["cut"]) for t in texts if t["cut"]] == []
    return {t["where"] for t in texts}


async def _full_hall(server: Any, http: aiohttp.ClientSession, desks: int) -> dict[int, WsClient]:
    """A visitor waiting in every category, and `desks` desks calling, a few tenths of a second apart."""
    kiosk = await server.device_token()
    hall = server.service.hall
    for category in hall.categories:
        await issue(http, server, kiosk, category.service_ids[0])
    for number in range(1, desks + 1):
        await issue(http, server, kiosk, hall.desks[number].weights[0][0])
    calling = {n: await operator(server, n) for n in range(1, desks + 1)}
    for number in range(1, desks + 1):
        await calling[number].command("call_next")
        server.clock.advance(seconds=0.3)
    boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
    await boss.command("set_announcement", text_uk="Сьогодні ЦНАП працює до 20:00",
                       text_en="Today the centre is open until 20:00")
    calling[0] = boss
    return calling


async def test_every_text_on_the_board_is_legible_from_ten_metres(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The default hall (a 55" screen read from 10 m) at 1920x1080, a full hall: every text a visitor reads has
    capitals of at least 28 mm, measured on the rendered page, and none is cut."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        assert (server.service.hall.board.screen_inches, server.service.hall.board.viewing_metres) == (55, 10)
        token = await server.device_token(Role.DISPLAY, "board")
        board = await browser.new_page(viewport=TV)
        await board.goto(f"{server.url}/board?token={token}")
        clients = await _full_hall(server, http, 12)
        await expect(board.locator("#calls li")).to_have_count(12)  # every call stands on the board
        await expect(board.locator("#announcement")).to_contain_text("20:00")
        assert float(await board.locator("body").get_attribute("data-min-font-px") or 0) == \
            pytest.approx(MIN_FONT_PX, abs=0.01)
        assert 63 < MIN_FONT_PX < 64 and 28 < MIN_CAP_MM < 28.1
        await board.wait_for_timeout(300)
        found = await _legible(board)
        for where in ("#calls span.ticket", "#calls span.arrow", "#calls span.desk", "#waiting span.name",
                      "#waiting span.count", "#waiting-page p.more", "#announcement span", "#time span",
                      "#date span", "#nowCalling span", "#nowCalling small", "#waitingTitle span",
                      "#waitingTitle small"):
            assert where in found, (where, sorted(found))
        # More categories wait than fit: a page at a time, each category on one of them, none smaller.
        pages = int(await board.locator("#waiting").get_attribute("data-pages") or 0)
        assert pages > 1
        assert await board.locator("#waiting li").count() == len(server.service.hall.categories)
        await board.screenshot(path=SHOTS / "board-full-hall.png")
        # One category on each page: the page shown changes by itself, every few seconds.
        first = await board.locator("#waiting li:visible").first.get_attribute("data-category")
        await expect(board.locator("#waiting li:visible").first).not_to_have_attribute("data-category", first or "",
                                                                                       timeout=10_000)
        await _legible(board)
        # The air-raid screen too.
        await clients[0].command("hall_pause", reason="air_raid")
        await expect(board.locator("#paused")).to_be_visible()
        found = await _legible(board)
        assert {"#paused h1", "#paused p", "#paused h2"} <= found
        for client in clients.values():
            await client.close()


@pytest.mark.parametrize("metres", [12, 16])
async def test_board_shows_the_newest_calls_that_fit_and_counts_the_rest(tmp_path, metres) -> None:  # type: ignore[no-untyped-def]
    """A 55" screen read from farther than it should be: rows are never made smaller than the distance allows,
    so the 18 calls of every desk calling do not all fit; the newest that do are shown, and "and N more calls"
    says how many stand besides. Where not even one waiting category fits beside the calls (16 m), the calls
    take the width."""
    hall = demo_hall()
    hall = dataclasses.replace(hall, board=dataclasses.replace(hall.board, viewing_metres=metres))
    async with running_server(tmp_path, hall=hall) as server, aiohttp.ClientSession() as http, \
            chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        board = await browser.new_page(viewport=TV)
        await board.goto(f"{server.url}/board?token={token}")
        clients = await _full_hall(server, http, 18)
        await expect(board.locator("#more-calls")).to_be_visible()
        await expect(board.locator("#calls")).to_have_attribute("data-standing", "18")
        state = await clients[1].request("get_state")
        shown = await _calls_on(board)
        assert 4 <= len(shown) < 18
        assert shown == [(c["ticket"], str(c["desk"])) for c in state["calls"][:len(shown)]], "the newest"
        hidden = 18 - len(shown)
        calls_uk = "виклики" if hidden % 10 in (2, 3, 4) and hidden % 100 not in (12, 13, 14) else "викликів"
        await expect(board.locator("#more-calls")).to_contain_text(f"і ще {hidden} {calls_uk}")
        await expect(board.locator("#more-calls")).to_contain_text(f"and {hidden} more calls")
        await expect(board.locator(".waiting")).to_be_visible(visible=metres == 12)
        await _legible(board, MIN_FONT_PX * metres / 10, MIN_CAP_MM * metres / 10)
        if metres == 12:
            await board.screenshot(path=SHOTS / "board-more-calls.png")
        # Visitors reach their desks: the calls left fit again, the line goes.
        for number in range(18, 1, -1):
            await clients[number].command("start_service")
            if await board.locator("#more-calls").is_hidden():
                break
        await expect(board.locator("#more-calls")).to_be_hidden()
        await expect(board.locator("#calls li")).to_have_count(
            int(await board.locator("#calls").get_attribute("data-standing") or 0))
        await _legible(board, MIN_FONT_PX * metres / 10, MIN_CAP_MM * metres / 10)
        for client in clients.values():
            await client.close()


MARQUEE_SPEED = """() => {
    const marquee = document.getAnimations().find((animation) => animation.id === "marquee");
    const line = document.querySelector("#announcement span");
    marquee.pause();
    const at = (ms) => { marquee.currentTime = ms; return line.getBoundingClientRect().left; };
    const speed = (at(1000) - at(3000)) / 2;
    marquee.play();
    return { speed, duration: marquee.effect.getTiming().duration, width: line.offsetWidth,
             screen: document.getElementById("announcement").clientWidth,
             font: parseFloat(getComputedStyle(line).fontSize) };
}"""


async def test_running_line_moves_at_one_speed_whatever_its_length(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        board = await browser.new_page(viewport=TV)
        await board.goto(f"{server.url}/board?token={token}")
        measured = []
        long_uk = "Шановні відвідувачі! " + "Документи для реєстрації місця проживання приймаються у вікнах 5-8. " * 3
        for uk, en in (("Увага", "Attention"), (long_uk.strip(), "Residence registration: desks 5 to 8.")):
            await boss.command("set_announcement", text_uk=uk, text_en=en)
            await expect(board.locator("#announcement span")).to_contain_text(en)
            measured.append(await board.evaluate(MARQUEE_SPEED))
        short, long = measured
        assert long["width"] > 5 * short["width"]
        # Measured by the animation's own clock, not the wall's: the same pixels a second for both.
        assert short["speed"] == pytest.approx(long["speed"], rel=0.01)
        assert short["speed"] == pytest.approx(3 * short["font"], rel=0.01), "three letter sizes a second"
        for run in measured:  # it crosses the screen and its own width at that speed
            assert run["duration"] == pytest.approx((run["width"] + run["screen"]) / run["speed"] * 1000, rel=0.01)
        await boss.close()


async def test_index_page_explains_screens_need_a_token_and_never_shows_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        async with http.get(server.url + "/") as response:
            page = await response.text()
        assert token not in page
        assert 'href="/board' not in page and 'href="/display' not in page, "no link that cannot work"
        for words in ("cherha token --role display", "/board?token=ТОКЕН", "/display/desk/7?token=ТОКЕН",
                      "токеном пристрою", "device token", 'href="/book"', 'href="/dashboard"'):
            assert words in page, words
        # With a token at hand, the form opens the board, connected.
        index = await browser.new_page(viewport={"width": 1280, "height": 900})
        await index.goto(server.url + "/")
        await index.screenshot(path=SHOTS / "index.png", full_page=True)
        await index.fill("#open-board [name=token]", token)
        await index.select_option("#open-board [name=zone]", "Б")
        await index.click("#open-board button")
        await expect(index).to_have_url(f"{server.url}/board?token={token}&zone=%D0%91")
        await expect(index.locator("body")).to_have_attribute("data-online", "yes")
        await expect(index.locator("#no-token")).to_be_hidden()
