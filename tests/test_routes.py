"""The route table's access, as the guard applies it: checked before the handler reads anything."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from queue_server.api.auth import Role
from queue_server.api.endpoints import Route
from queue_server.api.routes import TABLE

from .support import running_server

BOOKING = {"command_id": "abcdefgh12", "service_id": "id-card", "start": "nonsense", "phone": "0501234567"}
# (method, path, query, json body, who, status, code): a wrong caller is refused before its query or
# body is looked at; the right one then hears what is wrong with them.
CASES = [
    ("GET", "/api/reports", "?from=garbage", None, "none", 401, "auth_required"),
    ("GET", "/api/reports", "?from=garbage", None, "kiosk", 403, "forbidden_for_role"),
    ("GET", "/api/reports", "?from=garbage", None, "supervisor", 400, "invalid_message"),
    ("GET", "/api/reports/export.csv", "?from=2026-01-01&to=2027-12-31", None, "supervisor", 400, "invalid_message"),
    ("POST", "/api/devices/heartbeat", "", {"printer_problem": "NOT OK"}, "display", 403, "forbidden_for_role"),
    ("POST", "/api/devices/heartbeat", "", {"printer_problem": "NOT OK"}, "kiosk", 400, "invalid_message"),
    ("POST", "/api/bookings", "", BOOKING, "display", 403, "forbidden_for_role"),
    ("POST", "/api/bookings", "", BOOKING, "basic", 401, "auth_required"),
    ("POST", "/api/bookings", "", BOOKING, "none", 400, "invalid_message"),  # anonymous: the body's turn
    ("POST", "/api/bookings", "", BOOKING, "kiosk", 400, "invalid_message"),
    ("DELETE", "/api/sessions", "", None, "bogus", 401, "invalid_token"),
    ("GET", "/api/feedback/" + "x" * 43, "", None, "none", 404, "unknown_ticket"),
]


@pytest.mark.parametrize(("method", "path", "query", "body", "who", "status", "code"), CASES)
async def test_the_caller_is_checked_first(tmp_path, method: str, path: str, query: str, body: Any, who: str,  # type: ignore[no-untyped-def]
                                           status: int, code: str) -> None:
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        headers = {}
        if who in ("kiosk", "display"):
            headers["Authorization"] = "Bearer " + await server.device_token(Role(who), who)
        elif who == "supervisor":
            async with http.post(server.url + "/api/sessions",
                                 json={"login": "supervisor", "password": "super-demo"}) as response:
                headers["Authorization"] = "Bearer " + (await response.json())["token"]
        elif who == "bogus":
            headers["Authorization"] = "Bearer not-a-real-token"
        elif who == "basic":
            headers["Authorization"] = "Basic b3A6MTExMQ=="
        async with http.request(method, server.url + path + query, json=body, headers=headers) as response:
            payload = await response.json()
            assert (response.status, payload["error"]["code"]) == (status, code), payload
        if code == "forbidden_for_role":
            assert payload["error"]["params"] == {"role": who, "type": path}


def test_every_route_is_declared_whole() -> None:
    """A summary for the document, and the answers it can give; a body model only where a body is read."""
    routes = [entry for entry in TABLE if isinstance(entry, Route)]
    assert len({(r.method, r.path) for r in routes}) == len(routes), "a route declared twice"
    for route in routes:
        assert route.summary and route.summary[0].isupper() and route.replies, route.path
        assert route.method in ("GET", "POST", "PUT", "PATCH", "DELETE"), route.path
        if route.method in ("POST", "PUT", "PATCH"):
            assert route.body is not None, f"{route.path}: a {route.method} declares the body it validates"
        if route.guesses_codes:
            assert route.access.kind in ("visitor-by-code", "token"), route.path
