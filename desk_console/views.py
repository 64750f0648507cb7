"""The console's widgets: layout and text only; every decision is the model's or the controller's."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .actions import ACTIONS, BY_NAME, PALETTE_KEY, Option
from .booking_panel import PhoneBookingPanel
from .controller import ConsoleController
from .i18n import Catalogue
from .palette import CommandPalette

RESULTS = ("served", "consulted", "documents_missing")
REASONS = ("break", "back_office", "lunch")


def duration(value: timedelta) -> str:
    seconds = max(0, int(value.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


class LoginView(QWidget):
    def __init__(self, catalogue: Catalogue, server: str) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.title = QLabel()
        self.title.setFont(QFont(self.font().family(), 16, QFont.Weight.Bold))
        self.server = QLineEdit(server)
        self.desk = QSpinBox()
        self.desk.setRange(1, 999)
        self.login = QLineEdit()
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.sign_in = QPushButton()
        self.sign_in.setDefault(True)
        self.language = QPushButton()
        self.error = QLabel()
        self.error.setStyleSheet("color: #b71c1c;")
        self.error.setWordWrap(True)
        self.form = QFormLayout()
        for field in (self.server, self.desk, self.login, self.pin):
            self.form.addRow(QLabel(), field)
        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(self.title, alignment=Qt.AlignmentFlag.AlignHCenter)
        box = QWidget()
        box.setLayout(self.form)
        box.setMaximumWidth(420)
        layout.addWidget(box, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.sign_in, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.error, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.language, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch()
        self.retranslate()

    def retranslate(self) -> None:
        t = self.catalogue.t
        self.title.setText(t("login_title"))
        for row, key in enumerate(("server", "desk", "login", "pin")):
            item = self.form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            assert isinstance(label, QLabel)
            label.setText(t(key))
        self.sign_in.setText(t("sign_in"))
        self.language.setText(t("language"))


class ConsoleView(QWidget):
    """The desk's working screen; usable on a 1366x768 laptop."""

    def __init__(self, catalogue: Catalogue, controller: ConsoleController) -> None:
        super().__init__()
        self.catalogue, self.controller = catalogue, controller
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.language = QPushButton()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b71c1c; font-weight: bold;")

        self.current_box = QGroupBox()
        self.ticket = QLabel()
        self.ticket.setFont(QFont(self.font().family(), 34, QFont.Weight.Bold))
        self.service = QLabel()
        self.service.setWordWrap(True)
        self.marks = QLabel()
        self.marks.setStyleSheet("color: #e65100; font-weight: bold;")
        self.timer = QLabel()
        current = QVBoxLayout(self.current_box)
        for widget in (self.ticket, self.service, self.marks, self.timer):
            current.addWidget(widget)

        self.result = QComboBox()
        self.reason = QComboBox()
        self.transfer_service = QComboBox()
        self.transfer_desk = QSpinBox()
        self.transfer_desk.setRange(0, 999)
        self.back_to_me = QCheckBox()
        self.postpone_minutes = QSpinBox()
        self.postpone_minutes.setRange(5, 30)
        self.postpone_minutes.setValue(10)
        self.ticket_input = QLineEdit()
        self.ticket_input.setPlaceholderText("П-015")
        self.ticket_input.returnPressed.connect(lambda: self.trigger("call_ticket"))
        self.add_service_choice = QComboBox()
        self.labels: dict[str, QLabel] = {"to_service": QLabel(), "to_desk": QLabel()}
        options: dict[Option, QWidget] = {Option.RESULT: self.result, Option.REASON: self.reason,
                                          Option.MINUTES: self.postpone_minutes, Option.TICKET: self.ticket_input,
                                          Option.SERVICE: self.add_service_choice}

        # Every button and key from the one table (actions.py); the palette reaches every action by name.
        self.buttons: dict[str, QPushButton] = {}
        for row in ACTIONS:
            button = QPushButton()
            button.setMinimumHeight(34)
            button.clicked.connect(lambda _=False, a=row.name: self.trigger(a))
            if row.key is not None:
                shortcut = QShortcut(QKeySequence(row.key), self)
                shortcut.activated.connect(lambda a=row.name: self.trigger(a))
            self.buttons[row.name] = button
        self.command_palette = CommandPalette(self, catalogue, self._allowed, self.trigger)
        self.palette_button = QPushButton()
        self.palette_button.clicked.connect(self.command_palette.popup)
        QShortcut(QKeySequence(PALETTE_KEY), self).activated.connect(self.command_palette.popup)

        # Two columns of actions, each with its option under it: fits a 1366x768 laptop screen.
        actions = QGridLayout()
        cells = [row for row in ACTIONS if row.option is not Option.DESTINATION]
        for index, row in enumerate(cells):
            line, column = divmod(index, 2)
            actions.addWidget(self.buttons[row.name], line * 2, column)
            if row.option in options:
                actions.addWidget(options[row.option], line * 2 + 1, column)
        transfer = QGroupBox()
        self.transfer_box = transfer
        transfer_layout = QFormLayout(transfer)
        transfer_layout.addRow(self.labels["to_service"], self.transfer_service)
        transfer_layout.addRow(self.labels["to_desk"], self.transfer_desk)
        transfer_layout.addRow(self.back_to_me)
        for row in ACTIONS:
            if row.option is Option.DESTINATION:
                transfer_layout.addRow(self.buttons[row.name])

        self.queues_box = QGroupBox()
        self.queues = QTableWidget(0, 4)
        self.queues.verticalHeader().setVisible(False)
        self.queues.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.queues.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        QVBoxLayout(self.queues_box).addWidget(self.queues)
        self.totals = QLabel()
        self.messages_box = QGroupBox()
        self.messages = QListWidget()
        self.messages.setMaximumHeight(110)
        QVBoxLayout(self.messages_box).addWidget(self.messages)

        left = QVBoxLayout()
        left.addWidget(self.current_box)
        left.addLayout(actions)
        left.addWidget(transfer)
        left.addStretch()
        desk_tab = QWidget()
        desk_layout = QVBoxLayout(desk_tab)
        desk_layout.addWidget(self.queues_box, stretch=1)
        desk_layout.addWidget(self.totals)
        desk_layout.addWidget(self.messages_box)
        self.tabs = QTabWidget()
        self.tabs.addTab(desk_tab, "")
        self.booking = PhoneBookingPanel(catalogue, controller)
        self.tabs.addTab(self.booking, "")
        right = QVBoxLayout()
        right.addWidget(self.tabs)
        top = QHBoxLayout()
        top.addWidget(self.status, stretch=1)
        top.addWidget(self.palette_button)
        top.addWidget(self.language)
        body = QHBoxLayout()
        body.addLayout(left, stretch=5)
        body.addLayout(right, stretch=6)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addLayout(body)

        self.clock = QTimer(self)
        self.clock.timeout.connect(self.refresh)
        self.clock.start(1000)
        self.retranslate()

    # -- actions ---------------------------------------------------------------------------------
    def _allowed(self) -> set[str]:
        model = self.controller.model
        return model.allowed() if model is not None else set()

    def trigger(self, action: str) -> None:
        """Run an action with what its option widget holds; by button, key or palette alike."""
        if not self.buttons[action].isEnabled():
            return
        option = BY_NAME[action].option
        if option is Option.TICKET and not self.ticket_input.text().strip():
            self.ticket_input.setFocus()  # the number is typed first; Enter there calls it
            return
        self.error.clear()
        self.controller.act(action, **self._fields(option))

    def _fields(self, option: Option) -> dict[str, object]:
        if option is Option.RESULT:
            return {"result": self.result.currentData()}
        if option is Option.REASON:
            return {"reason": self.reason.currentData()}
        if option is Option.MINUTES:
            return {"minutes": self.postpone_minutes.value()}
        if option is Option.TICKET:
            return {"ticket": self.ticket_input.text().strip().upper()}
        if option is Option.SERVICE:
            return {"service_id": self.add_service_choice.currentData()}
        if option is Option.DESTINATION:
            fields: dict[str, object] = {"to_service": self.transfer_service.currentData(),
                                         "back_to_me": self.back_to_me.isChecked()}
            if self.transfer_desk.value():
                fields["to_desk"] = self.transfer_desk.value()
            return fields
        return {}

    def show_refusal(self, error: dict[str, object]) -> None:
        message = error.get("message")
        text = message.get(self.catalogue.lang) if isinstance(message, dict) else None
        self.error.setText(str(text or error.get("code")))

    # -- drawing ----------------------------------------------------------------------------------
    def retranslate(self) -> None:
        t, lang = self.catalogue.t, self.catalogue.lang
        for row in ACTIONS:
            label = t(row.label)
            self.buttons[row.name].setText(f"{label}  [{row.key}]" if row.key else label)
        self.palette_button.setText(t("palette", shortcut=PALETTE_KEY))
        self.language.setText(t("language"))
        self.current_box.setTitle(t("current"))
        self.queues_box.setTitle(t("queues"))
        self.messages_box.setTitle(t("messages"))
        self.transfer_box.setTitle(t("transfer"))
        self.labels["to_service"].setText(t("to_service"))
        self.labels["to_desk"].setText(t("to_desk"))
        self.back_to_me.setText(t("back_to_me"))
        self.queues.setHorizontalHeaderLabels([t("service"), t("weight"), t("waiting"), t("longest")])
        self.tabs.setTabText(0, t("desk_tab"))
        self.tabs.setTabText(1, t("phone_booking"))
        self.booking.retranslate()
        _fill(self.result, [(t(f"result_{code}"), code) for code in RESULTS])
        _fill(self.reason, [(t(f"reason_{code}"), code) for code in REASONS])
        model = self.controller.model
        if model is not None:
            self.window().setWindowTitle(t("title", desk=model.desk))
            services = sorted(model.hall.get("services", {}).values(), key=lambda s: s["name"][lang])
            choices = [(s["name"][lang], s["id"]) for s in services]
            _fill(self.transfer_service, choices)
            _fill(self.add_service_choice, choices)
            _fill(self.booking.service, choices)

        self.refresh()

    def refresh(self) -> None:
        model, t, lang = self.controller.model, self.catalogue.t, self.catalogue.lang
        if model is None:
            return
        self.booking.show_hall_date(model.now().date())  # the hall's date (its clock may differ from this PC's)
        online = self.controller.online
        if not online:
            status, colour = t("offline"), "#b71c1c"
        elif model.hall_paused:
            status, colour = t("hall_paused"), "#b71c1c"
        elif model.status == "paused":
            status, colour = t("desk_paused", reason=t(f"reason_{model.pause_reason}")
                               if model.pause_reason in REASONS else model.pause_reason), "#e65100"
        elif model.status == "closed":
            status, colour = t("desk_closed"), "#555555"
        else:
            status, colour = t("online"), "#1b5e20"
        self.status.setText(status)
        self.status.setStyleSheet(f"color: {colour}; font-weight: bold;")
        current = model.current()
        if current is None:
            self.ticket.setText("—")
            self.service.setText(t("no_visitor"))
            self.marks.clear()
            self.timer.clear()
        else:
            self.ticket.setText(current.ticket)
            self.service.setText(model.service_name(current.service_id, lang))
            marks = []
            if current.priority_category:
                marks.append(t("priority", category=model.priority_name(current.priority_category, lang)))
            if current.booked_for is not None:
                marks.append(t("booked", time=f"{current.booked_for:%H:%M}"))
            self.marks.setText(" · ".join(marks))
            elapsed = duration(model.now() - current.since) if current.since else "0:00"
            key = "called_for" if current.state == "called" else "serving_for"
            timer = t(key, time=elapsed)
            if current.recall_count:
                timer += " · " + t("recalls", count=current.recall_count)
            self.timer.setText(timer)
        allowed = model.allowed()  # offline too: a click then waits in the outbox, it is not lost
        for action, button in self.buttons.items():
            button.setEnabled(action in allowed)
        rows = model.queues()
        self.queues.setRowCount(len(rows))
        for index, row in enumerate(rows):
            for column, value in enumerate((model.service_name(row.service_id, lang), str(row.weight),
                                            str(row.waiting), duration(row.longest))):
                item = QTableWidgetItem(value)
                if column:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.queues.setItem(index, column, item)
        self.totals.setText(t("totals", served=model.served, no_shows=model.no_shows))
        self.messages.clear()
        for at, text in model.messages()[:20]:
            self.messages.addItem(f"{at:%H:%M}  {text}")


def _fill(combo: QComboBox, items: list[tuple[str, object]]) -> None:
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for text, data in items:
        combo.addItem(text, data)
    index = combo.findData(current)
    combo.setCurrentIndex(max(index, 0))
    combo.blockSignals(False)


class ConsoleWindow(QStackedWidget):
    """Login first, then the console. `cherha console --server URL`."""

    def __init__(self, server: str, lang: str = "uk") -> None:
        super().__init__()
        self.catalogue = Catalogue(lang)
        self.controller = ConsoleController(self.catalogue)
        self.login_view = LoginView(self.catalogue, server)
        self.console_view = ConsoleView(self.catalogue, self.controller)
        self.addWidget(self.login_view)
        self.addWidget(self.console_view)
        self.setWindowTitle(self.catalogue.t("login_title"))
        self.resize(1280, 720)
        self.login_view.sign_in.clicked.connect(self.sign_in)
        self.login_view.pin.returnPressed.connect(self.sign_in)
        self.login_view.language.clicked.connect(self.toggle_language)
        self.console_view.language.clicked.connect(self.toggle_language)
        self.controller.logged_in.connect(self.show_console)
        self.controller.login_failed.connect(self.show_login_error)
        self.controller.signed_out.connect(self.show_signed_out)
        self.controller.changed.connect(self.console_view.refresh)
        self.controller.online_changed.connect(self.set_online)
        self.controller.refused.connect(self.console_view.show_refusal)

    def sign_in(self) -> None:
        view = self.login_view
        view.error.clear()
        self.controller.login(view.server.text().strip(), view.login.text().strip(), view.pin.text(),
                              view.desk.value())

    def show_console(self) -> None:
        self.login_view.pin.clear()  # the PIN is not kept anywhere once the session exists
        self.setCurrentWidget(self.console_view)
        self.console_view.retranslate()

    def show_login_error(self, error: dict[str, object]) -> None:
        message = error.get("message")
        text = message.get(self.catalogue.lang) if isinstance(message, dict) else None
        self.login_view.error.setText(str(text or error.get("code")))

    def show_signed_out(self, error: dict[str, object]) -> None:
        """The session ended on the server (logged out elsewhere, revoked): back to the sign-in, saying so."""
        self.setCurrentWidget(self.login_view)
        self.setWindowTitle(self.catalogue.t("login_title"))
        self.login_view.error.setText(self.catalogue.t("signed_out"))

    def set_online(self, online: bool) -> None:
        self.controller.online = online
        self.console_view.refresh()

    def toggle_language(self) -> None:
        self.catalogue.toggle()
        self.login_view.retranslate()
        self.console_view.retranslate()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self.controller.shutdown()
        super().closeEvent(event)
