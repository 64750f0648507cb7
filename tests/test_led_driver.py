"""RS-485 / serial LED desk boards: frames from the hall's view, through a real pseudo-terminal."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tty
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import serial

from display_board.led_driver import ETX, STX, Framer, LedBoards, run
from queue_server.api.auth import Role

from .support import Server, WsClient, issue, operator, running_server
from .tcp_proxy import TcpProxy


def parse_frames(data: bytes) -> list[tuple[int, str]]:
    frames = []
    while STX in data:
        start = data.index(STX)
        end = data.index(ETX, start)
        body, checksum = data[start + 1:end], data[end + 1]
        computed = 0
        for byte in body:
            computed ^= byte
        assert computed == checksum, "checksum"
        frames.append((int(body[:2]), body[2:].decode("cp1251").strip()))
        data = data[end + 2:]
    return frames


def test_frame_format() -> None:
    frame = Framer().frame(7, "П-015")
    assert frame[0] == STX and frame[1:3] == b"07" and frame[-2] == ETX
    assert parse_frames(frame) == [(7, "П-015")]
    assert parse_frames(Framer(address_offset=10).frame(7, "")) == [(17, "")]


class SerialLine:
    """A pseudo-terminal: the driver writes to its serial end, the test reads the boards' side."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        self.port = serial.Serial(os.ttyname(self.slave), baudrate=9600, timeout=1)
        os.set_blocking(self.master, False)
        self.received = bytearray()

    def frames(self) -> list[tuple[int, str]]:
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self.master, 4096):
                self.received.extend(chunk)
        return parse_frames(bytes(self.received))

    def boards(self) -> dict[int, str]:
        """What each board shows: the last frame sent to its address."""
        return dict(self.frames())

    async def read_until(self, predicate: Callable[[list[tuple[int, str]]], bool], timeout: float = 5.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(self.frames()):
            assert asyncio.get_running_loop().time() < deadline, self.frames()
            await asyncio.sleep(0.02)

    def close(self) -> None:
        self.port.close()
        os.close(self.master)
        os.close(self.slave)


@contextlib.asynccontextmanager
async def led_driver(url: str, token: str, line: SerialLine) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    driver = asyncio.create_task(run(url, token, LedBoards(write=line.port.write), stop, max_delay=0.5))
    try:
        await line.read_until(lambda frames: len(frames) >= 18)  # every desk's board set on start
        yield driver
    finally:
        stop.set()
        await asyncio.wait_for(driver, 5)


def expected_boards(view: dict[str, Any]) -> dict[int, str]:
    """Independently of the driver: a desk's board shows its ticket while the visitor is called or served."""
    return {d["number"]: d["ticket"] if d["status"] != "closed" and d["visit_state"] in ("called", "serving")
            else "" for d in view["desks"]}


async def _state(server: Server) -> dict[str, Any]:
    supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
    try:
        return await supervisor.request("get_state")
    finally:
        await supervisor.close()


async def test_led_boards_follow_calls_through_a_serial_port(tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = SerialLine()
    try:
        async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
            kiosk = await server.device_token()
            ticket = await issue(http, server, kiosk, "id-card")
            token = await server.device_token(Role.DISPLAY, "led")
            async with led_driver(server.url, token, line):
                desk = await operator(server, 3)
                await desk.command("call_next")
                await line.read_until(lambda frames: (3, ticket["ticket"]) in frames)
                await desk.command("recall")
                await line.read_until(lambda frames: frames.count((3, ticket["ticket"])) == 2)
                await desk.command("start_service")
                await desk.command("finish")
                await line.read_until(lambda frames: frames[-1] == (3, ""))
                await desk.close()
    finally:
        line.close()


async def test_a_postponed_or_absent_visitor_blanks_the_board(tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = SerialLine()
    try:
        async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
            kiosk = await server.device_token()
            first, second = [await issue(http, server, kiosk, "id-card") for _ in range(2)]
            async with led_driver(server.url, await server.device_token(Role.DISPLAY, "led"), line):
                start = len(line.frames())
                postponing, absent = await operator(server, 1), await operator(server, 2)
                await issue(http, server, kiosk, "id-card")  # a ticket nobody is called for: no frame
                await postponing.command("call_next")
                await absent.command("call_next")
                await line.read_until(lambda f: {(1, first["ticket"]), (2, second["ticket"])} <= set(f))
                await postponing.command("start_service")  # the same text: no frame
                await postponing.command("postpone", minutes=10)
                await absent.command("no_show")
                await line.read_until(lambda f: line.boards()[1] == "" and line.boards()[2] == "")
                assert line.frames()[start:] == [(1, first["ticket"]), (2, second["ticket"]), (1, ""), (2, "")], \
                    "a frame only when a desk's text changes"
                assert line.boards() == expected_boards(await _state(server))
                await postponing.close()
                await absent.close()
    finally:
        line.close()


async def test_after_a_cut_the_boards_show_the_servers_view(tmp_path) -> None:  # type: ignore[no-untyped-def]
    line = SerialLine()
    try:
        async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
            kiosk = await server.device_token()
            tickets = [await issue(http, server, kiosk, "id-card") for _ in range(5)]
            desks = {n: await operator(server, n) for n in (1, 2, 3, 4)}
            await desks[1].command("call_next")  # on the board before the cut, finished during it
            await desks[2].command("call_next")  # stays called through the cut
            await desks[4].command("call_next")  # postponed during the cut
            link = await TcpProxy(int(server.url.rsplit(":", 1)[1])).start()
            async with led_driver(link.url, await server.device_token(Role.DISPLAY, "led"), line):
                assert line.boards() == expected_boards(await _state(server))
                before = len(line.frames())
                await link.cut()
                await desks[1].command("start_service")
                await desks[1].command("finish")
                await desks[3].command("call_next")  # a call the driver never heard of
                await desks[4].command("postpone", minutes=10)
                await desks[4].command("call_next")  # and calls the next one at once
                await desks[1].command("desk_close")
                await asyncio.sleep(0.3)
                assert len(line.frames()) == before, "nothing reached the boards during the cut"
                await link.restore()
                view = await _state(server)
                await line.read_until(lambda _frames: line.boards() == expected_boards(view))
                await asyncio.sleep(0.3)
                assert line.boards() == expected_boards(view)
                changed = line.frames()[before:]
                assert sorted(changed) == [(1, ""), (3, tickets[3]["ticket"]), (4, tickets[4]["ticket"])], \
                    "after the reconnect, frames only for the desks whose text changed"
            await link.close()
            for desk in desks.values():
                await desk.close()
    finally:
        line.close()
