"""The OpenAPI 3.1 description of the REST routes, served at /api/openapi.json.

tests/test_openapi.py checks that every route in rest.ROUTES is described here, and schemathesis-style
fuzzing (issue 9) uses it.
"""

from __future__ import annotations

from typing import Any

from .booking_api import BookingBody, CheckInBody, ConfirmBody
from .rest import AccessibleSessionBody, LoginBody, TicketBody
from .supervisor_api import FeedbackBody, HeartbeatBody

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {
                    "type": "object",
                    "properties": {"uk": {"type": "string"}, "en": {"type": "string"}},
                },
                "params": {"type": "object"},
            },
        }
    },
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): {"description": "error", **_json({"$ref": "#/components/schemas/Error"})} for code in codes}


OBJECT = {"type": "object"}


def spec() -> dict[str, Any]:
    bearer: list[dict[str, list[str]]] = [{"bearer": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cherha queue server",
            "version": "1",
            "description": "REST for kiosks and pages. Live updates and desk commands: WebSocket /ws "
            "(docs/protocol.md). Errors carry a code and Ukrainian and English text.",
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": ERROR,
                "TicketBody": TicketBody.model_json_schema(),
                "LoginBody": LoginBody.model_json_schema(),
                "BookingBody": BookingBody.model_json_schema(),
                "AccessibleSessionBody": AccessibleSessionBody.model_json_schema(),
                "FeedbackBody": FeedbackBody.model_json_schema(),
                "HeartbeatBody": HeartbeatBody.model_json_schema(),
                "CheckInBody": CheckInBody.model_json_schema(),
                "ConfirmBody": ConfirmBody.model_json_schema(),
            },
        },
        "paths": {
            "/api/health": {"get": {"summary": "Liveness, the event store state, the last published seq",
                                    "responses": {"200": {"description": "ok", **_json(OBJECT)},
                                                  "503": {"description": "the event store cannot be trusted "
                                                          "(missing, replaced, failed)", **_json(OBJECT)}}}},
            "/api/openapi.json": {"get": {"summary": "This document",
                                          "responses": {"200": {"description": "ok", **_json(OBJECT)}}}},
            "/api/hall": {"get": {"summary": "Public services tree with availability, queue lengths and waits",
                                  "responses": {"200": {"description": "ok", **_json(OBJECT)}}}},
            "/api/state": {"get": {"summary": "The hall snapshot (any authenticated client)",
                                   "security": bearer,
                                   "responses": {"200": {"description": "ok", **_json(OBJECT)},
                                                 **_errors(401, 403)}}},
            "/api/tickets": {"post": {
                "summary": "Issue a ticket (kiosk token). Idempotent by command_id.",
                "security": bearer,
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/TicketBody"})},
                "responses": {"201": {"description": "the ticket", **_json(OBJECT)},
                              **_errors(400, 401, 403, 404, 409)},
            }},
            "/api/booking/slots": {"get": {
                "summary": "Free booking slots of a service on a date",
                "parameters": [{"name": "service_id", "in": "query", "required": True, "schema": {"type": "string"}},
                               {"name": "date", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "slots", **_json(OBJECT)}, **_errors(400, 404)}}},
            "/api/bookings": {"post": {
                "summary": "Book a slot (public; with a session token: a phone booking by staff)",
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/BookingBody"})},
                "responses": {"201": {"description": "the booking with its code", **_json(OBJECT)},
                              "202": {"description": "held until the SMS code confirms the number (with a modem): "
                                                     "`{pending, expires, confirm_minutes}`", **_json(OBJECT)},
                              **_errors(400, 401, 403, 404, 409, 429)}}},
            "/api/bookings/confirm": {"post": {
                "summary": "Confirm a held public booking with the code texted to its number; makes the booking",
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/ConfirmBody"})},
                "responses": {"201": {"description": "the booking with its code", **_json(OBJECT)},
                              **_errors(400, 404, 409, 429)}}},
            "/api/bookings/{code}": {
                "get": {"summary": "A booking's status, by its code",
                        "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "booking", **_json(OBJECT)}, **_errors(404, 429)}},
                "delete": {"summary": "Cancel a booking, by its code",
                           "parameters": [{"name": "code", "in": "path", "required": True,
                                           "schema": {"type": "string"}}],
                           "responses": {"200": {"description": "cancelled", **_json(OBJECT)},
                                         **_errors(400, 404, 409, 429)}}},
            "/api/checkins": {"post": {
                "summary": "Check in a booking at a kiosk (typed code or scanned QR); gives the ticket",
                "security": bearer,
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/CheckInBody"})},
                "responses": {"201": {"description": "the ticket", **_json(OBJECT)},
                              **_errors(400, 401, 403, 404, 409, 429)}}},
            "/api/accessibility": {"post": {
                "summary": "A kiosk logs one use of its accessible mode",
                "security": bearer,
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/AccessibleSessionBody"})},
                "responses": {"201": {"description": "logged", **_json(OBJECT)}, **_errors(400, 401, 403)}}},
            "/api/reports": {"get": {
                "summary": "History report for a date range (supervisor, admin)", "security": bearer,
                "parameters": [{"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}},
                               {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}}],
                "responses": {"200": {"description": "report", **_json(OBJECT)}, **_errors(400, 401, 403)}}},
            "/api/reports/export.csv": {"get": {
                "summary": "The range's visits as CSV", "security": bearer,
                "responses": {"200": {"description": "CSV"}, **_errors(400, 401, 403)}}},
            "/api/reports/export.xlsx": {"get": {
                "summary": "The range's report as an XLSX workbook", "security": bearer,
                "responses": {"200": {"description": "XLSX"}, **_errors(400, 401, 403)}}},
            "/api/feedback/{token}": {
                "get": {"summary": "Whether the visit behind a feedback token is finished and rated",
                        "parameters": [{"name": "token", "in": "path", "required": True,
                                        "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "status", **_json(OBJECT)}, **_errors(404)}},
                "post": {"summary": "Rate the visit (once)",
                         "parameters": [{"name": "token", "in": "path", "required": True,
                                         "schema": {"type": "string"}}],
                         "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/FeedbackBody"})},
                         "responses": {"201": {"description": "thanks", **_json(OBJECT)},
                                       **_errors(400, 404, 409)}}},
            "/api/devices/heartbeat": {"post": {
                "summary": "A kiosk is alive; its printer's problem, if any", "security": bearer,
                "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/HeartbeatBody"})},
                "responses": {"200": {"description": "ok", **_json(OBJECT)}, **_errors(400, 401, 403)}}},
            "/api/sessions": {
                "post": {
                    "summary": "Operator login; returns a session token for REST and WebSocket",
                    "requestBody": {"required": True, **_json({"$ref": "#/components/schemas/LoginBody"})},
                    "responses": {"201": {"description": "session", **_json(OBJECT)}, **_errors(400, 401, 403, 429)},
                },
                "delete": {"summary": "Log out (end this session token)", "security": bearer,
                           "responses": {"200": {"description": "ok", **_json(OBJECT)}, **_errors(401)}},
            },
        },
    }
