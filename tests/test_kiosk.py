"""The kiosk, offscreen under pytest-qt, against a real server on loopback, printing through printers/."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from PySide6.QtCore import QPoint, QSize, Qt
from PySide6.QtWidgets import QLabel

from kiosk_app import flow as flow_module
from kiosk_app.app import build
from kiosk_app.flow import Screen
from kiosk_app.spoken import speakable
from kiosk_app.views import LOW_REACH_TOP
from kiosk_app.voice import SpeechRequest, VoiceGuide
from printers.profiles import BUILT_IN

from .escpos_reader import read
from .server_thread import ServerThread
from .shots import shots_dir
from .test_printers import LoopbackPrinter

SHOTS = shots_dir()
WAIT = 10_000
EPSON = {46: "cp1251"}


class RecordingVoice:
    """The sound card is the edge of the machine: record what would be spoken."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []
        self.requests: list[SpeechRequest] = []

    def __call__(self, request: SpeechRequest) -> None:
        self.said.append((request.text, request.lang))
        self.requests.append(request)


@pytest.fixture
def server(tmp_path):  # type: ignore[no-untyped-def]
    thread = ServerThread(tmp_path)
    yield thread
    thread.close()


def start_kiosk(qtbot, server: ServerThread, **options):  # type: ignore[no-untyped-def]
    voice = RecordingVoice()
    controller, window = build(server.url, server.token(), voice=VoiceGuide(voice), **options)
    qtbot.addWidget(window)
    window.show()
    controller.start()
    qtbot.waitUntil(lambda: controller.flow.screen is Screen.HOME, timeout=WAIT)
    return controller, window, voice


def tap(qtbot, window, action: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: action in window.buttons(), timeout=WAIT)
    qtbot.mouseClick(window.buttons()[action], Qt.MouseButton.LeftButton)


def wait_screen(qtbot, controller, screen: Screen) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: controller.flow.screen is screen, timeout=WAIT)


def shot(window, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / name))


def printed(controller) -> list:  # type: ignore[no-untyped-def, type-arg]
    return [read(job, EPSON) for job in controller.printer.jobs]


def test_take_a_ticket_in_ukrainian_and_english(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, _voice = start_kiosk(qtbot, server)
    shot(window, "kiosk-home-uk.png")
    tap(qtbot, window, "category:social")
    wait_screen(qtbot, controller, Screen.SERVICES)
    assert "more" in window.buttons(), "seven services page by six"
    shot(window, "kiosk-services-uk.png")
    tap(qtbot, window, "more")
    qtbot.waitUntil(lambda: "service:defender-family-status" in window.buttons(), timeout=WAIT)
    tap(qtbot, window, "previous")
    tap(qtbot, window, "service:subsidy")
    wait_screen(qtbot, controller, Screen.CONFIRM)
    assert controller.flow.service()["waiting"] == 0
    shot(window, "kiosk-confirm-uk.png")
    tap(qtbot, window, "take_ticket")
    wait_screen(qtbot, controller, Screen.DONE)
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1 and controller.flow.print_error is None, timeout=WAIT)
    ticket = controller.flow.ticket
    assert ticket["ticket"] == "С-001"
    paper = printed(controller)[0]
    assert "С-001" in paper.text and "Призначення житлової субсидії" in paper.text
    assert paper.qr_payloads == [server.url + ticket["feedback_url"]]
    shot(window, "kiosk-done-uk.png")
    tap(qtbot, window, "home")
    tap(qtbot, window, "language")
    qtbot.waitUntil(lambda: "category:passports" in window.buttons()
                    and window.buttons()["category:passports"].caption.text() == "Passports", timeout=WAIT)
    shot(window, "kiosk-home-en.png")
    tap(qtbot, window, "category:passports")
    tap(qtbot, window, "service:id-card")
    wait_screen(qtbot, controller, Screen.CONFIRM)
    assert controller.flow.service()["waiting"] == 0
    shot(window, "kiosk-confirm-en.png")
    tap(qtbot, window, "priority:disability")
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 2, timeout=WAIT)
    english = printed(controller)[1]
    assert "Your ticket" in english.text and "PRIORITY: Person with a group I–II disability" in english.text
    visit = next(v for v in server.state().visits.values() if v.ticket == controller.flow.ticket["ticket"])
    assert visit.priority == 2 and visit.priority_category == "disability"


def test_refusal_reasons(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, _voice = start_kiosk(qtbot, server)
    cases = [
        (lambda: server.supervisor("hall_pause", reason="air_raid"), "passports", "id-card", "Повітряна тривога"),
        (lambda: server.supervisor("hall_resume"), None, None, None),
        (lambda: server.supervisor("service_close", service_id="birth", reason="registry_offline"), "civil", "birth",
         "Послуга сьогодні більше не надається"),
        (lambda: server.server.clock.set(server.server.clock.now() + timedelta(days=1)), "transport",
         "vehicle-registration", "Сьогодні цю послугу ніхто не надає"),  # Wednesday: desk 16 is away
        (lambda: server.server.clock.set(server.server.clock.now() + timedelta(hours=8)), "passports", "id-card",
         "ЦНАП зараз зачинений"),
    ]
    for change, category, service, reason in cases:
        change()
        if category is None:
            continue
        tap(qtbot, window, f"category:{category}")
        tap(qtbot, window, f"service:{service}")
        wait_screen(qtbot, controller, Screen.REFUSED)
        label = next(w for w in window.findChildren(QLabel) if w.isVisible() and w.property("role") == "reason")
        assert reason in label.text(), (reason, label.text())
        if category == "passports" and "тривога" in reason:
            shot(window, "kiosk-refused-air-raid.png")
        tap(qtbot, window, "home")
    assert len(server.state().visits) == 0


def test_network_drop_during_issue_makes_one_ticket(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, _voice = start_kiosk(qtbot, server)
    tap(qtbot, window, "category:residence")
    tap(qtbot, window, "service:residence-register")
    wait_screen(qtbot, controller, Screen.CONFIRM)
    server.stop()
    tap(qtbot, window, "take_ticket")
    wait_screen(qtbot, controller, Screen.OFFLINE)
    shot(window, "kiosk-offline.png")
    server.start()
    qtbot.waitUntil(lambda: controller.flow.screen is Screen.DONE, timeout=20_000)
    assert controller.flow.ticket["ticket"] == "Р-001"
    assert [v.ticket for v in server.state().visits.values()] == ["Р-001"], "one ticket, not two"


def test_print_failure_is_shown_and_retried_without_a_second_ticket(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller, window, _voice = start_kiosk(qtbot, server, printer=f"network:127.0.0.1:{port}")
    tap(qtbot, window, "category:passports")
    tap(qtbot, window, "service:passport-issue")
    tap(qtbot, window, "take_ticket")
    qtbot.waitUntil(lambda: controller.flow.print_error == "printer_offline", timeout=WAIT)
    assert "retry_print" in window.buttons()
    shot(window, "kiosk-print-failed.png")
    listener = LoopbackPrinter.on_port(port)
    tap(qtbot, window, "retry_print")
    assert listener.done.wait(10)
    qtbot.waitUntil(lambda: controller.flow.print_error is None and "retry_print" not in window.buttons(),
                    timeout=WAIT)
    paper = read(bytes(listener.received).replace(b"\x10\x04\x01", b"").replace(b"\x10\x04\x02", b"")
                 .replace(b"\x10\x04\x04", b""), EPSON)
    assert controller.flow.ticket["ticket"] in paper.text
    assert len(server.state().visits) == 1


def test_accessible_terminal_speaks_and_logs_its_use(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, voice = start_kiosk(qtbot, server, accessible=True)
    assert controller.flow.accessible and "repeat_voice" in window.buttons()
    assert "more" in window.buttons() and "category:passports" in window.buttons()
    assert len([b for b in window.buttons() if b.startswith("category:")]) == 2, "large print: two a page (landscape)"
    assert voice.said and voice.said[-1][0].startswith("Вітаємо"), "every screen is spoken"
    shot(window, "kiosk-accessible-home.png")
    tap(qtbot, window, "repeat_voice")
    qtbot.waitUntil(lambda: len(voice.said) >= 2 and voice.said[-1] == voice.said[-2], timeout=WAIT)
    tap(qtbot, window, "category:passports")
    tap(qtbot, window, "service:id-card")
    wait_screen(qtbot, controller, Screen.CONFIRM)
    assert voice.said[-1][0].startswith("Оформлення паспорта громадянина України у формі ID-картки. Перед вами нікого")
    shot(window, "kiosk-accessible-confirm.png")
    tap(qtbot, window, "take_ticket")
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: voice.said[-1][0].startswith("Ваш талон пе один. Заберіть талон із принтера"),
                    timeout=WAIT)
    shot(window, "kiosk-accessible-done.png")

    def logged() -> list:  # type: ignore[type-arg]
        return server.run(server.server.store.call(lambda db: [
            row[0] for row in db.execute("SELECT payload FROM events WHERE type = 'accessible_session_logged'")]))

    qtbot.waitUntil(lambda: len(logged()) == 1, timeout=WAIT)
    import json

    record = json.loads(logged()[0])
    assert record["outcome"] == "ticket" and record["steps"] >= 3 and record["terminal"] == "kiosk-1"
    assert {"voice", "repeat_voice", "large_print", "high_contrast", "low_reach"} <= set(record["features"])


def test_accessible_mode_on_an_ordinary_kiosk_and_timeouts(qtbot, server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(flow_module, "NORMAL_TIMEOUT", 1)
    controller, window, voice = start_kiosk(qtbot, server)
    tap(qtbot, window, "category:land")
    wait_screen(qtbot, controller, Screen.SERVICES)
    qtbot.waitUntil(lambda: controller.flow.screen is Screen.HOME, timeout=5000)  # nobody touched it
    tap(qtbot, window, "accessible")
    qtbot.waitUntil(lambda: controller.flow.accessible, timeout=WAIT)
    assert voice.said, "the accessible mode speaks as soon as it is switched on"
    tap(qtbot, window, "accessible")  # switched off again: the short use is logged as abandoned
    qtbot.waitUntil(lambda: not controller.flow.accessible, timeout=WAIT)

    def outcomes() -> list:  # type: ignore[type-arg]
        import json

        return server.run(server.server.store.call(lambda db: [
            json.loads(row[0])["outcome"] for row in
            db.execute("SELECT payload FROM events WHERE type = 'accessible_session_logged'")]))

    qtbot.waitUntil(lambda: outcomes() == ["abandoned"], timeout=WAIT)


def test_check_in_by_code_and_by_scanner(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    import json
    import urllib.request

    start = server.server.clock.now().replace(hour=10, minute=30)
    codes = []
    for phone in ("+380501110000", "+380501110001"):
        body = json.dumps({"command_id": phone[1:] + "xx", "service_id": "residence-register",
                           "start": start.isoformat(), "phone": phone}).encode()
        request = urllib.request.Request(server.url + "/api/bookings", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            codes.append(json.loads(response.read())["booking"]["code"])
        start += timedelta(minutes=15)
    controller, window, _voice = start_kiosk(qtbot, server)
    tap(qtbot, window, "checkin")
    wait_screen(qtbot, controller, Screen.CHECKIN)
    qtbot.keyClicks(window.code_input, codes[0].lower())
    shot(window, "kiosk-checkin.png")
    tap(qtbot, window, "checkin_submit")
    wait_screen(qtbot, controller, Screen.DONE)
    assert controller.flow.ticket["booked_for"].startswith(start.date().isoformat())
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=WAIT)
    assert "ЗА ПОПЕРЕДНІМ ЗАПИСОМ НА 10:30" in printed(controller)[0].text
    tap(qtbot, window, "home")
    tap(qtbot, window, "checkin")
    wait_screen(qtbot, controller, Screen.CHECKIN)
    # A keyboard-wedge scanner "types" the QR's link and Enter.
    qtbot.keyClicks(window.code_input, f"http://cnap.example/b/{codes[1]}")
    qtbot.keyClick(window.code_input, Qt.Key.Key_Return)
    wait_screen(qtbot, controller, Screen.DONE)
    tap(qtbot, window, "home")
    tap(qtbot, window, "checkin")
    qtbot.keyClicks(window.code_input, codes[0])
    tap(qtbot, window, "checkin_submit")
    wait_screen(qtbot, controller, Screen.REFUSED)
    assert controller.flow.refusal == "booking_closed"


def test_information_card_on_screen_and_printed(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    controller, window, _voice = start_kiosk(qtbot, server)
    tap(qtbot, window, "category:passports")
    tap(qtbot, window, "service:id-card")
    tap(qtbot, window, "info")
    wait_screen(qtbot, controller, Screen.INFO)
    shot(window, "kiosk-info.png")
    tap(qtbot, window, "print_card")
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=WAIT)
    card = printed(controller)[0]
    assert "Необхідні документи:" in card.text and "20 робочих днів" in card.text
    # The hall's clock (the server's, a test date far from today), not the kiosk PC's clock or time zone.
    assert f"Надруковано {server.server.clock.now():%d.%m.%Y %H:%M}" in card.text
    assert len(server.state().visits) == 0, "an information card is not a ticket"


def test_kiosk_catalogue_has_both_languages() -> None:
    from kiosk_app.app import CATALOGUE
    from texts import Catalogue

    catalogue = Catalogue(CATALOGUE)
    assert catalogue.keys("uk") == catalogue.keys("en")
    assert BUILT_IN["epson-80"].codepage_slot == 46


LANDSCAPE, PORTRAIT = QSize(1280, 1024), QSize(1080, 1920)  # a 19-inch 5:4 kiosk; a 32-inch 9:16 stand


def tap_paged(qtbot, window, action: str) -> None:  # type: ignore[no-untyped-def]
    """Tap a choice, turning pages ("more") until it is shown (large print shows a few a page)."""
    for _ in range(10):
        if action in window.buttons():
            break
        tap(qtbot, window, "more")
    tap(qtbot, window, action)


@pytest.mark.parametrize(("lang", "accessible", "size"), [
    ("uk", False, LANDSCAPE), ("en", False, LANDSCAPE), ("uk", True, LANDSCAPE), ("en", True, LANDSCAPE),
    ("uk", False, PORTRAIT), ("uk", True, PORTRAIT), ("en", True, PORTRAIT)],
    ids=["uk-landscape", "en-landscape", "uk-accessible-landscape", "en-accessible-landscape", "uk-portrait",
         "uk-accessible-portrait", "en-accessible-portrait"])
def test_screen_tour_fits_the_screen(qtbot, server, lang, accessible, size) -> None:  # type: ignore[no-untyped-def]
    """Every screen in both languages, normal and accessible, landscape and portrait: screenshots, nothing
    clipped, voice everywhere, and in accessible mode no control in the top quarter (low reach)."""
    controller, window, voice = start_kiosk(qtbot, server, accessible=accessible, size=size)
    if lang == "en":
        tap(qtbot, window, "language")
        qtbot.waitUntil(lambda: controller.flow.lang == "en", timeout=WAIT)
    folder = SHOTS / "kiosk-tour"
    folder.mkdir(parents=True, exist_ok=True)
    orientation = "portrait" if size == PORTRAIT else "landscape"
    name = f"{lang}-{'accessible' if accessible else 'normal'}-{orientation}"

    def check(screen: str) -> None:
        assert (window.width(), window.height()) == (size.width(), size.height()), (screen, window.size())
        for action, button in window.buttons().items():
            caption = button.caption
            needed = caption.heightForWidth(caption.width())
            assert needed <= caption.height() + 1, (screen, action, "clipped text", needed, caption.height())
            assert button.geometry().bottom() <= window.height(), (screen, action, "below the screen")
            if accessible:
                top = button.mapTo(window, QPoint(0, 0)).y()
                assert top >= window.height() * LOW_REACH_TOP, (screen, action, "out of low reach", top)
            # A screen reader says what the eye reads, never an internal id like `category:passports`.
            assert button.accessibleName() == speakable(caption.text()) != action, (screen, action)
        if accessible:
            assert voice.said and voice.said[-1][1] == lang, (screen, "not spoken")
            assert len(window.options) <= 9, (screen, "the keypad's digits reach every numbered option")
        # Half size: enough to review the tour, a quarter of the bytes in the repository.
        window.grab().scaledToWidth(size.width() // 2, Qt.TransformationMode.SmoothTransformation).save(
            str(folder / f"{name}-{screen}.png"))

    check("home")
    tap_paged(qtbot, window, "category:civil")
    wait_screen(qtbot, controller, Screen.SERVICES)
    check("services")
    tap_paged(qtbot, window, "service:death")
    wait_screen(qtbot, controller, Screen.CONFIRM)
    check("confirm")
    tap(qtbot, window, "take_ticket")
    wait_screen(qtbot, controller, Screen.DONE)
    qtbot.waitUntil(lambda: len(controller.printer.jobs) == 1, timeout=WAIT)
    check("done")
    tap(qtbot, window, "home")
    tap(qtbot, window, "checkin")
    wait_screen(qtbot, controller, Screen.CHECKIN)
    check("checkin")
    tap(qtbot, window, "back")
    server.supervisor("hall_pause", reason="air_raid")
    controller.refresh_hall()
    qtbot.waitUntil(lambda: controller.flow.hall.get("paused") is True, timeout=WAIT)
    check("home-paused")
    tap_paged(qtbot, window, "category:passports")
    wait_screen(qtbot, controller, Screen.SERVICES)
    tap(qtbot, window, "service:id-card")
    wait_screen(qtbot, controller, Screen.REFUSED)
    check("refused")
    server.supervisor("hall_resume")
    tap(qtbot, window, "home")
    tap_paged(qtbot, window, "category:passports")
    tap(qtbot, window, "service:id-card")
    tap(qtbot, window, "info")
    wait_screen(qtbot, controller, Screen.INFO)
    check("info")


def test_daily_limit_is_a_refusal_reason(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    token = server.token(name="kiosk-2")
    for _ in range(120):  # the demo hall's daily limit for passports for travel abroad
        assert "ticket" in server.issue(token, "passport-foreign")
    controller, window, _voice = start_kiosk(qtbot, server)
    tap(qtbot, window, "category:passports")
    tap(qtbot, window, "service:passport-foreign")
    wait_screen(qtbot, controller, Screen.REFUSED)
    assert controller.flow.refusal == "daily_limit_reached"
    assert "Денний ліміт" in controller.reason_text(controller.flow.refusal)


def test_paper_running_low_reaches_the_dashboard(qtbot, server) -> None:  # type: ignore[no-untyped-def]
    """The ticket prints, the printer's DLE EOT 4 says the roll is nearly out: the kiosk's heartbeat says so."""
    from .test_printers import FakeSerialPrinter

    fake = FakeSerialPrinter(paper_byte=0x1E)  # roll paper near-end bits set, paper still in
    try:
        controller, window, _voice = start_kiosk(qtbot, server, printer=f"serial:{fake.device}")
        tap(qtbot, window, "category:passports")
        tap(qtbot, window, "service:id-card")
        tap(qtbot, window, "take_ticket")
        qtbot.waitUntil(lambda: server.server.service.devices.get("kiosk-1", (0, None))[1]
                        == "printer_paper_near_end", timeout=WAIT)
        assert controller.flow.print_error is None, "printed: a warning, not a failure"
    finally:
        fake.close()
