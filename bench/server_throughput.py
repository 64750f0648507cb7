"""Benchmark: durable ticket issues per second, and call-to-subscriber latency with 200 boards.

The server runs in its own process (as in a centre) on the demo hall, SQLite in WAL with
synchronous=FULL. Clients speak the public WebSocket protocol from this process.

    python -m bench.server_throughput [--tickets 6000] [--subscribers 200] [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from tests.process import ServerProcess

SERVICES = ["id-card", "id-card-14", "residence-register", "birth", "property-ownership", "subsidy",
            "land-cadastre-extract", "fop-register", "consultation", "document-issue"]


async def _connect(http: aiohttp.ClientSession, url: str, **auth: Any) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(url, max_msg_size=0)
    await ws.receive_json()
    await ws.send_json({"type": "auth", **auth})
    reply = await ws.receive_json()
    assert reply["type"] == "auth_ok", reply
    return ws


async def issue_rate(server: ServerProcess, token: str, tickets: int, kiosks: int, window: int) -> dict[str, float]:
    """Kiosks keep `window` issue commands in flight each; count answered (durable) tickets per second."""
    url = server.url.replace("http", "ws") + "/ws"
    latencies: list[float] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        sockets = [await _connect(http, url, token=token) for _ in range(kiosks)]
        per_kiosk = tickets // kiosks

        async def kiosk(ws: aiohttp.ClientWebSocketResponse, index: int) -> None:
            sent: dict[int, float] = {}
            next_id, done = 1, 0
            while done < per_kiosk:
                while next_id <= per_kiosk and len(sent) < window:
                    sent[next_id] = time.perf_counter()
                    await ws.send_str(json.dumps({
                        "id": next_id, "type": "issue_ticket", "command_id": uuid.uuid4().hex,
                        "service_id": SERVICES[(index + next_id) % len(SERVICES)]}))
                    next_id += 1
                reply = json.loads((await ws.receive()).data)
                assert reply["success"], reply
                latencies.append(time.perf_counter() - sent.pop(reply["id"]))
                done += 1

        started = time.perf_counter()
        await asyncio.gather(*[kiosk(ws, i) for i, ws in enumerate(sockets)])
        elapsed = time.perf_counter() - started
        for ws in sockets:
            await ws.close()
    latencies.sort()
    return {
        "tickets": per_kiosk * kiosks,
        "seconds": elapsed,
        "tickets_per_second": per_kiosk * kiosks / elapsed,
        "issue_p50_ms": latencies[len(latencies) // 2] * 1000,
        "issue_p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
    }


async def call_latency(server: ServerProcess, display_token: str, kiosk_token: str, subscribers: int,
                       calls: int) -> dict[str, float]:
    """An operator calls visitors one by one; every board measures when the call reaches it."""
    url = server.url.replace("http", "ws") + "/ws"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        boards = [await _connect(http, url, token=display_token) for _ in range(subscribers)]
        for ws in boards:
            await ws.send_json({"id": 1, "type": "subscribe_events"})
            reply = await ws.receive_json()
            assert reply["success"], reply
        kiosk = await _connect(http, url, token=kiosk_token)
        for n in range(calls):
            await kiosk.send_json({"id": n + 1, "type": "issue_ticket", "command_id": uuid.uuid4().hex,
                                   "service_id": "consultation"})
            assert (await kiosk.receive_json())["success"]
        desk = await _connect(http, url, login="op18", password="1111", desk=18)
        await desk.send_json({"id": 1, "type": "desk_open", "command_id": uuid.uuid4().hex})
        assert (await desk.receive_json())["success"]
        arrivals: dict[int, list[float]] = {}

        async def board(ws: aiohttp.ClientWebSocketResponse) -> None:
            async for frame in ws:
                message = json.loads(frame.data)
                if message.get("type") == "event" and message["event"]["type"] == "visit_called":
                    arrivals.setdefault(message["seq"], []).append(time.perf_counter())

        readers = [asyncio.create_task(board(ws)) for ws in boards]
        await asyncio.sleep(0.5)  # let the boards drain the issue events first
        latencies: list[float] = []
        msg_id = 2
        for _ in range(calls):
            sent = time.perf_counter()
            await desk.send_json({"id": msg_id, "type": "call_next", "command_id": uuid.uuid4().hex})
            reply = await desk.receive_json()
            assert reply["success"], reply
            seq = reply["result"]["seq"]
            deadline = time.perf_counter() + 5
            while len(arrivals.get(seq, [])) < subscribers and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            assert len(arrivals.get(seq, [])) == subscribers, "a board missed a call"
            latencies.extend(t - sent for t in arrivals[seq])
            await desk.send_json({"id": msg_id + 1, "type": "no_show", "command_id": uuid.uuid4().hex})
            assert (await desk.receive_json())["success"]
            msg_id += 2
            await asyncio.sleep(0.01)
        for task in readers:
            task.cancel()
        for ws in [*boards, kiosk, desk]:
            await ws.close()
    latencies.sort()
    return {
        "subscribers": subscribers,
        "calls": calls,
        "deliveries": len(latencies),
        "call_to_board_p50_ms": statistics.median(latencies) * 1000,
        "call_to_board_p99_ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "call_to_board_max_ms": latencies[-1] * 1000,
    }


def run(tickets: int = 6000, kiosks: int = 10, window: int = 16, subscribers: int = 200,
        calls: int = 300) -> dict[str, Any]:
    def on_fresh_server(folder: Path, job: Any) -> Any:
        server = ServerProcess(folder)
        kiosk_token = server.token("kiosk", "bench-kiosk")
        display_token = server.token("display", "bench-board")
        server.start()
        try:
            return asyncio.run(job(server, kiosk_token, display_token))
        finally:
            server.stop()

    with tempfile.TemporaryDirectory() as folder:
        issue = on_fresh_server(Path(folder) / "data", lambda s, k, _d: issue_rate(s, k, tickets, kiosks, window))
        # A fresh server for the latency run, so the first run's 6,000 waiting visitors do not weigh on it.
        latency = on_fresh_server(Path(folder) / "data2",
                                  lambda s, k, d: call_latency(s, d, k, subscribers, calls))
    return {"issue": issue, "latency": latency}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=6000)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--calls", type=int, default=300)
    args = parser.parse_args()
    results = run(tickets=args.tickets, subscribers=args.subscribers, calls=args.calls)
    issue, latency = results["issue"], results["latency"]
    print(f"durable ticket issues: {issue['tickets_per_second']:.0f}/s "
          f"({issue['tickets']} tickets in {issue['seconds']:.2f} s; "
          f"issue latency p50 {issue['issue_p50_ms']:.1f} ms, p99 {issue['issue_p99_ms']:.1f} ms)")
    print(f"call -> {latency['subscribers']} boards: p50 {latency['call_to_board_p50_ms']:.1f} ms, "
          f"p99 {latency['call_to_board_p99_ms']:.1f} ms, max {latency['call_to_board_max_ms']:.1f} ms "
          f"({latency['deliveries']} deliveries)")


if __name__ == "__main__":
    main()
