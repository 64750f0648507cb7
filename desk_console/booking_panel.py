"""The console's "booking by phone" tab: a caller is booked and the code read out to them."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateEdit, QFormLayout, QLabel, QLineEdit, QPushButton, QWidget

from .controller import ConsoleController
from .i18n import Catalogue
from .service_picker import ServiceField, ServicePicker


class PhoneBookingPanel(QWidget):
    def __init__(self, catalogue: Catalogue, controller: ConsoleController, picker: ServicePicker) -> None:
        super().__init__()
        self.catalogue, self.controller = catalogue, controller
        form = QFormLayout(self)
        self.service = ServiceField(catalogue, picker, "booking_service_title")
        self.date = QDateEdit()
        self.date.setCalendarPopup(True)
        self._hall_today: QDate | None = None
        self.find_button = QPushButton()
        self.slot = QComboBox()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("+380 50 123 45 67")
        self.consent = QCheckBox()
        self.book_button = QPushButton()
        self.result = QLabel()
        self.result.setFont(QFont(self.font().family(), 16, QFont.Weight.Bold))
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setWordWrap(True)  # a long confirmation wraps rather than widening the whole console
        self.labels = [QLabel() for _ in range(4)]
        form.addRow(self.labels[0], self.service)
        form.addRow(self.labels[1], self.date)
        form.addRow(self.find_button)
        form.addRow(self.labels[2], self.slot)
        form.addRow(self.labels[3], self.phone)
        form.addRow(self.consent)
        form.addRow(self.book_button)
        form.addRow(self.result)
        self.find_button.clicked.connect(self._find_slots)
        self.book_button.clicked.connect(self._book)
        controller.slots_loaded.connect(self._show_slots)
        controller.booked.connect(self._show_booking)

    def retranslate(self) -> None:
        t = self.catalogue.t
        for label, key in zip(self.labels, ("service", "date", "time", "phone"), strict=True):
            label.setText(t(key))
        self.find_button.setText(t("find_times"))
        self.consent.setText(t("sms_consent"))
        self.book_button.setText(t("book"))

    def show_hall_date(self, today: date) -> None:
        """Book from the hall's today on: the first time the hall's date is known, and whenever it moves on.

        Qt's own default is this PC's date (or 2000-01-01, by version), which is neither.
        """
        hall_today = QDate(today.year, today.month, today.day)
        if self._hall_today != hall_today:
            self._hall_today = hall_today
            self.date.setMinimumDate(hall_today)
            self.date.setDate(hall_today)

    def _find_slots(self) -> None:
        service = self.service.currentData()
        if service is None:  # the service first: then the free times at once
            self.service.pick(then=self._find_slots)
            return
        self.controller.load_slots(service, self.date.date().toString("yyyy-MM-dd"))

    def _show_slots(self, slots: list[dict[str, object]]) -> None:
        self.slot.clear()
        for slot in slots:
            start = str(slot["start"])
            self.slot.addItem(start[11:16], start)
        self.book_button.setEnabled(bool(slots))
        self.result.setText("" if slots else self.catalogue.t("no_times"))

    def _book(self) -> None:
        self.controller.book_by_phone(self.service.currentData() or "", self.slot.currentData(), self.phone.text(),
                                      self.consent.isChecked(), self.catalogue.lang)

    def _show_booking(self, booking: dict[str, object]) -> None:
        start = str(booking["start"])
        self.result.setText(self.catalogue.t("booking_done", code=booking["code"],
                                             when=f"{start[8:10]}.{start[5:7]} {start[11:16]}"))
