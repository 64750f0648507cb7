"""A screen's copy of the hall: the server's view, patched by key. No domain rule is re-derived here.

The server sends a `view` frame (the whole view) and then `patch` frames; this applies them exactly as
docs/protocol.md "Views" says, so every Python client holds what `get_state` would return.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

KEYED = {"desks": "number", "visits": "visit_id"}  # lists patched entry by entry, by this key
ANNOTATIONS = ("at", "cause")  # about a patch, not part of the view


class HallView:
    def __init__(self) -> None:
        self.seq: int | None = None
        self.fields: dict[str, Any] = {}  # day, paused, pause_reason, announcement, closed_services, dispatch
        self.desks: dict[int, dict[str, Any]] = {}
        self.visits: dict[str, dict[str, Any]] = {}
        self.queues: dict[str, dict[str, Any]] = {}
        self.calls: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.now: datetime | None = None  # the hall's time at the last frame

    @property
    def ready(self) -> bool:
        return self.seq is not None

    def apply(self, frame: dict[str, Any]) -> dict[str, Any] | None:
        """Apply a `view` or `patch` frame; returns what changed (the patch or the view), or None for a patch
        older than what is held (never sent by the server; ignored rather than let a screen go back)."""
        if frame["type"] == "view":
            self.load(frame["view"])
            return dict(frame["view"])
        if self.seq is not None and frame["seq"] < self.seq:
            return None
        patch: dict[str, Any] = frame["patch"]
        self.seq = frame["seq"]
        self._patch(patch)
        return patch

    def load(self, view: dict[str, Any]) -> None:
        self.seq = view["seq"]
        self.now = datetime.fromisoformat(view["now"])
        self.desks, self.visits, self.queues, self.calls, self.messages = {}, {}, {}, [], []
        self.fields = {}
        self._patch({k: v for k, v in view.items() if k not in ("seq", "now")})

    def _patch(self, patch: dict[str, Any]) -> None:
        for name, value in patch.items():
            if name == "at":
                self.now = datetime.fromisoformat(value)
            elif name == "desks":
                self.desks.update((d["number"], d) for d in value)
            elif name == "visits":
                self.visits.update((v["visit_id"], v) for v in value)
            elif name == "gone":
                for visit_id in value:
                    self.visits.pop(visit_id, None)
            elif name == "queues":
                self.queues.update(value)
            elif name == "calls":
                self.calls = list(value)
            elif name == "messages":
                self.messages.extend(value)
            elif name not in ANNOTATIONS:
                self.fields[name] = value

    def copy(self) -> HallView:
        """A copy that another thread may read while this one goes on being patched (the desk console reads
        on Qt's thread what the client applies on its own). Applying replaces entries, never changes one in
        place, so copying the containers is enough."""
        other = HallView()
        other.seq, other.now, other.fields = self.seq, self.now, dict(self.fields)
        other.desks, other.visits, other.queues = dict(self.desks), dict(self.visits), dict(self.queues)
        other.calls, other.messages = list(self.calls), list(self.messages)
        return other

    def as_view(self) -> dict[str, Any]:
        """The same shape as `get_state` (without `now`): what tests compare with the server's own view."""
        return {"seq": self.seq, **self.fields, "desks": [self.desks[n] for n in sorted(self.desks)],
                "visits": sorted(self.visits.values(), key=lambda v: v["visit_id"]), "queues": self.queues,
                "calls": self.calls, "messages": self.messages}
