"""The administrators' changes as the audit page reads them: who, when, what, in Ukrainian and English.

Built from `hall_configured` events (domain/events.py). A PIN hash is never shown: a changed one reads
`"pin": "reset"`.
"""

from __future__ import annotations

from typing import Any

from texts import LANGS

from .catalogue import MESSAGES
from .store import EventRecord

AUDIT_KINDS = ("operator", "desk", "service", "category", "bundle", "centre", "device", "import", "city")
MAX_PAGE = 200  # entries one audit request may ask for (docs/admin-api.md#audit)
DEFAULT_PAGE = 50


def shown_value(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """An item's value fit to show: no PIN hash (the audit says a PIN was set, not what it is)."""
    if value is None or "secret_hash" not in value:
        return value
    return {**{k: v for k, v in value.items() if k != "secret_hash"}, "pin": "set"}


def audit_entry(seq: int, payload: dict[str, Any]) -> dict[str, Any]:
    kind, action, target = payload["kind"], payload["action"], payload["target"]
    summary = {lang: MESSAGES.t_in(lang, f"audit_{kind}", target=target,
                                   action=MESSAGES.t_in(lang, f"audit_{action}")) for lang in LANGS}
    return {"seq": seq, "at": payload["at"], "by": payload["by"], "kind": kind, "action": action,
            "target": target, "summary": summary, "value": shown_value(payload.get("value"))}


def audit_entries(records: list[EventRecord]) -> list[dict[str, Any]]:
    return [audit_entry(r.seq, r.payload) for r in records if r.payload.get("type") == "hall_configured"]
