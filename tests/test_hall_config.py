"""The pure core of live configuration (domain/hall_config.py): items, validation, the difference of two halls."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from queue_server.domain.booking import Booking
from queue_server.domain.errors import CherhaError
from queue_server.domain.hall_config import (
    CENTRE,
    ConfigItem,
    apply_item,
    centre_value,
    diff,
    outside_hours,
    validate,
    value_of,
)

from .support import KYIV, demo_hall


def _refusal(before, item: ConfigItem) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(CherhaError) as refused:
        validate(before, apply_item(before, item))
    return refused.value.code


def test_each_item_applies_and_reads_back_as_it_was_given() -> None:
    hall = demo_hall()
    for kind, target in (("operator", "op01"), ("desk", "7"), ("service", "birth"), ("category", "civil"),
                         ("bundle", "birth-of-child"), ("centre", CENTRE)):
        value = value_of(hall, kind, target)
        assert value is not None
        assert apply_item(hall, ConfigItem(kind, "changed", target, value)) == hall, kind


def test_validation_refuses_what_a_centre_cannot_run() -> None:
    hall = demo_hall()
    birth = value_of(hall, "service", "birth")
    desk = value_of(hall, "desk", "1")
    admin = value_of(hall, "operator", "admin")
    assert birth and desk and admin
    assert _refusal(hall, ConfigItem("service", "changed", "birth", {**birth, "prefix": "П"})) == "prefix_taken"
    assert _refusal(hall, ConfigItem("desk", "changed", "1", {**desk, "services": []})) == "desk_serves_nothing"
    assert _refusal(hall, ConfigItem("operator", "changed", "admin", {**admin, "disabled": True})) == "last_admin"
    centre = centre_value(hall)
    assert _refusal(hall, ConfigItem("centre", "changed", CENTRE, {**centre, "breaks": ["06:00-06:30"]})) == "bad_hours"
    # A hall file that already shares a prefix between categories is not refused at every later change.
    shared = apply_item(hall, ConfigItem("service", "changed", "birth", {**birth, "prefix": "П"}))
    validate(shared, apply_item(shared, ConfigItem("desk", "changed", "1", desk)))


def test_the_difference_of_two_halls_turns_one_into_the_other() -> None:
    old = demo_hall()
    reordered = dataclasses.replace(old, categories=tuple(reversed(old.categories)))
    birth = value_of(old, "service", "birth")
    assert birth
    new = apply_item(reordered, ConfigItem("service", "changed", "birth", {**birth, "order": 3, "avg_minutes": 30.0}))
    new = apply_item(new, ConfigItem("desk", "removed", "18"))
    work = old
    for item in diff(old, new):
        work = apply_item(work, item)
    assert work == new
    assert diff(new, new) == []


def test_a_booking_outside_new_hours() -> None:
    hall = demo_hall()
    booking = Booking("b1", "ABCDEFGH", "id-card", datetime(2026, 11, 25, 12, 15, tzinfo=KYIV), "web", "uk", False)
    assert outside_hours(hall, booking), "in the lunch break"
    morning = dataclasses.replace(booking, start=datetime(2026, 11, 25, 9, 0, tzinfo=KYIV))
    assert not outside_hours(hall, morning)
    assert outside_hours(dataclasses.replace(hall, holidays=frozenset({date(2026, 11, 25)})), morning)


def test_a_prefix_taken_names_the_category_that_has_it_by_its_name() -> None:
    """Whichever comes first on the kiosk, the refusal names the category that had the prefix before the change
    (not the one being edited), in words («Паспорти…», never its id)."""
    hall = demo_hall()
    owner = next(c for c in hall.categories if any(hall.services[s].prefix == "П" for s in c.service_ids))
    for category in hall.categories:
        if category.id == owner.id:
            continue
        sid = category.service_ids[0]
        value = value_of(hall, "service", sid)
        assert value is not None
        with pytest.raises(CherhaError) as refused:
            validate(hall, apply_item(hall, ConfigItem("service", "changed", sid, {**value, "prefix": "П"})))
        assert refused.value.code == "prefix_taken"
        assert refused.value.params["category"] == {"uk": owner.name.uk, "en": owner.name.en}, category.id
