"""Headless Debian Chromium driven by Playwright (never `playwright install`: the browser is the system's)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable
from typing import Any

from playwright.async_api import Browser, Page, WebSocketRoute, async_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]


def browser_env() -> dict[str, str]:
    """The browser runs on the machine's real clock even when the suite runs under libfaketime (`make
    test-clock`): it is a client on another PC in a real hall (the times our pages show come from the server's
    events; the board's wall clock is the board PC's own), and Chromium under libfaketime is too slow to test.
    Our own processes stay under the moved clock."""
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}
    # As a centre's PCs run it: Chromium in Ukrainian (Debian's chromium-l10n; on Linux it follows LANGUAGE, not
    # --lang), so its own date fields read 25.12.2026, not 12/25/2026.
    return {**env, "LANGUAGE": "uk"}


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                   env=browser_env())
        try:
            yield browser
        finally:
            await browser.close()


class SocketGate:
    """Stands between a page and the server's /ws (Playwright's WebSocket routing): counts the page's
    connections, records what it sends, cuts the current connection, and turns reconnects away while shut.
    So a test decides exactly what a page misses while it is away."""

    def __init__(self) -> None:
        self.open = True
        self.connections = 0  # every attempt, also those turned away
        self.sent: list[dict[str, Any]] = []  # what the page sent on connections let through, in order
        self.cut_after: Callable[[dict[str, Any]], bool] = lambda _message: False
        self._current: tuple[WebSocketRoute, Any] | None = None  # the page's side and the server's side

    async def install(self, page: Page) -> None:
        await page.route_web_socket(re.compile(r"/ws$"), self._route)

    async def _route(self, ws: WebSocketRoute) -> None:
        self.connections += 1
        if not self.open:
            await ws.close(code=1001, reason="cut by the test")
            return
        server = ws.connect_to_server()
        self._current = (ws, server)

        async def from_page(text: str | bytes) -> None:
            message = json.loads(text)
            self.sent.append(message)
            server.send(text)
            if self.cut_after(message):  # the message reaches the server; its answer never reaches the page
                await self.cut()

        ws.on_message(from_page)

    async def cut(self) -> None:
        """Close the page's connection and turn its reconnects away until `reopen`."""
        self.open = False
        current, self._current = self._current, None
        if current is not None:
            page_side, server_side = current
            await page_side.close(code=1001, reason="cut by the test")
            await server_side.close(code=1001, reason="cut by the test")

    def reopen(self) -> None:
        self.open = True

    def sent_of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.sent if m.get("type") == kind]
