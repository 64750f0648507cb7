"""The keypad: the voice-only path through the kiosk, for a visitor who cannot see the screen.

A numeric keypad (USB, below the screen; docs/kiosk.md) or any keyboard:

| key | does |
|---|---|
| 1 … 9 | chooses the option spoken with that number |
| ↑ ↓ (← →, Tab) | moves the focus between the controls and says the focused one |
| Enter | chooses the focused control |
| * | says the screen again |
| / , Backspace, Esc | back (or to the start) |
| + − | louder, quieter |
| 0, F1 | says what the keys do |

On an ordinary kiosk, the first key pressed switches the voice guidance on (the accessible mode): a blind
visitor cannot find the screen's button for it. While the booking code field has the focus, keys type into
it (a keyboard-wedge QR scanner types there too); ↑ ↓ and Esc still move and go back.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from .controller import KioskController
from .spoken import speakable
from .widgets import WrapButton


class KeypadScreen(Protocol):
    """What the keypad needs of the window (views.py `KioskWindow`)."""

    controller: KioskController
    options: list[WrapButton]  # the numbered options, in the order they are spoken
    code_input: QLineEdit | None

    def focusWidget(self) -> QWidget | None: ...
    def visible_controls(self) -> list[WrapButton]: ...
    def buttons(self) -> dict[str, WrapButton]: ...
    def repeat(self) -> None: ...

K = Qt.Key
DIGITS = {getattr(K, f"Key_{n}"): n for n in range(1, 10)}
NEXT = (K.Key_Down, K.Key_Right, K.Key_Tab)
PREVIOUS = (K.Key_Up, K.Key_Left, K.Key_Backtab)
CHOOSE = (K.Key_Return, K.Key_Enter, K.Key_Space)
BACK = (K.Key_Slash, K.Key_Backspace, K.Key_Escape, K.Key_Back)
HELP = (K.Key_0, K.Key_F1, K.Key_Help)
LOUDER, QUIETER = (K.Key_Plus, K.Key_VolumeUp), (K.Key_Minus, K.Key_VolumeDown)
KEYPAD = (*DIGITS, *NEXT, *PREVIOUS, *CHOOSE, *BACK, *HELP, *LOUDER, *QUIETER, K.Key_Asterisk)


class Keypad:
    def __init__(self, window: KeypadScreen) -> None:
        self.window = window

    def pressed(self, event: QKeyEvent) -> bool:
        """Handle a key; True when it was the keypad's (then nothing else gets it)."""
        window, controller = self.window, self.window.controller
        key = K(event.key())
        if key not in KEYPAD:
            return False
        field = window.code_input
        typing = field is not None and field.hasFocus()
        if typing and key not in (*NEXT[:2], *PREVIOUS[:2], K.Key_Escape, K.Key_F1):
            return False
        if not controller.flow.accessible:
            if typing:
                return False
            controller.flow.toggle_accessible(controller.clock())
            controller._update()
            return True
        if key in DIGITS:
            self.choose(DIGITS[key])
        elif key in NEXT or key in PREVIOUS:
            self.move(1 if key in NEXT else -1)
        elif key in CHOOSE:
            focused = window.focusWidget()
            if focused in self.window.visible_controls():
                focused.click()
        elif key is K.Key_Asterisk:
            window.repeat()
        elif key in BACK:
            self.back()
        elif key in HELP:
            controller.say(controller.catalogue.t("voice_keys"))
        else:
            controller.louder(1 if key in LOUDER else -1)
        return True

    def choose(self, number: int) -> None:
        options = self.window.options
        if 1 <= number <= len(options):
            options[number - 1].click()
        else:
            self.window.repeat()  # no such option: hear them again

    def move(self, step: int) -> None:
        controls = self.window.visible_controls()
        if not controls:
            return
        focused = self.window.focusWidget()
        index = controls.index(focused) + step if focused in controls else (0 if step > 0 else -1)
        target = controls[index % len(controls)]
        target.setFocus(Qt.FocusReason.TabFocusReason)
        controller = self.window.controller
        if target in self.window.options:
            controller.say(controller.speech.option(self.window.options.index(target) + 1, target.caption.text()))
        else:
            controller.say(speakable(target.caption.text()))

    def back(self) -> None:
        buttons = self.window.buttons()
        for action in ("back", "checkin_again", "home"):
            if action in buttons:
                buttons[action].click()
                return
