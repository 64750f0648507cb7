"""Load a hall definition from TOML into `domain.hall.Hall`, checking everything a centre can get wrong.

Every error names the file, the line and what is wrong, e.g.
`config/demo_hall.toml:212: desks[7].services: unknown service "pasport"`.
The file format is documented in docs/configuration.md.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from display_board.voice import UK_LETTERS, hall_sound, unspoken_letters

from .config_lines import locate
from .domain.hall import (
    ENGLISH_CALLS,
    MAX_HEAD_START_MINUTES,
    WEEKDAYS,
    BoardSettings,
    BookingPolicy,
    Bundle,
    Category,
    Desk,
    DispatchPolicy,
    Hall,
    Location,
    Operator,
    Policy,
    PriorityCategory,
    Service,
    Text,
    TimeRange,
)
from .domain.public_address import AddressError, normalise, reach

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
DEMO_HALL = CONFIG_DIR / "demo_hall.toml"
ROLES = ("operator", "supervisor", "admin")
_ID = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,63}$")
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


class ConfigError(Exception):
    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path, self.line, self.message = path, line, message


class _Reader:
    """Typed access to the parsed TOML that raises ConfigError with the right line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text

    def fail(self, where: tuple[str | int, ...], message: str) -> ConfigError:
        label = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else p) for i, p in enumerate(where))
        return ConfigError(self.path, locate(self.text, where), f"{label}: {message}")

    def get(self, table: dict[str, Any], where: tuple[str | int, ...], key: str, kind: type,
            default: Any = ..., ) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(where, f"missing required key {key!r}")
            return default
        value = table[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail((*where, key), f"expected {kind.__name__}, got {type(value).__name__}")
        return value

    def text_pair(self, table: dict[str, Any], where: tuple[str | int, ...], key: str,
                  required: bool = True) -> Text | None:
        uk_key, en_key = f"{key}_uk", f"{key}_en"
        if not required and uk_key not in table:
            return None
        uk = self.get(table, where, uk_key, str)
        en = self.get(table, where, en_key, str, uk)
        if not uk.strip():
            raise self.fail((*where, uk_key), "must not be empty")
        return Text(uk, en)

    def time_range(self, value: Any, where: tuple[str | int, ...]) -> TimeRange:
        match = _RANGE.match(value) if isinstance(value, str) else None
        if not match:
            raise self.fail(where, f"expected a time range like \"08:00-17:00\", got {value!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start, end = time(h1, m1), time(h2, m2)
        except ValueError as exc:
            raise self.fail(where, f"bad time in {value!r}: {exc}") from None
        if end <= start:
            raise self.fail(where, f"range {value!r} ends before it starts")
        return TimeRange(start, end)

    def ident(self, value: Any, where: tuple[str | int, ...]) -> str:
        if not isinstance(value, str) or not _ID.match(value):
            raise self.fail(where, f"id must be lower-case latin letters, digits, - or _, got {value!r}")
        return value

    def weekdays(self, value: Any, where: tuple[str | int, ...]) -> tuple[str, ...]:
        if not isinstance(value, list) or any(day not in WEEKDAYS for day in value):
            raise self.fail(where, f"expected a list of weekdays from {', '.join(WEEKDAYS)}")
        return tuple(value)


@dataclass(frozen=True)
class ConfigWarning:
    """Something a hall file may say but should not (the hall still loads): `FILE:LINE: where: message`."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def load_hall(path: Path | str) -> Hall:
    return check_hall(path)[0]


def check_hall(path: Path | str) -> tuple[Hall, list[ConfigWarning]]:
    """The hall, and the hazards in its file that are not errors (`cherha check-config` prints them)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, 0, f"cannot read: {exc.strerror}") from None
    return check_hall_text(text, path)


def check_hall_text(text: str, path: Path) -> tuple[Hall, list[ConfigWarning]]:
    """A hall from the text of a hall file (`path` names it in errors): an import over REST has no file."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute; the line is in its message.
        found = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, int(found.group(1)) if found else 0, f"TOML syntax: {exc}") from None
    reader = _Reader(path, text)
    hall = _build(reader, data)
    _backup(reader, data.get("backup", {}))  # the server's, not the hall's: checked here, read by backup_settings
    warnings = _prefix_warnings(reader, hall) + _address_warnings(reader, hall)
    warnings.sort(key=lambda w: w.line)
    return hall, warnings


def _address_warnings(r: _Reader, hall: Hall) -> list[ConfigWarning]:
    """A ticket's QR and a booking's link must open on a visitor's phone, on mobile data: say when they would
    carry an address only the centre's network (or the kiosk itself) can reach."""
    link = hall.link(hall.feedback_url.format(token="TOKEN"))
    kind = reach(link)
    place: tuple[str | int, ...] = ("centre", "public_url") if hall.public_url else ("centre",)
    if kind == "public" and link.startswith("https://"):
        return []
    if kind == "relative":
        uk = ("не вказано public_url: QR на талоні й посилання запису міститимуть адресу, якою кіоск звертається "
              "до сервера (адреса локальної мережі, яку телефон відвідувача не відкриє)")
        en = ("no public_url: the ticket QR and booking links will carry the address the kiosk uses to reach the "
              "server (a LAN address a visitor's phone cannot open); set [centre] public_url")
    elif kind == "public":
        uk = f"{link} — незахищена адреса (http): сторінки відвідувача й запису мають бути за https"
        en = f"{link} is plain http: the visitor's and booking pages must be served over https"
    else:
        where = {"loopback": ("цього комп’ютера", "this machine"), "lan": ("локальної мережі", "the local network")}
        uk = f"QR на талоні вестиме на {link} — адресу {where[kind][0]}, яку телефон відвідувача не відкриє"
        en = f"the ticket QR will carry {link}, an address of {where[kind][1]} a visitor's phone cannot open"
    failure = r.fail(place, f"попередження: {uk} / warning: {en}")
    return [ConfigWarning(failure.path, failure.line, failure.message)]


def hall_from_data(data: dict[str, Any], source: str) -> Hall:
    """A hall from a definition already parsed (the city gets each branch's as JSON): the same checks, with
    `source` naming it in an error."""
    return _build(_Reader(Path(source), ""), data)


def _prefix_warnings(r: _Reader, hall: Hall) -> list[ConfigWarning]:
    """Prefixes a hall's call mixes up: different prefixes whose letters' names rhyme ("пе", "бе", "те"; "ел",
    "ем", "ен"), by the voice's own letter names; and letters the voice has no name for (a Latin "A")."""
    where = {sid: ("categories", ci, "services", si, "prefix")
             for ci, category in enumerate(hall.categories) for si, sid in enumerate(category.service_ids)}
    order = [sid for category in hall.categories for sid in category.service_ids]
    warnings: list[ConfigWarning] = []

    def warn(place: tuple[str | int, ...], uk: str, en: str) -> None:
        failure = r.fail(place, f"попередження: {uk} / warning: {en}")
        warnings.append(ConfigWarning(failure.path, failure.line, failure.message))

    for sid in order:
        prefix = hall.services[sid].prefix
        unspoken = unspoken_letters(prefix)
        if unspoken and sid == next(s for s in order if hall.services[s].prefix == prefix):
            letters = ", ".join(unspoken)
            warn(where[sid], f"голос не має назви для літер {letters} у префіксі {prefix} (латиниця замість "
                             f"кирилиці?): виклик його талонів не прозвучить",
                 f"the voice has no name for the letters {letters} of prefix {prefix} (Latin for Cyrillic?): "
                 f"its tickets' calls will not be spoken")
    groups: dict[str, dict[str, list[str]]] = {}  # hall sound -> prefix -> its services, in file order
    for sid in order:
        prefix = hall.services[sid].prefix.upper()
        groups.setdefault(hall_sound(prefix), {}).setdefault(prefix, []).append(sid)
    for by_prefix in groups.values():
        if len(by_prefix) < 2:
            continue
        second = list(by_prefix)[1]  # the file rhymes from the first service of the second prefix on
        prefixes = ", ".join(by_prefix)
        names = ", ".join(f"«{' '.join(UK_LETTERS.get(ch, ch) for ch in prefix)}»" for prefix in by_prefix)
        services = "; ".join(f"{prefix}: {', '.join(sids)}" for prefix, sids in by_prefix.items())
        warn(where[by_prefix[second][0]],
             f"префікси {prefixes} звучать у залі схоже ({names}), виклики легко сплутати",
             f"prefixes {prefixes} sound alike in a hall ({names}), calls are easily mistaken — {services}")
    return warnings


def _build(r: _Reader, data: dict[str, Any]) -> Hall:
    centre = r.get(data, (), "centre", dict)
    hall_id = r.ident(r.get(centre, ("centre",), "id", str), ("centre", "id"))
    name = r.text_pair(centre, ("centre",), "name")
    assert name is not None
    hours_table = r.get(data, (), "hours", dict)
    hours: dict[str, TimeRange | None] = {}
    for day in WEEKDAYS:
        value = hours_table.get(day, "")
        hours[day] = r.time_range(value, ("hours", day)) if value else None
    for key in hours_table:
        if key not in WEEKDAYS and key not in ("breaks", "holidays", "shortened"):
            raise r.fail(("hours", key), f"unknown weekday {key!r}")
    breaks = tuple(r.time_range(v, ("hours", "breaks")) for v in hours_table.get("breaks", []))
    holidays = frozenset(_date(r, v) for v in hours_table.get("holidays", []))
    shortened = {_date(r, day): r.time_range(value, ("hours", "shortened"))
                 for day, value in r.get(hours_table, ("hours",), "shortened", dict, {}).items()}
    policy = _policy(r, data.get("policy", {}))
    services, categories = _services(r, data)
    desks = _desks(r, data, services)
    unserved = [sid for sid in services if not any(d.weight_of(sid) is not None for d in desks.values())]
    if unserved:
        raise r.fail(("desks",), f"no desk serves {', '.join(sorted(unserved))}")
    return Hall(
        id=hall_id,
        name=name,
        timezone=r.get(centre, ("centre",), "timezone", str, "Europe/Kyiv"),
        feedback_url=r.get(centre, ("centre",), "feedback_url", str, "/f/{token}"),
        public_url=_public_url(r, centre),
        address=r.text_pair(centre, ("centre",), "address", required=False),
        location=_location(r, centre),
        hours=hours,
        breaks=breaks,
        holidays=holidays,
        policy=policy,
        categories=categories,
        services=services,
        desks=desks,
        operators=_operators(r, data, desks),
        priority_categories=_priorities(r, data),
        bundles=_bundles(r, data, services),
        board=_board(r, data.get("board", {})),
        booking=_booking(r, data.get("booking", {})),
        dispatch=_dispatch(r, data.get("dispatch", {})),
        shortened=shortened,
    )


def _public_url(r: _Reader, centre: dict[str, Any]) -> str:
    value = r.get(centre, ("centre",), "public_url", str, "")
    if not value:
        return ""
    try:
        return normalise(value)
    except AddressError as exc:
        raise r.fail(("centre", "public_url"), str(exc)) from None


def _location(r: _Reader, centre: dict[str, Any]) -> Location | None:
    """`latitude` and `longitude` together, or neither (checked by the domain's Location)."""
    if "latitude" not in centre and "longitude" not in centre:
        return None
    try:
        return Location(r.get(centre, ("centre",), "latitude", float), r.get(centre, ("centre",), "longitude", float))
    except ValueError as exc:
        raise r.fail(("centre",), str(exc)) from None


@dataclass(frozen=True)
class BackupSettings:
    """`[backup]`: the server's scheduled online backups (docs/configuration.md, queue_server/backup.py)."""

    every_minutes: int = 60  # 0: no scheduled backups (`cherha backup` still works)
    dir: str = ""  # default: `backups` in the data directory
    second_dir: str = ""  # a second disk or a mounted network share; empty: none
    keep_recent: int = 24  # the newest backups, whatever their age
    keep_daily: int = 14  # then the last backup of each of this many days
    keep_weekly: int = 8  # then the last backup of each of this many weeks


def backup_settings(path: Path | str) -> BackupSettings:
    """The `[backup]` table of a hall file (already checked by `check_hall`)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    return _backup(_Reader(path, text), tomllib.loads(text).get("backup", {}))


def _backup(r: _Reader, table: dict[str, Any]) -> BackupSettings:
    where = ("backup",)
    if not isinstance(table, dict):
        raise r.fail(where, "expected a table")
    values = _table(r, table, where, BackupSettings, lambda name: str if name.endswith("dir") else int)
    if 0 < values["every_minutes"] < 5:
        raise r.fail((*where, "every_minutes"), "at least 5 minutes between backups (or 0: none)")
    if values["keep_recent"] < 1:
        raise r.fail((*where, "keep_recent"), "keep at least the newest backup")
    return BackupSettings(**values)


def _date(r: _Reader, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise r.fail(("hours", "holidays"), f"bad date {value!r}") from None


def _table(r: _Reader, table: dict[str, Any], where: tuple[str, ...], cls: type[Any],
           kind_of: Callable[[str], type], high: float | None = None) -> dict[str, Any]:
    """Every field of a settings dataclass from its table (its default when absent), none negative (nor over
    `high` minutes); a key the dataclass does not have is a mistake, not something to ignore."""
    defaults = cls()
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        kind = kind_of(f.name)
        values[f.name] = value = r.get(table, where, f.name, kind, getattr(defaults, f.name))
        if kind is bool or kind is str:
            continue
        if high is not None and not 0 <= value <= high:
            raise r.fail((*where, f.name), f"must be from 0 to {high:g} minutes")
        if value < 0:
            raise r.fail((*where, f.name), "must not be negative")
    for key in table:
        if key not in values:
            raise r.fail((*where, key), f"unknown setting {key!r}")
    return values


def _dispatch(r: _Reader, table: dict[str, Any]) -> DispatchPolicy:
    return DispatchPolicy(**_table(r, table, ("dispatch",), DispatchPolicy,
                                   lambda name: bool if name == "strict_tiers" else float, MAX_HEAD_START_MINUTES))


def _policy(r: _Reader, table: dict[str, Any]) -> Policy:
    values = _table(r, table, ("policy",), Policy, lambda _: int)
    if not 4 <= values["min_pin_length"] <= 64:
        raise r.fail(("policy", "min_pin_length"), "must be from 4 to 64")
    if values["postpone_min_minutes"] > values["postpone_max_minutes"]:
        raise r.fail(("policy", "postpone_min_minutes"), "is larger than postpone_max_minutes")
    return Policy(**values)


def _board(r: _Reader, table: dict[str, Any]) -> BoardSettings:
    where = ("board",)
    known = [f.name for f in dataclasses.fields(BoardSettings)]
    for key in table:
        if key not in known:
            raise r.fail((*where, key), f"unknown setting {key!r}")
    english = table.get("english", "never")
    if isinstance(english, bool):  # the first releases' switch: true = always, false = never
        english = "always" if english else "never"
    if english not in ENGLISH_CALLS:
        raise r.fail((*where, "english"), 'english must be "always", "recall" or "never" (or true / false)')
    settings = BoardSettings(
        volume=r.get(table, where, "volume", float, 0.9),
        repeat=r.get(table, where, "repeat", int, 1),
        english=english,
        recent_calls=r.get(table, where, "recent_calls", int, 8),
        highlight_seconds=r.get(table, where, "highlight_seconds", int, 10),
        screen_inches=r.get(table, where, "screen_inches", float, 55.0),
        viewing_metres=r.get(table, where, "viewing_metres", float, 10.0),
    )
    if not 0 <= settings.volume <= 1:
        raise r.fail((*where, "volume"), "volume must be from 0 to 1")
    if not 1 <= settings.repeat <= 3:
        raise r.fail((*where, "repeat"), "repeat must be 1, 2 or 3")
    if not 1 <= settings.recent_calls <= 20:
        raise r.fail((*where, "recent_calls"), "recent_calls must be 1..20")
    if not 10 <= settings.screen_inches <= 150:
        raise r.fail((*where, "screen_inches"), "screen_inches must be from 10 to 150 (the diagonal in inches)")
    if not 1 <= settings.viewing_metres <= 50:
        raise r.fail((*where, "viewing_metres"), "viewing_metres must be from 1 to 50")
    return settings


def _booking(r: _Reader, table: dict[str, Any]) -> BookingPolicy:
    where = ("booking",)
    values = _table(r, table, where, BookingPolicy, lambda name: float if name == "share" else int)
    if not 0 < values["share"] <= 1:
        raise r.fail((*where, "share"), "share must be more than 0 and at most 1")
    if values["slot_minutes"] < 5:
        raise r.fail((*where, "slot_minutes"), "slots shorter than 5 minutes make no sense")
    return BookingPolicy(**values)


def _services(r: _Reader, data: dict[str, Any]) -> tuple[dict[str, Service], tuple[Category, ...]]:
    services: dict[str, Service] = {}
    categories: list[Category] = []
    for ci, table in enumerate(r.get(data, (), "categories", list)):
        where: tuple[str | int, ...] = ("categories", ci)
        cid = r.ident(r.get(table, where, "id", str), (*where, "id"))
        if any(c.id == cid for c in categories):
            raise r.fail((*where, "id"), f"duplicate category id {cid!r}")
        cname = r.text_pair(table, where, "name")
        assert cname is not None
        ids = []
        for si, stable in enumerate(r.get(table, where, "services", list)):
            swhere = (*where, "services", si)
            sid = r.ident(r.get(stable, swhere, "id", str), (*swhere, "id"))
            if sid in services:
                raise r.fail((*swhere, "id"), f"duplicate service id {sid!r}")
            prefix = r.get(stable, swhere, "prefix", str)
            if not 1 <= len(prefix) <= 3 or not prefix.isalpha():
                raise r.fail((*swhere, "prefix"), f"prefix must be 1-3 letters, got {prefix!r}")
            limit = r.get(stable, swhere, "daily_limit", int, None)
            if limit is not None and limit < 1:
                raise r.fail((*swhere, "daily_limit"), "must be at least 1")
            avg = r.get(stable, swhere, "avg_minutes", float, 10.0)
            if avg <= 0:
                raise r.fail((*swhere, "avg_minutes"), "must be positive")
            sname = r.text_pair(stable, swhere, "name")
            assert sname is not None
            services[sid] = Service(
                id=sid,
                category_id=cid,
                name=sname,
                prefix=prefix,
                daily_limit=limit,
                registry_backed=r.get(stable, swhere, "registry", bool, False),
                avg_service_minutes=avg,
                days=r.weekdays(stable["days"], (*swhere, "days")) if "days" in stable else (),
                hours=r.time_range(stable["hours"], (*swhere, "hours")) if "hours" in stable else None,
                documents=r.text_pair(stable, swhere, "documents", required=False),
                term=r.text_pair(stable, swhere, "term", required=False),
                cost=r.text_pair(stable, swhere, "cost", required=False),
                bookable=r.get(stable, swhere, "bookable", bool, True),
            )
            ids.append(sid)
        if not ids:
            raise r.fail(where, f"category {cid!r} has no services")
        categories.append(Category(cid, cname, tuple(ids)))
    return services, tuple(categories)


def _desks(r: _Reader, data: dict[str, Any], services: dict[str, Service]) -> dict[int, Desk]:
    desks: dict[int, Desk] = {}
    for di, table in enumerate(r.get(data, (), "desks", list)):
        where: tuple[str | int, ...] = ("desks", di)
        number = r.get(table, where, "number", int)
        if number < 1 or number in desks:
            raise r.fail((*where, "number"), f"desk number {number} is not positive or is repeated")
        weights = []
        served = r.get(table, where, "services", dict)
        for sid, weight in served.items():
            if sid not in services:
                raise r.fail((*where, "services", sid), f"unknown service {sid!r}")
            if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
                raise r.fail((*where, "services", sid), f"weight must be 0..100, got {weight!r}")
            weights.append((sid, weight))
        if not weights:
            raise r.fail(where, f"desk {number} serves nothing")
        days = r.weekdays(table["days"], (*where, "days")) if "days" in table else ()
        desks[number] = Desk(number, r.get(table, where, "zone", str, "main"), tuple(weights), days,
                             r.get(table, where, "open_by_default", bool, True))
    if not desks:
        raise r.fail(("desks",), "the hall has no desks")
    return desks


def _operators(r: _Reader, data: dict[str, Any], desks: dict[int, Desk]) -> dict[str, Operator]:
    operators: dict[str, Operator] = {}
    for oi, table in enumerate(data.get("operators", [])):
        where: tuple[str | int, ...] = ("operators", oi)
        login = r.ident(r.get(table, where, "login", str), (*where, "login"))
        if login in operators:
            raise r.fail((*where, "login"), f"duplicate login {login!r}")
        role = r.get(table, where, "role", str, "operator")
        if role not in ROLES:
            raise r.fail((*where, "role"), f"role must be one of {', '.join(ROLES)}")
        secret = r.get(table, where, "secret_hash", str)
        if not secret.startswith("scrypt$"):
            raise r.fail((*where, "secret_hash"), "must be a hash from `cherha hash-secret`, never plain text")
        allowed = tuple(r.get(table, where, "desks", list, []))
        for desk in allowed:
            if desk not in desks:
                raise r.fail((*where, "desks"), f"unknown desk {desk!r}")
        operators[login] = Operator(login, r.get(table, where, "name", str, login), role, secret, allowed,
                                    r.get(table, where, "disabled", bool, False))
    return operators


def _priorities(r: _Reader, data: dict[str, Any]) -> dict[str, PriorityCategory]:
    out: dict[str, PriorityCategory] = {}
    for pi, table in enumerate(data.get("priority_categories", [])):
        where: tuple[str | int, ...] = ("priority_categories", pi)
        pid = r.ident(r.get(table, where, "id", str), (*where, "id"))
        level = r.get(table, where, "level", int, 1)
        if not 1 <= level <= 9:
            raise r.fail((*where, "level"), "level must be 1..9")
        name = r.text_pair(table, where, "name")
        assert name is not None
        cap = r.get(table, where, "daily_cap", int, None)
        if cap is not None and cap < 1:
            raise r.fail((*where, "daily_cap"), "must be at least 1")
        out[pid] = PriorityCategory(pid, name, level, cap)
    return out


def _bundles(r: _Reader, data: dict[str, Any], services: dict[str, Service]) -> dict[str, Bundle]:
    out: dict[str, Bundle] = {}
    for bi, table in enumerate(data.get("bundles", [])):
        where: tuple[str | int, ...] = ("bundles", bi)
        bid = r.ident(r.get(table, where, "id", str), (*where, "id"))
        ids = r.get(table, where, "services", list)
        for sid in ids:
            if sid not in services:
                raise r.fail((*where, "services"), f"unknown service {sid!r}")
        if len(ids) < 2:
            raise r.fail((*where, "services"), "a life situation bundles at least two services")
        name = r.text_pair(table, where, "name")
        assert name is not None
        out[bid] = Bundle(bid, name, tuple(ids))
    return out
