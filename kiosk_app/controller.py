"""What a touch sets in motion: server calls and printing on a worker thread, results back on Qt's.

Issuing is idempotent: one command id per "take a ticket", reused by every retry, so a network drop in
the middle of issuing never makes two tickets. A failed print keeps the issued ticket and offers to print
it again.
"""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from printers.escpos_render import render_escpos
from printers.layout import InfoCardContent, TicketContent, info_card_blocks, ticket_blocks
from printers.transport import PrintError, PrinterStatus, TicketPrinter
from texts import Catalogue

from .api import KioskApi, Offline, Refused
from .flow import KioskFlow, Screen
from .spoken import ScreenSpeech
from .voice import VoiceGuide

HEARTBEAT_SECONDS = 60
HOME_REFRESH_SECONDS = 15  # an air-raid pause reaches the idle home screen within this
RETRY_SECONDS = (1, 2, 3, 5, 5, 5, 10, 10, 10, 10, 10, 10, 10, 10, 10)  # about two minutes in all


class KioskController(QObject):
    changed = Signal()
    _then = Signal(object)  # a continuation to run on the Qt thread

    def __init__(self, flow: KioskFlow, catalogue: Catalogue, api: KioskApi, printer: TicketPrinter,
                 voice: VoiceGuide, clock: Callable[[], datetime] = lambda: datetime.now().astimezone()) -> None:
        super().__init__()
        self.flow, self.catalogue, self.api, self.printer, self.voice = flow, catalogue, api, printer, voice
        self.clock = clock
        self._hall_time: tuple[datetime, float] | None = None  # the server's `now` and when it came
        self.worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kiosk")
        self._then.connect(lambda continuation: continuation())
        self.speech = ScreenSpeech(flow, catalogue)
        # Inactivity: first "more time?" (spoken too), then back home for the next visitor.
        self.idle = QTimer(self)
        self.idle.setSingleShot(True)
        self.idle.timeout.connect(self._ask_more_time)
        self.grace = QTimer(self)
        self.grace.setSingleShot(True)
        self.grace.timeout.connect(self._idle_timeout)
        # Alive, and how the printer is: the supervisor's dashboard raises an alert when either fails.
        self.printer_problem: str | None = None
        self.pulse = QTimer(self)
        self.pulse.timeout.connect(self.heartbeat)
        self.pulse.start(HEARTBEAT_SECONDS * 1000)
        self.home_refresh = QTimer(self)
        self.home_refresh.timeout.connect(self.refresh_hall)
        self.home_refresh.start(HOME_REFRESH_SECONDS * 1000)

    # -- plumbing ---------------------------------------------------------------------------------
    def _in_worker(self, job: Callable[[], Any], done: Callable[[Any], None],
                   failed: Callable[[Exception], None]) -> None:
        def run() -> None:
            try:
                result = job()
            except Exception as exc:  # handed to `failed` on the Qt thread
                self._then.emit(lambda error=exc: failed(error))
            else:
                self._then.emit(lambda: done(result))

        self.worker.submit(run)

    def _updating(self, change: Callable[[], None]) -> Callable[[Any], None]:
        """A `done` callback: apply a change to the flow (ignoring the job's result), then redraw."""
        def done(_result: Any) -> None:
            change()
            self._update()

        return done

    def _update(self) -> None:
        """Redraw; the window then has the screen spoken (`announce`) with the options it drew."""
        self._flush_sessions()
        self.changed.emit()

    def announce(self, options: list[str]) -> None:
        """The screen just drawn, spoken in accessible mode: what it says, then its options by number."""
        if self.flow.accessible:
            self.voice.say(self.speech.screen(options), self.flow.lang)

    def say(self, text: str) -> None:
        """A short answer to a key (the focused option, the volume) in accessible mode."""
        if self.flow.accessible:
            self.voice.say(text, self.flow.lang)

    def touched(self) -> None:
        """Any touch or key: restarts the inactivity timer; the first one of a visitor at an accessible
        kiosk has the home screen spoken again (what was said to an empty hall was heard by nobody)."""
        arriving = self.flow.accessible and self.flow.session is None and self.flow.screen is Screen.HOME
        self.flow.touched(self.clock())
        self.idle.start((self.flow.timeout_seconds - self.flow.warning_seconds) * 1000)
        self.grace.stop()
        if self.flow.more_time_asked:
            self.flow.more_time_asked = False
            QTimer.singleShot(0, self._update)  # not inside the touch's own event: its widget stays alive
        elif arriving:
            QTimer.singleShot(0, self._update)

    def _ask_more_time(self) -> None:
        if self.flow.screen in (Screen.HOME, Screen.OFFLINE, Screen.PRINTING):
            return
        self.flow.more_time_asked = True
        self.grace.start(max(1, self.flow.warning_seconds) * 1000)
        self._update()

    def _idle_timeout(self) -> None:
        if self.flow.screen not in (Screen.OFFLINE, Screen.PRINTING):
            self.flow.timed_out(self.clock())
            self._update()

    def louder(self, steps: int) -> None:
        volume = self.voice.louder(steps)
        self.say(self.catalogue.t("voice_volume", count=round(volume * 100)))

    def call_help(self) -> None:
        """A visitor asks for an administrator: the dashboard shows it until a supervisor answers."""
        lang, accessible = self.flow.lang, self.flow.accessible

        def done(result: dict[str, Any]) -> None:
            self.flow.help_called = "already" if result.get("already") else "called"
            self._update()

        def failed(exc: Exception) -> None:
            self.flow.help_called = "already" if isinstance(exc, Refused) else "failed"
            self._update()

        self._in_worker(lambda: self.api.call_help(lang, accessible), done, failed)

    def heartbeat(self) -> None:
        problem = self.printer_problem
        self._in_worker(lambda: self.api.heartbeat(problem), lambda _result: None, lambda _exc: None)

    # -- the hall ---------------------------------------------------------------------------------
    def start(self, attempt: int = 0) -> None:
        def failed(exc: Exception) -> None:
            self.flow.offline()
            self.changed.emit()
            QTimer.singleShot(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)] * 1000,
                              lambda: self.start(attempt + 1))

        def loaded(hall: dict[str, Any]) -> None:
            self.flow.loaded(hall)
            self._update()

        self._in_worker(self._fetch_hall, loaded, failed)
        self.heartbeat()

    # -- touches ----------------------------------------------------------------------------------
    def choose_category(self, category_id: str) -> None:
        self.flow.choose_category(category_id)
        self._update()

    def choose_service(self, service_id: str) -> None:
        """Fresh figures (people ahead, the wait, whether it can be taken) before the visitor decides."""
        def done(hall: dict[str, Any]) -> None:
            self.flow.hall = hall
            self.flow.choose_service(service_id)
            self._update()

        self._in_worker(self._fetch_hall, done, lambda exc: self._offline_then(lambda: self.choose_service(service_id)))

    def choose_bundle(self, bundle_id: str) -> None:
        def done(hall: dict[str, Any]) -> None:
            self.flow.hall = hall
            self.flow.choose_bundle(bundle_id)
            self._update()

        self._in_worker(self.api.hall, done, lambda exc: self._offline_then(lambda: self.choose_bundle(bundle_id)))

    def refresh_hall(self) -> None:
        """The home screen's notices (pause, closed services) kept current while nobody touches it."""
        if self.flow.screen is Screen.HOME:
            self._in_worker(self.api.hall, self._hall_refreshed, lambda _exc: None)

    def _hall_refreshed(self, hall: dict[str, Any]) -> None:
        if self.flow.screen is Screen.HOME:
            changed = _notices(hall) != _notices(self.flow.hall)
            self.flow.hall = hall
            if changed:
                self._update()

    def take_ticket(self, priority_category: str | None = None) -> None:
        flow = self.flow
        assert flow.command_id is not None
        service_id, bundle_id, command_id, lang = flow.service_id, flow.bundle_id, flow.command_id, flow.lang
        flow.printing()
        self._update()
        self._issue(lambda: self.api.issue(command_id, service_id, lang, priority_category, bundle_id), 0)

    def check_in(self, code: str) -> None:
        assert self.flow.command_id is not None
        command_id, lang = self.flow.command_id, self.flow.lang
        self.flow.printing()
        self._update()
        self._issue(lambda: self.api.check_in(command_id, code.strip(), lang), 0)

    def _issue(self, call: Callable[[], dict[str, Any]], attempt: int) -> None:
        def failed(exc: Exception) -> None:
            if isinstance(exc, Refused):
                # The server's own words (a check-in: "no booking with this code", "opens at 10:20"...).
                message = exc.error.get("message")
                self.flow.refused(exc.code, message if isinstance(message, dict) else None)
                self._update()
            elif isinstance(exc, Offline) and attempt < len(RETRY_SECONDS):
                self.flow.offline()  # "waiting for the server": the same command id is retried
                self.changed.emit()
                QTimer.singleShot(RETRY_SECONDS[attempt] * 1000, lambda: self._retry_issue(call, attempt + 1))
            else:
                self.flow.go_home(self.clock())
                self._update()

        self._in_worker(call, self._issued, failed)

    def _retry_issue(self, call: Callable[[], dict[str, Any]], attempt: int) -> None:
        self.flow.screen = Screen.PRINTING
        self.changed.emit()
        self._issue(call, attempt)

    def _issued(self, ticket: dict[str, Any]) -> None:
        self.flow.issued(ticket)
        self._update()
        self.print_ticket()

    def print_ticket(self) -> None:
        ticket = self.flow.ticket
        assert ticket is not None
        profile = self.printer.config.profile
        service = self.flow.hall["services"][ticket["service_id"]]
        lang = self.flow.lang
        category = ticket.get("priority_category")
        content = TicketContent(
            centre=self.flow.hall["centre"]["name"][lang], ticket=ticket["ticket"], service=service["name"][lang],
            issued_at=datetime.fromisoformat(ticket["issued_at"]), ahead=ticket["ahead"],
            wait_minutes=ticket["estimated_wait_minutes"], feedback_url=self._absolute(ticket["feedback_url"]),
            lang=lang, priority_category=self._priority_name(category) if category else None,
            booked_for=datetime.fromisoformat(ticket["booked_for"]) if ticket.get("booked_for") else None)
        data = render_escpos(ticket_blocks(content, profile.columns), profile)

        def failed(exc: Exception) -> None:
            self.flow.print_failed(exc.code if isinstance(exc, PrintError) else "printer_failed")
            self.printer_problem = self.flow.print_error
            self.heartbeat()
            self._update()

        def printed(status: PrinterStatus) -> None:
            self.flow.printed(self.clock())
            # Printed, but the roll is nearly out: the supervisor hears it now, before the paper ends.
            problem = "printer_paper_near_end" if status.paper_near_end else None
            if self.printer_problem != problem:
                self.printer_problem = problem
                self.heartbeat()
            self._update()

        self._in_worker(lambda: self.printer.print_bytes(data), printed, failed)

    def print_card(self) -> None:
        service, lang = self.flow.service(), self.flow.lang
        profile = self.printer.config.profile

        def text(key: str) -> str | None:
            value = service.get(key)
            return value[lang] if value else None

        content = InfoCardContent(centre=self.flow.hall["centre"]["name"][lang], service=service["name"][lang],
                                  printed_at=self.hall_now(), documents=text("documents"), term=text("term"),
                                  cost=text("cost"), lang=lang)
        data = render_escpos(info_card_blocks(content, profile.columns), profile)
        def failed(exc: Exception) -> None:
            self.flow.print_failed(getattr(exc, "code", "printer_failed"))
            self._update()

        self._in_worker(lambda: self.printer.print_bytes(data),
                        self._updating(lambda: self.flow.info_printed(self.clock())), failed)

    def _offline_then(self, again: Callable[[], None]) -> None:
        self.flow.offline()
        self.changed.emit()
        QTimer.singleShot(2000, again)

    def _flush_sessions(self) -> None:
        """Send finished accessible sessions; one that could not be sent waits for the next update."""
        while self.flow.finished_sessions:
            record = self.flow.finished_sessions.pop(0)
            self._in_worker(self._sender(record), lambda _result: None, self._unsent(record))

    def _sender(self, record: dict[str, Any]) -> Callable[[], dict[str, Any]]:
        return lambda: self.api.log_accessible(record)

    def _unsent(self, record: dict[str, Any]) -> Callable[[Exception], None]:
        def keep(exc: Exception) -> None:
            if isinstance(exc, Offline):
                self.flow.finished_sessions.append(record)

        return keep

    # -- small helpers ----------------------------------------------------------------------------
    def _fetch_hall(self) -> dict[str, Any]:
        hall = self.api.hall()
        self._hall_time = (datetime.fromisoformat(hall["now"]), time.monotonic())
        return hall

    def hall_now(self) -> datetime:
        """The hall's time, for what is printed: the server's clock when the hall was last read, moved on by
        this PC's monotonic clock. The kiosk PC's own clock and time zone may be wrong; the hall's are not."""
        if self._hall_time is None:
            return self.clock()
        at, received = self._hall_time
        return at + timedelta(seconds=time.monotonic() - received)

    def booking_address(self) -> str:
        """Where to book ahead: the centre's public booking page (`[centre] public_url`, as the ticket's QR),
        from the hall the server sent; the address this kiosk reaches the server at only when none is set."""
        page = self.flow.hall.get("booking", {}).get("page") or "/book"
        return self._absolute(page)

    def _absolute(self, url: str) -> str:
        return url if url.startswith("http") else self.api.server + url

    def _priority_name(self, category: str) -> str:
        for item in self.flow.hall.get("priority_categories", []):
            if item["id"] == category:
                return str(item["name"][self.flow.lang])
        return category

    def reason_text(self, code: str | None) -> str:
        """Why it cannot be done, once, in the kiosk's language: the kiosk's own words for a reason it knows,
        else the server's (check-in refusals carry the server's message), else a general refusal."""
        t, flow = self.catalogue.t, self.flow
        if code and self.catalogue.has(f"reason_{code}"):
            return t(f"reason_{code}")
        if code and self.catalogue.has(code):
            return t(code)
        if flow.refusal == code and flow.refusal_message and flow.refusal_message.get(flow.lang):
            return flow.refusal_message[flow.lang]
        return t("cannot_take")

    def shutdown(self) -> None:
        for timer in (self.idle, self.grace, self.pulse, self.home_refresh):
            timer.stop()
        self.worker.shutdown(wait=False, cancel_futures=True)


def _notices(hall: dict[str, Any]) -> tuple[object, ...]:
    """What the home screen's notices depend on."""
    return (hall.get("paused"), hall.get("open"),
            sorted((sid, s.get("unavailable")) for sid, s in hall.get("services", {}).items()))
