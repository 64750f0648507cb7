"""The shipper's own read connection to the hall's SQLite log, on its own thread.

Never the writer thread (a ticket must not wait behind the city) and never the store's reader (feedback
links and reports must not wait behind a backlog): WAL lets this connection read every committed event
while the writer goes on. A batch is bounded in events and in bytes, so a week's backlog is read and sent a
batch at a time and never held in memory at once.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from .protocol import MAX_BATCH_BYTES, MAX_BATCH_EVENTS

T = TypeVar("T")
# Room left in a body for the envelope around the events.
_ENVELOPE_BYTES = 1024


@dataclass(frozen=True)
class Batch:
    first: int
    last: int
    body: bytes  # the JSON the city receives: {"branch": ..., "events": [{"seq", "day", "event"}, ...]}
    count: int


@dataclass(frozen=True)
class LogPosition:
    last_seq: int  # the branch's newest event
    first_unshipped_at: str | None  # the hall time of the oldest event the city has not acknowledged


class LogReader:
    def __init__(self, path: Path, max_events: int = MAX_BATCH_EVENTS, max_bytes: int = MAX_BATCH_BYTES) -> None:
        self.path, self.max_events, self.max_bytes = path, max_events, max_bytes
        self._pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cherha-shipper")
        self._db: sqlite3.Connection | None = None

    async def batch(self, branch: str, after: int) -> Batch | None:
        return await self._run(lambda: self._batch(branch, after))

    async def position(self, acked: int) -> LogPosition:
        return await self._run(lambda: self._position(acked))

    async def close(self) -> None:
        await self._run(self._close)
        self._pool.shutdown(wait=False)

    async def _run(self, fn: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn)

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            db = sqlite3.connect(self.path, check_same_thread=False)
            db.execute("PRAGMA busy_timeout=5000")
            db.execute("PRAGMA query_only=ON")  # a read connection: a bug here cannot write the hall's log
            self._db = db
        return self._db

    def _batch(self, branch: str, after: int) -> Batch | None:
        rows = self._connection().execute(
            "SELECT seq, day, payload FROM events WHERE seq > ? ORDER BY seq LIMIT ?", (after, self.max_events))
        parts: list[bytes] = []
        size = _ENVELOPE_BYTES
        first = last = 0
        for seq, day, payload in rows:
            # The stored JSON goes out as it is, byte for byte: nothing is parsed and re-encoded on the way.
            part = b'{"seq":%d,"day":"%s","event":%s}' % (seq, day.encode(), payload.encode())
            if parts and size + len(part) + 1 > self.max_bytes:
                break
            if seq != (last + 1 if parts else after + 1):
                break  # never send past a hole in our own log (the city would hold the rest unacknowledged)
            parts.append(part)
            size += len(part) + 1
            first = first or seq
            last = seq
        if not parts:
            return None
        body = b'{"branch":"%s","events":[%s]}' % (branch.encode(), b",".join(parts))
        return Batch(first, last, body, len(parts))

    def _position(self, acked: int) -> LogPosition:
        db = self._connection()
        last = db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]
        row = db.execute("SELECT at FROM events WHERE seq > ? ORDER BY seq LIMIT 1", (acked,)).fetchone()
        return LogPosition(int(last), row[0] if row else None)

    def _close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
