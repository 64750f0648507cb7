"""What one connection may cost the server: bytes queued for it, expensive requests, subscriptions.

Every limit is in bytes or in work, never in messages: a count of messages says nothing about memory
when one snapshot is a thousand times bigger than one event. docs/protocol.md lists these numbers.
"""

from __future__ import annotations

import asyncio
import collections
import time

MAX_FRAME_BYTES = 64 * 1024  # one incoming WebSocket message; larger: closed with 1009
MAX_REQUEST_BYTES = 64 * 1024  # one REST request body; larger: 413 payload_too_large
# Bytes waiting to be sent to one client. A client that does not read fills only its own outbox and is
# closed with 4008; it resumes from its last sequence (a snapshot when the gap is large).
OUTGOING_BYTES = 2 * 1024 * 1024
# get_state / get_dashboard / subscribe_events build a whole view of the hall on the event loop: a burst,
# then a steady rate (the dashboard asks at most ~7 a second while events pour in).
EXPENSIVE_BURST = 10
EXPENSIVE_PER_SECOND = 10.0
# A replay larger than this is answered with a snapshot instead (the client starts over from it).
REPLAY_MAX_EVENTS = 1000
REPLAY_MAX_BYTES = 512 * 1024


class Outbox:
    """A FIFO of encoded frames bounded by the bytes it holds.

    A frame is refused when it would take the outbox over its limit, except when the outbox is empty:
    one snapshot bigger than the limit can still reach a client that reads.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.bytes = 0
        self._frames: collections.deque[tuple[str, int]] = collections.deque()
        self._ready = asyncio.Event()

    def put(self, text: str) -> bool:
        size = len(text.encode("utf-8", "surrogatepass"))
        if self._frames and self.bytes + size > self.limit:
            return False
        self._frames.append((text, size))
        self.bytes += size
        self._ready.set()
        return True

    async def get(self) -> str:
        while not self._frames:
            self._ready.clear()
            await self._ready.wait()
        text, size = self._frames.popleft()
        self.bytes -= size
        return text

    def clear(self) -> None:
        self._frames.clear()
        self.bytes = 0


class Bucket:
    """A token bucket on the monotonic clock (work per real second, whatever the hall's clock says)."""

    def __init__(self, burst: int, per_second: float) -> None:
        self.burst, self.per_second = burst, per_second
        self.tokens = float(burst)
        self.at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True
