"""The fixed lists the hall's rules name, with their Ukrainian and English names: defined here once.

Feedback reasons, the accessible mode's features and an accessible session's outcomes are the same in every
hall, so they live in the domain (priority categories differ per hall: `[[priority_categories]]` in the
hall's file, `hall.PriorityCategory`). The server validates against these ids (decide_visitors.py), and
serves the lists with their names in `GET /api/hall` (views.public_hall), where the pages, the kiosk and the
console read them instead of keeping copies.
"""

from __future__ import annotations

from dataclasses import dataclass

from .hall import Text


@dataclass(frozen=True)
class Choice:
    id: str
    name: Text


@dataclass(frozen=True)
class Feature(Choice):
    # Used only when the visitor asks for it (a repeat by voice); the others come with the accessible mode.
    on_request: bool = False


FEEDBACK_REASONS = (
    Choice("wait", Text("Довге очікування", "Long wait")),
    Choice("politeness", Text("Ввічливість", "Politeness")),
    Choice("competence", Text("Компетентність", "Competence")),
    Choice("documents", Text("Документи", "Documents")),
    Choice("premises", Text("Приміщення", "Premises")),
    Choice("other", Text("Інше", "Other")),
)

ACCESSIBLE_FEATURES = (
    Feature("large_print", Text("Великий шрифт", "Large print")),
    Feature("high_contrast", Text("Висока контрастність", "High contrast")),
    Feature("voice", Text("Голосовий супровід", "Voice guidance")),
    Feature("repeat_voice", Text("Повтор голосом", "Repeat by voice"), on_request=True),
    Feature("low_reach", Text("Кнопки в нижній частині екрана", "Buttons low on the screen")),
    Feature("long_timeouts", Text("Довший час на дії", "Longer time-outs")),
)

ACCESSIBLE_OUTCOMES = (
    Choice("ticket", Text("отримано талон", "ticket taken")),
    Choice("checkin", Text("реєстрація за записом", "booking check-in")),
    Choice("info", Text("інформаційна картка", "information card")),
    Choice("abandoned", Text("перервано", "abandoned")),
    Choice("timeout", Text("час вичерпано", "timed out")),
)


def ids(choices: tuple[Choice, ...]) -> frozenset[str]:
    return frozenset(choice.id for choice in choices)


FEEDBACK_REASON_IDS = ids(FEEDBACK_REASONS)
ACCESSIBLE_FEATURE_IDS = ids(ACCESSIBLE_FEATURES)
ACCESSIBLE_OUTCOME_IDS = ids(ACCESSIBLE_OUTCOMES)
