"""Between the views and the Qt-free client: runs commands, turns results and pushes into Qt signals.

The client lives on the runner's thread; everything that touches the model or a widget happens on the Qt
thread, reached through queued signals.
"""

from __future__ import annotations

import concurrent.futures
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from .client import CommandRefused, DeskClient, LoginFailed
from .i18n import Catalogue
from .model import ConsoleModel
from .runner import AsyncRunner


class ConsoleController(QObject):
    logged_in = Signal()
    login_failed = Signal(dict)
    changed = Signal()
    online_changed = Signal(bool)
    refused = Signal(dict)
    _snapshot = Signal(dict)
    _event = Signal(dict)
    _created = Signal(int)
    slots_loaded = Signal(list)
    booked = Signal(dict)

    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.runner = AsyncRunner()
        self.client: DeskClient | None = None
        self.model: ConsoleModel | None = None
        self.online = False
        self._early: list[tuple[str, dict[str, Any]]] = []  # pushes that came before the model existed
        self._snapshot.connect(self._apply_snapshot)
        self._event.connect(self._apply_event)
        self._created.connect(self._create_model)

    # -- the listener interface, called on the client's thread -----------------------------------
    def on_snapshot(self, snapshot: dict[str, Any]) -> None:
        self._snapshot.emit(snapshot)

    def on_event(self, seq: int, event: dict[str, Any]) -> None:
        self._event.emit(event)

    def on_online(self, online: bool) -> None:
        self.online_changed.emit(online)

    # -- on the Qt thread ----------------------------------------------------------------------
    def login(self, server: str, login: str, pin: str, desk: int) -> None:
        self.client = DeskClient(server, self)
        future = self.runner.submit(self.client.login(login, pin, desk))
        future.add_done_callback(lambda done: self._after_login(done, desk))

    def _after_login(self, done: concurrent.futures.Future[dict[str, Any]], desk: int) -> None:
        try:
            done.result()
        except LoginFailed as failure:
            self.login_failed.emit(failure.error)
            return
        except Exception as exc:  # the server is unreachable or answered nonsense
            self.login_failed.emit({"code": "unreachable", "message": {"uk": str(exc), "en": str(exc)}})
            return
        self._created.emit(desk)

    def _create_model(self, desk: int) -> None:
        assert self.client is not None
        self.model = ConsoleModel(desk, self.client.hall)
        for kind, payload in self._early:
            self.model.load(payload) if kind == "snapshot" else self.model.apply(payload)
        self._early.clear()
        self.logged_in.emit()
        self.changed.emit()
        self.act("desk_open")

    def _apply_snapshot(self, snapshot: dict[str, Any]) -> None:
        if self.model is None:
            self._early.append(("snapshot", snapshot))
            return
        self.model.load(snapshot)
        self.changed.emit()

    def _apply_event(self, event: dict[str, Any]) -> None:
        if self.model is None:
            self._early.append(("event", event))
            return
        self.model.apply(event)
        self.changed.emit()

    def act(self, action: str, **fields: Any) -> None:
        """Send a command; it waits in the client's outbox while offline. A refusal is shown plainly."""
        assert self.client is not None
        self._run(self.client.command(action, **fields), lambda _result: None)

    def _run(self, job: Coroutine[Any, Any, dict[str, Any]], then: Callable[[dict[str, Any]], None]) -> None:
        """Run on the client's thread; `then` gets the answer, a refusal or failure goes to `refused`."""
        def settle(done: concurrent.futures.Future[dict[str, Any]]) -> None:
            try:
                then(done.result())
            except CommandRefused as refusal:
                self.refused.emit(refusal.error)
            except Exception as exc:
                self.refused.emit({"code": "failed", "message": {"uk": str(exc), "en": str(exc)}})

        self.runner.submit(job).add_done_callback(settle)

    # -- bookings taken by phone --------------------------------------------------------------------
    def load_slots(self, service_id: str, day: str) -> None:
        assert self.client is not None
        self._run(self.client.rest("GET", f"/api/booking/slots?service_id={service_id}&date={day}"),
                  lambda answer: self.slots_loaded.emit([s for s in answer["slots"] if s["free"] > 0]))

    def book_by_phone(self, service_id: str, start: str, phone: str, consent: bool, lang: str) -> None:
        assert self.client is not None
        body = {"command_id": uuid.uuid4().hex, "service_id": service_id, "start": start, "phone": phone,
                "consent": consent, "lang": lang}
        self._run(self.client.rest("POST", "/api/bookings", body), lambda answer: self.booked.emit(answer["booking"]))

    def shutdown(self) -> None:
        if self.client is not None:
            self.runner.submit(self.client.stop()).result(5)
        self.runner.stop()
