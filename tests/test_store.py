"""The event store: numbered migrations, durable append with the command result, reads."""

from __future__ import annotations

import json
import logging

from sqlite_utils import Database

from queue_server.logs import JsonFormatter
from queue_server.store import EventRecord, EventStore, StoredCommand
from queue_server.store.migrations import MIGRATIONS, migrate


def test_migrations_are_numbered_and_idempotent(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = Database(tmp_path / "x.sqlite3")
    assert migrate(db) == len(MIGRATIONS)
    assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert {"events", "commands", "devices", "sessions"} <= set(db.table_names())
    assert migrate(db) == len(MIGRATIONS)  # a second run changes nothing


async def test_append_is_durable_and_readable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = EventStore(tmp_path / "s.sqlite3")
    await store.start()
    records = [EventRecord(n, "2026-11-24", {"type": "hall_paused", "at": "t", "n": n}) for n in (1, 2, 3)]
    await store.append(records[:2], StoredCommand("cmd-1234567", "kiosk", "2026-11-24", {"ticket": "П-001"}))
    await store.append(records[2:])
    assert await store.call(EventStore.last_seq) == 3
    assert [r.seq for r in await store.call(EventStore.latest_day_events)] == [1, 2, 3]
    assert [r.seq for r in await store.call(lambda db: EventStore.events_between(db, 1, 3))] == [2, 3]
    commands = await store.call(lambda db: EventStore.commands_of_day(db, "2026-11-24"))
    assert commands[0].response == {"ticket": "П-001"}
    journal = await store.call(lambda db: db.execute("PRAGMA journal_mode").fetchone()[0])
    sync = await store.call(lambda db: db.execute("PRAGMA synchronous").fetchone()[0])
    assert journal == "wal" and sync == 2  # 2 = FULL
    await store.close()
    # A second process (here: a fresh connection) sees everything.
    db = Database(tmp_path / "s.sqlite3")
    assert db.execute("SELECT count(*) FROM events").fetchone()[0] == 3


def test_logs_are_json_lines_with_fields() -> None:
    record = logging.LogRecord("cherha", logging.INFO, __file__, 1, "command", None, None)
    record.seq = 42
    line = json.loads(JsonFormatter().format(record))
    assert line["msg"] == "command" and line["seq"] == 42 and line["level"] == "info"
