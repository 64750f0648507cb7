"""What the accessible kiosk says on each screen: its content, then every option by number (the keypad's
digits choose them). Qt-free: the window passes the options it drew, in order.

A ticket is said with the hall board's words (texts/speech.py): «пе п’ятнадцять», not «П 15».
"""

from __future__ import annotations

import re
from typing import Any

from texts import Catalogue
from texts.speech import spoken_ticket

from .flow import LIFE_SITUATIONS, KioskFlow, Screen

# Arrows, the wheelchair sign and the like help the eye, not the ear.
_DECORATION = re.compile(r"[←→♿☎✆⌫]")


def speakable(label: str) -> str:
    return " ".join(_DECORATION.sub(" ", label).split())


class ScreenSpeech:
    def __init__(self, flow: KioskFlow, catalogue: Catalogue) -> None:
        self.flow, self.catalogue = flow, catalogue

    def screen(self, options: list[str]) -> str:
        t = self.catalogue.t
        parts = [self.content()]
        if self.flow.more_time_asked:
            parts = [t("voice_more_time")]
        if options:
            parts.append(" ".join(t("voice_option", number=n, label=speakable(label))
                                  for n, label in enumerate(options, 1)))
        if self.flow.screen is Screen.HOME:
            parts.append(t("voice_keys_short"))
        return " ".join(part for part in parts if part)

    def option(self, number: int, label: str) -> str:
        """The focused option, as the arrows reach it."""
        return self.catalogue.t("voice_option", number=number, label=speakable(label))

    def content(self) -> str:
        t, flow = self.catalogue.t, self.flow
        screen = flow.screen
        help_note = t(f"voice_help_{flow.help_called}") if flow.help_called else ""
        if screen is Screen.HOME:
            return " ".join(p for p in [help_note, self.notices(), t("voice_home")] if p)
        if screen is Screen.SERVICES:
            pages = max(1, -(-len(flow._choices()) // flow.page_size))
            title = self._category_name() + "."
            paging = t("voice_page", page=flow.page + 1, pages=pages) if pages > 1 else ""
            return " ".join(p for p in [help_note, title, t("voice_services"), paging] if p)
        if screen is Screen.CONFIRM:
            return " ".join(p for p in [help_note, self._confirm()] if p)
        if screen is Screen.DONE and flow.ticket:
            return self._done(flow.ticket)
        if screen is Screen.REFUSED:
            return t("voice_refused", title=self.refusal_title(), reason=self.reason())
        if screen is Screen.INFO:
            return self._info()
        key = {Screen.CHECKIN: "voice_checkin", Screen.OFFLINE: "voice_offline", Screen.PRINTING: "printing"}
        return " ".join(p for p in [help_note, t(key.get(screen, "voice_home"))] if p)

    def notices(self) -> str:
        """The home screen's notices, spoken first: they hold for everyone."""
        t, flow = self.catalogue.t, self.flow
        notice = flow.hall_notice()
        if notice:
            return t(f"reason_{notice}")
        unavailable = flow.unavailable_services()
        if not unavailable:
            return ""
        names = ", ".join(s["name"][flow.lang] for s in unavailable)
        # The verb agrees with one service or a list of them (not a count said aloud, so not a plural text).
        return t("voice_not_today_one" if len(unavailable) == 1 else "voice_not_today", services=names)

    def refusal_title(self) -> str:
        t = self.catalogue.t
        return t("checkin_refused") if self.flow.via_checkin else t("cannot_take")

    def reason(self) -> str:
        """Why, once: the kiosk's words for a reason it knows, else the server's message in the kiosk's
        language, else nothing more than the title."""
        flow, catalogue = self.flow, self.catalogue
        code = flow.refusal
        if code and catalogue.has(f"reason_{code}"):
            return catalogue.t(f"reason_{code}")
        if flow.refusal_message and flow.refusal_message.get(flow.lang):
            return flow.refusal_message[flow.lang]
        return ""

    def _category_name(self) -> str:
        flow = self.flow
        if flow.category_id == LIFE_SITUATIONS:
            return self.catalogue.t("life_situations")
        return str(next(c for c in flow.categories() if c["id"] == flow.category_id)["name"][flow.lang])

    def _confirm(self) -> str:
        t, flow = self.catalogue.t, self.flow
        service = flow.service()
        name = flow.bundle()["name"][flow.lang] if flow.bundle_id else service["name"][flow.lang]
        ahead, minutes = service["ahead"], service["estimated_wait_minutes"]
        parts = [name + ".", t("voice_ahead", count=ahead) if ahead else t("ahead_none") + "."]
        parts.append(t("voice_wait_no_desk") if minutes is None else
                     t("voice_wait", count=minutes) if minutes else t("wait_none") + ".")
        return " ".join(parts)

    def _done(self, ticket: dict[str, Any]) -> str:
        t, flow = self.catalogue.t, self.flow
        parts = [t("voice_done", ticket=spoken_ticket(ticket["ticket"], flow.lang))]
        if flow.print_error:
            parts.append(t("print_failed", reason=self.catalogue.t(flow.print_error)
                           if self.catalogue.has(flow.print_error) else flow.print_error) + ".")
        else:
            parts.append(t("voice_take_it"))
        return " ".join(parts)

    def _info(self) -> str:
        t, flow = self.catalogue.t, self.flow
        service = flow.service()
        parts = [t("voice_info"), service["name"][flow.lang] + "."]
        for key in ("documents", "term", "cost"):
            if service.get(key):
                parts.append(f"{t(key)}: {service[key][flow.lang]}.")
        return " ".join(parts)
