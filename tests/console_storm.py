"""A desk console at a full hall, for a while: the soak of issue 17 (a short one in tests/test_console_soak.py,
a long one in bench/console_soak.py).

A real server (on its own thread, the hall's clock moved by hand) and one real console window, signed in at
desk 1 through a TCP proxy that the storm cuts. Meanwhile, on the server's side: kiosks issue tickets for the
desk's services and others, five other desks call, serve, postpone and mark no-shows, the supervisor sends
messages (to this desk and to all) and closes and reopens services, the socket of the console is dropped
(and now and then the network is down for a moment), and the hall's clock runs on, with the server's time
ticks. On the console's side an operator works the desk through its own buttons and keys: calls, starts,
finishes, postpones, confirms no-shows, calls postponed visitors back early, transfers, marks messages read,
switches tabs and language; the console's redraw runs far faster than its 1 s.

Afterwards the console must be alive, at its desk, and show what the server's view holds: the same queue
counts, the same current visitor, every message of the day for it, its postponed visitors, the closed
services. The figures say how much happened and what it cost (memory; None's reference count, whose loss
was the crash).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtTest import QTest

from cherha_client import ProtocolError
from desk_console.views import ConsoleWindow

from .server_thread import ServerThread
from .support import WsClient, issue, operator
from .tcp_proxy import TcpProxy

DESK = 1
OTHER_DESKS = (2, 3, 4, 5, 6)
SERVICES_HERE = ("id-card", "id-card-14", "passport-foreign", "passport-lost", "passport-photo")
SERVICES_ELSEWHERE = ("residence-register", "residence-deregister", "tax-number", "birth")


@dataclass
class StormFigures:
    seconds: float = 0.0
    hall_minutes: float = 0.0
    storm_steps: int = 0
    server_events: int = 0
    patches_applied: int = 0  # views and patches the console took in
    redraws: int = 0
    console_actions: int = 0
    tickets: int = 0
    messages: int = 0
    drops: int = 0
    outages: int = 0
    reconnects: int = 0
    refusals_shown: int = 0
    refusal_codes: dict[str, int] = field(default_factory=dict)
    peak_rss_mib: float = 0.0
    rss_growth_mib: float = 0.0  # from a quarter of the way in to the end: a leak shows here
    none_refs_lost: int = 0
    survived: bool = False
    consistent: bool = False
    mismatches: list[str] = field(default_factory=list)


def rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def pump(milliseconds: int) -> None:
    """Qt's event loop for a while (the console runs on this thread). Unlike QTest.qWait, QEventLoop.exec lets
    the other threads (the server, the console's client) run meanwhile, as the real application's loop does."""
    loop = QEventLoop()
    QTimer.singleShot(milliseconds, loop.quit)
    loop.exec()


def wait_until(predicate: Any, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        pump(20)
    return bool(predicate())


class ConsoleStorm:
    def __init__(self, data_dir: Path, session_file: Path, seed: int = 17) -> None:
        self.server = ServerThread(data_dir)
        self.session_file = session_file
        self.rng = random.Random(seed)  # the hall's storm: the same every run
        self.hands = random.Random(seed + 1)  # the operator's choices (their timing is the machine's)
        self.figures = StormFigures()
        self.proxy: TcpProxy | None = None
        self.window: ConsoleWindow | None = None
        self._acted: tuple[int | None, float] = (None, 0.0)  # the view's sequence and time of the last press

    # -- the hall, on the server's thread --------------------------------------------------------------
    async def _storm(self, steps: int, hall_seconds: float, pace: float, drop_every: int,
                     wall_seconds: float | None) -> None:
        """`steps` steps over `hall_seconds` of the hall's time; or, given `wall_seconds`, as many steps as fit
        in that time, the hall's clock keeping pace with it."""
        assert self.server.server is not None and self.proxy is not None
        server, proxy, rng, figures = self.server.server, self.proxy, self.rng, self.figures
        kiosk = await server.device_token()
        desks = {n: await operator(server, n) for n in OTHER_DESKS}
        cycle = {n: 0 for n in OTHER_DESKS}
        supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        step_time = hall_seconds / steps
        closed: set[str] = set()
        down_until = -1
        began, hall_start = time.monotonic(), server.clock.now()
        try:
            async with aiohttp.ClientSession() as http:
                for step in itertools.count():
                    if wall_seconds is None:
                        if step >= steps:
                            break
                        server.clock.advance(seconds=step_time)
                    else:
                        elapsed = time.monotonic() - began
                        if elapsed >= wall_seconds:
                            break
                        server.clock.set(hall_start + timedelta(seconds=hall_seconds * elapsed / wall_seconds))
                    roll, a, b = rng.random(), rng.random(), rng.random()  # the same draws every step
                    try:
                        if roll < 0.30:
                            names = SERVICES_HERE if a < 0.7 else SERVICES_ELSEWHERE
                            await issue(http, server, kiosk, names[int(b * len(names))])
                            figures.tickets += 1
                        elif roll < 0.75:
                            number = OTHER_DESKS[int(a * len(OTHER_DESKS))]
                            await self._desk_step(desks[number], cycle, number, b)
                        elif roll < 0.85:
                            to_me = a < 0.6
                            text = f"Повідомлення {figures.messages + 1}: " + ("вікну 1" if to_me else "усім")
                            await supervisor.command("send_message", text=text, **({"desk": DESK} if to_me else {}))
                            figures.messages += 1
                        elif roll < 0.88:
                            service = SERVICES_HERE[int(a * len(SERVICES_HERE))]
                            if service in closed:
                                await supervisor.command("service_reopen", service_id=service)
                                closed.discard(service)
                            else:
                                reason = ("registry_offline", "closed", "Немає бланків")[int(b * 3)]
                                await supervisor.command("service_close", service_id=service, reason=reason)
                                closed.add(service)
                        else:
                            server.service.tick()  # what the server sends every 20 s: time alone moved
                    except ProtocolError:
                        pass  # a refusal is part of a busy day (nobody waiting, a closed service...)
                    if step == down_until:
                        await proxy.restore()
                    if step and step % drop_every == 0:
                        if figures.drops % 4 == 3 and down_until < step:  # the network down for a moment
                            await proxy.cut()
                            figures.outages += 1
                            down_until = step + max(3, drop_every // 3)
                        else:
                            await proxy.drop()
                        figures.drops += 1
                    figures.storm_steps += 1
                    await asyncio.sleep(pace)
                if down_until >= step:  # the storm ended with the network down: it comes back
                    await proxy.restore()
        finally:
            for client in (*desks.values(), supervisor):
                await client.close()

    async def _desk_step(self, desk: WsClient, cycle: dict[int, int], number: int, roll: float) -> None:
        """Another desk's next move: call, then start (or a no-show, or postpone), then finish."""
        phase = cycle[number]
        try:
            if phase == 0:
                await desk.command("call_next")
                cycle[number] = 1
            elif phase == 1:
                if roll < 0.1:
                    await desk.command("no_show")
                    cycle[number] = 0
                elif roll < 0.2:
                    await desk.command("postpone", minutes=5)
                    cycle[number] = 0
                else:
                    await desk.command("start_service")
                    cycle[number] = 2
            else:
                await desk.command("finish")
                cycle[number] = 0
        except ProtocolError as refusal:
            cycle[number] = {"queue_empty": 0, "desk_busy": 2, "no_current_visit": 0}.get(refusal.code, 0)
            raise

    # -- the operator at desk 1, on Qt's thread ----------------------------------------------------------
    def _operate(self) -> None:
        window, rng, figures = self.window, self.hands, self.figures
        assert window is not None
        console = window.console_view
        model = console.controller.model
        if model is None or window.currentWidget() is not console:
            return
        # An operator looks before the next press: once what was pressed shows, or after a while (offline).
        if model.view.seq == self._acted[0] and time.monotonic() - self._acted[1] < 1.5:
            return
        self._acted = (model.view.seq, time.monotonic())
        allowed = model.allowed()
        roll = rng.random()
        figures.console_actions += 1
        if roll < 0.02:
            console.tabs.setCurrentIndex(1 - console.tabs.currentIndex())
        elif roll < 0.03:
            window.toggle_language()
        elif roll < 0.06:
            console.messages_panel.read_button.click()
        elif "call_next" in allowed:
            rows = console.postponed.rows
            if rows and rng.random() < 0.3:
                console.postponed.table.selectRow(rng.randrange(len(rows)))
                console.postponed.call_selected()
            elif any(row.waiting for row in model.queues()):  # an operator calls when someone waits
                QTest.keyClick(console, Qt.Key.Key_F1)
            else:
                figures.console_actions -= 1
        elif "start_service" in allowed:
            if roll < 0.15:
                console.trigger("no_show")
                console.trigger("no_show")  # confirmed by the second press
            elif roll < 0.25:
                console.postpone_minutes.setValue(5)
                console.trigger("postpone")
            else:
                QTest.keyClick(console, Qt.Key.Key_F3)
        elif "finish" in allowed:
            if roll < 0.12:
                console.transfer_service.set_service(rng.choice(SERVICES_ELSEWHERE))
                console.trigger("transfer")
            else:
                QTest.keyClick(console, Qt.Key.Key_F4)
        else:
            figures.console_actions -= 1

    def _refused(self, error: dict[str, Any]) -> None:
        code = str(error.get("code"))
        self.figures.refusals_shown += 1
        self.figures.refusal_codes[code] = self.figures.refusal_codes.get(code, 0) + 1

    # -- the run -------------------------------------------------------------------------------------------
    def run(self, *, steps: int, hall_seconds: float, pace: float, drop_every: int, redraw_ms: int = 20,
            operate_ms: int = 60, wall_seconds: float | None = None) -> StormFigures:
        figures = self.figures
        began = time.monotonic()
        assert self.server.server is not None
        first_seq = self.server.server.service.hub.last_seq
        started_at = self.server.server.clock.now()
        self.proxy = self.server.run(TcpProxy(self.server.port).start())
        window = self.window = ConsoleWindow(self.proxy.url, session_file=self.session_file)
        window.show()
        view = window.login_view
        view.desk.setValue(DESK)
        view.login.setText(f"op{DESK:02d}")
        view.pin.setText("1111")
        view.sign_in.click()
        console = window.console_view
        if not wait_until(lambda: window.currentWidget() is console and console.controller.online, 20):
            raise RuntimeError(f"the console did not sign in: {view.error.text()}")
        controller = console.controller
        controller.changed.connect(lambda: setattr(figures, "patches_applied", figures.patches_applied + 1))
        controller.online_changed.connect(
            lambda online: setattr(figures, "reconnects", figures.reconnects + 1) if online else None)
        controller.refused.connect(self._refused)
        console.clock.timeout.connect(lambda: setattr(figures, "redraws", figures.redraws + 1))
        console.clock.setInterval(redraw_ms)  # the periodic redraw, far more often than its 1 s
        operating = QTimer()
        operating.timeout.connect(self._operate)
        operating.start(operate_ms)
        memory: list[float] = []
        sampling = QTimer()
        sampling.timeout.connect(lambda: memory.append(rss_mib()))
        sampling.start(250)
        none_before = sys.getrefcount(None)

        storm = asyncio.run_coroutine_threadsafe(
            self._storm(steps, hall_seconds, pace, drop_every, wall_seconds), self.server.loop)
        try:
            while not storm.done():
                pump(20)
            storm.result()
        finally:
            operating.stop()
            sampling.stop()
        none_after = sys.getrefcount(None)
        figures.none_refs_lost = max(0, none_before - none_after) if sys.version_info < (3, 12) else 0
        figures.survived = window.isVisible() and window.currentWidget() is console
        figures.consistent, figures.mismatches = self._settled()
        assert self.server.server is not None
        figures.server_events = self.server.server.service.hub.last_seq - first_seq
        figures.hall_minutes = (self.server.server.clock.now() - started_at) / timedelta(minutes=1)
        memory.append(rss_mib())
        figures.peak_rss_mib = round(max(memory), 1)
        figures.rss_growth_mib = round(memory[-1] - memory[len(memory) // 4], 1)
        figures.seconds = round(time.monotonic() - began, 1)
        return figures

    def _settled(self) -> tuple[bool, list[str]]:
        """Once the storm is over: the console's screen against the server's own view."""
        window, server = self.window, self.server
        assert window is not None and server.server is not None
        console, hub = window.console_view, server.server.service.hub

        def caught_up() -> bool:
            model = console.controller.model
            return console.controller.online and model is not None and model.view.seq == hub.last_seq

        def settled() -> bool:  # and stays so: clicks that waited in the outbox have been answered
            if not caught_up():
                return False
            pump(500)
            return caught_up()

        wait_until(settled, 30)
        server.run(self._tick())
        pump(300)
        console.refresh()
        view = server.run(self._view())
        mismatches: list[str] = []
        model = console.controller.model
        if model is None:
            return False, ["the console has no model"]
        if model.view.seq != view["seq"]:
            mismatches.append(f"sequence {model.view.seq} against the server's {view['seq']}")
        mine = next(d for d in view["desks"] if d["number"] == DESK)
        shown_ticket = console.ticket.text()
        if (mine["ticket"] or "—") != shown_ticket:
            mismatches.append(f"current visitor {shown_ticket} against {mine['ticket']}")
        weights = sorted(mine["weights"].items(), key=lambda item: (-item[1], item[0]))
        expected = [str(view["queues"][sid]["waiting"]) for sid, _ in weights]
        shown = [console.queues.item(row, 2).text() for row in range(console.queues.rowCount())]
        if shown != expected:
            mismatches.append(f"queue counts {shown} against {expected}")
        closed = [row for row in range(console.queues.rowCount()) if weights[row][0] in view["closed_services"]]
        if any("—" not in console.queues.item(row, 0).text() for row in closed):
            mismatches.append("a closed service is not marked")
        messages = [m for m in view["messages"] if m["desk"] in (None, DESK)]
        if console.messages.count() != len(messages):
            mismatches.append(f"{console.messages.count()} messages shown of {len(messages)}")
        elif messages and not console.messages.item(0).text().endswith(messages[-1]["text"]):
            mismatches.append("the newest message is not on top")
        postponed = sorted(v["ticket"] for v in view["visits"]
                           if v["state"] == "postponed" and v["periods"][-1]["desk"] == DESK)
        listed = sorted(row.ticket for row in console.postponed.rows)
        if listed != postponed or console.postponed.table.rowCount() != len(postponed):
            mismatches.append(f"postponed {listed} against {postponed}")
        return not mismatches, mismatches

    async def _tick(self) -> None:
        assert self.server.server is not None
        self.server.server.service.tick()

    async def _view(self) -> dict[str, Any]:
        assert self.server.server is not None
        view: dict[str, Any] = self.server.server.service.live_view.full(True)
        return view

    def close(self) -> None:
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
        if self.proxy is not None:
            with contextlib.suppress(Exception):
                self.server.run(self.proxy.close())
        self.server.close()
