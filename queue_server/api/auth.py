"""Who is calling: device tokens (kiosks, displays) and operator sessions (desks, supervisors, admins).

Only hashes of tokens and secrets are stored. Operator PINs are short, so login attempts are throttled
(api/limits.py): per login and client address, per address, and per login from everywhere (slower, so a
stranger cannot lock an operator out for long). Every failure costs the same scrypt, known login or not,
so the answer's timing does not tell which logins exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from ..clock import Clock
from ..domain.errors import Forbidden, InvalidInput, Unauthorized
from ..domain.hall import Hall
from ..passwords import hash_secret, new_token, token_hash, verify_secret
from ..store import EventStore
from .limits import Guard

SESSION_HOURS = 16
CONTACT_WRITE_SECONDS = 60  # a device's last contact is written at most this often (it asks every few seconds)


class Role(StrEnum):
    KIOSK = "kiosk"
    DISPLAY = "display"
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    VISITOR = "visitor"  # a visitor's phone, by the ticket's token or the booking's code: sees only that visit


DEVICE_ROLES = (Role.KIOSK, Role.DISPLAY)


@dataclass(frozen=True)
class Principal:
    role: Role
    name: str  # device name or operator login
    desk: int | None = None


class Authenticator:
    def __init__(self, hall: Callable[[], Hall], store: EventStore, clock: Clock, guard: Guard | None = None) -> None:
        # The hall as configured now: an operator an administrator adds signs in at once (issue 15).
        self.hall_of, self.store, self.clock = hall, store, clock
        self.guard = guard or Guard()
        # Devices' last contact (token hash -> when), written to the devices table at most once a minute each.
        self.device_contact: dict[str, datetime] = {}
        # Checked instead of a real hash when the login is unknown: the same work, the same wait.
        self._dummy_hash = hash_secret(new_token())

    @property
    def hall(self) -> Hall:
        return self.hall_of()

    async def by_token(self, token: str) -> Principal:
        digest = token_hash(token)
        moment = self.clock.now()
        now = moment.isoformat()
        last = self.device_contact.get(digest)
        write_contact = last is None or abs((moment - last).total_seconds()) >= CONTACT_WRITE_SECONDS

        def find(db: Database) -> Principal | None:
            row = db.execute(
                "SELECT name, role FROM devices WHERE token_hash = ? AND revoked = 0", [digest]
            ).fetchone()
            if row is not None:
                if write_contact:
                    with db.atomic():
                        db.execute("UPDATE devices SET last_contact = ? WHERE token_hash = ?", [now, digest])
                return Principal(Role(row[1]), row[0])
            row = db.execute(
                "SELECT login, role, desk FROM sessions WHERE token_hash = ? AND expires > ?", [digest, now]
            ).fetchone()
            if row is not None:
                return Principal(Role(row[1]), row[0], row[2] or None)
            return None

        principal = await self.store.call(find)
        if principal is None:
            raise Unauthorized("invalid_token")
        if principal.role in DEVICE_ROLES:
            if write_contact:
                self.device_contact[digest] = moment
            return principal
        operator = self.hall.operators.get(principal.name)
        if operator is None or operator.disabled:
            raise Unauthorized("invalid_token")  # operator removed from the config, or disabled, since
        return principal

    def visitor(self, state: Any, visit_token: str | None, booking_code: str | None,
                address: str = "") -> Principal:
        """A visitor follows their own visit: by the ticket's unguessable token or the booking's code."""
        found = self.guard.take_code(address)  # booking codes are short: misses are throttled per address
        if visit_token:
            visit_id = state.by_feedback_token.get(visit_token)
            if visit_id is not None:
                found()
                return Principal(Role.VISITOR, visit_id)
        if booking_code:
            booking = state.bookings.by_code_or_none(booking_code)
            if booking is not None:
                found()
                return Principal(Role.VISITOR, booking.booking_id)
        raise Unauthorized("invalid_token")

    async def login(self, login: str, secret: str, desk: int | None, address: str = "") -> tuple[Principal, str]:
        minimum = self.hall.policy.min_pin_length
        if len(secret) < minimum:  # the policy is no secret: say so before any work
            raise Unauthorized("pin_too_short", min=minimum)
        # Reserved before the first await: concurrent guesses each take a token and cannot overrun the limit.
        succeeded = self.guard.take_login(login, address)
        operator = self.hall.operators.get(login)
        stored = operator.secret_hash if operator is not None else self._dummy_hash
        # scrypt takes tens of milliseconds: keep it off the event loop.
        valid = await asyncio.to_thread(verify_secret, secret, stored)
        if operator is None or not valid or operator.disabled:
            raise Unauthorized("invalid_credentials")
        succeeded()
        if desk is not None:
            if desk not in self.hall.desks:
                raise InvalidInput("unknown_desk", desk=desk)
            if operator.desks and desk not in operator.desks:
                raise Forbidden("desk_not_allowed", desk=desk)
        principal = Principal(Role(operator.role), login, desk)
        token = new_token()
        expires = (self.clock.now() + timedelta(hours=SESSION_HOURS)).isoformat()

        def save(db: Database) -> None:
            with db.atomic():
                db["sessions"].insert(  # type: ignore[union-attr]
                    {"token_hash": token_hash(token), "login": login, "role": operator.role,
                     "desk": desk or 0, "expires": expires}
                )

        await self.store.call(save)
        return principal, token

    async def end_sessions(self, login: str) -> list[str]:
        """End every session of an operator (disabled, new PIN, new role or desks); their token hashes."""

        def drop(db: Database) -> list[str]:
            with db.atomic():
                rows = db.execute("SELECT token_hash FROM sessions WHERE login = ?", [login]).fetchall()
                db.execute("DELETE FROM sessions WHERE login = ?", [login])
            return [row[0] for row in rows]

        return await self.store.call(drop)

    async def logout(self, token: str) -> None:
        digest = token_hash(token)

        def drop(db: Database) -> None:
            with db.atomic():
                db.execute("DELETE FROM sessions WHERE token_hash = ?", [digest])

        await self.store.call(drop)


def create_device_token(db: Database, name: str, role: Role, now: datetime) -> str:
    """Register a kiosk or display; the plain token is shown once and never stored."""
    if role not in DEVICE_ROLES:
        raise ValueError(f"device role must be one of {[r.value for r in DEVICE_ROLES]}")
    token = new_token()
    with db.atomic():
        db["devices"].insert(  # type: ignore[union-attr]
            {"token_hash": token_hash(token), "name": name, "role": role.value,
             "created": now.isoformat(), "revoked": 0}
        )
    return token
