"""Optional driver for serial / RS-485 LED boards over the desks, fed from the same event stream.

Many centres already own small LED boards on an RS-485 bus (QSystem drives them too). Each board has an
address; this driver subscribes like any display and, when a desk's ticket changes, sends that desk's board
a frame:

    STX  address (2 ASCII digits)  text (8 characters, code page of the board)  ETX  checksum
    0x02 "07"                      "  П-015 "                                   0x03 XOR of address+text

Blank text clears a board. Vendors' protocols differ: `Framer` is the one place to adapt.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger(__name__)
STX, ETX = 0x02, 0x03
WIDTH = 8


@dataclass(frozen=True)
class Framer:
    codec: str = "cp1251"
    address_offset: int = 0  # board address = desk number + offset

    def frame(self, desk: int, text: str) -> bytes:
        address = desk + self.address_offset
        if not 0 <= address <= 99:
            raise ValueError(f"LED board address {address} is outside 00-99")
        body = f"{address:02d}".encode("ascii") + text[:WIDTH].center(WIDTH).encode(
            self.codec, errors="replace")
        checksum = 0
        for byte in body:
            checksum ^= byte
        return bytes([STX]) + body + bytes([ETX, checksum])


@dataclass
class LedBoards:
    """Desk -> text, from events; `write` gets a frame whenever a desk's text changes."""

    write: Callable[[bytes], None]
    framer: Framer = field(default_factory=Framer)
    shown: dict[int, str] = field(default_factory=dict)
    tickets: dict[str, str] = field(default_factory=dict)  # visit id -> ticket

    def load(self, snapshot: dict[str, Any]) -> None:
        self.tickets = {v["visit_id"]: v["ticket"] for v in snapshot["visits"]}
        for desk in snapshot["desks"]:
            self._show(desk["number"], desk["ticket"] or "")

    def apply(self, event: dict[str, Any]) -> None:
        kind = event["type"]
        if kind == "ticket_issued":
            self.tickets[event["visit_id"]] = event["ticket"]
        elif kind in ("visit_called", "visit_recalled"):
            self._show(event["desk"], self.tickets.get(event["visit_id"], ""), force=kind == "visit_recalled")
        elif kind in ("service_finished", "visit_no_show", "visit_transferred", "visit_postponed", "desk_closed",
                      "desk_paused"):
            self._show(event["desk"], "")
        elif kind == "day_ended":
            for desk in list(self.shown):
                self._show(desk, "")

    def _show(self, desk: int, text: str, force: bool = False) -> None:
        if self.shown.get(desk) == text and not force:
            return
        self.shown[desk] = text
        self.write(self.framer.frame(desk, text))


async def run(server: str, token: str, boards: LedBoards, stop: asyncio.Event | None = None) -> None:
    """Follow the server forever (or until `stop`), reconnecting and resuming from the last sequence."""
    stop = stop or asyncio.Event()
    last_seq: int | None = None
    delay = 0.5
    url = server.rstrip("/").replace("http", "ws", 1) + "/ws"
    while not stop.is_set():
        try:
            async with aiohttp.ClientSession() as http, http.ws_connect(url) as ws:
                await ws.receive_json()
                await ws.send_json({"type": "auth", "token": token})
                if (await ws.receive_json())["type"] != "auth_ok":
                    raise RuntimeError("the display token was refused")
                request: dict[str, Any] = {"id": 1, "type": "subscribe_events"}
                if last_seq is not None:
                    request["since"] = last_seq
                await ws.send_json(request)
                delay = 0.5
                closer = asyncio.create_task(_close_when(stop, ws))
                async for frame in ws:
                    message = json.loads(frame.data)
                    if message.get("type") == "result" and message.get("success") and "snapshot" in message["result"]:
                        boards.load(message["result"]["snapshot"])
                        last_seq = message["result"]["seq"]
                    elif message.get("type") == "event" and (last_seq is None or message["seq"] > last_seq):
                        boards.apply(message["event"])
                        last_seq = message["seq"]
                closer.cancel()
        except (aiohttp.ClientError, OSError, RuntimeError) as exc:
            log.warning("LED driver disconnected", extra={"error": str(exc)})
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, 10.0)


async def _close_when(stop: asyncio.Event, ws: aiohttp.ClientWebSocketResponse) -> None:
    await stop.wait()
    await ws.close()
