"""Throttles against guessing and hoarding: token buckets per key (a login, a client address), in memory.

Every guarded attempt takes a token BEFORE any await (verifying a PIN, looking up a code), so attempts
sent at the same moment cannot all pass while the first is still being checked; an attempt that turns
out legitimate gives its token back. Each table keeps at most `max_keys` keys, dropping the least
recently used one (whose bucket has most likely refilled): memory stays bounded whatever an attacker sends.

The numbers are in `Limits`; the clock is injectable so tests can move time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..domain.errors import CherhaError


class Throttled(CherhaError):
    """Too many attempts from one client or at one login: try again in `seconds`."""

    status = 429


@dataclass(frozen=True)
class Rate:
    burst: int  # attempts allowed at once
    per_seconds: float  # one more attempt every this many seconds


@dataclass(frozen=True)
class Limits:
    # Wrong PINs for one login from one address: 5, then one per 12 s (the old "5 then wait a minute").
    login_per_address: Rate = Rate(5, 12.0)
    # Wrong PINs for one login from every address together: a distributed guess is slowed to 360 an hour,
    # while the operator's own PC, locked out by a stranger, waits at most 10 s for its next attempt.
    login_global: Rate = Rate(10, 10.0)
    # Failed logins from one address, whatever the login (enumerating or spraying logins).
    address_logins: Rate = Rate(20, 30.0)
    # Unknown booking codes / visit tokens from one address (status, cancel, check-in, visitor WebSocket).
    code_lookups: Rate = Rate(10, 6.0)
    # Anonymous bookings from one address (staff and kiosks, authenticated, are not limited).
    bookings: Rate = Rate(10, 360.0)
    max_keys: int = 10_000
    clock: Callable[[], float] = field(default=time.monotonic, compare=False)

    @classmethod
    def for_simulation(cls) -> Limits:
        """A simulated day books hundreds of slots, and signs every desk in at once (72 for the biggest
        profile), from one address in seconds: those two limits are lifted; PIN guessing stays limited."""
        unlimited = Rate(1_000_000, 0.001)
        return cls(bookings=unlimited, address_logins=unlimited)


class Bucket:
    """A token bucket per key with a bounded table of keys."""

    def __init__(self, rate: Rate, clock: Callable[[], float], max_keys: int) -> None:
        self.rate, self.clock, self.max_keys = rate, clock, max_keys
        self._tokens: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)

    def _level(self, key: str) -> float:
        tokens, at = self._tokens.get(key, (float(self.rate.burst), self.clock()))
        return min(float(self.rate.burst), tokens + (self.clock() - at) / self.rate.per_seconds)

    def wait(self, key: str) -> int:
        """Whole seconds until `key` may try again (0: now)."""
        missing = 1.0 - self._level(key)
        return 0 if missing <= 0 else max(1, math.ceil(missing * self.rate.per_seconds))

    def take(self, key: str) -> bool:
        level = self._level(key)
        if level < 1.0:
            return False
        self._set(key, level - 1.0)
        return True

    def give_back(self, key: str) -> None:
        self._set(key, self._level(key) + 1.0)

    def _set(self, key: str, tokens: float) -> None:
        if tokens >= self.rate.burst:
            self._tokens.pop(key, None)  # a full bucket is the default: nothing to remember
            return
        self._tokens[key] = (tokens, self.clock())
        self._tokens.move_to_end(key)
        while len(self._tokens) > self.max_keys:
            self._tokens.popitem(last=False)

    def __len__(self) -> int:
        return len(self._tokens)


class Guard:
    """All the app's buckets; each `take_*` raises `Throttled` or returns a ticket to give back on success."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits = limits or Limits()
        clock, cap = limits.clock, limits.max_keys
        self.login_per_address = Bucket(limits.login_per_address, clock, cap)
        self.login_global = Bucket(limits.login_global, clock, cap)
        self.address_logins = Bucket(limits.address_logins, clock, cap)
        self.code_lookups = Bucket(limits.code_lookups, clock, cap)
        self.bookings = Bucket(limits.bookings, clock, cap)

    def take_login(self, login: str, address: str) -> Callable[[], None]:
        """Reserve one login attempt; call the returned function when the PIN proved right."""
        pair = f"{login}\x00{address}"
        checks = [(self.login_per_address, pair), (self.address_logins, address), (self.login_global, login)]
        _take_all(checks, "too_many_attempts")

        def succeeded() -> None:
            for bucket, key in checks:
                bucket.give_back(key)

        return succeeded

    def take_code(self, address: str) -> Callable[[], None]:
        """Reserve one booking-code / visit-token lookup; give it back when the code was a real one."""
        _take_all([(self.code_lookups, address)], "too_many_attempts")
        return lambda: self.code_lookups.give_back(address)

    def take_booking(self, address: str) -> Callable[[], None]:
        _take_all([(self.bookings, address)], "too_many_bookings")
        return lambda: self.bookings.give_back(address)


def _take_all(checks: list[tuple[Bucket, str]], code: str) -> None:
    # Check every bucket first, so a refused attempt costs no bucket a token.
    wait = max(bucket.wait(key) for bucket, key in checks)
    if wait > 0:
        raise Throttled(code, seconds=wait)
    for bucket, key in checks:
        bucket.take(key)
