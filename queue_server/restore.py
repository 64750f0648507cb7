"""Restoring a backup: proved to replay before it replaces anything, never under a running server.

`cherha restore BACKUP --data-dir DIR`:
1. refuses while a server runs on DIR's store (every server holds a shared lock on `cherha.acked-seq`;
   the restore takes it exclusively for its whole run, so no server can start in the middle either);
2. copies the backup beside the store and checks the copy (`check_store`): SQLite's integrity check, a schema
   this release knows, an event log numbered 1..N without gaps, every event decoding into the domain's
   events, and the server's own start-up replay (`HallService.start`) running over it to its last event;
3. moves the current store (with its `-wal` and `-shm`, and the acknowledged mark) aside into
   `DIR/replaced-<time>/`, renames the checked copy into place, and sets the acknowledged mark to the restored
   log's end (the events after the backup are knowingly given up: the operator chose this backup).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .backup import fsync_directory
from .clock import ManualClock
from .domain import events as ev
from .domain.hall import Hall
from .store.integrity import mark_path, read_mark, reset_mark
from .store.migrations import MIGRATIONS

SIDE_FILES = ("-wal", "-shm")


class RestoreError(Exception):
    """The backup was not restored; the store in the data directory is as it was."""


@dataclass(frozen=True)
class StoreReport:
    version: int  # the schema version of the file (PRAGMA user_version)
    events: int
    last_seq: int
    days: int
    replayed_day: str | None  # the business day the start-up replay rebuilt
    visits: int  # visits of that day after the replay


@contextlib.contextmanager
def exclusive(db_path: Path) -> Iterator[None]:
    """Hold the store's lock exclusively, or raise when a server has it (integrity.AckedMark holds it shared)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(mark_path(db_path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RestoreError(f"a server is running on {db_path}: stop it first "
                               "(systemctl stop cherha-server) / сервер працює з цим сховищем: спершу зупиніть його"
                               ) from None
        yield
    finally:
        os.close(fd)


def check_store(path: Path, hall: Hall) -> StoreReport:
    """Prove the store at `path` (a closed file: a backup, or a copy) replays; RestoreError says why not."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise RestoreError(f"{path}: cannot open: {exc}") from None
    try:
        checked = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if checked != ["ok"]:
            raise RestoreError(f"{path}: the file is damaged (integrity_check: {'; '.join(checked[:5])})")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        if not 1 <= version <= len(MIGRATIONS):
            raise RestoreError(f"{path}: schema version {version} is not one this release knows "
                               f"(1..{len(MIGRATIONS)}): a backup of a newer release, or not a Cherha store")
        count, first, last = db.execute("SELECT COUNT(*), MIN(seq), MAX(seq) FROM events").fetchone()
        if count and (first != 1 or last != count):
            raise RestoreError(f"{path}: the event log has gaps ({count} events numbered {first}..{last})")
        days = 0
        previous_day = None
        for seq, day, kind, payload in db.execute("SELECT seq, day, type, payload FROM events ORDER BY seq"):
            try:
                event = ev.from_dict(json.loads(payload))
            except Exception as exc:  # any decoding failure is the same verdict: this log does not replay
                raise RestoreError(f"{path}: event {seq} does not decode: {exc!r}") from None
            if event.type_name != kind:
                raise RestoreError(f"{path}: event {seq} is stored as {kind!r} but is {event.type_name!r}")
            if day != previous_day:
                days, previous_day = days + 1, day
    except sqlite3.Error as exc:
        raise RestoreError(f"{path}: {exc}") from None
    finally:
        db.close()
    replayed_day, visits = _replay(path, hall, int(last or 0))
    return StoreReport(version, int(count), int(last or 0), days, replayed_day, visits)


def _replay(path: Path, hall: Hall, last_seq: int) -> tuple[str | None, int]:
    """The server's own start-up over a scratch copy (start-up migrates and may open a day: it writes)."""
    from .hall_service import HallService
    from .store import EventStore

    async def start(copy: Path) -> tuple[str | None, int, int]:
        store = EventStore(copy)
        await store.start()
        try:
            last_at = await store.call(_last_event_time)
            service = HallService(hall, store, ManualClock(last_at or datetime.now(UTC)))
            await service.start()
            return service.state.day, len(service.state.visits), service.seq
        finally:
            await store.close()

    with tempfile.TemporaryDirectory(prefix="cherha-check-") as scratch:
        copy = Path(scratch) / "cherha.sqlite3"
        shutil.copyfile(path, copy)
        try:
            day, visits, seq = asyncio.run(start(copy))
        except Exception as exc:
            raise RestoreError(f"{path}: the server's start-up replay failed: {exc!r}") from None
    if seq < last_seq:
        raise RestoreError(f"{path}: the replay stopped at seq {seq}, the log ends at {last_seq}")
    return day, visits


def _last_event_time(db: object) -> datetime | None:
    row = db.execute("SELECT at FROM events ORDER BY seq DESC LIMIT 1").fetchone()  # type: ignore[attr-defined]
    return datetime.fromisoformat(row[0]) if row else None


def restore(backup: Path, db_path: Path, hall: Hall, now: datetime) -> tuple[StoreReport, Path | None]:
    """Put `backup` in place of the store at `db_path`; returns its report and where the old store went."""
    if not backup.is_file():
        raise RestoreError(f"{backup}: no such backup")
    with exclusive(db_path):
        incoming = db_path.with_name(f".{db_path.name}.restoring")
        shutil.copyfile(backup, incoming)
        try:
            report = check_store(incoming, hall)
            with open(incoming, "rb") as handle:
                os.fsync(handle.fileno())
        except BaseException:
            incoming.unlink(missing_ok=True)
            raise
        aside = None
        if db_path.exists():
            stamp = f"replaced-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            aside = next(path for n in range(1000) if not (path := db_path.parent / (
                stamp if n == 0 else f"{stamp}-{n}")).exists())
            aside.mkdir()
            for suffix in ("", *SIDE_FILES):
                old = Path(f"{db_path}{suffix}")
                if old.exists():
                    os.replace(old, aside / old.name)
            shutil.copyfile(mark_path(db_path), aside / mark_path(db_path).name)
        else:
            for suffix in SIDE_FILES:  # stale -wal / -shm of a store deleted by hand must not meet the new file
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        os.replace(incoming, db_path)
        fsync_directory(db_path.parent)
        reset_mark(db_path, report.last_seq, lock=False)
    return report, aside


def acknowledged(db_path: Path) -> int:
    return read_mark(mark_path(db_path))
