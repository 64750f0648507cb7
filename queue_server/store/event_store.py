"""The event log in SQLite, written by one thread with group commit.

Durability rule: an event is broadcast only after the transaction holding it has committed with
`synchronous=FULL` in WAL mode, so a `kill -9` (or power loss) after a client saw a result never loses
it. Commands waiting at the same time are committed together (group commit), so throughput does not
fall to one fsync per ticket when many kiosks and desks act at once.

sqlite-utils binds a connection to its thread; writes (and reads that must see them in order) run on
the writer thread through `call`. Reads a client can ask for at will (a feedback link, a report, a
replay) run through `read` on a second connection and thread: WAL lets them see every committed event
without queueing behind, or holding up, a ticket being written.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from .integrity import AckedMark, StoreIntegrityError, check_start, identity
from .migrations import MigrationError, migrate

T = TypeVar("T")
MAX_BATCH = 512
# Long reads of the history in the server (the ended days' report figures, hall_service.py) run in threads on
# connections of their own, at most this many at once (more wait their turn): each holds a day of events at a
# time, and none of them touches the writer thread or the event loop. Reports and exports themselves are
# computed in worker processes (report_processes.py).
HISTORY_READERS = 2


@dataclass(frozen=True)
class EventRecord:
    seq: int
    day: str
    payload: dict[str, Any]  # the event as `domain.events.to_dict` gives it


@dataclass(frozen=True)
class StoredCommand:
    command_id: str
    actor: str
    day: str
    response: dict[str, Any]


@dataclass
class _Job:
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    records: list[EventRecord] | None = None
    command: StoredCommand | None = None
    call: Callable[[Database], Any] | None = None


_STOP = object()


class EventStore:
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._queue: queue.Queue[Any] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._failed: BaseException | None = None
        # The files this writer opened, as (device, inode): compared before each commit batch.
        self._identity: tuple[int, int] | None = None
        self._wal_identity: tuple[int, int] | None = None
        self._mark: AckedMark | None = None
        # One reader thread with its own connection, opened in that thread on first use.
        self._reader: concurrent.futures.ThreadPoolExecutor | None = None
        self._read_db: Database | None = None
        self._history = concurrent.futures.ThreadPoolExecutor(HISTORY_READERS, thread_name_prefix="cherha-history")
        self._history_slots = asyncio.Semaphore(HISTORY_READERS)

    # -- life cycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="cherha-writer", daemon=True)
        self._thread.start()
        await ready

    async def close(self) -> None:
        # A history read under way ends at its next chunk (its response has gone) or within a few days' work.
        await asyncio.to_thread(self._history.shutdown, True, cancel_futures=True)
        if self._reader is not None:
            reader, self._reader = self._reader, None
            await asyncio.get_running_loop().run_in_executor(reader, self._close_reader)
            reader.shutdown(wait=False)
        if self._thread is not None:
            self._queue.put(_STOP)
            await asyncio.to_thread(self._thread.join)
            self._thread = None

    # -- the public, awaitable operations -----------------------------------------------------
    async def append(self, records: list[EventRecord], command: StoredCommand | None = None) -> None:
        """Append events (and the command's result, in the same transaction); returns once durable."""
        loop = asyncio.get_running_loop()
        job = _Job(loop.create_future(), loop, records=records, command=command)
        self._submit(job)
        await job.future

    async def call(self, fn: Callable[[Database], T]) -> T:
        """Run `fn(db)` on the writer thread (reads, token admin); its own commits are its own."""
        loop = asyncio.get_running_loop()
        job = _Job(loop.create_future(), loop, call=fn)
        self._submit(job)
        result: T = await job.future
        return result

    def health(self) -> str:
        """ok, or why this store must not be trusted: failed (a write failed), missing, replaced."""
        if isinstance(self._failed, StoreIntegrityError):
            return self._failed.reason
        if self._failed is not None:
            return "failed"
        try:
            self._check_files()
        except StoreIntegrityError as exc:
            return exc.reason
        return "ok"
    async def read(self, fn: Callable[[Database], T]) -> T:
        """Run the read-only `fn(db)` on the reader thread: it never waits for, nor delays, a write."""
        if self._reader is None:
            self._reader = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="cherha-reader")
        return await asyncio.get_running_loop().run_in_executor(self._reader, self._read, fn)

    def _read(self, fn: Callable[[Database], T]) -> T:
        if self._read_db is None:
            db = Database(self.path)
            db.execute("PRAGMA busy_timeout=5000")
            db.execute("PRAGMA query_only=ON")  # a read connection: a bug here cannot write
            self._read_db = db
        return fn(self._read_db)

    async def read_history(self, fn: Callable[[Database], T]) -> T:
        """Run the read-only `fn(db)` (ended days' figures) in a history thread on a connection of its own."""
        async with self._history_slots:
            return await asyncio.get_running_loop().run_in_executor(self._history, self._read_history, fn)

    def _read_history(self, fn: Callable[[Database], T]) -> T:
        db = Database(self.path)
        try:
            db.execute("PRAGMA busy_timeout=5000")
            db.execute("PRAGMA query_only=ON")
            return fn(db)
        finally:
            db.close()

    def _close_reader(self) -> None:
        if self._read_db is not None:
            self._read_db.close()
            self._read_db = None

    # -- queries used at start-up -------------------------------------------------------------
    @staticmethod
    def latest_day_events(db: Database) -> list[EventRecord]:
        """Every event of the most recent business day, in sequence order."""
        row = db.execute("SELECT day FROM events ORDER BY seq DESC LIMIT 1").fetchone()
        if row is None:
            return []
        rows = db.execute("SELECT seq, day, payload FROM events WHERE day = ? ORDER BY seq", [row[0]])
        return [EventRecord(seq, day, json.loads(payload)) for seq, day, payload in rows]

    @staticmethod
    def booking_events_before(db: Database, day: str, since_day: str) -> list[EventRecord]:
        """Booking events of earlier days (bookings reach across days), oldest first."""
        rows = db.execute(  # the partial index of migration 8: these exact terms
            "SELECT seq, day, payload FROM events WHERE type IN ('booking_made', 'booking_cancelled') "
            "AND day < ? AND day >= ? ORDER BY seq", [day, since_day])
        return [EventRecord(seq, d, json.loads(payload)) for seq, d, payload in rows]

    @staticmethod
    def events_of_days(db: Database, first: str, last: str) -> list[EventRecord]:
        rows = db.execute("SELECT seq, day, payload FROM events WHERE day >= ? AND day <= ? ORDER BY seq",
                          [first, last]).fetchall()
        # One JSON document for all the rows: half the time of a `json.loads` each (reports replay whole days).
        payloads = json.loads("[" + ",".join(payload for _, _, payload in rows) + "]")
        return [EventRecord(seq, day, payload) for (seq, day, _), payload in zip(rows, payloads, strict=True)]

    @staticmethod
    def visit_by_feedback_token(db: Database, token: str) -> tuple[str, list[dict[str, Any]]] | None:
        """A visit of any day by its feedback token: its id and its own events, oldest first.

        Both lookups go through the expression indexes of migration 6 (the expressions must stay
        exactly as written there), so a guessed token costs one index probe, not a scan of the log."""
        row = db.execute("SELECT json_extract(payload, '$.visit_id') FROM events WHERE type = 'ticket_issued' "
                         "AND json_extract(payload, '$.feedback_token') = ?", [token]).fetchone()
        if row is None:
            return None
        rows = db.execute("SELECT payload FROM events WHERE json_extract(payload, '$.visit_id') = ? ORDER BY seq",
                          [row[0]])
        return str(row[0]), [json.loads(payload) for (payload,) in rows]

    @staticmethod
    def setting(db: Database, key: str, default: Callable[[], str]) -> str:
        """A server-wide setting, created with `default()` the first time it is asked for."""
        row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
        if row is not None:
            return str(row[0])
        value = default()
        with db.atomic():
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?)", [key, value])
        return value

    @staticmethod
    def put_setting(db: Database, key: str, value: str) -> None:
        with db.atomic():
            db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])

    @staticmethod
    def config_events(db: Database, before: int | None = None) -> list[EventRecord]:
        """Every administrator's change (before seq `before`), oldest first: the live configuration's replay."""
        rows = db.execute("SELECT seq, day, payload FROM events WHERE type = 'hall_configured' AND seq < ? "
                          "ORDER BY seq", [before if before is not None else 2**62])
        return [EventRecord(seq, day, json.loads(payload)) for seq, day, payload in rows]

    @staticmethod
    def audit(db: Database, before: int, limit: int, login: str | None = None, kind: str | None = None,
              first: str | None = None, last: str | None = None) -> list[EventRecord]:
        """A page of the administrators' changes, newest first, through the partial indexes (migration 8)."""
        where: list[str] = ["type = 'hall_configured'", "seq < ?"]
        args: list[int | str] = [before]
        if login is not None:
            where.append("json_extract(payload, '$.by') = ?")
            args.append(login)
        if kind is not None:
            where.append("json_extract(payload, '$.kind') = ?")
            args.append(kind)
        if first is not None:
            where.append("day >= ?")
            args.append(first)
        if last is not None:
            where.append("day <= ?")
            args.append(last)
        rows = db.execute(f"SELECT seq, day, payload FROM events WHERE {' AND '.join(where)} "
                          "ORDER BY seq DESC LIMIT ?", [*args, limit])
        return [EventRecord(seq, day, json.loads(payload)) for seq, day, payload in rows]

    @staticmethod
    def last_seq(db: Database) -> int:
        return int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0])

    @staticmethod
    def commands_of_day(db: Database, day: str) -> list[StoredCommand]:
        rows = db.execute("SELECT command_id, actor, day, response FROM commands WHERE day = ?", [day])
        return [StoredCommand(cid, actor, d, json.loads(resp)) for cid, actor, d, resp in rows]

    @staticmethod
    def commands_since(db: Database, day: str) -> list[StoredCommand]:
        rows = db.execute("SELECT command_id, actor, day, response FROM commands WHERE day >= ?", [day])
        return [StoredCommand(cid, actor, d, json.loads(resp)) for cid, actor, d, resp in rows]

    @staticmethod
    def prune_commands(db: Database, before_day: str) -> int:
        """Drop the stored answers of days before `before_day` (no retry of theirs can come any more)."""
        with db.atomic():
            return int(db.execute("DELETE FROM commands WHERE day < ?", [before_day]).rowcount)

    # -- history: days and their stored report figures ------------------------------------------------
    @staticmethod
    def days_between(db: Database, first: str, last: str) -> list[str]:
        """The business days with events in [first, last], oldest first (one index probe a day)."""
        days: list[str] = []
        row = db.execute("SELECT MIN(day) FROM events WHERE day >= ?", [first]).fetchone()
        while row[0] is not None and row[0] <= last:
            days.append(str(row[0]))
            row = db.execute("SELECT MIN(day) FROM events WHERE day > ?", [row[0]]).fetchone()
        return days

    @staticmethod
    def day_before(db: Database, day: str) -> str | None:
        row = db.execute("SELECT MAX(day) FROM events WHERE day < ?", [day]).fetchone()
        return None if row[0] is None else str(row[0])

    @staticmethod
    def latest_day(db: Database) -> str | None:
        row = db.execute("SELECT MAX(day) FROM events").fetchone()
        return None if row[0] is None else str(row[0])

    @staticmethod
    def stored_figures(db: Database, first: str, last: str) -> dict[str, str]:
        rows = db.execute("SELECT day, figures FROM day_figures WHERE day >= ? AND day <= ?", [first, last])
        return {str(day): str(figures) for day, figures in rows}

    @staticmethod
    def stored_figure_days(db: Database) -> set[str]:
        return {str(day) for (day,) in db.execute("SELECT day FROM day_figures")}

    @staticmethod
    def ended_days_without_figures(db: Database) -> int:
        """How many ended days (all but the latest) have no stored report figures (one index probe a day)."""
        latest = EventStore.latest_day(db)
        if latest is None:
            return 0
        days = EventStore.days_between(db, "", latest)[:-1]
        return len(set(days) - EventStore.stored_figure_days(db))

    @staticmethod
    def put_figures(db: Database, rows: list[tuple[str, str]]) -> None:
        with db.atomic():
            db.conn.executemany("INSERT INTO day_figures (day, figures) VALUES (?, ?) "
                                "ON CONFLICT (day) DO UPDATE SET figures = excluded.figures", rows)

    @staticmethod
    def events_between(db: Database, after: int, upto: int) -> list[EventRecord]:
        rows = db.execute(
            "SELECT seq, day, payload FROM events WHERE seq > ? AND seq <= ? ORDER BY seq", [after, upto]
        )
        return [EventRecord(seq, day, json.loads(payload)) for seq, day, payload in rows]

    # -- the writer thread ----------------------------------------------------------------------
    def _submit(self, job: _Job) -> None:
        if self._failed is not None:
            raise RuntimeError("the event store has failed; restart the server") from self._failed
        self._queue.put(job)

    def _run(self, ready: asyncio.Future[None]) -> None:
        loop = ready.get_loop()
        try:
            db = self._open()
        except BaseException as exc:
            loop.call_soon_threadsafe(_settle, ready, None, exc)
            return
        loop.call_soon_threadsafe(_settle, ready, None, None)
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    break
                batch: list[_Job] = [first]
                while len(batch) < MAX_BATCH:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        self._queue.put(_STOP)
                        break
                    batch.append(item)
                self._process(db, batch)
        finally:
            db.close()
            if self._mark is not None:
                self._mark.close()

    def _open(self) -> Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            check_start(self.path, None)  # a fresh store is fine only if nothing was ever acknowledged
        db = Database(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA busy_timeout=5000")
        # Deleted rows (phone numbers past retention, person keys) are overwritten, not left in free space.
        db.execute("PRAGMA secure_delete=ON")
        try:
            migrate(db)  # all or nothing (migrations.py)
        except MigrationError:
            db.close()
            raise
        last = self.last_seq(db)
        try:
            check_start(self.path, last)
        except StoreIntegrityError:
            db.close()
            raise
        self._identity = identity(self.path)
        self._mark = AckedMark(self.path)
        self._mark.write(last)
        return db

    def _check_files(self) -> None:
        """Raise unless the database (and its WAL, once seen) are still the files this writer opened."""
        if self._identity is None:
            return
        for path, expected in ((self.path, self._identity), (Path(f"{self.path}-wal"), self._wal_identity)):
            if expected is None:
                continue
            found = identity(path)
            if found is None:
                raise StoreIntegrityError("missing", f"{path} was deleted while the server ran")
            if found != expected:
                raise StoreIntegrityError("replaced", f"{path} was replaced while the server ran")

    def _process(self, db: Database, batch: list[_Job]) -> None:
        appends = [job for job in batch if job.records is not None]
        if appends:
            try:
                self._check_files()
                with db.atomic():
                    for job in appends:
                        self._write(db, job)
                if self._wal_identity is None:
                    self._wal_identity = identity(Path(f"{self.path}-wal"))
                assert self._mark is not None
                # Recorded before anyone is answered, so the mark is never below an acknowledged event.
                seqs = [r.seq for job in appends for r in job.records or []]
                if seqs:
                    self._mark.write(max(seqs))
            except BaseException as exc:
                # The in-memory state already holds these events: the server must stop and rebuild
                # from disk rather than go on with a state the log does not have.
                self._failed = exc
                for job in appends:
                    job.loop.call_soon_threadsafe(_settle, job.future, None, exc)
            else:
                for job in appends:
                    job.loop.call_soon_threadsafe(_settle, job.future, None, None)
        for job in batch:
            if job.call is None:
                continue
            try:
                result = job.call(db)
            except Exception as exc:
                job.loop.call_soon_threadsafe(_settle, job.future, None, exc)
            else:
                job.loop.call_soon_threadsafe(_settle, job.future, result, None)

    @staticmethod
    def _write(db: Database, job: _Job) -> None:
        assert job.records is not None
        EventStore.write_rows(db, job.records, [job.command] if job.command is not None else [])

    @staticmethod
    def write_rows(db: Database, records: list[EventRecord], commands: list[StoredCommand]) -> None:
        """The one encoding of events and command answers into their tables (the caller holds the transaction)."""
        db.conn.executemany(
            "INSERT INTO events (seq, day, at, type, payload) VALUES (?, ?, ?, ?, ?)",
            [(r.seq, r.day, r.payload["at"], r.payload["type"], json.dumps(r.payload, ensure_ascii=False))
             for r in records],
        )
        db.conn.executemany(
            "INSERT INTO commands (command_id, actor, day, response) VALUES (?, ?, ?, ?)",
            [(c.command_id, c.actor, c.day, json.dumps(c.response, ensure_ascii=False)) for c in commands],
        )


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
