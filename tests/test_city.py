"""The city: three branches ship their logs through a bad network to a city server on a real PostgreSQL.

PostgreSQL is started once for the session (city_server/testing_pg.py: initdb and pg_ctl in a temporary directory,
as the `postgres` system user when the tests run as root, because initdb refuses root); each test gets a
database of its own. The city's and the halls' clocks are injected (ManualClock): nothing here depends on the
machine's date or time zone.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from playwright.async_api import expect

from cherha_client import ProtocolError
from city_server.testing_pg import Postgres
from queue_server import cli
from queue_server.config import DEMO_HALL
from queue_server.domain import events as ev
from queue_server.shipping.protocol import (
    INGEST_PATH,
    LIVE_PATH,
    MAX_BATCH_EVENTS,
    POSITION_PATH,
    STALE_SECONDS,
    SUMMARY_PATH,
)
from texts import plural_category

from .browser import chromium
from .city_support import CITY_START, ChaosProxy, City, branch_log, daily_differences, running_branch, shipper, until
from .process import ServerProcess, free_port
from .shots import shots_dir
from .support import WsClient, issue, operator
from .test_dashboard import sign_in

KYIV = ZoneInfo("Europe/Kyiv")
TUESDAY_8 = datetime(2026, 11, 24, 8, 0, tzinfo=KYIV)
WEDNESDAY_8 = TUESDAY_8 + timedelta(days=1)
BRANCHES = ("tsentr", "inhulets", "ternivka")
SERVICES = ("id-card", "passport-foreign", "residence-register")
EVENTS_WORD = {"one": "подію", "few": "події", "many": "подій", "other": "події"}
SUPERVISOR = {"login": "supervisor", "password": "super-demo"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def play_day(server: Any, http: aiohttp.ClientSession, seed: int, visitors: int) -> None:
    """A day of walk-ins at three desks: tickets, calls, services, no-shows, with the hall's clock moved."""
    rng = random.Random(seed)
    kiosk = await server.device_token()
    desks = {number: await operator(server, number) for number in (1, 2, 5)}
    state: dict[int, str | None] = dict.fromkeys(desks)
    for _ in range(visitors):
        server.clock.advance(minutes=rng.uniform(3, 12))
        await issue(http, server, kiosk, rng.choice(SERVICES))
        for number, desk in desks.items():
            if state[number] is None:
                with contextlib.suppress(ProtocolError):  # nobody waiting for this desk
                    await desk.command("call_next")
                    state[number] = "called"
            elif state[number] == "called":
                no_show = rng.random() < 0.15
                await desk.command("no_show" if no_show else "start_service")
                state[number] = None if no_show else "serving"
            elif rng.random() < 0.7:
                await desk.command("finish")
                state[number] = None
    for desk in desks.values():
        await desk.close()


async def end_the_day(server: Any, http: aiohttp.ClientSession) -> None:
    """The next morning's first ticket ends Tuesday (`day_ended`): Tuesday's figures are final."""
    server.clock.set(WEDNESDAY_8 + timedelta(minutes=5))
    await issue(http, server, await server.device_token(name="kiosk-2"), "id-card")


async def test_city_down_for_a_whole_day_then_every_count_matches(city: City, tmp_path: Path) -> None:
    proxy = await ChaosProxy(city.url).start()
    tokens = {name: await city.branch_token(name) for name in BRANCHES}
    staff = await city.staff_token()
    async with contextlib.AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        stack.push_async_callback(proxy.close)
        branches = {name: await stack.enter_async_context(
            running_branch(tmp_path / name, proxy.url, name, tokens[name], TUESDAY_8, summary_seconds=5))
            for name in BRANCHES}
        await until(lambda: all(shipper(b).confirmed for b in branches.values()), what="branches reach the city")

        await city.stop()  # the city is down for the whole of Tuesday
        async def day_at(seed: int, server: Any) -> None:
            await play_day(server, http, seed, visitors=40)
            await end_the_day(server, http)

        # The three halls play their days at once (each on its own clock and seed, as three real centres do).
        await asyncio.gather(*(day_at(seed, server) for seed, server in enumerate(branches.values())))

        # The branch's dashboard says how far behind the city is, in events and in hall time.
        tsentr = branches["tsentr"]
        supervisor = await WsClient.connect(tsentr.ws_url, **SUPERVISOR)
        view = await supervisor.request("get_dashboard")
        assert view["city"]["branch"] == "tsentr"
        acked = shipper(tsentr).acked  # what reached the city before it went down (the day's opening)
        assert view["city"]["acked_seq"] == acked < 5
        assert view["city"]["behind_events"] == tsentr.service.seq - acked > 120
        assert view["city"]["behind_seconds"] >= 6 * 3600  # the oldest unshipped event is from Tuesday morning
        assert view["city"]["connected"] is False and view["city"]["error"]
        browser = await stack.enter_async_context(chromium())
        page = await (await browser.new_context(viewport={"width": 1280, "height": 900})).new_page()
        await page.goto(f"{tsentr.url}/dashboard")
        await sign_in(page, "supervisor", "super-demo")
        behind = view["city"]["behind_events"]
        await expect(page.locator("#alerts [data-kind=city]")).to_have_text(
            f"Місто ще не отримало {behind} {EVENTS_WORD[plural_category('uk', behind)]}"
            f" (найстарішу {view['city']['behind_seconds'] // 60} хв тому)",
            timeout=30_000)  # the page's first view: Chromium under libfaketime on a busy machine is slow
        await expect(page.locator("#alerts")).not_to_contain_text("Усе гаразд")  # a day behind is an alert
        await page.screenshot(path=shots_dir() / "dashboard-city-behind.png", full_page=True)

        await city.start()
        proxy.force_duplicate = proxy.force_lose_reply = 2  # besides the seeded draws: surely some of each
        await until(lambda: all(shipper(b).acked == b.service.seq for b in branches.values()), timeout=60,
                    what="every branch's log acknowledged")
        assert city.store is not None
        await until(lambda: city.store.pool.fetchval("SELECT count(*) = 0 FROM dirty_days"), what="aggregates")
        assert proxy.counts["duplicated"] > 0 and proxy.counts["replies_lost"] > 0, proxy.counts

        # Nothing lost, nothing doubled: the city holds exactly each branch's log.
        for name, server in branches.items():
            held = await city.store.pool.fetch(
                "SELECT seq, type, at FROM events WHERE branch = $1 ORDER BY seq", name)
            log = branch_log(server.store.path)
            assert [(r["seq"], r["type"], r["at"]) for r in held] == log

        # The city's daily figures are the branch's own report of the same day, exactly.
        async with http.get(f"{city.url}/api/city/daily?day=2026-11-24", headers=bearer(staff)) as response:
            assert response.status == 200
            daily = (await response.json())["rows"]
        for name, server in branches.items():
            sup = supervisor if name == "tsentr" else await WsClient.connect(server.ws_url, **SUPERVISOR)
            async with http.get(f"{server.url}/api/reports?from=2026-11-24&to=2026-11-24",
                                headers=bearer(sup.client.token)) as response:
                assert response.status == 200
                report = await response.json()
            rows = [row for row in daily if row["branch"] == name]
            assert report["visits"] >= 35
            assert daily_differences(rows, report) == []
            if sup is not supervisor:
                await sup.close()

        view = await supervisor.request("get_dashboard")
        assert view["city"]["behind_events"] == 0 and view["city"]["connected"] is True
        await page.reload()  # the session is kept in the tab
        await expect(page.locator("#alerts [data-kind=city]")).to_have_text("Місто: журнал передано повністю",
                                                                           timeout=30_000)
        await supervisor.close()


async def test_a_branch_killed_in_the_middle_of_a_batch_loses_and_doubles_nothing(city: City, tmp_path: Path) -> None:
    proxy = await ChaosProxy(city.url, delay=0, duplicate=0, lose_reply=0, hold_path=INGEST_PATH).start()
    token_file = tmp_path / "city.token"
    token_file.write_text(await city.branch_token("mobile-1") + "\n")
    hall = tmp_path / "hall.toml"
    hall.write_text(DEMO_HALL.read_text(encoding="utf-8") + f'\n[city]\nurl = "{proxy.url}"\nbranch = "mobile-1"\n'
                    f'token_file = "{token_file}"\nsummary_seconds = 1\nretry_max_seconds = 1\n', encoding="utf-8")
    branch = ServerProcess(tmp_path / "branch", config=hall)
    try:
        proxy.hold.clear()  # batches wait on the way to the city
        kiosk = kiosk_token(branch.data_dir)
        branch.start(timeout=60)
        async with aiohttp.ClientSession() as http:
            for number in range(30):
                await issue_at(http, branch.url, kiosk, SERVICES[number % 3])
            await until(lambda: proxy.waiting > 0, what="a batch on its way")
            branch.kill9()  # in the middle of a batch: sent, not answered
            proxy.hold.set()  # ... and the city gets it after all
            assert city.store is not None
            await until(lambda: city.store.acked("mobile-1"), what="the held batch reached the city")

            branch.start(timeout=60)  # the branch comes back and goes on shipping from what the city says it holds
            for number in range(20):
                await issue_at(http, branch.url, kiosk, SERVICES[number % 3])
            log = branch_log(branch.data_dir / "cherha.sqlite3")
            await until(lambda: _acked_is(city, "mobile-1", log[-1][0]), what="the whole log shipped")
            held = await city.store.pool.fetch(
                "SELECT seq, type, at FROM events WHERE branch = 'mobile-1' ORDER BY seq")
            assert [(r["seq"], r["type"], r["at"]) for r in held] == log
            assert sum(1 for _, kind, _ in log if kind == "ticket_issued") == 50
    finally:
        branch.stop()
        await proxy.close()


def kiosk_token(data_dir: Path) -> str:
    """`cherha token --role kiosk` run in this process (one Python start less than ServerProcess.token)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli.main(["token", "--role", "kiosk", "--name", "kiosk-1", "--data-dir", str(data_dir)]) == 0
    return out.getvalue().strip()


async def _acked_is(city: City, branch: str, seq: int) -> bool:
    assert city.store is not None
    return await city.store.acked(branch) == seq


async def issue_at(http: aiohttp.ClientSession, url: str, token: str, service_id: str) -> None:
    body = {"command_id": f"t-{random.getrandbits(64):x}", "service_id": service_id}
    async with http.post(url + "/api/tickets", json=body, headers=bearer(token)) as response:
        assert response.status == 201, await response.text()


def batch(branch: str, seqs: range, at: datetime, hour: int = 0) -> dict[str, Any]:
    """Events of a real kind (the hall paused and resumed by turns), one a minute."""
    events = []
    for seq in seqs:
        when = at + timedelta(minutes=seq, hours=hour)
        event = ev.HallPaused(at=when, reason="air_raid", by="supervisor") if seq % 2 else \
            ev.HallResumed(at=when, by="supervisor")
        events.append({"seq": seq, "day": when.date().isoformat(), "event": ev.to_dict(event)})
    return {"branch": branch, "events": events}


async def test_the_same_batch_twice_changes_nothing_and_a_gap_is_not_acknowledged(city: City) -> None:
    token, staff = await city.branch_token("dolyna"), await city.staff_token()
    assert city.store is not None
    count = "SELECT count(*) FROM events WHERE branch = 'dolyna'"
    async with aiohttp.ClientSession(base_url=city.url, headers=bearer(token)) as http:

        async def post(body: Any) -> tuple[int, dict[str, Any]]:
            async with http.post(INGEST_PATH, data=json.dumps(body)) as response:
                return response.status, await response.json()

        assert await post(batch("dolyna", range(1, 11), TUESDAY_8)) == (200, {"acked": 10, "received": 10,
                                                                            "inserted": 10})
        assert await post(batch("dolyna", range(1, 11), TUESDAY_8)) == (200, {"acked": 10, "received": 10,
                                                                            "inserted": 0})
        assert await city.store.pool.fetchval(count) == 10
        # Overlapping: only what is new goes in.
        assert (await post(batch("dolyna", range(6, 16), TUESDAY_8)))[1] == {"acked": 15, "received": 10,
                                                                            "inserted": 5}
        # A batch lost in between: the later one is kept, but not acknowledged past the gap.
        assert (await post(batch("dolyna", range(21, 26), TUESDAY_8)))[1]["acked"] == 15
        async with http.get(POSITION_PATH) as response:
            assert (await response.json())["acked"] == 15
        assert (await post(batch("dolyna", range(16, 21), TUESDAY_8)))[1]["acked"] == 25
        assert await city.store.pool.fetchval(count) == 25
        # The same seq with other content is a conflict, refused whole: the branch's log was replaced.
        status, body = await post(batch("dolyna", range(24, 27), TUESDAY_8, hour=1))
        assert status == 409 and body["error"]["code"] == "seq_conflict" and body["error"]["params"] == {"seq": 24}
        assert set(body["error"]["message"]) == {"uk", "en"}
        assert await city.store.pool.fetchval(count) == 25
        # Months: each month's events in its own partition, made when its first event came.
        december = datetime(2026, 12, 1, 9, 0, tzinfo=KYIV)
        assert (await post(batch("dolyna", range(26, 28), december - timedelta(minutes=26))))[1]["acked"] == 27
        partitions = await city.store.pool.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'events' ORDER BY 1")
        assert [p["relname"] for p in partitions] == ["events_2026_11", "events_2026_12"]

        # Limits and refusals.
        status, body = await post(batch("dolyna", range(100, 101 + MAX_BATCH_EVENTS), TUESDAY_8))
        assert (status, body["error"]["code"]) == (413, "too_many_events")
        assert (await post(batch("ternivka", range(28, 29), TUESDAY_8)))[0] == 403  # another branch's name
        assert (await post({"branch": "dolyna", "events": [{"seq": 28, "day": "2026-11-24",
                                                            "event": {"type": "no_such"}}]}))[0] == 400
        async with http.post(INGEST_PATH, data=b"x" * (2 * 1024 * 1024)) as response:
            assert response.status == 413
        async with http.get(LIVE_PATH) as response:
            assert response.status == 403  # a branch's token does not read the city
    async with aiohttp.ClientSession(base_url=city.url) as anonymous:
        async with anonymous.post(INGEST_PATH, data=b"{}") as response:
            assert response.status == 401
            assert (await response.json())["error"]["code"] == "unauthorized"
        async with anonymous.post(INGEST_PATH, data=b"{}", headers=bearer(staff)) as response:
            assert response.status == 403


async def test_a_silent_branch_shows_no_data_after_two_minutes(city: City, tmp_path: Path) -> None:
    token, staff = await city.branch_token("tsentr"), await city.staff_token()

    async def live() -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(city.url + LIVE_PATH, headers=bearer(staff)) as response:
            assert response.status == 200
            data: dict[str, Any] = (await response.json())["branches"][0]
            return data

    async with running_branch(tmp_path, city.url, "tsentr", token, TUESDAY_8 + timedelta(hours=2)) as server, \
            aiohttp.ClientSession() as http:
        await issue(http, server, await server.device_token(), "id-card")
        desk = await operator(server, 1)
        server.clock.advance(seconds=30)  # the kiosk's per-service estimates are renewed at most every 20 s
        await until(lambda: _summary_shows(live, lambda s: s["desks"]["open"] == 1
                                            and s["services"]["id-card"]["waiting"] == 1
                                            and s["services"]["id-card"]["estimated_wait_minutes"] is not None),
                    what="the summary")
        assert (await live())["summary"]["paused"] is False
        supervisor = await WsClient.connect(server.ws_url, **SUPERVISOR)
        await supervisor.command("hall_pause", reason="air_raid")
        await until(lambda: _summary_shows(live, lambda s: s["paused"] is True), what="the air-raid pause")
        await supervisor.close()
        await desk.close()
    # The branch is gone; the city's clock moves on.
    heard = await live()
    assert heard["status"] == "live"
    city.clock.advance(seconds=STALE_SECONDS - 1)
    assert (await live())["status"] == "live"
    city.clock.advance(seconds=2)
    silent = await live()
    assert silent["status"] == "no_data" and silent["summary"] is None
    assert silent["last_heard"] == heard["last_heard"] and silent["silent_seconds"] == STALE_SECONDS + 1


async def test_a_change_at_the_branch_reaches_the_live_view_soon_and_at_most_one_summary_a_second(
        city: City, tmp_path: Path) -> None:
    """The summary goes soon after a change in the hall, not only every `summary_seconds` (a minute here, longer
    than `until` waits), and however fast the changes come, at most one summary a PROMPT_GAP_SECONDS."""
    from queue_server.shipping.shipper import PROMPT_GAP_SECONDS

    tokens, staff = {n: await city.branch_token(n) for n in ("tsentr", "ternivka")}, await city.staff_token()

    async def live(name: str) -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(city.url + LIVE_PATH, headers=bearer(staff)) as response:
            assert response.status == 200
            return next(b for b in (await response.json())["branches"] if b["branch"] == name)

    def waiting(name: str, count: int) -> Any:
        return lambda: _summary_shows(lambda: live(name), lambda s: s["services"]["id-card"]["waiting"] == count)

    proxy = await ChaosProxy(city.url, delay=0, duplicate=0, lose_reply=0).start()  # counts what the branch sends
    try:
        async with running_branch(tmp_path / "tsentr", proxy.url, "tsentr", tokens["tsentr"], TUESDAY_8,
                                  summary_seconds=60) as server, \
                running_branch(tmp_path / "ternivka", proxy.url, "ternivka", tokens["ternivka"], TUESDAY_8,
                               summary_seconds=60, summary_on_change=False) as quiet, \
                aiohttp.ClientSession() as http:
            await until(waiting("tsentr", 0), what="the first summary")
            await until(waiting("ternivka", 0), what="the first summary of the branch without prompt ones")
            kiosk, quiet_kiosk = await server.device_token(), await quiet.device_token()
            await issue(http, server, kiosk, "id-card")
            await until(waiting("tsentr", 1), timeout=30, what="the change, long before the minute's summary")

            sent, began = proxy.paths[SUMMARY_PATH], asyncio.get_running_loop().time()
            for _ in range(20):
                await issue(http, server, kiosk, "id-card")
            await until(waiting("tsentr", 21), timeout=30, what="a burst of changes")
            elapsed = asyncio.get_running_loop().time() - began
            burst = proxy.paths[SUMMARY_PATH] - sent
            assert 1 <= burst <= elapsed / PROMPT_GAP_SECONDS + 1, (burst, elapsed)

            # `summary_on_change = false` (metered links): only the period's summaries.
            await issue(http, quiet, quiet_kiosk, "id-card")
            await asyncio.sleep(PROMPT_GAP_SECONDS + 0.5)  # a prompt summary would have gone by now
            assert (await live("ternivka"))["summary"]["services"]["id-card"]["waiting"] == 0
    finally:
        await proxy.close()


async def _summary_shows(live: Any, check: Any) -> bool:
    data = await live()
    return data["status"] == "live" and data["summary"] is not None and bool(check(data["summary"]))


async def test_the_city_command_line(postgres: Postgres, tmp_path: Path) -> None:
    """`cherha city-branch add`, `cherha city-staff add` and `cherha city` as a city's IT department runs them."""
    dsn = await postgres.new_database()
    env = {**os.environ, "CHERHA_CITY_DSN": dsn}

    def cherha(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "queue_server", *args], env=env, capture_output=True, text=True,
                             timeout=60)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    port = free_port()
    log = (tmp_path / "city.log").open("wb")
    city = subprocess.Popen([sys.executable, "-m", "queue_server", "city", "--port", str(port), "--log-level",
                             "warning", "--clock-start", CITY_START.isoformat()], env=env, stdout=log, stderr=log)
    try:
        # All three at once on a new database, as two terminals and a service starting together would: the
        # schema is made once (the migrators take turns on an advisory lock), whoever comes first.
        branch_token, staff_token = await asyncio.gather(asyncio.to_thread(cherha, "city-branch", "add", "tsentr"),
                                                         asyncio.to_thread(cherha, "city-staff", "add", "it-dept"))
        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as http:

            async def healthy() -> bool:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get("/api/city/health") as response:
                        return response.status == 200
                return False

            await until(healthy, timeout=60, what="cherha city")
            async with http.get(POSITION_PATH, headers=bearer(branch_token)) as response:
                assert await response.json() == {"branch": "tsentr", "acked": 0, "hall_known": False}
            async with http.get(LIVE_PATH, headers=bearer(staff_token)) as response:
                assert [b["status"] for b in (await response.json())["branches"]] == ["no_data"]
            assert cherha("city-branch", "revoke", "tsentr") == "revoked tsentr"
            async with http.get(POSITION_PATH, headers=bearer(branch_token)) as response:
                assert response.status == 401
    finally:
        city.terminate()
        city.wait(10)
        log.close()


async def test_a_city_restored_from_an_older_backup_is_filled_in_again(city: City, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from queue_server.shipping import shipper as shipping

    monkeypatch.setattr(shipping, "RECONFIRM_SECONDS", 0.5)  # an idle branch asks again (once a minute in use)
    token = await city.branch_token("tsentr")
    assert city.store is not None
    async with running_branch(tmp_path, city.url, "tsentr", token, TUESDAY_8 + timedelta(hours=2)) as server, \
            aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        for number in range(12):
            await issue(http, server, kiosk, SERVICES[number % 3])
        await until(lambda: _acked_is(city, "tsentr", server.service.seq), what="shipped")
        # The city loses everything after seq 4 (restored from last night's backup).
        await city.store.pool.execute("DELETE FROM events WHERE branch = 'tsentr' AND seq > 4")
        await city.store.pool.execute("UPDATE branches SET acked = 4 WHERE name = 'tsentr'")
        await until(lambda: _acked_is(city, "tsentr", server.service.seq), what="filled in again")
        held = await city.store.pool.fetch("SELECT seq, type, at FROM events WHERE branch = 'tsentr' ORDER BY seq")
        assert [(r["seq"], r["type"], r["at"]) for r in held] == branch_log(server.store.path)
