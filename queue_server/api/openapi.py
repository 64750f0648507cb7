"""The OpenAPI 3.1 document, generated from the route table the app registered; served at /api/openapi.json.

Nothing here names a route: paths, methods, who may call (`security`, `x-access`, `x-roles`), bodies (the
pydantic models' own JSON schemas), query and path parameters and answers all come from the declarations
(endpoints.py). Error statuses that follow from a declaration are added here, by one rule each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from aiohttp import web

from .connection_limits import MAX_REQUEST_BYTES
from .endpoints import JSON, REGISTERED, Entry, Route, Static
from .errors import MAX_JSON_DEPTH, json_response
from .http import Call

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "stable: clients switch on it"},
                "message": {
                    "type": "object",
                    "properties": {"uk": {"type": "string"}, "en": {"type": "string"}},
                },
                "params": {"type": "object"},
            },
        }
    },
}
ERROR_TEXT = {400: "malformed (`invalid_json`, `invalid_message`, `json_too_deep`, `invalid_text`, ...)",
              401: "not authenticated (`auth_required`, `invalid_token`)", 403: "role not allowed",
              404: "unknown thing", 409: "refused by the hall's rules",
              413: f"body over {MAX_REQUEST_BYTES // 1024} KiB (`payload_too_large`)",
              429: "too many attempts from this client: `params.seconds` to wait", 503: "unavailable"}
# aiohttp's path syntax: {name} or {name:regex}, where the regex may itself hold braces ({8}).
PARAMETER = re.compile(r"\{(\w+)(?::((?:[^{}]|\{[^{}]*\})+))?\}")


def spec(table: Iterable[Entry]) -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, dict[str, Any]] = {}
    for entry in table:
        if isinstance(entry, Static):
            _static(paths, entry)
            continue
        path, parameters = _path(entry.path)
        operation = _operation(entry, parameters, schemas)
        paths.setdefault(path, {})[entry.method.lower()] = operation
        if entry.head:
            paths[path]["head"] = {**operation, "operationId": operation["operationId"].replace("get", "head", 1)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Cherha queue server",
            "version": "1",
            "description": "REST for kiosks and pages, the pages themselves, and the WebSocket's address. Live "
            "updates and desk commands: WebSocket /ws (docs/protocol.md). Errors carry a code and Ukrainian and "
            f"English text. Bodies: at most {MAX_REQUEST_BYTES // 1024} KiB, JSON nested at most "
            f"{MAX_JSON_DEPTH} deep. Who may call an operation: `x-access` (public, token, token-or-anonymous, "
            "visitor-by-code) and, with a token, `x-roles` (empty: any authenticated caller).",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": schemas},
        "paths": paths,
    }


async def document(call: Call[None]) -> web.Response:
    registered = call.request.app[REGISTERED]
    if registered.document is None:
        registered.document = spec(registered.entries)
    return json_response(registered.document)


def _path(aiohttp_path: str) -> tuple[str, list[dict[str, Any]]]:
    """`/b/{code:[0-9A-Za-z]{8}}` → `/b/{code}`, and the parameter with its pattern."""
    parameters = []
    for match in PARAMETER.finditer(aiohttp_path):
        schema: dict[str, Any] = {"type": "string"}
        if match.group(2):
            schema["pattern"] = f"^{match.group(2)}$"
        parameters.append({"name": match.group(1), "in": "path", "required": True, "schema": schema})
    return PARAMETER.sub(r"{\1}", aiohttp_path), parameters


def _operation(route: Route[Any], parameters: list[dict[str, Any]], schemas: dict[str, Any]) -> dict[str, Any]:
    access = route.access
    roles = sorted(role.value for role in access.roles)
    name = re.sub(r"\W+", "_", PARAMETER.sub(r"\1", route.path)).strip("_") or "index"
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()}_{name}",
        "summary": route.summary,
        "description": _who(route),
        "x-access": access.kind,
    }
    if access.kind == "token":
        operation["security"] = [{"bearer": []}]
    elif access.kind == "token-or-anonymous":
        operation["security"] = [{}, {"bearer": []}]
    else:
        operation["security"] = []
    if access.kind in ("token", "token-or-anonymous"):
        operation["x-roles"] = roles
    for query in route.query:
        schema: dict[str, Any] = {"type": "string"}
        if query.format:
            schema["format"] = query.format
        if query.max_length:
            schema["maxLength"] = query.max_length
        parameters.append({"name": query.name, "in": "query", "required": query.required,
                           "description": query.description, "schema": schema})
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {"required": route.body_required,
                                    "content": {JSON: {"schema": _model(route.body, schemas)}}}
    operation["responses"] = {str(status): _reply(route.media, text, status)
                              for status, text in sorted(route.replies.items())}
    for status in sorted(_errors(route)):
        operation["responses"][str(status)] = {
            "description": ERROR_TEXT.get(status, "error"),
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return operation


def _who(route: Route[Any]) -> str:
    roles = ", ".join(sorted(role.value for role in route.access.roles))
    who = {"public": "Anyone.",
           "token": f"A bearer token of: {roles}." if roles else "Any valid bearer token (a device's or a session's).",
           "token-or-anonymous": f"Anyone; a bearer token, when one is sent, must be valid and of: {roles}.",
           "visitor-by-code": "Anyone holding the code the path names: it is the credential."}[route.access.kind]
    if route.guesses_codes:
        who += " Unknown booking codes are throttled per client address (429)."
    return who


def _errors(route: Route[Any]) -> set[int]:
    """The error statuses a route can answer: its own, and those its declaration implies."""
    errors = set(route.errors)
    if route.body is not None:
        errors |= {400, 413}  # validated against the model; capped in size
    if route.access.kind in ("token", "token-or-anonymous"):
        errors.add(401)
        if route.access.roles:
            errors.add(403)
    if route.access.kind == "visitor-by-code":
        errors.add(404)
    if route.guesses_codes:
        errors |= {404, 429}
    return errors


def _model(model: type[Any], schemas: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _reply(media: str, description: str, status: int) -> dict[str, Any]:
    if status == 101:  # switching to the WebSocket: no body
        return {"description": description}
    schema: dict[str, Any] = {"type": "object"} if media == JSON else {"type": "string"}
    return {"description": description, "content": {media: {"schema": schema}}}


def _static(paths: dict[str, dict[str, Any]], entry: Static) -> None:
    name = entry.prefix.strip("/").replace("/", "_")
    get: dict[str, Any] = {"operationId": f"get_{name}", "summary": entry.summary,
           "x-access": "public", "security": [],
           "parameters": [{"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}],
           "responses": {"200": {"description": "the file", "content": {"*/*": {"schema": {"type": "string"}}}},
                         "404": {"description": ERROR_TEXT[404],
                                 "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}}}
    paths[entry.prefix + "/{filename}"] = {"get": get, "head": {**get, "operationId": f"head_{name}"}}
