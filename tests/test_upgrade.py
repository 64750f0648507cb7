"""Upgrades: a store written by an earlier release is migrated by this one, and a failed migration leaves it as
it was. The stores are fixtures made by each release (tests/fixtures/make_release_store.py), never regenerated."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from queue_server.clock import ManualClock
from queue_server.config import DEMO_HALL, load_hall
from queue_server.domain import commands as cmd
from queue_server.domain import events as ev
from queue_server.domain.state import HallState
from queue_server.hall_service import HallService
from queue_server.store import EventStore, MigrationError
from queue_server.store import migrations as migrations_module
from queue_server.store.migrations import MIGRATIONS, migrate

FIXTURES = sorted(Path(__file__).parent.joinpath("fixtures").glob("store-v*.sqlite3"))


def version_of(path: Path) -> int:
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()


def dump(path: Path) -> tuple[int, list[str]]:
    """Everything in the file (schema and rows) and its schema version."""
    db = sqlite3.connect(path)
    try:
        return int(db.execute("PRAGMA user_version").fetchone()[0]), list(db.iterdump())
    finally:
        db.close()


def replayed(path: Path) -> dict[str, Any]:
    """The hall as the server rebuilds it at start-up from the store at `path` (migrating it as it opens)."""

    async def start() -> dict[str, Any]:
        store = EventStore(path)
        await store.start()
        try:
            last_at = await store.call(lambda db: db.execute("SELECT MAX(at) FROM events").fetchone()[0])
            service = HallService(load_hall(DEMO_HALL), store, ManualClock(datetime.fromisoformat(last_at)))
            await service.start()
            tokens = [v.feedback_token for v in service.state.visits.values()]
            found = [await store.read(lambda db, t=t: EventStore.visit_by_feedback_token(db, t)) for t in tokens]
            return {"seq": service.seq, "day": service.state.day, "visits": service.state.visits,
                    "bookings": service.state.bookings.by_id, "desks": service.state.desks,
                    "snapshot": service.snapshot(), "feedback_lookups": found,
                    "devices": await store.call(lambda db: db.execute(
                        "SELECT name, role, revoked FROM devices ORDER BY name").fetchall())}
        finally:
            await store.close()

    return asyncio.run(start())


def test_the_release_stores_are_kept() -> None:
    """Each release keeps a fixture of the store it writes (make_release_store.py); none is newer than this code."""
    assert FIXTURES, "no release store fixtures"
    assert all(1 <= version_of(path) <= len(MIGRATIONS) for path in FIXTURES)
    for path in FIXTURES:
        assert path.stat().st_size < 600_000, f"{path} is to stay small"


@pytest.mark.parametrize("fixture", FIXTURES, ids=[p.name for p in FIXTURES])
def test_a_release_store_replays_equal_under_every_later_schema(tmp_path, fixture: Path) -> None:  # type: ignore[no-untyped-def]
    """The release's day (tickets, calls, transfers, bookings checked in, feedback) rebuilds to the same hall
    under its own schema and after migrating to each later one, step by step and all at once."""
    release = version_of(fixture)
    db = sqlite3.connect(fixture)
    kinds = {kind for (kind,) in db.execute("SELECT DISTINCT type FROM events")}
    db.close()
    assert {"ticket_issued", "visit_called", "service_finished", "booking_made", "feedback_given",
            "visit_transferred"} <= kinds, "a realistic day"

    # The hall as the release's own events rebuild it in the pure domain, read straight from the file as released.
    baseline = domain_replay(fixture)
    events = event_rows(fixture)

    for later in range(release, len(MIGRATIONS) + 1):  # its own schema (nothing to do), then each later one
        step_copy = tmp_path / f"v{later}" / "cherha.sqlite3"
        step_copy.parent.mkdir()
        shutil.copyfile(fixture, step_copy)
        db = Database(step_copy)
        for version in range(release, later + 1):
            assert migrate(db, upto=version) == version
        db.close()
        assert version_of(step_copy) == later and event_rows(step_copy) == events
        assert bool(list(step_copy.parent.glob("cherha-before-v*"))) == (later > release)
    upgraded_copy = tmp_path / "upgraded" / "cherha.sqlite3"
    upgraded_copy.parent.mkdir()
    shutil.copyfile(fixture, upgraded_copy)
    upgraded = replayed(upgraded_copy)  # the server's own start: migrates to the newest schema, then replays
    assert version_of(upgraded_copy) == len(MIGRATIONS)
    assert {k: upgraded[k] for k in baseline} == baseline
    assert len(upgraded["visits"]) > 30 and all(upgraded["feedback_lookups"])
    assert upgraded["seq"] == len(events) and upgraded["devices"] == [("sim-kiosk", "kiosk", 0)]
    if release < len(MIGRATIONS):
        assert dump(upgraded_copy.with_name(f"cherha-before-v{len(MIGRATIONS)}.sqlite3")) == dump(fixture)


def event_rows(path: Path) -> list[tuple[Any, ...]]:
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT seq, day, at, type, payload FROM events ORDER BY seq").fetchall()
    finally:
        db.close()


def domain_replay(path: Path) -> dict[str, Any]:
    """Every event of the (one-day) release store applied to the domain's state, with no server and no schema."""
    state = HallState(load_hall(DEMO_HALL))
    for *_, payload in event_rows(path):
        state.apply(ev.from_dict(json.loads(payload)))
    return {"day": state.day, "visits": state.visits, "bookings": state.bookings.by_id, "desks": state.desks}


def test_a_failed_migration_leaves_the_store_as_it_was(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A new release whose migration fails midway (after creating a table and rewriting rows): the server refuses
    to start (exit 4), the store is as the old release left it, and the old release still starts on it."""
    fixture = FIXTURES[-1]
    data = tmp_path / "data"
    data.mkdir()
    store = data / "cherha.sqlite3"
    shutil.copyfile(fixture, store)
    before = dump(store)

    def half_done(db: Database) -> None:
        db.execute("CREATE TABLE daily_totals (day TEXT PRIMARY KEY, visits INTEGER)")
        db.execute("INSERT INTO daily_totals SELECT day, COUNT(*) FROM events GROUP BY day")
        db.execute("UPDATE events SET payload = json_set(payload, '$.migrated', 1)")
        raise RuntimeError("disk full halfway through the new migration")

    monkeypatch.setattr(migrations_module, "MIGRATIONS", [*MIGRATIONS, _m_noop, half_done])
    with pytest.raises(MigrationError, match="disk full halfway"):
        asyncio.run(EventStore(store).start())
    assert dump(store) == before
    kept = store.with_name(f"cherha-before-v{len(MIGRATIONS) + 2}.sqlite3")
    assert dump(kept) == before, "the original is also kept beside it"
    monkeypatch.undo()

    # Through the command line: `cherha server` says so and exits 4; nothing changed.
    script = ("import sys; from queue_server.store import migrations as m; "
              "m.MIGRATIONS.append(lambda db: (db.execute('CREATE TABLE x (a)'), 1 / 0)); "
              "from queue_server.cli import main; sys.exit(main(sys.argv[1:]))")
    run = subprocess.run([sys.executable, "-c", script, "server", "--data-dir", str(data), "--port", "0",
                          "--clock-start", "2026-11-25T10:00"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 4, run.stderr
    assert "the store was not upgraded and is left as it was" in run.stderr and "ZeroDivisionError" in run.stderr
    assert dump(store) == before
    assert replayed(store)["seq"] > 0  # this release starts on it as before


def _m_noop(db: Database) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS harmless (a)")


def test_migration_10_frees_old_answers_without_rewriting_them(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A year-old store kept every command's answer (940 MiB): the upgrade keeps the latest two days' and hands the
    rest to the free list without writing them again (the first start took minutes when it zeroed them), the
    writer's secure_delete stays on, the table is as it was, and a later step that fails puts every answer back."""
    path = tmp_path / "cherha.sqlite3"
    shutil.copyfile(FIXTURES[-1], path)
    db = sqlite3.connect(path)
    release = version_of(path)
    latest = db.execute("SELECT MAX(day) FROM commands").fetchone()[0]
    answer = json.dumps({"seq": 1, "events": ["ticket_issued"], "visit": {"ticket": "A001"}, "pad": "x" * 1500})
    with db:  # a year of old answers before the fixture's own day
        db.executemany("INSERT INTO commands VALUES (?, 'kiosk-1', ?, ?)",
                       [(f"old-{n}", f"2025-{1 + n % 12:02d}-{1 + n % 28:02d}", answer) for n in range(6000)])
        db.execute("INSERT INTO commands VALUES ('day-before', 'kiosk-1', '2025-12-31', '{}')")
    schema = db.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'commands' "
                        "ORDER BY name").fetchall()
    db.close()
    before = dump(path)
    kept = {row for row in before[1] if "INSERT INTO \"commands\"" in row and ("'day-before'" in row or latest in row)}

    def opened() -> Database:
        store = Database(path)
        store.execute("PRAGMA journal_mode=WAL")
        store.execute("PRAGMA secure_delete=ON")  # as the server's writer opens it (event_store.py)
        return store

    # A step after migration 10 fails: all or nothing, every answer is still there.
    monkeypatch.setattr(migrations_module, "MIGRATIONS", [*MIGRATIONS, lambda db: 1 / 0])
    store = opened()
    with pytest.raises(MigrationError):
        migrate(store)
    store.close()
    assert dump(path) == before
    monkeypatch.undo()

    store = opened()
    assert migrate(store) == len(MIGRATIONS) and release < 10
    pages, free = (store.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "freelist_count"))
    wal_pages = Path(f"{path}-wal").stat().st_size // 4096
    assert store.execute("PRAGMA secure_delete").fetchone()[0] == 1
    rows = {row for row in store.conn.iterdump() if "INSERT INTO \"commands\"" in row}
    assert rows == kept and len(kept) > 1
    assert store.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'commands' "
                         "ORDER BY name").fetchall() == schema
    store.close()
    assert dump(path.with_name("cherha-before-v10.sqlite3")) == before  # the file copied whole (_copy_file)
    # The old answers filled ~2,700 pages: they went to the free list, and the WAL holds a few dozen pages
    # (the free-list trunks, the kept rows, the schema), not the freed ones written again.
    assert free > 2000, (pages, free)
    assert wal_pages < free / 10, (wal_pages, free)


def test_the_upgrade_copy_leaves_the_servers_locks_in_place(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The copy before an upgrade is of the file itself (migrations._copy_file). Made by this process, closing it
    would drop every SQLite lock the server holds on the file (POSIX locks); another process closing its own
    connection then took itself for the last one and deleted the WAL under the running server (seen on a year's
    store: the server stopped with "WAL deleted")."""
    path = tmp_path / "cherha.sqlite3"
    shutil.copyfile(FIXTURES[-1], path)

    async def run() -> str:
        store = EventStore(path)
        await store.start()  # migrates: the copy is made
        try:
            last_at = await store.call(lambda db: db.execute("SELECT MAX(at) FROM events").fetchone()[0])
            service = HallService(load_hall(DEMO_HALL), store, ManualClock(datetime.fromisoformat(last_at)))
            await service.start()
            await service.execute(cmd.PauseHall(actor="supervisor"))  # a write: the server now watches its WAL
            other = ("import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); "
                     "db.execute('SELECT COUNT(*) FROM events').fetchone(); db.close()")
            await asyncio.to_thread(subprocess.run, [sys.executable, "-c", other, str(path)], check=True)
            await service.execute(cmd.ResumeHall(actor="supervisor"))
            await service.close()
            return store.health()
        finally:
            await store.close()

    assert path.with_name(f"cherha-before-v{len(MIGRATIONS)}.sqlite3").exists() is False
    assert asyncio.run(run()) == "ok"
    assert dump(path.with_name(f"cherha-before-v{len(MIGRATIONS)}.sqlite3")) == dump(FIXTURES[-1])
