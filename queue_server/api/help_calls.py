"""Visitors' calls for an administrator from the kiosks («Покликати адміністратора»).

A call is an alert on the supervisor's dashboard until a supervisor acknowledges it. Kept in memory, one per
kiosk (bounded by the kiosks' tokens), like the heartbeats: it is about the next few minutes; after a server
restart the visitor presses the button again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ..domain.errors import TooMany

# One kiosk may call again this long after its previous call (acknowledged or not): a visitor pressing the
# button over and over, or a stuck key, raises one alert, not a stream of them.
HELP_CALL_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class HelpCall:
    kiosk: str
    at: str  # the hall's clock, ISO: shown on the dashboard
    lang: str  # the visitor's language: the administrator knows what to expect
    accessible: bool  # called from the accessible mode: the visitor may need guiding


@dataclass
class HelpCalls:
    open: dict[str, HelpCall] = field(default_factory=dict)
    last_call: dict[str, float] = field(default_factory=dict)  # kiosk -> monotonic time of its latest call

    def call(self, kiosk: str, at: str, lang: str, accessible: bool) -> tuple[HelpCall, bool]:
        """The kiosk's open call, and whether it was open already (a second press is no second alert)."""
        if kiosk in self.open:
            return self.open[kiosk], True
        now = time.monotonic()
        last = self.last_call.get(kiosk)
        if last is not None and now - last < HELP_CALL_INTERVAL_SECONDS:
            raise TooMany("help_call_too_soon", seconds=int(HELP_CALL_INTERVAL_SECONDS - (now - last)) + 1)
        self.open[kiosk] = HelpCall(kiosk, at, lang, accessible)
        self.last_call[kiosk] = now
        return self.open[kiosk], False

    def acknowledge(self, kiosk: str) -> bool:
        """Someone is on the way: the alert goes. False when the kiosk had no open call (already answered)."""
        return self.open.pop(kiosk, None) is not None

    def alerts(self) -> list[dict[str, Any]]:
        return [{"kind": "help_call", "kiosk": c.kiosk, "at": c.at, "lang": c.lang, "accessible": c.accessible}
                for c in sorted(self.open.values(), key=lambda c: c.at)]
