"""The kiosk's screen: drawn anew from the flow after every change. Layout and text only (the keypad's keys are
in keypad.py, what is spoken in spoken.py).

Touch targets are at least 96 px high (140 px in accessible mode). Text goes at the top, controls below it;
in accessible mode (large print, yellow on black) every control sits in the lower part of the screen, within
reach from a wheelchair (docs/kiosk.md, mounting). Every control's accessible name is its visible label, and
the focused control has a ring of at least 3:1 against its surroundings (WCAG 2.4.7, 1.4.11).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from .controller import KioskController
from .flow import LIFE_SITUATIONS, Screen
from .keypad import Keypad
from .spoken import speakable
from .styles import ACCESSIBLE_STYLE, NORMAL_STYLE
from .widgets import WrapButton, clear, show_all

# Large print leaves room for few buttons: categories a page (landscape, portrait). Fewer on a landscape
# screen, so that every control stays in its lower three quarters (low reach, docs/kiosk.md).
ACCESSIBLE_CATEGORIES = {False: 2, True: 3}  # at most 9 numbered options a screen, for the keypad's 1-9
LOW_REACH_TOP = 0.25  # accessible mode: no control in the top quarter of the screen
DEFAULT_SIZE = QSize(1280, 1024)  # a 19-inch 5:4 kiosk screen; `cherha kiosk` takes the screen's own size

class KioskWindow(QWidget):
    def __init__(self, controller: KioskController, size: QSize = DEFAULT_SIZE) -> None:
        super().__init__()
        self.controller = controller
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAccessibleName(controller.catalogue.t("welcome"))
        self.resize(size)
        if self.portrait:
            controller.flow.accessible_page_size = 4
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(40, 20, 40, 20)
        self.body.setSpacing(12)
        self.top = QVBoxLayout()  # what the screen says
        self.controls = QVBoxLayout()  # what can be pressed
        self.code_input: QLineEdit | None = None
        self.options: list[WrapButton] = []  # the numbered options, in the order they are spoken
        self.priority_open = False  # accessible mode: the priority reasons get a step of their own
        self.keypad = Keypad(self)
        controller.changed.connect(self.redraw)
        self.redraw()

    @property
    def portrait(self) -> bool:
        return self.height() > self.width()

    # -- every touch restarts the inactivity timer; the keypad's keys --------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        asked = self.controller.flow.more_time_asked
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin):
            self.controller.touched()
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent) and self._is_ours(watched):
            # A key that answers "more time?" does only that: the visitor did not hear what it would choose.
            return True if asked else self.keypad.pressed(event)
        return super().eventFilter(watched, event)

    def _is_ours(self, watched: QObject) -> bool:
        # A key event reaches the filter once per widget it propagates through: handle it at the first.
        return isinstance(watched, QWidget) and (watched is self or self.isAncestorOf(watched)) and (
            watched is (self.focusWidget() or self))

    def closeEvent(self, event: QCloseEvent) -> None:
        # The kiosk is over: nothing may draw on this window any more (a late answer, a timer).
        self.controller.changed.disconnect(self.redraw)
        self.controller.shutdown()
        application = QApplication.instance()
        if application is not None:
            application.removeEventFilter(self)
        super().closeEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Without an application-wide filter (a test's bare window), keys still reach the keypad.
        if not self.keypad.pressed(event):
            super().keyPressEvent(event)

    # -- drawing --------------------------------------------------------------------------------
    def redraw(self) -> None:
        flow, t = self.controller.flow, self.controller.catalogue.t
        self.controller.catalogue.lang = flow.lang
        self.setStyleSheet(ACCESSIBLE_STYLE if flow.accessible else NORMAL_STYLE)
        clear(self.body)
        self.top, self.controls = QVBoxLayout(), QVBoxLayout()
        self.top.setSpacing(10)
        self.controls.setSpacing(14)
        self.code_input = None
        self.options = []
        if flow.screen is not Screen.CONFIRM:
            self.priority_open = False
        if flow.more_time_asked:
            self._label(t("more_time"), "alarm")
            # Any touch or key answers it: no number of its own.
            self.controls.addWidget(self._button(t("more_time_button"), "more_time", self.controller.touched,
                                                 numbered=False))
        if flow.help_called and flow.screen is not Screen.OFFLINE:
            self._label(t(f"help_{flow.help_called}"), "notice").setProperty("role", "help")
        page = {
            Screen.HOME: self._home, Screen.SERVICES: self._services, Screen.CONFIRM: self._confirm,
            Screen.PRINTING: self._message_page, Screen.DONE: self._done, Screen.REFUSED: self._refused,
            Screen.CHECKIN: self._checkin, Screen.INFO: self._info, Screen.OFFLINE: self._message_page,
        }[flow.screen]
        page()
        self.body.addLayout(self.top)
        self.body.addStretch(1)
        self.body.addLayout(self.controls)
        if not flow.accessible:
            self.body.addStretch(1)
        self.body.addLayout(self._bottom_bar(t))
        show_all(self.body)  # widgets added to an already visible window start hidden
        self.setAccessibleName(self._title_text)
        if self.code_input is not None:
            self.code_input.setFocus()
        self.controller.announce([b.caption.text() for b in self.options])

    def _label(self, text: str, name: str = "info", into: QVBoxLayout | None = None) -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setAccessibleName(text)
        (into or self.top).addWidget(label)
        return label

    def _title(self, text: str, name: str = "title") -> QLabel:
        if name == "title":
            self._title_text = text
        return self._label(text, name)

    _title_text = ""

    def _button(self, text: str, name: str, action: Any, secondary: bool = False,
                numbered: bool = True) -> WrapButton:
        button = WrapButton(text)
        button.setObjectName("secondary" if secondary else "")
        button.setProperty("action", name)
        button.setAccessibleName(speakable(text))
        button.clicked.connect(action)
        if numbered:
            self.options.append(button)
            button.setAccessibleDescription(self.controller.catalogue.t("voice_option", number=len(self.options),
                                                                         label=speakable(text)))
        return button

    def _grid(self, buttons: list[WrapButton], columns: int, into: QVBoxLayout | None = None) -> None:
        grid = QGridLayout()
        grid.setSpacing(16)
        for index, button in enumerate(buttons):
            grid.addWidget(button, index // columns, index % columns)
        (into or self.controls).addLayout(grid)

    def _row(self, *buttons: WrapButton | None) -> None:
        row = QHBoxLayout()
        row.setSpacing(16)
        for button in buttons:
            if button is not None:
                row.addWidget(button)
        self.controls.addLayout(row)

    @property
    def _columns(self) -> int:
        return 1 if self.controller.flow.accessible or self.width() < 900 else 2

    # -- the screens ------------------------------------------------------------------------------
    def _home(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        self._title(t("welcome"))
        self._notices()
        entries = self._home_entries()
        if flow.accessible:
            per_page = ACCESSIBLE_CATEGORIES[self.portrait]
            start = flow.page * per_page
            self._grid([self._entry(*entry) for entry in entries[start:start + per_page]], 1)
            self._row(self._button(t("previous"), "previous", lambda: self._home_page(-1), secondary=True)
                      if start else None,
                      self._button(t("more"), "more", lambda: self._home_page(1), secondary=True)
                      if start + per_page < len(entries) else None)
        else:
            # Fifteen or so tiles: three columns on a landscape screen, two on a portrait one.
            self._grid([self._entry(*entry) for entry in entries], 2 if self.portrait or self.width() < 1200 else 3)
        self._row(self._button(t("checkin"), "checkin", lambda: self._open_checkin(), secondary=True),
                  self._button(t("call_help"), "call_help", c.call_help, secondary=True))

    def _home_entries(self) -> list[tuple[str, str]]:
        """(name, id) of the categories, and of the life situations when the hall has any."""
        flow, t = self.controller.flow, self.controller.catalogue.t
        entries = [(cat["name"][flow.lang], cat["id"]) for cat in flow.categories()]
        if flow.bundles():
            entries.append((t("life_situations"), LIFE_SITUATIONS))
        return entries

    def _entry(self, name: str, ident: str) -> WrapButton:
        return self._button(name, f"category:{ident}", lambda _=False: self.controller.choose_category(ident))

    def _notices(self) -> None:
        """What holds for everyone, before any choice: the air-raid pause, the centre closed, services not
        offered today (with when they are, and how to book)."""
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        notice = flow.hall_notice()
        if notice:
            self._label(c.reason_text(notice), "alarm").setProperty("role", "notice")
            return
        unavailable = flow.unavailable_services()
        if not unavailable:
            return
        shown = unavailable[:3]  # a long list would push the choices off the screen; all are spoken
        lines = [t("notice_not_today_one" if len(unavailable) == 1 else "notice_not_today")]  # the verb agrees
        lines += [self._when(s) for s in shown]
        if len(unavailable) > len(shown):
            lines.append("…")
        if any(s.get("bookable") for s in unavailable):
            lines.append(t("notice_booking", url=c.booking_address()))
        self._label("\n".join(lines), "notice").setProperty("role", "notice")

    def _when(self, service: dict[str, Any]) -> str:
        t, lang = self.controller.catalogue.t, self.controller.flow.lang
        name = service["name"][lang]
        if service["unavailable"] == "service_closed":
            return t("notice_closed_now", service=name)
        days = ", ".join(t(f"day_{d}") for d in service.get("days", []))
        when = t("offered_days", days=days) if days else ""
        if service.get("hours"):
            when = " ".join(p for p in [when, t("offered_hours", **service["hours"])] if p)
        return t("notice_when", service=name, when=when)

    def _home_page(self, step: int) -> None:
        self.controller.flow.page = max(0, self.controller.flow.page + step)
        self.redraw()

    def _open_checkin(self) -> None:
        self.controller.flow.open_checkin()
        self.controller._update()

    def _services(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        lang = flow.lang
        if flow.category_id == LIFE_SITUATIONS:
            self._title(t("life_situations"))
            buttons = [self._button(b["name"][lang], f"bundle:{b['id']}",
                                    lambda _=False, i=b["id"]: c.choose_bundle(i)) for b in flow.services_page()]
        else:
            category = next(cat for cat in flow.categories() if cat["id"] == flow.category_id)
            self._title(category["name"][lang])
            buttons = [self._button(self._service_caption(s), f"service:{s['id']}",
                                    lambda _=False, i=s["id"]: c.choose_service(i)) for s in flow.services_page()]
        self._grid(buttons, self._columns)
        self._row(self._button(t("back"), "back", lambda: self._go(lambda: flow.go_home(c.clock())), secondary=True),
                  self._button(t("previous"), "previous", lambda: self._go(flow.previous_page), secondary=True)
                  if flow.page else None,
                  self._button(t("more"), "more", lambda: self._go(flow.next_page), secondary=True)
                  if flow.has_more() else None)

    def _service_caption(self, service: dict[str, Any]) -> str:
        """The name; and, for one that cannot be taken now for a reason of its own, when it is offered."""
        if service.get("unavailable") in ("service_closed", "service_not_offered_now", "no_desk_today"):
            return self._when(service)
        return str(service["name"][self.controller.flow.lang])

    def _confirm(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        service, lang = flow.service(), flow.lang
        if flow.bundle_id:
            bundle = flow.bundle()
            self._title(bundle["name"][lang])
            names = ", ".join(flow.hall["services"][sid]["name"][lang] for sid in bundle["service_ids"])
            self._label(t("life_situation_services", services=names))
        else:
            self._title(service["name"][lang])
        ahead, minutes = service["ahead"], service["estimated_wait_minutes"]
        self._label(t("ahead", count=ahead) if ahead else t("ahead_none"))
        self._label(wait_text(t, minutes))
        self.controls.addWidget(self._button(t("take_ticket"), "take_ticket", lambda: c.take_ticket()))
        priorities = flow.hall.get("priority_categories", [])
        if priorities and flow.accessible and not self.priority_open:
            self.controls.addWidget(self._button(t("priority_ticket"), "priority", self._open_priority,
                                                 secondary=True))
        elif priorities:
            self._label(t("priority_choose"), into=self.controls)
            self._grid([self._button(f"{t('priority_ticket')}: {p['name'][lang]}", f"priority:{p['id']}",
                                     lambda _=False, i=p["id"]: c.take_ticket(i), secondary=True)
                        for p in priorities], 1)
        self._row(self._button(t("back"), "back", lambda: self._go(flow.back), secondary=True),
                  self._button(t("info"), "info", lambda: self._go(lambda: flow.open_info(service["id"])),
                               secondary=True) if service.get("documents") and not flow.bundle_id else None)

    def _open_priority(self) -> None:
        self.priority_open = True
        self.controller.flow.touched(self.controller.clock())
        self.redraw()

    def _message_page(self) -> None:
        flow, t = self.controller.flow, self.controller.catalogue.t
        self._title(t("offline") if flow.screen is Screen.OFFLINE else t("printing"))

    def _done(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        ticket = flow.ticket
        assert ticket is not None
        self._title(t("done"))
        number = self._title(ticket["ticket"], "big")
        number.setProperty("role", "ticket")
        service = flow.hall["services"][ticket["service_id"]]["name"][flow.lang]
        self._label(service)
        if ticket.get("booked_for"):
            self._label(t("booked_ticket", time=ticket["booked_for"][11:16]))
        if ticket.get("late"):
            self._label(t("checkin_late"), "warning")
        self._label(t("ahead", count=ticket["ahead"]) if ticket["ahead"] else t("ahead_none"))
        self._label(wait_text(t, ticket["estimated_wait_minutes"]))
        if flow.print_error:
            self._label(t("print_failed", reason=c.reason_text(flow.print_error)), "warning")
            self._label(t("no_printer_hint"))
            self.controls.addWidget(self._button(t("retry_print"), "retry_print", c.print_ticket))
        else:
            self._label(t("done_hint"))
        self.controls.addWidget(self._button(t("home"), "home", lambda: self._go(lambda: flow.go_home(c.clock())),
                                             secondary=True))

    def _refused(self) -> None:
        """The refusal said once: a title, and the reason only when it adds something to the title."""
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        self._title(c.speech.refusal_title())
        reason = c.speech.reason()
        if reason:
            self._label(reason, "warning").setProperty("role", "reason")
        if flow.via_checkin:
            self.controls.addWidget(self._button(t("checkin_again"), "checkin_again", self._open_checkin))
        elif flow.category_id:
            self.controls.addWidget(self._button(t("back"), "back", lambda: self._go(flow.back), secondary=True))
        self.controls.addWidget(self._button(t("home"), "home", lambda: self._go(lambda: flow.go_home(c.clock())),
                                             secondary=True))

    def _checkin(self) -> None:
        """The booking code: typed on the on-screen keyboard (a visitor booked by phone has only the SMS), on
        a physical keyboard, or by a keyboard-wedge scanner that types the QR's link and Enter."""
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        self._title(t("checkin_title"))
        field = QLineEdit()
        field.setAccessibleName(t("checkin_title"))
        field.setMaxLength(200)
        field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        field.returnPressed.connect(lambda: c.check_in(field.text()))
        self.top.addWidget(field)
        self.code_input = field
        alphabet = flow.hall.get("booking", {}).get("code_alphabet", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        wide = not self.portrait and flow.accessible  # large keys: fewer rows, or they push the rest off
        self._grid([self._key(ch, lambda _=False, ch=ch: self._type(ch)) for ch in alphabet], 11 if wide else 8)
        self._row(self._key(t("key_backspace"), field.backspace, "key:backspace"),
                  self._key(t("key_clear"), field.clear, "key:clear"))
        self._row(self._button(t("back"), "back", lambda: self._go(lambda: flow.go_home(c.clock())), secondary=True),
                  self._button(t("checkin_button"), "checkin_submit", lambda: c.check_in(field.text())))

    def _key(self, text: str, press: Callable[..., None], action: str | None = None) -> WrapButton:
        """A key of the on-screen keyboard: reached by touch or the arrows, not numbered."""
        button = self._button(text, action or f"key:{text}", press, numbered=False)
        button.setObjectName("key")
        return button

    def _type(self, character: str) -> None:
        if self.code_input is not None:
            self.code_input.insert(character)
            self.controller.say(character)

    def _info(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        service, lang = flow.service(), flow.lang
        self._label(t("info_title"))
        self._title(service["name"][lang])
        if service.get("documents"):
            for key in ("documents", "term", "cost"):
                if service.get(key):
                    label = QLabel(f"{t(key)}: {service[key][lang]}")
                    label.setWordWrap(True)
                    label.setAccessibleName(label.text())
                    self.top.addWidget(label)
            self.controls.addWidget(self._button(t("print_card"), "print_card", c.print_card))
        else:
            self._label(t("no_card"))
        if flow.print_error:
            self._label(t("print_failed", reason=c.reason_text(flow.print_error)), "warning")
        self.controls.addWidget(self._button(t("back"), "back", lambda: self._go(flow.back), secondary=True))

    def _bottom_bar(self, t: Any) -> QHBoxLayout:
        flow, c = self.controller.flow, self.controller
        bar = QHBoxLayout()
        bar.addWidget(self._button(t("language"), "language", lambda: self._go(flow.toggle_language),
                                   secondary=True))
        if not flow.accessible_terminal:
            text = t("accessible_off") if flow.accessible else "♿ " + t("accessible")
            bar.addWidget(self._button(text, "accessible", lambda: self._go(lambda: flow.toggle_accessible(c.clock())),
                                       secondary=True))
        if flow.accessible:
            bar.addWidget(self._button(t("repeat_voice"), "repeat_voice", self.repeat, secondary=True,
                                       numbered=False))
        return bar

    def repeat(self) -> None:
        """The whole screen spoken again (not just the last thing said, which may be one focused key)."""
        self.controller.flow.repeated_voice()
        self.controller.announce([b.caption.text() for b in self.options])

    def _go(self, change: Any) -> None:
        change()
        self.controller._update()

    def visible_controls(self) -> list[WrapButton]:
        """Every visible control, in the order the screen lists them (numbered options, keyboard keys)."""
        return [b for b in self.findChildren(WrapButton) if b.isVisible()]

    def buttons(self) -> dict[str, WrapButton]:
        return {str(b.property("action")): b for b in self.findChildren(WrapButton) if b.isVisible()}


def wait_text(t: Callable[..., str], minutes: int | None) -> str:
    """The promised wait in words: minutes, under a minute, or that no desk for the service is open yet."""
    if minutes is None:
        return t("wait_no_desk")
    return t("wait", minutes=minutes) if minutes else t("wait_none")
