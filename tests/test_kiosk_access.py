"""The kiosk everyone can use (issue 16): the voice-only path with the keypad alone, the on-screen keyboard
check-in with the server's reasons, the idle reset, the home screen's notices, the call for an administrator,
the life situations. Offscreen under pytest-qt, against a real server on a loopback port; the sound card is the
edge: the speech requests are recorded (kiosk_app/voice.py `SpeechRequest`)."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from kiosk_app import flow as flow_module
from kiosk_app.flow import Screen

from .server_thread import ServerThread
from .shots import shots_dir
from .test_kiosk import WAIT, printed, shot, start_kiosk, tap, wait_screen

K = Qt.Key


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    thread = ServerThread(tmp_path)
    yield thread
    thread.close()


def key(qtbot, window, *keys: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """Keys of the keypad below the screen, to whatever has the focus (as a real keyboard does)."""
    for pressed in keys:
        qtbot.keyClick(window.focusWidget() or window, pressed)


def spoken_after(qtbot, voice, count: int, contains: str) -> str:  # type: ignore[no-untyped-def]
    """The first thing said after the first `count` requests that contains `contains`."""
    qtbot.waitUntil(lambda: any(contains in r.text for r in voice.requests[count:]), timeout=WAIT)
    text: str = next(r.text for r in voice.requests[count:] if contains in r.text)
    return text


def labels(window, role: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.text() for w in window.findChildren(QLabel) if w.isVisible() and w.property("role") == role]


def book(server, start, service_id: str = "residence-register", phone: str = "+380501110000") -> str:  # type: ignore[no-untyped-def]
    body = json.dumps({"command_id": phone[1:] + start.strftime("%d%H%M"), "service_id": service_id,
                       "start": start.isoformat(), "phone": phone}).encode()
    request = urllib.request.Request(server.url + "/api/bookings", data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return str(json.loads(response.read())["booking"]["code"])


# -- 1. the voice-only path -------------------------------------------------------------------------------
def test_a_blind_visitor_takes_a_ticket_with_the_keypad_alone(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    """The accessible terminal from start to printed ticket with keys only; what is said at every step."""
    controller, window, voice = start_kiosk(qtbot, server, accessible=True)
    home = voice.requests[-1]
    assert home.lang == "uk" and home.volume == pytest.approx(0.65)
    assert home.text.startswith("Вітаємо у центрі надання адміністративних послуг. Оберіть категорію послуг.")
    assert "1 — Паспортні послуги. 2 — Реєстрація місця проживання. 3 — Далі. 4 — Маю попередній запис. " \
           "5 — Покликати адміністратора. 6 — English." in home.text, "every choice spoken with its number"
    assert "Нуль — довідка, зірочка — повторити." in home.text

    said = len(voice.requests)
    key(qtbot, window, K.Key_0)  # help: what the keys do
    assert spoken_after(qtbot, voice, said, "Клавіатура під екраном").endswith("у нижніх трьох чвертях екрана.")

    said = len(voice.requests)
    key(qtbot, window, K.Key_Down, K.Key_Down)  # spoken focus
    assert spoken_after(qtbot, voice, said, "2 — ") == "2 — Реєстрація місця проживання."
    assert window.focusWidget() is window.options[1]

    said = len(voice.requests)
    key(qtbot, window, K.Key_3)  # "Далі": the next page of categories is spoken too
    page_two = spoken_after(qtbot, voice, said, "1 — ")
    assert "1 — Реєстрація актів цивільного стану. 2 — Нерухоме майно. 3 — Попередні. 4 — Далі." in page_two

    said = len(voice.requests)
    key(qtbot, window, K.Key_1)  # civil registration
    wait_screen(qtbot, controller, Screen.SERVICES)
    services = spoken_after(qtbot, voice, said, "Оберіть послугу.")
    assert services.startswith("Реєстрація актів цивільного стану. Оберіть послугу. Сторінка 1 з 3.")
    assert ("1 — Державна реєстрація народження дитини. 2 — Подання заяви про державну реєстрацію шлюбу. "
            "3 — Назад. 4 — Далі.") in services

    said = len(voice.requests)
    key(qtbot, window, K.Key_Plus)  # louder (headphones)
    assert spoken_after(qtbot, voice, said, "Гучність") == "Гучність 80 відсотків."
    said = len(voice.requests)
    key(qtbot, window, K.Key_Asterisk)  # the screen again, louder
    qtbot.waitUntil(lambda: len(voice.requests) > said, timeout=WAIT)
    assert voice.requests[-1].text == services and voice.requests[-1].volume == pytest.approx(0.8)

    said = len(voice.requests)
    key(qtbot, window, K.Key_4)  # "Далі"
    paged = spoken_after(qtbot, voice, said, "Сторінка 2 з 3.")
    assert "1 — Державна реєстрація смерті." in paged, "paging is spoken"

    said = len(voice.requests)
    key(qtbot, window, K.Key_1)  # death registration
    wait_screen(qtbot, controller, Screen.CONFIRM)
    confirm = spoken_after(qtbot, voice, said, "Отримати талон")
    assert confirm.startswith("Державна реєстрація смерті. Перед вами нікого немає. Вікна цієї послуги ще не")
    assert "1 — Отримати талон. 2 — Позачергово. 3 — Назад." in confirm

    said = len(voice.requests)
    key(qtbot, window, K.Key_Down)
    assert spoken_after(qtbot, voice, said, "1 — ") == "1 — Отримати талон."
    key(qtbot, window, K.Key_Return)  # chooses the focused option
    wait_screen(qtbot, controller, Screen.DONE)
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=WAIT)
    done = spoken_after(qtbot, voice, said, "Ваш талон")
    # The board's words for the ticket: «це один», never «Ц 1» (espeak: «ц») or «Ц-001».
    assert done.startswith("Ваш талон це один. Заберіть талон із принтера під екраном")
    assert "Ц-001" in printed(controller)[0].text
    assert all(r.lang == "uk" for r in voice.requests)


def test_any_key_turns_the_voice_on_at_an_ordinary_kiosk(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    """A blind visitor cannot find the screen's accessible-mode button: the first keypad key is enough."""
    controller, window, voice = start_kiosk(qtbot, server)
    assert not controller.flow.accessible and not voice.requests, "an ordinary kiosk is silent"
    key(qtbot, window, K.Key_5)
    qtbot.waitUntil(lambda: controller.flow.accessible and bool(voice.requests), timeout=WAIT)
    assert "1 — Паспортні послуги." in voice.requests[-1].text
    assert controller.flow.screen is Screen.HOME, "the key only switched the voice on; it chose nothing"


def test_speech_on_first_touch_at_the_accessible_terminal(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    """What the terminal said to an empty hall is said again when a visitor first touches it."""
    controller, window, voice = start_kiosk(qtbot, server, accessible=True)
    said = len(voice.requests)
    qtbot.mouseClick(window, Qt.MouseButton.LeftButton)  # a touch on no button
    qtbot.waitUntil(lambda: len(voice.requests) > said, timeout=WAIT)
    assert voice.requests[-1].text.startswith("Вітаємо") and controller.flow.session is not None


# -- 4. check-in with the on-screen keyboard, and the server's reasons -----------------------------------------
def type_on_screen(qtbot, window, code: str) -> None:  # type: ignore[no-untyped-def]
    for character in code:
        tap(qtbot, window, f"key:{character}")


@pytest.mark.parametrize("lang", ["uk", "en"])
def test_check_in_on_the_on_screen_keyboard_and_the_servers_reasons(qtbot, server, lang) -> None:  # type: ignore[no-untyped-def]
    now = server.server.clock.now()
    on_time = book(server, now.replace(hour=10, minute=30))
    too_early = book(server, now.replace(hour=13, minute=0), phone="+380501110001")
    tomorrow = book(server, (now + timedelta(days=1)).replace(hour=10, minute=30), phone="+380501110002")
    controller, window, _voice = start_kiosk(qtbot, server)
    if lang == "en":
        tap(qtbot, window, "language")
    expected = {
        "uk": [("ZZZZZZZZ", "Запис із таким кодом не знайдено. Перевірте код."),
               (too_early, "Зареєструватися за записом можна з 12:00."),
               (tomorrow, f"Ваш запис на іншу дату: {(now + timedelta(days=1)).date().isoformat()}.")],
        "en": [("ZZZZZZZZ", "No booking with this code. Please check the code."),
               (too_early, "Check-in for this booking opens at 12:00."),
               (tomorrow, f"Your booking is for another date: {(now + timedelta(days=1)).date().isoformat()}.")],
    }[lang]
    tap(qtbot, window, "checkin")
    for code, reason in expected:
        wait_screen(qtbot, controller, Screen.CHECKIN)
        type_on_screen(qtbot, window, "Q")
        tap(qtbot, window, "key:backspace")  # a slip, taken back
        type_on_screen(qtbot, window, code)
        assert window.code_input.text() == code
        if code == too_early and lang == "uk":
            shot(window, "kiosk-checkin-keyboard.png")
        tap(qtbot, window, "checkin_submit")
        wait_screen(qtbot, controller, Screen.REFUSED)
        assert labels(window, "reason") == [reason], "the server's reason, once, in the kiosk's language"
        title = "Зареєструватися за записом не вдалося" if lang == "uk" else "Check-in did not succeed"
        visible = [w.text() for w in window.findChildren(QLabel) if w.isVisible() and w.objectName() == "title"]
        assert visible == [title]
        if code == too_early and lang == "uk":
            shot(window, "kiosk-checkin-refused.png")
        tap(qtbot, window, "checkin_again")
    wait_screen(qtbot, controller, Screen.CHECKIN)
    type_on_screen(qtbot, window, on_time)
    tap(qtbot, window, "checkin_submit")
    wait_screen(qtbot, controller, Screen.DONE)
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=WAIT)
    assert controller.flow.ticket["booked_for"].startswith(now.date().isoformat())
    assert len(server.state().visits) == 1


def test_check_in_refusal_is_spoken_once(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, voice = start_kiosk(qtbot, server, accessible=True)
    tap(qtbot, window, "checkin")
    wait_screen(qtbot, controller, Screen.CHECKIN)
    assert "Введіть код запису з повідомлення" in voice.requests[-1].text
    said = len(voice.requests)
    type_on_screen(qtbot, window, "Z")
    assert spoken_after(qtbot, voice, said, "Z") == "Z", "each key typed is said"
    type_on_screen(qtbot, window, "ZZZZZZZ")
    tap(qtbot, window, "checkin_submit")
    wait_screen(qtbot, controller, Screen.REFUSED)
    text = voice.requests[-1].text
    assert text.startswith("Зареєструватися за записом не вдалося. Запис із таким кодом не знайдено. Перевірте код.")
    assert text.count("не знайдено") == 1 and "Талон на цю послугу" not in text


# -- 5. the idle reset, and "more time?" -----------------------------------------------------------------------
def test_idle_reset_returns_to_ukrainian_and_standard_mode(qtbot, server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(flow_module, "NORMAL_TIMEOUT", 4)  # "more time?" after 2 s, home 2 s later
    monkeypatch.setattr(flow_module, "ACCESSIBLE_TIMEOUT", 4)
    controller, window, voice = start_kiosk(qtbot, server)
    tap(qtbot, window, "language")
    tap(qtbot, window, "accessible")
    qtbot.waitUntil(lambda: controller.flow.lang == "en" and controller.flow.accessible, timeout=WAIT)
    tap(qtbot, window, "category:passports")
    tap(qtbot, window, "service:id-card")
    wait_screen(qtbot, controller, Screen.CONFIRM)
    tap(qtbot, window, "take_ticket")
    wait_screen(qtbot, controller, Screen.DONE)
    assert controller.flow.ticket["ticket"] == "П-001"
    # Nobody touches it: first the question, spoken too ...
    qtbot.waitUntil(lambda: controller.flow.more_time_asked, timeout=WAIT)
    assert "more_time" in window.buttons()
    assert voice.requests[-1].text.startswith("Do you need more time?")
    assert voice.requests[-1].lang == "en"
    shot(window, "kiosk-more-time.png")
    tap(qtbot, window, "more_time")  # ... one touch gives the visitor the time again
    qtbot.waitUntil(lambda: not controller.flow.more_time_asked, timeout=WAIT)
    assert controller.flow.screen is Screen.DONE
    # ... then, still untouched, the kiosk is back home for the next visitor: Ukrainian, standard mode.
    qtbot.waitUntil(lambda: controller.flow.screen is Screen.HOME, timeout=15_000)
    assert controller.flow.lang == "uk" and not controller.flow.accessible
    qtbot.waitUntil(lambda: window.buttons()["category:passports"].caption.text() == "Паспортні послуги",
                    timeout=WAIT)
    assert window.buttons()["language"].caption.text() == "English"


# -- 6. the home screen's notices ---------------------------------------------------------------------------
def notice(window) -> str:  # type: ignore[no-untyped-def]
    texts = labels(window, "notice")
    return texts[0] if texts else ""


def test_home_screen_says_first_what_holds_for_everyone(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, voice = start_kiosk(qtbot, server, accessible=False)
    assert notice(window) == "", "a normal Tuesday: nothing to say"
    server.supervisor("hall_pause", reason="air_raid")
    controller.refresh_hall()  # what its timer does every 15 s
    qtbot.waitUntil(lambda: "Повітряна тривога" in notice(window), timeout=WAIT)
    shot(window, "kiosk-home-air-raid.png")
    server.supervisor("hall_resume")
    server.supervisor("service_close", service_id="birth", reason="registry_offline")
    controller.refresh_hall()
    qtbot.waitUntil(lambda: "Державна реєстрація народження дитини — сьогодні вже не надається" in notice(window),
                    timeout=WAIT)
    assert f"Записатися заздалегідь: {server.url}/book" in notice(window)
    server.supervisor("service_reopen", service_id="birth")
    server.server.clock.set(server.server.clock.now() + timedelta(days=1))  # Wednesday: desk 16 is away
    controller.refresh_hall()
    qtbot.waitUntil(lambda: "Сьогодні не надаються:" in notice(window), timeout=WAIT)
    assert "Реєстрація (перереєстрація) транспортного засобу — надається: вт, чт, сб" in notice(window)
    shot(window, "kiosk-home-not-today.png")
    # The service's own button says it too, and choosing it explains (no two taps to learn it).
    tap(qtbot, window, "category:transport")
    qtbot.waitUntil(lambda: "service:vehicle-registration" in window.buttons(), timeout=WAIT)
    assert "надається: вт, чт, сб" in window.buttons()["service:vehicle-registration"].caption.text()
    tap(qtbot, window, "back")
    tap(qtbot, window, "accessible")
    qtbot.waitUntil(lambda: controller.flow.accessible and bool(voice.requests), timeout=WAIT)
    spoken = voice.requests[-1].text
    assert "Сьогодні не надаються: Реєстрація (перереєстрація) транспортного засобу" in spoken, "spoken first"
    server.server.clock.set(server.server.clock.now() + timedelta(hours=8))  # 18:00 on a Wednesday
    controller.refresh_hall()
    qtbot.waitUntil(lambda: "ЦНАП зараз зачинений" in notice(window), timeout=WAIT)


# -- 3. calling an administrator --------------------------------------------------------------------------
def test_call_an_administrator_from_the_kiosk(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    from queue_server.api.state import APP_STATE

    controller, window, voice = start_kiosk(qtbot, server, accessible=True)
    tap(qtbot, window, "call_help")
    qtbot.waitUntil(lambda: controller.flow.help_called == "called", timeout=WAIT)
    assert labels(window, "help") == ["Адміністратора покликано — залишайтеся тут, до вас підійдуть"]
    assert voice.requests[-1].text.startswith("Адміністратора покликано. Залишайтеся біля кіоску")
    shot(window, "kiosk-accessible-help-called.png")
    alerts = server.server.app[APP_STATE].help_calls.alerts()
    assert [(a["kind"], a["kiosk"], a["accessible"]) for a in alerts] == [("help_call", "kiosk-1", True)]
    tap(qtbot, window, "call_help")  # pressed again: the same call, no second alert
    qtbot.waitUntil(lambda: controller.flow.help_called == "already", timeout=WAIT)
    assert len(server.server.app[APP_STATE].help_calls.alerts()) == 1


# -- 7. life situations -----------------------------------------------------------------------------------
def test_life_situations_give_one_ticket_for_their_services(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, _voice = start_kiosk(qtbot, server)
    tap(qtbot, window, "category:life-situations")
    wait_screen(qtbot, controller, Screen.SERVICES)
    assert {"bundle:birth-of-child", "bundle:internally-displaced"} <= set(window.buttons())
    assert window.buttons()["bundle:birth-of-child"].caption.text() == "Народження дитини"
    shot(window, "kiosk-life-situations.png")
    tap(qtbot, window, "bundle:birth-of-child")
    wait_screen(qtbot, controller, Screen.CONFIRM)
    shown = [w.text() for w in window.findChildren(QLabel) if w.isVisible()]
    assert "Народження дитини" in shown
    assert any(t.startswith("Один талон на всі послуги: Державна реєстрація народження") for t in shown), shown
    tap(qtbot, window, "take_ticket")
    wait_screen(qtbot, controller, Screen.DONE)
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=WAIT)
    ticket: dict[str, Any] = controller.flow.ticket
    visit = next(v for v in server.state().visits.values() if v.ticket == ticket["ticket"])
    assert visit.service_id == "birth" and visit.pending_services == ["residence-child", "birth-aid"]
    assert ticket["ticket"].startswith("Ц-")


async def test_help_call_reaches_the_dashboard_until_a_supervisor_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The kiosk's call (its own REST client) is an alert on the supervisor's dashboard page, live, until
    «Іду» is pressed; a second press is the same call, and a new one within a minute is refused."""
    import asyncio

    from playwright.async_api import expect

    from kiosk_app.api import KioskApi, Refused

    from .browser import chromium
    from .support import running_server
    from .test_dashboard import sign_in

    async with running_server(tmp_path) as server, chromium() as browser:
        kiosk = KioskApi(server.url, await server.device_token(name="kiosk-2"))
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(server.url + "/dashboard")
        await sign_in(page, "supervisor", "super-demo")
        await expect(page.locator("#alerts li").first).to_be_visible()
        assert await page.locator("#alerts [data-kind=help_call]").count() == 0
        first = await asyncio.to_thread(kiosk.call_help, "en", True)
        assert first["already"] is False
        alert = page.locator("#alerts [data-kind=help_call]")
        # Live: the page was open before the call and is not reloaded.
        await expect(alert).to_contain_text("Кіоск kiosk-2: відвідувач кличе адміністратора (з 10:00, доступний режим)")
        again = await asyncio.to_thread(kiosk.call_help, "en", True)
        assert again["already"] is True and again["called_at"] == first["called_at"]
        await expect(alert).to_have_count(1)
        await page.locator("#alerts").screenshot(path=shots_dir() / "dashboard-help-call.png")
        await alert.get_by_role("button", name="Іду").click()
        await expect(alert).to_have_count(0)
        with pytest.raises(Refused) as refused:
            await asyncio.to_thread(kiosk.call_help, "uk", False)
        assert refused.value.code == "help_call_too_soon"
        assert refused.value.error["message"]["uk"].startswith("Адміністратора щойно покликали")


# -- 2. the focus ring, computed from the styles ----------------------------------------------------------
def _rules(style: str) -> dict[str, dict[str, str]]:
    import re

    out: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", style):
        props = dict(p.split(":", 1) for p in body.split(";") if ":" in p)
        out.setdefault(selector.strip(), {}).update({k.strip(): v.strip() for k, v in props.items()})
    return out


def _colour(value: str) -> str:
    import re

    found = re.search(r"#[0-9a-fA-F]{6}", value)
    assert found, value
    return found[0]


def _contrast(one: str, other: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("accessible", [False, True])
def test_the_focus_ring_stands_out_from_the_page_and_the_control(accessible: bool) -> None:
    """WCAG 1.4.11 / 2.4.7: the focused control's ring ≥ 3:1 against the page and the control's focused fill;
    its caption ≥ 4.5:1 on that fill; every pair computed from the kiosk's own style sheets."""
    from kiosk_app.styles import ACCESSIBLE_STYLE, NORMAL_STYLE

    rules = _rules(ACCESSIBLE_STYLE if accessible else NORMAL_STYLE)
    page = _colour(rules["QWidget#kiosk"]["background"])
    base_focus = rules["QPushButton:focus"]
    for kind in ("QPushButton", "QPushButton#secondary", "QPushButton#key"):
        focused = {**base_focus, **rules.get(f"{kind}:focus", {})}
        ring = _colour(focused.get("border-color") or focused["border"])
        fill = _colour(focused.get("background") or rules[kind]["background"])
        caption = rules.get('QLabel[focused="true"]', {}).get("color") or rules.get(f"{kind} QLabel", {}).get(
            "color") or rules["QPushButton QLabel"]["color"]
        assert _contrast(ring, page) >= 3, (kind, ring, page)
        assert _contrast(ring, fill) >= 3, (kind, ring, fill)
        assert _contrast(_colour(caption), fill) >= 4.5, (kind, caption, fill)
