"""One exception hierarchy for everything the hall refuses.

Each error carries a stable code (the key of the message catalogue) and the parameters its message
needs; the API layer turns it into a protocol error with Ukrainian and English text. The domain never
formats user-facing text itself.
"""

from __future__ import annotations

from typing import Any


class CherhaError(Exception):
    """Base of every refusal that reaches a client. Subclasses fix the HTTP status family."""

    status = 400

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r})"


class InvalidInput(CherhaError):
    """The request is malformed: wrong shape, unknown id, value out of range."""

    status = 400


class NotFound(CherhaError):
    status = 404


class Unauthorized(CherhaError):
    status = 401


class Forbidden(CherhaError):
    """The caller is known but its role may not do this."""

    status = 403


class Refused(CherhaError):
    """A valid request the hall cannot do now: wrong visit state, service closed, hall paused."""

    status = 409


class Unavailable(CherhaError):
    """Something the server needs is missing or down (voice segments not generated, a device offline)."""

    status = 503


class TooMany(CherhaError):
    """A client asks for more than its share: too often, or more subscriptions than one connection needs."""

    status = 429
