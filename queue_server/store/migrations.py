"""Numbered schema migrations, applied in order; `PRAGMA user_version` remembers the last one.

Never edit a released migration: add the next number, and keep a store the release wrote as a test fixture
(tests/fixtures/store-vN.sqlite3, made by tests/fixtures/make_release_store.py; tests/test_upgrade.py opens every
one with every later schema).

An upgrade must never leave a store half-migrated: every pending step runs in one transaction with the new
`user_version` (SQLite's DDL is transactional), so a step that fails midway rolls all of them back and the file
is as the old release left it. Before the first step the old store is also copied, with SQLite's backup API,
to `cherha-before-vN.sqlite3` beside it (N: the new version), for going back to the old release.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database


class MigrationError(Exception):
    """The store cannot be brought to this release's schema; it is left as it was."""


def _m1_event_log(db: Database) -> None:
    db["events"].create(  # type: ignore[union-attr]
        {"seq": int, "day": str, "at": str, "type": str, "payload": str}, pk="seq"
    )
    db["events"].create_index(["day"])  # type: ignore[union-attr]
    db["commands"].create(  # type: ignore[union-attr]
        {"command_id": str, "actor": str, "day": str, "response": str}, pk="command_id"
    )
    db["commands"].create_index(["day"])  # type: ignore[union-attr]


def _m2_devices(db: Database) -> None:
    db["devices"].create(  # type: ignore[union-attr]
        {"token_hash": str, "name": str, "role": str, "created": str, "revoked": int}, pk="token_hash"
    )


def _m3_sessions(db: Database) -> None:
    # Operator sessions survive a server restart, so a console reconnects without asking for the PIN.
    db["sessions"].create(  # type: ignore[union-attr]
        {"token_hash": str, "login": str, "role": str, "desk": int, "expires": str}, pk="token_hash"
    )


def _m4_settings_and_contacts(db: Database) -> None:
    db["settings"].create({"key": str, "value": str}, pk="key")  # type: ignore[union-attr]
    # Phone numbers given with consent for SMS: outside the append-only log, so they can be deleted.
    db["contacts"].create(  # type: ignore[union-attr]
        {"ref": str, "phone": str, "lang": str, "created": str, "delete_after": str}, pk="ref"
    )


def _m5_sms_outbox(db: Database) -> None:
    db["sms"].create(  # type: ignore[union-attr]
        {"id": int, "ref": str, "kind": str, "phone": str, "text": str, "status": str, "attempts": int,
         "next_try": str, "message_refs": str, "error": str, "created": str},
        pk="id",
    )
    db["sms"].create_index(["status", "next_try"])  # type: ignore[union-attr]
    db["sms"].create_index(["ref", "kind"], unique=True)  # type: ignore[union-attr]  # once per booking


def _m6_person_bookings(db: Database) -> None:
    # The monthly per-person limit is counted here, not from the permanent event log: each row goes when
    # its month is over (SmsOutbox.purge), so nothing in the file leads back to a number for long.
    db["person_bookings"].create(  # type: ignore[union-attr]
        {"booking_id": str, "person_key": str, "delete_after": str}, pk="booking_id"
    )
    db["person_bookings"].create_index(["person_key"])  # type: ignore[union-attr]
    # Public bookings waiting for the SMS code that confirms the number (api/booking_confirm.py).
    db["pending_bookings"].create(  # type: ignore[union-attr]
        {"pending_id": str, "service_id": str, "start": str, "phone": str, "lang": str, "consent": int,
         "code_hash": str, "attempts": int, "expires": str}, pk="pending_id"
    )
    # The key that made the person keys of older logs lived here, next to them; it now lives in its own
    # file. Deleted (with secure_delete on), the old keys in the log cannot be brute-forced any more.
    db.execute("DELETE FROM settings WHERE key = 'secret'")


def _m7_visit_indexes(db: Database) -> None:
    # A feedback link (public, any day) finds its visit and the visit's events without scanning the log.
    # Queries must use these exact expressions (EventStore.visit_by_feedback_token).
    db.execute("CREATE INDEX IF NOT EXISTS events_feedback_token ON events "
               "(json_extract(payload, '$.feedback_token')) WHERE type = 'ticket_issued'")
    db.execute("CREATE INDEX IF NOT EXISTS events_visit_id ON events (json_extract(payload, '$.visit_id'))")


def _m8_configuration(db: Database) -> None:
    # The administrator's changes (issue 15): replayed at every start over the hall file, and read by the
    # audit page. Their own partial indexes keep both to the config events, however long the log grows.
    # Queries must use these exact expressions (EventStore.config_events, EventStore.audit).
    db.execute("CREATE INDEX IF NOT EXISTS events_configured ON events (seq) WHERE type = 'hall_configured'")
    db.execute("CREATE INDEX IF NOT EXISTS events_configured_by ON events "
               "(json_extract(payload, '$.by'), seq) WHERE type = 'hall_configured'")
    # A device's last contact, for the administrator's device list (written at most once a minute).
    if "last_contact" not in db["devices"].columns_dict:  # a migration run again (tests rewind user_version)
        db.execute("ALTER TABLE devices ADD COLUMN last_contact TEXT")


def _m9_day_figures(db: Database) -> None:
    # Each ended business day's report figures (queue_server/day_figures.py), so a year's report adds up ~250
    # rows instead of replaying the log. A cache of the log: rows missing (an older store, a crash before the
    # write) are computed again from the log in the background (HallService.fill_day_figures).
    db.execute("CREATE TABLE IF NOT EXISTS day_figures (day TEXT PRIMARY KEY, figures TEXT NOT NULL)")
    # Start-up reads the bookings of the last two months (bookings reach across days): these rows alone.
    db.execute("CREATE INDEX IF NOT EXISTS events_bookings ON events (day) "
               "WHERE type IN ('booking_made', 'booking_cancelled')")


def _m10_prune_command_answers(db: Database) -> None:
    # Stored command answers are read back only by a retry of the same command, which comes within its business
    # day or the next (hall_service.py); older ones were kept forever (79 % of a year's file, ~940 MiB).
    # Kept: the answers of the latest two days that have any.
    #
    # The table is rebuilt around the kept rows instead of DELETE-ing the others: a DELETE rewrites every page it
    # empties, and with `secure_delete` (the writer's setting) zeroes each one, ~940 MiB written twice (WAL, then
    # checkpoint) on a year-old store, minutes of start-up. DROP TABLE only hands the pages to the free list, and
    # `secure_delete` is off for this one step: the answers hold nothing that is not in the permanent event log
    # anyway (tickets, visit ids, feedback tokens, booking codes; never a phone), so zeroing them protects nothing.
    # The freed pages stay in the file and are filled by new events first. All of it is one step of the
    # migration's transaction: an upgrade that fails leaves every answer where it was.
    keep_from = db.execute("SELECT COALESCE(MIN(day), '') FROM "
                           "(SELECT DISTINCT day FROM commands ORDER BY day DESC LIMIT 2)").fetchone()[0]
    schema = [sql for (sql,) in db.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'commands' AND sql IS NOT NULL ORDER BY type = 'index'")]
    secure = int(db.execute("PRAGMA secure_delete").fetchone()[0])
    db.execute("PRAGMA secure_delete=OFF")
    try:
        db.execute("CREATE TEMP TABLE commands_kept AS SELECT * FROM commands WHERE day >= ?", [keep_from])
        db.execute("DROP TABLE commands")
        for sql in schema:  # the table, then its indexes, exactly as they were
            db.execute(sql)
        db.execute("INSERT INTO commands SELECT * FROM temp.commands_kept")
        db.execute("DROP TABLE temp.commands_kept")
    finally:
        db.execute(f"PRAGMA secure_delete={secure:d}")


MIGRATIONS: list[Callable[[Database], None]] = [_m1_event_log, _m2_devices, _m3_sessions,
                                                _m4_settings_and_contacts, _m5_sms_outbox, _m6_person_bookings,
                                                _m7_visit_indexes, _m8_configuration, _m9_day_figures,
                                                _m10_prune_command_answers]


def migrate(db: Database, upto: int | None = None) -> int:
    """Bring the schema up to date (or up to version `upto`); returns the resulting version."""
    target = len(MIGRATIONS) if upto is None else upto
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise MigrationError(f"the store has schema version {version}, written by a newer release than this one "
                             f"(which knows 1..{len(MIGRATIONS)}): run the newer release, or restore a backup")
    if version >= target:
        return version
    if version > 0:
        keep_original(db, target)
    try:
        with db.atomic():
            for number in range(version + 1, target + 1):
                MIGRATIONS[number - 1](db)
            db.execute(f"PRAGMA user_version = {target:d}")
    except Exception as exc:
        raise MigrationError(f"migrating the store from schema {version} to {target} failed, nothing was "
                             f"changed: {exc!r}") from exc
    return target


def keep_original(db: Database, target: int) -> Path | None:
    """A copy of the store as it is, before an upgrade to `target` (None for an in-memory database)."""
    row = db.execute("SELECT file FROM pragma_database_list WHERE name = 'main'").fetchone()
    if not row or not row[0]:
        return None
    path = Path(row[0])
    copy = path.with_name(f"{path.stem}-before-v{target}{path.suffix}")
    partial = copy.with_name(f".{copy.name}.partial")
    if not _copy_file(db, path, partial):
        target_db = sqlite3.connect(partial)
        try:
            db.conn.backup(target_db)
        finally:
            target_db.close()
    target_db = sqlite3.connect(partial)
    try:
        target_db.execute("PRAGMA journal_mode=DELETE")  # a file on its own, without a -wal beside it
    finally:
        target_db.close()
    partial.replace(copy)
    return copy


def _copy_file(db: Database, path: Path, copy: Path) -> bool:
    """Copy the database file as it is, when the file alone holds every committed page; False: it does not.

    A year's store is over a gigabyte: the file copied by `cp` (in the kernel) took a quarter of the time of
    SQLite's backup API (page by page through both connections' caches), and this copy is most of a first start
    after an upgrade. The WAL is checkpointed into the file first, then a read transaction holds the file still
    (no checkpoint may write past a reader's snapshot, and no other writer commits without the WAL). If
    anything is in the WAL all the same (another connection), the caller falls back to the backup API."""
    if db.conn.in_transaction:
        return False
    busy, frames, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy or frames > 0:
        return False
    wal = Path(f"{path}-wal")
    db.execute("BEGIN")
    try:
        db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()  # the read transaction's snapshot
        if wal.exists() and wal.stat().st_size > 0:
            return False
        # By another process: SQLite's locks are POSIX locks, which a process loses on *every* descriptor of the
        # file the moment it closes any one of them; a copy opened here would drop this server's locks, and
        # another connection closing would then take the WAL away from under it.
        subprocess.run(["cp", "--", str(path), str(copy)], check=True)
        return True
    finally:
        db.execute("COMMIT")
