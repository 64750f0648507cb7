"""`make bench`: run every benchmark and write BENCHMARKS.md with the figures and the machine they came from."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench import server_throughput

ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; commit {commit.stdout.strip() or '?'}")


def main() -> None:
    print("server throughput and call latency ...", flush=True)
    results = server_throughput.run()
    issue, latency = results["issue"], results["latency"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {machine()}.",
        "",
        "## Queue server (bench/server_throughput.py)",
        "",
        "Server in its own process on the demo hall; SQLite WAL, `synchronous=FULL`; clients on the same machine",
        "speak the public WebSocket protocol. Target (issue 2): at least 1,000 durable tickets/s and p99 under 50 ms.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| durable ticket issues | **{issue['tickets_per_second']:.0f}/s** ({issue['tickets']} tickets, 10 kiosks, "
        f"16 requests in flight each) |",
        f"| issue answer latency under that load | p50 {issue['issue_p50_ms']:.1f} ms, "
        f"p99 {issue['issue_p99_ms']:.1f} ms |",
        f"| call -> {latency['subscribers']} subscribed boards | p50 {latency['call_to_board_p50_ms']:.1f} ms, "
        f"**p99 {latency['call_to_board_p99_ms']:.1f} ms**, max {latency['call_to_board_max_ms']:.1f} ms "
        f"({latency['deliveries']} deliveries) |",
        "",
        "The call latency is measured from the desk sending `call_next` to each board's socket receiving the",
        "event, so it includes the durable write (fsync) before the broadcast.",
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
