"""Operator secrets and device tokens: only hashes are ever stored or compared.

scrypt (stdlib) with a per-secret salt for operator PINs and passwords, which people choose and may be
short; SHA-256 for device tokens, which are 32 random bytes and so cannot be guessed from their hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

_N, _R, _P = 2**14, 8, 1


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(secret.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            secret.encode(), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def new_token() -> str:
    """An unguessable token (256 bits), URL-safe: device tokens, feedback links."""
    return secrets.token_urlsafe(32)


BOOKING_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U to misread


def new_booking_code() -> str:
    """8 characters, 40 random bits: short enough to type at a kiosk, too many to guess."""
    return "".join(secrets.choice(BOOKING_ALPHABET) for _ in range(8))


def person_key(secret: str, phone: str) -> str:
    """A keyed hash of a phone number: counts one person's bookings without keeping the number."""
    return hmac.new(secret.encode(), phone.encode(), hashlib.sha256).hexdigest()


def load_or_create_key(path: Path) -> str:
    """The key of person keys, in its own file (mode 0600), never in the database.

    A copy of the database alone then cannot be searched for a phone number by trying every number of an
    operator's prefix: without this key the keyed hashes are just random.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ValueError(f"{path}: the person key file is damaged (too short)") from None
        return key
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(new_token() + "\n")
        out.flush()
        os.fsync(out.fileno())
    return path.read_text(encoding="ascii").strip()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
