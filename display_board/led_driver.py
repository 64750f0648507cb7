"""Optional driver for serial / RS-485 LED boards over the desks: a thin user of the hall's view.

Many centres already own small LED boards on an RS-485 bus (QSystem drives them too). Each board has an
address; this driver follows the server's view like any screen (cherha_client.Client) and, whenever a
desk's text changes, sends that desk's board a frame:

    STX  address (2 ASCII digits)  text (8 characters, code page of the board)  ETX  checksum
    0x02 "07"                      "  П-015 "                                   0x03 XOR of address+text

A desk's text is its current ticket while the visitor is called to it or served at it, blank otherwise
(also when the desk is closed). Nothing is worked out from events: the view says it, and after a reconnect
the boards show exactly the view. A recall (a new call `key` for the desk, docs/protocol.md "Views") sends
the same text again, so a board that blinks on a new frame blinks again.

Blank text clears a board. Vendors' protocols differ: `Framer` is the one place to adapt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cherha_client import Client, HallView, ProtocolError

log = logging.getLogger(__name__)
STX, ETX = 0x02, 0x03
WIDTH = 8
AT_THE_DESK = ("called", "serving")  # a desk's `visit_state` for which its board shows the ticket


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


def desk_text(desk: dict[str, Any]) -> str:
    """What a desk's board shows, from the desk's entry in the view."""
    if desk.get("status") == "closed" or desk.get("visit_state") not in AT_THE_DESK:
        return ""
    return str(desk.get("ticket") or "")


@dataclass
class LedBoards:
    """Desk -> text, from the view; `write` gets a frame whenever a desk's text changes (or it is recalled)."""

    write: Callable[[bytes], None]
    framer: Framer = field(default_factory=Framer)
    shown: dict[int, str] = field(default_factory=dict)  # what each board shows now
    calls: dict[int, str] = field(default_factory=dict)  # desk -> the key of its standing call, if any

    def show(self, view: HallView) -> None:
        """Bring every board to what `view` says, sending a frame only where something changed."""
        keys = {call["desk"]: call["key"] for call in reversed(view.calls)}  # newest first: the newest wins
        for number in sorted(view.desks):
            text, key = desk_text(view.desks[number]), keys.get(number)
            recalled = bool(text) and key is not None and self.calls.get(number) not in (None, key)
            if self.shown.get(number) != text or recalled:
                self.write(self.framer.frame(number, text))  # if the line fails, the next change retries
                self.shown[number] = text
            if key is not None:
                self.calls[number] = key
            else:
                self.calls.pop(number, None)


async def run(server: str, token: str, boards: LedBoards, stop: asyncio.Event | None = None,
              max_delay: float = 10.0) -> None:
    """Follow the server until `stop` (forever without one); the client reconnects and resumes by itself.

    Raises ProtocolError when the server refuses the token (at start, or later: a revoked token).
    """
    stop = stop or asyncio.Event()
    stopped = asyncio.Event()

    def status(online: bool, error: dict[str, Any] | None) -> None:
        if online:
            log.info("LED driver connected")
        else:
            log.warning("LED driver disconnected", extra={"error": (error or {}).get("code")})
        if error is not None:
            stopped.set()

    client = Client(server, {"token": token}, on_change=lambda _change: boards.show(client.view),
                    on_status=status, max_delay=max_delay)
    try:
        starting = asyncio.create_task(client.start())
        until_stop = asyncio.create_task(stop.wait())
        await asyncio.wait({starting, until_stop}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()  # the token refused at start: ProtocolError
            waiting = asyncio.create_task(stopped.wait())
            await asyncio.wait({until_stop, waiting}, return_when=asyncio.FIRST_COMPLETED)
            waiting.cancel()
        else:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError, ProtocolError, ConnectionError):
                await starting
        until_stop.cancel()
        if client.error is not None:
            raise ProtocolError(client.error)
    finally:
        await client.close()
