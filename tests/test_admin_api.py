"""The administrator's REST (docs/admin-api.md) against a real server on a real port: every change applied live,
refused clearly in both languages when wrong, kept over a restart, and read back in the audit."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

import aiohttp
import pytest

from cherha_client import ProtocolError
from queue_server.api.auth import Role
from queue_server.api.endpoints import Route
from queue_server.api.routes import ROUTES

from .support import TUESDAY_10, WsClient, issue, new_command_id, operator, running_server

WEDNESDAY = date(2026, 11, 25)
ADMIN_ROUTES = [r for r in ROUTES if isinstance(r, Route) and r.path.startswith("/api/admin/")]


class Admin:
    """An admin's REST session: `call` returns (status, JSON)."""

    def __init__(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.http, self.url, self.headers = http, url, {"Authorization": f"Bearer {token}"}

    @classmethod
    async def sign_in(cls, http: aiohttp.ClientSession, url: str, login: str = "admin",
                      password: str = "admin-demo") -> Admin:
        async with http.post(url + "/api/sessions", json={"login": login, "password": password}) as response:
            assert response.status == 201, await response.text()
            return cls(http, url, (await response.json())["token"])

    async def call(self, method: str, path: str, body: Any = None, **params: str) -> tuple[int, Any]:
        async with self.http.request(method, self.url + "/api/admin/" + path, json=body, params=params,
                                     headers=self.headers) as response:
            if response.content_type == "application/json":
                return response.status, await response.json()
            return response.status, await response.text()

    async def ok(self, method: str, path: str, body: Any = None, status: int = 200, **params: str) -> Any:
        got, data = await self.call(method, path, body, **params)
        assert got == status, data
        return data


async def _session(http: aiohttp.ClientSession, url: str, login: str, password: str) -> str:
    async with http.post(url + "/api/sessions", json={"login": login, "password": password}) as response:
        assert response.status == 201
        token: str = (await response.json())["token"]
        return token


def _path(route: Route[Any]) -> str:
    return (route.path.replace("{login}", "op01").replace("{number}", "1").replace("{id}", "x"))


async def test_every_admin_route_refuses_everyone_but_an_admin(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert len(ADMIN_ROUTES) >= 25
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        tokens = {"operator": await _session(http, server.url, "op01", "1111"),
                  "supervisor": await _session(http, server.url, "supervisor", "super-demo"),
                  "kiosk": await server.device_token(Role.KIOSK, "kiosk-1"),
                  "display": await server.device_token(Role.DISPLAY, "board-1")}
        for route in ADMIN_ROUTES:
            async with http.request(route.method, server.url + _path(route), json={}) as response:
                assert (response.status, (await response.json())["error"]["code"]) == (401, "auth_required"), route
            for who, token in tokens.items():
                async with http.request(route.method, server.url + _path(route), json={},
                                        headers={"Authorization": f"Bearer {token}"}) as response:
                    body = await response.json()
                    assert (response.status, body["error"]["code"]) == (403, "forbidden_for_role"), (who, route.path)
        admin = await Admin.sign_in(http, server.url)
        assert "operators" in await admin.ok("GET", "operators")


async def test_a_new_operator_signs_in_at_once_only_where_allowed_and_a_disabled_one_is_out(  # type: ignore[no-untyped-def]
        tmp_path) -> None:
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        added = await admin.ok("POST", "operators", {"login": "olena", "name": "Олена Ковальчук", "desks": [3]},
                               status=201)
        pin = added["pin"]
        assert len(pin) == 6 and pin.isdigit() and "secret_hash" not in added["operator"]
        assert added["changes"][0]["kind"] == "operator" and added["changes"][0]["value"]["pin"] == "set"
        status, taken = await admin.call("POST", "operators", {"login": "olena", "name": "x"})
        assert (status, taken["error"]["code"]) == (409, "login_taken")

        console = await WsClient.connect(server.ws_url, login="olena", password=pin, desk=3)
        assert console.auth["name"] == "olena" and console.auth["desk"] == 3
        opened = await console.command("desk_open")
        assert opened["events"] == ["desk_opened"]
        with pytest.raises(ProtocolError) as refused:
            await WsClient.connect(server.ws_url, login="olena", password=pin, desk=4)
        assert refused.value.code == "desk_not_allowed"

        # No PIN anywhere in the log; only the hash, as in a hall file.
        log = await server.store.read(lambda db: [r[0] for r in db.execute("SELECT payload FROM events")])
        assert not any(pin in payload for payload in log) and any("scrypt$" in p for p in log)

        disabled = await admin.ok("PATCH", "operators/olena", {"disabled": True})
        assert disabled["operator"]["disabled"] is True
        await asyncio.wait_for(console.stopped.wait(), 10)  # the live session ended: 4003
        with pytest.raises(ProtocolError) as out:
            await WsClient.connect(server.ws_url, login="olena", password=pin, desk=3)
        assert out.value.code == "invalid_credentials"
        await console.close()

        await admin.ok("PATCH", "operators/olena", {"disabled": False, "name": "Олена К."})
        new_pin = (await admin.ok("POST", "operators/olena/pin"))["pin"]
        with pytest.raises(ProtocolError):
            await WsClient.connect(server.ws_url, login="olena", password=pin, desk=3)
        again = await WsClient.connect(server.ws_url, login="olena", password=new_pin, desk=3)
        await again.close()
        status, last = await admin.call("PATCH", "operators/admin", {"role": "operator"})
        assert (status, last["error"]["code"]) == (409, "last_admin")


async def test_a_desk_plan_changed_is_followed_by_the_next_call(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        kiosk = await server.device_token()
        desk = await operator(server, 1)
        board = await WsClient.connect(server.ws_url, token=await server.device_token(Role.DISPLAY, "board"))
        await board.request("subscribe")
        passport = await issue(http, server, kiosk, "id-card")
        birth = await issue(http, server, kiosk, "birth")
        assert passport["issued_at"] <= birth["issued_at"]
        before = await admin.ok("GET", "desks")
        assert before["desks"][0]["services"][0]["service"] == "id-card"

        changed = await admin.ok("PUT", "desks/1", {"zone": "А", "services": [{"service": "birth", "weight": 10}]})
        assert changed["desk"]["services"] == [{"service": "birth", "weight": 10}]
        called = await desk.command("call_next")
        assert called["visit"]["ticket"] == birth["ticket"], "desk 1 now serves births only"
        # The board's view was sent again whole after the change.
        frames = board.drain()
        while not any(f.get("type") == "view" and f.get("seq", 0) >= changed["seq"] for f in frames):
            frames.append(await board.next_event())

        copied = await admin.ok("POST", "desks/2/copy", {"to": [1]})  # desk 1 back to desk 2's passports
        assert copied["desks"][0]["services"] == before["desks"][1]["services"]
        await desk.command("no_show")
        again = await desk.command("call_next")
        assert again["visit"]["ticket"] == passport["ticket"]
        await desk.close()
        await board.close()


async def test_wrong_changes_are_refused_in_both_languages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        status, typo = await admin.call("PUT", "desks/1", {"services": [{"service": "birth", "weight": "ten"}]})
        error = typo["error"]
        assert (status, error["code"], error["params"]["field"]) == (400, "invalid_message", "services.0.weight")
        assert "ціле число" in error["message"]["uk"] and "whole number" in error["message"]["en"]
        assert "Input should" not in str(error)
        cases = [
            ("PUT", "desks/1", {"services": []}, 409, "desk_serves_nothing"),
            ("PUT", "desks/1", {"services": [{"service": "pasport", "weight": 1}]}, 404, "unknown_service"),
            ("PUT", "services/new-one", {"category": "civil", "prefix": "П", "name": {"uk": "Нова"},
                                         "desks": {"1": 5}}, 409, "prefix_taken"),
            ("PUT", "services/new-one", {"category": "civil", "prefix": "Ц", "name": {"uk": "Нова"}},
             409, "service_unserved"),
            ("PUT", "categories/empty", {"name": {"uk": "Порожня"}}, 400, "first_service_required"),
            ("DELETE", "categories/civil", None, 409, "category_in_use"),
            ("DELETE", "services/birth", None, 409, "service_in_use"),
            ("PATCH", "centre", {"hours": {"mon": "17:00-08:00"}}, 400, "bad_hours"),
            ("PATCH", "centre", {"breaks": ["21:00-21:30"]}, 409, "bad_hours"),
            ("PATCH", "centre", {"public_url": "https://cnap.example.ua/?x=1"}, 400, "bad_public_url"),
            ("PATCH", "centre", {"policy": {"postpone_min_minutes": 40, "postpone_max_minutes": 30}}, 400,
             "setting_out_of_range"),
            ("PUT", "bundles/solo", {"name": {"uk": "Одна"}, "services": ["birth"]}, 409, "bundle_too_small"),
            ("PATCH", "operators/nobody", {"name": "x"}, 404, "unknown_operator"),
        ]
        for method, path, body, want_status, code in cases:
            status, answer = await admin.call(method, path, body)
            assert (status, answer["error"]["code"]) == (want_status, code), (path, answer)
            assert answer["error"]["message"]["uk"] and answer["error"]["message"]["en"]
            assert answer["error"]["message"]["uk"] != answer["error"]["message"]["en"]
        # A new category comes with its first service, on a desk; the kiosk's tree follows at once.
        made = await admin.ok("PUT", "categories/veterans", {
            "name": {"uk": "Ветеранам", "en": "Veterans"}, "order": 1,
            "first_service": {"id": "veteran-status", "category": "veterans", "prefix": "Ю",
                              "name": {"uk": "Статус ветерана", "en": "Veteran status"}, "desks": {"5": 10}}})
        assert made["category"]["order"] == 1 and made["category"]["services"] == ["veteran-status"]
        async with http.get(server.url + "/api/hall") as response:
            tree = await response.json()
        assert tree["categories"][0]["id"] == "veterans", "first on the kiosk"
        kiosk = await server.device_token()
        ticket = await issue(http, server, kiosk, "veteran-status")
        assert ticket["ticket"].startswith("Ю")


async def test_a_holiday_closes_booking_and_lists_the_bookings_it_cancels(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        day = WEDNESDAY.isoformat()

        async def slots() -> list[dict[str, Any]]:
            async with http.get(server.url + "/api/booking/slots",
                                params={"service_id": "id-card", "date": day}) as response:
                found: list[dict[str, Any]] = (await response.json())["slots"]
                return found

        offered = await slots()
        assert offered
        body = {"command_id": new_command_id(), "service_id": "id-card", "start": offered[0]["start"],
                "phone": "+380501234567"}
        async with http.post(server.url + "/api/bookings", json=body) as response:
            booking = (await response.json())["booking"]
        affected = await admin.ok("GET", "affected-bookings", date=day)
        assert affected["count"] == 1 and affected["bookings"][0]["code"] == booking["code"]

        status, refused = await admin.call("PATCH", "centre", {"holidays": ["2026-12-25", "2027-01-01", day]})
        assert (status, refused["error"]["code"]) == (409, "bookings_affected")
        assert refused["error"]["params"]["bookings"][0]["code"] == booking["code"]
        assert await slots(), "refused: nothing changed"

        done = await admin.ok("PATCH", "centre", {"holidays": ["2026-12-25", "2027-01-01", day],
                                                  "confirm_affected": True})
        assert [b["code"] for b in done["cancelled"]] == [booking["code"]]
        assert day in done["centre"]["holidays"]
        assert await slots() == [], "no slots on a holiday"
        body = {**body, "command_id": new_command_id(), "phone": "+380671234567"}
        async with http.post(server.url + "/api/bookings", json=body) as response:
            error = (await response.json())["error"]
            assert (response.status, error["code"], error["params"]) == (409, "booking_day_closed", {"date": day})
            assert error["message"]["uk"].startswith("Цього дня ЦНАП не працює"), "says why, not «no such time»"
        async with http.get(server.url + "/api/hall") as response:
            assert day in (await response.json())["booking"]["holidays"], "the booking page no longer offers it"
        async with http.get(server.url + f"/api/bookings/{booking['code']}") as response:
            assert (await response.json())["booking"]["cancelled"] is True

        # A shortened day: slots end earlier.
        await admin.ok("PATCH", "centre", {"shortened": {"2026-11-26": "08:00-12:00"}})
        async with http.get(server.url + "/api/booking/slots",
                            params={"service_id": "id-card", "date": "2026-11-26"}) as response:
            short = (await response.json())["slots"]
        assert short and max(datetime.fromisoformat(s["end"]) for s in short).hour == 12


async def test_a_revoked_kiosk_is_refused_at_once_socket_included(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        issued = await admin.ok("POST", "devices", {"name": "Кіоск біля входу", "role": "kiosk"}, status=201)
        token, device = issued["token"], issued["device"]
        assert issued["board_url"] is None and device["last_contact"] is None
        board = await admin.ok("POST", "devices", {"name": "Табло", "role": "display", "desk": 7}, status=201)
        assert board["board_url"].startswith(server.url + "/display/desk/7?token=")

        kiosk = await WsClient.connect(server.ws_url, token=token)
        await issue(http, server, token, "id-card")
        listed = await admin.ok("GET", "devices")
        mine = next(d for d in listed["devices"] if d["id"] == device["id"])
        assert mine["last_contact"] is not None and "token" not in mine
        await admin.ok("PATCH", f"devices/{device['id']}", {"name": "Кіоск 1"})

        revoked = await admin.ok("DELETE", f"devices/{device['id']}")
        assert revoked["device"]["revoked"] is True
        await asyncio.wait_for(kiosk.stopped.wait(), 10)
        with pytest.raises(ProtocolError) as refused:
            await issue(http, server, token, "id-card")
        assert refused.value.code == "invalid_token"
        with pytest.raises(ProtocolError):
            await WsClient.connect(server.ws_url, token=token)
        await kiosk.close()
        kinds = [e["action"] for e in (await admin.ok("GET", "audit", kind="device"))["entries"]]
        assert kinds == ["revoked", "renamed", "issued", "issued"]


async def test_the_audit_filters_by_person_kind_and_date_and_pages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        await admin.ok("POST", "operators", {"login": "second-admin", "name": "Друга", "role": "admin"}, status=201)
        pin = (await admin.ok("POST", "operators/second-admin/pin"))["pin"]
        other = await Admin.sign_in(http, server.url, "second-admin", pin)
        await admin.ok("PUT", "desks/2", {"zone": "А", "services": [{"service": "id-card", "weight": 10}]})
        await other.ok("PATCH", "centre", {"policy": {"sla_walk_in_minutes": 20}})
        await other.ok("PUT", "bundles/moving", {"name": {"uk": "Переїзд"},
                                                 "services": ["residence-deregister", "residence-register"]})
        everything = (await admin.ok("GET", "audit"))["entries"]
        assert [e["kind"] for e in everything] == ["bundle", "centre", "desk", "operator", "operator"]
        assert everything[1]["summary"] == {"uk": "Налаштування центру: змінено", "en": "Centre settings: changed"}
        assert everything[1]["value"]["policy"]["sla_walk_in_minutes"] == 20
        assert all("secret_hash" not in str(e) for e in everything)
        by_other = (await admin.ok("GET", "audit", login="second-admin"))["entries"]
        assert [e["kind"] for e in by_other] == ["bundle", "centre"]
        assert [e["target"] for e in (await admin.ok("GET", "audit", kind="desk"))["entries"]] == ["2"]
        today = TUESDAY_10.date().isoformat()
        assert len((await admin.call("GET", "audit", None, **{"from": today, "to": today}))[1]["entries"]) == 5
        assert (await admin.call("GET", "audit", None, **{"from": "2026-11-25"}))[1]["entries"] == []
        page = await admin.ok("GET", "audit", limit="2")
        seen = [e["seq"] for e in page["entries"]]
        while page["next_before"] is not None:
            page = await admin.ok("GET", "audit", limit="2", before=str(page["next_before"]))
            seen += [e["seq"] for e in page["entries"]]
        assert seen == [e["seq"] for e in everything]
        status, too_many = await admin.call("GET", "audit", limit="500")
        assert (status, too_many["error"]["code"]) == (400, "setting_out_of_range")


async def test_live_changes_survive_a_restart(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        pin = (await admin.ok("POST", "operators", {"login": "taras", "name": "Тарас", "role": "supervisor"},
                              status=201))["pin"]
        await admin.ok("PUT", "desks/19", {"zone": "Е", "services": [{"service": "birth", "weight": 5}]})
        await admin.ok("PATCH", "centre", {"holidays": ["2026-12-25", "2027-01-01", "2026-12-08"]})
        exported = await admin.ok("GET", "config")
    server.clock.set(TUESDAY_10.replace(day=25))  # the next day: the changes are no longer in today's events
    async with running_server(tmp_path, clock=server.clock) as again, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, again.url)
        assert await admin.ok("GET", "config") == exported
        desks = (await admin.ok("GET", "desks"))["desks"]
        assert desks[-1]["number"] == 19
        console = await WsClient.connect(again.ws_url, login="taras", password=pin)
        assert console.auth["role"] == "supervisor"
        await console.close()


async def test_a_priority_category_over_its_daily_cap_gets_ordinary_tickets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        admin = await Admin.sign_in(http, server.url)
        centre = await admin.ok("GET", "centre")
        capped = [{**p, "daily_cap": 1 if p["id"] == "military" else None} for p in centre["priority_categories"]]
        await admin.ok("PATCH", "centre", {"priority_categories": capped})
        kiosk = await server.device_token()
        first = await issue(http, server, kiosk, "id-card", priority_category="military")
        second = await issue(http, server, kiosk, "id-card", priority_category="military")
        other = await issue(http, server, kiosk, "id-card", priority_category="disability")
        assert (first["priority"], second["priority"], other["priority"]) == (1, 0, 2)
