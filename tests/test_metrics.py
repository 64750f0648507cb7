"""`/metrics` after a real stretch of a day: read back with prometheus_client's own parser, values checked."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from queue_server.api.auth import Role

from .support import DEMO_PIN, WsClient, demo_hall, issue, operator, running_server


def parse(text: str) -> dict[str, list[Any]]:
    """Family name -> its samples, through the reference parser (a malformed line raises)."""
    return {family.name: family.samples for family in text_string_to_metric_families(text)}


def value(families: dict[str, list[Any]], sample: str, **labels: str) -> float:
    family = sample.removesuffix("_total") if sample.endswith("_total") else sample
    for name in (family, family.rsplit("_", 1)[0]):
        for item in families.get(name, []):
            if item.name == sample and all(item.labels.get(k) == v for k, v in labels.items()):
                return float(item.value)
    raise AssertionError(f"no sample {sample}{labels}")


async def scrape(http: aiohttp.ClientSession, url: str, token: str) -> tuple[int, str, str]:
    async with http.get(url + "/metrics", headers={"Authorization": f"Bearer {token}"}) as response:
        return response.status, response.headers.get("Content-Type", ""), await response.text()


async def test_metrics_after_a_day_of_tickets(tmp_path) -> None:  # type: ignore[no-untyped-def]
    hall = demo_hall()
    first, second = [sid for sid, weight in hall.desks[1].weights if weight > 0][:2]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token(Role.KIOSK, "kiosk-1")
        scraper = await server.device_token(Role.METRICS, "prometheus")
        desk = await operator(server, 1)
        issued = {first: 0, second: 0}
        for minute in range(6):
            service = first if minute % 3 else second
            await issue(http, server, kiosk, service)
            issued[service] += 1
            server.clock.advance(minutes=1)
        server.clock.advance(minutes=12)  # the first tickets now wait beyond the 15-minute target
        waits: dict[str, list[float]] = {}
        outcomes = []
        for index in range(4):
            called = await desk.command("call_next")
            visit = called["visit"]
            waited = (server.clock.now() - datetime.fromisoformat(visit["issued_at"])).total_seconds()
            waits.setdefault(visit["service_id"], []).append(waited)
            server.clock.advance(minutes=2)
            if index == 3:
                await desk.command("no_show")
                outcomes.append((visit["service_id"], "no_show"))
            else:
                await desk.command("start_service")
                server.clock.advance(minutes=3)
                await desk.command("finish", result="served")
                outcomes.append((visit["service_id"], "served"))
        supervisor = await WsClient.connect(server.ws_url, login="supervisor", password="super-demo")
        sla = (await supervisor.request("get_dashboard"))["sla"]

        status, content_type, text = await scrape(http, server.url, scraper)
        assert status == 200 and content_type.startswith("text/plain; version=0.0.4")
        families = parse(text)
        for service, count in issued.items():
            assert value(families, "cherha_tickets_issued_total", service=service, source="kiosk-1") == count
        assert sum(s.value for s in families["cherha_calls"]) == 4
        for service, seconds in waits.items():
            assert value(families, "cherha_wait_seconds_count", service=service) == len(seconds)
            assert value(families, "cherha_wait_seconds_sum", service=service) == sum(seconds)
            assert value(families, "cherha_wait_seconds_bucket", service=service, le="+Inf") == len(seconds)
            assert value(families, "cherha_wait_seconds_bucket", service=service, le="60") == 0
        for service, outcome in outcomes:
            assert value(families, "cherha_visits_finished_total", service=service, outcome=outcome) >= 1
        assert value(families, "cherha_waiting_visitors", service=first) + \
            value(families, "cherha_waiting_visitors", service=second) == 2
        assert value(families, "cherha_sla_visits_today") == sla["visits"] == 6
        assert value(families, "cherha_sla_above_target_today") == sla["above"] > 0
        assert value(families, "cherha_sla_within_share_today") == sla["within_share"]
        assert value(families, "cherha_connected_clients", role="operator") == 1
        assert value(families, "cherha_connected_clients", role="supervisor") == 1
        assert value(families, "cherha_connected_clients", role="kiosk") == 0
        writes = value(families, "cherha_store_write_seconds_count")
        assert writes >= 6 + 4 * 3 and value(families, "cherha_store_write_seconds_sum") > 0
        assert value(families, "cherha_last_seq") == server.service.hub.last_seq
        # Registered for the city-shipping feature, with no sample (never NaN) while nothing is shipped.
        assert "cherha_shipping_lag_seconds" in families and families["cherha_shipping_lag_seconds"] == []
        assert "cherha_city_config_version" in families and families["cherha_city_config_version"] == []
        assert "NaN" not in text

        # A kiosk's printer problem is a problem sample, like the dashboard's alert.
        async with http.post(server.url + "/api/devices/heartbeat", json={"printer_problem": "printer_paper_out"},
                             headers={"Authorization": f"Bearer {kiosk}"}) as response:
            assert response.status == 200
        # A scrape reads nothing from the store but the caller's token (one indexed row): no scan of the log,
        # so its work does not grow with history.
        store_calls: list[str] = []
        for method in ("call", "read"):
            original = getattr(server.store, method)

            def counted(fn: Any, original: Any = original, method: str = method) -> Any:
                store_calls.append(method)
                return original(fn)

            setattr(server.store, method, counted)
        families = parse((await scrape(http, server.url, scraper))[2])
        assert store_calls == ["call"], store_calls
        for method in ("call", "read"):
            delattr(server.store, method)
        assert value(families, "cherha_problem", kind="printer_paper_out", subject="kiosk-1") == 1

        # A console that leaves is no longer counted.
        await desk.close()
        for _ in range(100):
            families = parse((await scrape(http, server.url, scraper))[2])
            if value(families, "cherha_connected_clients", role="operator") == 0:
                break
            await asyncio.sleep(0.02)
        assert value(families, "cherha_connected_clients", role="operator") == 0
        await supervisor.close()


async def test_who_may_read_metrics(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        scraper = await server.device_token(Role.METRICS, "prometheus")
        kiosk = await server.device_token(Role.KIOSK, "kiosk-1")
        async with http.get(server.url + "/metrics") as response:
            assert response.status == 401 and (await response.json())["error"]["code"] == "auth_required"
        status, _type, text = await scrape(http, server.url, kiosk)
        assert status == 403 and "forbidden_for_role" in text
        async with http.post(server.url + "/api/sessions", json={"login": "supervisor",
                                                                  "password": "super-demo"}) as response:
            session = (await response.json())["token"]
        assert (await scrape(http, server.url, session))[0] == 200
        assert (await scrape(http, server.url, scraper))[0] == 200
        # A monitoring token reads /metrics and nothing else, not even the "any token" routes.
        async with http.get(server.url + "/api/state", headers={"Authorization": f"Bearer {scraper}"}) as response:
            assert response.status == 403
        async with http.post(server.url + "/api/sessions", json={"login": "op01", "password": DEMO_PIN}) as response:
            desk_session = (await response.json())["token"]
        assert (await scrape(http, server.url, desk_session))[0] == 403, "an operator's session is not let in"
