"""Exceptions to protocol errors, in one place. No stack trace ever reaches a client."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from ..catalogue import error_body
from ..domain.errors import CherhaError, InvalidInput

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def validation_error(exc: ValidationError) -> InvalidInput:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(p) for p in err["loc"]) or "message"
        parts.append(f"{where}: {err['msg']}")
    return InvalidInput("invalid_message", details="; ".join(parts))


def to_error(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """(HTTP status, error body) for any exception."""
    if isinstance(exc, ValidationError):
        exc = validation_error(exc)
    if isinstance(exc, CherhaError):
        return exc.status, error_body(exc.code, exc.params)
    log.exception("unexpected error", exc_info=exc)
    return 500, error_body("internal_error")


MAX_JSON_DEPTH = 32  # far deeper than any message of the protocol; deeper: json_too_deep


def parse_json(text: str) -> Any:
    """Parse a client's JSON; anything a handler should not see is an InvalidInput, never a crash.

    Deep nesting would raise RecursionError (HTTP 500, a dropped socket); a lone surrogate ("\\ud800")
    is valid JSON but not text: echoed back, it could not be encoded and the connection died silently.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidInput("invalid_json") from None
    except RecursionError:
        raise InvalidInput("json_too_deep") from None
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _check_text(value)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_JSON_DEPTH:
            raise InvalidInput("json_too_deep")
        if isinstance(value, dict):
            for key, item in value.items():
                _check_text(key)
                stack.append((item, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in value)
    return data


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("invalid_text") from None


def dumps(data: Any) -> str:
    """JSON as readable UTF-8 (no \\u escapes), or all-ASCII when it holds text UTF-8 cannot carry."""
    text = json.dumps(data, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(data)
    return text


def json_response(data: Any, status: int = 200) -> web.Response:
    """JSON with Ukrainian text readable as is (no \\u escapes)."""
    return web.json_response(data, status=status, dumps=dumps)


def json_error(status: int, code: str, **params: Any) -> web.Response:
    return json_response({"error": error_body(code, params)}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status == 404:
            return json_error(404, "not_found")
        if exc.status == 405:
            return json_error(405, "method_not_allowed")
        if exc.status == 413:
            return json_error(413, "payload_too_large")
        if exc.status >= 400:
            return json_error(exc.status, "invalid_message", details=exc.reason)
        raise
    except Exception as exc:
        status, body = to_error(exc)
        return json_response({"error": body}, status=status)


def aware_datetime(value: str, field: str) -> datetime:
    """An ISO date-time from a client, with its time zone (a naive one cannot be compared: it was a 500)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("invalid_message", details=f"{field}: an ISO date-time expected") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("time_zone_required", field=field)
    return moment


# Pages load only their own scripts, modules, styles, audio and images; sockets go to this server.
# No inline script or style attribute is allowed (the pages set styles through the CSSOM only).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "media-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Frame-Options": "DENY",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every response, errors and static files included, says how a browser may use it."""
    response = await handler(request)
    if not response.prepared:  # a WebSocket has already sent its headers
        response.headers.update(SECURITY_HEADERS)
    return response
