"""Exceptions to protocol errors, in one place. No stack trace ever reaches a client."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
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


def json_response(data: Any, status: int = 200) -> web.Response:
    """JSON with Ukrainian text readable as is (no \\u escapes)."""
    return web.json_response(data, status=status, dumps=_dumps)


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


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
