"""`cherha board`: the browser command that shows a board full-screen on a TV or a mini-PC.

Chromium refuses to play sound without a user gesture unless told otherwise, and a board has no one to
click it: hence --autoplay-policy. The profile folder is the board's own, so a desktop browser's settings
and pop-ups never appear on the hall's screen.
"""

from __future__ import annotations

from urllib.parse import urlencode


def board_url(server: str, token: str, zone: str | None = None, desk: int | None = None) -> str:
    path = f"/display/desk/{desk}" if desk is not None else "/board"
    query = {"token": token, **({"zone": zone} if zone else {})}
    return f"{server.rstrip('/')}{path}?{urlencode(query)}"


def board_command(server: str, token: str, zone: str | None = None, desk: int | None = None,
                  browser: str = "/usr/bin/chromium", profile_dir: str = "/tmp/cherha-board-profile") -> list[str]:
    return [
        browser,
        "--kiosk",
        "--autoplay-policy=no-user-gesture-required",
        "--noerrdialogs",
        "--disable-translate",
        "--disable-infobars",
        "--disable-session-crashed-bubble",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile_dir}",
        board_url(server, token, zone, desk),
    ]
