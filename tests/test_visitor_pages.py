"""The public booking page and the visitor's live ticket page, in a real headless Chromium on a phone."""

from __future__ import annotations

import io

import aiohttp
import zxingcpp
from PIL import Image
from playwright.async_api import expect

from .browser import chromium
from .shots import shots_dir
from .support import new_command_id, operator, running_server

SHOTS = shots_dir()
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


async def test_book_on_a_phone_then_follow_the_visit_live(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        await page.goto(server.url + "/book")
        await expect(page.locator("#title")).to_have_text("Попередній запис до ЦНАП")
        await page.select_option("#category", "residence")
        await page.select_option("#service", "residence-register")
        await expect(page.locator("#slots button").first).to_be_visible()
        assert await page.locator("#slots button").first.text_content() == "10:15", "only times still ahead"
        await page.locator("#slots button", has_text="11:00").click()
        await page.fill("#phone", "050 123 45 67")
        await page.check("#consent")
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=SHOTS / "booking-form.png", full_page=True)
        await page.click("#submit")
        await expect(page.locator("#done")).to_be_visible()
        code = (await page.locator("#code").text_content() or "").strip()
        assert len(code) == 8
        await expect(page.locator("#qr")).to_be_visible()
        qr = Image.open(io.BytesIO(await page.locator("#qr").screenshot())).convert("L")
        assert [c.text for c in zxingcpp.read_barcodes(qr)] == [f"{server.url}/b/{code}?lang=uk"]
        await page.screenshot(path=SHOTS / "booking-done.png", full_page=True)
        # A refusal is shown in the page's language: the same slot, this time full for a second booking.
        await page.goto(server.url + "/book?lang=en")
        await page.select_option("#category", "residence")
        await page.select_option("#service", "residence-register")
        await page.locator("#slots button", has_text="10:15").click()
        await page.fill("#phone", "12")
        await page.click("#submit")
        await expect(page.locator("#error")).to_have_text("Enter the phone number as +380XXXXXXXXX.")

        # The booking's page follows the visit once the visitor checks in at the kiosk.
        booking_page = await context.new_page()
        await booking_page.goto(f"{server.url}/b/{code}")
        await expect(booking_page.locator("#booking-state")).to_have_text("Зареєструйтеся в кіоску ЦНАП, коли прийдете")
        server.clock.advance(minutes=40)
        kiosk = await server.device_token()
        async with http.post(server.url + "/api/checkins", json={"command_id": new_command_id(), "code": code},
                             headers={"Authorization": f"Bearer {kiosk}"}) as response:
            ticket = await response.json()
        await expect(booking_page.locator("#ticket")).to_have_text(ticket["ticket"])
        await expect(booking_page.locator("#status")).to_have_text("Перед вами: 0")
        await booking_page.screenshot(path=SHOTS / "booking-live.png", full_page=True)

        # The ticket's own QR page shows the same visit, and the call arrives by push.
        ticket_page = await context.new_page()
        await ticket_page.goto(f"{server.url}/f/{ticket['feedback_token']}?lang=en")
        await expect(ticket_page.locator("#status")).to_have_text("Ahead of you: 0")
        server.clock.advance(minutes=20)
        desk = await operator(server, 6)
        await desk.command("call_next")
        await expect(ticket_page.locator("#status")).to_have_text("Please go to desk 6")
        await expect(booking_page.locator("#status")).to_have_text("Вас запрошують до вікна 6")
        await ticket_page.screenshot(path=SHOTS / "ticket-called-en.png", full_page=True)
        await page.goto(server.url + "/f/" + "x" * 43)
        await expect(page.locator("#not-found")).to_be_visible()
        await desk.close()
        assert ticket["booked_for"] is not None, "checked in on time: a booked ticket"


async def test_cancel_a_booking_from_its_page(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        start = server.clock.now().replace(hour=15, minute=0)
        async with http.post(server.url + "/api/bookings", json={
                "command_id": new_command_id(), "service_id": "id-card", "start": start.isoformat(),
                "phone": "+380931112233"}) as response:
            code = (await response.json())["booking"]["code"]
        context = await browser.new_context(**PHONE)
        page = await context.new_page()
        await page.goto(f"{server.url}/b/{code}?lang=en")
        await expect(page.locator("#cancel")).to_be_visible()
        await page.click("#cancel")
        await expect(page.locator("#booking-state")).to_have_text("The booking is cancelled")
        assert server.service.state.bookings.by_code_or_none(code).cancelled


async def test_the_one_label_helper_picks_plural_forms_and_applies_labels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """labels.js, which every page uses: CLDR plural forms (as texts/ in Python) and data-label attributes."""
    async with running_server(tmp_path) as server, chromium() as browser:
        page = await browser.new_page()
        await page.goto(server.url + "/book?lang=en")
        await expect(page.locator("#title")).to_have_text("Book a visit to the centre")
        await expect(page.locator("#language")).to_have_text("Українська")
        assert await page.evaluate("document.documentElement.lang") == "en"
        said = await page.evaluate("""async () => {
            const { fill } = await import("/static/labels.js");
            const uk = { one: "{count} особа", few: "{count} особи", many: "{count} осіб" };
            const en = { one: "{count} person", other: "{count} people" };
            return [1, 2, 5, 11, 21, 22, 25].map((n) => [fill(uk, { count: n }, "uk"), fill(en, { count: n }, "en")]);
        }""")
        assert said == [["1 особа", "1 person"], ["2 особи", "2 people"], ["5 осіб", "5 people"],
                        ["11 осіб", "11 people"], ["21 особа", "21 people"], ["22 особи", "22 people"],
                        ["25 осіб", "25 people"]]
