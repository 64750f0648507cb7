"""Benchmark: durable ticket issues per second, and call-to-subscriber latency with 200 boards.

The server runs in its own process (as in a centre) on the demo hall, SQLite in WAL with
synchronous=FULL. Clients speak the public WebSocket protocol from this process, each a cherha_client.Client
(kiosks' commands through its outbox, boards following the hall's view).

    python -m bench.server_throughput [--tickets 6000] [--subscribers 200] [--calls 300]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from cherha_client import Client
from tests.process import ServerProcess

SERVICES = ["id-card", "id-card-14", "residence-register", "birth", "property-ownership", "subsidy",
            "land-cadastre-extract", "fop-register", "consultation", "document-issue"]


async def issue_rate(server: ServerProcess, token: str, tickets: int, kiosks: int, window: int) -> dict[str, float]:
    """Kiosks keep `window` issue commands in flight each; count answered (durable) tickets per second."""
    latencies: list[float] = []
    sockets = [Client(server.url, {"token": token}, subscribe=False) for _ in range(kiosks)]
    await asyncio.gather(*[kiosk.start() for kiosk in sockets])
    per_kiosk = tickets // kiosks

    async def issue(kiosk: Client, index: int, lane: int) -> None:
        for n in range(lane, per_kiosk, window):
            sent = time.perf_counter()
            await kiosk.command("issue_ticket", service_id=SERVICES[(index + n) % len(SERVICES)])
            latencies.append(time.perf_counter() - sent)

    try:
        started = time.perf_counter()
        await asyncio.gather(*[issue(kiosk, i, lane) for i, kiosk in enumerate(sockets) for lane in range(window)])
        elapsed = time.perf_counter() - started
    finally:
        await asyncio.gather(*[kiosk.close() for kiosk in sockets])
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
    """An operator calls visitors one by one; every board (following the view, as the real board does)
    measures when the call's patch reaches it."""
    arrivals: dict[int, list[float]] = {}

    def board() -> Client:
        def change(patch: dict[str, Any]) -> None:
            if patch.get("cause") == "visit_called":
                arrivals.setdefault(client.view.seq or 0, []).append(time.perf_counter())

        client = Client(server.url, {"token": display_token}, on_change=change)
        return client

    boards = [board() for _ in range(subscribers)]
    kiosk = Client(server.url, {"token": kiosk_token}, subscribe=False)
    desk = Client(server.url, {"login": "op18", "password": "1111", "desk": 18}, subscribe=False)
    try:
        for start in range(0, subscribers, 50):
            await asyncio.gather(*[b.start() for b in boards[start:start + 50]])
        await kiosk.start()
        for _ in range(calls):
            await kiosk.command("issue_ticket", service_id="consultation")
        await desk.start()
        await desk.command("desk_open")
        await asyncio.sleep(0.5)  # let the boards take in the issues first
        latencies: list[float] = []
        for _ in range(calls):
            sent = time.perf_counter()
            seq = (await desk.command("call_next"))["seq"]
            deadline = time.perf_counter() + 5
            while len(arrivals.get(seq, [])) < subscribers and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            assert len(arrivals.get(seq, [])) == subscribers, "a board missed a call"
            latencies.extend(t - sent for t in arrivals[seq])
            await desk.command("no_show")
            await asyncio.sleep(0.01)
    finally:
        await asyncio.gather(*[client.close() for client in [*boards, kiosk, desk]])
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
