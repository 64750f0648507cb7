"""The city's catalogue document, read the same way at both ends: the city checks a publication with it, and
each branch reads what it pulls with it again before laying it over its own hall.

The document is the hall file's own tables for what is city-wide (docs/configuration.md), as JSON (or TOML for
`cherha city-publish`): `categories` with their `services` (required), and optionally `bundles`, `policy`,
`booking` and `priority_categories`. A service may say `served_like = "<service id>"`: at a branch where it is
new, the desks that serve that service serve it too. Anything of a branch's own (desks, operators, hours, the
centre's name, board, dispatch, city) is refused: it is not the city's to set.

Checking is the hall's own: the hall loader (`hall_from_data`, every key and range of a hall file), then the
pure domain's `validate` (prefix clashes, life situations naming two services or more, ...).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from ..catalogue import message
from ..config import ConfigError, hall_from_data
from ..domain.city_catalogue import SECTIONS, CityCatalogue
from ..domain.errors import CherhaError
from ..domain.hall_config import validate
from .protocol import (
    MAX_CATALOGUE_BUNDLES,
    MAX_CATALOGUE_CATEGORIES,
    MAX_CATALOGUE_PRIORITIES,
    MAX_CATALOGUE_SERVICES,
)

# The smallest hall the loader accepts around a catalogue: one desk serving every service, one day's hours.
_SKELETON_CENTRE = {"id": "city-catalogue", "name_uk": "Каталог міста", "name_en": "City catalogue"}


class CatalogueError(Exception):
    """Why a catalogue cannot be run: `details` in words ({uk, en}), for the refusal and the branch's report."""

    def __init__(self, details: dict[str, str]) -> None:
        super().__init__(details["en"])
        self.details = details


def _both(uk: str, en: str) -> dict[str, str]:
    return {"uk": uk, "en": en}


def read_catalogue(data: Any, version: int) -> CityCatalogue:
    """The catalogue in `data` (the parsed document), or CatalogueError saying what is wrong with it."""
    if not isinstance(data, dict):
        raise CatalogueError(_both("каталог — це об’єкт JSON (таблиці файлу залу)",
                                   "a catalogue is a JSON object (the hall file's tables)"))
    local = sorted(set(data) - set(SECTIONS))
    if local:
        raise CatalogueError(_both(
            f"«{local[0]}» налаштовує кожна філія сама; каталог міста містить лише {', '.join(SECTIONS)}",
            f"\"{local[0]}\" is each branch's own; a city catalogue holds only {', '.join(SECTIONS)}"))
    data = copy.deepcopy(data)  # served_like is taken out below: the caller's document stays as it was
    categories = data.get("categories")
    if not isinstance(categories, list) or not categories:
        raise CatalogueError(_both("потрібен список categories (щонайменше одна категорія з послугами)",
                                   "categories is required (at least one category with its services)"))
    _count("categories", len(categories), MAX_CATALOGUE_CATEGORIES)
    served_like: dict[str, str] = {}
    services = 0
    for category in categories:
        for service in (category.get("services") or []) if isinstance(category, dict) else []:
            services += 1
            if isinstance(service, dict) and "served_like" in service:
                like = service.pop("served_like")
                if not isinstance(like, str):
                    raise CatalogueError(_both("served_like — це ідентифікатор послуги",
                                               "served_like is a service id"))
                served_like[str(service.get("id"))] = like
    _count("services", services, MAX_CATALOGUE_SERVICES)
    _count("bundles", len(data.get("bundles") or []), MAX_CATALOGUE_BUNDLES)
    _count("priority_categories", len(data.get("priority_categories") or []), MAX_CATALOGUE_PRIORITIES)
    every = [s.get("id") for c in categories if isinstance(c, dict) for s in (c.get("services") or [])
             if isinstance(s, dict)]
    skeleton = {"centre": _SKELETON_CENTRE, "hours": {"mon": "08:00-17:00"},
                "desks": [{"number": 1, "services": {str(sid): 1 for sid in every}}], **data}
    try:
        hall = hall_from_data(skeleton, "catalogue")
    except (ConfigError, ValueError, TypeError, KeyError, AttributeError) as exc:
        text = exc.message if isinstance(exc, ConfigError) else str(exc)
        raise CatalogueError(_both(f"каталог не прийнято: {text}", f"the catalogue is refused: {text}")) from None
    for sid, like in served_like.items():
        if like not in hall.services or like == sid:
            raise CatalogueError(_both(f"served_like послуги «{sid}»: «{like}» — не інша послуга каталогу",
                                       f"served_like of \"{sid}\": \"{like}\" is not another service of the "
                                       "catalogue"))
    try:
        # Judged as a new hall: nothing in it is grandfathered (two categories sharing a prefix are refused).
        validate(dataclasses.replace(hall, categories=(), services={}, bundles={}), hall)
    except CherhaError as exc:
        raise CatalogueError(message(exc.code, exc.params)) from None
    return CityCatalogue(
        version=version, categories=hall.categories, services=hall.services,
        bundles=hall.bundles if "bundles" in data else None,
        policy=hall.policy if "policy" in data else None,
        booking=hall.booking if "booking" in data else None,
        priority_categories=hall.priority_categories if "priority_categories" in data else None,
        served_like=served_like)


def _count(section: str, count: int, limit: int) -> None:
    if count > limit:
        raise CatalogueError(_both(f"{section}: щонайбільше {limit} (у каталозі {count})",
                                   f"{section}: at most {limit} (the catalogue has {count})"))
