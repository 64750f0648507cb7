"""The SMS outbox (SQLite), its sender (retries, delivery status) and phone-number retention.

An SMS goes only where the visitor gave a number with consent (the `contacts` table). Each kind of SMS is
sent at most once per booking (a unique index), so a replayed event never texts twice. Failed sends are
retried with a growing delay; after `MAX_ATTEMPTS` the SMS is marked failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlite_utils import Database

from ..clock import Clock
from ..store import EventStore

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
RETRY_MINUTES = (1, 2, 5, 10, 30)


class Modem(Protocol):
    def send(self, phone: str, text: str, reference: int = 0) -> list[int]: ...
    def reports(self) -> list[Any]: ...
    def close(self) -> None: ...


class SmsOutbox:
    def __init__(self, store: EventStore, clock: Clock) -> None:
        self.store, self.clock = store, clock

    async def enqueue(self, ref: str, kind: str, text: str, due: datetime | None = None) -> bool:
        """Queue an SMS for the contact behind `ref`; False when there is no consented number."""
        now = self.clock.now()

        def add(db: Database) -> bool:
            row = db.execute("SELECT phone FROM contacts WHERE ref = ?", [ref]).fetchone()
            if row is None:
                return False
            with db.atomic():
                db.execute(
                    "INSERT OR IGNORE INTO sms (ref, kind, phone, text, status, attempts, next_try, message_refs, "
                    "error, created) VALUES (?, ?, ?, ?, 'queued', 0, ?, '[]', '', ?)",
                    [ref, kind, row[0], text, (due or now).isoformat(), now.isoformat()])
            return True

        return await self.store.call(add)

    async def enqueue_to(self, ref: str, kind: str, phone: str, text: str) -> None:
        """Queue an SMS to a number given now (a booking's confirmation code), not from `contacts`."""
        now = self.clock.now().isoformat()
        await self.store.call(lambda db: _write(
            db, "INSERT OR IGNORE INTO sms (ref, kind, phone, text, status, attempts, next_try, message_refs, "
                "error, created) VALUES (?, ?, ?, ?, 'queued', 0, ?, '[]', '', ?)", [ref, kind, phone, text, now, now]))

    async def due(self) -> list[dict[str, Any]]:
        now = self.clock.now().isoformat()
        return await self.store.call(lambda db: [dict(r) for r in db.query(
            "SELECT * FROM sms WHERE status = 'queued' AND next_try <= ? ORDER BY id", [now])])

    async def mark(self, sms_id: int, **fields: Any) -> None:
        columns = ", ".join(f"{name} = ?" for name in fields)  # names are ours, never input
        await self.store.call(lambda db: _write(db, f"UPDATE sms SET {columns} WHERE id = ?",
                                                [*fields.values(), sms_id]))

    async def delivered(self, message_ref: int) -> None:
        def update(db: Database) -> None:
            for row in db.query("SELECT id, message_refs FROM sms WHERE status = 'sent'"):
                if message_ref in json.loads(row["message_refs"]):
                    _write(db, "UPDATE sms SET status = 'delivered' WHERE id = ?", [row["id"]])

        await self.store.call(update)

    async def purge(self) -> int:
        """Delete phone numbers past their retention (contacts, the outbox) and person keys past their month.

        secure_delete (set on the connection) zeroes the deleted bytes; the WAL checkpoint then writes
        the zeroed pages into the database and truncates the -wal file, where the old ones still were.
        """
        now = self.clock.now().isoformat()
        # A confirmation code's number is needed only until the code is sent (or has failed to be).
        hour_ago = (self.clock.now() - timedelta(hours=1)).isoformat()

        def purge(db: Database) -> int:
            expired = [row[0] for row in db.execute("SELECT ref FROM contacts WHERE delete_after <= ?", [now])]
            with db.atomic():
                for ref in expired:
                    db.execute("DELETE FROM contacts WHERE ref = ?", [ref])
                    db.execute("UPDATE sms SET phone = '' WHERE ref = ?", [ref])
                keys = db.execute("DELETE FROM person_bookings WHERE delete_after <= ?", [now]).rowcount
                keys += db.execute("DELETE FROM pending_bookings WHERE expires <= ?", [now]).rowcount
                keys += db.execute("UPDATE sms SET phone = '' WHERE kind = 'confirm' AND phone != '' AND "
                                   "(status != 'queued' OR created <= ?)", [hour_ago]).rowcount
            if expired or keys:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return len(expired)

        return await self.store.call(purge)


def _write(db: Database, sql: str, params: list[Any]) -> None:
    with db.atomic():
        db.execute(sql, params)


class SmsSender:
    """Sends what is due through the modem (in a thread: pyserial blocks) and records the outcome."""

    def __init__(self, outbox: SmsOutbox, modem_factory: Callable[[], Modem], interval: float = 1.0) -> None:
        self.outbox, self.modem_factory, self.interval = outbox, modem_factory, interval
        self.modem: Modem | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            with contextlib.suppress(Exception):
                await self.step()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.interval)
        if self.modem is not None:
            await asyncio.to_thread(self.modem.close)

    async def step(self) -> None:
        for row in await self.outbox.due():
            await self._send(row)
        if self.modem is not None:
            for report in await asyncio.to_thread(self.modem.reports):
                if report.delivered:
                    await self.outbox.delivered(report.reference)
        await self.outbox.purge()

    async def _send(self, row: dict[str, Any]) -> None:
        if not row["phone"]:
            await self.outbox.mark(row["id"], status="failed", error="number deleted")
            return
        try:
            if self.modem is None:
                self.modem = await asyncio.to_thread(self.modem_factory)
            references = await asyncio.to_thread(self.modem.send, row["phone"], row["text"], row["id"] & 0xFF)
        except Exception as exc:
            attempts = row["attempts"] + 1
            self.modem = None  # reopen the port next time: it may have been unplugged
            if attempts >= MAX_ATTEMPTS:
                await self.outbox.mark(row["id"], status="failed", attempts=attempts, error=str(exc)[:200])
            else:
                retry = self.outbox.clock.now() + timedelta(minutes=RETRY_MINUTES[attempts - 1])
                await self.outbox.mark(row["id"], attempts=attempts, next_try=retry.isoformat(), error=str(exc)[:200])
            log.warning("sms not sent", extra={"sms": row["id"], "attempt": attempts, "error": str(exc)})
            return
        await self.outbox.mark(row["id"], status="sent", attempts=row["attempts"] + 1,
                               message_refs=json.dumps(references), error="")
