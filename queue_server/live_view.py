"""The hall's view, kept current on every screen by patches: the server derives, clients only draw.

A subscriber starts from the whole view (`view` frame, views.snapshot) and then receives, for each durable
event, one `patch` frame with the new views of exactly what the event changed: desks and visits replaced
by key, visits gone, queues by service, the full list of standing calls when it changed, new supervisor
messages. The views are rendered from the published state at that event's sequence number, so a screen
that applies every patch in order holds what `get_state` would return (a test checks this). Resuming from
`since` sends one patch of everything the missed events touched, rendered now.

Time changes some figures without an event (a visitor back from the postpone pool, the wait forecasts): a
`tick` patch refreshes them every TICK_SECONDS, with the sequence number unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .domain.state import HallState
from .domain.visit import VisitState
from .quotes import Quotes
from .store import EventRecord
from .views import calls_view, desk_view, hall_fields, queue_summary, snapshot, visit_view

TICK_SECONDS = 20.0
# A new business day (or the visit carried into it) changes everything: the whole view is sent again. So does
# an administrator's change to the centre (services, desks, names, hours): rare, and it may touch any view.
RESET_EVENTS = frozenset({"day_opened", "day_ended", "visit_carried_over", "hall_configured"})
# Events that change the hall-wide fields; a pause also changes what every desk may do.
HALL_EVENTS = frozenset({"hall_paused", "hall_resumed", "service_closed", "service_reopened", "announcement_set",
                         "dispatch_policy_changed", "clock_jump_detected"})
EVERY_DESK_EVENTS = frozenset({"hall_paused", "hall_resumed"})


@dataclass
class Touched:
    """The keys a run of events changed."""

    reset: bool = False
    hall: bool = False
    visits: set[str] = field(default_factory=set)
    desks: set[int] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def add(self, payload: dict[str, Any], state: HallState) -> None:
        kind = payload["type"]
        if kind in RESET_EVENTS:
            self.reset = True
            return
        if kind in HALL_EVENTS:
            self.hall = True
        if kind in EVERY_DESK_EVENTS:
            self.desks.update(state.desks)
        if kind == "desk_message":
            self.messages.append({"at": payload["at"], "desk": payload["desk"], "text": payload["text"],
                                  "by": payload["by"]})
        desk = payload.get("desk")
        if isinstance(desk, int) and desk in state.desks and kind != "desk_message":
            self.desks.add(desk)
            if kind == "desk_services_changed":
                self.services.update(sid for sid, _weight in state.desks[desk].weights)
                self.services.update(sid for sid, _weight in payload["weights"])
        for key in ("service_id", "to_service"):
            if isinstance(payload.get(key), str):
                self.services.add(payload[key])
        self.services.update(payload.get("service_ids") or ())
        visit_id = payload.get("visit_id")
        if isinstance(visit_id, str) and kind != "feedback_given":
            self.visits.add(visit_id)
            visit = state.visits.get(visit_id)
            if visit is not None:
                self.services.add(visit.service_id)
                self.services.update(visit.pending_services)
                if visit.desk is not None:
                    self.desks.add(visit.desk)


class LiveView:
    def __init__(self, state: HallState, now: Callable[[], datetime], quotes: Quotes, seq: Callable[[], int]) -> None:
        self.state, self.now, self.quotes, self.seq = state, now, quotes, seq
        self._patch: tuple[int, dict[str, Any]] | None = None  # the last record's patch, shared by both audiences
        self._calls = ""  # the standing calls last sent, as JSON: a patch carries them only when they change

    # -- frames (JSON objects without the subscription id, which the connection puts first) ------------
    def full_frame(self, staff: bool) -> str:
        view = self.full(staff)
        return _frame("view", view["seq"], "view", view)

    def full(self, staff: bool) -> dict[str, Any]:
        now = self.now()
        view = snapshot(self.state, self.seq(), now, self.quotes.for_services(self.state, now), staff)
        self._calls = json.dumps(view["calls"], ensure_ascii=False)
        return view

    def encoder(self, staff: bool) -> Callable[[EventRecord], str]:
        return self._encode_staff if staff else self._encode_public

    def _encode_staff(self, record: EventRecord) -> str:
        return self._encode(record, staff=True)

    def _encode_public(self, record: EventRecord) -> str:
        return self._encode(record, staff=False)

    def _encode(self, record: EventRecord, staff: bool) -> str:
        """Called by the hub for each published record, after the state has applied it."""
        if record.payload["type"] in RESET_EVENTS:
            return self.full_frame(staff)
        if self._patch is None or self._patch[0] != record.seq:
            touched = Touched()
            touched.add(record.payload, self.state)
            self._patch = (record.seq, self._render(touched, record.payload["type"], always_calls=False))
        return _frame("patch", record.seq, "patch", _audience(self._patch[1], staff))

    def catch_up_frame(self, records: Iterable[EventRecord], staff: bool) -> str:
        """After a reconnect: one patch of everything the missed events changed, as it is now."""
        touched = Touched()
        for record in records:
            touched.add(record.payload, self.state)
        if touched.reset:
            return self.full_frame(staff)
        patch = self._render(touched, "resume", always_calls=True)
        return _frame("patch", self.seq(), "patch", _audience(patch, staff))

    def tick_frame(self) -> str:
        """What time alone changed: every queue's figures and the visits in the postpone pool."""
        now = self.now()
        postponed = [v for v in self.state.live_visits() if v.state is VisitState.POSTPONED]
        patch = {"at": now.isoformat(), "cause": "tick",
                 "queues": queue_summary(self.state, now, self.quotes.for_services(self.state, now)),
                 "visits": [visit_view(v, now) for v in postponed]}
        return _frame("patch", self.seq(), "patch", patch)

    # -- rendering --------------------------------------------------------------------------------------
    def _render(self, touched: Touched, cause: str, always_calls: bool) -> dict[str, Any]:
        state, now = self.state, self.now()
        patch: dict[str, Any] = {"at": now.isoformat(), "cause": cause}
        if touched.hall:
            patch.update(hall_fields(state))
        if touched.desks:
            patch["desks"] = [desk_view(state.desks[n], state) for n in sorted(touched.desks)]
        live = [state.live[v] for v in sorted(touched.visits) if v in state.live]
        gone = sorted(v for v in touched.visits if v not in state.live)
        if live:
            patch["visits"] = [visit_view(v, now) for v in live]
        if gone:
            patch["gone"] = gone
        services = sorted(s for s in touched.services if s in state.hall.services)
        if services:
            patch["queues"] = queue_summary(state, now, self.quotes.for_services(state, now), services)
        if touched.visits or touched.desks or always_calls:
            calls = calls_view(state)
            text = json.dumps(calls, ensure_ascii=False)
            if always_calls or text != self._calls:
                patch["calls"] = calls
                self._calls = text
        if touched.messages:
            patch["messages"] = touched.messages
        return patch


def _audience(patch: dict[str, Any], staff: bool) -> dict[str, Any]:
    """Kiosks and boards never see what a supervisor wrote to a desk."""
    if staff or "messages" not in patch:
        return patch
    return {k: v for k, v in patch.items() if k != "messages"}


def _frame(kind: str, seq: int, key: str, body: dict[str, Any]) -> str:
    return json.dumps({"type": kind, "seq": seq, key: body}, ensure_ascii=False)


def with_id(sub_id: int, frame: str) -> str:
    """Put the subscription id first in a frame built once for every subscriber."""
    return f'{{"id":{sub_id},{frame[1:]}'
