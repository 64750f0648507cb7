"""THE route table: every HTTP route the server answers, declared once (vocabulary: endpoints.py).

app.py registers exactly this (guard.py puts each handler behind its access check); openapi.py describes
exactly this; docs/protocol.md's REST table says the same in words (tests/test_docs.py, test_openapi.py).
The hall's pages and static files are declared beside their handlers, in display_board/web.py.
"""

from __future__ import annotations

from aiohttp import web

from display_board.web import PAGES

from . import booking_api, devices_api, feedback_api, openapi, reports_api, rest
from .auth import Role
from .endpoints import ANY_TOKEN, PUBLIC, VISITOR_BY_CODE, Entry, Query, Route, token, token_or_anonymous
from .http import Call
from .websocket import websocket_handler

KIOSK, ADMIN, SUPERVISOR, OPERATOR = Role.KIOSK, Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR
STAFF_AND_KIOSKS = (OPERATOR, SUPERVISOR, ADMIN, KIOSK)
RANGE = (Query("from", "first day, YYYY-MM-DD (default: today)", format="date"),
         Query("to", "last day, YYYY-MM-DD (default: `from`); at most 400 days after it", format="date"))
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def websocket(call: Call[None]) -> web.StreamResponse:
    # Authentication is the socket's first message (docs/protocol.md), checked by its own table (messages.py).
    return await websocket_handler(call.request)


# Not annotated on purpose: each Route is then typed on its own, and mypy checks that its handler takes
# the body its declaration validates (a `tuple[Route[Any], ...]` would let any pair through).
ROUTES = (
    # -- kiosks, boards, consoles (rest.py)
    Route("GET", "/api/health", rest.health, PUBLIC, "Liveness, the event store's state, the last published seq",
          replies={200: "ok", 503: "the event store cannot be trusted (missing, replaced, failed)"}),
    Route("GET", "/api/openapi.json", openapi.document, PUBLIC, "This document"),
    Route("GET", "/api/hall", rest.hall, PUBLIC, "Public services tree with availability, queue lengths and waits"),
    Route("GET", "/api/state", rest.state, ANY_TOKEN, "The hall snapshot (any authenticated client)"),
    Route("POST", "/api/tickets", rest.issue_ticket, token(KIOSK, ADMIN), "Issue a ticket. Idempotent by command_id",
          body=rest.TicketBody, replies={201: "the ticket"}, errors=(404, 409)),
    # -- pre-registration (booking_api.py)
    Route("GET", "/api/booking/slots", booking_api.slots, PUBLIC, "Free booking slots of a service on a date",
          query=(Query("service_id", "the service", required=True, max_length=64),
                 Query("date", "YYYY-MM-DD (default: today)", format="date")),
          errors=(400, 404)),
    Route("POST", "/api/bookings", booking_api.book, token_or_anonymous(*STAFF_AND_KIOSKS),
          "Book a slot (anonymous: the public page; with a token: staff booking by phone, or a kiosk)",
          body=booking_api.BookingBody,
          replies={201: "the booking with its code", 202: "held until the SMS code confirms the number (with a "
                   "modem): `{pending, expires, confirm_minutes}`"}, errors=(404, 409, 429)),
    Route("POST", "/api/bookings/confirm", booking_api.confirm, PUBLIC,
          "Confirm a held public booking with the code texted to its number; makes the booking",
          body=booking_api.ConfirmBody, replies={201: "the booking with its code"}, errors=(404, 409, 429)),
    Route("GET", "/api/bookings/{code}", booking_api.booking_status, VISITOR_BY_CODE, "A booking's status, by its code",
          guesses_codes=True),
    Route("DELETE", "/api/bookings/{code}", booking_api.cancel, VISITOR_BY_CODE, "Cancel a booking, by its code",
          body=booking_api.CancelBody, body_required=False, replies={200: "cancelled"}, errors=(409,),
          guesses_codes=True),
    Route("POST", "/api/checkins", booking_api.check_in, token(KIOSK, ADMIN),
          "Check in a booking at a kiosk (typed code or scanned QR); gives the ticket",
          body=booking_api.CheckInBody, replies={201: "the ticket"}, errors=(409,), guesses_codes=True),
    Route("POST", "/api/accessibility", rest.accessible_session, token(KIOSK),
          "A kiosk logs one use of its accessible mode", body=rest.AccessibleSessionBody, replies={201: "logged"}),
    # -- the supervisor's history (reports_api.py)
    Route("GET", "/api/reports", reports_api.report_json, token(SUPERVISOR, ADMIN),
          "History report for a date range", query=RANGE, errors=(400,)),
    Route("GET", "/api/reports/export.csv", reports_api.export_csv, token(SUPERVISOR, ADMIN),
          "The range's visits as CSV (UTF-8 with BOM)", query=RANGE, replies={200: "CSV"}, errors=(400,), media=CSV),
    Route("GET", "/api/reports/export.xlsx", reports_api.export_xlsx, token(SUPERVISOR, ADMIN),
          "The range's report as an XLSX workbook", query=RANGE, replies={200: "XLSX"}, errors=(400,), media=XLSX),
    # -- the visitor's feedback page (feedback_api.py)
    Route("GET", "/api/feedback/{token}", feedback_api.feedback_status, VISITOR_BY_CODE,
          "Whether the visit behind a feedback token is finished and rated"),
    Route("POST", "/api/feedback/{token}", feedback_api.give_feedback, VISITOR_BY_CODE, "Rate the visit (once)",
          body=feedback_api.FeedbackBody, replies={201: "thanks"}, errors=(409,)),
    # -- devices (devices_api.py)
    Route("POST", "/api/devices/heartbeat", devices_api.heartbeat, token(KIOSK),
          "A kiosk is alive; its printer's problem, if any", body=devices_api.HeartbeatBody),
    Route("POST", "/api/devices/help", devices_api.help_call, token(KIOSK),
          "A visitor at the kiosk calls an administrator: a dashboard alert until a supervisor acknowledges it",
          body=devices_api.HelpCallBody, replies={201: "called", 200: "a call of this kiosk is open already"},
          errors=(429,)),
    # -- sessions (rest.py)
    Route("POST", "/api/sessions", rest.login, PUBLIC, "Operator login; returns a session token for REST and "
          "WebSocket", body=rest.LoginBody, replies={201: "session"}, errors=(401, 403, 429)),
    Route("DELETE", "/api/sessions", rest.logout, ANY_TOKEN, "Log out (end this session token)"),
    # -- everything live (websocket.py)
    Route("GET", "/ws", websocket, PUBLIC, "The WebSocket (docs/protocol.md); its first message authenticates",
          replies={101: "switching to the WebSocket protocol"}, errors=(400,), head=True),
)

TABLE: tuple[Entry, ...] = (*ROUTES, *PAGES)
