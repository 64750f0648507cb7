"""Online backups of the event store, kept by rotation, and restoring one only after it is proved to replay.

A live store is in WAL mode: its committed events may sit in `cherha.sqlite3-wal`, so a copy of the files
while the server runs can be torn or short. A backup is made with SQLite's backup API on a connection of its
own, in one step: that step reads one consistent snapshot (a WAL read transaction), which never blocks the
writer thread, and cannot be restarted by the writes that go on meanwhile (a backup in many small steps is
restarted by every write of another connection, and in a busy hall might never finish). It runs on a worker
thread (`asyncio.to_thread`; the backup API releases the GIL), so the event loop goes on serving the hall.

Each backup is checked (`PRAGMA quick_check`), made a single self-contained file (journal mode DELETE),
flushed to disk and only then renamed to its final name, so a half-written backup never looks like one.
A second copy goes to `[backup] second_dir` (a second disk or a mounted share) the same way.

Rotation keeps the newest `keep_recent` backups, the newest of each of the last `keep_daily` days and of each
of the last `keep_weekly` ISO weeks (days and weeks in UTC, as the names are), and deletes the rest.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web

from .config import BackupSettings

log = logging.getLogger("cherha.backup")
_NAME = re.compile(r"^cherha-(\d{8}T\d{6}Z)\.sqlite3$")
_STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(Exception):
    """The backup could not be made or checked; nothing was renamed into place."""


@dataclass(frozen=True)
class Backup:
    path: Path
    taken: datetime  # UTC
    last_seq: int
    size: int


def backup_name(taken: datetime) -> str:
    return f"cherha-{taken.astimezone(UTC).strftime(_STAMP)}.sqlite3"


def taken_at(path: Path) -> datetime | None:
    """When the backup at `path` was taken (from its name); None for a file that is not a backup."""
    match = _NAME.match(path.name)
    return datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC) if match else None


def backups_in(directory: Path) -> list[Path]:
    """The backups in `directory`, oldest first."""
    if not directory.is_dir():
        return []
    found = [path for path in directory.iterdir() if taken_at(path) is not None]
    return sorted(found, key=lambda path: taken_at(path) or datetime.min.replace(tzinfo=UTC))


def take_backup(db_path: Path, to_dir: Path, now: datetime, second_dir: Path | None = None) -> Backup:
    """Back up the store at `db_path` (live or not) into `to_dir` (and a copy into `second_dir`)."""
    if not db_path.exists():
        raise BackupError(f"no event store at {db_path}")
    to_dir.mkdir(parents=True, exist_ok=True)
    final = to_dir / backup_name(now)
    partial = to_dir / f".{final.name}.partial"
    try:
        source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)  # pages=-1: one step, one snapshot (see the module's docstring)
                target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
                checked = target.execute("PRAGMA quick_check").fetchone()[0]
                last_seq = _last_seq(target)
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.Error as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"backing up {db_path} failed: {exc}") from exc
    if checked != "ok":
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup of {db_path} does not pass quick_check: {checked}")
    _durable_rename(partial, final)
    if second_dir is not None:
        copy_to(final, second_dir)
    return Backup(final, now.astimezone(UTC), last_seq, final.stat().st_size)


def copy_to(backup: Path, directory: Path) -> Path:
    """A finished (closed, never written again) backup copied into `directory`: a plain copy is safe here."""
    directory.mkdir(parents=True, exist_ok=True)
    partial = directory / f".{backup.name}.partial"
    shutil.copyfile(backup, partial)
    _durable_rename(partial, directory / backup.name)
    return directory / backup.name


def to_keep(taken: Iterable[datetime], keep_recent: int, keep_daily: int, keep_weekly: int) -> set[datetime]:
    """Which backups rotation keeps (see the module's docstring)."""
    newest = sorted(set(taken), reverse=True)
    keep = set(newest[:keep_recent])
    days: dict[object, datetime] = {}
    weeks: dict[object, datetime] = {}
    for moment in newest:
        utc = moment.astimezone(UTC)
        days.setdefault(utc.date(), moment)
        weeks.setdefault(utc.isocalendar()[:2], moment)
    keep.update(list(days.values())[:keep_daily])
    keep.update(list(weeks.values())[:keep_weekly])
    return keep


def rotate(directory: Path, settings: BackupSettings) -> list[Path]:
    """Delete the backups rotation does not keep (and partial files a crash left); returns what was deleted."""
    found = {path: taken_at(path) for path in backups_in(directory)}
    keep = to_keep([t for t in found.values() if t], settings.keep_recent, settings.keep_daily,
                   settings.keep_weekly)
    deleted = [path for path, taken in found.items() if taken not in keep]
    deleted += [path for path in directory.glob(".cherha-*.partial")] if directory.is_dir() else []
    for path in deleted:
        path.unlink(missing_ok=True)
    return deleted


def backup_and_rotate(db_path: Path, settings: BackupSettings, data_dir: Path, now: datetime) -> Backup:
    """One scheduled backup: taken, copied to the second directory if any, and both directories rotated."""
    first, second = backup_dirs(settings, data_dir)
    for directory in (first, second):
        if directory is not None:
            for leftover in directory.glob(".cherha-*.partial") if directory.is_dir() else []:
                leftover.unlink(missing_ok=True)
    made = take_backup(db_path, first, now, second)
    for directory in (first, second):
        if directory is not None:
            rotate(directory, settings)
    return made


def backup_dirs(settings: BackupSettings, data_dir: Path) -> tuple[Path, Path | None]:
    return (Path(settings.dir) if settings.dir else data_dir / "backups",
            Path(settings.second_dir) if settings.second_dir else None)


async def run_schedule(db_path: Path, settings: BackupSettings, data_dir: Path, now: Callable[[], datetime],
                       stop: asyncio.Event, every: timedelta | None = None, poll_seconds: float = 60.0) -> None:
    """The server's backups: one whenever `every` (default `[backup] every_minutes`) has passed since the newest
    backup in the first directory (so a server restarted often still backs up on time). It looks every
    `poll_seconds` whether one is due, by `now` (the hall's clock: it may be moved, e.g. by NTP)."""
    interval = every or timedelta(minutes=settings.every_minutes)
    if interval <= timedelta(0):
        return
    first, _ = backup_dirs(settings, data_dir)
    started = now()
    while not stop.is_set():
        existing = backups_in(first)
        # No backup yet: the first one an interval after start (a fresh store has nothing worth keeping).
        newest = (taken_at(existing[-1]) if existing else None) or started
        wait = (newest + interval - now()).total_seconds()
        if wait > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(wait, poll_seconds))
            continue
        try:
            made = await asyncio.to_thread(backup_and_rotate, db_path, settings, data_dir, now())
        except (BackupError, OSError) as exc:
            log.error("backup failed: %s", exc)  # journald; tried again after the interval
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), min(interval.total_seconds(), poll_seconds * 10))
        else:
            log.info("backup made", extra={"path": str(made.path), "seq": made.last_seq, "bytes": made.size})


def _last_seq(db: sqlite3.Connection) -> int:
    has_events = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone()
    return int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]) if has_events else 0


def _durable_rename(partial: Path, final: Path) -> None:
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, final)
    fsync_directory(final.parent)


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` survive a power cut (the entry itself is written to disk)."""
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def attach_schedule(app: web.Application, db_path: Path, settings: BackupSettings, data_dir: Path,
                    now: Callable[[], datetime], every: timedelta | None = None) -> None:
    """Run `run_schedule` for the server's life (started after the store, stopped before it closes)."""
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []

    async def start(_: web.Application) -> None:
        tasks.append(asyncio.create_task(run_schedule(db_path, settings, data_dir, now, stop, every)))

    async def halt(_: web.Application) -> None:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    app.on_startup.append(start)
    app.on_cleanup.insert(0, halt)
