"""Documentation that must not fall behind the code: protocol, OpenAPI, configuration, message catalogue."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from queue_server.api.messages import SERVER_TYPES, SPECS
from queue_server.api.routes import ROUTES
from queue_server.catalogue import CATALOGUE_FILE, error_body
from queue_server.domain.events import EVENT_TYPES
from queue_server.domain.hall import BoardSettings, BookingPolicy, DispatchPolicy, Policy
from queue_server.domain.visit import VisitState
from texts import load

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")


def _documented_rows(text: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", text, flags=re.MULTILINE))


def test_every_message_type_is_documented() -> None:
    rows = _documented_rows(PROTOCOL)
    missing = [t for t in [*SPECS, *SERVER_TYPES] if t not in rows]
    assert not missing, f"docs/protocol.md lacks a table row for: {missing}"


def test_every_event_type_is_documented() -> None:
    rows = _documented_rows(PROTOCOL)
    missing = [t for t in EVENT_TYPES if t not in rows]
    assert not missing, f"docs/protocol.md lacks event rows for: {missing}"


def _rest_rows(text: str) -> dict[str, str]:
    """`METHOD /path` → its "Who" cell, from the REST table of docs/protocol.md."""
    return dict(re.findall(r"^\| `([A-Z]+ /[^`]*)` \| ([^|]+) \|", text, flags=re.MULTILINE))


def test_every_rest_route_is_in_the_protocol_with_who_may_call_it() -> None:
    """The OpenAPI document is generated from the route table (tests/test_openapi.py); the prose is not, so
    each route's row must name who the table lets in."""
    rows = _rest_rows(PROTOCOL)
    rest = [route for route in ROUTES if route.path.startswith("/api/")]
    assert len(rest) >= 20
    assert set(rows) == {f"{route.method} {route.path}" for route in rest}, "docs/protocol.md's REST table"
    for route in rest:
        who, access = rows[f"{route.method} {route.path}"], route.access
        roles = {role.value for role in access.roles}
        if access.kind == "public":
            assert who.startswith("anyone"), (route.path, who)
        elif access.kind == "visitor-by-code":
            assert who.startswith("anyone with the"), (route.path, who)
        elif access.kind == "token-or-anonymous":
            assert who.startswith("anyone;") and roles <= set(re.findall(r"[a-z]+", who)), (route.path, who)
        elif roles:
            assert roles == set(re.findall(r"[a-z]+", who)), (route.path, who)
        else:
            assert who.startswith("any token"), (route.path, who)


def test_every_config_key_is_documented() -> None:
    source = (ROOT / "queue_server" / "config.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'r\.get\([^()]*?"([a-z_]+)"', source))
    keys |= {f"{k}_uk" for k in re.findall(r'text_pair\([^()]*?"([a-z_]+)"', source)}
    keys |= set(re.findall(r'"([a-z_]+)" in (?:stable|table)', source))
    keys |= {f.name for f in dataclasses.fields(Policy)} | {"breaks", "holidays"}
    keys |= {f.name for f in dataclasses.fields(BoardSettings)} | {f.name for f in dataclasses.fields(BookingPolicy)}
    keys |= {f.name for f in dataclasses.fields(DispatchPolicy)}
    doc = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert len(keys) > 20 and not missing, f"docs/configuration.md lacks: {missing}"


def test_every_error_code_has_ukrainian_and_english_text() -> None:
    codes: set[str] = set()
    pattern = re.compile(r'(?:Refused|NotFound|InvalidInput|Forbidden|Unauthorized)\(\s*"([a-z_]+)"')
    for path in (ROOT / "queue_server").rglob("*.py"):
        codes |= set(pattern.findall(path.read_text(encoding="utf-8")))
    codes |= {"not_found", "method_not_allowed", "payload_too_large", "internal_error"}
    entries = load(CATALOGUE_FILE)  # the loader itself refuses a code missing in one of the languages
    assert len(codes) > 40
    missing = sorted(c for c in codes if c not in entries["uk"])
    assert not missing, f"messages.toml lacks: {missing}"
    for code, uk in entries["uk"].items():
        en = entries["en"][code]
        # A text, or plural forms (texts/: `by` names the number that chooses); each form has every parameter.
        forms = [text] if isinstance(text := uk, str) else [v for k, v in text.items() if k != "by"]
        forms += [en] if isinstance(en, str) else [v for k, v in en.items() if k != "by"]
        assert all(forms), code
        assert len({frozenset(re.findall(r"\{(\w+)\}", form)) for form in forms}) == 1, code


def test_a_refusal_names_a_visits_state_in_words() -> None:
    """`(стан: no_show)` was what an operator read: every state has its words, the params keep the code."""
    entries = load(CATALOGUE_FILE)
    missing = [state.value for state in VisitState if f"state_{state.value}" not in entries["uk"]]
    assert not missing, f"messages.toml lacks the words for the visit states {missing}"
    body = error_body("visit_not_waiting", {"ticket": "П-001", "state": "no_show"})
    assert body["message"] == {"uk": "Талон П-001 не очікує в черзі (стан: не з’явився).",
                               "en": "Ticket П-001 is not waiting (state: no-show)."}
    assert body["params"] == {"ticket": "П-001", "state": "no_show"}
    postponed = error_body("invalid_transition", {"ticket": "П-001", "state": "postponed"})
    assert "у стані «відкладений»" in postponed["message"]["uk"]
