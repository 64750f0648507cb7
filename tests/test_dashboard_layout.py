"""The supervisor's dashboard and reports in a real Chromium on a 390 px phone and a 1280 px laptop: nothing
wider than the screen, confirmations before what affects visitors, "sent" after messages, and today's weights
edited by name with the desk-plan editor shared with the admin section (display_board/static/plan_editor.js)."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from playwright.async_api import Page, expect

from .browser import chromium
from .shots import shots_dir
from .support import issue, operator, running_server

SHOTS = shots_dir()
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}


async def sign_in(page: Page, login: str = "supervisor", password: str = "super-demo") -> None:
    await page.fill("#login [name=login]", login)
    await page.fill("#login [name=password]", password)
    await page.click("#login button")


async def overflow(page: Page) -> dict[str, Any]:
    """How wide the document is against the viewport, and the widest elements that stick out (to say why)."""
    result: dict[str, Any] = await page.evaluate("""() => {
        const width = window.innerWidth;
        const out = [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !e.closest('.scroll')).slice(0, 5)
            .map((e) => `${e.tagName}#${e.id}.${e.className}: ${Math.round(e.getBoundingClientRect().right)}`);
        return {scroll: document.scrollingElement.scrollWidth, width, out};
    }""")
    return result


async def broken_words(page: Page, selector: str) -> list[str]:
    """The words in `selector`'s text that the layout split over two lines (a break inside a word, not at a
    space or after a hyphen of its own): «декларуванн / я» on a phone was one."""
    result: list[str] = await page.evaluate("""(selector) => {
        const broken = [];
        for (const element of document.querySelectorAll(selector)) {
            const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                for (const match of node.data.matchAll(/[^\\s-]+-?/g)) {
                    const range = document.createRange();
                    range.setStart(node, match.index);
                    range.setEnd(node, match.index + match[0].length);
                    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
                    if (tops.size > 1) broken.push(match[0]);
                }
            }
        }
        return broken;
    }""", selector)
    return result


async def busy_hall(server: Any, http: aiohttp.ClientSession) -> list[Any]:
    kiosk = await server.device_token()
    for service in ("id-card", "id-card", "residence-register", "birth", "property-ownership", "subsidy"):
        await issue(http, server, kiosk, service)
    desks = [await operator(server, n) for n in (1, 5, 7)]
    await desks[0].command("call_next")
    return desks


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1280"])
async def test_dashboard_and_reports_fit_the_screen(tmp_path, viewport) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        desks = await busy_hall(server, http)
        page = await browser.new_page(viewport=viewport)
        await page.goto(server.url + "/dashboard")
        await sign_in(page)
        await expect(page.locator("#queues tr[data-service='id-card']")).to_be_visible()
        await expect(page.locator("#weights-rows li").first).to_be_visible()
        measured = await overflow(page)
        assert measured["scroll"] <= viewport["width"], measured
        assert await broken_words(page, "#queues td") == [], "names wrap between words, never inside one"
        assert await page.locator("#weights-desk option").first.text_content() == "Вікно 1"
        # The queues card is as tall as its table, not stretched to the controls beside it.
        card = await page.locator("section:has(#queues)").bounding_box()
        table = await page.locator("table.queues").bounding_box()
        assert card and table and card["height"] - table["height"] < 120, (card, table)
        await page.screenshot(path=SHOTS / f"dashboard-{viewport['width']}.png", full_page=True)

        await page.goto(server.url + "/dashboard/history?from=2026-11-24&to=2026-11-24")
        await expect(page.locator("body")).to_have_attribute("data-loaded", "2026-11-24..2026-11-24")
        measured = await overflow(page)
        assert measured["scroll"] <= viewport["width"], measured
        # The heat map is wider than a phone: it scrolls in its own box and says so; a laptop sees it whole.
        hint = expect(page.locator("#heat-hint"))
        await (hint.to_have_text("Гортайте таблицю вбік — далі пізніші години →") if viewport is PHONE
               else hint.to_be_hidden())
        # The services chart's long names are drawn whole inside the card, the bars beside them.
        fit = await page.evaluate("""() => {
            const chart = Chart.getChart("services-chart");
            const y = chart.scales.y, ctx = chart.ctx;
            ctx.save();
            ctx.font = Chart.helpers.toFont(y.options.ticks.font).string;
            const widest = Math.max(...y.ticks.map((tick) => Math.max(...[tick.label].flat().map(
                (line) => ctx.measureText(line).width))));
            ctx.restore();
            return {widest, room: y.width, left: y.left, plot: chart.chartArea.width, canvas: chart.width};
        }""")
        assert fit["left"] >= 0 and fit["widest"] <= fit["room"] and fit["plot"] >= fit["canvas"] / 3, fit
        # A card with nothing for the period says so rather than showing bare axes or nothing.
        for card in ("operators-title", "comments-title", "accessible-title"):
            await expect(page.locator(f"section:has(#{card}) .empty")).to_have_text("За цей період даних немає")
        await expect(page.locator("section:has(#services-title) .empty")).to_be_hidden()
        await expect(page.locator("#operators-chart")).to_be_hidden()
        await page.screenshot(path=SHOTS / f"dashboard-history-{viewport['width']}.png", full_page=True)
        for desk in desks:
            await desk.close()


async def test_confirmations_sent_feedback_and_the_plan_editor(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        desks = await busy_hall(server, http)
        page = await browser.new_page(viewport=PHONE)
        await page.goto(server.url + "/dashboard")
        await sign_in(page)
        dialog = page.locator("dialog#confirm")

        # Closing a service: asked first, with who it affects; cancelling changes nothing.
        close = page.locator("#queues tr[data-service='id-card'] button")
        await close.click()
        await expect(dialog).to_be_visible()
        await expect(page.locator("#confirm-title")).to_have_text(
            "Закрити «Оформлення паспорта громадянина України у формі ID-картки» на сьогодні?")
        await expect(page.locator("#confirm-body")).to_contain_text("1 відвідувач, який уже чекає")
        await expect(page.locator("#confirm-cancel")).to_be_focused()  # the safe choice first
        await page.screenshot(path=SHOTS / "dashboard-confirm-close.png")
        await page.click("#confirm-cancel")
        await expect(dialog).to_be_hidden()
        assert "id-card" not in server.service.state.closed_services
        await close.click()
        await page.click("#confirm-ok")
        await expect(close).to_have_text("Відкрити")
        assert "id-card" in server.service.state.closed_services

        # Pausing the hall: Esc cancels; confirming pauses; the all-clear needs no confirmation.
        await page.click("#pause")
        await expect(page.locator("#confirm-title")).to_have_text("Призупинити весь зал?")
        await page.keyboard.press("Escape")
        await expect(dialog).to_be_hidden()
        assert not server.service.state.paused
        await page.click("#pause")
        await page.click("#confirm-ok")
        await expect(page.locator("#paused-banner")).to_be_visible()
        assert server.service.state.paused
        await page.click("#pause")
        await expect(page.locator("#paused-banner")).to_be_hidden()

        # "Sent": the message reaches the desk, and the page says so.
        await desks[0].request("subscribe_events")
        await page.select_option("#message-desk", "1")
        await page.fill("#message-text", "Зайдіть до керівника")
        await page.click("#send")
        await expect(page.locator("#send-status")).to_have_text("Надіслано вікну 1")
        await expect(page.locator("#message-text")).to_have_value("")
        await page.fill("#announcement-uk", "Сьогодні прийом до 20:00")
        await page.click("#announce")
        await expect(page.locator("#announce-status")).to_have_text("Показано на табло")
        assert server.service.state.announcement == ("Сьогодні прийом до 20:00", "")

        # Today's weights at desk 2, by name: search, add, change a weight, remove, apply.
        await page.select_option("#weights-desk", "2")
        await expect(page.locator("#weights-rows li")).to_have_count(7)
        await page.fill("#weights-search", "народж")
        await expect(page.locator("#weights-results button[data-add='birth']")).to_be_visible()
        await page.click("#weights-results button[data-add='birth']")
        await page.fill("#weights-rows li[data-service='birth'] input", "7")
        for service in ("id-card-14", "passport-foreign", "passport-lost", "passport-photo", "passport-issue"):
            await page.click(f"#weights-rows li[data-service='{service}'] .remove")
        await page.screenshot(path=SHOTS / "dashboard-plan-editor.png", full_page=False)
        await page.click("#set-weights")
        await expect(page.locator("#weights-status")).to_have_text("Застосовано до кінця дня")
        assert dict(server.service.state.desks[2].weights) == {"id-card": 10, "consultation": 0, "birth": 7}
        # A weight out of range: refused by the server, said beside the plan, nothing changed.
        await page.fill("#weights-rows li[data-service='birth'] input", "1000")
        await page.click("#set-weights")
        await expect(page.locator("#weights .plan-error")).not_to_be_empty()
        assert dict(server.service.state.desks[2].weights)["birth"] == 7
        measured = await overflow(page)
        assert measured["scroll"] <= PHONE["width"], measured
        for desk in desks:
            await desk.close()
