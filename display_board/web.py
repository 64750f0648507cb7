"""The pages that hang in the hall, their static files, and the spoken call: their handlers and their table.

    /                        links to everything (a screen's address pattern: never a token)
    /board[?zone=А]          the hall board            (token=... from `cherha token --role display`)
    /display/desk/<n>        the display over desk n
    /audio/call.wav          ?ticket=П-015&desk=7[&recall=1][&chime=0]: chime + call, from the voice segments
    /book                    the public pre-registration page (phone-friendly)
    /b/<code>                a booking: its status, cancelling, and the live ticket once checked in
    /f/<token>               the visitor's page from the ticket's QR: place in the queue, live
    /qr.svg?data=…           a QR code (the booking confirmation's)
    /dashboard               the supervisor's live hall and controls (sign-in: supervisor or admin)
    /dashboard/history       reports for any dates, charts and CSV/XLSX exports
    /admin                   the centre's administration (sign-in: admin): #operators #desks #services #centre
                             #devices #audit, over the admin REST API (docs/admin-api.md)
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from aiohttp import web

from queue_server.api.endpoints import HTML, PUBLIC, Handler, Query, Route, Static
from queue_server.api.http import Call
from queue_server.domain.errors import InvalidInput, Unavailable
from queue_server.domain.hall import Hall

from .voice import TICKET, Voice, VoiceError

STATIC = Path(__file__).parent / "static"
HALL_KEY = web.AppKey("board_hall", Hall)
VOICE_KEY = web.AppKey("board_voice", Voice)

# The index names every page; the screens' pages need a display token, which an anonymous page never shows:
# it says where a token comes from and how a screen's address is made, and a form opens the board with one.
INDEX = """<!doctype html><html lang="uk"><head><meta charset="utf-8"><title>Cherha — {name}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/index.css"></head><body><h1>{name}</h1>
<p>Cherha — електронна черга / electronic queue</p>
<h2>Табло залу та табло вікон / Hall board and desk displays</h2>
<p id="screens-need-a-token">Табло відкривається лише з токеном пристрою: його видає адміністратор на сервері
командою <code>cherha token --role display --name hall-board</code> (токен показується один раз).</p>
<p lang="en">A board opens only with a device token: the administrator issues it on the server with
<code>cherha token --role display --name hall-board</code> (the token is shown once).</p>
<ul class="patterns">
<li>Табло залу / Hall board: <code>/board?token=ТОКЕН</code></li>
<li>Одна зона / One zone: <code>/board?token=ТОКЕН&amp;zone=Б</code></li>
<li>Табло над вікном 7 / The display over desk 7: <code>/display/desk/7?token=ТОКЕН</code></li>
<li>На міні-ПК біля телевізора / On the mini-PC by the TV:
<code>cherha board --url http://СЕРВЕР:8080 --token ТОКЕН [--zone Б | --desk 7]</code></li>
</ul>
<form id="open-board" action="/board" method="get">
<label>Токен пристрою / Device token <input name="token" required autocomplete="off" minlength="20"></label>
<label>Зона / Zone <select name="zone"><option value="">усі / all</option>{zones}</select></label>
<button type="submit">Відкрити табло / Open the board</button>
</form>
<h2>Інші сторінки / Other pages</h2>
<ul>
<li><a href="/book">Попередній запис / Pre-registration</a></li>
<li><a href="/dashboard">Панель керівника / Supervisor's dashboard</a> (вхід / sign-in)</li>
<li><a href="/admin">Адміністрування / Administration</a> (вхід адміністратора / administrator's sign-in)</li>
<li><a href="/api/hall">Послуги (API) / Services (API)</a> · <a href="/api/openapi.json">OpenAPI</a></li>
</ul></body></html>"""


def attach(app: web.Application, hall: Hall, voice: Voice) -> None:
    """What the page handlers read: the hall (names, desks, board settings) and the voice segments."""
    app[HALL_KEY] = hall
    app[VOICE_KEY] = voice


def _page(name: str) -> Handler[None]:
    async def handler(call: Call[None]) -> web.FileResponse:
        return web.FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    handler.__name__ = f"page_{name.split('.')[0]}"
    return handler


async def index(call: Call[None]) -> web.Response:
    hall = call.state.service.hall  # the centre as configured now: an admin's change shows without a restart
    zones = sorted({desk.zone for desk in hall.desks.values()})
    options = "".join(f'<option value="{escape(z)}">{escape(z)}</option>' for z in zones) if len(zones) > 1 else ""
    return web.Response(text=INDEX.format(name=escape(hall.name.uk), zones=options), content_type="text/html")


async def qr_svg(call: Call[None]) -> web.Response:
    """A QR code as SVG, for the booking confirmation (no internet at the centre: made here)."""
    data = call.request.query.get("data", "")
    if not 0 < len(data) <= 300:
        raise InvalidInput("invalid_message", details="data: 1 to 300 characters")
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return web.Response(body=image.to_string(), content_type="image/svg+xml")


async def call_audio(call: Call[None]) -> web.Response:
    request = call.request
    ticket = request.query.get("ticket", "")
    desk = request.query.get("desk", "")
    if not TICKET.match(ticket) or not desk.isdigit() or not 1 <= int(desk) <= 9999:
        raise InvalidInput("invalid_message", details="ticket=П-015&desk=7 expected")
    hall, voice = call.state.service.hall, request.app[VOICE_KEY]
    if not voice.available():
        raise Unavailable("voice_missing")
    recall, chime = request.query.get("recall", "0"), request.query.get("chime", "1")
    if recall not in ("0", "1") or chime not in ("0", "1"):
        raise InvalidInput("invalid_message", details="recall and chime: 0 or 1")
    try:
        announcement = voice.call(ticket, int(desk), english=hall.board.english_call(recall == "1"),
                                  repeat=hall.board.repeat, chime=chime == "1")
    except VoiceError as exc:
        raise InvalidInput("invalid_message", details=str(exc)) from None
    return web.Response(body=announcement.wav, content_type="audio/wav",
                        headers={"Cache-Control": "max-age=86400",
                                 "X-Cherha-Segments": quote(",".join(announcement.segments))})


def _html(path: str, handler: Handler[None], summary: str, *query: Query) -> Route[None]:
    return Route("GET", path, handler, PUBLIC, summary, query=query, media=HTML, head=True)


TOKEN = Query("token", "a display token (`cherha token --role display`), read by the page's script")
# The pages are public: each page's script signs in over the WebSocket (a display token, an operator's PIN,
# a booking's code or a ticket's token) and shows nothing before that.
PAGES = (  # not annotated: see queue_server/api/routes.py
    _html("/", index, "Links to everything"),
    _html("/board", _page("board.html"), "The hall board", TOKEN, Query("zone", "show only this zone's desks")),
    _html("/display/desk/{number:\\d{1,4}}", _page("desk.html"), "The display over one desk", TOKEN),
    Route("GET", "/audio/call.wav", call_audio, PUBLIC, "A call, spoken: chime, ticket, desk (from the voice "
          "segments)", query=(Query("ticket", "П-015", required=True), Query("desk", "1 to 9999", required=True),
                              Query("recall", "1: a recall (`english = \"recall\"` speaks it in English too)"),
                              Query("chime", "0: no chime before it (a call straight after another)")),
          replies={200: "WAV audio"}, errors=(400, 503), media="audio/wav", head=True),
    _html("/book", _page("book.html"), "The public pre-registration page"),
    _html("/b/{code:[0-9A-Za-z]{8}}", _page("visit.html"), "A booking: status, cancelling, the live ticket"),
    _html("/f/{token:[A-Za-z0-9_\\-]{20,100}}", _page("visit.html"), "The visitor's page from the ticket's QR"),
    Route("GET", "/qr.svg", qr_svg, PUBLIC, "A QR code (the booking confirmation's)",
          query=(Query("data", "1 to 300 characters", required=True, max_length=300),),
          replies={200: "SVG image"}, errors=(400,), media="image/svg+xml", head=True),
    _html("/dashboard", _page("dashboard.html"), "The supervisor's live hall and controls"),
    _html("/dashboard/history", _page("history.html"), "Reports for any dates, charts and exports"),
    _html("/admin", _page("admin.html"), "The centre's administration: operators, desks, services, centre, devices, "
          "change log"),
    Static("/static", STATIC, "The pages' scripts, styles and images"),
)
