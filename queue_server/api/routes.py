"""THE route table: every HTTP route the server answers, declared once (vocabulary: endpoints.py).

app.py registers exactly this (guard.py puts each handler behind its access check); openapi.py describes
exactly this; docs/protocol.md's REST table says the same in words (tests/test_docs.py, test_openapi.py).
The hall's pages and static files are declared beside their handlers, in display_board/web.py.
"""

from __future__ import annotations

from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel

from display_board.web import PAGES

from ..metrics import CONTENT_TYPE as METRICS_TEXT
from . import admin_api, booking_api, devices_api, feedback_api, metrics_api, openapi, reports_api, rest
from .auth import Role
from .endpoints import ANY_TOKEN, PUBLIC, VISITOR_BY_CODE, Entry, Handler, Query, Route, token, token_or_anonymous
from .http import Call
from .websocket import websocket_handler

B = TypeVar("B", bound=BaseModel | None)
KIOSK, ADMIN, SUPERVISOR, OPERATOR = Role.KIOSK, Role.ADMIN, Role.SUPERVISOR, Role.OPERATOR
STAFF_AND_KIOSKS = (OPERATOR, SUPERVISOR, ADMIN, KIOSK)
RANGE = (Query("from", "first day, YYYY-MM-DD (default: today)", format="date"),
         Query("to", "last day, YYYY-MM-DD (default: `from`); at most 400 days after it", format="date"))
CSV, XLSX = "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def websocket(call: Call[None]) -> web.StreamResponse:
    # Authentication is the socket's first message (docs/protocol.md), checked by its own table (messages.py).
    return await websocket_handler(call.request)


def admin(method: str, path: str, handler: Handler[B], summary: str, body: type[B] | None = None,
          **extra: Any) -> Route[B]:
    """An administrator's route: under /api/admin/, admin sessions only (docs/admin-api.md)."""
    return Route(method, f"/api/admin/{path}", handler, token(ADMIN), summary, body=body, **extra)


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
          "History report for a date range", query=RANGE, errors=(400, 503)),
    Route("GET", "/api/reports/comments", reports_api.comments, token(SUPERVISOR, ADMIN),
          "The range's visitor comments, newest first, a page at a time",
          query=(*RANGE, Query("offset", "comments to skip, newest first (default 0)"),
                 Query("limit", "comments in the page, 1 to 200 (default 50)")), errors=(400, 503)),
    Route("GET", "/api/reports/export.csv", reports_api.export_csv, token(SUPERVISOR, ADMIN),
          "The range's visits as CSV (UTF-8 with BOM)", query=RANGE, replies={200: "CSV"}, errors=(400, 503),
          media=CSV),
    Route("GET", "/api/reports/export.xlsx", reports_api.export_xlsx, token(SUPERVISOR, ADMIN),
          "The range's report as an XLSX workbook", query=RANGE, replies={200: "XLSX"}, errors=(400, 503),
          media=XLSX),
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
    # -- monitoring (metrics_api.py; docs/monitoring.md)
    Route("GET", "/metrics", metrics_api.metrics, token(Role.METRICS, SUPERVISOR, ADMIN),
          "The hall's figures in the Prometheus text format", replies={200: "Prometheus text exposition 0.0.4"},
          media=METRICS_TEXT),
    # -- the administrator's (admin_api.py, devices_api.py; the contract: docs/admin-api.md)
    admin("GET", "operators", admin_api.list_operators, "Operators (never their PIN hashes)"),
    admin("POST", "operators", admin_api.add_operator, "Add an operator; answers their new PIN, once",
          body=admin_api.NewOperatorBody, replies={201: "the operator and the PIN"}, errors=(404, 409)),
    admin("PATCH", "operators/{login}", admin_api.change_operator,
          "Rename, change role or desks, disable or enable an operator", body=admin_api.OperatorPatchBody,
          errors=(404, 409)),
    admin("POST", "operators/{login}/pin", admin_api.reset_pin, "A new PIN for an operator, answered once",
          body=admin_api.NoBody, body_required=False, errors=(404,)),
    admin("GET", "desks", admin_api.list_desks, "Desks with their plans"),
    admin("PUT", "desks/{number}", admin_api.put_desk, "Create or change a desk (zone, default, services, weights)",
          body=admin_api.DeskBody, errors=(404, 409)),
    admin("DELETE", "desks/{number}", admin_api.delete_desk, "Delete a desk (not while open)", errors=(404, 409)),
    admin("POST", "desks/{number}/copy", admin_api.copy_desk, "Copy a desk's plan to other desks",
          body=admin_api.CopyBody, errors=(404, 409)),
    admin("GET", "services", admin_api.list_services, "Categories, services and life situations, in kiosk order"),
    admin("PUT", "services/{id}", admin_api.put_service, "Create or change a service (and the desks serving it)",
          body=admin_api.ServiceBody, errors=(404, 409)),
    admin("DELETE", "services/{id}", admin_api.delete_service, "Delete a service no desk or bundle uses",
          errors=(404, 409)),
    admin("PUT", "categories/{id}", admin_api.put_category, "Create (with its first service) or change a category",
          body=admin_api.CategoryBody, errors=(404, 409)),
    admin("DELETE", "categories/{id}", admin_api.delete_category, "Delete an empty category", errors=(404, 409)),
    admin("PUT", "bundles/{id}", admin_api.put_bundle, "Create or change a life situation",
          body=admin_api.BundleBody, errors=(404, 409)),
    admin("DELETE", "bundles/{id}", admin_api.delete_bundle, "Delete a life situation", errors=(404, 409)),
    admin("GET", "centre", admin_api.get_centre, "Hours, holidays, policy, priorities, booking rules, addresses"),
    admin("PATCH", "centre", admin_api.change_centre, "Change the centre's settings (409 bookings_affected until "
          "confirmed)", body=admin_api.CentreBody, errors=(409,)),
    admin("GET", "affected-bookings", admin_api.affected, "Bookings a holiday or shorter hours on a date would cancel",
          query=(Query("date", "the day, YYYY-MM-DD", required=True, format="date"),
                Query("hours", "shorter hours that day, HH:MM-HH:MM (none: a holiday)", max_length=11))),
    admin("GET", "devices", devices_api.list_devices, "Kiosks and displays with their last contact"),
    admin("POST", "devices", devices_api.issue_device, "Issue a device token (answered once) and a display's URL",
          body=devices_api.NewDeviceBody, replies={201: "the device, its token and URL"}, errors=(404, 409)),
    admin("PATCH", "devices/{id}", devices_api.rename_device, "Rename a device",
          body=devices_api.DevicePatchBody, errors=(404,)),
    admin("DELETE", "devices/{id}", devices_api.revoke_device, "Revoke a device's token at once", errors=(404,)),
    admin("GET", "audit", admin_api.audit, "The administrators' changes, newest first, paged",
          query=(Query("login", "who made the change", max_length=64),
                Query("kind", "operator, desk, service, category, bundle, centre, device or import", max_length=16),
                Query("from", "first day, YYYY-MM-DD", format="date"),
                Query("to", "last day, YYYY-MM-DD", format="date"),
                Query("before", "page on: the previous page's next_before"),
                Query("limit", "entries, 1..200 (default 50)")), errors=(400,)),
    admin("GET", "config", admin_api.export_config, "The live configuration as the TOML hall file",
          replies={200: "TOML"}, media="text/plain"),
    admin("POST", "config", admin_api.import_config, "Import a TOML hall file: the difference applied as audited "
          "changes (dry_run lists them)", body=admin_api.ImportBody, errors=(400, 409)),
    # -- sessions (rest.py)
    Route("POST", "/api/sessions", rest.login, PUBLIC, "Operator login; returns a session token for REST and "
          "WebSocket", body=rest.LoginBody, replies={201: "session"}, errors=(401, 403, 429)),
    Route("DELETE", "/api/sessions", rest.logout, ANY_TOKEN, "Log out (end this session token)"),
    # -- everything live (websocket.py)
    Route("GET", "/ws", websocket, PUBLIC, "The WebSocket (docs/protocol.md); its first message authenticates",
          replies={101: "switching to the WebSocket protocol"}, errors=(400,), head=True),
)

TABLE: tuple[Entry, ...] = (*ROUTES, *PAGES)
