"""Configuration flowing down from the city: versioned catalogues published by city staff, pulled by every
branch and applied as an administrator's change is (audited, by "city"), or refused and reported.

A real PostgreSQL (tests/city_support.py), the city server and real branch servers on loopback ports; the
branches reach the city through the misbehaving proxy. Clocks are injected (ManualClock).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import subprocess
import sys
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import expect

from city_server.testing_pg import Postgres
from queue_server.api.auth import Role
from queue_server.config import DEMO_HALL
from queue_server.config_export import hall_to_toml
from queue_server.domain.hall import Hall
from queue_server.shipping.protocol import CONFIG_PATH, CONFIG_VERSIONS_PATH, MAX_CATALOGUE_BYTES

from .browser import chromium
from .city_support import CITY_START, ChaosProxy, City, running_branch, shipper, until
from .shots import shots_dir
from .support import Server, issue
from .test_admin_api import Admin
from .test_dashboard import sign_in

KYIV = ZoneInfo("Europe/Kyiv")
TUESDAY_9 = datetime(2026, 11, 24, 9, 0, tzinfo=KYIV)
PULL = 0.2  # the branches' config_seconds here
BRANCHES = ("tsentr", "inhulets", "ternivka")


def demo_catalogue() -> dict[str, Any]:
    """The demo hall's city-wide tables, as a city would publish them."""
    hall = tomllib.loads(DEMO_HALL.read_text(encoding="utf-8"))
    return {key: hall.get(key, {}) for key in ("categories", "bundles", "policy", "booking", "priority_categories")}


def with_service(catalogue: dict[str, Any], category: str, service: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(catalogue)
    next(c for c in out["categories"] if c["id"] == category)["services"].append(service)
    return out


def without_service(catalogue: dict[str, Any], sid: str) -> dict[str, Any]:
    out = copy.deepcopy(catalogue)
    for category in out["categories"]:
        category["services"] = [s for s in category["services"] if s["id"] != sid]
    for bundle in out["bundles"]:
        bundle["services"] = [s for s in bundle["services"] if s != sid]
    out["bundles"] = [b for b in out["bundles"] if len(b["services"]) >= 2]
    return out


VETERAN = {"id": "veteran-id", "prefix": "П", "name_uk": "Посвідчення ветерана", "name_en": "Veteran's ID",
           "avg_minutes": 12, "served_like": "id-card"}
RESCUE = {"id": "rescue-grant", "prefix": "П", "name_uk": "Допомога на відбудову", "name_en": "Rebuilding grant",
          "avg_minutes": 15, "served_like": "passport-foreign"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def publish(http: aiohttp.ClientSession, city: City, token: str, body: Any) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    async with http.post(city.url + CONFIG_PATH, data=data, headers=bearer(token)) as response:
        return response.status, await response.json()


async def city_audit(admin: Admin) -> list[dict[str, Any]]:
    return list((await admin.ok("GET", "audit", login="city", limit="200"))["entries"])


async def metrics(http: aiohttp.ClientSession, server: Server) -> list[str]:
    scraper = await server.device_token(Role.METRICS, "prometheus")
    async with http.get(server.url + "/metrics", headers=bearer(scraper)) as response:
        assert response.status == 200
        return (await response.text()).splitlines()


def runs(server: Server, version: int) -> Any:
    return lambda: shipper(server).config.version == version


async def test_published_versions_flow_down_to_every_branch(city: City, tmp_path: Path) -> None:
    proxy = await ChaosProxy(city.url, duplicate=0.1, lose_reply=0.1).start()
    tokens = {name: await city.branch_token(name) for name in BRANCHES}
    staff = await city.staff_token()
    async with contextlib.AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        stack.push_async_callback(proxy.close)

        async def start(name: str) -> Server:
            return await stack.enter_async_context(running_branch(
                tmp_path / name, proxy.url, name, tokens[name], TUESDAY_9, config_seconds=PULL))

        tsentr, inhulets = await start("tsentr"), await start("inhulets")
        await until(lambda: shipper(tsentr).config.pulls > 0 and shipper(inhulets).config.pulls > 0)
        assert shipper(tsentr).config.status() == {"version": 0, "offered": 0, "refused": None}

        # Version 1: a new service, a stricter waiting target. Ternivka is down while it is published.
        v1 = with_service(demo_catalogue(), "passports", VETERAN)
        v1["policy"]["sla_walk_in_minutes"] = 20
        status, answer = await publish(http, city, staff, {"catalogue": v1, "note": "ветеранські посвідчення"})
        assert status == 201 and answer["version"] == 1 and answer["branches"] is None
        for server in (tsentr, inhulets):
            await until(runs(server, 1), what="version 1 applied")
            hall = server.service.hall
            assert hall.services["veteran-id"].name.uk == "Посвідчення ветерана"
            assert hall.policy.sla_walk_in_minutes == 20
            # Served at the desks that serve the service it is like, at the same weight; other desks unchanged.
            assert {n: d.weight_of("veteran-id") for n, d in hall.desks.items() if d.weight_of("id-card")} == \
                {n: d.weight_of("id-card") for n, d in hall.desks.items() if d.weight_of("id-card")}
            ticket = await issue(http, server, await server.device_token(), "veteran-id")  # a ticket for it
            assert ticket["ticket"].startswith("П-")
        admin = await Admin.sign_in(http, tsentr.url)
        entries = await city_audit(admin)
        assert {(e["kind"], e["action"], e["target"]) for e in entries} == {
            ("city", "applied", "1"), ("service", "added", "veteran-id"), ("centre", "changed", "centre"),
            *(("desk", "changed", str(n)) for n, d in tsentr.service.hall.desks.items() if d.weight_of("id-card"))}
        marker = next(e for e in entries if e["kind"] == "city")
        assert marker["by"] == "city" and marker["value"]["note"] == "ветеранські посвідчення"
        assert marker["summary"] == {"uk": "Конфігурація міста, версія 1: застосовано",
                                     "en": "City configuration, version 1: applied"}

        # The branch says which version it runs: /metrics, its dashboard's data, and its summary to the city.
        assert "cherha_city_config_version 1" in await metrics(http, tsentr)

        async def versions() -> Any:
            async with http.get(city.url + CONFIG_VERSIONS_PATH, headers=bearer(staff)) as response:
                assert response.status == 200
                return await response.json()

        async def city_sees(expected: dict[str, int | None]) -> bool:
            return {b["branch"]: b["version"] for b in (await versions())["branches"]} == expected

        await until(lambda: city_sees({"inhulets": 1, "ternivka": None, "tsentr": 1}), what="the city sees v1")

        # Version 2 for tsentr and inhulets only; then version 3 for every branch.
        v2 = with_service(v1, "passports", RESCUE)
        status, answer = await publish(http, city, staff, {"catalogue": v2, "branches": ["tsentr", "inhulets"]})
        assert (status, answer["version"], answer["branches"]) == (201, 2, ["inhulets", "tsentr"])
        for server in (tsentr, inhulets):
            await until(runs(server, 2), what="version 2 applied")
            assert "rescue-grant" in server.service.hall.services
        v3 = copy.deepcopy(v2)
        v3["booking"]["phone_retention_days"] = 14
        assert (await publish(http, city, staff, {"catalogue": v3}))[1]["version"] == 3
        for server in (tsentr, inhulets):
            await until(runs(server, 3), what="version 3 applied")
            assert server.service.hall.booking.phone_retention_days == 14

        # Ternivka comes back after all three: it applies the newest meant for it, once, in one change.
        ternivka = await start("ternivka")
        await until(runs(ternivka, 3), what="ternivka catches up")
        hall = ternivka.service.hall
        assert {"veteran-id", "rescue-grant"} <= set(hall.services) and hall.booking.phone_retention_days == 14
        markers = [e for e in await city_audit(await Admin.sign_in(http, ternivka.url)) if e["kind"] == "city"]
        assert [m["target"] for m in markers] == ["3"]
        await until(lambda: city_sees({"inhulets": 3, "ternivka": 3, "tsentr": 3}), what="the city sees v3")
        listed = (await versions())["versions"]
        assert [(v["version"], v["branches"], v["by"]) for v in listed] == [
            (3, None, "city-supervisor"), (2, ["inhulets", "tsentr"], "city-supervisor"), (1, None, "city-supervisor")]
        assert listed[0]["services"] == len(hall.services)

        # The same version pulled again changes nothing: the city answers 304 with no body, the branch writes
        # nothing.
        puller = shipper(tsentr).config
        seq, pulls = tsentr.service.seq, puller.pulls
        await until(lambda: puller.pulls >= pulls + 5, what="five more pulls")
        assert tsentr.service.seq == seq and puller.version == 3
        async with http.get(city.url + CONFIG_PATH, headers={**bearer(tokens["tsentr"]), "If-None-Match": '"3"'}) \
                as response:
            assert response.status == 304 and await response.read() == b"" and response.headers["ETag"] == '"3"'
        async with http.get(city.url + CONFIG_PATH, headers={**bearer(tokens["tsentr"]), "If-None-Match": '"2"'}) \
                as response:
            assert response.status == 200 and (await response.json())["catalogue"] == v3


async def test_a_restart_keeps_the_version_and_does_not_apply_it_again(city: City, tmp_path: Path) -> None:
    token, staff = await city.branch_token("tsentr"), await city.staff_token()
    async with aiohttp.ClientSession() as http:
        status, _ = await publish(http, city, staff, {"catalogue": with_service(demo_catalogue(), "passports",
                                                                                   VETERAN)})
        assert status == 201
        async with running_branch(tmp_path, city.url, "tsentr", token, TUESDAY_9, config_seconds=PULL) as server:
            await until(runs(server, 1), what="version 1 applied")
            seq = server.service.seq
        await city.stop()  # the branch comes back while the city is down: it runs what its log says
        async with running_branch(tmp_path, city.url, "tsentr", token, TUESDAY_9, config_seconds=PULL) as server:
            assert server.service.published.city_version == 1
            assert "veteran-id" in server.service.hall.services
            puller = shipper(server).config
            await until(lambda: puller.error is not None, what="a pull that fails")
            await issue(http, server, await server.device_token(), "veteran-id")  # the hall works on
            seq = server.service.seq
            assert puller.status() == {"version": 1, "offered": None, "refused": None}
            await city.start()
            await until(lambda: puller.pulls >= 3, what="pulls once the city is back")
            assert server.service.seq == seq  # nothing applied again
            admin = await Admin.sign_in(http, server.url)
            assert [e["target"] for e in await city_audit(admin) if e["kind"] == "city"] == ["1"]
            assert "cherha_city_config_version 1" in await metrics(http, server)


async def test_a_version_the_branch_cannot_run_is_refused_reported_and_applied_once_room_is_made(
        city: City, tmp_path: Path) -> None:
    token, staff = await city.branch_token("tsentr"), await city.staff_token()
    async with aiohttp.ClientSession() as http, \
            running_branch(tmp_path, city.url, "tsentr", token, TUESDAY_9, config_seconds=PULL) as server:
        assert (await publish(http, city, staff, {"catalogue": demo_catalogue()}))[0] == 201
        await until(runs(server, 1), what="version 1 applied")
        # Version 2 removes a service four of this branch's desks still serve: the branch cannot run it.
        assert (await publish(http, city, staff, {"catalogue": without_service(demo_catalogue(),
                                                                               "passport-photo")}))[0] == 201
        puller = shipper(server).config
        await until(lambda: puller.refused is not None, what="version 2 refused")
        seq = server.service.seq
        assert puller.refused["version"] == 2 and puller.refused["code"] == "service_in_use"
        assert puller.refused["message"] == {
            "uk": "Послугу «passport-photo» не можна видалити: вона ще використовується (у плані вікна 1).",
            "en": "Service \"passport-photo\" cannot be deleted: it is still in use (on the plan of desk 1)."}
        assert puller.version == 1 and "passport-photo" in server.service.hall.services  # all or nothing
        # The branch keeps working on version 1, and keeps saying so; with a visitor waiting for the service,
        # that is the reason given now.
        kiosk = await server.device_token()
        await issue(http, server, kiosk, "passport-photo")
        pulls = puller.pulls
        await until(lambda: puller.pulls >= pulls + 3)
        assert puller.version == 1 and server.service.seq == seq + 1  # the ticket; nothing of version 2
        assert puller.refused["params"] == {"service": "passport-photo", "where": "queue"}

        async def reported() -> bool:
            async with http.get(city.url + CONFIG_VERSIONS_PATH, headers=bearer(staff)) as response:
                row = (await response.json())["branches"][0]
                return row["version"] == 1 and (row["refused"] or {}).get("code") == "service_in_use"

        await until(reported, what="the city sees the refusal")
        async with chromium() as browser:
            page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
            await page.goto(f"{server.url}/dashboard")
            await sign_in(page, "supervisor", "super-demo")
            line = page.locator("#alerts [data-kind=city_config]")
            await expect(line).to_have_text(
                "Конфігурацію міста версії 2 не застосовано (діє версія 1): Послугу «passport-photo» не можна "
                "видалити: вона ще використовується (на неї чекають відвідувачі).")
            await expect(page.locator("#alerts")).not_to_contain_text("Усе гаразд")
            await page.screenshot(path=shots_dir() / "dashboard-city-config-refused.png",
                                  clip={"x": 0, "y": 0, "width": 1280, "height": 380})

            # The centre's administrator serves the last visitor for it, and takes the service off the desks in
            # one change (an exported configuration, edited, imported): the next pull applies version 2.
            admin = await Admin.sign_in(http, server.url)
            operator_ws = await _serve_everyone_waiting(server, "passport-photo")
            await admin.ok("POST", "config", {"toml": hall_to_toml(_without(server.service.hall, "passport-photo"))})
            await until(runs(server, 2), what="version 2 applied once room was made")
            await operator_ws.close()
            assert puller.refused is None and "passport-photo" not in server.service.hall.services
            await expect(line).to_have_text("Конфігурація міста: діє версія 2", timeout=15000)


def _without(hall: Hall, sid: str) -> Hall:
    """The hall with a service gone from its catalogue and its desks (what the administrator edits)."""
    return dataclasses.replace(
        hall, services={k: v for k, v in hall.services.items() if k != sid},
        categories=tuple(dataclasses.replace(c, service_ids=tuple(s for s in c.service_ids if s != sid))
                         for c in hall.categories),
        desks={n: dataclasses.replace(d, weights=tuple((s, w) for s, w in d.weights if s != sid))
               for n, d in hall.desks.items()})


async def _serve_everyone_waiting(server: Server, sid: str) -> Any:
    """Desk 1's operator calls and serves whoever waits for `sid` (a service with visitors cannot be removed)."""
    from .support import operator

    desk = await operator(server, 1)
    while server.service.state.live_by_service.get(sid):
        await desk.command("call_next")
        await desk.command("start_service")
        await desk.command("finish")
    return desk


async def test_bad_publications_are_refused_in_both_languages(city: City, postgres: Postgres) -> None:
    branch, staff = await city.branch_token("tsentr"), await city.staff_token()
    good = {"catalogue": demo_catalogue()}
    shared = with_service(demo_catalogue(), "residence", {**VETERAN, "served_like": "residence-register"})
    cases: list[tuple[Any, int, str, str]] = [
        (b"not json", 400, "invalid_catalogue", "не JSON"),
        ({"catalogue": {**demo_catalogue(), "desks": []}}, 400, "invalid_catalogue", "«desks» налаштовує кожна філія"),
        ({"catalogue": {"policy": {}}}, 400, "invalid_catalogue", "потрібен список categories"),
        ({"catalogue": demo_catalogue(), "extra": 1}, 400, "invalid_catalogue", "невідоме поле «extra»"),
        ({**good, "branches": ["nowhere"]}, 400, "unknown_branch", "Немає філії «nowhere»"),
        ({**good, "branches": "tsentr"}, 400, "invalid_catalogue", "branches — список"),
        ({**good, "note": "x" * 501}, 400, "invalid_catalogue", "note — текст до 500"),
        ({"catalogue": with_service(demo_catalogue(), "passports", {**VETERAN, "served_like": "nothing"})}, 400,
         "invalid_catalogue", "served_like послуги «veteran-id»"),
        ({"catalogue": shared}, 400, "invalid_catalogue", "П"),
        ({"catalogue": {**demo_catalogue(), "policy": {"sla_walk_in_minutes": "soon"}}}, 400,
         "invalid_catalogue", "policy.sla_walk_in_minutes"),
        (b"{" + b" " * MAX_CATALOGUE_BYTES + b"}", 413, "too_large", str(MAX_CATALOGUE_BYTES)),
    ]
    async with aiohttp.ClientSession() as http:
        for body, status, code, words in cases:
            got, answer = await publish(http, city, staff, body)
            assert (got, answer["error"]["code"]) == (status, code), answer
            assert words in answer["error"]["message"]["uk"], answer
            assert answer["error"]["message"]["en"] and answer["error"]["message"]["en"] != answer["error"][
                "message"]["uk"]
        # Nothing of those was published.
        async with http.get(city.url + CONFIG_PATH, headers=bearer(branch)) as response:
            assert (await response.json())["version"] == 0 and response.headers["ETag"] == '"0"'
        # A branch's token cannot publish, nor can anyone without a token; a staff token can.
        status, answer = await publish(http, city, branch, good)
        assert status == 403 and answer["error"]["code"] == "forbidden"
        async with http.post(city.url + CONFIG_PATH, json=good) as response:
            assert response.status == 401
        async with http.get(city.url + CONFIG_PATH, headers=bearer(staff)) as response:
            assert response.status == 403  # staff publish; only a branch asks for its version
        async with http.get(city.url + CONFIG_VERSIONS_PATH, headers=bearer(branch)) as response:
            assert response.status == 403
        status, answer = await publish(http, city, staff, good)
        assert status == 201 and answer["version"] == 1
        async with http.get(city.url + CONFIG_PATH, headers=bearer(branch)) as response:
            assert (await response.json())["version"] == 1 and response.headers["ETag"] == '"1"'
        async with http.get(city.url + CONFIG_VERSIONS_PATH + "?version=1", headers=bearer(staff)) as response:
            assert (await response.json())["catalogue"] == demo_catalogue()
        async with http.get(city.url + CONFIG_VERSIONS_PATH + "?version=9", headers=bearer(staff)) as response:
            assert response.status == 404 and (await response.json())["error"]["code"] == "unknown_version"


async def test_cherha_city_publish(postgres: Postgres, tmp_path: Path) -> None:
    """`cherha city-publish FILE` as a city's IT department runs it: the same checks, words in uk and en."""
    dsn = await postgres.new_database()
    env = {**os.environ, "CHERHA_CITY_DSN": dsn}

    def cherha(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "queue_server", *args], env=env, capture_output=True, text=True,
                              timeout=60)

    assert cherha("city-branch", "add", "tsentr").returncode == 0
    catalogue = tmp_path / "catalogue.toml"
    hall = DEMO_HALL.read_text(encoding="utf-8")
    # The hall file's own tables: everything from [policy] to before [[desks]], minus the centre and hours.
    catalogue.write_text(hall[hall.index("[policy]"):hall.index("[[desks]]")], encoding="utf-8")
    done = cherha("city-publish", str(catalogue), "--note", "перша версія")
    assert done.returncode == 0, done.stderr
    services = sum(len(c["services"]) for c in tomllib.loads(catalogue.read_text(encoding="utf-8"))["categories"])
    assert done.stdout.strip() == f"published version 1 ({services} services, every branch)"
    done = cherha("city-publish", str(catalogue), "--branches", "tsentr")
    assert done.returncode == 0 and "published version 2" in done.stdout and "tsentr" in done.stdout
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(hall, encoding="utf-8")  # a whole hall file: its desks and operators are not the city's
    refused = cherha("city-publish", str(wrong))
    assert refused.returncode == 1
    assert "«board» налаштовує кожна філія сама" in refused.stderr and "\"board\" is each branch's own" in \
        refused.stderr
    assert cherha("city-publish", str(catalogue), "--branches", "nowhere").returncode == 1


# -- the pure part: a catalogue over a branch's hall, decided as one Configure -----------------------------------
def _configure(state: Any, *items: Any) -> list[Any]:
    from queue_server.domain import commands as cmd
    from queue_server.domain.decide import decide
    from queue_server.domain.guards import Context

    events = decide(state, cmd.Configure(actor="city", items=items), Context(TUESDAY_9, lambda: "t"))
    for event in events:
        state.apply(event)
    return events


def _apply_catalogue(state: Any, document: dict[str, Any], version: int) -> list[Any]:
    from queue_server.domain.city_catalogue import CITY_ACTION, CITY_KIND, with_catalogue
    from queue_server.domain.hall_config import ConfigItem, diff
    from queue_server.shipping.catalogue import read_catalogue

    items = diff(state.hall, with_catalogue(state.hall, read_catalogue(document, version)))
    marker = ConfigItem(CITY_KIND, CITY_ACTION, str(version), {"version": version, "items": len(items), "note": ""})
    return _configure(state, marker, *items)


def test_a_catalogue_replaces_the_city_part_and_keeps_the_branch_part() -> None:
    from queue_server.config import load_hall
    from queue_server.domain.errors import Refused
    from queue_server.domain.state import HallState

    state = HallState(load_hall(DEMO_HALL))
    local = dataclasses.replace(state.hall.board, volume=0.3)
    state.hall = dataclasses.replace(state.hall, board=local)  # a branch's own setting
    hours, desks_before = state.hall.hours, dict(state.hall.desks)
    document = with_service(demo_catalogue(), "passports", VETERAN)
    document["policy"]["recall_limit"] = 1
    events = _apply_catalogue(state, document, 4)
    assert state.city_version == 4 and events[0].kind == "city" and events[0].by == "city"
    hall = state.hall
    assert hall.policy.recall_limit == 1 and hall.board == local and hall.hours == hours
    assert hall.operators == load_hall(DEMO_HALL).operators
    assert {n for n, d in hall.desks.items() if d.weight_of("veteran-id")} == \
        {n for n, d in desks_before.items() if d.weight_of("id-card")}
    # The same version (or an older one) again: refused, nothing written.
    with pytest.raises(Refused) as refused:
        _apply_catalogue(state, document, 4)
    assert refused.value.code == "city_version_applied" and state.city_version == 4
    # A section the catalogue leaves out stays the branch's own: without `policy`, recall_limit stays 1.
    del document["policy"]
    _apply_catalogue(state, document, 5)
    assert state.hall.policy.recall_limit == 1 and state.city_version == 5


def test_a_catalogue_that_drops_a_whole_category_applies_once_its_desks_are_clear() -> None:
    from queue_server.config import load_hall
    from queue_server.domain.errors import CherhaError
    from queue_server.domain.state import HallState

    state = HallState(load_hall(DEMO_HALL))
    civil = next(c for c in state.hall.categories if c.id == "civil")
    document = demo_catalogue()
    document["categories"] = [c for c in document["categories"] if c["id"] != "civil"]
    document["bundles"] = [b for b in document["bundles"] if not set(b["services"]) & set(civil.service_ids)]
    with pytest.raises(CherhaError) as refused:
        _apply_catalogue(state, document, 1)  # desk 7 serves birth, marriage, ...: the desk plan is the branch's
    assert (refused.value.code, refused.value.params["where"]) == ("service_in_use", "desk:7")
    assert state.city_version == 0 and "birth" in state.hall.services
    # The branch takes the category off its desks and out of its catalogue in one change (an edited export,
    # imported: judged by the hall it leads to), then the city's version applies.
    from queue_server.domain.hall_config import diff

    cleared = _without(state.hall, "x")
    for sid in civil.service_ids:
        cleared = _without(cleared, sid)
    cleared = dataclasses.replace(cleared, categories=tuple(c for c in cleared.categories if c.id != "civil"),
                                  bundles={k: b for k, b in cleared.bundles.items()
                                           if not set(b.service_ids) & set(civil.service_ids)},
                                  desks={n: d for n, d in cleared.desks.items() if d.weights})
    _configure(state, *diff(state.hall, cleared))
    _apply_catalogue(state, document, 1)
    assert state.city_version == 1 and "civil" not in {c.id for c in state.hall.categories}
    assert not set(civil.service_ids) & set(state.hall.services)


async def test_a_city_restored_from_an_older_backup_numbers_past_what_branches_run(city: City) -> None:
    """The city lost versions 1-7 (restored from last week's backup) while a branch runs 7: the next version is
    8, never a 1 the branch would take for one it already has."""
    from queue_server.shipping.protocol import SUMMARY_PATH

    branch, staff = await city.branch_token("tsentr"), await city.staff_token()
    summary: dict[str, Any] = {"at": CITY_START.isoformat(), "paused": False, "desks": {}, "services": {},
                               "config": {"version": 7, "offered": 7, "refused": None}}
    async with aiohttp.ClientSession() as http:
        async with http.put(city.url + SUMMARY_PATH, json=summary, headers=bearer(branch)) as response:
            assert response.status == 200
        summary["config"]["version"] = "999999999999"  # nonsense from a branch is not a number to count from
        async with http.put(city.url + SUMMARY_PATH, json=summary,
                            headers=bearer(await city.branch_token("inhulets"))) as response:
            assert response.status == 200
        status, answer = await publish(http, city, staff, {"catalogue": demo_catalogue()})
        assert (status, answer["version"]) == (201, 8)
