"""The city's web pages and their static files.

The pages' files live beside the hall's in display_board/static: one place for the modules every page shares
(labels.js, dom.js, legibility.js), and the text and contrast audits (tests/test_catalogues.py,
tests/test_contrast.py) read them all. Each city page is one line of `PAGES`: its address and its HTML file,
named `city_*.html`. Pages are public files; what a page shows comes from the API, with the rights of the token
the person signs in with (a page never carries data of its own).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from display_board.web import STATIC

# address → the page's file in display_board/static
PAGES: dict[str, str] = {
    "/city": "city_live.html",  # the city supervisor's live page (city_server/live.py)
    "/wait": "city_public.html",  # the public page: where the wait is shortest (docs/city.md)
    "/city/reports": "city_reports.html",
}


def _page(name: str) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return handler


def attach_pages(app: web.Application) -> None:
    for path, name in PAGES.items():
        app.router.add_get(path, _page(name))
    app.router.add_static("/static/", STATIC)
