"""The desk console, offscreen under pytest-qt, against a real server on loopback."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desk_console.i18n import Catalogue
from desk_console.views import ConsoleWindow

from .server_thread import ServerThread
from .shots import shots_dir
from .support import WsClient

SHOTS = shots_dir()
WAIT = 10_000


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    thread = ServerThread(tmp_path)
    yield thread
    thread.close()


def sign_in(qtbot, server: ServerThread, desk: int, login: str, pin: str = "1111") -> ConsoleWindow:  # type: ignore[no-untyped-def]
    window = ConsoleWindow(server.url)
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
    console.transfer_service.setCurrentIndex(console.transfer_service.findData("residence-register"))
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
    qtbot.waitUntil(lambda: "обслуговано 1" in console.totals.text(), timeout=WAIT)
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
    console.reason.setCurrentIndex(console.reason.findData("back_office"))
    click(qtbot, console, "desk_pause")
    qtbot.waitUntil(lambda: "Робота з документами" in console.status.text(), timeout=WAIT)
    assert console.buttons["desk_resume"].isEnabled() and not console.buttons["call_next"].isEnabled()
    click(qtbot, console, "desk_resume")

    qtbot.mouseClick(console.language, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: console.buttons["call_next"].text().startswith("Call next"), timeout=WAIT)
    shot(window, "console-english.png")
    click(qtbot, console, "desk_close")
    qtbot.waitUntil(lambda: "closed" in console.status.text(), timeout=WAIT)
    window.close()


def test_wrong_pin_is_refused(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    window = sign_in(qtbot, server, 2, "op02", pin="0000")
    qtbot.waitUntil(lambda: "Невірний логін або PIN" in window.login_view.error.text(), timeout=WAIT)
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
    console.booking.service.setCurrentIndex(console.booking.service.findData("id-card"))
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
