"""Headless Debian Chromium driven by Playwright (never `playwright install`: the browser is the system's)."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator

from playwright.async_api import Browser, async_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic", "--autoplay-policy=no-user-gesture-required"]


def browser_env() -> dict[str, str]:
    """The browser runs on the machine's real clock even when the suite runs under libfaketime (`make
    test-clock`): it is a client on another PC in a real hall (the times our pages show come from the server's
    events; the board's wall clock is the board PC's own), and Chromium under libfaketime is too slow to test.
    Our own processes stay under the moved clock."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                   env=browser_env())
        try:
            yield browser
        finally:
            await browser.close()
