"""The console's widgets: layout and text only; every decision is the model's or the controller's.

Drawing. `refresh` runs when the server's view changes and on the clock's tick (1 s: the timers and the longest
waits count on between patches). It writes a label or a cell only when its text changed, and updates tables
and lists in place: nothing is deleted and made again every second (panels.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .actions import ACTIONS, BY_NAME, CONFIRM_SECONDS, PALETTE_KEY, Option
from .booking_panel import PhoneBookingPanel
from .colours import CLOSED_SERVICE, STYLES
from .controller import ConsoleController
from .i18n import Catalogue
from .palette import CommandPalette
from .panels import MessagesPanel, PostponedPanel, set_cell
from .service_picker import ServiceField, ServicePicker
from .session_store import SavedSession, SessionStore, default_path

RESULTS = ("served", "consulted", "documents_missing")
REASONS = ("break", "back_office", "lunch")
CLOSE_REASONS = ("closed", "registry_offline")  # the supervisor's reasons with words; any other is shown as given
RESUME_RETRY_MS = 5000  # a saved session whose server does not answer yet is tried again this often


def duration(value: timedelta) -> str:
    seconds = max(0, int(value.total_seconds()))
    return f"{seconds // 60}:{seconds % 60:02d}"


def set_text(label: QLabel | QPushButton | QCheckBox, text: str) -> None:
    if label.text() != text:
        label.setText(text)


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
        # The error and the notice wrap inside the form's width and grow downwards: shown whole, however long.
        self.error = QLabel()
        self.error.setStyleSheet(STYLES["error"])
        self.error.setWordWrap(True)
        self.error.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = QFormLayout()
        for field in (self.server, self.desk, self.login, self.pin):
            self.form.addRow(QLabel(), field)
        self.box = QWidget()
        self.box.setFixedWidth(480)
        inner = QVBoxLayout(self.box)
        inner.addLayout(self.form)
        inner.addWidget(self.sign_in, alignment=Qt.AlignmentFlag.AlignHCenter)
        inner.addWidget(self.error)
        inner.addWidget(self.language, alignment=Qt.AlignmentFlag.AlignHCenter)
        centred = QHBoxLayout()  # not an alignment flag: that would give the box its one-line height
        centred.addStretch()
        centred.addWidget(self.box)
        centred.addStretch()
        layout = QVBoxLayout(self)
        layout.addStretch()
        layout.addWidget(self.title, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addLayout(centred)
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
        self.read_until: datetime | None = None  # supervisor messages up to this one were marked read
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.language = QPushButton()
        self.sign_out = QPushButton()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(STYLES["error_bold"])

        self.current_box = QGroupBox()
        self.ticket = QLabel()
        self.ticket.setFont(QFont(self.font().family(), 34, QFont.Weight.Bold))
        self.service = QLabel()
        self.service.setWordWrap(True)
        self.marks = QLabel()
        self.marks.setStyleSheet(STYLES["marks"])
        self.timer = QLabel()
        current = QVBoxLayout(self.current_box)
        for widget in (self.ticket, self.service, self.marks, self.timer):
            current.addWidget(widget)

        self.picker = ServicePicker(self, catalogue)
        self.result = QComboBox()
        self.reason = QComboBox()
        self.transfer_service = ServiceField(catalogue, self.picker, "transfer_to_service")
        self.transfer_desk = QSpinBox()
        self.transfer_desk.setRange(0, 999)
        self.back_to_me = QCheckBox()
        self.postpone_minutes = QSpinBox()
        self.postpone_minutes.setRange(5, 30)
        self.postpone_minutes.setValue(10)
        self.ticket_input = QLineEdit()
        self.ticket_input.setPlaceholderText("П-015")
        self.ticket_input.returnPressed.connect(lambda: self.trigger("call_ticket"))
        self.add_service_choice = ServiceField(catalogue, self.picker, "add_service_title")
        self.labels: dict[str, QLabel] = {"to_service": QLabel(), "to_desk": QLabel()}
        options: dict[Option, QWidget] = {Option.RESULT: self.result, Option.REASON: self.reason,
                                          Option.MINUTES: self.postpone_minutes, Option.TICKET: self.ticket_input,
                                          Option.SERVICE: self.add_service_choice}

        # Every button and key from the one table (actions.py); the palette reaches every action by name.
        self.buttons: dict[str, QPushButton] = {}
        for row in ACTIONS:
            button = QPushButton()
            # Two lines for one that asks for a second press («Точно не з’явився? / Натисніть ще раз»): its row
            # keeps that height, so nothing moves when it is armed.
            button.setMinimumHeight(max(34, 2 * button.fontMetrics().lineSpacing() + 10) if row.confirm else 34)
            button.clicked.connect(lambda _=False, a=row.name: self.trigger(a))
            if row.key is not None:
                shortcut = QShortcut(QKeySequence(row.key), self)
                shortcut.activated.connect(lambda a=row.name: self.trigger(a))
            self.buttons[row.name] = button
        self.armed: tuple[str, str] | None = None  # (action, visit id) pressed once, waiting for the second press
        self.disarm_timer = QTimer(self)
        self.disarm_timer.setSingleShot(True)
        self.disarm_timer.setInterval(CONFIRM_SECONDS * 1000)
        self.disarm_timer.timeout.connect(self.disarm)
        self.command_palette = CommandPalette(self, catalogue, self._allowed, self.trigger)
        self.palette_button = QPushButton()
        self.palette_button.clicked.connect(self.command_palette.popup)
        QShortcut(QKeySequence(PALETTE_KEY), self).activated.connect(self.command_palette.popup)

        # Two columns of actions, each with its option under it: fits a 1366x768 laptop screen.
        actions = QGridLayout()
        actions.setColumnStretch(0, 1)
        actions.setColumnStretch(1, 1)
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
        # Rows as tall as their text: a long name, or a closed service's reason, is read whole, never cut.
        self.queues.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.queues.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.queues.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        QVBoxLayout(self.queues_box).addWidget(self.queues)
        self.totals = QLabel()
        self.postponed = PostponedPanel(catalogue)
        self.postponed.call.connect(self.call_early)
        self.messages_panel = MessagesPanel(catalogue)
        self.messages_panel.read.connect(self._marked_read)
        self.messages = self.messages_panel.list

        left = QVBoxLayout()
        left.addWidget(self.current_box)
        left.addLayout(actions)
        left.addWidget(transfer)
        left.addStretch()
        desk_tab = QWidget()
        desk_layout = QVBoxLayout(desk_tab)
        desk_layout.addWidget(self.queues_box, stretch=1)
        desk_layout.addWidget(self.totals)
        desk_layout.addWidget(self.postponed)
        self.tabs = QTabWidget()
        self.tabs.addTab(desk_tab, "")
        self.booking = PhoneBookingPanel(catalogue, controller, self.picker)
        self.tabs.addTab(self.booking, "")
        right = QVBoxLayout()
        right.addWidget(self.tabs, stretch=1)
        right.addWidget(self.messages_panel)  # outside the tabs: a message is seen whichever tab is open
        top = QHBoxLayout()
        top.addWidget(self.status, stretch=1)
        top.addWidget(self.palette_button)
        top.addWidget(self.language)
        top.addWidget(self.sign_out)
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
        row = BY_NAME[action]
        option = row.option
        if option is Option.TICKET and not self.ticket_input.text().strip():
            self.ticket_input.setFocus()  # the number is typed first; Enter there calls it
            return
        if option is Option.SERVICE and self.add_service_choice.currentData() is None:
            self.add_service_choice.pick(then=lambda: self.trigger(action))  # F9, a few letters, Enter: added
            return
        if option is Option.DESTINATION and self.transfer_service.currentData() is None \
                and not self.transfer_desk.value():
            self.transfer_service.pick(then=lambda: self.trigger(action))  # F6, a few letters, Enter: sent
            return
        if row.confirm and not self._confirmed(action):
            return
        self.error.clear()
        self.controller.act(action, **self._fields(option))
        if option is Option.SERVICE:
            self.add_service_choice.set_service(None)  # the next visitor's is chosen anew
        elif option is Option.DESTINATION:
            self.transfer_service.set_service(None)
            self.transfer_desk.setValue(0)
            self.back_to_me.setChecked(False)

    def _confirmed(self, action: str) -> bool:
        """The second press within CONFIRM_SECONDS for the same visitor runs it; the first one arms it."""
        model = self.controller.model
        current = model.current() if model is not None else None
        visit = current.visit_id if current is not None else ""
        if self.armed == (action, visit):
            self.disarm()
            return True
        self.disarm()
        self.armed = (action, visit)
        button = self.buttons[action]
        key = BY_NAME[action].key
        button.setText(self.catalogue.t(f"{BY_NAME[action].label}_confirm") + (f"  [{key}]" if key else ""))
        button.setStyleSheet(STYLES["armed"])
        self.disarm_timer.start()
        return False

    def disarm(self) -> None:
        if self.armed is None:
            return
        action, self.armed = self.armed[0], None
        self.disarm_timer.stop()
        self.buttons[action].setStyleSheet("")
        self._label_button(action)

    def _marked_read(self, _at: str) -> None:
        self.read_until = self.messages_panel.read_until
        self.refresh()

    def call_early(self, ticket: str) -> None:
        """A postponed visitor called before their time (call_ticket: the server allows it)."""
        if not self.buttons["call_ticket"].isEnabled():
            return
        self.error.clear()
        self.controller.act("call_ticket", ticket=ticket)

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
            fields: dict[str, object] = {"back_to_me": self.back_to_me.isChecked()}
            if self.transfer_service.currentData() is not None:
                fields["to_service"] = self.transfer_service.currentData()
            if self.transfer_desk.value():
                fields["to_desk"] = self.transfer_desk.value()
            return fields
        return {}

    def show_refusal(self, error: dict[str, object]) -> None:
        message = error.get("message")
        text = message.get(self.catalogue.lang) if isinstance(message, dict) else None
        self.error.setText(str(text or error.get("code")))

    # -- drawing ----------------------------------------------------------------------------------
    def _label_button(self, action: str) -> None:
        row = BY_NAME[action]
        label = self.catalogue.t(row.label)
        self.buttons[action].setText(f"{label}  [{row.key}]" if row.key else label)

    def retranslate(self) -> None:
        t, lang = self.catalogue.t, self.catalogue.lang
        self.disarm()
        for row in ACTIONS:
            self._label_button(row.name)
        self.palette_button.setText(t("palette", shortcut=PALETTE_KEY))
        self.language.setText(t("language"))
        self.sign_out.setText(t("sign_out"))
        self.current_box.setTitle(t("current"))
        self.queues_box.setTitle(t("queues"))
        self.transfer_box.setTitle(t("transfer"))
        self.labels["to_service"].setText(t("to_service"))
        self.labels["to_desk"].setText(t("to_desk"))
        self.back_to_me.setText(t("back_to_me"))
        self.queues.setHorizontalHeaderLabels([t("service"), t("weight"), t("waiting"), t("longest")])
        self.tabs.setTabText(0, t("desk_tab"))
        self.tabs.setTabText(1, t("phone_booking"))
        self.booking.retranslate()
        self.postponed.retranslate()
        self.messages_panel.retranslate()
        _fill(self.result, [(t(f"result_{code}"), code) for code in RESULTS])
        _fill(self.reason, [(t(f"reason_{code}"), code) for code in REASONS])
        model = self.controller.model
        if model is not None:
            groups = model.service_groups(lang, t("other_services"))
            for field in (self.transfer_service, self.add_service_choice, self.booking.service):
                field.set_groups(groups)
        self.refresh()

    def refresh(self) -> None:
        model, t, lang = self.controller.model, self.catalogue.t, self.catalogue.lang
        if model is None:
            return
        self.booking.show_hall_date(model.now().date())  # the hall's date (its clock may differ from this PC's)
        online = self.controller.online
        if not online:
            status, style = t("offline"), STYLES["status_offline"]
        elif model.hall_paused:
            status, style = t("hall_paused"), STYLES["status_offline"]
        elif model.status == "paused":
            status, style = t("desk_paused", reason=t(f"reason_{model.pause_reason}")
                               if model.pause_reason in REASONS else model.pause_reason), STYLES["status_paused"]
        elif model.status == "closed":
            status, style = t("desk_closed"), STYLES["status_closed"]
        else:
            status, style = t("online"), STYLES["status_online"]
        set_text(self.status, status)
        if self.status.styleSheet() != style:
            self.status.setStyleSheet(style)
        current = model.current()
        if self.armed is not None and self.armed[1] != (current.visit_id if current else ""):
            self.disarm()  # armed for a visitor who is no longer at the desk
        if current is None:
            set_text(self.ticket, "—")
            set_text(self.service, t("no_visitor"))
            set_text(self.marks, "")
            set_text(self.timer, "")
        else:
            set_text(self.ticket, current.ticket)
            set_text(self.service, model.service_name(current.service_id, lang))
            marks = []
            if current.priority_category:
                marks.append(t("priority", category=model.priority_name(current.priority_category, lang)))
            if current.booked_for is not None:
                marks.append(t("booked", time=f"{current.booked_for:%H:%M}"))
            set_text(self.marks, " · ".join(marks))
            elapsed = duration(model.now() - current.since) if current.since else "0:00"
            key = "called_for" if current.state == "called" else "serving_for"
            timer = t(key, time=elapsed)
            if current.recall_count:
                timer += " · " + t("recalls", count=current.recall_count)
            set_text(self.timer, timer)
        allowed = model.allowed()  # offline too: a click then waits in the outbox, it is not lost
        for action, button in self.buttons.items():
            if button.isEnabled() != (action in allowed):
                button.setEnabled(action in allowed)
        self._draw_queues()
        set_text(self.totals, t("totals", served=model.served, no_shows=model.no_shows))
        names = {sid: model.service_name(sid, lang) for sid in model.hall.get("services", {})}
        self.postponed.show_rows(model.postponed(), names, "call_ticket" in allowed)
        if self.messages_panel.show_messages(model.messages(), self.read_until):
            QApplication.alert(self.window())  # a new message: the taskbar flashes if the window is behind
        title = t("title", desk=model.desk)
        unread = self.messages_panel.unread
        title = f"({unread}) {title}" if unread else title
        if self.window().windowTitle() != title:
            self.window().setWindowTitle(title)

    def _draw_queues(self) -> None:
        model, t, lang = self.controller.model, self.catalogue.t, self.catalogue.lang
        assert model is not None
        rows, closed = model.queues(), model.closed_services()
        if self.queues.rowCount() != len(rows):
            self.queues.setRowCount(len(rows))
        for index, row in enumerate(rows):
            name, tip, colour = model.service_name(row.service_id, lang), None, None
            if row.service_id in closed:
                reason = closed[row.service_id]
                words = t(f"close_reason_{reason}") if reason in CLOSE_REASONS else reason
                name = t("service_closed_mark", name=name, reason=words)
                tip, colour = name, CLOSED_SERVICE
            set_cell(self.queues, index, 0, name, tip=tip, colour=colour)
            set_cell(self.queues, index, 1, str(row.weight), centred=True, colour=colour)
            set_cell(self.queues, index, 2, str(row.waiting), centred=True, colour=colour)
            set_cell(self.queues, index, 3, duration(row.longest), centred=True, colour=colour)


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
    """Sign-in first (or straight back to the desk with the saved session), then the console.
    `cherha console --server URL`."""

    def __init__(self, server: str, lang: str = "uk", session_file: Path | None = None) -> None:
        super().__init__()
        self.catalogue = Catalogue(lang)
        self.store = SessionStore(session_file or default_path())
        self.controller = ConsoleController(self.catalogue)
        self.login_view = LoginView(self.catalogue, server)
        self.console_view = ConsoleView(self.catalogue, self.controller)
        self.addWidget(self.login_view)
        self.addWidget(self.console_view)
        self.setWindowTitle(self.catalogue.t("login_title"))
        self.resize(1280, 720)
        self.resuming: SavedSession | None = None  # signing in with the saved session, not a PIN
        self.retry = QTimer(self)
        self.retry.setSingleShot(True)
        self.retry.setInterval(RESUME_RETRY_MS)
        self.retry.timeout.connect(self.resume)
        self.login_view.sign_in.clicked.connect(self.sign_in)
        self.login_view.pin.returnPressed.connect(self.sign_in)
        self.login_view.language.clicked.connect(self.toggle_language)
        self.console_view.language.clicked.connect(self.toggle_language)
        self.console_view.sign_out.clicked.connect(self.sign_out)
        self.console_view.messages_panel.read.connect(self.store.mark_read)
        self.controller.logged_in.connect(self.show_console)
        self.controller.login_failed.connect(self.show_login_error)
        self.controller.signed_out.connect(self.show_signed_out)
        self.controller.changed.connect(self.console_view.refresh)
        self.controller.online_changed.connect(self.set_online)
        self.controller.refused.connect(self.console_view.show_refusal)
        self.resume()

    def resume(self) -> None:
        """Back to the desk with the saved session, if there is one for this server: no PIN asked."""
        saved = self.store.load()
        if saved is None or saved.server.rstrip("/") != self.login_view.server.text().strip().rstrip("/"):
            return
        self.resuming = saved
        view = self.login_view
        view.desk.setValue(saved.desk)
        view.login.setText(saved.login)
        view.error.setStyleSheet(STYLES["done"])
        view.error.setText(self.catalogue.t("resuming", desk=saved.desk))
        self.controller.resume(saved.server, saved.token, saved.desk)

    def sign_in(self) -> None:
        view = self.login_view
        self.resuming = None
        self.retry.stop()
        view.error.clear()
        view.error.setStyleSheet(STYLES["error"])
        self.controller.login(view.server.text().strip(), view.login.text().strip(), view.pin.text(),
                              view.desk.value())

    def show_console(self) -> None:
        self.login_view.pin.clear()  # the PIN is not kept anywhere once the session exists
        model, client = self.controller.model, self.controller.client
        if model is not None and client is not None and client.token is not None:
            saved = self.resuming
            read_until = saved.read_until if saved is not None and saved.desk == model.desk else None
            self.store.save(SavedSession(self.controller.server, model.desk, str(client.identity.get("name") or
                                         self.login_view.login.text().strip()), client.token, read_until))
            self.console_view.read_until = datetime.fromisoformat(read_until) if read_until else None
        self.resuming = None
        self.setCurrentWidget(self.console_view)
        self.console_view.retranslate()

    def show_login_error(self, error: dict[str, object]) -> None:
        t, view = self.catalogue.t, self.login_view
        view.error.setStyleSheet(STYLES["error"])
        if error.get("code") == "unreachable":
            params = error.get("params")
            details = str(params.get("details", "")) if isinstance(params, dict) else ""
            text = t("unreachable", server=view.server.text().strip(), details=details)
            if self.resuming is not None:  # the saved session is still good: try again by itself
                text += " " + t("resume_retry")
                self.retry.start()
            view.error.setText(text)
            return
        if self.resuming is not None:  # the saved token was refused (logged out elsewhere, expired)
            self.resuming = None
            self.store.forget()
            view.error.setText(t("session_expired"))
            return
        message = error.get("message")
        words = message.get(self.catalogue.lang) if isinstance(message, dict) else None
        view.error.setText(str(words or error.get("code")))

    def show_signed_out(self, error: dict[str, object]) -> None:
        """The session ended on the server (logged out elsewhere, revoked): back to the sign-in, saying so."""
        self.store.forget()
        self._to_login(self.catalogue.t("signed_out"))

    def sign_out(self) -> None:
        """The operator leaves: the session ends here and on the server, and is not kept for a restart."""
        self.console_view.disarm()
        self.controller.sign_out()
        self.store.forget()
        self._to_login("")

    def _to_login(self, text: str) -> None:
        self.retry.stop()
        self.resuming = None
        self.setCurrentWidget(self.login_view)
        self.setWindowTitle(self.catalogue.t("login_title"))
        self.login_view.error.setStyleSheet(STYLES["error"])
        self.login_view.error.setText(text)

    def set_online(self, online: bool) -> None:
        self.controller.online = online
        self.console_view.refresh()

    def toggle_language(self) -> None:
        self.catalogue.toggle()
        self.login_view.retranslate()
        self.console_view.retranslate()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed (or the PC shut down): the session stays saved, the next start comes back to the desk."""
        self.retry.stop()
        self.console_view.clock.stop()
        self.controller.shutdown()
        super().closeEvent(event)
