"""Configuration from the city over HTTP (docs/city.md, "Configuration from the city").

City staff publish a catalogue version (`POST /api/city/config`); each branch asks for its current one
(`GET /api/city/config`, conditional on the version it has: an unchanged version is a 304 with no body) and
reports in its live summary which version it runs or why it refused one; staff see that beside the versions
(`GET /api/city/config/versions`). `cherha city-publish FILE` publishes through `publish_document` as well.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from queue_server.shipping.catalogue import CatalogueError, read_catalogue
from queue_server.shipping.protocol import MAX_NOTE_CHARS, MAX_TARGET_BRANCHES, STALE_SECONDS

from . import config_store
from .errors import CityError, json_response
from .store import Principal

if TYPE_CHECKING:
    from .app import CityState

_BRANCH = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_ETAG = re.compile(r'^(?:W/)?"(\d{1,9})"$')


def etag(version: int) -> str:
    return f'"{version}"'


async def publish_document(pool: Any, data: Any, by: str, now: datetime) -> dict[str, Any]:
    """Check a publication ({"catalogue", "branches"?, "note"?}) and write it as the next version."""
    if not isinstance(data, dict) or "catalogue" not in data:
        raise CityError(400, "invalid_catalogue", details_uk="потрібне поле catalogue",
                        details_en="the catalogue field is required")
    extra = sorted(set(data) - {"catalogue", "branches", "note"})
    if extra:
        raise CityError(400, "invalid_catalogue", details_uk=f"невідоме поле «{extra[0]}»",
                        details_en=f"unknown field \"{extra[0]}\"")
    try:
        catalogue = read_catalogue(data["catalogue"], 0)
    except CatalogueError as exc:
        raise CityError(400, "invalid_catalogue", details_uk=exc.details["uk"], details_en=exc.details["en"]) from None
    branches = data.get("branches")
    if branches is not None:
        if not isinstance(branches, list) or not branches or len(branches) > MAX_TARGET_BRANCHES \
                or not all(isinstance(b, str) and _BRANCH.match(b) for b in branches):
            raise CityError(400, "invalid_catalogue", details_uk=f"branches — список від 1 до {MAX_TARGET_BRANCHES} "
                            "назв філій (або без нього: усі філії)",
                            details_en=f"branches is a list of 1 to {MAX_TARGET_BRANCHES} branch names (or none: "
                            "every branch)")
        branches = sorted(set(branches))
        unknown = await config_store.unknown_branches(pool, branches)
        if unknown:
            raise CityError(400, "unknown_branch", branch=unknown[0])
    note = data.get("note", "")
    if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
        raise CityError(400, "invalid_catalogue", details_uk=f"note — текст до {MAX_NOTE_CHARS} символів",
                        details_en=f"note is a text of at most {MAX_NOTE_CHARS} characters")
    version = await config_store.publish(pool, data["catalogue"], branches, note.strip(), by, now)
    return {"version": version, "published": now.isoformat(), "branches": branches, "note": note.strip(),
            "services": len(catalogue.services)}


async def publish(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise CityError(400, "invalid_catalogue", details_uk="не JSON", details_en="not JSON") from None
    return json_response(await publish_document(city.store.pool, data, who.name, city.clock.now()), status=201)


async def current(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    """The version this branch should run; 304 when If-None-Match already names it."""
    match = _ETAG.match(request.headers.get("If-None-Match", "").strip())
    has = int(match.group(1)) if match else None
    found = await config_store.offered(city.store.pool, who.name, has)
    headers = {"ETag": etag(found.version), "Cache-Control": "no-cache"}
    if has == found.version:
        return web.Response(status=304, headers=headers)
    response = json_response({
        "version": found.version, "published": found.published.isoformat() if found.published else None,
        "note": found.note, "catalogue": json.loads(found.catalogue) if found.catalogue is not None else None})
    response.headers.update(headers)
    return response


async def versions(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.Response:
    """The newest versions, and what each branch last said it runs (or refused); `?version=N`: that document."""
    wanted = request.query.get("version")
    if wanted is not None:
        if not wanted.isdigit() or len(wanted) > 9:
            raise CityError(400, "invalid_catalogue", details_uk="version — ціле число",
                            details_en="version is a whole number")
        found = await config_store.document(city.store.pool, int(wanted))
        if found is None:
            raise CityError(404, "unknown_version", version=int(wanted))
        return json_response({"version": int(wanted), "catalogue": found})
    now = city.clock.now()
    branches = []
    for row in await config_store.running(city.store.pool):
        heard = row["summary_received"]
        said = json.loads(row["config"]) if row["config"] else None
        branches.append({
            "branch": row["name"],
            # What the branch said last, however long ago: a branch that is silent still runs what it ran.
            "version": said.get("version") if said else None,
            "refused": said.get("refused") if said else None,
            "last_heard": heard.isoformat() if heard else None,
            "live": heard is not None and (now - heard).total_seconds() <= STALE_SECONDS,
        })
    return json_response({"versions": await config_store.versions(city.store.pool), "branches": branches})
