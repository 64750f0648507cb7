"""Benchmark: what an attacker on the hall's network achieves against a server in its own process.

- PIN guessing: one client address sends wrong PINs for one operator as fast as it can (many in flight, REST
  and WebSocket); we count the guesses the server really checked (answered "invalid credentials"), per minute,
  and whether the right PIN got in while the login was under attack.
- Booking slots: one anonymous client books every ID-card slot of the next 14 days with random phone numbers
  for a while; we count the slots it got.
- Health under a flooding display: a display token (it is in the board's URL) sends `get_state` as fast as it
  can and never reads the answers; meanwhile we time `/api/health`.

Every loop is bounded in time and count and talks to 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from queue_server.simulation.stats import percentile
from tests.process import ServerProcess
from tests.support import TUESDAY_10

ATTACK_SECONDS = 20.0


async def guess_pins(http: aiohttp.ClientSession, url: str, seconds: float = ATTACK_SECONDS,
                     in_flight: int = 32) -> dict[str, Any]:
    checked, refused, answered = 0, 0, 0
    deadline = time.monotonic() + seconds
    rng = random.Random(7)

    async def one() -> None:
        nonlocal checked, refused, answered
        while time.monotonic() < deadline:
            pin = f"{rng.randrange(10_000):04d}"
            if pin == "1111":
                continue
            async with http.post(url + "/api/sessions", json={"login": "op05", "password": pin}) as response:
                body = await response.json()
            answered += 1
            code = body.get("error", {}).get("code")
            if code == "invalid_credentials":
                checked += 1
            else:
                refused += 1

    await asyncio.gather(*[one() for _ in range(in_flight)])
    async with http.post(url + "/api/sessions", json={"login": "op05", "password": "1111"}) as response:
        right_pin_status = response.status
    return {"seconds": seconds, "answered": answered, "checked_per_minute": round(checked * 60 / seconds, 1),
            "refused": refused, "right_pin_status_after_attack": right_pin_status,
            "keyspace_minutes": round(10_000 / max(checked * 60 / seconds, 1e-9), 1)}


async def grab_slots(http: aiohttp.ClientSession, url: str, today: date, seconds: float = ATTACK_SECONDS
                     ) -> dict[str, Any]:
    rng = random.Random(3)
    taken, refused, offered = 0, 0, 0
    deadline = time.monotonic() + seconds
    for offset in range(15):
        day = (today + timedelta(days=offset)).isoformat()
        async with http.get(url + f"/api/booking/slots?service_id=id-card&date={day}") as response:
            slots = (await response.json()).get("slots", [])
        for slot in slots:
            for _ in range(slot["free"]):
                offered += 1
                if time.monotonic() > deadline:
                    continue
                phone = f"+38067{rng.randrange(10_000_000):07d}"
                async with http.post(url + "/api/bookings", json={
                        "command_id": uuid.uuid4().hex, "service_id": "id-card", "start": slot["start"],
                        "phone": phone}) as response:
                    if response.status == 201:
                        taken += 1
                    else:
                        refused += 1
    return {"seconds": seconds, "slots_offered": offered, "slots_taken": taken, "refused": refused}


async def flood_display(http: aiohttp.ClientSession, url: str, token: str, seconds: float = ATTACK_SECONDS
                        ) -> dict[str, Any]:
    ws_url = url.replace("http", "ws") + "/ws"
    stop = time.monotonic() + seconds
    sent = 0

    async def flood() -> None:
        # A raw socket on purpose, not cherha_client: the attacker never reads an answer and never waits for
        # one, which the client (it matches every request to its answer and reads all the time) cannot do.
        nonlocal sent
        with contextlib.suppress(aiohttp.ClientError, ConnectionError, RuntimeError):
            async with http.ws_connect(ws_url, max_msg_size=0) as ws:
                await ws.receive_json()
                await ws.send_json({"type": "auth", "token": token})
                await ws.receive_json()
                message_id = 1
                while time.monotonic() < stop and not ws.closed:
                    await ws.send_json({"id": message_id, "type": "get_state"})  # and never reads an answer
                    message_id, sent = message_id + 1, sent + 1
                    if message_id % 50 == 0:
                        await asyncio.sleep(0)

    latencies: list[float] = []

    async def probe() -> None:
        while time.monotonic() < stop:
            started = time.perf_counter()
            async with http.get(url + "/api/health") as response:
                await response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.1)

    await asyncio.gather(flood(), flood(), probe())
    return {"seconds": seconds, "get_state_sent": sent, "health_probes": len(latencies),
            "health_p50_ms": round(statistics.median(latencies), 1) if latencies else None,
            "health_p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
            "health_max_ms": round(max(latencies), 1) if latencies else None}


async def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "data")
        display = server.token("display", "flooding-board")
        server.start()
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                             timeout=aiohttp.ClientTimeout(total=30)) as http:
                pins = await guess_pins(http, server.url)
                slots = await grab_slots(http, server.url, TUESDAY_10.date())
                flood = await flood_display(http, server.url, display)
        finally:
            server.stop()
    return {"pins": pins, "slots": slots, "flood": flood}


def markdown(results: dict[str, Any]) -> list[str]:
    pins, slots, flood = results["pins"], results["slots"], results["flood"]
    return [
        "## Abuse (bench/abuse.py)",
        "",
        "A server in its own process; one attacking client on the same machine, each attack for "
        f"{pins['seconds']:.0f} s (docs/security.md says what protects against each):",
        "",
        "| attack | result |",
        "|---|---|",
        f"| wrong PINs for one operator, 32 in flight | **{pins['checked_per_minute']} guesses checked a minute** "
        f"({pins['answered']} answers, {pins['refused']} refused unchecked); the whole 4-digit space would take "
        f"{pins['keyspace_minutes']:,} minutes; the right PIN afterwards from the attacking address: HTTP "
        f"{pins['right_pin_status_after_attack']} |",
        f"| one anonymous client booking every ID-card slot for 14 days with random numbers | "
        f"**{slots['slots_taken']} of {slots['slots_offered']} slots taken** ({slots['refused']} refused) |",
        f"| a display token sending `get_state` without reading, on two connections | `/api/health` p50 "
        f"{flood['health_p50_ms']} ms, **p99 {flood['health_p99_ms']} ms**, max {flood['health_max_ms']} ms "
        f"({flood['get_state_sent']} requests sent) |",
        "",
    ]


if __name__ == "__main__":
    print("\n".join(markdown(asyncio.run(run()))))
