"""The administration section (/admin) in a real headless Chromium against the real server and its admin API
(docs/admin-api.md): every screen signs in, draws, fits the screen, and its changes reach the live hall."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, expect
from playwright.sync_api import Browser as SyncBrowser
from playwright.sync_api import expect as sync_expect
from playwright.sync_api import sync_playwright
from PySide6.QtCore import Qt

from kiosk_app.app import build as kiosk_build
from kiosk_app.flow import Screen

from .browser import CHROMIUM, FLAGS, browser_env, chromium
from .server_thread import ServerThread
from .shots import shots_dir
from .support import running_server
from .test_desk_console import sign_in as console_sign_in
from .test_kiosk import tap as kiosk_tap

SHOTS = shots_dir()
LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT = 10_000
SCREENS = ("operators", "desks", "services", "centre", "devices", "audit")
# The pictures docs/administration.md shows (every screen is drawn and measured in each variant).
# (the change log's picture is taken with changes in it, in the test below)
KEPT = {("uk", 1280): SCREENS[:-1], ("en", 1280): ("desks", "centre"), ("uk", 390): ("operators", "desks")}


async def sign_in(page: Page, login: str = "admin", password: str = "admin-demo") -> None:
    await page.fill("#login [name=login]", login)
    await page.fill("#login [name=password]", password)
    await page.click("#login button")


async def open_screen(page: Page, name: str) -> None:
    await page.evaluate(f"location.hash = '#{name}'")
    await expect(page.locator("#screen")).to_have_attribute("data-ready", name)


async def width(page: Page) -> dict[str, Any]:
    measured: dict[str, Any] = await page.evaluate(
        "() => ({scroll: document.scrollingElement.scrollWidth, width: window.innerWidth})")
    return measured


@pytest.mark.parametrize(("viewport", "lang"), [(LAPTOP, "uk"), (LAPTOP, "en"), (PHONE, "uk")],
                         ids=["uk-1280", "en-1280", "uk-390"])
async def test_every_screen_draws_and_fits(tmp_path, viewport, lang) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, chromium() as browser:
        page = await browser.new_page(viewport=viewport, locale="uk-UA" if lang == "uk" else "en-GB")
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{server.url}/admin?lang={lang}#operators")
        await sign_in(page)
        for name in SCREENS:
            await open_screen(page, name)
            measured = await width(page)
            assert measured["scroll"] <= viewport["width"], (name, measured)
            if name == "devices":  # none issued yet: said in words, not a bare header row
                await expect(page.locator("#devices-empty")).to_have_text(
                    {"uk": "Пристроїв ще немає — видайте перший токен вище.",
                     "en": "No devices yet — issue the first token above."}[lang])
            if name in KEPT[(lang, viewport["width"])]:
                suffix = "" if (lang, viewport["width"]) == ("uk", 1280) else f"-{lang}" if lang == "en" \
                    else f"-{viewport['width']}"
                await page.screenshot(path=SHOTS / f"admin-{name}{suffix}.png", full_page=True)
        assert errors == []


# -- an administrator's first changes, seen where they matter: the console, the next call, booking, the kiosk --
def rest(server: ServerThread, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    async def go() -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as http, http.request(method, server.url + path, json=body,
                                                                 headers=headers) as response:
            return response.status, await response.json()

    result: tuple[int, Any] = server.run(go())
    return result


def test_an_administrators_changes_reach_the_hall(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = ServerThread(tmp_path)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                 env=browser_env())
            try:
                first_week(qtbot, tmp_path, server, browser)
            finally:
                browser.close()
    finally:
        server.close()


def settle(qtbot, condition, timeout: int = WAIT) -> None:  # type: ignore[no-untyped-def]
    """Wait for the Qt side while the page and the server go on (the server runs on its own thread)."""
    qtbot.waitUntil(condition, timeout=timeout)


def first_week(qtbot, tmp_path, server: ServerThread, browser: SyncBrowser) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport=LAPTOP, locale="uk-UA")
    page.goto(f"{server.url}/admin#operators")
    page.fill("#login [name=login]", "admin")
    page.fill("#login [name=password]", "admin-demo")
    page.click("#login button")
    sync_expect(page.locator("#screen")).to_have_attribute("data-ready", "operators")

    # -- an operator: added with the desk she may sit at; her PIN is shown once; a taken login is refused ------
    page.fill("#new-login", "olena")
    page.fill("#new-name", "Олена Ковальчук")
    page.check("#new-desks input[value='3']")
    page.click("#add-operator button.save")
    secret = page.locator("#operator-notices .once .secret")
    sync_expect(secret).to_have_text(re.compile(r"^\d{6}$"))
    pin = secret.text_content() or ""
    sync_expect(page.locator("#operators tr[data-login='olena']")).to_contain_text("Олена Ковальчук")
    page.screenshot(path=SHOTS / "admin-operator-pin.png", full_page=True)
    page.fill("#new-login", "olena")
    page.fill("#new-name", "Інша Олена")
    page.click("#add-operator button.save")
    taken = page.locator("#add-operator [data-field='login'] .field-error")
    sync_expect(taken).to_have_text("Логін «olena» уже зайнятий.")

    # ...and signs in at desk 3's console (the real one, offscreen), at once, with no restart.
    window = console_sign_in(qtbot, server, 3, "olena", pin, session=tmp_path / "olena.json")
    settle(qtbot, lambda: window.currentWidget() is window.console_view)
    console = window.console_view
    if console.buttons["desk_open"].isEnabled():
        qtbot.mouseClick(console.buttons["desk_open"], Qt.MouseButton.LeftButton)
    settle(qtbot, lambda: console.buttons["call_next"].isEnabled())
    assert server.state().desks[3].operator == "olena"

    # -- desk 3's plan: a plan with nothing is refused beside the plan; then birth registration only --------
    page.goto(f"{server.url}/admin#desks")
    sync_expect(page.locator("#screen")).to_have_attribute("data-ready", "desks")
    page.click("#desk-list button[data-desk='3']")
    rows = page.locator("#desk-plan-rows li")
    sync_expect(rows).to_have_count(7)
    while rows.count():
        rows.first.locator(".remove").click()
    page.click("#desk-form button.save")
    sync_expect(page.locator("#desk-plan .plan-error")).to_have_text(
        "Вікно 3 не надає жодної послуги: оберіть хоча б одну.")
    page.fill("#desk-plan-search", "народж")
    page.click("#desk-plan-results button[data-add='birth']")
    page.fill("#desk-plan-rows li[data-service='birth'] input", "10")
    page.click("#desk-form button.save")
    sync_expect(page.locator("#desk-form .saved")).to_have_text("Збережено")
    # the list beside the editor follows the save (it said «7 послуг» after a plan of one)
    sync_expect(page.locator("#desk-list button[data-desk='3'] small").first).to_contain_text("1 послуга")
    page.screenshot(path=SHOTS / "admin-desk-plan.png", full_page=True)
    assert dict(server.state().desks[3].weights) == {"birth": 10}
    kiosk = server.token()
    earlier = server.issue(kiosk, "id-card")["ticket"]  # waited longer, but desk 3 no longer serves it
    birth = server.issue(kiosk, "birth")["ticket"]
    qtbot.mouseClick(console.buttons["call_next"], Qt.MouseButton.LeftButton)
    settle(qtbot, lambda: console.ticket.text() == birth)
    assert console.ticket.text() != earlier

    # -- a holiday on a day with a booking: the page lists whom it affects; confirmed, booking refuses the day --
    status, slots = rest(server, "GET", "/api/booking/slots?service_id=residence-register&date=2026-11-26")
    assert status == 200
    starts = [slot["start"] for slot in slots["slots"] if slot["free"] > 0]
    status, booked = rest(server, "POST", "/api/bookings", {"command_id": uuid.uuid4().hex, "service_id":
                          "residence-register", "start": starts[0], "phone": "+380501234567"})
    assert status == 201, booked
    code = booked["booking"]["code"]
    visitor = browser.new_page(viewport=PHONE, locale="uk-UA")
    visitor.goto(f"{server.url}/book")
    visitor.select_option("#category", "residence")
    visitor.select_option("#service", "residence-register")
    visitor.select_option("#date", "2026-11-26")
    sync_expect(visitor.locator("#slots button").nth(1)).to_have_attribute("data-start", re.compile("^2026-11-26T"))
    visitor.locator("#slots button").nth(1).click()  # chosen before the holiday is declared
    visitor.fill("#phone", "+380671112233")

    page.goto(f"{server.url}/admin#centre")
    sync_expect(page.locator("#screen")).to_have_attribute("data-ready", "centre")
    page.click("#holidays-add")
    page.locator("#holidays li input[type=date]").last.fill("2026-11-26")
    page.click("#centre-form button.save")
    sync_expect(page.locator("#confirm-title")).to_have_text("Зміна зачепить записаних відвідувачів")
    sync_expect(page.locator("#confirm-body")).to_contain_text(code)
    sync_expect(page.locator(f"#confirm-body tr[data-code='{code}'] td").nth(2)).to_have_text(
        f"26.11.2026 {starts[0][11:16]}")  # the hall's wall time as people write it, not ISO
    assert "кількість" not in (page.locator("#confirm-body").text_content() or ""), "said once, in its plural"
    page.screenshot(path=SHOTS / "admin-holiday-affected.png")
    page.click("#confirm-ok")
    sync_expect(page.locator(f"#cancelled-bookings tr[data-code='{code}']")).to_be_visible()
    sync_expect(page.locator("#centre-form .saved")).to_have_text("Збережено")
    assert page.locator("#holidays li input[type=date]").evaluate_all("ds => ds.map(d => d.value)") == [
        "2026-11-26", "2026-12-25", "2027-01-01"], "the day added last takes its place in date order"
    page.screenshot(path=SHOTS / "admin-holiday-cancelled.png", full_page=True)
    assert date(2026, 11, 26) in server.state().hall.holidays

    visitor.click("#submit")
    # Refused with the reason, and the page drops the closed day and its stale times at once (no reload).
    sync_expect(visitor.locator("#error")).to_have_text(
        "чт, 26 листопада: Цього дня ЦНАП не працює (вихідний або святковий день) — оберіть іншу дату.")
    assert visitor.locator("#done").is_hidden()
    sync_expect(visitor.locator("#date option[value='2026-11-26']")).to_have_count(0)
    sync_expect(visitor.locator("#slots button[aria-pressed='true']")).to_have_count(0)
    assert not any(start.startswith("2026-11-26") for start in
                   visitor.locator("#slots button").evaluate_all("bs => bs.map(b => b.dataset.start)"))
    visitor.screenshot(path=SHOTS / "admin-holiday-booking-refused.png", full_page=True)
    visitor.reload()
    visitor.select_option("#category", "residence")
    visitor.select_option("#service", "residence-register")
    sync_expect(visitor.locator("#date option[value='2026-11-25']")).to_have_count(1)
    sync_expect(visitor.locator("#date option[value='2026-11-26']")).to_have_count(0)

    # -- devices: a kiosk's token, shown once, works in the real kiosk; a display's board address with its QR;
    #    the kiosk revoked is refused at once ---------------------------------------------------------------------
    page.goto(f"{server.url}/admin#devices")
    sync_expect(page.locator("#screen")).to_have_attribute("data-ready", "devices")
    page.fill("#device-name", "Кіоск біля входу")
    page.click("#issue-device button.save")
    token = page.locator("#device-notices .once .secret").text_content() or ""
    assert len(token) >= 20
    controller, kiosk_window = kiosk_build(server.url, token)
    qtbot.addWidget(kiosk_window)
    kiosk_window.show()
    controller.start()
    settle(qtbot, lambda: controller.flow.screen is Screen.HOME)
    page.fill("#device-name", "Табло в залі")
    page.select_option("#device-role", "display")
    page.click("#issue-device button.save")
    board = page.locator("#device-notices .board-url")
    sync_expect(board).to_contain_text("/board?token=")
    sync_expect(page.locator("#device-notices img.qr")).to_have_js_property("complete", True)
    assert page.locator("#device-notices img.qr").evaluate("img => img.naturalWidth") > 0
    page.screenshot(path=SHOTS / "admin-device-board.png", full_page=True)
    kiosk_row = page.locator("#devices tr[data-role='kiosk']", has_text="Кіоск біля входу")
    kiosk_row.locator(".revoke").click()
    sync_expect(page.locator("#confirm-title")).to_have_text("Відкликати «Кіоск біля входу»?")
    page.click("#confirm-ok")
    sync_expect(kiosk_row).to_contain_text("відкликано")
    status, refused = rest(server, "POST", "/api/tickets", {"command_id": uuid.uuid4().hex, "service_id": "birth"},
                           token=token)
    assert status == 401 and refused["error"]["code"] == "invalid_token"
    tickets_before = len(server.state().visits)
    kiosk_tap(qtbot, kiosk_window, "category:civil")
    kiosk_tap(qtbot, kiosk_window, "service:birth")
    settle(qtbot, lambda: controller.flow.screen is Screen.CONFIRM)
    kiosk_tap(qtbot, kiosk_window, "take_ticket")
    settle(qtbot, lambda: controller.flow.screen is Screen.REFUSED)
    assert controller.flow.refusal == "invalid_token"
    assert "відключено" in controller.reason_text("invalid_token"), "says why, not the title again"
    kiosk_window.grab().save(str(SHOTS / "admin-kiosk-revoked.png"))
    assert len(server.state().visits) == tickets_before, "a revoked kiosk issues nothing"

    # -- the change log: each change above, by whom, filtered by kind -------------------------------------------
    page.goto(f"{server.url}/admin#audit")
    sync_expect(page.locator("#screen")).to_have_attribute("data-ready", "audit")
    log = page.locator("#audit")
    for text in ("Оператор «olena»: додано", "Вікно 3", "Налаштування центру", "Пристрій"):
        sync_expect(log).to_contain_text(text)
    # When, in the hall's zone as people write it (the browser's own zone may be another: make test-clock).
    times = log.locator("tr td:first-child").all_text_contents()
    assert times and all(re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", when) for when in times), times
    assert "24.11.2026 10:00" in times, times
    page.screenshot(path=SHOTS / "admin-audit-log.png", full_page=True)
    page.select_option("#audit-kind", "device")
    page.click("#audit-filter button.save")
    sync_expect(log.locator("tr")).to_have_count(3)  # two issued, one revoked
    assert set(log.locator("tr").evaluate_all("rows => rows.map(r => r.dataset.kind)")) == {"device"}
    page.select_option("#audit-kind", "operator")
    page.click("#audit-filter button.save")
    sync_expect(log.locator("tr")).to_have_count(1)
    sync_expect(log).to_contain_text("olena")


async def test_refusals_are_shown_beside_their_field_in_the_pages_language(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await page.goto(f"{server.url}/admin#services")
        await sign_in(page)
        await expect(page.locator("#screen")).to_have_attribute("data-ready", "services")
        await page.click("#service-tree button[data-id='id-card']")
        await page.fill("#service-form [data-field='prefix'] input", "Ц")  # civil registration's prefix
        await page.click("#service-form button.save")
        error = page.locator("#service-form [data-field='prefix'] .field-error")
        await expect(error).to_contain_text("Префікс «Ц»")
        prefix = page.locator("#service-form [data-field='prefix'] input")
        await expect(prefix).to_have_attribute("aria-invalid", "true")
        assert server.service.state.hall.services["id-card"].prefix == "П", "refused: nothing changed"
        await page.screenshot(path=SHOTS / "admin-refusal.png")

        await open_screen(page, "centre")
        await page.fill("#hours-mon-from", "18:00")
        await page.fill("#hours-mon-to", "09:00")
        await page.click("#centre-form button.save")
        await expect(page.locator("#centre-form [data-field='hours.mon'] .field-error")).not_to_be_empty()

        english = await browser.new_page(viewport=LAPTOP)
        await english.goto(f"{server.url}/admin?lang=en#operators")
        await sign_in(english)
        await expect(english.locator("#screen")).to_have_attribute("data-ready", "operators")
        await english.fill("#new-login", "Olena K")
        await english.fill("#new-name", "Olena")
        await english.click("#add-operator button.save")
        login_error = english.locator("#add-operator [data-field='login'] .field-error")
        await expect(login_error).to_contain_text("login")
        assert not any("\u0400" <= ch <= "\u04ff" for ch in await login_error.text_content() or ""), "English only"

        # A supervisor runs the day, not the centre: the section says so and shows nothing.
        supervisor = await browser.new_page(viewport=LAPTOP)
        await supervisor.goto(f"{server.url}/admin#operators")
        await sign_in(supervisor, "supervisor", "super-demo")
        await expect(supervisor.locator("#not-admin")).to_be_visible()
        await expect(supervisor.locator("#operators")).to_have_count(0)
        # ...and the dashboard offers the section only to an admin.
        await supervisor.goto(f"{server.url}/dashboard")
        await expect(supervisor.locator("#desks .desk").first).to_be_visible()
        await expect(supervisor.locator("#admin-link")).to_be_hidden()
        await page.goto(f"{server.url}/dashboard")
        await expect(page.locator("#admin-link")).to_be_visible()


async def login_status(server: Any, login: str, pin: str) -> int:
    async with aiohttp.ClientSession() as http, http.post(server.url + "/api/sessions",
                                                          json={"login": login, "password": pin}) as response:
        return response.status


async def test_operators_plans_services_and_the_log_edited_in_the_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        await page.goto(f"{server.url}/admin#operators")
        await sign_in(page)
        await expect(page.locator("#screen")).to_have_attribute("data-ready", "operators")
        state = server.service.state

        # Rename op05, make her a supervisor for desks 5 and 6; a new PIN (asked first) replaces the old one;
        # disabled (asked first), she cannot sign in; enabled again, she can.
        row = page.locator("#operators tr[data-login='op05']")
        await row.locator(".edit").click()
        await row.locator("[data-field='name'] input").fill("Оксана Петренко")
        await row.locator("[data-field='role'] select").select_option("supervisor")
        await row.locator("[data-field='desks'] input[value='5']").check()
        await row.locator("[data-field='desks'] input[value='6']").check()
        await row.locator("button.save").click()
        await expect(row).to_contain_text("Оксана Петренко")
        await expect(row).to_contain_text("керівник залу")
        await expect(row).to_contain_text("5, 6")
        await row.locator(".reset-pin").click()
        await expect(page.locator("#confirm-title")).to_have_text("Новий PIN для «op05»?")
        await page.click("#confirm-ok")
        pin = await page.locator("#operator-notices .secret").text_content() or ""
        assert await login_status(server, "op05", "1111") == 401
        assert await login_status(server, "op05", pin) == 201
        await row.locator(".toggle").click()
        await page.click("#confirm-ok")
        await expect(row).to_contain_text("вимкнено")
        assert await login_status(server, "op05", pin) == 401
        await row.locator(".toggle").click()  # enabling is not asked
        await expect(row).to_contain_text("працює")
        assert await login_status(server, "op05", pin) == 201

        # Desk 1's plan copied to desks 2 and 4, after a confirmation naming them.
        await open_screen(page, "desks")
        await page.click("#desk-list button[data-desk='1']")
        await page.check("#copy-to input[value='2']")
        await page.check("#copy-to input[value='4']")
        await page.click("#copy-plan")
        await expect(page.locator("#confirm-title")).to_have_text("Замінити план вікон 2, 4?")
        await page.click("#confirm-ok")
        await expect(page.locator(".copy-plan .saved")).to_have_text("Скопійовано до вікон 2, 4")
        assert dict(state.desks[4].weights) == dict(state.desks[1].weights)

        # A new service, put on desk 9 as it is made, reaches the public services tree; a life situation with it.
        await open_screen(page, "services")
        await page.click("#new-service")
        form = page.locator("#service-form")
        await form.locator("[data-field='name.en'] input").fill("Veteran ID")
        await expect(form.locator("[data-field='id'] input")).to_have_value("veteran-id")
        await form.locator("[data-field='name.uk'] input").fill("Посвідчення ветерана")
        await form.locator("[data-field='prefix'] input").fill("С")
        await form.locator("[data-field='category'] select").select_option("social")
        await form.locator("button.save").click()
        await expect(form.locator("[data-field='desks'] .field-error")).not_to_be_empty()  # on no desk: refused
        ticks = form.locator("[data-field='desks'] .tick").filter(has_text="9")
        await ticks.first.locator("input[type=checkbox]").check()
        await form.locator("button.save").click()
        await expect(page.locator("#service-tree button[data-id='veteran-id']")).to_be_visible()
        async with aiohttp.ClientSession() as http, http.get(server.url + "/api/hall") as response:
            hall = await response.json()
        assert hall["services"]["veteran-id"]["name"]["uk"] == "Посвідчення ветерана"
        assert dict(state.desks[9].weights)["veteran-id"] == 10
        await page.click("#new-bundle")
        bundle = page.locator("#bundle-form")
        await bundle.locator("[data-field='name.en'] input").fill("Veteran's return")
        await bundle.locator("[data-field='name.uk'] input").fill("Повернення ветерана")
        await page.select_option("#bundle-add", "veteran-id")
        await page.select_option("#bundle-add", "residence-register")
        await expect(page.locator("#bundle-services li")).to_have_count(2)
        await bundle.locator("button.save").click()
        await expect(page.locator("#service-tree button[data-id='veterans-return']")).to_be_visible()

        # The change log, filtered by kind, by person and by date.
        await open_screen(page, "audit")
        log = page.locator("#audit")
        await expect(log).to_contain_text("op05")
        await page.select_option("#audit-kind", "desk")
        await page.click("#audit-filter button.save")
        await expect(log.locator("tr")).to_have_count(2)  # desks 2 and 4
        await page.select_option("#audit-kind", "")
        await page.select_option("#audit-login", "admin")
        await page.fill("#audit-from", "2026-11-25")
        await page.click("#audit-filter button.save")
        await expect(page.locator("#screen p.hint")).to_have_text("Змін ще не було.")
        await page.fill("#audit-from", "2026-11-24")
        await page.click("#audit-filter button.save")
        await expect(page.locator("#screen p.hint")).to_be_hidden()
        assert await log.locator("tr").count() >= 8
