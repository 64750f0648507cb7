"""Between the views and the protocol client (cherha_client.Client): runs commands, turns results and the
server's views into Qt signals.

The client lives on the runner's thread and its own asyncio loop; everything that touches the model or a
widget happens on the Qt thread, reached through queued signals. The client patches its HallView on its
thread, so Qt is handed a copy of it at every change and never reads one being patched.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import aiohttp
from PySide6.QtCore import QObject, Signal

from cherha_client import Client, HallView, ProtocolError

from .i18n import Catalogue
from .model import ConsoleModel
from .runner import AsyncRunner

LOGIN_TIMEOUT = 15.0  # the server answered /api/hall just before: its socket is expected at once
MAX_DELAY = 5.0  # the longest wait between two reconnect attempts


class ConsoleController(QObject):
    logged_in = Signal()
    login_failed = Signal(dict)
    signed_out = Signal(dict)  # the session ended (logged out elsewhere): the console asks to sign in again
    changed = Signal()
    online_changed = Signal(bool)
    refused = Signal(dict)
    _view = Signal(object)  # a HallView copy, from the client's thread
    _status = Signal(bool, object)
    _created = Signal(int, dict)
    slots_loaded = Signal(list)
    booked = Signal(dict)

    def __init__(self, catalogue: Catalogue) -> None:
        super().__init__()
        self.catalogue = catalogue
        self.runner = AsyncRunner()
        self.server = ""
        self.client: Client | None = None
        self.model: ConsoleModel | None = None
        self.online = False
        self._latest: HallView | None = None  # the view that came before the model existed
        self._ending: concurrent.futures.Future[None] | None = None  # a sign-out still telling the server
        self._view.connect(self._apply_view)
        self._status.connect(self._apply_status)
        self._created.connect(self._create_model)

    # -- on the Qt thread ----------------------------------------------------------------------
    def login(self, server: str, login: str, pin: str, desk: int) -> None:
        self._start(server, {"login": login, "password": pin, "desk": desk}, desk)

    def resume(self, server: str, token: str, desk: int) -> None:
        """Back to the desk with a saved session token (after a restart): no PIN. A token the server refuses
        ends in `login_failed` with its error, as a wrong PIN does."""
        self._start(server, {"token": token}, desk)

    def _start(self, server: str, auth: dict[str, Any], desk: int) -> None:
        if self.client is not None:  # signed out earlier: that client has stopped; let it go
            self.runner.submit(self.client.close())
        self.server = server.rstrip("/")
        client = Client(self.server, auth, max_delay=MAX_DELAY)
        # These two run on the client's thread: a copy of the view, and the status, cross to Qt's by signals.
        client.on_change = lambda _change: self._view.emit(client.view.copy())
        client.on_status = lambda online, error: self._status.emit(online, error)
        self.client, self.model = client, None
        future = self.runner.submit(self._sign_in(client))
        future.add_done_callback(lambda done: self._after_login(done, client, desk))

    def sign_out(self) -> None:
        """End the session on the server (best effort: offline, it simply expires) and stop the client."""
        client, self.client, self.model, self.online = self.client, None, None, False
        if client is None:
            return
        token = client.token

        async def end() -> None:
            await client.close()
            if token is not None:
                with contextlib.suppress(Exception):
                    await self._rest("DELETE", "/api/sessions", token=token)

        self._ending = self.runner.submit(end())

    async def _sign_in(self, client: Client) -> dict[str, Any]:
        """The hall's names first (an unreachable server is said at once), then the socket: the PIN once."""
        hall = await self._rest("GET", "/api/hall", token=None)
        await asyncio.wait_for(client.start(), LOGIN_TIMEOUT)
        return hall

    def _after_login(self, done: concurrent.futures.Future[dict[str, Any]], client: Client, desk: int) -> None:
        if client is not self.client:  # signed in again, or out, meanwhile: this attempt is over
            return
        try:
            hall = done.result()
        except ProtocolError as failure:
            self.login_failed.emit(failure.error)
            return
        except Exception as exc:  # the server is unreachable or answered nonsense: the window says it in words
            self.login_failed.emit({"code": "unreachable", "params": {"details": str(exc) or type(exc).__name__}})
            return
        self._created.emit(desk, hall)

    def _create_model(self, desk: int, hall: dict[str, Any]) -> None:
        if self.client is None:  # signed out while signing in
            return
        desk = int(self.client.identity.get("desk") or desk)  # the server's word: the session's desk
        self.model = ConsoleModel(desk, hall, self._latest)
        self._latest = None
        self.online = self.client is not None and self.client.online
        self.logged_in.emit()
        self.changed.emit()
        self.act("desk_open")  # nothing happens if it is already open by this operator

    def _apply_view(self, view: HallView) -> None:
        if self.client is None:  # a late frame of a client signed out
            return
        if self.model is None:
            self._latest = view
            return
        self.model.set_view(view)
        self.changed.emit()

    def _apply_status(self, online: bool, error: dict[str, Any] | None) -> None:
        self.online = online
        self.online_changed.emit(online)
        if error is not None:
            self.signed_out.emit(error)

    def act(self, action: str, **fields: Any) -> None:
        """Send a command; it waits in the client's outbox while offline. A refusal is shown plainly."""
        if self.client is None:
            return
        self._run(self.client.command(action, **fields), lambda _result: None)

    def _run(self, job: Coroutine[Any, Any, dict[str, Any]], then: Callable[[dict[str, Any]], None]) -> None:
        """Run on the client's thread; `then` gets the answer, a refusal or failure goes to `refused`."""
        def settle(done: concurrent.futures.Future[dict[str, Any]]) -> None:
            try:
                then(done.result())
            except ProtocolError as refusal:
                self.refused.emit(refusal.error)
            except Exception as exc:
                text = str(exc) or type(exc).__name__
                self.refused.emit({"code": "failed", "message": {"uk": text, "en": text}})

        self.runner.submit(job).add_done_callback(settle)

    # -- REST: the hall's names, bookings taken by phone --------------------------------------------
    async def _rest(self, method: str, path: str, body: dict[str, Any] | None = None, *,
                    token: str | None) -> dict[str, Any]:
        """A REST call, with the session's token when given. Raises ProtocolError with the server's error."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        timeout = aiohttp.ClientTimeout(total=LOGIN_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.request(
                method, self.server + path, json=body, headers=headers) as response:
            answer: dict[str, Any] = await response.json()
        if response.status >= 400:
            raise ProtocolError(answer["error"])
        return answer

    def _session_rest(self, method: str, path: str, body: dict[str, Any] | None = None,
                      ) -> Coroutine[Any, Any, dict[str, Any]]:
        assert self.client is not None
        return self._rest(method, path, body, token=self.client.token)

    def load_slots(self, service_id: str, day: str) -> None:
        self._run(self._session_rest("GET", f"/api/booking/slots?service_id={service_id}&date={day}"),
                  lambda answer: self.slots_loaded.emit([s for s in answer["slots"] if s["free"] > 0]))

    def book_by_phone(self, service_id: str, start: str, phone: str, consent: bool, lang: str) -> None:
        body = {"command_id": uuid.uuid4().hex, "service_id": service_id, "start": start, "phone": phone,
                "consent": consent, "lang": lang}
        self._run(self._session_rest("POST", "/api/bookings", body), lambda answer: self.booked.emit(answer["booking"]))

    def shutdown(self) -> None:
        if self.client is not None:
            self.runner.submit(self.client.close()).result(10)
        if self._ending is not None:
            with contextlib.suppress(Exception):
                self._ending.result(10)
        self.runner.stop()
