"""`/metrics` in the Prometheus text exposition format (version 0.0.4), from counters kept in memory.

Every figure is moved by the published events as they happen (`observe`), or read from what is already in
memory (today's visits, the open connections), so a scrape costs the same on the first day and after a year:
nothing here reads the event log. Counters count since the server started, including the day it replayed at
start-up; Prometheus handles the reset a restart makes (`rate()`, `increase()`).

Who may read it: a device token of role `metrics` (`cherha token --role metrics --name prometheus`), or an
admin's or supervisor's session. The figures say how busy the hall is and which kiosks fail, nothing about a
person, but they are not for the public network (docs/monitoring.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from .domain import events as ev
from .domain.sla import sla_share
from .domain.state import HallState
from .domain.visit import PeriodKind

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
WAIT_BUCKETS = (60.0, 300.0, 600.0, 900.0, 1200.0, 1800.0, 2700.0, 3600.0, 5400.0, 7200.0)
WRITE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass
class Histogram:
    buckets: tuple[float, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    count: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * len(self.buckets)

    def observe(self, value: float) -> None:
        self.count += 1
        self.total += value
        for index, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[index] += 1


@dataclass
class HallMetrics:
    tickets: Counter[tuple[str, str]] = field(default_factory=Counter)  # (service, source)
    calls: Counter[str] = field(default_factory=Counter)  # by service, first calls and recalls alike
    finished: Counter[tuple[str, str]] = field(default_factory=Counter)  # (service, served | no_show | cancelled)
    waits: dict[str, Histogram] = field(default_factory=dict)
    store_writes: Histogram = field(default_factory=lambda: Histogram(WRITE_BUCKETS))
    events: int = 0
    # Seconds the city's copy is behind, once shipping to a city server exists; None while not shipping, and
    # then the family is declared with no sample (never NaN).
    shipping_lag_seconds: float | None = None
    # The city's configuration version a branch runs (0: none yet); None for a hall that runs alone.
    city_config_version: int | None = None

    def observe(self, event: ev.Event, state: HallState) -> None:
        """One published event, with the state it was applied to (constant work per event)."""
        self.events += 1
        if isinstance(event, ev.TicketIssued):
            self.tickets[(event.service_ids[0], event.source)] += 1
        elif isinstance(event, ev.VisitCalled | ev.VisitRecalled):
            visit = state.visits.get(event.visit_id)
            if visit is None:
                return
            self.calls[visit.service_id] += 1
            waited = visit.periods[-2] if len(visit.periods) >= 2 else None
            if (isinstance(event, ev.VisitCalled) and waited is not None and waited.kind is PeriodKind.WAITING
                    and waited.end == event.at):
                histogram = self.waits.setdefault(waited.service_id, Histogram(WAIT_BUCKETS))
                histogram.observe((waited.end - waited.start).total_seconds())
        elif isinstance(event, ev.ServiceFinished | ev.VisitNoShow | ev.VisitCancelled):
            visit = state.visits.get(event.visit_id)
            outcome = {ev.ServiceFinished: "served", ev.VisitNoShow: "no_show"}.get(type(event), "cancelled")
            if visit is not None:
                self.finished[(visit.service_id, outcome)] += 1

    def render(self, state: HallState, now: datetime, clients: Mapping[str, int], last_seq: int,
               problems: Iterable[tuple[str, str]]) -> str:
        """The exposition text. `clients`: open WebSocket connections by role; `problems`: (kind, subject)
        of what the dashboard warns about now (kiosk printers, disk, clock)."""
        out = Exposition()
        out.family("cherha_tickets_issued_total", "counter",
                   "Tickets issued, by service and source (the kiosk, or the staff member)")
        for (service, source), count in sorted(self.tickets.items()):
            out.sample("cherha_tickets_issued_total", count, service=service, source=source)
        out.family("cherha_calls_total", "counter", "Calls of a visitor to a desk (recalls included), by service")
        for service, count in sorted(self.calls.items()):
            out.sample("cherha_calls_total", count, service=service)
        out.family("cherha_visits_finished_total", "counter", "Visits finished, by service and outcome")
        for (service, outcome), count in sorted(self.finished.items()):
            out.sample("cherha_visits_finished_total", count, service=service, outcome=outcome)
        out.family("cherha_wait_seconds", "histogram", "Wait in the queue until called, by service")
        for service, histogram in sorted(self.waits.items()):
            out.histogram("cherha_wait_seconds", histogram, service=service)
        out.family("cherha_events_total", "counter", "Events published")
        out.sample("cherha_events_total", self.events)
        out.family("cherha_last_seq", "gauge", "Sequence number of the last durable event")
        out.sample("cherha_last_seq", last_seq)
        out.family("cherha_store_write_seconds", "histogram", "Time to make a batch of events durable")
        out.histogram("cherha_store_write_seconds", self.store_writes)

        waiting: Counter[str] = Counter(v.service_id for v in state.visits.values() if v.is_waiting(now))
        out.family("cherha_waiting_visitors", "gauge", "Visitors waiting in a queue now, by service")
        for service in sorted(state.hall.services):
            out.sample("cherha_waiting_visitors", waiting[service], service=service)
        share = sla_share(state.hall.policy, state.visits.values(), now)  # today's visits only: bounded
        out.family("cherha_sla_visits_today", "gauge", "Visits today counted for the waiting target")
        out.sample("cherha_sla_visits_today", share.visits)
        out.family("cherha_sla_above_target_today", "gauge", "Visits today that waited longer than the target")
        out.sample("cherha_sla_above_target_today", share.above)
        out.family("cherha_sla_within_share_today", "gauge", "Share of today's visits within the waiting target")
        out.sample("cherha_sla_within_share_today", share.within_share)
        out.family("cherha_hall_paused", "gauge", "1 while the hall is paused (air-raid alert)")
        out.sample("cherha_hall_paused", int(state.paused))

        out.family("cherha_connected_clients", "gauge", "Open WebSocket connections, by role")
        for role in sorted(set(clients) | {"kiosk", "display", "operator", "supervisor", "admin", "visitor"}):
            out.sample("cherha_connected_clients", clients.get(role, 0), role=role)
        out.family("cherha_problem", "gauge", "1 for each problem the supervisor's dashboard shows now")
        for kind, subject in sorted(set(problems)):
            out.sample("cherha_problem", 1, kind=kind, subject=subject)
        out.family("cherha_shipping_lag_seconds", "gauge",
                   "How far the city server's copy is behind (no sample while not shipping)")
        if self.shipping_lag_seconds is not None and math.isfinite(self.shipping_lag_seconds):
            out.sample("cherha_shipping_lag_seconds", self.shipping_lag_seconds)
        out.family("cherha_city_config_version", "gauge",
                   "The city's configuration version this branch runs (0: none yet; no sample for a lone hall)")
        if self.city_config_version is not None:
            out.sample("cherha_city_config_version", self.city_config_version)
        return out.text()


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help_text: str) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, value: float, **labels: str) -> None:
        self.lines.append(f"{name}{_labels(labels)} {_number(value)}")

    def histogram(self, name: str, histogram: Histogram, **labels: str) -> None:
        for bound, count in zip(histogram.buckets, histogram.counts, strict=True):
            self.sample(f"{name}_bucket", count, **labels, le=_number(bound))
        self.sample(f"{name}_bucket", histogram.count, **labels, le="+Inf")
        self.sample(f"{name}_sum", histogram.total, **labels)
        self.sample(f"{name}_count", histogram.count, **labels)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    escaped = (f'{key}="{_escape(value)}"' for key, value in labels.items())
    return "{" + ",".join(escaped) + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))
