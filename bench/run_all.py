"""`make bench`: run every benchmark and write BENCHMARKS.md with the figures and the machine they came from."""

from __future__ import annotations

import asyncio
import os
import platform
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import (
    abuse,
    city_network,
    city_year,
    console_soak,
    crash_day,
    crash_sim,
    dispatch,
    fuzz,
    load,
    server_throughput,
    simulated_day,
    voice,
    year,
)

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


def step(name: str) -> float:
    print(f"{name} ...", flush=True)
    return time.perf_counter()


def main() -> None:
    began = time.perf_counter()
    step("server throughput and call latency")
    throughput = server_throughput.run()
    step("simulated days, Erlang C, dispatch comparison")
    sim = asyncio.run(simulated_day.run())
    step("dispatch policies on the same days, and the wait forecast's accuracy")
    policies = dispatch.run()
    step("500 connections at five times the peak")
    loaded = asyncio.run(load.run())
    step("kill -9, 22 times under a kiosk storm")
    crashes = asyncio.run(crash_day.run())
    step("kill -9, 22 times during a simulated day")
    crashed_day = asyncio.run(crash_sim.run())
    step("fuzzing")
    fuzzed = fuzz.run()
    step("abuse: PIN guessing, slot grabbing, a flooding display")
    abused = asyncio.run(abuse.run())
    step(f"a desk console at a full hall for {console_soak.MINUTES:.0f} minutes")
    soaked = console_soak.run()
    step("the spoken call: lengths, loudness, a burst of 10 calls")
    spoken = voice.run()
    step("a year of history: generated, then the server on it while reports and exports run")
    history = year.run()
    step("a city of 9 branches: a day's backlog caught up, the live view's lag")
    city = asyncio.run(city_network.run())
    step("a city of 9 branches: a year in PostgreSQL, the yearly load report and its exports")
    city_history = city_year.run()
    issue, latency = throughput["issue"], throughput["latency"]
    lutsk, big = sim["days"]["lutsk"], sim["days"]["vinnytsia"]
    erlang = sim["erlang"]
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC in {time.perf_counter() - began:.0f} s.",
        f"Machine: {machine()}.",
        "",
        "## Queue server (bench/server_throughput.py)",
        "",
        "Server in its own process on the demo hall; SQLite WAL, `synchronous=FULL`; clients on the same machine",
        "speak the public WebSocket protocol. Target: at least 1,000 durable tickets/s and p99 under 50 ms.",
        "",
        "| figure | value |",
        "|---|---|",
        f"| durable ticket issues | **{issue['tickets_per_second']:.0f}/s** ({issue['tickets']} tickets, 10 kiosks, "
        f"16 requests in flight each) |",
        f"| issue answer latency under that load | p50 {issue['issue_p50_ms']:.1f} ms, "
        f"p99 {issue['issue_p99_ms']:.1f} ms |",
        f"| call → {latency['subscribers']} subscribed boards | p50 {latency['call_to_board_p50_ms']:.1f} ms, "
        f"**p99 {latency['call_to_board_p99_ms']:.1f} ms**, max {latency['call_to_board_max_ms']:.1f} ms "
        f"({latency['deliveries']} deliveries) |",
        "",
        "## A simulated day (bench/simulated_day.py, `cherha simulate`)",
        "",
        "Through the real server on a loopback port, every visitor and desk over the protocol, the clock moved by",
        "`set_clock`. Visitors arrive by the hour (a morning peak), service times are lognormal around each",
        "service's configured time, 4 % no-shows, 3 % transfers, 2 % postponements, a 30-minute break per desk,",
        "a 40-minute air-raid pause at 11:30 (arrivals during it are turned away).",
        "",
        "| profile | tickets | desks | simulated in | average wait | 90 % wait | within 15 min "
        "| estimate error (MAE) | desks busy |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for day in (lutsk, big):
        lines.append(
            f"| {day['profile']} | {day['tickets']} | {day['desks']} | {day['seconds_to_simulate']} s | "
            f"{day['wait_minutes']['avg']} min | {day['wait_minutes']['p90']} min | {day['sla_share']:.1%} | "
            f"{day['estimate_mae_minutes']} min | {day['desk_utilisation_avg']:.0%} |")
    lines += [
        "",
        "![Lutsk-sized day](docs/img/simulation-lutsk.png)",
        "",
        "### Dispatch against theory",
        "",
        "- Erlang C (one service, 3 desks, load 0.75, exponential arrivals and service, 3 × 50,000 customers):",
        f"  simulated mean wait {erlang['simulated']:.5f} against the formula's {erlang['theory']:.5f} "
        f"— **{erlang['relative_error']:.1%}** apart.",
        "",
        *dispatch.markdown(policies),
    ]
    lines += [
        "",
        "## Load: 500 connections (bench/load.py)",
        "",
        f"{loaded['connections']} WebSocket connections ({loaded['connections'] - 19} displays, 18 desk consoles, one "
        f"frozen display that never reads), 10 kiosks issuing at five times Lutsk's peak hour for "
        f"{loaded['seconds']:.0f} s:",
        "",
        "| figure | value |",
        "|---|---|",
        f"| kiosk issue latency | p50 {loaded['issue_p50_ms']:.1f} ms, p99 {loaded['issue_p99_ms']:.1f} ms "
        f"({loaded['tickets']} tickets) |",
        f"| call → every display | p50 {loaded['call_p50_ms']:.1f} ms, **p99 {loaded['call_p99_ms']:.1f} ms** "
        f"({loaded['deliveries']} deliveries) |",
        f"| server memory | {loaded['server_rss_mib']} MiB resident (peak {loaded['server_peak_rss_mib']} MiB) |",
        "",
        "The frozen display did not hold anybody up (the latencies above are with it connected). Filling its",
        "queue gets it disconnected (close code 4008): tests/test_api_websocket.py shows that part.",
        "",
        "## Faults (bench/crash_day.py, bench/fuzz.py)",
        "",
        f"- `kill -9` {crashes['kills']} times at random moments while 4 kiosks issue and 3 desks call and serve: "
        f"{crashes['tickets_answered']} tickets answered, **{crashes['duplicates']} duplicates**, numbers "
        f"{'without gaps' if crashes['numbers_without_gaps'] else 'WITH GAPS'}; the board resumed from its last "
        f"sequence after every restart and saw {crashes['board_events']} events "
        f"{'with none missed or repeated' if not crashes['board_missed_or_repeated'] else 'WITH GAPS OR REPEATS'}.",
        f"- `kill -9` {crashed_day['kills']} times at random moments during a simulated Lutsk day driven through the "
        f"protocol (server restarted each time with its clock where the day had got to; every client resends "
        f"with the same command id): {crashed_day['tickets']} tickets, and the day ended "
        + ("**exactly as the same day without a crash**" if crashed_day["same_as_uninterrupted_day"]
           else "DIFFERENTLY from the day without crashes") +
        f" (same tickets, waits, SLA share and estimate errors; {crashed_day['seconds']} s).",
        f"- schemathesis against /api/openapi.json: {fuzzed['schemathesis_passed']} of "
        f"{fuzzed['schemathesis_cases']} generated requests without a server error; "
        f"{fuzzed['websocket_frames']} random WebSocket frames in {fuzzed['websocket_rounds']} connections; the server "
        f"{'answered its health check after all of it' if fuzzed['alive_after'] else 'DID NOT SURVIVE'}.",
        "- Network drops of kiosks, consoles and boards: tests/test_kiosk.py, tests/test_desk_console.py,",
        "  tests/test_board.py (each waits, says so, and recovers alone without losing or doubling an action).",
        "",
    ]
    lines += abuse.markdown(abused)
    lines += console_soak.markdown(soaked)
    lines += voice.markdown(spoken)
    lines += year.markdown(history, year.before())
    lines += city_network.markdown(city)
    lines += city_year.markdown(city_history)
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
