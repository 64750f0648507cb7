"""Benchmark: 500 connected displays and consoles, 10 kiosks issuing at five times Lutsk's peak rate.

Measures the kiosks' issue latency, the call-to-display latency over every display (p50/p99), the server's
memory, and that one frozen display (it stops reading) delays nobody and is disconnected.
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

from tests.process import ServerProcess

PEAK_PER_HOUR = 1004 * 0.16  # Lutsk's busiest day, its busiest hour's share
RATE_PER_SECOND = 5 * PEAK_PER_HOUR / 3600


async def _connect(http: aiohttp.ClientSession, url: str, **auth: Any) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(url, max_msg_size=0, heartbeat=None)
    await ws.receive_json()
    await ws.send_json({"type": "auth", **auth})
    assert (await ws.receive_json())["type"] == "auth_ok"
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
        received: list[tuple[int, float]] = []  # (seq, when) of every call event at every display
        issue_latency: list[float] = []
        rng = random.Random(1)
        try:
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
                boards = await asyncio.gather(*[_connect(http, url, token=display_token) for _ in range(displays)])
                for ws in boards:
                    await ws.send_json({"id": 1, "type": "subscribe_events"})
                await asyncio.gather(*[ws.receive_json() for ws in boards])
                frozen = await _connect(http, url, token=display_token)
                await frozen.send_json({"id": 1, "type": "subscribe_events"})
                frozen._response.connection.transport.pause_reading()  # type: ignore[union-attr]
                consoles = {n: await _connect(http, url, login=f"op{n:02d}", password="1111", desk=n)
                            for n in range(1, 19)}
                for ws in consoles.values():
                    await ws.send_json({"id": 1, "type": "desk_open", "command_id": uuid.uuid4().hex})
                    await ws.receive_json()
                    await ws.send_json({"id": 2, "type": "subscribe_events"})
                    await ws.receive_json()
                stop = time.monotonic() + seconds

                async def board(ws: aiohttp.ClientWebSocketResponse) -> None:
                    async for frame in ws:
                        message = json.loads(frame.data)
                        if message.get("type") == "event" and message["event"]["type"] == "visit_called":
                            received.append((message["seq"], time.perf_counter()))

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

                async def desk(number: int, ws: aiohttp.ClientWebSocketResponse) -> None:
                    msg_id = 10
                    while time.monotonic() < stop:
                        msg_id += 1
                        started = time.perf_counter()
                        await ws.send_json({"id": msg_id, "type": "call_next", "command_id": uuid.uuid4().hex})
                        while True:
                            reply = json.loads((await ws.receive()).data)
                            if reply.get("id") == msg_id:
                                break
                        if not reply["success"]:
                            await asyncio.sleep(0.3)
                            continue
                        calls[reply["result"]["seq"]] = started
                        for action in ("start_service", "finish"):
                            msg_id += 1
                            await ws.send_json({"id": msg_id, "type": action, "command_id": uuid.uuid4().hex})
                            while json.loads((await ws.receive()).data).get("id") != msg_id:
                                pass

                readers = [asyncio.create_task(board(ws)) for ws in boards]
                await asyncio.gather(*[kiosk() for _ in range(kiosks)],
                                     *[desk(n, ws) for n, ws in consoles.items()])
                await asyncio.sleep(1.0)
                memory = _rss_kib(server.pid())
                async with http.get(server.url + "/api/health") as response:
                    health = await response.json()
                for task in readers:
                    task.cancel()
                frozen_closed = frozen.closed or frozen.close_code is not None
                await asyncio.gather(*[asyncio.wait_for(ws.close(), 2) for ws in [*boards, *consoles.values()]],
                                     return_exceptions=True)
        finally:
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
