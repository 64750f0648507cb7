"""The live hall written back out as a hall file (`cherha export-config`, `GET /api/admin/config`).

The output loads with `config.load_hall` into an equal hall, so a centre can be moved, or started again, from
what it runs now: every setting is written, defaults included, so the file says everything in one place.
Order follows the hall: categories and their services in kiosk order, desks by number, operators by login.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

from .config import load_hall
from .domain.hall import WEEKDAYS, Hall, Text, TimeRange
from .domain.hall_config import ConfigItem, apply_item

HEADER = ("# Конфігурація залу, вивантажена з працюючого сервера (cherha export-config).\n"
          "# Hall configuration exported from the running server. Format: docs/configuration.md\n")


def _value(value: Any) -> str:
    """A TOML value: strings as JSON strings (a valid TOML basic string), lists and inline tables nested."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_value(str(k))} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    raise TypeError(f"cannot write {value!r} to TOML")


def _range(value: TimeRange | None) -> str:
    return "" if value is None else f"{value.start:%H:%M}-{value.end:%H:%M}"


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = [HEADER]

    def table(self, name: str, indent: str = "") -> None:
        self.lines.append(f"\n{indent}{name}")

    def key(self, key: str, value: Any, indent: str = "") -> None:
        if value is not None:
            self.lines.append(f"{indent}{key} = {_value(value)}")

    def text(self, key: str, value: Text | None, indent: str = "") -> None:
        if value is not None:
            self.key(f"{key}_uk", value.uk, indent)
            self.key(f"{key}_en", value.en, indent)

    def settings(self, name: str, settings: Any) -> None:
        self.table(f"[{name}]")
        for key, value in dataclasses.asdict(settings).items():
            self.key(key, value)


def hall_to_toml(hall: Hall) -> str:
    w = _Writer()
    w.table("[centre]")
    w.key("id", hall.id)
    w.text("name", hall.name)
    w.key("timezone", hall.timezone)
    w.key("feedback_url", hall.feedback_url)
    w.key("public_url", hall.public_url)
    w.text("address", hall.address)
    if hall.location is not None:
        w.key("latitude", hall.location.latitude)
        w.key("longitude", hall.location.longitude)
    w.table("[hours]")
    for day in WEEKDAYS:
        w.key(day, _range(hall.hours.get(day)))
    w.key("breaks", [_range(b) for b in hall.breaks])
    w.key("holidays", sorted(d.isoformat() for d in hall.holidays))
    w.key("shortened", {d.isoformat(): _range(r) for d, r in sorted(hall.shortened.items())})
    w.settings("policy", hall.policy)
    for p in hall.priority_categories.values():
        w.table("[[priority_categories]]")
        w.key("id", p.id)
        w.key("level", p.level)
        w.text("name", p.name)
        w.key("daily_cap", p.daily_cap)
    for category in hall.categories:
        w.table("[[categories]]")
        w.key("id", category.id)
        w.text("name", category.name)
        for sid in category.service_ids:
            s = hall.services[sid]
            i = "  "
            w.table("[[categories.services]]", i)
            w.key("id", s.id, i)
            w.key("prefix", s.prefix, i)
            w.text("name", s.name, i)
            w.key("avg_minutes", s.avg_service_minutes, i)
            w.key("registry", s.registry_backed, i)
            w.key("bookable", s.bookable, i)
            w.key("daily_limit", s.daily_limit, i)
            if s.days:
                w.key("days", list(s.days), i)
            if s.hours is not None:
                w.key("hours", _range(s.hours), i)
            w.text("documents", s.documents, i)
            w.text("term", s.term, i)
            w.text("cost", s.cost, i)
    for bundle in hall.bundles.values():
        w.table("[[bundles]]")
        w.key("id", bundle.id)
        w.text("name", bundle.name)
        w.key("services", list(bundle.service_ids))
    for desk in hall.desks.values():
        w.table("[[desks]]")
        w.key("number", desk.number)
        w.key("zone", desk.zone)
        w.key("open_by_default", desk.open_by_default)
        if desk.days:
            w.key("days", list(desk.days))
        w.key("services", dict(desk.weights))
    for op in sorted(hall.operators.values(), key=lambda o: o.login):
        w.table("[[operators]]")
        w.key("login", op.login)
        w.key("name", op.name)
        w.key("role", op.role)
        w.key("secret_hash", op.secret_hash)
        w.key("desks", list(op.desks))
        w.key("disabled", op.disabled)
    w.settings("board", hall.board)
    w.settings("booking", hall.booking)
    w.settings("dispatch", hall.dispatch)
    return "\n".join(w.lines) + "\n"


def live_hall(config: Path, database: Path) -> Hall:
    """The hall a server with this hall file and this database runs now: the file, then every administrator's
    change in the log over it (as the server's start does). Read-only: safe while the server runs (WAL)."""
    hall = load_hall(config)
    if not database.exists():
        return hall
    db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT payload FROM events WHERE type = 'hall_configured' ORDER BY seq").fetchall()
    except sqlite3.OperationalError:  # a database older than the events table: nothing changed live
        rows = []
    finally:
        db.close()
    for (payload,) in rows:
        event = json.loads(payload)
        hall = apply_item(hall, ConfigItem(event["kind"], event["action"], event["target"], event.get("value")))
    return hall
