"""REST on a real loopback port: tickets, idempotency, and every kind of bad request."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from queue_server.api.auth import Role
from queue_server.domain.enums import ACCESSIBLE_FEATURE_IDS, ACCESSIBLE_OUTCOME_IDS, FEEDBACK_REASON_IDS

from .support import ProtocolError, issue, new_command_id, running_server


async def test_health_hall_and_ticket(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        async with http.get(server.url + "/api/health") as response:
            assert response.status == 200 and (await response.json())["status"] == "ok"
        async with http.get(server.url + "/api/hall") as response:
            hall = await response.json()
        assert len(hall["services"]) == 67 and len(hall["categories"]) == 14
        assert hall["services"]["id-card"]["name"]["uk"].startswith("Оформлення паспорта")
        assert hall["services"]["id-card"]["unavailable"] is None
        # The enumerations, each defined once on the server, reach every client with their names.
        assert [p["id"] for p in hall["priority_categories"]] == list(server.service.hall.priority_categories)
        assert {r["id"] for r in hall["feedback_reasons"]} == FEEDBACK_REASON_IDS
        assert {f["id"] for f in hall["accessible_features"]} == ACCESSIBLE_FEATURE_IDS
        assert {o["id"] for o in hall["accessible_outcomes"]} == ACCESSIBLE_OUTCOME_IDS
        assert hall["feedback_reasons"][0] == {"id": "wait", "name": {"uk": "Довге очікування", "en": "Long wait"}}
        assert [f["id"] for f in hall["accessible_features"] if f["on_request"]] == ["repeat_voice"]
        ticket = await issue(http, server, token, "id-card")
        assert ticket["ticket"] == "П-001" and ticket["ahead"] == 0
        assert ticket["feedback_url"] == f"/f/{ticket['feedback_token']}"
        assert len(ticket["feedback_token"]) >= 40, "feedback links must be unguessable"
        second = await issue(http, server, token, "passport-foreign")
        assert second["ticket"] == "П-002" and second["ahead"] == 0  # another service's queue
        third = await issue(http, server, token, "id-card")
        # No desk is open yet: the kiosk is told so (null), never invented minutes.
    assert third["ahead"] == 1 and third["estimated_wait_minutes"] is None


async def test_issue_is_idempotent_by_command_id(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        headers = {"Authorization": f"Bearer {token}"}
        body = {"command_id": new_command_id(), "service_id": "id-card"}
        # The same request sent five times at once and once more later: one ticket.
        responses = await asyncio.gather(*[
            http.post(server.url + "/api/tickets", json=body, headers=headers) for _ in range(5)
        ])
        tickets = {(await r.json())["ticket"] for r in responses}
        async with http.post(server.url + "/api/tickets", json=body, headers=headers) as again:
            tickets.add((await again.json())["ticket"])
        assert tickets == {"П-001"}
        assert len(server.service.state.visits) == 1


async def test_refusal_reasons_reach_the_kiosk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        token = await server.device_token()
        with pytest.raises(ProtocolError) as refusal:
            await issue(http, server, token, "vehicle-registration", priority_category="nobody")
        assert refusal.value.code == "unknown_priority_category"
        assert refusal.value.error["message"]["uk"] and refusal.value.error["message"]["en"]
        server.clock.advance(hours=11)  # 21:00, after Tuesday's long hours
        with pytest.raises(ProtocolError) as closed:
            await issue(http, server, token, "id-card")
        assert closed.value.code == "hall_closed"
        async with http.get(server.url + "/api/hall") as response:
            hall = await response.json()
        assert hall["open"] is False and hall["services"]["id-card"]["unavailable"] == "hall_closed"


BAD_REQUESTS = [
    # (method, path, body text, headers kind, expected status, expected code)
    ("POST", "/api/tickets", "{not json", "kiosk", 400, "invalid_json"),
    ("POST", "/api/tickets", "[1, 2]", "kiosk", 400, "invalid_message"),
    ("POST", "/api/tickets", '{"service_id": "id-card"}', "kiosk", 400, "invalid_message"),
    ("POST", "/api/tickets", '{"command_id": "short", "service_id": "id-card"}', "kiosk", 400, "invalid_message"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "service_id": 5}', "kiosk", 400, "invalid_message"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "service_id": "ID CARD"}', "kiosk", 400,
     "invalid_message"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "service_id": "id-card", "x": 1}', "kiosk", 400,
     "invalid_message"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "lang": "de", "service_id": "id-card"}', "kiosk", 400,
     "invalid_message"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12"}', "kiosk", 400, "service_required"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "service_id": "nope"}', "kiosk", 404, "unknown_service"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "service_id": "id-card"}', "none", 401, "auth_required"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "service_id": "id-card"}', "bogus", 401,
     "invalid_token"),
    ("POST", "/api/tickets", '{"command_id": "abcdefgh12", "service_id": "id-card"}', "display", 403,
     "forbidden_for_role"),
    ("POST", "/api/tickets", "\udcff", "kiosk", 400, "invalid_json"),
    ("POST", "/api/tickets", '{"command_id": "' + "a" * 70_000 + '"}', "kiosk", 413, "payload_too_large"),
    ("GET", "/api/state", "", "none", 401, "auth_required"),
    ("GET", "/api/nothing-here", "", "none", 404, "not_found"),
    ("PUT", "/api/tickets", "{}", "kiosk", 405, "method_not_allowed"),
    ("POST", "/api/sessions", '{"login": "op01", "password": "0000"}', "none", 401, "invalid_credentials"),
    ("POST", "/api/sessions", '{"login": "op01", "password": "1111", "desk": 99}', "none", 400, "unknown_desk"),
    ("POST", "/api/sessions", '{"login": "op01"}', "none", 400, "invalid_message"),
]


@pytest.mark.parametrize(("method", "path", "body", "who", "status", "code"), BAD_REQUESTS)
async def test_bad_requests_get_clear_errors(tmp_path, method, path, body, who, status, code) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        headers = {}
        if who in ("kiosk", "display"):
            headers["Authorization"] = "Bearer " + await server.device_token(Role(who), who)
        elif who == "bogus":
            headers["Authorization"] = "Bearer not-a-real-token"
        data = body.encode("utf-8", "surrogateescape")
        async with http.request(method, server.url + path, data=data, headers=headers) as response:
            payload = await response.json()
            assert response.status == status, payload
        assert payload["error"]["code"] == code
        assert payload["error"]["message"]["uk"] and payload["error"]["message"]["en"]
        assert "Traceback" not in str(payload)
        async with http.get(server.url + "/api/health") as response:
            assert response.status == 200, "the server lives on"


async def test_login_throttling(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        codes = []
        for _ in range(6):
            async with http.post(server.url + "/api/sessions", json={"login": "op02", "password": "9999"}) as r:
                codes.append((await r.json())["error"]["code"])
        assert codes[:5] == ["invalid_credentials"] * 5 and codes[5] == "too_many_attempts"
        async with http.post(server.url + "/api/sessions", json={"login": "op02", "password": "1111"}) as r:
            assert (await r.json())["error"]["code"] == "too_many_attempts", "even the right PIN waits"
        async with http.post(server.url + "/api/sessions", json={"login": "op03", "password": "1111", "desk": 3}) as r:
            session = await r.json()
        assert r.status == 201 and session["role"] == "operator" and session["desk"] == 3
        auth = {"Authorization": f"Bearer {session['token']}"}
        async with http.get(server.url + "/api/state", headers=auth) as r:
            assert r.status == 200 and len((await r.json())["desks"]) == 18
        async with http.delete(server.url + "/api/sessions", headers=auth) as r:
            assert r.status == 200
        async with http.get(server.url + "/api/state", headers=auth) as r:
            assert r.status == 401
