"""Exceptions to protocol errors, in one place. No stack trace ever reaches a client."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from texts import LANGS

from ..catalogue import MESSAGES, error_body
from ..domain.errors import CherhaError, InvalidInput

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# What a field expects, by pydantic's error type: each a text in the catalogue (`expected_<kind>`), so a wrong
# value is explained in Ukrainian and English, never in pydantic's English ("Input should be a valid integer").
_EXPECTED = {"missing": "required", "extra_forbidden": "unknown_field", "bool_type": "boolean",
             "bool_parsing": "boolean", "list_type": "list", "tuple_type": "list", "dict_type": "object",
             "model_type": "object", "model_attributes_type": "object", "literal_error": "one_of", "enum": "one_of",
             "string_pattern_mismatch": "form", "date_type": "date", "date_parsing": "date",
             "date_from_datetime_parsing": "date", "datetime_type": "datetime", "datetime_parsing": "datetime"}
_PREFIXES = (("int", "integer"), ("float", "number"), ("decimal", "number"), ("string", "text"))
_BOUNDS = {"greater_than_equal": "min", "greater_than": "min", "less_than_equal": "max", "less_than": "max",
           "too_short": "min_items", "too_long": "max_items", "string_too_short": "min_length",
           "string_too_long": "max_length"}


def validation_error(exc: ValidationError) -> InvalidInput:
    """The first thing wrong with a body, as `invalid_message` with the field, what it expects, and a text in
    each language (`details`: {uk, en}); `params.field`/`params.expected` for clients that show it by a form's
    field."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "message"
    kind, ctx = err["type"], err.get("ctx") or {}
    expected = _EXPECTED.get(kind) or next((name for prefix, name in _PREFIXES if kind.startswith(prefix)), "value")
    params: dict[str, Any] = {"field": field, "expected": expected}
    bound = _BOUNDS.get(kind)
    if bound is not None:
        limit = ctx.get("ge", ctx.get("gt", ctx.get("le", ctx.get("lt", ctx.get("min_length", ctx.get("max_length"))))))
        params["expected"] = {"min": "at_least", "max": "at_most"}.get(bound, "size")
        params["limit"] = limit if isinstance(limit, (int, float)) else str(limit)
    if expected == "one_of":
        params["choices"] = str(ctx.get("expected", ""))
    words = {lang: MESSAGES.t_in(lang, f"expected_{params['expected']}", **params) for lang in LANGS}
    return InvalidInput("invalid_message", details=words, **params)


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
