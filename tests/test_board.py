"""The hall board and the desk display in a real headless Chromium, fed by calls made through the protocol."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote

import aiohttp
from playwright.async_api import Page, expect

from display_board.launcher import board_command
from queue_server.api.auth import Role
from queue_server.clock import ManualClock

from .browser import CHROMIUM, browser_env, chromium
from .shots import shots_dir
from .support import TUESDAY_10, WsClient, issue, operator, running_server

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
        # Calls are spoken one after another: while the first (about 9 s, Ukrainian then English) plays,
        # the next has not even been fetched.
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
