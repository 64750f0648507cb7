"""RS-485 / serial LED desk boards: frames from the live event stream, through a real pseudo-terminal."""

from __future__ import annotations

import asyncio
import os
import tty

import aiohttp
import serial

from display_board.led_driver import ETX, STX, Framer, LedBoards, run
from queue_server.api.auth import Role

from .support import issue, operator, running_server


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


async def test_led_boards_follow_calls_through_a_serial_port(tmp_path) -> None:  # type: ignore[no-untyped-def]
    master, slave = os.openpty()
    tty.setraw(master)
    port = serial.Serial(os.ttyname(slave), baudrate=9600, timeout=1)
    os.set_blocking(master, False)
    received = bytearray()

    async def read_until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
        deadline = asyncio.get_running_loop().time() + timeout
        while not predicate(parse_frames(bytes(received))):
            assert asyncio.get_running_loop().time() < deadline, parse_frames(bytes(received))
            try:
                received.extend(os.read(master, 4096))
            except BlockingIOError:
                await asyncio.sleep(0.02)

    try:
        async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
            kiosk = await server.device_token()
            ticket = await issue(http, server, kiosk, "id-card")
            boards = LedBoards(write=port.write)
            stop = asyncio.Event()
            driver = asyncio.create_task(run(server.url, await server.device_token(Role.DISPLAY, "led"), boards, stop))
            await read_until(lambda frames: len(frames) >= 18)  # every desk's board cleared on start
            desk = await operator(server, 3)
            await desk.command("call_next")
            await read_until(lambda frames: (3, ticket["ticket"]) in frames)
            await desk.command("recall")
            await read_until(lambda frames: frames.count((3, ticket["ticket"])) == 2)
            await desk.command("start_service")
            await desk.command("finish")
            await read_until(lambda frames: frames[-1] == (3, ""))
            stop.set()
            await asyncio.wait_for(driver, 5)
            await desk.close()
    finally:
        port.close()
        os.close(master)
        os.close(slave)
