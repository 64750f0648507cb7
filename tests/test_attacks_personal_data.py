"""Phone numbers cannot be recovered from the database files (issue 13, point 2), shown on a real server.

Before: every booking event kept an HMAC of the phone made with a key stored in the same database, so
trying every number of one operator prefix (10^7 HMACs, about a minute) recovered them all, and the event
log is never purged. Now the log holds no person key, the key lives in its own file, and a purge leaves no
deleted byte behind in the database or its WAL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import stat
from datetime import timedelta
from pathlib import Path

import aiohttp

from queue_server.sms.outbox import SmsOutbox
from tests.support import TUESDAY_10, new_command_id, running_server

PHONES = ["+380501234567", "+380671112233", "+380931234000"]


def raw_bytes(data_dir: Path) -> bytes:
    """What someone with a copy of the files reads: the database and its -wal, byte for byte."""
    return b"".join(path.read_bytes() for path in sorted(data_dir.glob("cherha.sqlite3*")) if path.is_file())


def person_key(key: str, phone: str) -> str:
    return hmac.new(key.encode(), phone.encode(), hashlib.sha256).hexdigest()


async def _book(http: aiohttp.ClientSession, url: str, start: str, phone: str, consent: bool) -> str:
    body = {"command_id": new_command_id(), "service_id": "residence-register", "start": start, "phone": phone,
            "consent": consent}
    async with http.post(url + "/api/bookings", json=body) as response:
        assert response.status == 201, await response.text()
        return str((await response.json())["booking"]["start"])


async def test_a_purge_leaves_no_phone_and_no_person_key_in_the_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        slot = TUESDAY_10.replace(hour=13, minute=0)
        for n, phone in enumerate(PHONES):
            await _book(http, server.url, (slot + timedelta(minutes=15 * n)).isoformat(), phone, consent=n < 2)
        key_file = tmp_path / "person.key"
        key = key_file.read_text(encoding="ascii").strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600, "only the server's user reads the key"
        keys = [person_key(key, phone) for phone in PHONES]
        files = raw_bytes(tmp_path)
        # The test is not empty: before the purge, the numbers and their keys are in the files.
        assert PHONES[0].encode() in files and keys[0].encode() in files and keys[2].encode() in files
        assert key.encode() not in files, "the key is never in the database"
        events = await server.store.call(lambda db: [json.loads(r[0]) for r in db.execute(
            "SELECT payload FROM events WHERE type = 'booking_made'")])
        assert len(events) == 3 and {e.get("person_key", "") for e in events} == {""}, "the log keeps no key"

        server.clock.set(slot + timedelta(days=40))  # past the retention (30 days) and the slot's month
        await SmsOutbox(server.store, server.clock).purge()
        files = raw_bytes(tmp_path)
        for phone, hashed in zip(PHONES, keys, strict=True):
            assert phone[4:].encode() not in files, f"{phone} is still readable in the files"
            assert hashed.encode() not in files, f"the person key of {phone} is still in the files"
        wal = tmp_path / "cherha.sqlite3-wal"
        assert not wal.exists() or wal.stat().st_size == 0, "the WAL with the old pages was truncated"
        # ...and the hall goes on: the bookings are still there, the limit counts anew.
        async with http.get(server.url + "/api/health") as response:
            assert response.status == 200


async def test_an_old_database_keeps_replaying_and_loses_its_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A log written before this change carries person keys, and the key sat in `settings`."""
    slot = TUESDAY_10.replace(hour=13, minute=0)
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        await _book(http, server.url, slot.isoformat(), PHONES[0], consent=False)
    # Make it look like a database of before: the event carries a person key, the key is in the database.
    old_key = "old-secret-" + "x" * 32
    db = sqlite3.connect(tmp_path / "cherha.sqlite3")
    with db:
        payload = json.loads(db.execute("SELECT payload FROM events WHERE type = 'booking_made'").fetchone()[0])
        payload["person_key"] = person_key(old_key, PHONES[0])
        db.execute("UPDATE events SET payload = ? WHERE type = 'booking_made'", [json.dumps(payload)])
        db.execute("DROP TABLE person_bookings")
        db.execute("DROP TABLE pending_bookings")
        db.execute("INSERT INTO settings (key, value) VALUES ('secret', ?)", [old_key])
        db.execute("PRAGMA user_version = 5")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    async with running_server(tmp_path) as server:
        booking = server.service.state.bookings.by_id[payload["booking_id"]]
        assert booking.start == slot, "the old event replays"
        secret = await server.store.call(lambda db: db.execute(
            "SELECT count(*) FROM settings WHERE key = 'secret'").fetchone()[0])
        assert secret == 0
    assert old_key.encode() not in raw_bytes(tmp_path), "the old key is gone from the files (secure_delete)"
