"""Fault benchmark: kill -9 the server at random moments while kiosks issue and desks call, 20+ times.

After every restart: every ticket a kiosk got an answer for exists, none twice, numbers without gaps; the
board resumes from its last sequence number and, over the whole run, has seen every event exactly once.
The desks are cherha_client.Clients for the whole run: each reconnects by itself after a kill and resends
what was not answered (the kiosks are REST, as the real ones are).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from cherha_client import Client, ProtocolError
from tests.process import ServerProcess


async def _issue_until_killed(http: aiohttp.ClientSession, url: str, token: str, answered: dict[str, str],
                              unknown: set[str]) -> None:
    while True:
        command_id = uuid.uuid4().hex
        unknown.add(command_id)
        try:
            async with http.post(url + "/api/tickets", json={"command_id": command_id, "service_id": "id-card"},
                                 headers={"Authorization": f"Bearer {token}"}) as response:
                answered[command_id] = (await response.json())["ticket"]
                unknown.discard(command_id)
        except (TimeoutError, aiohttp.ClientError):
            return


async def _desk(url: str, desk: int, stop: asyncio.Event) -> int:
    """A desk console for the whole run, as the real one: a cherha_client.Client that reconnects by itself after
    every kill and resends its unanswered command with the same command id. Returns the commands answered."""
    console = Client(url, {"login": f"op{desk:02d}", "password": "1111", "desk": desk}, subscribe=False,
                     max_delay=0.5)
    await console.start()
    answered = 0
    try:
        for n in itertools.count():
            if stop.is_set():
                return answered
            kind = ("desk_open", "call_next", "start_service", "finish")[0 if n == 0 else 1 + (n % 3)]
            try:
                await console.command(kind)
            except ProtocolError:  # nobody waiting, nobody called: the desk tries again in a moment
                await asyncio.sleep(0.05)
            answered += 1
        return answered
    finally:
        await console.close()


async def _board_resume(http: aiohttp.ClientSession, url: str, token: str, since: int | None,
                        seen: list[int]) -> int:
    """Follow the event log from `since` (a program keeping its own copy of the log: `subscribe_events`), read
    what the server has, and return the last sequence number seen."""
    frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    board = Client(url, {"token": token}, subscribe=False, on_frame=frames.put_nowait)
    await board.start()
    try:
        result = await board.request("subscribe_events", **({"since": since} if since is not None else {}))
        last = result["seq"] if "snapshot" in result else since
        async with http.get(url + "/api/health") as response:
            target = (await response.json())["seq"]
        while last is not None and last < target:
            message = await asyncio.wait_for(frames.get(), 10)
            if message.get("type") == "event":
                seen.append(message["seq"])
                last = message["seq"]
        return int(last or 0)
    finally:
        await board.close()


async def run(rounds: int = 22, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    answered: dict[str, str] = {}
    unknown: set[str] = set()
    seen: list[int] = []
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "data")
        kiosk_token = server.token("kiosk", "k")
        board_token = server.token("display", "board")
        since: int | None = None
        started = time.perf_counter()
        try:
            server.start()
            async with aiohttp.ClientSession() as http:
                since = await _board_resume(http, server.url, board_token, None, seen)
            stop_desks = asyncio.Event()
            desks = [asyncio.create_task(_desk(server.url, desk, stop_desks)) for desk in (1, 2, 3)]
            for _ in range(rounds):
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
                    tasks = [asyncio.create_task(_issue_until_killed(http, server.url, kiosk_token, answered, unknown))
                             for _ in range(4)]
                    await asyncio.sleep(rng.uniform(0.3, 1.2))
                    server.kill9()
                    await asyncio.gather(*tasks, return_exceptions=True)
                server.start()
                async with aiohttp.ClientSession() as http:
                    since = await _board_resume(http, server.url, board_token, since, seen)
            stop_desks.set()
            desk_commands = sum(await asyncio.wait_for(asyncio.gather(*desks), 30))
            async with aiohttp.ClientSession() as http:
                for command_id in list(unknown):  # kiosks retry what got no answer: same id
                    async with http.post(server.url + "/api/tickets",
                                         json={"command_id": command_id, "service_id": "id-card"},
                                         headers={"Authorization": f"Bearer {kiosk_token}"}) as response:
                        body = await response.json()
                        assert "ticket" in body, body
                        answered[command_id] = body["ticket"]
                for command_id in rng.sample(sorted(answered), min(50, len(answered))):
                    async with http.post(server.url + "/api/tickets",
                                         json={"command_id": command_id, "service_id": "id-card"},
                                         headers={"Authorization": f"Bearer {kiosk_token}"}) as response:
                        assert (await response.json())["ticket"] == answered[command_id], "a retry changed its ticket"
                async with http.get(server.url + "/api/state",
                                    headers={"Authorization": f"Bearer {kiosk_token}"}) as response:
                    state = await response.json()
                since = await _board_resume(http, server.url, board_token, since, seen)
        finally:
            server.stop()
    tickets = [v["ticket"] for v in state["visits"]]
    numbers = sorted(int(t.split("-")[1]) for t in tickets if t.startswith("П-"))
    # Served visits leave the live state; count them from the answers instead.
    issued = sorted(set(answered.values()))
    issued_numbers = sorted(int(t.split("-")[1]) for t in issued)
    return {
        "kills": rounds,
        "seconds": round(time.perf_counter() - started, 1),
        "tickets_answered": len(answered),
        "duplicates": len(answered) - len(set(answered.values())),
        "numbers_without_gaps": issued_numbers == list(range(1, len(issued_numbers) + 1)),
        "live_tickets_known": set(tickets) <= set(issued),
        "board_events": len(seen),
        "board_missed_or_repeated": len(seen) != len(set(seen)) or seen != sorted(seen)
        or (bool(seen) and seen[-1] - seen[0] + 1 != len(seen)),
        "live_numbers": len(numbers),
        "desk_commands_answered": desk_commands,
    }


def main() -> None:
    print(json.dumps(asyncio.run(run()), indent=2))


if __name__ == "__main__":
    main()
