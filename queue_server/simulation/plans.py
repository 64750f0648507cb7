"""Desk plans for the dispatch comparison: the demo hall, and two small halls built to stress the rule.

- `demo`: the Lutsk-sized demo hall as configured (specialists, backups at lower weights, remainder tiers).
- `even`: 12 desks and 6 services of equal demand, in a ring: each desk has two specialities (weight 10) and
  backs up the next two services (weight 5), so every service has four specialist and four backup desks.
- `lopsided`: 12 desks; one big service ("A") has three specialist desks and is a weight-3 backup at every
  other desk, each of which specialises in one of five small services: the big queue leans on backups.

Each plan's demand is the one its desks are built for (`profiles.service_mix`), drawn once per seed and
played under every policy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import time

from ..domain.hall import Category, Desk, Hall, Service, Text, TimeRange
from .profiles import LUTSK, DayProfile

OPEN = TimeRange(time(8, 0), time(17, 0))


def _hall(name: str, services: list[str], desks: Mapping[int, tuple[tuple[str, int], ...]], base: Hall) -> Hall:
    catalogue = {sid: Service(sid, "all", Text(sid, sid), sid.upper()[:2], avg_service_minutes=10.0)
                 for sid in services}
    return Hall(
        id=name, name=Text(name, name), timezone=base.timezone, feedback_url=base.feedback_url,
        hours={day: (OPEN if day not in ("sat", "sun") else None) for day in ("mon", "tue", "wed", "thu", "fri",
                                                                                "sat", "sun")},
        breaks=(), holidays=frozenset(), policy=base.policy,
        categories=(Category("all", Text("Усі", "All"), tuple(services)),), services=catalogue,
        desks={n: Desk(n, "main", weights) for n, weights in desks.items()},
        operators={}, priority_categories=base.priority_categories, dispatch=base.dispatch,
    )


def even_hall(base: Hall) -> Hall:
    services = [f"s{i}" for i in range(6)]
    desks = {n: ((services[(n - 1) % 6], 10), (services[n % 6], 10), (services[(n + 1) % 6], 5),
                 (services[(n + 2) % 6], 5)) for n in range(1, 13)}
    return _hall("even", services, desks, base)


def lopsided_hall(base: Hall) -> Hall:
    small = [f"b{i}" for i in range(5)]
    desks: dict[int, tuple[tuple[str, int], ...]] = {n: (("a", 10),) for n in (1, 2, 3)}
    for n in range(4, 13):
        desks[n] = ((small[(n - 4) % 5], 10), ("a", 3))
    return _hall("lopsided", ["a", *small], desks, base)


def plans(demo: Hall) -> dict[str, tuple[Hall, DayProfile]]:
    """Each plan with its day: the Lutsk profile, scaled to the plan's desks (900 visitors for 18 desks)."""
    small = dataclasses.replace(LUTSK, name="small", visitors=600)
    return {"demo": (demo, LUTSK), "even": (even_hall(demo), small), "lopsided": (lopsided_hall(demo), small)}
