"""Every live page in Chromium, in both languages, read as it is drawn: the contrast of each visible text and
control from the computed styles (the HTML's real nesting, the scripts' classes), and no code where people read
words. The CSS-only audit is tests/test_contrast.py; this one sees what it cannot.
"""

from __future__ import annotations

import re
from typing import Any

import aiohttp
from playwright.async_api import Page, expect

from queue_server.api.auth import Role
from queue_server.domain.visit import VisitState

from .browser import SocketGate, chromium
from .support import WsClient, demo_hall, issue, new_command_id, operator, running_server
from .test_catalogues import CODE

# Walks the page; for each visible element with text of its own, its colour over the backgrounds of all its
# ancestors (alpha composited); for each form control, its edge against what is around it.
AUDIT = """() => {
  const parse = (c) => {
    const p = c.match(/[\\d.]+/g).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (t, b) => [0, 1, 2].map((i) => t[i] * t[3] + b[i] * (1 - t[3])).concat([1]);
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const backOf = (el) => {
    const chain = [];
    for (let e = el; e; e = e.parentElement) chain.push(e);
    return chain.reverse().reduce((bg, e) => over(parse(getComputedStyle(e).backgroundColor), bg), [255, 255, 255, 1]);
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const style = getComputedStyle(el);
    const text = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent).join("").trim();
    const back = backOf(el);
    if (text) {
      const ink = over(parse(style.color), back);
      out.push({ kind: "text", el: name(el), text: text.slice(0, 40), ratio: ratio(ink, back) });
    }
    const field = ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName) && el.type !== "checkbox";
    if (field && parseFloat(style.borderTopWidth) > 0) {
      // The control's edge is its border, or its own fill where that stands out (a white field on a blue bar).
      const around = backOf(el.parentElement);
      out.push({ kind: "border", el: name(el), text: "", ratio: Math.max(
        ratio(over(parse(style.borderTopColor), around), around), ratio(backOf(el), around)) });
    }
  }
  return out;
}"""

# What people read on the page: its text, and the names a screen reader says.
READ = """() => [document.body.innerText, ...[...document.querySelectorAll("[aria-label],[alt],[title],[placeholder]")]
  .flatMap((el) => ["aria-label", "alt", "title", "placeholder"].map((a) => el.getAttribute(a) || ""))].join("\\n")"""

HALL = demo_hall()
# Our identifiers, which are never words: the hall's ids, the visit states and roles, and any snake_case code.
IDS = sorted({*HALL.services, *(c.id for c in HALL.categories), *HALL.priority_categories},
             key=len, reverse=True)
LATIN_CODES = {s.value for s in VisitState} | {r.value for r in Role}


async def audit(page: Page, where: str, text: float, lang: str, problems: list[str]) -> int:
    found: list[dict[str, Any]] = await page.evaluate(AUDIT)
    for item in found:
        needed = text if item["kind"] == "text" else 3.0
        if item["ratio"] < needed - 0.005:
            problems.append(f"{where}: {item['kind']} of {item['el']} «{item['text']}» "
                            f"{item['ratio']:.2f}:1 < {needed}")
    read = await page.evaluate(READ)
    leaks = [m.group(0) for m in CODE.finditer(read)]
    # In English `called` or `military` may be words; in Ukrainian text any Latin id or state is a code.
    leaks += [i for i in IDS if (lang == "uk" or "-" in i) and re.search(rf"(?<![\w/-]){re.escape(i)}(?![\w-])", read)]
    if lang == "uk":
        leaks += [c for c in LATIN_CODES if re.search(rf"\b{c}\b", read)]
    problems += [f"{where}: the code {leak!r} is shown to people" for leak in leaks]
    return len(found)


async def sign_in(page: Page) -> None:
    await page.fill("#login [name=login]", "supervisor")
    await page.fill("#login [name=password]", "super-demo")
    await page.click("#login button")


async def test_every_page_in_both_languages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        kiosk = await server.device_token()
        display = await server.device_token(Role.DISPLAY, "board")
        tickets = [await issue(http, server, kiosk, service) for service in
                   ("id-card", "id-card", "residence-register", "id-card", "residence-register")]
        desks = [await operator(server, n) for n in (1, 2, 5)]
        await desks[0].command("call_next")
        await desks[1].command("call_next")
        await desks[1].command("start_service")
        await desks[2].command("desk_pause", reason="lunch")
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await boss.command("service_close", service_id="passport-foreign", reason="registry_offline")
        start = server.clock.now().replace(hour=15, minute=0)
        async with http.post(server.url + "/api/bookings", json={
                "command_id": new_command_id(), "service_id": "id-card", "start": start.isoformat(),
                "phone": "+380931112233"}) as response:
            code = (await response.json())["booking"]["code"]

        problems: list[str] = []
        counted = 0
        screen = await browser.new_context(viewport={"width": 1920, "height": 1080})
        phone = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        for lang in ("uk", "en"):
            q = f"lang={lang}"
            board = await screen.new_page()
            gate = SocketGate()
            await gate.install(board)
            await board.goto(f"{server.url}/board?token={display}&{q}")
            await expect(board.locator("#calls li").first).to_be_visible()
            counted += await audit(board, f"board {lang}", 7.0, lang, problems)
            desk = await screen.new_page()
            await desk.goto(f"{server.url}/display/desk/1?token={display}&{q}")
            await expect(desk.locator(".desk-ticket")).to_have_text(tickets[0]["ticket"])
            counted += await audit(desk, f"desk display {lang}", 7.0, lang, problems)
            for path in (f"/display/desk/5?token={display}&{q}", f"/display/desk/9?token={display}&{q}"):
                other = await screen.new_page()  # a desk on a break, a closed desk
                await other.goto(server.url + path)
                await expect(other.locator("body.desk")).to_have_class(re.compile("paused|closed"))
                counted += await audit(other, f"desk display {path}", 7.0, lang, problems)

            dashboard = await screen.new_page()
            await dashboard.goto(f"{server.url}/dashboard?{q}")
            counted += await audit(dashboard, f"dashboard sign-in {lang}", 4.5, lang, problems)
            await sign_in(dashboard)
            await expect(dashboard.locator("#desks .desk").first).to_be_visible()
            await expect(dashboard.locator("#queues tr").first).to_be_visible()
            counted += await audit(dashboard, f"dashboard {lang}", 4.5, lang, problems)
            history = await screen.new_page()
            await history.goto(f"{server.url}/dashboard/history?{q}")
            await sign_in(history)  # a session per tab
            await expect(history.locator("body")).to_have_attribute("data-loaded", re.compile(".."))
            counted += await audit(history, f"reports {lang}", 4.5, lang, problems)

            book = await phone.new_page()
            await book.goto(f"{server.url}/book?{q}")
            await book.locator("#slots button").first.click()
            await expect(book.locator("#slots button[aria-pressed=true]")).to_have_count(1)
            counted += await audit(book, f"booking {lang}", 4.5, lang, problems)
            for path in (f"/b/{code}?{q}", f"/f/{tickets[0]['feedback_token']}?{q}",
                         f"/f/{tickets[3]['feedback_token']}?{q}"):
                visit = await phone.new_page()
                await visit.goto(server.url + path)
                await expect(visit.locator("section.card:visible").first).to_be_visible()
                counted += await audit(visit, f"visitor page {path}", 4.5, lang, problems)

            # The hall's special screens: offline, then paused (an air-raid alert).
            await gate.cut()
            await expect(board.locator(".offline")).to_be_visible()
            counted += await audit(board, f"board offline {lang}", 7.0, lang, problems)
            gate.reopen()
            await boss.command("hall_pause", reason="air_raid")
            await expect(board.locator(".paused")).to_be_visible()
            counted += await audit(board, f"board paused {lang}", 7.0, lang, problems)
            await boss.command("hall_resume")
        for client in (*desks, boss):
            await client.close()
    assert counted > 300, "the pages had next to nothing on them"
    assert not problems, "\n".join(problems)
