"""Benchmark: 500 connected displays and consoles, 10 kiosks issuing at five times Lutsk's peak rate.

Measures the kiosks' issue latency, the call-to-display latency over every display (p50/p99), the server's
memory, and that one frozen display (it stops reading) delays nobody and is disconnected. Displays and
consoles are cherha_client.Clients following the hall's view, as the real ones do: a call reaches a display
as a patch.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from cherha_client import Client, ProtocolError
from tests.process import ServerProcess

PEAK_PER_HOUR = 1004 * 0.16  # Lutsk's busiest day, its busiest hour's share
RATE_PER_SECOND = 5 * PEAK_PER_HOUR / 3600


async def _frozen(http: aiohttp.ClientSession, url: str, token: str) -> aiohttp.ClientWebSocketResponse:
    """A display that subscribes and then never reads a byte: a misbehaving client, so a raw socket (every
    real program uses cherha_client, which always reads)."""
    ws = await http.ws_connect(url, max_msg_size=0, heartbeat=None)
    await ws.receive_json()
    await ws.send_json({"type": "auth", "token": token})
    assert (await ws.receive_json())["type"] == "auth_ok"
    await ws.send_json({"id": 1, "type": "subscribe"})
    ws._response.connection.transport.pause_reading()  # type: ignore[union-attr]
    return ws


def _rss_kib(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            name, value = line.split(":")
            out[name] = int(value.split()[0])
    return out


async def run(seconds: float = 90.0, displays: int = 482, kiosks: int = 10) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "data")
        kiosk_token = server.token("kiosk", "bench-kiosk")
        display_token = server.token("display", "bench-board")
        server.start()
        url = server.url.replace("http", "ws") + "/ws"
        calls: dict[int, float] = {}
        received: list[tuple[int, float]] = []  # (seq, when) of every call's patch at every display
        issue_latency: list[float] = []
        rng = random.Random(1)
        clients: list[Client] = []

        def display() -> Client:
            """A display as the board runs: it follows the hall's view; a call arrives as a patch."""
            def change(patch: dict[str, Any]) -> None:
                if patch.get("cause") == "visit_called":
                    received.append((board.view.seq or 0, time.perf_counter()))

            board = Client(server.url, {"token": display_token}, on_change=change)
            return board

        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                for _ in range(0, displays, 50):  # the boards come up in batches, as a hall's do after a power cut
                    batch = [display() for _ in range(min(50, displays - len(clients)))]
                    clients += batch
                    await asyncio.gather(*[board.start() for board in batch])
                frozen = await _frozen(http, url, display_token)
                consoles = {n: Client(server.url, {"login": f"op{n:02d}", "password": "1111", "desk": n})
                            for n in range(1, 19)}
                clients += consoles.values()
                await asyncio.gather(*[console.start() for console in consoles.values()])
                await asyncio.gather(*[console.command("desk_open") for console in consoles.values()])
                stop = time.monotonic() + seconds

                async def kiosk() -> None:  # kiosks speak REST, as the real ones do
                    while True:
                        pause = rng.expovariate(RATE_PER_SECOND / kiosks)
                        if time.monotonic() + pause >= stop:
                            return
                        await asyncio.sleep(pause)
                        started = time.perf_counter()
                        body = {"command_id": uuid.uuid4().hex,
                                "service_id": rng.choice(["id-card", "residence-register", "subsidy"])}
                        async with http.post(server.url + "/api/tickets", json=body,
                                             headers={"Authorization": f"Bearer {kiosk_token}"}) as response:
                            assert response.status == 201, await response.text()
                        issue_latency.append(time.perf_counter() - started)

                async def desk(console: Client) -> None:
                    while time.monotonic() < stop:
                        started = time.perf_counter()
                        try:
                            called = await console.command("call_next")
                        except ProtocolError:  # nobody waiting for this desk
                            await asyncio.sleep(0.3)
                            continue
                        calls[called["seq"]] = started
                        await console.command("start_service")
                        await console.command("finish")

                await asyncio.gather(*[kiosk() for _ in range(kiosks)], *[desk(c) for c in consoles.values()])
                await asyncio.sleep(1.0)
                memory = _rss_kib(server.pid())
                async with http.get(server.url + "/api/health") as response:
                    health = await response.json()
                frozen_closed = frozen.closed or frozen.close_code is not None
        finally:
            await asyncio.gather(*[client.close() for client in clients], return_exceptions=True)
            server.stop()
    deliveries = sorted(when - calls[seq] for seq, when in received if seq in calls)
    issue_latency.sort()
    return {
        "seconds": seconds, "connections": displays + 18 + 1, "kiosks": kiosks,
        "tickets": len(issue_latency), "calls": len(calls), "deliveries": len(deliveries),
        "issue_p50_ms": statistics.median(issue_latency) * 1000 if issue_latency else 0.0,
        "issue_p99_ms": issue_latency[int(len(issue_latency) * 0.99)] * 1000 if issue_latency else 0.0,
        "call_p50_ms": statistics.median(deliveries) * 1000 if deliveries else 0.0,
        "call_p99_ms": deliveries[int(len(deliveries) * 0.99)] * 1000 if deliveries else 0.0,
        "server_rss_mib": round(memory.get("VmRSS", 0) / 1024, 1),
        "server_peak_rss_mib": round(memory.get("VmHWM", 0) / 1024, 1),
        "subscribers_at_end": health["subscribers"],
        "frozen_disconnected": bool(frozen_closed),
    }


def main() -> None:
    result = asyncio.run(run())
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
