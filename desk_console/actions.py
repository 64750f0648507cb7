"""The console's actions, one row each: the WebSocket message it sends, its key, its label in the console's
catalogue (locales/console.toml) and the option it needs. The buttons, their shortcuts, the command palette
and the enabling (by the server's `desks[n].actions`) are all built from this table (views.py); a test holds
it to queue_server/domain/desk_actions.py and to the protocol's message table.

Keys. The twelve frequent actions keep one key each, F1-F12, as since the first console: one press, no
modifier, the same place on every keyboard, and each button shows its key. Every action, these twelve too,
is also in the command palette, Ctrl+K: type a few letters of its name, Enter runs the first one the desk may
do now. A palette rather than modifier layers (Shift+F1, Ctrl+F1...): layers are learnt by heart and seen
nowhere, and an operator misses the rare action they need once a week; in the palette the action's own name
is the way to it, and rare actions can be added without moving the frequent ones under anyone's fingers.
Ctrl+K (as in most tools with a palette) rather than F12, which has been "close desk" from the start.

Confirmation. "No-show" ends the visit and cannot be undone (the visitor has to take a new ticket), and F5 sits
next to F4 "finish". Its first press only arms it: the button turns orange and says «Точно не з’явився?
Натисніть ще раз» for CONFIRM_SECONDS; a second press of the same key (or button) runs it. F5 F5 is as fast as
a keyboard gets, the eyes stay on the button that changed, and a stray press does nothing. A dialog was
rejected: it takes the focus away from the console's keys, asks for a different key (Enter) than the one
pressed, and an Enter meant for the ticket field would confirm it unseen. The arming is for the visitor on
screen: it lapses when the time is up or the current visitor changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Option(Enum):
    """What an action needs besides the click, and the widget that holds it."""

    NONE = "none"
    RESULT = "result"  # finish: served, advice given, documents missing
    REASON = "reason"  # a break: break, back office, lunch
    MINUTES = "minutes"  # postpone: 5-30 minutes
    TICKET = "ticket"  # call a ticket: its number, typed
    SERVICE = "service"  # add a service: the service picker
    DESTINATION = "destination"  # transfer: a service, a desk (or any), back to me afterwards


@dataclass(frozen=True)
class Action:
    name: str  # the WebSocket message type (docs/protocol.md)
    key: str | None  # a QKeySequence; None: reached by the palette (and its button) only
    label: str  # the key of its label in locales/console.toml
    option: Option = Option.NONE
    confirm: bool = False  # cannot be undone: the first press arms it, a second press runs it (below)


# In the order of the screen: two columns of buttons, each with its option under it; transfer has a box.
ACTIONS: tuple[Action, ...] = (
    Action("call_next", "F1", "call_next"),
    Action("recall", "F2", "recall"),
    Action("start_service", "F3", "start"),
    Action("no_show", "F5", "no_show", confirm=True),
    Action("finish", "F4", "finish", Option.RESULT),
    Action("postpone", "F7", "postpone", Option.MINUTES),
    Action("call_ticket", "F8", "call_ticket", Option.TICKET),
    Action("add_service", "F9", "add_service", Option.SERVICE),
    Action("desk_pause", "F10", "pause", Option.REASON),
    Action("desk_resume", "F11", "resume"),
    Action("desk_close", "F12", "close_desk"),
    Action("desk_open", None, "open_desk"),  # signing in opens the desk; this reopens it after closing
    Action("transfer", "F6", "transfer", Option.DESTINATION),
)
PALETTE_KEY = "Ctrl+K"
CONFIRM_SECONDS = 4

# Desk actions of the hall (queue_server/domain/desk_actions.py) the console offers no row for, with why.
EXCLUDED: dict[str, str] = {}

BY_NAME = {action.name: action for action in ACTIONS}
