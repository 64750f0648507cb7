"""Confirming a public booking's phone number by SMS, when the server has a modem.

An anonymous `POST /api/bookings` then only holds the request (table `pending_bookings`) and texts a
6-digit code to the number; nothing is booked and no slot is held. `POST /api/bookings/confirm` with the
code makes the booking. So random numbers book nothing, and a number counts toward the monthly limit only
once its owner has shown they have it. A held request expires after `HOLD_MINUTES`; a code gets
`MAX_TRIES` tries, and wrong codes are throttled per address like booking codes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from texts import Catalogue

from ..clock import Clock
from ..domain.errors import InvalidInput, NotFound
from ..passwords import new_token
from ..sms.notifier import TEXTS
from ..sms.outbox import SmsOutbox
from ..store import EventStore

HOLD_MINUTES = 10
MAX_TRIES = 5


def _code_hash(pending_id: str, code: str) -> str:
    return hashlib.sha256(f"{pending_id}:{code}".encode()).hexdigest()


class SmsConfirmation:
    def __init__(self, store: EventStore, clock: Clock, outbox: SmsOutbox) -> None:
        self.store, self.clock, self.outbox = store, clock, outbox
        self.texts = Catalogue(TEXTS)

    async def hold(self, service_id: str, start: datetime, phone: str, lang: str, consent: bool) -> dict[str, Any]:
        pending_id, code = new_token(), f"{secrets.randbelow(10**6):06d}"
        now = self.clock.now()
        expires = now + timedelta(minutes=HOLD_MINUTES)
        row = [pending_id, service_id, start.isoformat(), phone, lang, int(consent), _code_hash(pending_id, code),
               expires.isoformat()]

        def save(db: Database) -> None:
            with db.atomic():
                db.execute("INSERT INTO pending_bookings (pending_id, service_id, start, phone, lang, consent, "
                           "code_hash, attempts, expires) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)", row)

        await self.store.call(save)
        await self.outbox.enqueue_to(f"confirm-{pending_id}", "confirm", phone,
                                     self.texts.t_in(lang, "confirm", code=code))
        return {"pending": pending_id, "expires": expires.isoformat(), "confirm_minutes": HOLD_MINUTES}

    async def take(self, pending_id: str, code: str) -> dict[str, Any]:
        """The held request, once and only for the right code; deleted then, or after the last wrong try."""
        now = self.clock.now().isoformat()

        def check(db: Database) -> dict[str, Any] | None:
            row = db.execute("SELECT service_id, start, phone, lang, consent, code_hash, attempts FROM "
                             "pending_bookings WHERE pending_id = ? AND expires > ?", [pending_id, now]).fetchone()
            if row is None:
                raise NotFound("unknown_pending")
            with db.atomic():
                if hmac.compare_digest(row[5], _code_hash(pending_id, code)):
                    db.execute("DELETE FROM pending_bookings WHERE pending_id = ?", [pending_id])
                    return {"service_id": row[0], "start": datetime.fromisoformat(row[1]), "phone": row[2],
                            "lang": row[3], "consent": bool(row[4])}
                if row[6] + 1 >= MAX_TRIES:
                    db.execute("DELETE FROM pending_bookings WHERE pending_id = ?", [pending_id])
                else:
                    db.execute("UPDATE pending_bookings SET attempts = attempts + 1 WHERE pending_id = ?",
                               [pending_id])
            return None

        held = await self.store.call(check)
        if held is None:
            raise InvalidInput("confirmation_invalid", tries=MAX_TRIES)
        return held
