"""The desk console, offscreen under pytest-qt, against a real server on loopback."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QPainter

from desk_console import colours
from desk_console.actions import ACTIONS, BY_NAME, EXCLUDED, PALETTE_KEY
from desk_console.i18n import Catalogue
from desk_console.session_store import SavedSession, SessionStore
from desk_console.views import ConsoleWindow
from queue_server.api.auth import Role
from queue_server.api.messages import SPECS
from queue_server.domain.desk_actions import DESK_ACTIONS
from texts import ukrainian_sorted

from .server_thread import ServerThread
from .shots import shots_dir
from .support import WsClient
from .tcp_proxy import TcpProxy

SHOTS = shots_dir()
WAIT = 10_000


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    thread = ServerThread(tmp_path)
    yield thread
    thread.close()


SESSIONS: list[Path] = []  # where this test's consoles save their sessions (never the user's own folder)


@pytest.fixture(autouse=True)
def session_folder(tmp_path: Path) -> None:
    SESSIONS[:] = [tmp_path / "sessions"]


def sign_in(qtbot, server: ServerThread, desk: int, login: str, pin: str = "1111",  # type: ignore[no-untyped-def]
            url: str | None = None, session: Path | None = None) -> ConsoleWindow:
    """A console signed in with a PIN; its saved session in `session` (a file of its own unless given)."""
    if session is None:
        session = SESSIONS[0] / f"session-{len(SESSIONS)}.json"
        SESSIONS.append(session)
    window = ConsoleWindow(url or server.url, session_file=session)
    qtbot.addWidget(window)
    window.show()
    view = window.login_view
    view.desk.setValue(desk)
    view.login.setText(login)
    view.pin.setText(pin)
    qtbot.mouseClick(view.sign_in, Qt.MouseButton.LeftButton)
    return window


def click(qtbot, console, action: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: console.buttons[action].isEnabled(), timeout=WAIT)
    qtbot.mouseClick(console.buttons[action], Qt.MouseButton.LeftButton)


def shot(window: ConsoleWindow, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / name))


def shot_with_dialog(window: ConsoleWindow, dialog, name: str) -> None:  # type: ignore[no-untyped-def]
    """The window with a dialog over it, as the operator sees them (a grab shows one window only)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    image, over = window.grab(), dialog.grab()
    painter = QPainter(image)
    painter.drawPixmap((image.width() - over.width()) // 2, 90, over)
    painter.end()
    image.save(str(SHOTS / name))


def other_desk(server: ServerThread, desk: int, *commands: str) -> dict:  # type: ignore[type-arg]
    async def go() -> dict:  # type: ignore[type-arg]
        client = await WsClient.connect(server.url.replace("http", "ws") + "/ws", login=f"op{desk:02d}",
                                        password="1111", desk=desk)
        try:
            await client.command("desk_open")
            result: dict = {}  # type: ignore[type-arg]
            for command in commands:
                result = await client.command(command)
            return result
        finally:
            await client.close()

    return server.run(go())  # type: ignore[no-any-return]


def test_a_visitors_whole_life_at_the_desk(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    kiosk = server.token()
    plain = server.issue(kiosk, "id-card")["ticket"]
    priority = server.issue(kiosk, "id-card", priority_category="disability")["ticket"]
    server.issue(kiosk, "passport-foreign")
    window = sign_in(qtbot, server, 1, "op01")
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    console = window.console_view
    qtbot.waitUntil(lambda: console.buttons["call_next"].isEnabled(), timeout=WAIT)
    assert not console.buttons["recall"].isEnabled() and not console.buttons["finish"].isEnabled()
    assert console.queues.item(0, 2).text() == "2", "two wait for id-card, this desk's first queue"
    assert window.login_view.pin.text() == "", "the PIN is not kept"
    shot(window, "console-idle.png")

    qtbot.keyClick(console, Qt.Key.Key_F1)  # call next, by hotkey
    qtbot.waitUntil(lambda: console.ticket.text() == priority, timeout=WAIT)
    assert "Позачергово" in console.marks.text()
    assert console.buttons["recall"].isEnabled() and not console.buttons["call_next"].isEnabled()
    click(qtbot, console, "recall")
    qtbot.waitUntil(lambda: "Повторних викликів: 1" in console.timer.text(), timeout=WAIT)
    shot(window, "console-called.png")
    click(qtbot, console, "start_service")
    qtbot.waitUntil(lambda: console.buttons["finish"].isEnabled(), timeout=WAIT)

    # Transfer to another service, back to this desk afterwards.
    console.transfer_service.set_service("residence-register")
    console.back_to_me.setChecked(True)
    click(qtbot, console, "transfer")
    qtbot.waitUntil(lambda: console.ticket.text() == "—", timeout=WAIT)
    served_elsewhere = other_desk(server, 5, "call_next", "start_service", "finish")
    assert served_elsewhere["visit"]["ticket"] == priority
    qtbot.waitUntil(lambda: console.queues.item(0, 2).text() == "2", timeout=WAIT)  # back in this desk's queue
    click(qtbot, console, "call_next")
    qtbot.waitUntil(lambda: console.ticket.text() == priority, timeout=WAIT)

    # Postpone, then call the same ticket back before its time is up.
    console.postpone_minutes.setValue(15)
    click(qtbot, console, "postpone")
    qtbot.waitUntil(lambda: console.ticket.text() == "—", timeout=WAIT)
    console.ticket_input.setText(priority)
    click(qtbot, console, "call_ticket")
    qtbot.waitUntil(lambda: console.ticket.text() == priority, timeout=WAIT)
    click(qtbot, console, "start_service")
    console.result.setCurrentIndex(console.result.findData("served"))
    click(qtbot, console, "finish")
    qtbot.waitUntil(lambda: "обслуговано: 1" in console.totals.text(), timeout=WAIT)
    visit = next(v for v in server.state().visits.values() if v.ticket == priority)
    # The first id-card service was interrupted by the transfer, not finished: it is not counted as served.
    assert visit.state.value == "finished" and visit.served_services == ["residence-register", "id-card"]

    # A refusal is shown plainly, in the console's language.
    console.ticket_input.setText("Я-999")
    click(qtbot, console, "call_ticket")
    qtbot.waitUntil(lambda: "Талон Я-999 не знайдено" in console.error.text(), timeout=WAIT)

    # The supervisor's message arrives by push.
    server.supervisor("send_message", desk=1, text="Після 13:00 — прийом документів на субсидії")
    qtbot.waitUntil(lambda: console.messages.count() == 1, timeout=WAIT)
    assert "субсидії" in console.messages.item(0).text()

    # A network drop: the console says so, keeps the click, and recovers by itself.
    server.stop()
    qtbot.waitUntil(lambda: "Немає зв’язку" in console.status.text(), timeout=WAIT)
    shot(window, "console-offline.png")
    click(qtbot, console, "call_next")  # clicked while offline
    server.start()
    qtbot.waitUntil(lambda: console.ticket.text() == plain, timeout=20_000)
    qtbot.waitUntil(lambda: "На зв’язку" in console.status.text(), timeout=WAIT)
    called = [v for v in server.state().visits.values() if v.state.value == "called"]
    assert [v.ticket for v in called] == [plain], "the click was applied once, not lost and not doubled"

    click(qtbot, console, "no_show")
    click(qtbot, console, "no_show")  # the second press confirms it
    console.reason.setCurrentIndex(console.reason.findData("back_office"))
    click(qtbot, console, "desk_pause")
    qtbot.waitUntil(lambda: "Робота з документами" in console.status.text(), timeout=WAIT)
    assert console.buttons["desk_resume"].isEnabled() and not console.buttons["call_next"].isEnabled()
    click(qtbot, console, "desk_resume")

    qtbot.mouseClick(console.language, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: console.buttons["call_next"].text().startswith("Call next"), timeout=WAIT)
    qtbot.wait(100)  # laid out again for the English texts
    assert console.palette_button.width() >= console.palette_button.sizeHint().width(), "not clipped"
    shot(window, "console-english.png")
    click(qtbot, console, "desk_close")
    qtbot.waitUntil(lambda: "closed" in console.status.text(), timeout=WAIT)
    window.close()


def test_wrong_pin_is_refused(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    window = sign_in(qtbot, server, 2, "op02", pin="0000")
    qtbot.waitUntil(lambda: "Неправильний логін або PIN" in window.login_view.error.text(), timeout=WAIT)
    assert window.currentWidget() is window.login_view
    shot(window, "console-login.png")
    window.close()


def test_catalogue_has_both_languages() -> None:
    catalogue = Catalogue()
    assert catalogue.keys("uk") == catalogue.keys("en")


def test_booking_taken_by_phone(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    window = sign_in(qtbot, server, 7, "op07")
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    console = window.console_view
    qtbot.waitUntil(lambda: console.buttons["call_next"].isEnabled(), timeout=WAIT)  # snapshot in, desk open
    console.tabs.setCurrentIndex(1)
    console.booking.service.set_service("id-card")
    qtbot.mouseClick(console.booking.find_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: console.booking.slot.count() > 0, timeout=WAIT)
    assert console.booking.date.date().toString("yyyy-MM-dd") == "2026-11-24", "the hall's date, not this PC's"
    console.booking.slot.setCurrentIndex(console.booking.slot.findText("14:00"))
    console.booking.phone.setText("0671234567")
    console.booking.consent.setChecked(True)
    qtbot.mouseClick(console.booking.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Код для відвідувача" in console.booking.result.text(), timeout=WAIT)
    code = console.booking.result.text().rsplit(" ", 1)[1]
    booking = server.state().bookings.by_code_or_none(code)
    assert booking is not None and booking.channel == "phone" and booking.start.strftime("%H:%M") == "14:00"
    shot(window, "console-phone-booking.png")
    console.booking.phone.setText("12")
    qtbot.mouseClick(console.booking.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "+380XXXXXXXXX" in console.error.text(), timeout=WAIT)
    window.close()


def server_view(server: ServerThread) -> dict[str, Any]:
    """What the server's get_state answers a staff member now (read on the server's own thread)."""
    async def go() -> dict[str, Any]:
        assert server.server is not None
        view: dict[str, Any] = server.server.service.live_view.full(True)
        return view

    return server.run(go())  # type: ignore[no-any-return]


def table_rows(console) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [tuple(console.queues.item(row, column).text() for column in range(3))  # type: ignore[misc]
            for row in range(console.queues.rowCount())]


def expected_rows(console, view: dict[str, Any], desk: int) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    """The rows the console must show for the server's view: its services by weight, the server's counts."""
    mine = next(d for d in view["desks"] if d["number"] == desk)
    model = console.controller.model
    weights = sorted(mine["weights"].items(), key=lambda item: (-item[1], item[0]))
    return [(model.service_name(sid), str(weight), str(view["queues"][sid]["waiting"])) for sid, weight in weights]


def test_the_console_catches_up_after_a_cut(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    """The console is cut off while the hall goes on (its visitor cancelled by the supervisor, other desks
    calling from its queues, new tickets): back, its table and current visitor are the server's."""
    kiosk = server.token()
    first = server.issue(kiosk, "id-card")["ticket"]
    for service in ("id-card", "passport-foreign", "residence-register"):
        server.issue(kiosk, service)
    proxy = server.run(TcpProxy(server.port).start())
    window = sign_in(qtbot, server, 1, "op01", url=proxy.url)
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    console = window.console_view
    click(qtbot, console, "call_next")
    qtbot.waitUntil(lambda: console.ticket.text() == first, timeout=WAIT)

    before = table_rows(console)
    server.run(proxy.cut())
    qtbot.waitUntil(lambda: "Немає зв’язку" in console.status.text(), timeout=WAIT)
    server.supervisor("cancel_visit", ticket=first, reason="left")
    other_desk(server, 2, "call_next")
    other_desk(server, 3, "call_next")
    for service in ("id-card", "id-card", "passport-foreign"):
        server.issue(kiosk, service)
    assert console.ticket.text() == first, "nothing reached the console while it was cut off"
    server.run(proxy.restore())

    qtbot.waitUntil(lambda: "На зв’язку" in console.status.text(), timeout=20_000)
    view = server_view(server)
    assert expected_rows(console, view, 1) != before, "the hall changed while the console was away"
    qtbot.waitUntil(lambda: table_rows(console) == expected_rows(console, view, 1), timeout=WAIT)
    mine = next(d for d in view["desks"] if d["number"] == 1)
    assert mine["ticket"] is None and console.ticket.text() == "—", "its visitor was cancelled meanwhile"
    assert console.buttons["call_next"].isEnabled() and not console.buttons["recall"].isEnabled()
    assert console.controller.model.view.seq == view["seq"]
    window.close()
    server.run(proxy.close())


def test_a_restarted_console_shows_the_days_messages(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    window = sign_in(qtbot, server, 1, "op01")
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    server.supervisor("send_message", desk=1, text="Вікну 1: прийом субсидій після 13:00")
    server.supervisor("send_message", desk=2, text="Вікну 2: зайдіть до мене")
    server.supervisor("send_message", text="Усім: о 15:00 нарада")
    qtbot.waitUntil(lambda: window.console_view.messages.count() == 2, timeout=WAIT)
    window.close()

    window = sign_in(qtbot, server, 1, "op01")  # the console restarted: a new window, a new login
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    messages = window.console_view.messages
    qtbot.waitUntil(lambda: messages.count() == 2, timeout=WAIT)
    texts = [messages.item(row).text() for row in range(messages.count())]
    assert "Усім: о 15:00 нарада" in texts[0] and "прийом субсидій" in texts[1], "newest first, its own and all"
    window.close()


def test_a_session_ended_elsewhere_asks_to_sign_in_again(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    window = sign_in(qtbot, server, 4, "op04")
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    token = window.controller.client.token

    async def log_out() -> int:
        async with aiohttp.ClientSession() as http, http.delete(
                server.url + "/api/sessions", headers={"Authorization": f"Bearer {token}"}) as response:
            return response.status

    assert server.run(log_out()) == 200
    qtbot.waitUntil(lambda: window.currentWidget() is window.login_view, timeout=WAIT)
    assert "увійдіть знову" in window.login_view.error.text()
    window.close()


def test_every_desk_action_has_one_row_one_message_and_its_own_key() -> None:
    names = [row.name for row in ACTIONS]
    assert len(names) == len(set(names))
    missing = [name for name in DESK_ACTIONS if name not in BY_NAME and name not in EXCLUDED]
    assert not missing, f"desk actions with neither a row in desk_console/actions.py nor a reason: {missing}"
    assert all(reason.strip() for reason in EXCLUDED.values()) and not set(EXCLUDED) & set(BY_NAME)
    for row in ACTIONS:
        assert row.name in SPECS, f"{row.name} is no WebSocket message"
        assert Role.OPERATOR in SPECS[row.name].roles, f"{row.name}: an operator may not send it"
    keys = [QKeySequence(row.key).toString() for row in ACTIONS if row.key] + [QKeySequence(PALETTE_KEY).toString()]
    assert len(keys) == len(set(keys)) and "" not in keys, "each key runs one action"
    catalogue = Catalogue()
    assert all(catalogue.t_in(lang, row.label) for row in ACTIONS for lang in ("uk", "en"))
    assert len(ACTIONS) > 12, "more actions than function keys: the palette reaches the rest"


def test_the_thirteenth_action_by_keyboard(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    """desk_open has no function key: Ctrl+K, a few letters, Enter. Every row's option gives only fields
    its message accepts."""
    window = sign_in(qtbot, server, 3, "op03")
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    console = window.console_view
    for row in ACTIONS:
        assert set(console._fields(row.option)) <= set(SPECS[row.name].model.model_fields), row.name
    assert [row.name for row in ACTIONS if row.key is None] == ["desk_open"]
    click(qtbot, console, "desk_close")
    qtbot.waitUntil(lambda: "Вікно закрите" in console.status.text(), timeout=WAIT)
    assert [name for name, button in console.buttons.items() if button.isEnabled()] == ["desk_open"]

    qtbot.keyClick(console, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    palette = console.command_palette
    qtbot.waitUntil(palette.isVisible, timeout=WAIT)
    assert palette.list.count() == len(ACTIONS), "every action is listed"
    enabled = [palette.list.item(i) for i in range(palette.list.count())
               if palette.list.item(i).flags() & Qt.ItemFlag.ItemIsEnabled]
    assert [item.text() for item in enabled] == ["Відкрити вікно"], "what the desk may not do now is greyed"
    shot_with_dialog(window, palette, "console-palette.png")
    palette.filter.setText("відкр")  # in Ukrainian (QTest types Latin letters only)...
    assert palette.list.count() == 1 and palette.list.currentItem().text() == "Відкрити вікно"
    palette.filter.clear()
    qtbot.keyClicks(palette.filter, "open")  # ...or in English, or by the message's name
    assert palette.list.currentItem().text() == "Відкрити вікно"
    qtbot.keyClick(palette.filter, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not palette.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: "На зв’язку" in console.status.text(), timeout=WAIT)
    assert server.state().desks[3].status.value == "open"

    # The frequent ones are there too, by name in either language; Up and Down skip what cannot run now.
    qtbot.keyClick(console, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(palette.isVisible, timeout=WAIT)
    qtbot.keyClicks(palette.filter, "desk")
    names = [palette.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(palette.list.count())]
    assert names == ["desk_pause", "desk_resume", "desk_close", "desk_open"]
    assert palette.list.currentItem().data(Qt.ItemDataRole.UserRole) == "desk_pause"
    qtbot.keyClick(palette.filter, Qt.Key.Key_Down)
    assert palette.list.currentItem().data(Qt.ItemDataRole.UserRole) == "desk_close", "resume is greyed: skipped"
    qtbot.keyClick(palette.filter, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not palette.isVisible(), timeout=WAIT)
    assert server.state().desks[3].status.value == "open", "Esc runs nothing"
    window.close()


def signed_in(qtbot, server, desk: int, **extra: Any):  # type: ignore[no-untyped-def]
    """A console at its open desk, the server's view in."""
    window = sign_in(qtbot, server, desk, f"op{desk:02d}", **extra)
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=WAIT)
    console = window.console_view
    qtbot.waitUntil(lambda: "На зв’язку" in console.status.text(), timeout=WAIT)
    return window, console


def visit_state(server: ServerThread, ticket: str) -> str:
    visit = next(v for v in server.state().visits.values() if v.ticket == ticket)
    return str(visit.state.value)


def test_no_show_asks_for_a_second_press_and_a_refusal_names_the_state_in_words(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    kiosk = server.token()
    ticket = server.issue(kiosk, "id-card")["ticket"]
    window, console = signed_in(qtbot, server, 1)
    click(qtbot, console, "call_next")
    qtbot.waitUntil(lambda: console.ticket.text() == ticket, timeout=WAIT)
    button = console.buttons["no_show"]

    qtbot.keyClick(console, Qt.Key.Key_F5)  # one press arms it, and says so on the button
    assert button.text() == "Точно не з’явився?\nНатисніть ще раз  [F5]"
    assert button.styleSheet() == colours.STYLES["armed"]
    qtbot.wait(50)
    assert button.width() >= button.sizeHint().width() and button.height() >= button.sizeHint().height(), \
        "the whole question is seen"
    shot(window, "console-no-show-armed.png")
    console.disarm_timer.timeout.emit()  # the few seconds are up: nothing was sent
    assert button.text() == "Не з’явився  [F5]" and not button.styleSheet()
    qtbot.keyClick(console, Qt.Key.Key_F5)
    qtbot.wait(300)
    assert visit_state(server, ticket) == "called", "a first press sends nothing"
    qtbot.keyClick(console, Qt.Key.Key_F5)  # the second press within the time runs it
    qtbot.waitUntil(lambda: console.ticket.text() == "—", timeout=WAIT)
    assert visit_state(server, ticket) == "no_show"
    assert button.text() == "Не з’явився  [F5]"

    # Armed for one visitor, it does not carry over to the next one.
    second = server.issue(kiosk, "id-card")["ticket"]
    click(qtbot, console, "call_next")
    qtbot.waitUntil(lambda: console.ticket.text() == second, timeout=WAIT)
    click(qtbot, console, "no_show")
    assert console.armed is not None
    other_desk(server, 2)  # nothing for desk 1; the supervisor takes the visitor away instead
    server.supervisor("cancel_visit", ticket=second, reason="left")
    qtbot.waitUntil(lambda: console.ticket.text() == "—", timeout=WAIT)
    assert console.armed is None and button.text() == "Не з’явився  [F5]"

    # Calling the no-show back: the refusal says its state in words, in the console's language.
    console.ticket_input.setText(ticket)
    click(qtbot, console, "call_ticket")
    qtbot.waitUntil(lambda: "стан: не з’явився" in console.error.text(), timeout=WAIT)
    assert "no_show" not in console.error.text()
    qtbot.mouseClick(console.language, Qt.MouseButton.LeftButton)
    click(qtbot, console, "call_ticket")
    qtbot.waitUntil(lambda: "state: no-show" in console.error.text(), timeout=WAIT)
    window.close()


def test_the_desks_postponed_visitors_with_their_return_time_and_an_early_call(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    kiosk = server.token()
    first = server.issue(kiosk, "id-card")["ticket"]
    second = server.issue(kiosk, "id-card")["ticket"]
    elsewhere = server.issue(kiosk, "residence-register")["ticket"]
    window, console = signed_in(qtbot, server, 1)
    panel = console.postponed
    assert panel.empty.isVisible() and not panel.table.isVisible()
    for ticket, minutes in ((first, 15), (second, 5)):
        click(qtbot, console, "call_next")
        qtbot.waitUntil(lambda ticket=ticket: console.ticket.text() == ticket, timeout=WAIT)
        console.postpone_minutes.setValue(minutes)
        click(qtbot, console, "postpone")
        qtbot.waitUntil(lambda: console.ticket.text() == "—", timeout=WAIT)
    # Another desk's postponed visitor is not this desk's to call back.
    other_desk(server, 5, "call_next", "start_service")

    async def postpone_at_5() -> None:
        client = await WsClient.connect(server.url.replace("http", "ws") + "/ws", login="op05", password="1111",
                                        desk=5)
        try:
            await client.command("postpone", minutes=20)
        finally:
            await client.close()
    server.run(postpone_at_5())
    assert visit_state(server, elsewhere) == "postponed"

    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=WAIT)
    rows = [[panel.table.item(r, c).text() for c in range(3)] for r in range(2)]
    # The hall's clock stands at 10:00 (tests/support.py): back by itself at 10:05 and 10:15, soonest first.
    assert rows == [[second, "Оформлення паспорта громадянина України у формі ID-картки", "10:05"],
                    [first, "Оформлення паспорта громадянина України у формі ID-картки", "10:15"]]
    assert panel.title() == "Відкладені цим вікном: 2 відвідувачі" and panel.table.isVisible()
    assert not panel.call_button.isEnabled(), "a row is chosen first"
    panel.table.selectRow(1)
    qtbot.waitUntil(panel.call_button.isEnabled, timeout=WAIT)
    shot(window, "console-postponed.png")
    qtbot.mouseClick(panel.call_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: console.ticket.text() == first, timeout=WAIT)  # called before its time
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=WAIT)
    assert panel.table.item(0, 0).text() == second
    assert not panel.call_button.isEnabled(), "busy with a visitor: nobody else can be called"
    window.close()


def test_transfer_and_add_service_choose_from_the_hall_grouped_and_searchable(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    kiosk = server.token()
    ticket = server.issue(kiosk, "id-card")["ticket"]
    window, console = signed_in(qtbot, server, 1)
    click(qtbot, console, "call_next")
    qtbot.waitUntil(lambda: console.ticket.text() == ticket, timeout=WAIT)
    click(qtbot, console, "start_service")
    qtbot.waitUntil(lambda: console.buttons["add_service"].isEnabled(), timeout=WAIT)

    # F9 with no service chosen opens the picker: the hall's categories, each in Ukrainian alphabetical order.
    qtbot.keyClick(console, Qt.Key.Key_F9)
    picker = console.picker
    qtbot.waitUntil(picker.isVisible, timeout=WAIT)
    hall = console.controller.model.hall
    shown = picker.services_shown()
    assert [name for name, _ in shown] == [c["name"]["uk"] for c in hall["categories"]], "the hall's categories"
    for _name, services in shown:
        assert services == ukrainian_sorted(services)
    assert sum(len(services) for _, services in shown) == len(hall["services"]) == 67
    passports = dict(shown)["Паспортні послуги"]
    assert passports.index("Вклеювання фотографії в паспорт-книжечку (25 та 45 років)") < \
        passports.index("Оформлення паспорта громадянина України у формі ID-картки"), "В before О"
    assert picker.found.text() == "Знайдено 67 послуг"
    picker.filter.setText("довідк")  # typing filters (QTest types Latin letters only)
    assert all("довідк" in s.casefold() for _, services in picker.services_shown() for s in services)
    assert picker.services_shown() and picker.tree.currentItem().data(0, Qt.ItemDataRole.UserRole)
    picker.filter.setText("")
    qtbot.keyClicks(picker.filter, "Foreign")  # in English too
    assert picker.services_shown() == [("Паспортні послуги",
                                        ["Оформлення паспорта громадянина України для виїзду за кордон"])]
    assert picker.found.text() == "Знайдено 1 послугу"
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)  # Enter takes it, and F9's action runs
    qtbot.waitUntil(lambda: not picker.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: "passport-foreign" in server_view_visit(server, ticket)["pending_services"]
                    or bool(console.error.text()), timeout=WAIT)
    assert not console.error.text()
    assert console.add_service_choice.currentData() is None, "the next visitor's is chosen anew"

    # F6 the same way: the picker, a few letters, Up/Down skip the headings, Enter transfers.
    qtbot.keyClick(console, Qt.Key.Key_F6)
    qtbot.waitUntil(picker.isVisible, timeout=WAIT)
    assert picker.windowTitle() == picker.title.text() == "Перенаправити до послуги"
    assert len(picker.services_shown()) == len(hall["categories"]), "every category again: the search is new"
    shot_with_dialog(window, picker, "console-service-picker.png")
    picker.filter.setText("місця проживання")
    names = [s for _, services in picker.services_shown() for s in services]
    assert len(names) > 1 and picker.tree.currentItem().text(0) == names[0]
    qtbot.keyClick(picker.filter, Qt.Key.Key_Down)
    assert picker.tree.currentItem().text(0) == names[1]
    chosen = picker.tree.currentItem().data(0, Qt.ItemDataRole.UserRole)
    qtbot.keyClick(picker.filter, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: console.ticket.text() == "—", timeout=WAIT)
    assert server_view_visit(server, ticket)["service_id"] == chosen
    window.close()


def server_view_visit(server: ServerThread, ticket: str) -> dict[str, Any]:
    return next(v for v in server_view(server)["visits"] if v["ticket"] == ticket)


def test_a_long_sign_in_error_is_shown_whole(qtbot, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = sign_in(qtbot, server, 1, "op01", url="http://127.0.0.1:9", session=tmp_path / "session.json")
    label = window.login_view.error
    qtbot.waitUntil(lambda: "не відповідає" in label.text(), timeout=20_000)
    assert "http://127.0.0.1:9" in label.text() and "перевірте адресу" in label.text()
    qtbot.wait(50)  # laid out
    assert label.width() <= window.login_view.box.width(), "it wraps inside the form"
    assert label.height() >= label.heightForWidth(label.width()), "every wrapped line is shown"
    assert label.geometry().bottom() <= window.login_view.language.geometry().top(), "nothing drawn over it"
    shot(window, "console-login-unreachable.png")
    window.close()


def test_a_closed_service_is_marked_in_the_desks_queues(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    window, console = signed_in(qtbot, server, 1)
    qtbot.waitUntil(lambda: console.queues.rowCount() > 0, timeout=WAIT)
    name = console.queues.item(0, 0).text()
    assert name == "Оформлення паспорта громадянина України у формі ID-картки"
    server.supervisor("service_close", service_id="id-card", reason="registry_offline")
    qtbot.waitUntil(lambda: "не надається" in console.queues.item(0, 0).text(), timeout=WAIT)
    assert console.queues.item(0, 0).text() == f"{name} — не надається: реєстр недоступний"
    assert console.queues.item(0, 0).foreground().color().name() == colours.CLOSED_SERVICE
    server.supervisor("service_close", service_id="passport-foreign", reason="Немає бланків")
    row = next(r for r in range(console.queues.rowCount()) if "виїзду" in console.queues.item(r, 0).text())
    qtbot.waitUntil(lambda: console.queues.item(row, 0).text().endswith("не надається: Немає бланків"),
                    timeout=WAIT)
    qtbot.wait(50)
    table = console.queues
    assert table.rowHeight(0) >= table.sizeHintForRow(0), "the reason is read whole"
    shot(window, "console-closed-service.png")
    qtbot.mouseClick(console.language, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "not offered: registry unavailable" in console.queues.item(0, 0).text(), timeout=WAIT)
    server.supervisor("service_reopen", service_id="id-card")
    qtbot.waitUntil(lambda: "not offered" not in console.queues.item(0, 0).text(), timeout=WAIT)
    assert console.queues.item(0, 0).text().startswith("ID card")
    assert console.queues.item(0, 0).data(Qt.ItemDataRole.ForegroundRole) is None, "no longer greyed"
    window.close()


def test_a_new_message_is_seen_whichever_tab_is_open(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    window, console = signed_in(qtbot, server, 1)
    console.tabs.setCurrentIndex(1)  # booking a caller by phone
    panel = console.messages_panel
    server.supervisor("send_message", desk=1, text="Зайдіть до мене після цього відвідувача")
    qtbot.waitUntil(lambda: console.messages.count() == 1, timeout=WAIT)
    assert console.tabs.currentIndex() == 1 and panel.isVisible() and console.messages.isVisible()
    assert panel.title() == "Повідомлення керівника — 1 нове"
    assert window.windowTitle().startswith("(1) "), "seen in the taskbar too"
    assert console.messages.item(0).font().bold()
    server.supervisor("send_message", text="Усім: о 15:00 нарада")
    qtbot.waitUntil(lambda: panel.title() == "Повідомлення керівника — 2 нові", timeout=WAIT)
    shot(window, "console-new-message.png")
    qtbot.mouseClick(panel.read_button, Qt.MouseButton.LeftButton)
    assert panel.title() == "Повідомлення керівника" and not window.windowTitle().startswith("(")
    assert not console.messages.item(0).font().bold() and not panel.read_button.isEnabled()
    console.messages.setCurrentRow(1)
    qtbot.wait(2200)  # two ticks of the clock: the list is not built again under the operator's selection
    assert console.messages.currentRow() == 1 and console.messages.count() == 2
    window.close()


def test_after_a_restart_the_console_is_back_at_its_desk(qtbot, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The session token and desk are kept in a file of this user's only (never the PIN); a restarted
    console goes straight back to the desk, with its visitor and its messages; signing out forgets it."""
    kiosk = server.token()
    ticket = server.issue(kiosk, "id-card")["ticket"]
    saved = tmp_path / "state" / "session.json"
    window, console = signed_in(qtbot, server, 3, session=saved)
    click(qtbot, console, "call_next")
    qtbot.waitUntil(lambda: console.ticket.text() == ticket, timeout=WAIT)
    server.supervisor("send_message", desk=3, text="Вікну 3: перевірте принтер")
    server.supervisor("send_message", text="Усім: о 15:00 нарада")
    qtbot.waitUntil(lambda: console.messages.count() == 2, timeout=WAIT)
    qtbot.mouseClick(console.messages_panel.read_button, Qt.MouseButton.LeftButton)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["desk"] == 3 and data["login"] == "op03" and data["token"] == window.controller.client.token
    assert data["server"] == server.url and data["read_until"]
    assert "1111" not in saved.read_text(encoding="utf-8"), "never the PIN"
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600 and stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    window.close()  # the console crashed, or the PC restarted

    restarted = ConsoleWindow(server.url, session_file=saved)
    qtbot.addWidget(restarted)
    restarted.show()
    qtbot.waitUntil(lambda: restarted.currentWidget() is restarted.console_view, timeout=WAIT)
    console = restarted.console_view
    qtbot.waitUntil(lambda: console.ticket.text() == ticket, timeout=WAIT)  # its visitor, no PIN asked
    qtbot.waitUntil(lambda: console.messages.count() == 2, timeout=WAIT)
    assert [console.messages.item(r).text()[7:] for r in range(2)] == ["Усім: о 15:00 нарада",
                                                                       "Вікну 3: перевірте принтер"]
    assert console.messages_panel.unread == 0, "what was read before the restart is not new again"
    assert restarted.windowTitle() == "Cherha — пульт адміністратора, вікно 3"

    qtbot.mouseClick(console.sign_out, Qt.MouseButton.LeftButton)  # signing out forgets it, here and there
    assert restarted.currentWidget() is restarted.login_view and not saved.exists()
    restarted.close()
    again = ConsoleWindow(server.url, session_file=saved)
    qtbot.addWidget(again)
    again.show()
    qtbot.wait(300)
    assert again.currentWidget() is again.login_view and again.login_view.error.text() == ""
    again.close()


def test_a_saved_session_the_server_refuses_falls_back_to_the_sign_in(qtbot, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "session.json"
    SessionStore(saved).save(SavedSession(server.url, 2, "op02", "not-a-token-the-server-gave"))
    window = ConsoleWindow(server.url, session_file=saved)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "Сеанс завершився" in window.login_view.error.text(), timeout=WAIT)
    assert window.currentWidget() is window.login_view and not saved.exists()
    assert window.login_view.desk.value() == 2 and window.login_view.login.text() == "op02", "to sign in again"
    window.close()

    # A session logged out meanwhile (from another PC): the same.
    first, _console = signed_in(qtbot, server, 4, session=saved)
    token = first.controller.client.token
    first.close()

    async def log_out() -> int:
        async with aiohttp.ClientSession() as http, http.delete(
                server.url + "/api/sessions", headers={"Authorization": f"Bearer {token}"}) as response:
            return response.status

    assert server.run(log_out()) == 200
    window = ConsoleWindow(server.url, session_file=saved)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "Сеанс завершився" in window.login_view.error.text(), timeout=WAIT)
    assert not saved.exists()
    window.close()


def test_a_saved_session_waits_for_a_server_that_is_down(qtbot, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    saved = tmp_path / "session.json"
    first, _console = signed_in(qtbot, server, 6, session=saved)
    first.close()
    server.stop()  # the hall's server restarts at the same time as the desk PC
    window = ConsoleWindow(server.url, session_file=saved)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: "Повторна спроба" in window.login_view.error.text(), timeout=30_000)
    assert saved.exists(), "an unanswered server is no refusal: the session is kept"
    window.retry.setInterval(200)
    server.start()
    qtbot.waitUntil(lambda: window.currentWidget() is window.console_view, timeout=30_000)
    qtbot.waitUntil(lambda: "На зв’язку" in window.console_view.status.text(), timeout=WAIT)
    window.close()
