"""The application service: one command at a time through decide -> apply -> durable append -> publish.

Deciding and applying run without an `await` between them, so on the single asyncio loop two desks can
never claim the same visitor. The events are then appended (group commit) and only once durable are
they published and answered. Commands carry a client-generated id: a retry of a command already
applied, also after a restart, returns the first answer instead of acting twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from .audit import audit_entries
from .clock import Clock
from .domain import commands as cmd
from .domain import events as ev
from .domain.decide import Context, business_now, day_events, decide
from .domain.errors import CherhaError, Refused
from .domain.hall import Hall
from .domain.service_times import ServiceTimes
from .domain.state import HallState
from .hub import Hub
from .live_view import LiveView
from .metrics import HallMetrics
from .passwords import new_booking_code, new_token
from .quotes import Quotes
from .store import EventRecord, EventStore, StoredCommand
from .views import booking_view, public_hall, visit_view, visitor_status

log = logging.getLogger(__name__)
LEARNED_KEY = "service_times"  # the settings row holding what the forecast has learned from earlier days
# A command's stored answer (for a retry of the same command id) is kept for its own business day and the whole
# next one: a retry comes from a client's outbox as soon as it reconnects (seconds, or minutes after a restart),
# never days later. Older answers are dropped from memory and the store as a day ends, and at start.
FIGURES_BATCH = 10  # days of report figures computed per batch by the worker, then written in one small transaction
FIGURES_LINE_LIMIT = 64 * 1024 * 1024  # the longest batch line read from the worker (a busy day's figures: ~100 KiB)


def _fatal_store_failure(exc: BaseException) -> None:
    # The in-memory state holds events the disk does not: the only safe course is to stop and let the
    # supervisor (systemd, `make run`) restart, which rebuilds the state from the durable log (or, when the
    # log is gone or short, refuses to start: docs/architecture.md "When the event store is lost").
    log.critical("event store failed: %s; stopping (exit code 70) so the state is rebuilt from disk", exc,
                 exc_info=exc)
    import os

    os._exit(70)


class HallService:
    def __init__(
        self,
        hall: Hall,
        store: EventStore,
        clock: Clock,
        token_factory: Callable[[], str] = new_token,
        on_store_failure: Callable[[BaseException], None] = _fatal_store_failure,
    ) -> None:
        self.store, self.clock = store, clock
        self.token_factory = token_factory
        self.code_factory = new_booking_code
        self.secret = ""  # the key of person keys: from its own file (passwords.load_or_create_key), set at start
        self.on_store_failure = on_store_failure
        # `state` decides and runs a few milliseconds ahead of the disk; `published` holds only durable
        # events, so a snapshot sent to a subscriber always matches its sequence number exactly.
        self.state = HallState(hall)
        self.published = HallState(hall)
        self.seq = 0
        self.hub = Hub(0, [])
        self._results: dict[str, StoredCommand] = {}
        # Kiosk heartbeats (monotonic time, printer problem): live only, for the dashboard's alerts.
        self.devices: dict[str, tuple[float, str | None]] = {}
        self._inflight: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.quotes = Quotes()
        # What every screen is kept current with: views of the published state, patched per event.
        self.live_view = LiveView(self.published, self.now, self.quotes, lambda: self.hub.last_seq)
        self._learned_at_day_end: str | None = None
        self.metrics = HallMetrics()  # /metrics: moved by each published event, never by reading the log
        self._ended_day: str | None = None  # a day that has just ended: its answers age, its figures are due
        self._figures_task: asyncio.Task[None] | None = None
        self._figures_again = False

    @property
    def hall(self) -> Hall:
        """The centre as configured now: the hall file with every administrator's change applied."""
        return self.state.hall

    async def start(self) -> None:
        """Rebuild the live state from the log, then open today's business day if needed."""
        records = await self.store.call(EventStore.latest_day_events)
        self.seq = await self.store.call(EventStore.last_seq)
        # The administrators' changes of earlier days, over the hall file (those of the latest day replay with
        # it): the live configuration survives a restart. Their own index keeps this to the config events.
        configured = await self.store.call(
            lambda db: EventStore.config_events(db, records[0].seq if records else None))
        for record in configured:
            event = ev.from_dict(record.payload)
            self.state.apply(event)
            self.published.apply(event)
        if records:
            # Bookings made on earlier days (two months back covers every monthly limit and slot).
            since = (date.fromisoformat(records[0].day) - timedelta(days=62)).isoformat()
            older = await self.store.call(lambda db: EventStore.booking_events_before(db, records[0].day, since))
            for record in older:
                event = ev.from_dict(record.payload)
                self.state.apply(event)
                self.published.apply(event)
        # What earlier days taught the forecast, saved as each day ended with the seq it runs to: the replay of
        # the latest day adds its own samples, unless that day has ended and is in the saved figures already.
        saved = json.loads(await self.store.call(lambda db: EventStore.setting(db, LEARNED_KEY, lambda: "{}")))
        ahead_of_replay = not records or saved.get("seq", 0) < records[0].seq
        if ahead_of_replay:
            self._restore_learned(saved)
        for record in records:
            event = ev.from_dict(record.payload)
            self.state.apply(event)
            self.published.apply(event)
            self.metrics.observe(event, self.published)
        if not ahead_of_replay:
            self._restore_learned(saved)
        day = self.state.day or (records[-1].day if records else None)
        if day is not None:
            keep_from = await self.store.call(lambda db: EventStore.day_before(db, day)) or day
            await self.store.call(lambda db: EventStore.prune_commands(db, keep_from))
            stored = await self.store.call(lambda db: EventStore.commands_since(db, keep_from))
            self._results = {c.command_id: c for c in stored}
        self.hub = Hub(self.seq, records, self._on_published)
        log.info("state rebuilt", extra={"events": len(records), "seq": self.seq, "day": self.state.day})
        opening = day_events(self.state, self.clock.now())
        if opening:
            await self._commit(self._apply(opening), None)
        self.fill_day_figures()  # an older store, or a crash before a day's figures were written: in the background

    async def close(self) -> None:
        if self._figures_task is not None:
            self._figures_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._figures_task

    # -- what ended days leave behind: report figures, and answers no retry will ask for -------------
    def fill_day_figures(self) -> None:
        """Compute and store the report figures of every ended day that has none, in a worker process
        (figures_worker.py); started again if a day ends while it runs."""
        if self._figures_task is not None and not self._figures_task.done():
            self._figures_again = True
            return
        self._figures_task = asyncio.create_task(self._fill_day_figures())

    async def _fill_day_figures(self) -> None:
        while True:
            self._figures_again = False
            # Taken here, on the loop (ended days' figures do not depend on `now`: day_figures.py).
            await self._figures_from_worker(self.now())
            if not self._figures_again:
                return

    async def _figures_from_worker(self, now: datetime) -> None:
        """One run of the worker: each batch it sends is stored (writer thread) before it computes the next."""
        from .figures_worker import STORED, job_line

        if not await self.store.read(EventStore.ended_days_without_figures):
            return  # every ended day has its figures (an ordinary restart): no process for nothing
        worker = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "queue_server.figures_worker", stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, limit=FIGURES_LINE_LIMIT)
        assert worker.stdin is not None and worker.stdout is not None
        stored = 0
        try:
            worker.stdin.write(job_line(self.hall, now, str(self.store.path), FIGURES_BATCH))
            await worker.stdin.drain()
            while rows := json.loads(await worker.stdout.readline() or "[]"):
                await self.store.call(partial(EventStore.put_figures, rows=[(day, text) for day, text in rows]))
                stored += len(rows)
                worker.stdin.write(f"{STORED}\n".encode())
                await worker.stdin.drain()
            worker.stdin.close()
            code = await worker.wait()
        finally:
            if worker.returncode is None:  # the server is stopping, or a batch could not be read
                worker.kill()
                await worker.wait()
        if code:
            # Nothing is lost: a report computes a day without figures from its events, and the next start or
            # day's end tries again.
            log.warning("the day figures worker ended with code %s after %s days", code, stored)
        elif stored:
            log.info("day figures stored", extra={"days": stored})

    def _forget_answers(self, ended_day: str) -> None:
        """Answers of days before `ended_day` (the day that has just ended) go, from memory here."""
        self._results = {k: c for k, c in self._results.items() if c.day >= ended_day}

    def _restore_learned(self, saved: dict[str, Any]) -> None:
        self.state.service_times = ServiceTimes.from_dict(saved.get("times", {}))
        self.published.service_times = ServiceTimes.from_dict(saved.get("times", {}))

    # -- commands -----------------------------------------------------------------------------
    async def execute(self, command: cmd.Command, command_id: str | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        if command_id is not None:
            known = self._results.get(command_id)
            if known is not None:
                if known.actor != command.actor:
                    raise Refused("command_id_reused")
                return known.response
            running = self._inflight.get(command_id)
            if running is not None:
                return await asyncio.shield(running)
        clock_now = self.clock.now()
        opening = self._apply(day_events(self.state, clock_now))
        now = business_now(self.state, clock_now)
        try:
            events = decide(self.state, command, Context(now, self.token_factory, self.code_factory))
        except CherhaError:
            if opening:
                await self._commit(opening, None)
            raise
        records = opening + self._apply(events)
        response = self._respond(command, events, records)
        stored = None
        if command_id is not None:
            stored = StoredCommand(command_id, command.actor, self.state.day or now.date().isoformat(), response)
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._inflight[command_id] = future
        try:
            await self._commit(records, stored)
        finally:
            if command_id is not None:
                running = self._inflight.pop(command_id)
                if stored is not None:
                    self._results[command_id] = stored
                if not running.done():
                    running.set_result(response)
        log.info(
            "command",
            extra={"command": type(command).__name__, "actor": command.actor, "command_id": command_id,
                   "seq": self.seq, "ms": round((time.perf_counter() - started) * 1000, 2)},
        )
        return response

    def _on_published(self, record: EventRecord) -> None:
        event = ev.from_dict(record.payload)
        self.published.apply(event)
        self.metrics.observe(event, self.published)

    def _apply(self, events: list[ev.Event]) -> list[EventRecord]:
        records = []
        for event in events:
            if isinstance(event, ev.ClockJumpDetected):
                log.warning("clock set back: it reads %s, the last event was at %s; events keep the later time "
                            "until the clock catches up (fix the clock: NTP)", event.clock.isoformat(),
                            event.at.isoformat(), extra={"clock": event.clock.isoformat(), "at": event.at.isoformat()})
            self.state.apply(event)
            if isinstance(event, ev.DayEnded):  # the knowledge through the ended day, saved once it is durable
                self._ended_day = event.day
                self._learned_at_day_end = json.dumps({"seq": self.seq + 1,
                                                       "times": self.state.service_times.to_dict()})
            self.seq += 1
            records.append(EventRecord(self.seq, log_day(self.state, event), ev.to_dict(event)))
        return records

    async def _commit(self, records: list[EventRecord], stored: StoredCommand | None) -> None:
        writing = time.perf_counter()
        try:
            await self.store.append(records, stored)
        except Exception as exc:
            self.on_store_failure(exc)
            raise
        self.metrics.store_writes.observe(time.perf_counter() - writing)
        self.hub.publish(records)
        if self._learned_at_day_end is not None:
            learned, self._learned_at_day_end = self._learned_at_day_end, None
            # Its own small write after the day's log is durable: a crash in between loses one day's learning
            # (a forecast input), never an event.
            await self.store.call(lambda db: EventStore.put_setting(db, LEARNED_KEY, learned))
        if self._ended_day is not None:
            ended, self._ended_day = self._ended_day, None
            self._forget_answers(ended)
            await self.store.call(lambda db: EventStore.prune_commands(db, ended))
            self.fill_day_figures()

    def now(self) -> datetime:
        """Business time: the clock, held at the last event's time while the clock is behind it."""
        return business_now(self.state, self.clock.now())

    def _respond(self, command: cmd.Command, events: list[ev.Event], records: list[EventRecord]) -> dict[str, Any]:
        response = respond(self.hall, self.state, self.now(), command, events,
                           records[-1].seq if records else self.seq)
        if isinstance(command, cmd.Configure):
            response["changes"] = audit_entries(records)
        return response

    # -- queries --------------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return self.live_view.full(staff=True)

    def tick(self) -> None:
        """Send every live view what time alone changed (live_view.py)."""
        if self.hub.subscriber_count:
            frame = self.live_view.tick_frame()
            for staff in (True, False):
                self.hub.broadcast(self.live_view.encoder(staff), frame)

    def public_hall(self) -> dict[str, Any]:
        now = self.now()
        return public_hall(self.hall, self.published, now, self.quotes.for_services(self.published, now))

    def visitor_status(self, ref: str) -> dict[str, Any]:
        now = self.now()
        seq = self.hub.last_seq
        return visitor_status(self.published, ref, now, lambda v: self.quotes.for_visit(self.published, v, seq, now))

    async def events_between(self, since: int, upto: int) -> list[EventRecord] | None:
        """Published events in (since, upto]; None when the client must start from a snapshot instead
        (it comes from before the log's memory reach, or from a future this server never had)."""
        if since > upto or since < 0:
            return None
        recent = self.hub.recent_since(since)
        if recent is not None:
            return [r for r in recent if r.seq <= upto]
        if upto - since > 50_000:
            return None
        return await self.store.read(lambda db: EventStore.events_between(db, since, upto))


def log_day(state: HallState, event: ev.Event) -> str:
    """The business day an event (already applied to `state`) is logged under: a day's end belongs to that day."""
    return event.day if isinstance(event, ev.DayEnded) else (state.day or event.at.date().isoformat())


def respond(hall: Hall, state: HallState, now: datetime, command: cmd.Command, events: list[ev.Event],
            seq: int) -> dict[str, Any]:
    """A command's answer (the one stored for its retries): what it did, the visit it touched, the ticket."""
    response: dict[str, Any] = {"seq": seq, "events": [e.type_name for e in events]}
    visit_ids = [getattr(e, "visit_id", None) for e in events]
    visit_id = next((v for v in visit_ids if v), None)
    if visit_id is not None and visit_id in state.visits:  # feedback may rate a visit of an earlier day
        response["visit"] = visit_view(state.visits[visit_id], now)
    if isinstance(command, cmd.BookSlot):
        made = events[0]
        assert isinstance(made, ev.BookingMade)
        response["booking"] = booking_view(state.bookings.by_id[made.booking_id], hall)
    if isinstance(command, (cmd.IssueTicket, cmd.CheckIn)):
        issued = events[0]
        assert isinstance(issued, ev.TicketIssued)
        visit = state.visits[issued.visit_id]
        response.update(
            ticket=issued.ticket,
            visit_id=issued.visit_id,
            service_id=visit.service_id,
            service_ids=list(issued.service_ids),
            issued_at=issued.at.isoformat(),
            ahead=issued.predicted_ahead,
            estimated_wait_minutes=issued.predicted_wait_minutes,
            priority=issued.priority,
            priority_category=issued.priority_category,
            feedback_token=issued.feedback_token,
            feedback_url=hall.link(hall.feedback_url.format(token=issued.feedback_token)),
            booked_for=issued.booked_for.isoformat() if issued.booked_for else None,
            late=isinstance(command, cmd.CheckIn) and issued.booked_for is None,
        )
    return response
