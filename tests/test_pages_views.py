"""Every page follows the server's views through the one protocol client (display_board/static/protocol.js and
hall_view.js), in a real headless Chromium: after a cut with missed events a page shows exactly what
`get_state` says, and no page works out the hall from events any more."""

from __future__ import annotations

import asyncio
import io
import wave
from typing import Any

import aiohttp
from playwright.async_api import Page, Route, expect

from queue_server.api.auth import Role

from .browser import SocketGate, chromium
from .shots import shots_dir
from .support import WsClient, issue, operator, running_server

SHOTS = shots_dir()
TV = {"width": 1920, "height": 1080}
RECONNECT = 15_000  # ms: the page's next attempt comes at most 8 s after the gate reopens


def _comparable(view: dict[str, Any]) -> dict[str, Any]:
    """As tests/test_live_view.py compares views: forecast figures come from a cache of hall time."""
    out = {k: v for k, v in view.items() if k != "now"}
    out["visits"] = sorted(view["visits"], key=lambda v: v["visit_id"])
    out["queues"] = {sid: {k: q[k] for k in ("waiting", "longest_wait_seconds", "waiting_since")}
                     for sid, q in view["queues"].items()}
    return out


def _timeless(view: dict[str, Any]) -> dict[str, Any]:
    """Without the figures the clock moves between events: a waiting visit's `waited_seconds` is sent again
    only when an event touches the visit (ticks refresh queues and postponed visits), and a queue's longest
    wait only when an event or a tick touches the queue. (The clock is moved in these tests.)"""
    out = _comparable(view)
    out["visits"] = [{k: v for k, v in visit.items() if k != "waited_seconds"} for visit in out["visits"]]
    out["queues"] = {sid: {k: v for k, v in q.items() if k != "longest_wait_seconds"}
                     for sid, q in out["queues"].items()}
    return out


def _waiting_by_category(server: Any, state: dict[str, Any]) -> dict[str, str]:
    """What the board must show: per category, the sum of its services' `waiting`, categories with someone."""
    counts = {c.id: sum(state["queues"][sid]["waiting"] for sid in c.service_ids)
              for c in server.service.hall.categories}
    return {cid: str(n) for cid, n in counts.items() if n > 0}


async def _board_calls(page: Page) -> list[tuple[str, str]]:
    rows = await page.locator("#calls li").all()
    return [(await r.get_attribute("data-ticket") or "", await r.get_attribute("data-desk") or "") for r in rows]


async def _board_waiting(page: Page) -> dict[str, str]:
    rows = await page.locator("#waiting li").all()
    return {await r.get_attribute("data-category") or "": await r.locator(".count").text_content() or ""
            for r in rows}


async def _holds_last_event(page: Page, server: Any) -> None:
    await expect(page.locator("body")).to_have_attribute("data-seq", str(server.service.hub.last_seq),
                                                         timeout=RECONNECT)


async def _board_shows(page: Page, server: Any, display: WsClient) -> dict[str, Any]:
    """Wait until the page holds the server's last event, then compare what it draws with `get_state`."""
    await _holds_last_event(page, server)
    state = await display.request("get_state")
    assert await _board_calls(page) == [(c["ticket"], str(c["desk"])) for c in state["calls"]]
    assert await _board_waiting(page) == _waiting_by_category(server, state)
    assert await page.locator("#paused").is_hidden() is not state["paused"]
    return state


async def test_board_after_a_cut_shows_exactly_the_server_view(tmp_path, voice_dir) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path, voice_dir=voice_dir) as server, aiohttp.ClientSession() as http, \
            chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        kiosk = await server.device_token()
        display = await WsClient.connect(server.ws_url, token=token)
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        for service in ("id-card", "id-card", "id-card", "residence-register", "birth", "subsidy"):
            await issue(http, server, kiosk, service)
        board = await browser.new_page(viewport=TV)
        gate = SocketGate()
        await gate.install(board)
        await board.goto(f"{server.url}/board?token={token}")
        await _holds_last_event(board, server)  # subscribed: what follows comes live
        desk1, desk2, desk5 = await operator(server, 1), await operator(server, 2), await operator(server, 5)
        await desk1.command("call_next")
        server.clock.advance(seconds=5)
        await desk2.command("call_next")
        await expect(board.locator("#calls li")).to_have_count(2)
        heard = await _board_shows(board, server, display)
        assert await board.evaluate("window.cherhaAnnouncements") == [
            f"{c['ticket']}>{c['desk']}" for c in reversed(heard["calls"])]

        await gate.cut()
        await expect(board.locator("#offline")).to_be_visible()
        held = int(await board.locator("body").get_attribute("data-seq") or 0)
        # While the board is away: a service starts (its call goes), a desk calls, another recalls, tickets are
        # issued, the hall pauses and the running line changes.
        server.clock.advance(seconds=30)
        await desk1.command("start_service")
        await desk5.command("call_next")
        server.clock.advance(seconds=5)
        await desk2.command("recall")
        for service in ("passport-foreign", "residence-deregister", "birth"):
            await issue(http, server, kiosk, service)
        await boss.command("hall_pause", reason="air_raid")
        await boss.command("set_announcement", text_uk="Працюємо до 18:00", text_en="Open until 18:00")
        await asyncio.sleep(1.5)  # a few reconnects are turned away meanwhile
        gate.reopen()
        await expect(board.locator("#offline")).to_be_hidden(timeout=RECONNECT)
        state = await _board_shows(board, server, display)
        assert [c["desk"] for c in state["calls"]] == [2, 5], "desk 1's visitor came; desk 2 recalled last"
        assert state["paused"]
        await expect(board.locator("#announcement")).to_contain_text("Працюємо до 18:00")
        subscribes = gate.sent_of("subscribe")
        assert "since" not in subscribes[0] and subscribes[-1]["since"] == held, "resumed from the seq it held"
        # Calls made while the board was away are not spoken after the fact.
        assert len(await board.evaluate("window.cherhaAnnouncements")) == 2

        # Live again: the next call is spoken, a recall is a new call.
        await boss.command("hall_resume")
        server.clock.advance(seconds=5)
        await desk5.command("recall")
        await _board_shows(board, server, display)
        spoken = await board.evaluate("window.cherhaAnnouncements")
        assert spoken[2:] == [f"{state['calls'][1]['ticket']}>5"]
        for client in (desk1, desk2, desk5, boss, display):
            await client.close()


async def test_board_shows_every_standing_call(tmp_path, voice_dir) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path, voice_dir=voice_dir) as server, aiohttp.ClientSession() as http, \
            chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        kiosk = await server.device_token()
        display = await WsClient.connect(server.ws_url, token=token)
        hall = server.service.hall
        desks = {n: await operator(server, n) for n in sorted(hall.desks)}
        for number in sorted(hall.desks):  # one visitor for each desk's own first service
            await issue(http, server, kiosk, hall.desks[number].weights[0][0])
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        await boss.command("set_announcement", text_uk="Сьогодні ЦНАП працює до 20:00", text_en="")
        board = await browser.new_page(viewport=TV)
        await board.goto(f"{server.url}/board?token={token}")
        await _holds_last_event(board, server)
        await expect(board.locator("#no-calls")).to_be_visible()
        await asyncio.gather(*[desks[n].command("call_next") for n in range(1, 9)])
        await expect(board.locator("#calls li")).to_have_count(8)
        await _all_visible(board)  # the hall's recent_calls (8) in one column of big rows
        # Twelve desks call at the same moment: every call is shown, none overwrites another, none is clipped.
        server.clock.advance(seconds=5)
        await asyncio.gather(*[desks[n].command("call_next") for n in range(9, 13)])
        await expect(board.locator("#calls li")).to_have_count(12)
        await _board_shows(board, server, display)
        await _all_visible(board)
        await expect(board.locator("#calls li.new")).to_have_count(12)
        await board.wait_for_timeout(300)
        await board.screenshot(path=SHOTS / "board-many-calls.png")

        # A visitor who reached the desk, or did not come, is no longer called.
        await desks[3].command("start_service")
        await desks[4].command("no_show")
        await expect(board.locator("#calls li")).to_have_count(10)
        state = await _board_shows(board, server, display)
        assert {c["desk"] for c in state["calls"]} == set(range(1, 13)) - {3, 4}
        # The calls queued for the speakers that no longer stand are skipped when their turn comes.
        queued = await board.evaluate("window.cherhaAnnouncements")
        assert len(queued) == 12

        # Every desk of the 18-desk hall calling: still all shown, still inside the screen.
        server.clock.advance(seconds=10)
        await asyncio.gather(*[desks[n].command("call_next") for n in range(13, 19)])
        await expect(board.locator("#calls li")).to_have_count(16)
        await _board_shows(board, server, display)
        await _all_visible(board)
        for client in (*desks.values(), display, boss):
            await client.close()


def _short_wav() -> bytes:
    """A tenth of a second of silence: an announcement that ends at once."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(b"\0\0" * 2205)
    return out.getvalue()


async def test_board_skips_a_queued_call_that_no_longer_stands(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        kiosk = await server.device_token()
        for service in ("id-card", "id-card", "id-card"):
            await issue(http, server, kiosk, service)
        board = await browser.new_page(viewport=TV)
        fetched: list[str] = []
        first_may_play = asyncio.Event()

        async def speak(route: Route) -> None:  # the first announcement "plays" until the test lets it end
            fetched.append(route.request.url.split("desk=")[1].split("&")[0])
            if len(fetched) == 1:
                await first_may_play.wait()
            await route.fulfill(body=_short_wav(), content_type="audio/wav")

        await board.route("**/audio/call.wav*", speak)
        await board.goto(f"{server.url}/board?token={token}")
        await _holds_last_event(board, server)
        desk1, desk2, desk3 = await operator(server, 1), await operator(server, 2), await operator(server, 3)
        await desk1.command("call_next")
        await desk2.command("call_next")  # queued behind desk 1's announcement
        await expect(board.locator("#calls li")).to_have_count(2)
        await desk2.command("start_service")  # the visitor is already at desk 2: nothing to announce any more
        await expect(board.locator("#calls li")).to_have_count(1)
        first_may_play.set()
        await desk3.command("call_next")
        for _ in range(100):
            if len(fetched) >= 2:
                break
            await board.wait_for_timeout(100)
        await board.wait_for_timeout(300)
        assert fetched == ["1", "3"], "desk 2's call was skipped when its turn came"
        assert await board.evaluate("window.cherhaAnnouncements") == ["П-001>1", "П-002>2", "П-003>3"]
        for client in (desk1, desk2, desk3):
            await client.close()


async def test_a_burst_of_twelve_calls_is_shown_spoken_in_order_and_cleared(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 17's done-when: twelve desks call within four seconds of the hall's time; all twelve stand on the
    board; the speakers say every call that still stands when its turn comes, in the order called, and none
    that no longer does; each call leaves the board when its visitor reaches the desk."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        kiosk = await server.device_token()
        hall = server.service.hall
        desks = {n: await operator(server, n) for n in range(1, 13)}
        for number in range(1, 13):  # one visitor for each desk's own first service
            await issue(http, server, kiosk, hall.desks[number].weights[0][0])
        board = await browser.new_page(viewport=TV)
        fetched: list[str] = []
        first_may_end = asyncio.Event()

        async def speak(route: Route) -> None:  # the first announcement "plays" until the test lets it end
            fetched.append(route.request.url.split("?")[1])
            if len(fetched) == 1:
                await first_may_end.wait()
            await route.fulfill(body=_short_wav(), content_type="audio/wav")

        await board.route("**/audio/call.wav*", speak)
        await board.goto(f"{server.url}/board?token={token}")
        await _holds_last_event(board, server)
        for number in range(1, 13):
            await desks[number].command("call_next")
            server.clock.advance(seconds=0.3)
        await expect(board.locator("#calls li")).to_have_count(12)
        state = await _board_shows(board, server, display := await WsClient.connect(server.ws_url, token=token))
        assert {c["desk"] for c in state["calls"]} == set(range(1, 13))
        await _all_visible(board)
        await expect(board.locator("#more-calls")).to_be_hidden()
        label = {c["desk"]: f"{c['ticket']}>{c['desk']}" for c in state["calls"]}
        assert await board.evaluate("window.cherhaAnnouncements") == [label[n] for n in range(1, 13)]

        # While desk 1's call is being spoken, three visitors reach their desks: their calls go, unspoken.
        for number in (3, 5, 8):
            await desks[number].command("start_service")
        await expect(board.locator("#calls li")).to_have_count(9)
        first_may_end.set()
        await board.wait_for_function("() => (window.cherhaPlayed || []).length + (window.cherhaSkipped || [])"
                                      ".length === 12", timeout=10_000)
        played = await board.evaluate("window.cherhaPlayed")
        assert played == [label[n] for n in range(1, 13) if n not in (3, 5, 8)], "every standing call, in order"
        assert await board.evaluate("window.cherhaSkipped") == [label[n] for n in (3, 5, 8)]
        assert len(fetched) == 9 and "chime=0" not in fetched[0] and all("chime=0" in f for f in fetched[1:]), \
            "one chime for the burst: each call after the first follows straight on"

        # Each call leaves the board when its visitor reaches the desk, and only that one.
        for number in (12, 1, 7, 2, 10, 4, 11, 6, 9):
            before = await board.locator("#calls li").count()
            await desks[number].command("start_service")
            await expect(board.locator(f"#calls li[data-desk='{number}']")).to_have_count(0)
            await expect(board.locator("#calls li")).to_have_count(before - 1)
        await _board_shows(board, server, display)
        await expect(board.locator("#no-calls")).to_be_visible()
        assert len(await board.evaluate("window.cherhaPlayed")) == 9, "nothing spoken twice"
        for client in (*desks.values(), display):
            await client.close()


async def _all_visible(page: Page) -> None:
    """Every call's row lies inside the screen, above the running line, its ticket and desk not cut off
    (measured in one go in the page: the board redraws every second)."""
    problems = await page.evaluate("""() => {
        const footer = document.querySelector("footer").getBoundingClientRect();
        const bottom = Math.min(window.innerHeight, footer.height > 0 ? footer.top : window.innerHeight);
        return [...document.querySelectorAll("#calls li")].flatMap((row) => {
            const box = row.getBoundingClientRect();
            const cut = [...row.children].some((part) => part.scrollWidth > part.clientWidth + 1);
            const inside = box.top >= 0 && box.left >= 0 && box.bottom <= bottom + 0.5
                && box.right <= window.innerWidth;
            return inside && !cut && box.height > 0 ? [] : [`${row.dataset.ticket}: ${JSON.stringify(box)}`];
        });
    }""")
    assert problems == []


async def test_board_clock_shows_the_halls_time_in_another_time_zone(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "board")
        boss = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        # A board PC set to New York (03:00 there when it is 10:00 in Kyiv), its own clock on another day
        # altogether (the server's clock is set by the test): the board shows the hall's time and date.
        context = await browser.new_context(viewport=TV, timezone_id="America/New_York")
        board = await context.new_page()
        await board.goto(f"{server.url}/board?token={token}")
        await expect(board.locator("#time")).to_have_text("10:00")
        await expect(board.locator("#date")).to_have_text("вівторок, 24 листопада")
        assert await board.evaluate("new Date().getTimezoneOffset()") in (240, 300)
        # The hall's clock moves (here by hand): the next patch brings its time.
        server.clock.advance(hours=1, minutes=7)
        await boss.command("set_announcement", text_uk="Увага", text_en="Attention")
        await expect(board.locator("#time")).to_have_text("11:07")
        await boss.close()


async def test_board_with_a_bad_token_does_not_hammer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, chromium() as browser:
        board = await browser.new_page(viewport=TV)
        gate = SocketGate()
        await gate.install(board)
        await board.goto(f"{server.url}/board?token=not-a-token")
        # Not "no connection": the board says it needs a device token, and how a board gets one.
        await expect(board.locator("#no-token")).to_be_visible()
        await expect(board.locator("#no-token")).to_contain_text("cherha token --role display")
        await expect(board.locator("#offline")).to_be_hidden()
        await board.wait_for_timeout(4000)
        assert gate.connections == 1, "after auth_invalid the next attempt waits the longest delay (10 s)"
        await expect(board.locator("#offline")).to_be_hidden()
        # No token at all: nothing to try.
        bare = await browser.new_page(viewport=TV)
        bare_gate = SocketGate()
        await bare_gate.install(bare)
        await bare.goto(f"{server.url}/board")
        await expect(bare.locator("#no-token")).to_be_visible()
        await expect(bare.locator("#no-token h1")).to_have_text("Табло не підключене")
        await expect(bare.locator("#no-token h2")).to_have_text("This board is not connected")
        await bare.screenshot(path=SHOTS / "board-no-token.png")
        assert bare_gate.connections == 0
        # The display over a desk says the same (not "closed", not "no connection").
        desk = await browser.new_page(viewport={"width": 800, "height": 480})
        await desk.goto(f"{server.url}/display/desk/7?token=not-a-token")
        await expect(desk.locator("#state")).to_have_text("Табло не підключене / This board is not connected")
        await expect(desk.locator("#offline")).to_be_hidden()


async def test_desk_display_renders_its_desk_view_after_a_cut(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        token = await server.device_token(Role.DISPLAY, "desk-5")
        kiosk = await server.device_token()
        tickets = [await issue(http, server, kiosk, "residence-register") for _ in range(2)]
        page = await browser.new_page(viewport={"width": 800, "height": 480})
        gate = SocketGate()
        await gate.install(page)
        await page.goto(f"{server.url}/display/desk/5?token={token}")
        await _holds_last_event(page, server)
        await expect(page.locator("#state")).to_contain_text("Не працює")
        desk = await operator(server, 5)
        await desk.command("call_next")
        await expect(page.locator("#ticket")).to_have_text(tickets[0]["ticket"])
        await expect(page.locator("body")).to_have_class("desk calling")  # a call made now blinks

        await gate.cut()
        await expect(page.locator("#offline")).to_be_visible()
        await desk.command("start_service")
        await desk.command("finish")
        await desk.command("call_next")
        await desk.command("start_service")
        gate.reopen()
        await expect(page.locator("#offline")).to_be_hidden(timeout=RECONNECT)
        await expect(page.locator("#ticket")).to_have_text(tickets[1]["ticket"])
        await expect(page.locator("#state")).to_contain_text("Обслуговується")
        assert gate.sent_of("subscribe")[-1].get("since") is not None

        await gate.cut()
        await desk.command("finish")
        await desk.command("desk_pause", reason="break")
        gate.reopen()
        await expect(page.locator("#state")).to_contain_text("Перерва", timeout=RECONNECT)
        await expect(page.locator("#ticket")).to_have_text("")
        await _holds_last_event(page, server)
        await desk.close()


async def test_dashboard_command_cut_in_flight_is_applied_once(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        kiosk = await server.device_token()
        await issue(http, server, kiosk, "id-card")
        page = await browser.new_page(viewport={"width": 1600, "height": 1000})
        gate = SocketGate()
        await gate.install(page)
        await page.goto(f"{server.url}/dashboard")
        await page.fill("#login [name=login]", "supervisor")
        await page.fill("#login [name=password]", "super-demo")
        await page.click("#login button")
        await expect(page.locator("#queues tr[data-service='id-card'] td").nth(1)).to_have_text("1")
        assert gate.sent_of("subscribe") and not gate.sent_of("subscribe_events"), "views, not the event log"

        # The pause reaches the server, the connection drops before its answer: the client sends it again on
        # the next connection with the same command_id, and the server applies it once.
        gate.cut_after = lambda message: message.get("type") == "hall_pause"
        await page.click("#pause")
        await page.click("#confirm-ok")  # pausing the hall is asked first (tests/test_dashboard_layout.py)
        await expect(page.locator("#offline")).to_be_visible()
        gate.cut_after = lambda _message: False
        assert server.service.state.paused
        gate.reopen()
        await expect(page.locator("#paused-banner")).to_be_visible(timeout=RECONNECT)
        await expect(page.locator("#offline")).to_be_hidden()
        sent = gate.sent_of("hall_pause")
        assert len(sent) == 2 and sent[0]["command_id"] == sent[1]["command_id"] and sent[1]["id"] > sent[0]["id"]
        records = await server.service.events_between(0, server.service.hub.last_seq)
        assert [r.payload["type"] for r in records].count("hall_paused") == 1
        await expect(page.locator("#control-error")).to_be_empty()

        # The figures follow the hall: a ticket issued now shows up (a view patch, then get_dashboard).
        await page.click("#pause")
        await expect(page.locator("#paused-banner")).to_be_hidden()
        await issue(http, server, kiosk, "id-card")
        await expect(page.locator("#queues tr[data-service='id-card'] td").nth(1)).to_have_text("2")


async def test_visitor_page_follows_its_visit_across_a_cut(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        kiosk = await server.device_token()
        ticket = await issue(http, server, kiosk, "residence-register")
        context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = await context.new_page()
        gate = SocketGate()
        await gate.install(page)
        await page.goto(f"{server.url}/f/{ticket['feedback_token']}?lang=en")
        await expect(page.locator("#status")).to_have_text("Ahead of you: 0")
        assert gate.sent_of("auth")[0] == {"type": "auth", "visit_token": ticket["feedback_token"]}
        await gate.cut()
        await expect(page.locator("#offline")).to_be_visible()
        desk = await operator(server, 6)
        await desk.command("call_next")
        gate.reopen()
        await expect(page.locator("#status")).to_have_text("Please go to desk 6", timeout=RECONNECT)
        await expect(page.locator("#offline")).to_be_hidden()
        assert len(gate.sent_of("watch_visit")) == 2, "watched again on the new connection"
        await desk.command("start_service")
        await expect(page.locator("#status")).to_have_text("You are being served")
        await desk.close()

        # An unknown ticket: "not found", and no reconnecting with it.
        lost = await context.new_page()
        lost_gate = SocketGate()
        await lost_gate.install(lost)
        await lost.goto(f"{server.url}/f/{'x' * 43}")
        await expect(lost.locator("#not-found")).to_be_visible()
        await lost.wait_for_timeout(1500)
        assert lost_gate.connections == 1
        await expect(lost.locator("#offline")).to_be_hidden()


async def test_hall_view_module_holds_what_get_state_returns(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """hall_view.js applied to a real server's frames, across a cut: equal to `get_state`, for staff too."""
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http, chromium() as browser:
        kiosk = await server.device_token()
        page = await browser.new_page()
        gate = SocketGate()
        await gate.install(page)
        await page.goto(server.url + "/api/health")  # any page of the server: the modules load from its origin
        session = (await (await http.post(server.url + "/api/sessions",
                                          json={"login": "supervisor", "password": "super-demo"})).json())["token"]
        await page.evaluate("""async (token) => {
            const { HallView } = await import("/static/hall_view.js");
            const { Client } = await import("/static/protocol.js");
            window.hv = new HallView();
            window.client = new Client({ auth: { token } });
            window.client.subscribe((frame) => window.hv.apply(frame));
            window.client.start();
        }""", session)
        boss = await WsClient.connect(server.ws_url, token=session)
        desks = [await operator(server, n) for n in (1, 2, 3)]
        for service in ("id-card", "id-card", "passport-foreign", "birth", "id-card", "residence-register"):
            await issue(http, server, kiosk, service)
        await desks[0].command("call_next")
        await desks[1].command("call_next")

        async def equal() -> None:
            seq = server.service.hub.last_seq
            await page.wait_for_function("(seq) => window.hv.seq === seq", arg=seq, timeout=RECONNECT)
            held = await page.evaluate("window.hv.asView()")
            assert _timeless(held) == _timeless(await boss.request("get_state"))

        await equal()
        await gate.cut()
        server.clock.advance(minutes=2)
        await desks[1].command("recall")
        await desks[0].command("start_service")
        await desks[0].command("transfer", to_service="residence-register")
        await desks[1].command("no_show")
        await desks[2].command("call_next")
        await desks[2].command("start_service")
        await desks[2].command("postpone", minutes=10)
        await boss.command("send_message", text="Перерва о 13:00", desk=2)
        await boss.command("service_close", service_id="birth", reason="registry")
        gate.reopen()
        await equal()
        assert await page.evaluate("window.hv.messages.map((m) => m.text)") == ["Перерва о 13:00"]
        # Live again, including a desk's allowed actions and a hall-wide field.
        await boss.command("hall_pause")
        await desks[1].command("desk_pause", reason="break")
        await equal()
        assert await page.evaluate("window.hv.desks.get(2).actions") == ["desk_resume", "desk_close"]
        # The command ids the client makes: 32 hex characters, also where crypto.randomUUID is missing (http
        # on a LAN address is not a secure context).
        ids = await page.evaluate("""async () => {
            const { commandId } = await import("/static/protocol.js");
            const made = [commandId()];
            const uuid = crypto.randomUUID;
            crypto.randomUUID = undefined;
            made.push(commandId());
            crypto.randomUUID = uuid;
            return made;
        }""")
        assert all(len(i) == 32 and all(ch in "0123456789abcdef" for ch in i) for i in ids) and ids[0] != ids[1]
        for client in (*desks, boss):
            await client.close()
