"""Backups that restore: online backups of a live store during a busy hall, rotation, and restores that refuse
what they must (docs/deployment.md, "Backups")."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest

from queue_server.backup import backup_name, backups_in, rotate, run_schedule, take_backup, to_keep
from queue_server.config import DEMO_HALL, BackupSettings

from .process import ServerProcess
from .support import TUESDAY_10, issue, running_server

# Services of different desks and prefixes, so no daily limit stops a busy morning.
SERVICES = ["id-card", "passport-foreign", "birth", "fop-register", "residence-register", "subsidy",
            "vehicle-registration", "consultation", "land-cadastre-extract", "property-ownership"]


def cherha(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "queue_server", *args], capture_output=True, text=True,
                          timeout=timeout)


def issued_visits(db_path: Path) -> set[str]:
    db = sqlite3.connect(db_path)
    try:
        rows = db.execute("SELECT payload FROM events WHERE type = 'ticket_issued'").fetchall()
    finally:
        db.close()
    return {json.loads(payload)["visit_id"] for (payload,) in rows}


class Kiosks:
    """Several kiosks taking tickets over the real protocol as fast as the server answers, each answer
    recorded with the moment it arrived (an acknowledged ticket is one whose answer came back)."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token
        self.acked: list[tuple[float, str]] = []  # (time.monotonic() at the answer, visit id)
        self.stop = asyncio.Event()

    async def run(self, kiosks: int = 4) -> None:
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(self._kiosk(http, n) for n in range(kiosks)))

    async def _kiosk(self, http: aiohttp.ClientSession, n: int) -> None:
        server = type("S", (), {"url": self.url})()
        for i in range(5000):  # bounded: the test stops it long before
            if self.stop.is_set():
                return
            ticket = await issue(http, server, self.token, SERVICES[(n + i) % len(SERVICES)])  # type: ignore[arg-type]
            self.acked.append((time.monotonic(), ticket["visit_id"]))

    def acked_before(self, moment: float) -> set[str]:
        return {visit for at, visit in self.acked if at < moment}


async def test_backup_during_a_busy_hall_restores_every_acknowledged_ticket(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`cherha backup` runs while four kiosks take tickets over the protocol; `cherha restore` proves the backup
    replays and puts it in place; every ticket acknowledged before the backup began is in it, and the server
    starts on the restored store and goes on numbering after it."""
    data, backups = tmp_path / "data", tmp_path / "backups"
    server = ServerProcess(data)
    token = server.token()
    server.start()
    kiosks = Kiosks(server.url, token)
    traffic = asyncio.create_task(kiosks.run())
    try:
        while len(kiosks.acked) < 150:  # a morning's worth first, so the backup copies a real log
            await asyncio.sleep(0.02)
        began = time.monotonic()
        backup = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "queue_server", "backup", "--data-dir", str(data), "--to", str(backups),
            "--config", str(DEMO_HALL), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(backup.communicate(), 120)
        ended = time.monotonic()
        while len(kiosks.acked) < len(kiosks.acked_before(ended)) + 20:  # the hall goes on after it
            await asyncio.sleep(0.02)
    finally:
        kiosks.stop.set()
        await asyncio.wait_for(traffic, 60)
        server.stop()
    assert backup.returncode == 0, err.decode()
    assert len({v for at, v in kiosks.acked if began <= at <= ended}) > 0, "tickets were taken while it ran"
    (made,) = backups_in(backups)
    assert str(made) in out.decode()

    # Restored into a fresh data directory: every ticket acknowledged before the backup began is there.
    fresh = tmp_path / "fresh"
    restored = cherha("restore", str(made), "--data-dir", str(fresh), "--config", str(DEMO_HALL))
    assert restored.returncode == 0, restored.stderr
    assert f"{made}: ok — schema" in restored.stdout and "replayed 2026-11-24" in restored.stdout
    in_backup = issued_visits(fresh / "cherha.sqlite3")
    before = kiosks.acked_before(began)
    assert len(before) >= 150 and before <= in_backup
    assert in_backup <= {visit for _, visit in kiosks.acked}, "nothing in it that was not issued"
    assert len(in_backup) < len(kiosks.acked), "the tickets after the backup are not in it"

    # Restored over the original store (server stopped): the old one is kept aside, the server starts on the new.
    original = hashlib.sha256((data / "cherha.sqlite3").read_bytes()).hexdigest()
    again = cherha("restore", str(made), "--data-dir", str(data))
    assert again.returncode == 0, again.stderr
    assert "events acknowledged after this backup are given up" in again.stdout
    (aside,) = data.glob("replaced-*")
    assert hashlib.sha256((aside / "cherha.sqlite3").read_bytes()).hexdigest() == original
    assert issued_visits(data / "cherha.sqlite3") == in_backup
    server.start()
    try:
        async with aiohttp.ClientSession() as http:
            ticket = await issue(http, server, token, "id-card")  # type: ignore[arg-type]
        assert ticket["visit_id"] not in in_backup
    finally:
        server.stop()


async def test_restore_refuses_while_the_server_runs(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    server = ServerProcess(data)
    token = server.token()
    server.start()
    try:
        async with aiohttp.ClientSession() as http:
            await issue(http, server, token, "id-card")  # type: ignore[arg-type]
        made = cherha("backup", "--data-dir", str(data), "--to", str(tmp_path / "b"))
        assert made.returncode == 0, made.stderr
        (backup,) = backups_in(tmp_path / "b")
        refused = cherha("restore", str(backup), "--data-dir", str(data))
        assert refused.returncode == 2
        assert "a server is running on" in refused.stderr and "сервер працює" in refused.stderr
        assert not list(data.glob("replaced-*")) and not list(data.glob(".cherha*.restoring"))
        async with aiohttp.ClientSession() as http:  # and the server never noticed
            await issue(http, server, token, "id-card")  # type: ignore[arg-type]
    finally:
        server.stop()


async def test_restore_refuses_a_damaged_backup_and_touches_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path / "data") as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        for service in SERVICES * 3:
            await issue(http, server, token, service)
    store = tmp_path / "data" / "cherha.sqlite3"
    good = take_backup(store, tmp_path / "b", datetime(2026, 11, 24, 9, tzinfo=UTC)).path
    assert cherha("restore", "--check-only", str(good), "--data-dir", str(tmp_path / "x")).returncode == 0
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    files = sorted(p.name for p in store.parent.iterdir())

    torn = tmp_path / "torn.sqlite3"  # a backup cut short (a full disk, a broken copy)
    torn.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    bad_event = tmp_path / "bad-event.sqlite3"  # a sound file whose log does not replay
    shutil.copyfile(good, bad_event)
    db = sqlite3.connect(bad_event)
    db.execute("UPDATE events SET payload = json_remove(payload, '$.visit_id') WHERE seq = "
               "(SELECT MAX(seq) FROM events WHERE type = 'ticket_issued')")
    db.commit()
    db.close()
    gap = tmp_path / "gap.sqlite3"  # events missing from the middle of the log
    shutil.copyfile(good, gap)
    db = sqlite3.connect(gap)
    db.execute("DELETE FROM events WHERE seq = 9")
    db.commit()
    db.close()
    for backup, why in ((torn, "damaged"), (bad_event, "does not decode"), (gap, "gaps")):
        refused = cherha("restore", str(backup), "--data-dir", str(tmp_path / "data"))
        assert refused.returncode == 2 and "restore refused" in refused.stderr and why in refused.stderr, (
            backup, refused.stderr)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in store.parent.iterdir()) == files  # nothing moved aside, nothing left over


def test_rotation_keeps_recent_daily_and_weekly_backups(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Forty days of hourly backups: the newest 24, then one a day for 14 days, then one a week for 8 weeks."""
    start = datetime(2026, 10, 1, 0, 30, tzinfo=UTC)
    taken = [start + timedelta(hours=h) for h in range(40 * 24)]
    newest = taken[-1]
    for moment in taken:
        (tmp_path / backup_name(moment)).write_bytes(b"x")
    (tmp_path / ".cherha-20261001T000000Z.sqlite3.partial").write_bytes(b"half")  # a crash's leftover
    (tmp_path / "notes.txt").write_text("not a backup")
    settings = BackupSettings(keep_recent=24, keep_daily=14, keep_weekly=8)
    deleted = rotate(tmp_path, settings)
    kept = {datetime.strptime(p.name, "cherha-%Y%m%dT%H%M%SZ.sqlite3").replace(tzinfo=UTC)
            for p in backups_in(tmp_path)}
    assert kept == to_keep(taken, 24, 14, 8)
    assert set(taken[-24:]) <= kept  # the last day, hour by hour
    days = sorted({t.date() for t in kept})
    assert days[-14:] == [newest.date() - timedelta(days=d) for d in range(13, -1, -1)]
    assert all(max(t for t in taken if t.date() == d) in kept for d in days[-14:])  # each day's last one
    weeks = {t.isocalendar()[:2] for t in kept}
    assert weeks == {t.isocalendar()[:2] for t in taken} and len(weeks) == 7  # 1 Oct-9 Nov: 7 ISO weeks (<= 8)
    assert len(kept) == len(set(taken[-24:]) | {max(t for t in taken if t.date() == d) for d in days[-14:]}
                            | {max(t for t in taken if t.isocalendar()[:2] == w) for w in weeks})
    assert len(deleted) == 40 * 24 - len(kept) + 1 and (tmp_path / "notes.txt").exists()


async def test_the_server_backs_up_on_schedule_to_two_directories(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The in-server schedule, on its own thread and connection, while tickets are being taken; a second
    directory (another disk, a share) gets the same files; rotation keeps the newest `keep_recent`."""
    first, second = tmp_path / "backups", tmp_path / "share"
    settings = BackupSettings(dir=str(first), second_dir=str(second), keep_recent=2, keep_daily=0, keep_weekly=0)
    moments = iter(TUESDAY_10 + timedelta(minutes=m) for m in range(100_000))

    async with running_server(tmp_path / "data") as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        stop = asyncio.Event()
        schedule = asyncio.create_task(run_schedule(server.store.path, settings, tmp_path / "data",
                                                    lambda: next(moments), stop, every=timedelta(minutes=3),
                                                    poll_seconds=0.05))
        try:
            for i in range(200):
                await issue(http, server, token, SERVICES[i % len(SERVICES)])
                await asyncio.sleep(0.005)
                if len(backups_in(second)) == 2 and i > 100:
                    break
        finally:
            stop.set()
            await asyncio.wait_for(schedule, 30)
        last_seq = server.service.seq
    made = backups_in(first)
    assert len(made) == 2 and [p.name for p in backups_in(second)] == [p.name for p in made]
    for path in made + backups_in(second):
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
        assert 0 < db.execute("SELECT MAX(seq) FROM events").fetchone()[0] <= last_seq
        db.close()
    assert not list(first.glob(".*")) and not list(second.glob(".*"))


def test_backup_settings_are_checked_with_the_hall_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from queue_server.config import ConfigError, backup_settings, check_hall

    from .halls import SMALL_HALL

    path = tmp_path / "hall.toml"
    path.write_text(SMALL_HALL + '\n[backup]\nevery_minutes = 30\nsecond_dir = "/mnt/share"\nkeep_daily = 7\n',
                    encoding="utf-8")
    assert backup_settings(path) == BackupSettings(every_minutes=30, second_dir="/mnt/share", keep_daily=7)
    for bad, message in (("every_minutes = 2", "at least 5 minutes"), ("keep_recent = 0", "keep at least"),
                         ("keep_weekly = -1", "must not be negative"), ("dir = 5", "expected str"),
                         ("evry_minutes = 30", "unknown setting 'evry_minutes'")):
        path.write_text(SMALL_HALL + f"\n[backup]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=message) as error:
            check_hall(path)
        assert error.value.line == SMALL_HALL.count("\n") + 3, (bad, error.value.line)
