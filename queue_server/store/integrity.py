"""Guards that the event log on disk is the one this server acknowledged from.

Two faults let a server go on acknowledging into nothing, or start on a log shorter than it promised:
its database files deleted or replaced while it runs (SQLite keeps writing to the unlinked inode, and all
of it is gone at restart), and a damaged `-wal` (SQLite silently drops the frames after the damage).
So the writer checks, before every commit batch, that the database path still names the file it opened;
and after every commit it records the last acknowledged sequence number in a small file beside the
database (`cherha.acked-seq`), outside the database and its WAL, so a start on a log that ends
below that mark is refused instead of running with tickets missing.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

MARK_SUFFIX = ".acked-seq"
_WIDTH = 20  # a fixed-width record rewritten in place: one small write, never a torn length


class StoreIntegrityError(Exception):
    """The store on disk is not the one the acknowledged events went to; the server must not run on it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # missing | replaced | behind | locked


def mark_path(db_path: Path) -> Path:
    # `cherha.acked-seq`, not `cherha.sqlite3.acked-seq`: removing `cherha.sqlite3*` must not take it along.
    return db_path.with_suffix(MARK_SUFFIX)


def identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of the file at `path`, None when there is none."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_dev, st.st_ino


def read_mark(path: Path) -> int:
    """The last acknowledged sequence number recorded in `path` (0 when there is no record yet)."""
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return 0
    return int(text) if text.isdigit() else 0


def check_start(db_path: Path, last_seq: int | None) -> None:
    """Refuse a log that ends before what was acknowledged (`last_seq` None: the database file is missing)."""
    acked = read_mark(mark_path(db_path))
    if acked == 0:
        return
    if last_seq is None:
        raise StoreIntegrityError("missing", f"the event log {db_path} is missing, but events up to seq "
                                  f"{acked} were acknowledged (see {mark_path(db_path)}); refusing to start")
    if last_seq < acked:
        raise StoreIntegrityError("behind", f"the event log {db_path} ends at seq {last_seq}, but events up "
                                  f"to seq {acked} were acknowledged (see {mark_path(db_path)}): "
                                  f"{acked - last_seq} acknowledged events are lost; refusing to start")


class AckedMark:
    """The high-water mark file, open for the writer thread's life.

    It also tells `cherha restore` that a server uses this store: it is held with a shared lock (servers and
    `accept-store` do not exclude each other), which a restore's exclusive lock cannot get (restore.py)."""

    def __init__(self, db_path: Path, lock: bool = True) -> None:
        self.path = mark_path(db_path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if lock:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(self._fd)
                raise StoreIntegrityError("locked", f"{db_path} is being restored (cherha restore); "
                                          "start the server when the restore is done") from None

    def write(self, seq: int) -> None:
        # Written after SQLite's own durable commit, without a second fsync: an fsync per commit doubled
        # every command's latency (a simulated day through the protocol took 53 s instead of 5). The page
        # cache outlives a crashed or killed process, which is what the deleted-file and damaged-WAL checks
        # need; after a power cut the mark can only lag the log (it is written after the commit), which may
        # miss a loss in that last moment but never refuses a good log.
        os.pwrite(self._fd, f"{seq:0{_WIDTH}d}\n".encode("ascii"), 0)

    def close(self) -> None:
        os.fsync(self._fd)
        os.close(self._fd)


def reset_mark(db_path: Path, last_seq: int, lock: bool = True) -> None:
    """Operator's recovery: accept the log as it is now (after restoring a backup, or knowingly).
    `lock=False`: the caller holds the store's lock already (restore.py)."""
    mark = AckedMark(db_path, lock)
    try:
        os.ftruncate(mark._fd, 0)
        mark.write(last_seq)
    finally:
        mark.close()
