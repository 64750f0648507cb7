"""The OpenAPI document is generated from the route table: it describes exactly what the server registered,
with who may call each route, and schemathesis can fuzz the server from it."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from queue_server.api.booking_api import BookingBody
from queue_server.api.rest import TicketBody
from queue_server.api.state import APP_STATE

from .support import TIMEOUT, running_server

LIMIT = aiohttp.ClientTimeout(total=TIMEOUT)
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _registered(app: web.Application) -> set[tuple[str, str]]:
    """(method, OpenAPI path) of every route aiohttp will answer."""
    out = set()
    for route in app.router.routes():
        resource = route.resource
        assert resource is not None
        path = resource.canonical
        if isinstance(resource, web.StaticResource):
            path += "/{filename}"
        out.add((route.method.lower(), path))
    return out


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item if method in METHODS}


async def _document(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(url + "/api/openapi.json") as response:
        assert response.status == 200
        document: dict[str, Any] = await response.json()
        return document


async def test_every_registered_route_is_in_the_document_and_back(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession(timeout=LIMIT) as http:
        document = await _document(http, server.url)
        registered = _registered(server.app)
    assert ("post", "/api/tickets") in registered and ("get", "/b/{code}") in registered
    assert ("get", "/ws") in registered and ("get", "/static/{filename}") in registered
    assert len(registered) > 40
    assert _documented(document) == registered


async def test_the_document_says_who_may_call_and_what_to_send(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession(timeout=LIMIT) as http:
        document = await _document(http, server.url)
    paths, schemas = document["paths"], document["components"]["schemas"]
    reports = paths["/api/reports"]["get"]
    assert reports["security"] == [{"bearer": []}] and reports["x-roles"] == ["admin", "supervisor"]
    assert {"401", "403", "400"} <= set(reports["responses"])
    assert [p["name"] for p in reports["parameters"]] == ["from", "to"]
    booking = paths["/api/bookings"]["post"]
    assert booking["x-access"] == "token-or-anonymous" and booking["security"] == [{}, {"bearer": []}]
    assert booking["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BookingBody"}
    assert schemas["BookingBody"] == BookingBody.model_json_schema()
    assert schemas["TicketBody"]["properties"] == TicketBody.model_json_schema()["properties"]
    assert {"400", "413", "401", "403"} <= set(booking["responses"])
    status = paths["/api/bookings/{code}"]["get"]
    assert status["x-access"] == "visitor-by-code" and status["security"] == []
    assert {"404", "429"} <= set(status["responses"]) and status["parameters"][0]["name"] == "code"
    assert paths["/api/hall"]["get"]["security"] == [] and paths["/api/state"]["get"]["x-roles"] == []
    desk = paths["/display/desk/{number}"]["get"]
    assert desk["parameters"][0]["schema"]["pattern"] == r"^\d{1,4}$"
    error = paths["/api/tickets"]["post"]["responses"]["409"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/Error"} and "code" in schemas["Error"]["properties"]["error"][
        "properties"]
    assert len({op["operationId"] for item in paths.values() for op in item.values()}) == sum(map(len, paths.values()))


async def test_schemathesis_fuzzes_the_server_from_the_document(tmp_path, voice_dir: Path) -> None:  # type: ignore[no-untyped-def]
    """A short run (bench/fuzz.py runs thousands of cases): no server error on any documented operation."""
    async with running_server(tmp_path, voice_dir=voice_dir) as server:
        token = await server.device_token()
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).with_name("st")), "run", server.url + "/api/openapi.json",
            "-c", "not_a_server_error", "--phases", "examples,fuzzing", "-n", "4", "--no-shrink",
            "-H", f"Authorization: Bearer {token}", cwd=tmp_path,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output, _ = await asyncio.wait_for(process.communicate(), 300)
        text = output.decode(errors="replace")
        assert process.returncode == 0, text[-4000:]
        assert server.app[APP_STATE].service.store.health() == "ok"
    cases, tested = re.search(r"(\d+) generated, (\d+) passed", text), re.search(r"Tested: (\d+)", text)
    assert cases and int(cases.group(1)) == int(cases.group(2)) > 40, text[-2000:]
    assert tested and int(tested.group(1)) > 40, text[-2000:]  # every operation, pages and HEADs included
