"""The one WebSocket endpoint: the auth phase, the `{id, type}` envelope, and each message to what the
table (messages.py) says it becomes: a domain command, or a handler (ws_handlers.py).

Limits per connection are in connection_limits.py; the connection's outbox and life cycle in connection.py.
"""

from __future__ import annotations

import contextlib
from typing import Any

from aiohttp import WSMsgType, web
from pydantic import ValidationError

from ..catalogue import error_body
from ..domain.errors import CherhaError, Forbidden, InvalidInput, Unauthorized
from ..passwords import token_hash
from .connection import Connection
from .connection_limits import MAX_FRAME_BYTES
from .errors import parse_json, validation_error
from .messages import SPECS, Auth
from .state import APP_STATE, AppState
from .ws_handlers import HANDLERS

AUTH_TIMEOUT = 10.0
CLOSE_AUTH_FAILED = 4001
PROTOCOL_VERSION = 2
MAX_ID = 2**53  # the largest integer every JSON client (JavaScript) keeps exact


async def websocket_handler(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=30.0, max_msg_size=MAX_FRAME_BYTES)
    await ws.prepare(request)
    app: AppState = request.app[APP_STATE]
    connection = Connection(ws, app, request.transport, app.client(request))
    app.sockets.add(ws)
    try:
        await ws.send_json({"type": "auth_required", "version": PROTOCOL_VERSION})
        if await authenticate(connection):
            await serve(connection)
    finally:
        app.sockets.discard(ws)
        connection.stop()
    return ws


async def serve(conn: Connection) -> None:
    conn.start_sending()
    async for frame in conn.ws:
        if frame.type == WSMsgType.TEXT:
            await handle_text(conn, frame.data)
        elif frame.type == WSMsgType.BINARY:
            conn.error(None, InvalidInput("binary_not_supported"))
        elif frame.type == WSMsgType.ERROR:
            break
        if conn.closing:
            break


async def authenticate(conn: Connection) -> bool:
    try:
        frame = await conn.ws.receive(timeout=AUTH_TIMEOUT)
        if frame.type != WSMsgType.TEXT:
            raise Unauthorized("auth_required")
        data = parse_json(frame.data)
        if not isinstance(data, dict) or data.get("type") != "auth":
            raise Unauthorized("auth_required")
        try:
            auth = Auth.model_validate(data)
        except ValidationError:
            raise Unauthorized("auth_required") from None
        session_token = await _sign_in(conn, auth)
    except TimeoutError:
        await _auth_failed(conn, Unauthorized("auth_required"))
        return False
    except CherhaError as exc:
        await _auth_failed(conn, exc)
        return False
    principal = conn.as_principal
    reply: dict[str, Any] = {"type": "auth_ok", "version": PROTOCOL_VERSION, "role": principal.role.value,
                             "name": principal.name, "desk": principal.desk}
    if session_token is not None:
        reply["session_token"] = session_token
    try:
        await conn.ws.send_json(reply)
    except ConnectionError:  # the client left before hearing it: nothing to serve
        return False
    return True


async def _sign_in(conn: Connection, auth: Auth) -> str | None:
    """Who the client is; returns a new session token after a PIN login (a console keeps it, never the PIN)."""
    app, session_token = conn.app, None
    if auth.visit_token is not None or auth.booking_code is not None:
        conn.principal = app.auth.visitor(app.service.published, auth.visit_token, auth.booking_code, conn.address)
    elif auth.token is not None:
        conn.principal = await app.auth.by_token(auth.token)
        # Kept by token hash, devices too: a logout, or an administrator revoking the device or disabling the
        # operator, closes the sockets opened with it at once.
        conn.session = token_hash(auth.token)
    else:
        assert auth.login is not None and auth.password is not None
        conn.principal, session_token = await app.auth.login(auth.login, auth.password, auth.desk, conn.address)
        conn.session = token_hash(session_token)
    if conn.session is not None:
        app.session_sockets[conn.session].add(conn.ws)
    return session_token


async def _auth_failed(conn: Connection, exc: CherhaError) -> None:
    with contextlib.suppress(ConnectionError):  # a client that already left needs no answer
        await conn.ws.send_json({"type": "auth_invalid", "error": error_body(exc.code, exc.params)})
        await conn.ws.close(code=CLOSE_AUTH_FAILED, message=b"auth failed")


async def handle_text(conn: Connection, text: str) -> None:
    try:
        data = parse_json(text)
    except CherhaError as exc:
        conn.error(None, exc)
        return
    if not isinstance(data, dict):
        conn.error(None, InvalidInput("invalid_json"))
        return
    msg_id = data.get("id")
    if not isinstance(msg_id, int) or isinstance(msg_id, bool) or not 1 <= msg_id <= MAX_ID:
        conn.error(None, InvalidInput("invalid_message", details="id: an integer from 1 to 2^53 is required"))
        return
    if msg_id <= conn.last_id:
        conn.error(msg_id, InvalidInput("id_not_increasing"))
        return
    conn.last_id = msg_id
    msg_type = data.get("type")
    spec = SPECS.get(msg_type) if isinstance(msg_type, str) else None
    if spec is None or not spec.roles:  # `auth` belongs to the auth phase only
        conn.error(msg_id, InvalidInput("unknown_type", type=str(msg_type)[:40]))
        return
    principal = conn.as_principal
    if principal.role not in spec.roles:
        conn.error(msg_id, Forbidden("forbidden_for_role", role=principal.role.value, type=msg_type))
        return
    try:
        conn.admit(spec)
        message = spec.model.model_validate(data)
        if spec.handler is not None:
            result = await HANDLERS[spec.handler](conn, message)
        else:
            command = spec.build(message, principal)
            result = await conn.app.service.execute(command, getattr(message, "command_id", None))
    except ValidationError as exc:
        conn.error(msg_id, validation_error(exc))
        return
    except Exception as exc:
        conn.error(msg_id, exc)
        return
    if result is not None:
        conn.result(msg_id, result)
