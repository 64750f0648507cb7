"""The city's public page: for a service, the centre with the shortest predicted wait now and the one with the
soonest free booking slot (issue 18, "the public page's choice").

A real PostgreSQL, the city server and three branch servers on loopback ports, each with its own hall file
(name, address, map position, public address); tickets are issued and slots booked at the branches through their
own APIs, and the branches' live summaries carry the figures to the city. The page runs in headless Chromium.
The clocks are injected (ManualClock): nothing depends on the machine's date, time of day or time zone.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, expect

from city_server.public import PUBLIC_RATE, PUBLIC_SERVICES_PATH, PUBLIC_WAIT_PATH
from queue_server.config import DEMO_HALL, ConfigError, load_hall
from queue_server.config_export import hall_to_toml
from queue_server.domain.errors import InvalidInput
from queue_server.domain.hall import Location, Text
from queue_server.domain.hall_config import ConfigItem, apply_item, centre_value
from queue_server.shipping.protocol import LIVE_PATH, STALE_SECONDS, SUMMARY_PATH
from texts import plural_category

from .browser import chromium
from .city_support import City, running_branch, until
from .shots import shots_dir
from .support import TUESDAY_10, Server, WsClient, issue, new_command_id, operator, running_server
from .test_city import bearer
from .test_contrast_pages import audit

CENTRES: dict[str, dict[str, Any]] = {
    "tsentr": {"uk": "ЦНАП «Центральний»", "en": "Central Administrative Services Centre",
               "address_uk": "просп. Поштовий, 1", "address_en": "1 Poshtovyi Avenue",
               "at": (47.9105, 33.3918)},
    "inhulets": {"uk": "ЦНАП «Інгулецький»", "en": "Inhulets Administrative Services Centre",
                 "address_uk": "вул. Георгія Тернавського, 3", "address_en": "3 Heorhiia Ternavskoho Street",
                 "at": (47.7236, 33.2564)},
    "ternivka": {"uk": "ЦНАП «Тернівський»", "en": "Ternivka Administrative Services Centre",
                 "address_uk": "вул. Короленка, 1а", "address_en": "1a Korolenka Street",
                 "at": (48.0166, 33.4263)},
}
# Offered by the central centre only: a service of its own, added to its hall file with a desk that serves it.
ONLY_TSENTR = """
[[categories]]
id = "drivers"
name_uk = "Посвідчення водія"
name_en = "Driving licences"

  [[categories.services]]
  id = "driver-licence"
  prefix = "В"
  name_uk = "Обмін посвідчення водія"
  name_en = "Exchange of a driving licence"
  avg_minutes = 20
"""
MINUTES_UK = {"one": "хвилини", "few": "хвилин", "many": "хвилин", "other": "хвилини"}


def hall_file(folder: Path, branch: str) -> Path:
    """The demo hall as this branch's own: its name, address, position and public address (and for the central
    centre, one more service)."""
    facts = CENTRES[branch]
    text = DEMO_HALL.read_text(encoding="utf-8")
    centre = (f'id = "{branch}"\nname_uk = "{facts["uk"]}"\nname_en = "{facts["en"]}"\n'
              f'address_uk = "{facts["address_uk"]}"\naddress_en = "{facts["address_en"]}"\n'
              f'latitude = {facts["at"][0]}\nlongitude = {facts["at"][1]}\n'
              f'public_url = "https://{branch}.cnap.example.ua"\n')
    text = re.sub(r'id = "lutsk-demo"\nname_uk = .*\nname_en = .*\n', lambda _: centre, text, count=1)
    if branch == "tsentr":
        text = text.replace('services = { "id-card" = 10,', 'services = { "driver-licence" = 10, "id-card" = 10,', 1)
        text += ONLY_TSENTR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "hall.toml"
    path.write_text(text, encoding="utf-8")
    return path


@contextlib.asynccontextmanager
async def branch_server(folder: Path, city_url: str, branch: str, token: str) -> AsyncIterator[Server]:
    """A branch with its own hall file, shipping to the city, its summary every 0.3 s."""
    path = hall_file(folder, branch)
    async with running_branch(folder, city_url, branch, token, TUESDAY_10, hall_file=path) as server:
        yield server


async def book(http: aiohttp.ClientSession, server: Server, kiosk: str, service_id: str, start: str,
               phone: str) -> None:
    """A booking made at the branch's kiosk (staff and kiosks are not limited per address)."""
    async with http.post(server.url + "/api/bookings", headers=bearer(kiosk), json={
            "command_id": new_command_id(), "service_id": service_id, "start": start,
            "phone": phone}) as response:
        assert response.status == 201, await response.text()


POLLERS = itertools.count(1)


async def public(http: aiohttp.ClientSession, city: City, path: str, **headers: str) -> tuple[int, Any]:
    """A public request; by default from a new visitor each time (the test polls faster than one visitor may)."""
    headers = headers or {"X-Forwarded-For": f"10.{next(POLLERS) // 250 % 250}.{next(POLLERS) % 250}.1"}
    async with http.get(city.url + path, headers=headers) as response:
        return response.status, await response.json()


def minutes_uk(n: int) -> str:
    return f"близько {n} {MINUTES_UK[plural_category('uk', n)]}" if n else "без черги"


def minutes_en(n: int) -> str:
    return f"about {n} minute{'' if n == 1 else 's'}" if n else "no queue"


async def test_the_public_page_picks_the_shortest_wait_and_the_soonest_slot(
        city: City, tmp_path: Path) -> None:
    tokens = {name: await city.branch_token(name) for name in CENTRES}
    staff = await city.staff_token()
    async with contextlib.AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        branches = {name: await stack.enter_async_context(
            branch_server(tmp_path / name, city.url, name, tokens[name])) for name in ("tsentr", "inhulets")}
        silent = contextlib.AsyncExitStack()  # Ternivka's server, stopped in the middle: it falls silent
        stack.push_async_callback(silent.aclose)
        branches["ternivka"] = await silent.enter_async_context(
            branch_server(tmp_path / "ternivka", city.url, "ternivka", tokens["ternivka"]))

        # Different queues for one service, one desk open at each. Tsentr: six ID-card tickets. Inhulets: two.
        # Ternivka: nobody waiting (the best of all, until it falls silent).
        desks = [await operator(branches[name], 1) for name in CENTRES]
        for name, count in (("tsentr", 6), ("inhulets", 2)):
            kiosk = await branches[name].device_token()
            for _ in range(count):
                await issue(http, branches[name], kiosk, "id-card")
        # Bookings: Inhulets' first three slots of the day are full (two places each), so its soonest free
        # slot is 11:00; Tsentr's and Ternivka's is 10:15 (the hall's clock stands at 10:00).
        kiosk = await branches["inhulets"].device_token()
        for n, start in enumerate(("10:15", "10:15", "10:30", "10:30", "10:45", "10:45")):
            await book(http, branches["inhulets"], kiosk, "id-card", f"2026-11-24T{start}:00+02:00",
                       f"+38093111220{n}")  # a phone may book three times a month

        for server in branches.values():
            server.clock.advance(seconds=30)  # 10:00:30: the branches' quotes (kept 20 s) see the open desks

        async def wait_view() -> dict[str, Any]:
            status, data = await public(http, city, f"{PUBLIC_WAIT_PATH}?service=id-card")
            assert status == 200, data
            return {b["branch"]: b for b in data["branches"]}

        async def figures_arrived() -> bool:
            found = await wait_view()
            return len(found) == 3 and found["tsentr"]["waiting"] == 6 and found["inhulets"]["waiting"] == 2 \
                and found["inhulets"]["soonest_slot"] == "2026-11-24T11:00:00+02:00" \
                and found["ternivka"]["estimated_wait_minutes"] is not None
        try:
            await until(figures_arrived, what="the three branches' figures at the city")
        except TimeoutError:
            print(json.dumps(await wait_view(), ensure_ascii=False, indent=1)[:3000])
            raise
        seen = await wait_view()
        assert seen["tsentr"]["soonest_slot"] == seen["ternivka"]["soonest_slot"] == "2026-11-24T10:15:00+02:00"
        assert seen["tsentr"]["name"] == {"uk": "ЦНАП «Центральний»", "en": "Central Administrative Services Centre"}
        assert seen["tsentr"]["address"]["uk"] == "просп. Поштовий, 1"
        assert seen["tsentr"]["location"] == {"latitude": 47.9105, "longitude": 33.3918}
        assert seen["tsentr"]["booking_url"] == "https://tsentr.cnap.example.ua/book?service=id-card"
        assert seen["tsentr"]["open"] is True and seen["tsentr"]["paused"] is False
        # The wait each branch quotes for a ticket taken now, as the city's staff view has it from the same
        # summaries: the page must pick the smallest of the live ones.
        async with http.get(city.url + LIVE_PATH, headers=bearer(staff)) as response:
            live = {b["branch"]: b["summary"] for b in (await response.json())["branches"]}
        quote = {name: live[name]["services"]["id-card"]["estimated_wait_minutes"] for name in CENTRES}
        assert quote["ternivka"] < quote["inhulets"] < quote["tsentr"], quote

        # Ternivka falls silent: two minutes later (the city's clock) it is "no data", its figures gone.
        await silent.aclose()
        city.clock.advance(seconds=STALE_SECONDS + 1)

        async def ternivka_silent() -> bool:
            found = await wait_view()
            return found["ternivka"]["status"] == "no_data" and found["tsentr"]["status"] == "live" \
                and found["inhulets"]["status"] == "live"
        await until(ternivka_silent, what="Ternivka shown as no data")
        gone = (await wait_view())["ternivka"]
        assert gone["name"]["uk"] == "ЦНАП «Тернівський»"  # still listed, by name
        assert [gone[k] for k in ("open", "paused", "waiting", "estimated_wait_minutes", "soonest_slot")] == [None] * 5

        browser = await stack.enter_async_context(chromium())
        phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page = await phone.new_page()
        await page.goto(f"{city.url}/wait")
        await page.select_option("#service", "id-card")
        inhulets, tsentr = CENTRES["inhulets"], CENTRES["tsentr"]
        await expect(page.locator("#best-wait")).to_have_text(
            f"Найкоротше очікування зараз: {inhulets['uk']}, {minutes_uk(quote['inhulets'])}.")
        await expect(page.locator("#best-slot")).to_have_text(
            f"Найшвидший запис: {tsentr['uk']}, вівторок, 24 листопада о 10:15.")
        await expect(page.locator("#choice")).to_have_attribute("aria-live", "polite")
        items = page.locator("#branches > li")
        await expect(items).to_have_count(3)
        await expect(items.locator("h3")).to_have_text([inhulets["uk"], tsentr["uk"], "ЦНАП «Тернівський»"])
        await expect(page.locator("#list-title")).to_have_text(
            "Де надають послугу «Оформлення паспорта громадянина України у формі ID-картки»")
        card = page.locator("li[data-branch=inhulets]")
        await expect(card.locator(".tag")).to_have_text(["Найкоротше очікування"])
        await expect(card).to_contain_text("Чекають 2 людини")
        await expect(card).to_contain_text("Найближчий вільний час запису: вівторок, 24 листопада о 11:00")
        await expect(page.locator("li[data-branch=tsentr] .tag")).to_have_text(["Найшвидший запис"])
        await expect(page.locator("li[data-branch=tsentr]")).to_contain_text("Чекають 6 людей")
        await expect(page.locator("li[data-branch=tsentr] a.book")).to_have_attribute(
            "href", "https://tsentr.cnap.example.ua/book?service=id-card&date=2026-11-24&lang=uk")
        quiet = page.locator("li[data-branch=ternivka]")
        await expect(quiet.locator(".status")).to_have_text("Немає даних: центр зараз не передає відомостей")
        await expect(quiet.locator(".tag")).to_have_count(0)
        await expect(quiet.locator("a.book")).to_have_count(0)
        await expect(quiet).not_to_contain_text("Чекає")
        await shot(page, "city-public-uk.png")
        problems: list[str] = []
        counted = await audit(page, "city public uk", 4.5, "uk", problems)

        # English, the same choice in its own words.
        page_en = await phone.new_page()
        await page_en.goto(f"{city.url}/wait?lang=en&service=id-card")
        await expect(page_en.locator("#best-wait")).to_have_text(
            f"Shortest wait now: {inhulets['en']}, {minutes_en(quote['inhulets'])}.")
        await expect(page_en.locator("#best-slot")).to_have_text(
            f"Soonest booking: {tsentr['en']}, Tuesday 24 November at 10:15.")
        await expect(page_en.locator("li[data-branch=ternivka] .status")).to_have_text(
            "No data: the centre is not reporting now")
        await shot(page_en, "city-public-en.png")
        counted += await audit(page_en, "city public en", 4.5, "en", problems)

        # A service offered by one centre only. One desk at 20 minutes a visit leaves less than one place a slot
        # for booking (half of 15/20, rounded): nothing to book, and the page says so.
        await page.select_option("#service", "driver-licence")
        await expect(items).to_have_count(1)
        await expect(items.locator("h3")).to_have_text([tsentr["uk"]])
        await expect(page.locator("#best-wait")).to_have_text(
            re.compile(f"^Найкоротше очікування зараз: {tsentr['uk']}, "))
        await expect(page.locator("#best-slot")).to_have_text(
            "Вільного часу для запису на цю послугу найближчими днями немає в жодному центрі.")
        await expect(items.first).to_contain_text("Вільного часу для запису найближчими днями немає")
        await expect(items.first.locator("a.book")).to_have_count(0)
        await shot(page, "city-public-one-centre-uk.png")
        assert "service=driver-licence" in page.url  # the answer can be shared

        # Near you: the phone shares its position (a street from the central centre) and the visitor will go
        # at most 5 km: only the central centre is within reach, and the page says so.
        near = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                         geolocation={"latitude": 47.915, "longitude": 33.395},
                                         permissions=["geolocation"])
        located = await near.new_page()
        await located.goto(f"{city.url}/wait?service=id-card")
        await expect(located.locator("#radius")).to_be_disabled()
        await located.click("#locate")
        await expect(located.locator("#origin")).to_have_value("here")
        await expect(located.locator("li[data-branch=tsentr] .distance")).to_have_text("Відстань: 0,6 км")
        await expect(located.locator("#branches h3").first).to_have_text(tsentr["uk"])  # the nearest first
        await located.select_option("#radius", "5")
        await expect(located.locator("#best-wait")).to_have_text(
            f"Найкоротше очікування зараз: {tsentr['uk']}, {minutes_uk(quote['tsentr'])}.")
        await expect(located.locator("#scope")).to_have_text("Серед центрів не далі ніж 5 км.")
        await expect(located.locator("li[data-branch=tsentr] .tag")).to_have_text(
            ["Найкоротше очікування", "Найшвидший запис"])
        await shot(located, "city-public-near-uk.png")
        # Or the visitor names the centre they are near, with no location shared: Inhulets, within 2 km.
        await page.select_option("#service", "id-card")
        await page.select_option("#origin", "inhulets")
        await page.select_option("#radius", "2")
        await expect(page.locator("#best-slot")).to_have_text(
            f"Найшвидший запис: {inhulets['uk']}, вівторок, 24 листопада о 11:00.")
        await expect(page.locator("#branches > li")).to_have_count(1)  # Ternivka and Tsentr are farther
        await page.select_option("#radius", "20")  # Tsentr is 22 km from Inhulets: still out of reach
        await expect(page.locator("#best-wait")).to_have_text(
            f"Найкоротше очікування зараз: {inhulets['uk']}, {minutes_uk(quote['inhulets'])}.")
        await page.select_option("#radius", "")  # any distance: all three, the nearest first
        await expect(page.locator("#branches h3")).to_have_text([inhulets["uk"], tsentr["uk"], "ЦНАП «Тернівський»"])
        await expect(page.locator("#scope")).to_have_text("")

        wide = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await wide.goto(f"{city.url}/wait?service=id-card")
        await expect(wide.locator("#best-wait")).to_contain_text(inhulets["uk"])
        await shot(wide, "city-public-wide-uk.png")
        counted += await audit(wide, "city public 1280", 4.5, "uk", problems)

        # An air-raid alert at Inhulets: its queue is kept but nobody is called, so it is not the choice.
        boss = await WsClient.connect(branches["inhulets"].ws_url, login="supervisor", password="super-demo")
        await boss.command("hall_pause", reason="air_raid")
        await until(lambda: _paused(wait_view), what="Inhulets paused at the city")
        await wide.reload()
        await expect(wide.locator("li[data-branch=inhulets] .status")).to_have_text(
            "Повітряна тривога: прийом призупинено")
        await expect(wide.locator("#best-wait")).to_have_text(
            f"Найкоротше очікування зараз: {tsentr['uk']}, {minutes_uk(quote['tsentr'])}.")
        await expect(wide.locator("li[data-branch=inhulets] .tag")).to_have_count(0)
        await boss.close()
        for desk in desks:
            await desk.close()
    assert counted > 60, "the page had next to nothing on it"
    assert not problems, "\n".join(problems)


async def _paused(view: Any) -> bool:
    return bool((await view())["inhulets"]["paused"])


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=shots_dir() / name, full_page=True)


async def test_the_public_api_is_bounded_and_refuses_clearly(city: City, tmp_path: Path) -> None:
    token = await city.branch_token("tsentr")
    async with branch_server(tmp_path / "tsentr", city.url, "tsentr", token), aiohttp.ClientSession() as http:
        async def listed() -> bool:
            status, data = await public(http, city, PUBLIC_SERVICES_PATH)
            return status == 200 and any(s["id"] == "driver-licence" for s in data["services"])
        await until(listed, what="the services list")
        _, data = await public(http, city, PUBLIC_SERVICES_PATH)
        by_id = {s["id"]: s for s in data["services"]}
        assert by_id["driver-licence"] == {"id": "driver-licence", "branches": 1,
                                           "name": {"uk": "Обмін посвідчення водія",
                                                    "en": "Exchange of a driving licence"}}
        assert len(by_id) == 68  # the demo hall's 67 and the centre's own

        status, data = await public(http, city, f"{PUBLIC_WAIT_PATH}?service=nope")
        assert status == 404 and data["error"]["code"] == "unknown_service"
        assert data["error"]["message"]["uk"] == "Жоден центр міста зараз не пропонує послугу «nope»."
        status, data = await public(http, city, f"{PUBLIC_WAIT_PATH}?service=%3Cscript%3E")
        assert status == 400 and data["error"]["code"] == "invalid_service"

        # Per client address: a burst, then refused with the seconds to wait. Behind the documented proxy (a
        # loopback peer) the visitor is the last address in X-Forwarded-For; another visitor is not affected.
        flood = {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}
        passed = 0
        for _ in range(PUBLIC_RATE.burst + 200):  # the bucket refills by 2 a second while this runs
            status, data = await public(http, city, PUBLIC_SERVICES_PATH, **flood)
            if status != 200:
                break
            passed += 1
        assert passed >= PUBLIC_RATE.burst
        assert status == 429 and data["error"]["code"] == "too_many_requests"
        assert data["error"]["params"]["seconds"] >= 1
        status, _ = await public(http, city, PUBLIC_SERVICES_PATH, **{"X-Forwarded-For": "203.0.113.8"})
        assert status == 200

        # What a branch sends for the public page is checked at the city.
        good = {"at": "2026-11-24T10:00:00+02:00", "paused": False, "desks": {}, "services": {}}
        bad = [{**good, "centre": {"name": {"uk": "", "en": "x"}, "open": True, "booking_url": ""}},
               {**good, "centre": {"name": {"uk": "Ц", "en": "C"}, "open": True, "booking_url": "",
                                   "location": {"latitude": 91, "longitude": 0}}},
               {**good, "centre": {"name": {"uk": "Ц", "en": "C"}, "open": True, "booking_url": "javascript:x"}},
               {**good, "services": {"id-card": {"name": {"uk": "П" * 301, "en": ""}}}},
               {**good, "services": {"id-card": {"soonest_slot": "10:15"}}},
               {**good, "services": {"Bad Id": {}}}]
        for body in bad:
            async with http.put(city.url + SUMMARY_PATH, json=body, headers=bearer(token)) as response:
                assert response.status == 400, body
                assert (await response.json())["error"]["code"] == "invalid_summary"


def test_a_hall_file_gives_its_address_and_position(tmp_path: Path) -> None:
    hall = load_hall(hall_file(tmp_path, "inhulets"))
    assert hall.address == Text("вул. Георгія Тернавського, 3", "3 Heorhiia Ternavskoho Street")
    assert hall.location == Location(47.7236, 33.2564)
    again = tmp_path / "again.toml"
    again.write_text(hall_to_toml(hall), encoding="utf-8")  # `cherha export-config` keeps them
    assert load_hall(again).address == hall.address and load_hall(again).location == hall.location
    # A hall file imported live (the admin's import: the centre as one config item) brings them too, and the
    # domain refuses degrees out of range there as well.
    plain = load_hall(DEMO_HALL)
    assert plain.address is None and plain.location is None
    moved = apply_item(plain, ConfigItem("centre", "changed", "", centre_value(hall)))
    assert moved.address == hall.address and moved.location == hall.location
    with pytest.raises(InvalidInput):
        apply_item(plain, ConfigItem("centre", "changed", "", {**centre_value(hall),
                                                               "location": {"latitude": 0, "longitude": 181}}))
    for wrong, said in (("latitude = 47.7236", "latitude = 97.0"), ("longitude = 33.2564\n", "")):
        broken = tmp_path / "broken.toml"
        broken.write_text(again.read_text(encoding="utf-8").replace(wrong, said), encoding="utf-8")
        with pytest.raises(ConfigError, match=r"latitude|longitude"):
            load_hall(broken)


async def test_the_booking_page_opens_on_the_linked_service_and_date(tmp_path: Path) -> None:
    async with running_server(tmp_path) as server, chromium() as browser:
        page = await browser.new_page()
        day = (server.clock.now() + timedelta(days=2)).date().isoformat()
        await page.goto(f"{server.url}/book?service=residence-register&date={day}")
        await expect(page.locator("#service")).to_have_value("residence-register")
        await expect(page.locator("#date")).to_have_value(day)
        await expect(page.locator("#slots button").first).to_be_visible()
