"""kill -9 at random moments while kiosks issue tickets: nothing lost, nothing duplicated.

A short version runs in `make test`; bench/crash_day.py runs the long one (20+ kills in a day).
"""

from __future__ import annotations

import asyncio
import random
import uuid

import aiohttp

from .process import ServerProcess

ROUNDS = 4
KIOSKS = 8


async def _issue_forever(http: aiohttp.ClientSession, server: ServerProcess, token: str,
                         outcomes: dict[str, str | None], service: str) -> None:
    """Issue tickets until the server dies; record each answer (None: no answer, outcome unknown)."""
    while True:
        command_id = uuid.uuid4().hex
        outcomes[command_id] = None
        try:
            async with http.post(server.url + "/api/tickets", json={"command_id": command_id, "service_id": service},
                                 headers={"Authorization": f"Bearer {token}"}) as response:
                outcomes[command_id] = (await response.json())["ticket"]
        except (TimeoutError, aiohttp.ClientError):
            return


async def _retry(http: aiohttp.ClientSession, server: ServerProcess, token: str, command_id: str, service: str) -> str:
    async with http.post(server.url + "/api/tickets", json={"command_id": command_id, "service_id": service},
                         headers={"Authorization": f"Bearer {token}"}) as response:
        assert response.status == 201
        ticket: str = (await response.json())["ticket"]
        return ticket


async def test_kill_9_loses_and_duplicates_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    server = ServerProcess(tmp_path / "data")
    token = server.token()
    rng = random.Random(7)
    answered: dict[str, str] = {}  # command id -> ticket the kiosk printed
    unknown: set[str] = set()
    services = {}
    try:
        # ROUNDS crashes at least; more (bounded) when a slow machine issued too few tickets to mean something.
        for _round in range(3 * ROUNDS):
            if _round >= ROUNDS and len(answered) + len(unknown) > 150:
                break
            server.start()
            outcomes: dict[str, str | None] = {}
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
                tasks = [asyncio.create_task(_issue_forever(http, server, token, outcomes, "id-card"))
                         for _ in range(KIOSKS)]
                await asyncio.sleep(rng.uniform(0.2, 0.6))
                server.kill9()
                await asyncio.gather(*tasks)
            for command_id, ticket in outcomes.items():
                services[command_id] = "id-card"
                if ticket is None:
                    unknown.add(command_id)
                else:
                    answered[command_id] = ticket
        server.start()
        async with aiohttp.ClientSession() as http:
            # A kiosk that got no answer retries with the same command id: the ticket it gets is the one
            # that was durably issued before the crash, or a new one if none was.
            for command_id in unknown:
                answered[command_id] = await _retry(http, server, token, command_id, "id-card")
            # Retrying an answered command must return the very same ticket.
            for command_id in rng.sample(sorted(answered), 20):
                assert await _retry(http, server, token, command_id, "id-card") == answered[command_id]
            async with http.get(server.url + "/api/state", headers={"Authorization": f"Bearer {token}"}) as r:
                state = await r.json()
    finally:
        server.stop()
    tickets = [v["ticket"] for v in state["visits"]]
    assert len(answered) > 100, "the test must issue enough tickets to mean something"
    assert len(tickets) == len(set(tickets)), "duplicate ticket numbers"
    assert sorted(tickets) == sorted(answered.values()), "every ticket a kiosk printed exists, and no other"
    numbers = sorted(int(t.split("-")[1]) for t in tickets)
    assert numbers == list(range(1, len(numbers) + 1)), "numbers run without gaps or repeats"


async def test_kill_9_during_a_simulated_day_changes_nothing() -> None:
    """A short day with three crashes ends exactly as the same day without any (bench/crash_sim.py: 22)."""
    import dataclasses

    from bench.crash_sim import run
    from queue_server.simulation.profiles import LUTSK

    result = await run(kills=3, profile=dataclasses.replace(LUTSK, visitors=120), seed=9)
    assert result["kills"] == 3 and result["restarts"] == 3
    assert result["same_as_uninterrupted_day"], (result["interrupted"], result["uninterrupted"])
