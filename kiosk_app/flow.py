"""The kiosk's screens and what a touch does: a Qt-free state machine the views only draw.

Home (categories, and the hall's life situations) → services of a category or the life situations (paged)
→ confirm (people ahead, estimated wait, ticket or priority ticket) → printing → done. Also: refused (with
the reason), check-in by booking code, a service's information card, and offline (waiting for the server).
The home screen says first what holds for everyone (an air-raid pause, the centre closed, services not
offered today). An accessible session records the features used, the steps and the outcome, for the
supervisor's usage report. Every session ends back home, in Ukrainian and in the terminal's own mode.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Screen(StrEnum):
    HOME = "home"
    SERVICES = "services"
    CONFIRM = "confirm"
    PRINTING = "printing"
    DONE = "done"
    REFUSED = "refused"
    CHECKIN = "checkin"
    INFO = "info"
    OFFLINE = "offline"


NORMAL_TIMEOUT, ACCESSIBLE_TIMEOUT = 45, 120  # seconds without a touch before returning home
# "More time?" is asked this long before the timeout (WCAG 2.2.1: warn, and let one touch extend it).
NORMAL_WARNING, ACCESSIBLE_WARNING = 15, 30
PAGE_SIZE, ACCESSIBLE_PAGE_SIZE = 6, 2
LIFE_SITUATIONS = "life-situations"  # the home screen's entry for the hall's bundles (not a hall category)
# Why a service cannot be taken that concerns it alone (not the whole hall): listed on the home screen.
SERVICE_REASONS = ("service_closed", "service_not_offered_now", "no_desk_today")


@dataclass
class AccessibleSession:
    started_at: datetime
    features: set[str]  # those the mode itself brings; one used on request is added when used
    steps: int = 0

    def record(self, outcome: str, now: datetime, lang: str) -> dict[str, Any]:
        return {"command_id": uuid.uuid4().hex,
                "started_at": self.started_at.isoformat(), "features": sorted(self.features), "steps": self.steps,
                "duration_seconds": int((now - self.started_at).total_seconds()), "outcome": outcome, "lang": lang}


@dataclass
class KioskFlow:
    accessible_terminal: bool = False
    accessible_page_size: int = ACCESSIBLE_PAGE_SIZE  # services a page in large print (more on a tall screen)
    hall: dict[str, Any] = field(default_factory=dict)
    screen: Screen = Screen.OFFLINE
    lang: str = "uk"
    accessible: bool = False
    category_id: str | None = None
    service_id: str | None = None
    bundle_id: str | None = None
    page: int = 0
    ticket: dict[str, Any] | None = None
    refusal: str | None = None  # a reason code (the server's or the printer's)
    refusal_message: dict[str, str] | None = None  # the server's own words for it, by language
    more_time_asked: bool = False  # the "more time?" prompt is showing
    help_called: str | None = None  # "called" (an administrator is coming) or "already" (asked before)
    print_error: str | None = None
    command_id: str | None = None  # one per "take a ticket": every retry reuses it
    via_checkin: bool = False
    session: AccessibleSession | None = None
    finished_sessions: list[dict[str, Any]] = field(default_factory=list)  # to send to the server

    def __post_init__(self) -> None:
        self.accessible = self.accessible_terminal

    # -- the hall ---------------------------------------------------------------------------------
    def loaded(self, hall: dict[str, Any]) -> None:
        self.hall = hall
        if self.screen is Screen.OFFLINE:
            self.screen = Screen.HOME

    def offline(self) -> None:
        self.screen = Screen.OFFLINE

    @property
    def timeout_seconds(self) -> int:
        return ACCESSIBLE_TIMEOUT if self.accessible else NORMAL_TIMEOUT

    @property
    def warning_seconds(self) -> int:
        """How long before the timeout "more time?" is asked (at most half the timeout)."""
        return min(ACCESSIBLE_WARNING if self.accessible else NORMAL_WARNING, self.timeout_seconds // 2)

    @property
    def page_size(self) -> int:
        return self.accessible_page_size if self.accessible else PAGE_SIZE

    def categories(self) -> list[dict[str, Any]]:
        return list(self.hall.get("categories", []))

    def bundles(self) -> list[dict[str, Any]]:
        return list(self.hall.get("bundles", []))

    def _choices(self) -> list[dict[str, Any]]:
        """The services of the chosen category, or the life situations."""
        if self.category_id == LIFE_SITUATIONS:
            return self.bundles()
        category = next(c for c in self.categories() if c["id"] == self.category_id)
        return [self.hall["services"][sid] for sid in category["service_ids"]]

    def services_page(self) -> list[dict[str, Any]]:
        return self._choices()[self.page * self.page_size:(self.page + 1) * self.page_size]

    def has_more(self) -> bool:
        return (self.page + 1) * self.page_size < len(self._choices())

    def service(self) -> dict[str, Any]:
        """The chosen service; for a life situation, its first service (whose queue the visitor joins)."""
        if self.service_id is None and self.bundle_id is not None:
            return dict(self.hall["services"][self.bundle()["service_ids"][0]])
        assert self.service_id is not None
        service: dict[str, Any] = self.hall["services"][self.service_id]
        return service

    def bundle(self) -> dict[str, Any]:
        return next(b for b in self.bundles() if b["id"] == self.bundle_id)

    def hall_notice(self) -> str | None:
        """What holds for the whole hall now, as a reason code: paused (air-raid alert) or closed."""
        if self.hall.get("paused"):
            return "hall_paused"
        if self.hall and not self.hall.get("open", True):
            return "hall_closed"
        return None

    def unavailable_services(self) -> list[dict[str, Any]]:
        """Services that cannot be taken now for a reason of their own, for the home screen."""
        if self.hall_notice():
            return []
        return [s for s in self.hall.get("services", {}).values() if s.get("unavailable") in SERVICE_REASONS]

    # -- touches ----------------------------------------------------------------------------------
    def touched(self, now: datetime) -> None:
        """Any touch: an accessible terminal's session starts with the first one."""
        if self.accessible and self.session is None:
            self.session = AccessibleSession(now, self._mode_features())

    def _step(self, screen: Screen) -> None:
        self.screen = screen
        if self.session is not None:
            self.session.steps += 1

    def choose_category(self, category_id: str) -> None:
        self.category_id, self.page = category_id, 0
        self._step(Screen.SERVICES)

    def next_page(self) -> None:
        if self.has_more():
            self.page += 1
            self._step(Screen.SERVICES)

    def previous_page(self) -> None:
        self.page = max(0, self.page - 1)
        self._step(Screen.SERVICES)

    def choose_service(self, service_id: str) -> None:
        self.service_id, self.bundle_id = service_id, None
        self._to_confirm(self.hall["services"][service_id]["unavailable"])

    def choose_bundle(self, bundle_id: str) -> None:
        """A life situation: one ticket for its first service; the desk sends the visitor on to the next."""
        self.service_id, self.bundle_id = None, bundle_id
        self._to_confirm(self.service()["unavailable"])

    def _to_confirm(self, reason: str | None) -> None:
        self.command_id = uuid.uuid4().hex
        if reason:
            self.refusal, self.refusal_message = reason, None
            self._step(Screen.REFUSED)
        else:
            self._step(Screen.CONFIRM)

    def open_checkin(self) -> None:
        self.command_id, self.via_checkin = uuid.uuid4().hex, True
        self._step(Screen.CHECKIN)

    def open_info(self, service_id: str) -> None:
        self.service_id = service_id
        self._step(Screen.INFO)

    def printing(self) -> None:
        self._step(Screen.PRINTING)

    def issued(self, ticket: dict[str, Any]) -> None:
        self.ticket, self.print_error = ticket, None
        self._step(Screen.DONE)

    def refused(self, reason: str, message: dict[str, str] | None = None) -> None:
        self.refusal, self.refusal_message = reason, message
        self._step(Screen.REFUSED)

    def print_failed(self, reason: str) -> None:
        self.print_error = reason

    def printed(self, now: datetime) -> None:
        self.print_error = None
        outcome = "checkin" if self.via_checkin else "ticket"
        self._end_session(outcome, now)

    def back(self) -> None:
        if (self.screen in (Screen.CONFIRM, Screen.REFUSED) and self.category_id) or (
                self.screen is Screen.INFO and self.category_id):
            self._step(Screen.SERVICES)
        else:
            self._step(Screen.HOME)

    def go_home(self, now: datetime, outcome: str = "abandoned") -> None:
        """Back to the start for the next visitor: accessible mode returns to the terminal's own setting."""
        if self.session is not None:
            self._end_session(outcome, now)
        self.screen, self.category_id, self.service_id, self.bundle_id = Screen.HOME, None, None, None
        self.ticket = None
        self.refusal = self.print_error = self.refusal_message = self.help_called = None
        self.via_checkin = self.more_time_asked = False
        self.page = 0
        self.accessible = self.accessible_terminal

    def timed_out(self, now: datetime) -> None:
        """Nobody is there any more: the next visitor starts in Ukrainian, in the terminal's own mode."""
        self.go_home(now, "timeout")
        self.lang = "uk"

    def toggle_language(self) -> None:
        self.lang = "en" if self.lang == "uk" else "uk"

    def toggle_accessible(self, now: datetime) -> None:
        if self.accessible and not self.accessible_terminal:
            self._end_session("abandoned", now)
            self.accessible = False
        elif not self.accessible:
            self.accessible = True
            self.session = AccessibleSession(now, self._mode_features())

    def repeated_voice(self) -> None:
        if self.session is not None:
            self.session.features.add("repeat_voice")

    def info_printed(self, now: datetime) -> None:
        self._end_session("info", now)

    def _mode_features(self) -> set[str]:
        # The server's list (GET /api/hall, defined once in its domain), not a copy of ours.
        return {f["id"] for f in self.hall.get("accessible_features", []) if not f.get("on_request")}

    def _end_session(self, outcome: str, now: datetime) -> None:
        if self.session is not None:
            self.finished_sessions.append(self.session.record(outcome, now, self.lang))
            self.session = None
