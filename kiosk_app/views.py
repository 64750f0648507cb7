"""The kiosk's screen: drawn anew from the flow after every change. Layout and text only.

Touch targets are at least 96 px high (140 px in accessible mode). The accessible mode is large print,
high contrast (yellow on black) and keeps every control in the lower part of the screen, within reach
from a wheelchair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .controller import KioskController
from .flow import Screen

ACCESSIBLE_CATEGORIES = 3

NORMAL_STYLE = """
QWidget#kiosk { background: #f4f6fb; color: #102a5c; }
QLabel { color: #102a5c; font-size: 26px; }
QLabel#title { font-size: 36px; font-weight: bold; }
QLabel#big { font-size: 120px; font-weight: bold; }
QLabel#warning { color: #b71c1c; font-weight: bold; }
QPushButton { background: #0a3d91; color: white; border-radius: 14px; padding: 8px; min-height: 70px; }
QPushButton QLabel { color: white; font-size: 25px; }
QPushButton:pressed { background: #072a66; }
QPushButton#secondary { background: #dfe6f3; color: #0a3d91; min-height: 60px; }
QPushButton#secondary QLabel { color: #0a3d91; font-size: 22px; }
QLineEdit { font-size: 40px; padding: 12px; min-height: 80px; }
"""
ACCESSIBLE_STYLE = """
QWidget#kiosk { background: #000000; color: #ffeb3b; }
QLabel { color: #ffeb3b; font-size: 40px; font-weight: bold; }
QLabel#title { font-size: 50px; }
QLabel#big { font-size: 160px; }
QLabel#warning { color: #ff8a80; }
QPushButton { background: #000000; color: #ffeb3b; border: 6px solid #ffeb3b; border-radius: 16px; padding: 8px;
              min-height: 120px; }
QPushButton QLabel { color: #ffeb3b; font-size: 40px; font-weight: bold; }
QPushButton:pressed { background: #424242; }
QPushButton#secondary { min-height: 96px; }
QPushButton#secondary QLabel { font-size: 32px; }
QLineEdit { font-size: 56px; padding: 14px; min-height: 110px; background: #ffffff; color: #000000; }
"""


class WrapButton(QPushButton):
    """A touch button whose text wraps onto a second line instead of widening the screen."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.caption = QLabel(text)
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.caption)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(hint.width(), max(hint.height(), self.caption.sizeHint().height() + 12))


class KioskWindow(QWidget):
    def __init__(self, controller: KioskController) -> None:
        super().__init__()
        self.controller = controller
        self.setObjectName("kiosk")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.resize(1280, 1024)  # a 19-inch 5:4 kiosk screen; everything must fit it
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(40, 20, 40, 20)
        self.body.setSpacing(12)
        self.code_input: QLineEdit | None = None
        self.priority_open = False  # accessible mode: the priority reasons get a step of their own
        controller.changed.connect(self.redraw)
        self.redraw()

    # -- every touch restarts the inactivity timer ---------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin):
            self.controller.touched()
        return super().eventFilter(watched, event)

    # -- drawing --------------------------------------------------------------------------------
    def redraw(self) -> None:
        flow, t = self.controller.flow, self.controller.catalogue.t
        self.controller.catalogue.lang = flow.lang
        self.setStyleSheet(ACCESSIBLE_STYLE if flow.accessible else NORMAL_STYLE)
        _clear(self.body)
        self.code_input = None
        if flow.screen is not Screen.CONFIRM:
            self.priority_open = False
        if flow.accessible:
            # Low reach: the upper part of the screen holds only the title, controls start below it.
            self.body.addStretch(2)
        page = {
            Screen.HOME: self._home, Screen.SERVICES: self._services, Screen.CONFIRM: self._confirm,
            Screen.PRINTING: self._message_page, Screen.DONE: self._done, Screen.REFUSED: self._refused,
            Screen.CHECKIN: self._checkin, Screen.INFO: self._info, Screen.OFFLINE: self._message_page,
        }[flow.screen]
        page()
        if not flow.accessible:
            self.body.addStretch(1)
        self.body.addLayout(self._bottom_bar(t))
        _show(self.body)  # widgets added to an already visible window start hidden
        if self.code_input is not None:
            self.code_input.setFocus()

    def _title(self, text: str, name: str = "title") -> QLabel:
        label = QLabel(text)
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addWidget(label)
        return label

    def _button(self, text: str, name: str, action: Any, secondary: bool = False) -> WrapButton:
        button = WrapButton(text)
        button.setObjectName("secondary" if secondary else "")
        button.setProperty("action", name)
        button.setAccessibleName(name)
        button.clicked.connect(action)
        return button

    def _grid(self, buttons: list[WrapButton], columns: int) -> None:
        grid = QGridLayout()
        grid.setSpacing(16)
        for index, button in enumerate(buttons):
            grid.addWidget(button, index // columns, index % columns)
        self.body.addLayout(grid)

    def _home(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        lang = flow.lang
        self._title(t("welcome"))
        if flow.accessible:
            self._accessible_categories()
        else:
            self._grid([self._button(cat["name"][lang], f"category:{cat['id']}",
                                     lambda _=False, i=cat["id"]: c.choose_category(i)) for cat in flow.categories()],
                       2)
        row = QHBoxLayout()
        row.addWidget(self._button(t("checkin"), "checkin", lambda: self._open_checkin(), secondary=True))
        self.body.addLayout(row)

    def _accessible_categories(self) -> None:
        """Big print leaves room for fewer buttons: categories come three at a time."""
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        categories = flow.categories()
        start = flow.page * ACCESSIBLE_CATEGORIES if flow.category_id is None else 0
        buttons = [self._button(cat["name"][flow.lang], f"category:{cat['id']}",
                                lambda _=False, i=cat["id"]: c.choose_category(i))
                   for cat in categories[start:start + ACCESSIBLE_CATEGORIES]]
        self._grid(buttons, 1)
        nav = QHBoxLayout()
        if start:
            nav.addWidget(self._button(t("previous"), "previous", lambda: self._home_page(-1), secondary=True))
        if start + ACCESSIBLE_CATEGORIES < len(categories):
            nav.addWidget(self._button(t("more"), "more", lambda: self._home_page(1), secondary=True))
        self.body.addLayout(nav)

    def _home_page(self, step: int) -> None:
        self.controller.flow.page = max(0, self.controller.flow.page + step)
        self.redraw()

    def _open_checkin(self) -> None:
        self.controller.flow.open_checkin()
        self.controller._update()

    def _services(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        lang = flow.lang
        category = next(cat for cat in flow.categories() if cat["id"] == flow.category_id)
        self._title(category["name"][lang])
        buttons = [self._button(s["name"][lang], f"service:{s['id']}",
                                lambda _=False, i=s["id"]: c.choose_service(i)) for s in flow.services_page()]
        self._grid(buttons, 1 if flow.accessible else 2)
        nav = QHBoxLayout()
        nav.addWidget(self._button(t("back"), "back", lambda: self._go(lambda: flow.go_home(c.clock())),
                                   secondary=True))
        if flow.page:
            nav.addWidget(self._button(t("previous"), "previous", lambda: self._go(flow.previous_page),
                                       secondary=True))
        if flow.has_more():
            nav.addWidget(self._button(t("more"), "more", lambda: self._go(flow.next_page), secondary=True))
        self.body.addLayout(nav)

    def _confirm(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        service, lang = flow.service(), flow.lang
        self._title(service["name"][lang])
        ahead, minutes = service["ahead"], service["estimated_wait_minutes"]
        self._title(t("ahead", count=ahead) if ahead else t("ahead_none"), "info")
        self._title(wait_text(t, minutes), "info")
        self.body.addWidget(self._button(t("take_ticket"), "take_ticket", lambda: c.take_ticket()))
        priorities = flow.hall.get("priority_categories", [])
        if priorities and flow.accessible and not self.priority_open:
            self.body.addWidget(self._button(t("priority_ticket"), "priority", self._open_priority, secondary=True))
        elif priorities:
            self._title(t("priority_choose"), "info")
            self._grid([self._button(f"{t('priority_ticket')}: {p['name'][lang]}", f"priority:{p['id']}",
                                     lambda _=False, i=p["id"]: c.take_ticket(i), secondary=True)
                        for p in priorities], 1)
        row = QHBoxLayout()
        row.addWidget(self._button(t("back"), "back", lambda: self._go(flow.back), secondary=True))
        if service.get("documents"):
            row.addWidget(self._button(t("info"), "info", lambda: self._go(lambda: flow.open_info(service["id"])),
                                       secondary=True))
        self.body.addLayout(row)

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
        number.setAccessibleName("ticket")
        service = flow.hall["services"][ticket["service_id"]]["name"][flow.lang]
        self._title(service, "info")
        if ticket.get("booked_for"):
            self._title(t("booked_ticket", time=ticket["booked_for"][11:16]), "info")
        if ticket.get("late"):
            self._title(t("checkin_late"), "warning")
        self._title(t("ahead", count=ticket["ahead"]) if ticket["ahead"] else t("ahead_none"), "info")
        self._title(wait_text(t, ticket["estimated_wait_minutes"]), "info")
        if flow.print_error:
            self._title(t("print_failed", reason=c.reason_text(flow.print_error)), "warning")
            self._title(t("no_printer_hint"), "info")
            self.body.addWidget(self._button(t("retry_print"), "retry_print", c.print_ticket))
        else:
            self._title(t("done_hint"), "info")
        self.body.addWidget(self._button(t("home"), "home", lambda: self._go(lambda: flow.go_home(c.clock())),
                                         secondary=True))

    def _refused(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        self._title(t("cannot_take"))
        self._title(c.reason_text(flow.refusal), "warning").setAccessibleName("reason")
        self.body.addWidget(self._button(t("home"), "home", lambda: self._go(lambda: flow.go_home(c.clock())),
                                         secondary=True))

    def _checkin(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        self._title(t("checkin_title"))
        field = QLineEdit()
        field.setAccessibleName("code")
        field.setMaxLength(200)
        field.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A keyboard-wedge scanner types the QR's link and presses Enter: that submits too.
        field.returnPressed.connect(lambda: c.check_in(field.text()))
        self.body.addWidget(field)
        self.code_input = field
        self.body.addWidget(self._button(t("checkin_button"), "checkin_submit", lambda: c.check_in(field.text())))
        self.body.addWidget(self._button(t("back"), "back", lambda: self._go(lambda: flow.go_home(c.clock())),
                                         secondary=True))

    def _info(self) -> None:
        flow, t, c = self.controller.flow, self.controller.catalogue.t, self.controller
        service, lang = flow.service(), flow.lang
        self._title(t("info_title"), "info")
        self._title(service["name"][lang])
        if service.get("documents"):
            for key in ("documents", "term", "cost"):
                if service.get(key):
                    label = QLabel(f"{t(key)}: {service[key][lang]}")
                    label.setWordWrap(True)
                    self.body.addWidget(label)
            self.body.addWidget(self._button(t("print_card"), "print_card", c.print_card))
        else:
            self._title(t("no_card"), "info")
        if flow.print_error:
            self._title(t("print_failed", reason=c.reason_text(flow.print_error)), "warning")
        self.body.addWidget(self._button(t("back"), "back", lambda: self._go(flow.back), secondary=True))

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
            bar.addWidget(self._button(t("repeat_voice"), "repeat_voice", self._repeat, secondary=True))
        return bar

    def _repeat(self) -> None:
        self.controller.flow.repeated_voice()
        self.controller.voice.repeat()

    def _go(self, change: Any) -> None:
        change()
        self.controller._update()

    def buttons(self) -> dict[str, WrapButton]:
        return {str(b.property("action")): b for b in self.findChildren(WrapButton) if b.isVisible()}


def _show(layout: QLayout) -> None:
    for index in range(layout.count()):
        item = layout.itemAt(index)
        if item is None:
            continue
        widget, child = item.widget(), item.layout()
        if widget is not None:
            widget.show()
        if child is not None:
            _show(child)


def _clear(layout: QLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item is None:
            continue
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
        child = item.layout()
        if child is not None:
            _clear(child)


def wait_text(t: Callable[..., str], minutes: int | None) -> str:
    """The promised wait in words: minutes, under a minute, or that no desk for the service is open yet."""
    if minutes is None:
        return t("wait_no_desk")
    return t("wait", minutes=minutes) if minutes else t("wait_none")
