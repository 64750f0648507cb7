"""A city's catalogue laid over a branch's own hall (docs/city.md, "Configuration from the city"). Pure.

The city decides what is the same in every centre of the network: the services and their categories, the life
situations, and the policies (waiting targets, recalls, booking rules and retention, priority categories and
their daily caps). Each branch keeps what only it can know: its desks and who works at them, its hours, its
board and its dispatch tuning, its own name and addresses. `with_catalogue` gives the branch's hall with the
city's part replaced; the result is then judged by the same `validate` as an administrator's change (a desk
left serving a service the city removed is refused, and the branch keeps the version it runs).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from .hall import BookingPolicy, Bundle, Category, Hall, Policy, PriorityCategory, Service

CITY_KIND = "city"  # the audit-only item that records which city version a branch runs
CITY_ACTOR = "city"  # who the audit names for a change that came from the city
CITY_ACTION = "applied"
# The sections of a catalogue; `categories` (with their services) is always there, the rest only when the city
# governs them (an absent section stays the branch's own).
SECTIONS = ("categories", "bundles", "policy", "booking", "priority_categories")


@dataclass(frozen=True)
class CityCatalogue:
    version: int
    categories: tuple[Category, ...]
    services: Mapping[str, Service]
    bundles: Mapping[str, Bundle] | None = None
    policy: Policy | None = None
    booking: BookingPolicy | None = None
    priority_categories: Mapping[str, PriorityCategory] | None = None
    # A service new to a branch is served at the desks that serve this other service, at the same weight: the
    # city cannot know the branch's desks, but knows which existing service a new one is like.
    served_like: Mapping[str, str] = dataclasses.field(default_factory=dict)


def with_catalogue(hall: Hall, catalogue: CityCatalogue) -> Hall:
    """The branch's hall with the city's part replaced; desks, operators, hours and board stay the branch's."""
    desks = dict(hall.desks)
    for sid, like in catalogue.served_like.items():
        if sid in hall.services:
            continue  # already here: which desks serve it is the branch's own plan
        for number, desk in desks.items():
            weight = desk.weight_of(like)
            if weight is not None and desk.weight_of(sid) is None:
                desks[number] = dataclasses.replace(desk, weights=(*desk.weights, (sid, weight)))
    return dataclasses.replace(
        hall,
        categories=catalogue.categories,
        services=dict(catalogue.services),
        desks=desks,
        bundles=dict(catalogue.bundles) if catalogue.bundles is not None else hall.bundles,
        policy=catalogue.policy or hall.policy,
        booking=catalogue.booking or hall.booking,
        priority_categories=(dict(catalogue.priority_categories) if catalogue.priority_categories is not None
                             else hall.priority_categories),
    )
