"""The devices' REST: a kiosk's heartbeat, so the dashboard can tell a dead kiosk or printer; a visitor's call
for an administrator from a kiosk («Покликати адміністратора»), shown among the dashboard's alerts until a
supervisor acknowledges it; and the administrator's devices: issue a token (shown once), name, see the last
contact, revoke."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlite_utils import Database

from ..domain import commands as cmd
from ..domain.errors import NotFound, Refused
from ..domain.hall_config import ConfigItem
from ..passwords import token_hash
from .auth import Role, create_device_token
from .errors import json_response
from .http import Call
from .rest import CLOSE_LOGGED_OUT

MAX_DEVICES = 1000  # devices a centre may register (revoked ones count): the list is one page


class NewDeviceBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Literal["kiosk", "display"]
    desk: Annotated[int, Field(ge=1, le=999)] | None = None  # a display over one desk: its URL is that desk's


class DevicePatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class HeartbeatBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    printer_problem: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = None


class HelpCallBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    lang: Literal["uk", "en"] = "uk"  # the visitor's language
    accessible: bool = False  # called from the accessible mode


async def heartbeat(call: Call[HeartbeatBody]) -> web.Response:
    """A kiosk says it is alive, and how its printer is: the dashboard raises an alert when either fails."""
    call.state.service.devices[call.principal.name] = (time.monotonic(), call.body.printer_problem)
    return json_response({})


async def help_call(call: Call[HelpCallBody]) -> web.Response:
    """A visitor at a kiosk asks for an administrator: an alert on the dashboard until acknowledged
    (help_calls.py). A second press while the call is open answers `already`; a new call within a minute of
    the last is refused (429)."""
    service = call.state.service
    help_call, already = call.state.help_calls.call(call.principal.name, service.now().isoformat(),
                                                    call.body.lang, call.body.accessible)
    if not already:
        service.tick()  # every dashboard fetches its view again now, not at the next 20 s tick
    return json_response({"called_at": help_call.at, "already": already}, status=200 if already else 201)


# -- the administrator's devices (docs/admin-api.md#devices) ---------------------------------------------------
def _device_row(row: tuple[Any, ...]) -> dict[str, Any]:
    rowid, name, role, created, last_contact, revoked = row
    return {"id": rowid, "name": name, "role": role, "created": created, "last_contact": last_contact,
            "revoked": bool(revoked), "board_url": None}


_COLUMNS = "rowid, name, role, created, last_contact, revoked"


async def _find(call: Call[Any]) -> tuple[dict[str, Any], str]:
    """The device the path names, and its token hash."""
    text = call.request.match_info["id"]
    if not text.isdigit() or len(text) > 12:
        raise NotFound("unknown_device", device=text)

    def find(db: Database) -> tuple[tuple[Any, ...], str] | None:
        row = db.execute(f"SELECT {_COLUMNS}, token_hash FROM devices WHERE rowid = ?", [int(text)]).fetchone()
        return (tuple(row[:-1]), row[-1]) if row is not None else None

    found = await call.state.service.store.call(find)
    if found is None:
        raise NotFound("unknown_device", device=text)
    return _device_row(found[0]), found[1]


async def _audit(call: Call[Any], action: str, device: dict[str, Any]) -> dict[str, Any]:
    item = ConfigItem("device", action, str(device["id"]), {"name": device["name"], "role": device["role"]})
    return await call.state.service.execute(cmd.Configure(actor=call.principal.name, items=(item,)))


def board_url(call: Call[Any], role: str, token: str, desk: int | None) -> str | None:
    """Where a display opens its screen: the hall board, or one desk's display; built on the centre's public
    address (or the address this request came to)."""
    if role != "display":
        return None
    base = call.state.service.state.hall.public_url.rstrip("/") or f"{call.request.scheme}://{call.request.host}"
    path = f"/display/desk/{desk}" if desk is not None else "/board"
    return f"{base}{path}?{urlencode({'token': token})}"


async def list_devices(call: Call[None]) -> web.Response:
    def rows(db: Database) -> list[dict[str, Any]]:
        found = db.execute(f"SELECT {_COLUMNS} FROM devices ORDER BY revoked, rowid LIMIT ?", [MAX_DEVICES])
        return [_device_row(tuple(row)) for row in found]

    return json_response({"devices": await call.state.service.store.read(rows)})


async def issue_device(call: Call[NewDeviceBody]) -> web.Response:
    body, service = call.body, call.state.service
    if body.desk is not None and body.desk not in service.state.hall.desks:
        raise NotFound("unknown_desk", desk=body.desk)
    now = service.now()

    def create(db: Database) -> tuple[str, dict[str, Any]]:
        count = db.execute("SELECT COUNT(*) FROM devices").fetchone()[0]
        if count >= MAX_DEVICES:
            raise Refused("too_many_devices", limit=MAX_DEVICES)
        token = create_device_token(db, body.name.strip(), Role(body.role), now)
        row = db.execute(f"SELECT {_COLUMNS} FROM devices WHERE token_hash = ?", [token_hash(token)]).fetchone()
        return token, _device_row(tuple(row))

    token, device = await service.store.call(create)
    answer = await _audit(call, "issued", device)
    url = board_url(call, body.role, token, body.desk)
    return json_response({"device": device, "token": token, "board_url": url, "seq": answer["seq"],
                          "changes": answer.get("changes", [])}, status=201)


async def rename_device(call: Call[DevicePatchBody]) -> web.Response:
    device, digest = await _find(call)
    name = call.body.name.strip()

    def rename(db: Database) -> None:
        with db.atomic():
            db.execute("UPDATE devices SET name = ? WHERE token_hash = ?", [name, digest])

    await call.state.service.store.call(rename)
    device = {**device, "name": name}
    answer = await _audit(call, "renamed", device)
    return json_response({"device": device, "seq": answer["seq"], "changes": answer.get("changes", [])})


async def revoke_device(call: Call[None]) -> web.Response:
    """Revoked at once: its next request is refused, and its open sockets are closed now (4003)."""
    device, digest = await _find(call)

    def revoke(db: Database) -> None:
        with db.atomic():
            db.execute("UPDATE devices SET revoked = 1 WHERE token_hash = ?", [digest])

    await call.state.service.store.call(revoke)
    for ws in list(call.state.session_sockets.pop(digest, ())):
        await ws.close(code=CLOSE_LOGGED_OUT, message=b"token revoked")
    device = {**device, "revoked": True}
    answer = await _audit(call, "revoked", device)
    return json_response({"device": device, "seq": answer["seq"], "changes": answer.get("changes", [])})
