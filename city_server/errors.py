"""The city server's refusals: a code, an HTTP status, and Ukrainian and English words from city.toml."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from texts import LANGS, Catalogue

MESSAGES = Catalogue(Path(__file__).parent / "locales" / "city.toml")
log = logging.getLogger("cherha.city")


class CityError(Exception):
    def __init__(self, status: int, code: str, **params: Any) -> None:
        super().__init__(code)
        self.status, self.code, self.params = status, code, params

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.params)


def error_body(code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    words = {lang: MESSAGES.t_in(lang, code, **(params or {})) for lang in LANGS}
    return {"error": {"code": code, "message": words, "params": params or {}}}


def json_response(data: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(data, ensure_ascii=False), status=status, content_type="application/json")


@web.middleware
async def error_middleware(request: web.Request,
                           handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    try:
        return await handler(request)
    except CityError as exc:
        return json_response(exc.body(), exc.status)
    except web.HTTPNotFound:
        return json_response(error_body("not_found"), 404)
    except web.HTTPException:
        raise
    except Exception:
        log.exception("city request failed", extra={"path": request.path})
        return json_response(error_body("internal_error"), 500)
