"""Configuration flowing down from the city: pull the catalogue version meant for this branch, apply it the way
an administrator's change is applied, or refuse it and say why (docs/city.md, "Configuration from the city").

One loop beside the shipper's, on the same HTTP session: every `config_seconds` it asks the city for its
version, conditionally (If-None-Match: an unchanged version is a 304 with no body), and never blocks the hall:
a city that cannot be reached only means the branch keeps running the version it has. A new version becomes
one `Configure` command (domain/decide_config.py) by the actor "city": the branch's hall with the city's part
laid over it (domain/city_catalogue.py), turned into `hall_configured` items, preceded by the audit-only item
that records the version. The domain validates the hall it leads to exactly as for an administrator; all of it
is applied or none. A refusal (a desk would be left serving a service the city removed, visitors still wait
for it, ...) is kept with its words and shown on the dashboard and in the live summary; the branch tries the
same version again at every pull, so it goes in once the branch has made room for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import aiohttp

from ..catalogue import message
from ..domain import commands as cmd
from ..domain.city_catalogue import CITY_ACTION, CITY_ACTOR, CITY_KIND, with_catalogue
from ..domain.errors import CherhaError
from ..domain.hall_config import ConfigItem, diff
from ..hall_service import HallService
from .catalogue import CatalogueError, read_catalogue
from .protocol import CONFIG_PATH, MAX_CATALOGUE_BYTES

log = logging.getLogger("cherha.shipping")
MAX_REFUSAL_PARAMS = 2000  # bytes of a refusal's params kept for the dashboard and the summary


class ConfigPuller:
    def __init__(self, service: HallService, every: float) -> None:
        self.service, self.every = service, every
        self.offered: tuple[int, str, Any] | None = None  # (version, note, document) the city last gave us
        self.refused: dict[str, Any] | None = None  # why the offered version is not applied
        self.error: str | None = None  # the last pull's failure (the city away), for the log only
        self.pulls = 0  # answers received (200 or 304)

    @property
    def version(self) -> int:
        """The version this branch runs: in the log (HallState.city_version), never in memory only."""
        return self.service.published.city_version

    def status(self) -> dict[str, Any]:
        return {"version": self.version, "offered": self.offered[0] if self.offered else None,
                "refused": self.refused}

    async def run(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.pull(http)
                self.error = None
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                self.error = str(exc) or type(exc).__name__
                log.info("city configuration not pulled: %s", self.error)
            except Exception:  # a bug here must not stop the shipper's other loops
                log.exception("city configuration: unexpected failure")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.every)

    async def pull(self, http: aiohttp.ClientSession) -> None:
        """Ask for this branch's version (conditionally), then apply it if it is newer than the one running."""
        headers = {"If-None-Match": f'"{self.offered[0]}"'} if self.offered else {}
        async with http.get(CONFIG_PATH, headers=headers) as response:
            if response.status == 200:
                data = json.loads(await _bounded_body(response))
                if not isinstance(data, dict) or not isinstance(data.get("version"), int):
                    raise ValueError("the city's configuration answer has no version")
                self.offered = (data["version"], str(data.get("note") or ""), data.get("catalogue"))
            elif response.status != 304:
                raise ValueError(f"the city answered {response.status} to {CONFIG_PATH}")
        self.pulls += 1
        if self.offered is not None and self.offered[0] > self.version:
            await self.apply(*self.offered)

    async def apply(self, version: int, note: str, document: Any) -> bool:
        """Apply `version` as one administrator's change by "city"; False (and `refused`) when it cannot be."""
        try:
            catalogue = read_catalogue(document, version)
        except CatalogueError as exc:
            return self._refuse(version, "catalogue_unreadable", {"details": exc.details}, exc.details)
        # No await from reading the hall to deciding the command: an administrator's change cannot slip between.
        hall = self.service.state.hall
        items = diff(hall, with_catalogue(hall, catalogue))
        marker = ConfigItem(CITY_KIND, CITY_ACTION, str(version),
                            {"version": version, "items": len(items), "note": note})
        try:
            await self.service.execute(cmd.Configure(actor=CITY_ACTOR, items=(marker, *items)))
        except CherhaError as exc:
            return self._refuse(version, exc.code, exc.params, message(exc.code, exc.params))
        log.info("city configuration applied", extra={"version": version, "items": len(items)})
        self.refused = None
        return True

    def _refuse(self, version: int, code: str, params: dict[str, Any], words: dict[str, str]) -> bool:
        if self.refused is None or self.refused["version"] != version or self.refused["code"] != code:
            log.warning("city configuration %d refused: %s", version, words["en"])
        # The params go to the dashboard and into every live summary (64 KiB at most): a long list is left out.
        small = params if len(json.dumps(params, ensure_ascii=False, default=str)) <= MAX_REFUSAL_PARAMS else {}
        self.refused = {"version": version, "code": code, "params": small, "message": words}
        return False


async def _bounded_body(response: aiohttp.ClientResponse) -> bytes:
    """The city's answer, read whole but never past what a publication may hold (and its envelope)."""
    limit = MAX_CATALOGUE_BYTES * 2  # a document re-encoded by the city, plus version, note and dates
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            raise ValueError(f"the city's configuration answer is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
