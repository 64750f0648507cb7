"""Ship the hall's log to the city: in order, in bounded batches, from what the city acknowledged.

One loop per branch server. The city's answer to every batch is the highest sequence it holds with nothing
missing below it, and the next batch always starts right after that answer: a lost reply, a duplicated or
delayed request, a restart or a `kill -9` at any moment only make the branch send again what the city then
ignores (it inserts by (branch, seq), ON CONFLICT DO NOTHING). Failures are retried with exponential backoff
and full jitter (so nine branches back after a city outage do not knock together), and nothing the hall does
waits for any of it: the loop reads the log on its own connection (reader.py) and only reads the live state.

The acknowledged position is also kept in `city.acked` beside the database: the dashboard can say how far
behind the city is even when the city cannot be reached since the server started. The city stays the
authority on it (its answer replaces the file's figure at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp

from ..hall_service import HallService
from ..host_checks import HostMonitor
from .config import CitySettings
from .config_pull import ConfigPuller
from .protocol import HALL_PATH, INGEST_PATH, POSITION_PATH, SUMMARY_PATH
from .reader import LogReader
from .summary import live_summary

log = logging.getLogger("cherha.shipping")
ACKED_FILE = "city.acked"
IDLE_SECONDS = 1.0  # how often an idle shipper looks for new events (one index probe)
RECONFIRM_SECONDS = 60.0  # an idle shipper asks the city's position again this often (a city restored from backup)
# The live summary goes at once after a change in the hall (a ticket, a call, a pause), not only every
# `summary_seconds`: the city's live view then lags a change by about a poll of the hall's sequence, not by
# half the period (BENCHMARKS.md, "A city of 9 branches"). Bounded: at most one summary per PROMPT_GAP_SECONDS
# however busy the hall, so a branch never sends more than one a second.
CHANGE_POLL_SECONDS = 0.1  # how often the summary loop looks at the hall's last sequence (one integer compared)
PROMPT_GAP_SECONDS = 1.0


class CityRefused(Exception):
    """The city answered, and said no (a bad token, a conflict): retried slowly, shown on the dashboard."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"HTTP {status}: {body[:300]}")
        self.status = status


@dataclass
class Backoff:
    """Exponential backoff with full jitter: each wait drawn between `base` and a bound that doubles with each
    failure (1 s, 2 s, 4 s, ... up to `cap`)."""

    base: float = 0.5
    cap: float = 60.0
    failures: int = 0

    def next(self) -> float:
        self.failures += 1
        bound = min(self.cap, self.base * 2 ** min(self.failures, 20))
        return random.uniform(self.base, max(self.base, bound))

    def reset(self) -> None:
        self.failures = 0


class Shipper:
    def __init__(self, settings: CitySettings, service: HallService, hall_file: Path,
                 request_timeout: float = 30.0, retry_cap: float | None = None,
                 host: HostMonitor | None = None) -> None:
        self.settings, self.service, self.hall_file = settings, service, hall_file
        self.host = host  # the server's look at its machine: its problems go into the summary's alerts
        self.reader = LogReader(service.store.path)
        self.acked_path = service.store.path.with_name(ACKED_FILE)
        self.acked: int | None = _read_acked(self.acked_path)  # what the city last said it holds
        self.confirmed = False  # the city itself has answered since this server started
        self.last_seq = 0
        self.first_unshipped_at: str | None = None
        self.last_ack_at: datetime | None = None  # hall time of the city's last answer
        self.error: str | None = None
        self.backoff = Backoff(cap=retry_cap if retry_cap is not None else settings.retry_max_seconds)
        self.timeout = aiohttp.ClientTimeout(total=request_timeout, connect=min(10.0, request_timeout))
        self.batches_sent = 0
        self._hall_sent = False
        self.config = ConfigPuller(service, settings.config_seconds)  # the city's configuration, pulled down

    # -- what the dashboard shows --------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """How far behind the city is: unacknowledged events, and since when (hall time) the oldest waits."""
        now = self.service.now()
        acked = self.acked or 0
        self.last_seq = max(self.last_seq, self.service.hub.last_seq)  # the hall's newest durable event
        behind = max(0, self.last_seq - acked)
        oldest = datetime.fromisoformat(self.first_unshipped_at) if behind and self.first_unshipped_at else None
        return {
            "branch": self.settings.branch,
            "acked_seq": self.acked,
            "last_seq": self.last_seq,
            "behind_events": behind,
            "behind_seconds": max(0, int((now - oldest).total_seconds())) if oldest else 0,
            "last_ack_at": self.last_ack_at.isoformat() if self.last_ack_at else None,
            "connected": self.confirmed and self.error is None,
            "error": self.error,
            "config": self.config.status(),  # the city's configuration version this branch runs, or why not
        }

    # -- the loops ------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Ship and send summaries until `stop`; then both are cancelled at once, even in the middle of a request
        to a city that does not answer (the hall's shutdown never waits for the city)."""
        headers = {"Authorization": f"Bearer {self.settings.token}", "Content-Type": "application/json"}
        async with aiohttp.ClientSession(base_url=self.settings.url, headers=headers, timeout=self.timeout) as http:
            tasks = [asyncio.create_task(self._ship(http, stop)), asyncio.create_task(self._summaries(http, stop)),
                     asyncio.create_task(self.config.run(http, stop))]
            try:
                await stop.wait()
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await self.reader.close()

    async def _ship(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        idle = 0.0
        while not stop.is_set():
            try:
                sent = await self._step(http)
            except Exception as exc:  # the network, the city, or reading our own log: all retried, none fatal
                if not isinstance(exc, aiohttp.ClientError | TimeoutError | CityRefused | ValueError):
                    log.exception("shipping failed unexpectedly")
                self.error = str(exc) or type(exc).__name__
                delay = self.backoff.next()
                log.warning("city: %s; next try in %.1f s", self.error, delay, extra={"city": self.settings.url})
                await _sleep(stop, delay)
                continue
            self.error = None
            self.backoff.reset()
            if not sent:
                idle += IDLE_SECONDS
                if idle >= RECONFIRM_SECONDS:
                    self.confirmed, idle = False, 0.0
                await _sleep(stop, IDLE_SECONDS)
            else:
                idle = 0.0

    async def _step(self, http: aiohttp.ClientSession) -> bool:
        """Send one batch if there is one; False when the city holds everything."""
        # What is still to ship, from our own log before asking the city anything: the dashboard's lag (events
        # and since when) must be right while the city cannot be reached, whatever state the last try left.
        last_seq = await self._read_position()
        if not self.confirmed:
            before = self.acked
            answer = await _json(await http.get(POSITION_PATH))
            self._take(answer)
            self._hall_sent = self._hall_sent and answer.get("hall_known") is not False  # a city that lost it
            if self.acked != before:
                last_seq = await self._read_position()
        if not self._hall_sent:
            body = await asyncio.to_thread(hall_document, self.hall_file)
            await _json(await http.put(HALL_PATH, data=body))
            self._hall_sent = True
        acked = self.acked or 0
        if acked > last_seq:
            # The city holds events this log does not: the branch's log was replaced or restored (docs/city.md).
            raise CityRefused(409, f"the city holds seq {acked}, this branch's log ends at {last_seq}")
        batch = await self.reader.batch(self.settings.branch, acked)
        if batch is None:
            return False
        self._take(await _json(await http.post(INGEST_PATH, data=batch.body)))
        self.batches_sent += 1
        await self._read_position()
        return True

    async def _read_position(self) -> int:
        """Read from our own log what the city has not acknowledged (for the dashboard's lag); the log's last seq."""
        position = await self.reader.position(self.acked or 0)
        self.last_seq, self.first_unshipped_at = position.last_seq, position.first_unshipped_at
        return position.last_seq

    def _take(self, answer: dict[str, Any]) -> None:
        acked = answer.get("acked")
        if not isinstance(acked, int) or acked < 0:
            raise ValueError(f"the city's answer has no acked position: {answer!r}")
        self.acked, self.confirmed = acked, True
        self.last_ack_at = self.service.now()
        _write_acked(self.acked_path, acked)

    async def _summaries(self, http: aiohttp.ClientSession, stop: asyncio.Event) -> None:
        """The live summary every few seconds, and soon after each change in the hall (at most one a
        PROMPT_GAP_SECONDS); one lost is simply replaced by the next."""
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            seen, sent = self.service.hub.last_seq, loop.time()
            try:
                body = json.dumps(live_summary(self.service, self.status(), self.host), ensure_ascii=False)
                await _json(await http.put(SUMMARY_PATH, data=body.encode()))
            except (aiohttp.ClientError, TimeoutError, CityRefused, ValueError) as exc:
                log.debug("city summary not sent: %s", exc)
            await self._until_next_summary(stop, seen, sent)

    async def _until_next_summary(self, stop: asyncio.Event, seen: int, sent: float) -> None:
        """Wait until the period is over, or the hall has changed since the summary sent at `sent` (loop time,
        showing the hall up to event `seen`) and the last summary is at least PROMPT_GAP_SECONDS old."""
        loop = asyncio.get_running_loop()
        due = sent + self.settings.summary_seconds
        while not stop.is_set():
            now = loop.time()
            changed = self.settings.summary_on_change and self.service.hub.last_seq != seen
            if now >= due or (changed and now >= sent + PROMPT_GAP_SECONDS):
                return
            wake = sent + PROMPT_GAP_SECONDS if changed else now + CHANGE_POLL_SECONDS
            await _sleep(stop, min(due, wake) - now)


def hall_document(path: Path) -> bytes:
    """The hall file as the city needs it to replay the branch's days: everything but the operators (their PIN
    hashes stay in the branch) and the `[city]` table itself."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data.pop("operators", None)
    data.pop("city", None)
    return json.dumps(data, ensure_ascii=False, default=str).encode()


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    async with response:
        text = await response.text()
        if response.status >= 300:
            raise CityRefused(response.status, text)
        data = json.loads(text) if text else {}
        if not isinstance(data, dict):
            raise ValueError("the city's answer is not a JSON object")
        return data


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _read_acked(path: Path) -> int | None:
    try:
        return int(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _write_acked(path: Path, acked: int) -> None:
    # A hint for the dashboard, not a promise: replaced whole (rename), never fsynced; the city's answer wins.
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(f"{acked}\n", encoding="ascii")
    os.replace(temporary, path)
