"""Benchmark: a year of a Lutsk-sized centre on disk, and whether the hall stays fast while history is read.

bench/year_data.py writes a month (the first 22 working days) and a year (about 214,000 visits) of events
the way the server logs them. For each, the real server is started on a copy (start-up timed, the first start
after an upgrade apart from an ordinary one), and while a kiosk issues a ticket and a desk calls a visitor
every 0.2 s over the public protocol (a board following the hall's view measures when each call reaches it),
a supervisor asks for the reports and exports over REST and a visitor opens old feedback links. Each request's
time is recorded with the kiosk's and the board's worst latency while it ran and the server's resident memory.

    python -m bench.year [--visits 214000] [--days N] [--server-root DIR]

`--server-root` runs the server from another checkout (the "before" figures of BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.year_data import END, VISITS, generate
from cherha_client import Client
from tests.process import ServerProcess

SUPERVISOR = {"login": "supervisor", "password": "super-demo"}
PROBE_EVERY = 0.2  # seconds between the kiosk's tickets (and the desk's calls) while a request runs
QUIET_SECONDS = 3.0  # the hall alone, before any request: its own latencies


def rss_mib(pid: int) -> tuple[float, float]:
    """Resident memory now and at its peak (MiB), from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def workers_cpu_s(pid: int) -> float:
    """CPU seconds of the server's ended report workers: they are children of its multiprocessing fork server,
    which reaps them, so they add up in its children's times (a figure the machine's other load does not
    inflate, unlike the wall-clock time). 0.0 for a server without worker processes (the release before)."""
    total = 0.0
    tasks = Path(f"/proc/{pid}/task")
    children = {int(c) for task in tasks.iterdir() for c in (task / "children").read_text().split()}
    for child in children:
        try:
            if b"forkserver" not in Path(f"/proc/{child}/cmdline").read_bytes():
                continue
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")  # cutime, cstime
    return total


def db_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists()) / 1024 / 1024


def db_in_use_mib(path: Path) -> float:
    """The pages holding data (freed pages stay in the file, to be reused, until a VACUUM)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pages, free, size = (db.execute(f"PRAGMA {name}").fetchone()[0]
                             for name in ("page_count", "freelist_count", "page_size"))
    finally:
        db.close()
    return (pages - free) * size / 1024 / 1024


def timed_start(server: ServerProcess) -> float:
    began = time.perf_counter()
    server.start(timeout=600)
    return time.perf_counter() - began


class Hall:
    """A kiosk issuing and a desk calling every PROBE_EVERY seconds; a board timing each call's arrival."""

    def __init__(self, server: ServerProcess, kiosk_token: str, board_token: str) -> None:
        self.server = server
        self.kiosk = Client(server.url, {"token": kiosk_token}, subscribe=False)
        self.desk = Client(server.url, {"login": "op01", "password": "1111", "desk": 1}, subscribe=False)
        self.board = Client(server.url, {"token": board_token}, on_change=self._change)
        self.calls_seen: dict[int, float] = {}
        self.samples: list[tuple[float, str, float]] = []  # (when it ended, kiosk|board, latency s)
        self.running = True

    def _change(self, patch: dict[str, Any]) -> None:
        if patch.get("cause") == "visit_called":
            self.calls_seen.setdefault(self.board.view.seq or 0, time.perf_counter())

    async def start(self) -> None:
        await asyncio.gather(self.kiosk.start(), self.desk.start(), self.board.start())
        await self.desk.command("desk_open")

    async def run(self) -> None:
        while self.running:
            began = time.perf_counter()
            await self.kiosk.command("issue_ticket", service_id="consultation")
            self.samples.append((time.perf_counter(), "kiosk", time.perf_counter() - began))
            sent = time.perf_counter()
            seq = (await self.desk.command("call_next"))["seq"]
            deadline = time.perf_counter() + 120
            while seq not in self.calls_seen and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            self.samples.append((time.perf_counter(), "board", self.calls_seen.get(seq, deadline) - sent))
            await self.desk.command("no_show")
            await asyncio.sleep(max(0.0, PROBE_EVERY - (time.perf_counter() - began)))

    async def settled(self, moment: float) -> None:
        """Wait (bounded) until a kiosk and a board probe have ended after `moment`: one held up by the request
        ends only then, and its latency belongs to the request."""
        deadline = time.perf_counter() + 180
        while time.perf_counter() < deadline and not all(
                any(end > moment for end, k, _ in self.samples if k == kind) for kind in ("kiosk", "board")):
            await asyncio.sleep(0.05)

    def worst(self, since: float, until: float) -> dict[str, float]:
        """The worst kiosk and board latencies (ms) of probes that were under way between `since` and `until`."""
        out = {}
        for kind in ("kiosk", "board"):
            hits = [lat for end, k, lat in self.samples if k == kind and end >= since and end - lat <= until]
            out[kind] = round(max(hits) * 1000, 1) if hits else 0.0
        return out

    async def close(self) -> None:
        self.running = False
        await asyncio.gather(self.kiosk.close(), self.desk.close(), self.board.close())


async def measure_requests(server: ServerProcess, hall: Hall, month: tuple[str, str], year: tuple[str, str],
                           tokens: list[str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    pid = server.pid()
    peak = [0.0]

    async def sample_memory() -> None:
        while hall.running:
            peak[0] = max(peak[0], rss_mib(pid)[0])
            await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample_memory())
    prober = asyncio.create_task(hall.run())
    try:
        await asyncio.sleep(QUIET_SECONDS)
        quiet = [lat for _, _, lat in hall.samples]
        results["quiet"] = {"kiosk_p50_ms": round(statistics.median(
            [lat for _, k, lat in hall.samples if k == "kiosk"]) * 1000, 1),
            "board_p50_ms": round(statistics.median([lat for _, k, lat in hall.samples if k == "board"]) * 1000, 1),
            "worst_ms": round(max(quiet) * 1000, 1)}
        timeout = aiohttp.ClientTimeout(total=900)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.post(server.url + "/api/sessions", json=SUPERVISOR) as response:
                auth = {"Authorization": f"Bearer {(await response.json())['token']}"}
            for name, path, (first, last) in (
                    ("month report", "/api/reports", month), ("month CSV", "/api/reports/export.csv", month),
                    ("month XLSX", "/api/reports/export.xlsx", month), ("year report", "/api/reports", year),
                    ("year CSV", "/api/reports/export.csv", year)):
                peak[0] = rss_mib(pid)[0]
                cpu = workers_cpu_s(pid)
                began = time.perf_counter()
                async with http.get(f"{server.url}{path}?from={first}&to={last}", headers=auth) as response:
                    size = len(await response.read())
                    status = response.status
                ended = time.perf_counter()
                await hall.settled(ended)
                results[name] = {"seconds": round(ended - began, 2), "status": status, "bytes": size,
                                 "rss_peak_mib": round(peak[0]), "worker_cpu_s": round(workers_cpu_s(pid) - cpu, 2),
                                 **hall.worst(began, ended)}
            began = time.perf_counter()
            views = []
            for token in tokens:
                one = time.perf_counter()
                async with http.get(f"{server.url}/api/feedback/{token}") as response:
                    assert response.status == 200, await response.text()
                views.append(time.perf_counter() - one)
            ended = time.perf_counter()
            await hall.settled(ended)
            results["feedback page"] = {"seconds": round(statistics.median(views), 3), "views": len(views),
                                        "status": 200, "bytes": 0, "rss_peak_mib": round(peak[0]),
                                        **hall.worst(began, ended)}
    finally:
        hall.running = False
        await prober
        await sampler
    results["rss_after_mib"] = round(rss_mib(pid)[0])
    return results


def old_feedback_tokens(path: Path, count: int = 20) -> list[str]:
    db = sqlite3.connect(path)
    try:
        rows = db.execute("SELECT json_extract(payload, '$.feedback_token') FROM events WHERE type = 'ticket_issued' "
                          "ORDER BY seq LIMIT ?", [count]).fetchall()
    finally:
        db.close()
    return [row[0] for row in rows]


def days_of(path: Path) -> tuple[str, str]:
    db = sqlite3.connect(path)
    try:
        first, last = db.execute("SELECT MIN(day), MAX(day) FROM events").fetchone()
    finally:
        db.close()
    return str(first), str(last)


def wait_for_day_figures(path: Path, limit: float = 900) -> float | None:
    """Seconds until the server has stored the figures of every ended day after its first start (None: this
    server keeps none, the release before)."""
    began = time.perf_counter()
    while time.perf_counter() - began < limit:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'day_figures'").fetchone():
                return None
            stored = db.execute("SELECT COUNT(*) FROM day_figures").fetchone()[0]
            days = db.execute("SELECT COUNT(DISTINCT day) FROM events").fetchone()[0]
        finally:
            db.close()
        if stored >= days - 1:
            return round(time.perf_counter() - began, 1)
        time.sleep(1)
    return None


async def during_catch_up(server: ServerProcess, kiosk_token: str, board_token: str, path: Path) -> dict[str, Any]:
    """Until every ended day's figures are stored after the first start: how long, and the hall's latencies
    meanwhile (the kiosk and board probes run throughout)."""
    hall = Hall(server, kiosk_token, board_token)
    await hall.start()
    prober = asyncio.create_task(hall.run())
    try:
        filled = await asyncio.to_thread(wait_for_day_figures, path)
    finally:
        hall.running = False
        await prober
        await hall.close()
    kiosk = [lat for _, k, lat in hall.samples if k == "kiosk"]
    board = [lat for _, k, lat in hall.samples if k == "board"]
    return {"figures_filled_s": filled, "catch_up": {
        "kiosk_p50_ms": round(statistics.median(kiosk) * 1000, 1) if kiosk else 0.0,
        "worst_ms": round(max(kiosk + board) * 1000, 1) if kiosk else 0.0, "probes": len(kiosk)}}


def measure_store(source: Path, folder: Path, month: tuple[str, str], server_root: Path | None) -> dict[str, Any]:
    data = folder / "data"
    data.mkdir(parents=True)
    shutil.copy(source, data / "cherha.sqlite3")
    server = ServerProcess(data, clock_start=f"{END.isoformat()}T10:00:00+02:00")
    tokens = old_feedback_tokens(data / "cherha.sqlite3")
    figures: dict[str, Any] = {"db_mib_generated": round(db_mib(data / "cherha.sqlite3"))}
    env_root, cwd = os.environ.get("PYTHONPATH"), os.getcwd()
    if server_root is not None:  # `python -m` puts the working directory first on the path: both must point there
        os.environ["PYTHONPATH"] = str(server_root)
        os.chdir(server_root)
    try:
        figures["first_start_s"] = round(timed_start(server), 2)  # migrations of an older store included
        kiosk_token, board_token = server.token("kiosk", "bench-kiosk"), server.token("display", "bench-board")
        figures.update(asyncio.run(during_catch_up(server, kiosk_token, board_token, data / "cherha.sqlite3")))
        server.stop()
        figures["start_s"] = round(timed_start(server), 2)
        figures["rss_started_mib"] = round(rss_mib(server.pid())[0])

        async def job() -> dict[str, Any]:
            hall = Hall(server, kiosk_token, board_token)
            await hall.start()
            try:
                return await measure_requests(server, hall, month, days_of(data / "cherha.sqlite3"), tokens)
            finally:
                await hall.close()

        figures.update(asyncio.run(job()))
    finally:
        server.stop()
        if server_root is not None:
            os.chdir(cwd)
            if env_root is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = env_root
    figures["db_mib_after"] = round(db_mib(data / "cherha.sqlite3"))
    figures["db_mib_in_use"] = round(db_in_use_mib(data / "cherha.sqlite3"))
    return figures


def run(visits: int = VISITS, days: int | None = None, server_root: Path | None = None,
        keep: Path | None = None, only: str | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="cherha-year-") as tmp:
        folder = keep or Path(tmp)
        year_path, month_path = folder / "year.sqlite3", folder / "month.sqlite3"
        wanted = {"month": month_path, "year": year_path}
        if only is not None:  # one store, kept from an earlier run (`--keep`): quick figures, no markdown
            wanted = {only: wanted[only]}
        if keep is not None and all(path.exists() for path in wanted.values()):
            made: dict[str, Any] = {"reused": True}
        else:
            made = generate(year_path, visits, days, month_copy=month_path)
        month = days_of(month_path)
        out: dict[str, Any] = {"generated": made, "month_days": month}
        for name, path in wanted.items():
            out[name] = measure_store(path, Path(tmp) / name, month, server_root)
            out[name]["events"], out[name]["visits"] = count_events(path)
    return out


def count_events(path: Path) -> tuple[int, int]:
    db = sqlite3.connect(path)
    try:
        events = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        visits = db.execute("SELECT COUNT(*) FROM events WHERE type = 'ticket_issued'").fetchone()[0]
    finally:
        db.close()
    return int(events), int(visits)


BEFORE = Path(__file__).with_name("year_before.json")


def before() -> dict[str, Any] | None:
    """The figures of the release before the history work (commit db87c86), measured once with
    `--server-root` on a checkout of it and kept: that code is gone from this tree."""
    import json

    return json.loads(BEFORE.read_text(encoding="utf-8")) if BEFORE.exists() else None


REQUESTS = ("month report", "month CSV", "month XLSX", "year report", "year CSV", "feedback page")


def markdown(results: dict[str, Any], before: dict[str, Any] | None = None) -> list[str]:
    made = results["generated"]
    lines = [
        "## A year of history (bench/year.py)",
        "",
        f"A Lutsk-sized centre's year written by bench/year_data.py ({made.get('visits', '?')} visits, "
        f"{made.get('events', '?')} events over {made.get('days', '?')} working days, generated on the pure domain "
        f"in {made.get('seconds', '?')} s) and a month of it (its first 22 working days). The real server runs on "
        f"each; a kiosk issues a ticket and a desk calls every {PROBE_EVERY} s over the protocol while a supervisor "
        f"asks for each report or export in turn (and a visitor opens 20 old feedback links); a board following the "
        f"hall measures each call's arrival. Kiosk and board figures are the worst latency of the probes that ran "
        f"during the request; with the hall alone they are in the first row.",
        "",
    ]
    for label, data in (("this release", results), ("the release before (commit db87c86, bench/year_before.json)",
                                                      before)):
        if data is None:
            continue
        lines += [f"### {label}", "",
                  "| | month | year |", "|---|---|---|"]
        month, year = data["month"], data["year"]
        lines += [
            f"| events / visits | {month['events']} / {month['visits']} | {year['events']} / {year['visits']} |",
            "| database file after the run (generated; pages in use) | " + " | ".join(
                f"{s['db_mib_after']} MiB ({s['db_mib_generated']}; {s.get('db_mib_in_use', '?')})"
                for s in (month, year)) + " |",
            f"| start-up: first after the upgrade / ordinary | {month['first_start_s']} s / {month['start_s']} s | "
            f"{year['first_start_s']} s / {year['start_s']} s |",
            "| every ended day's report figures stored, after the first start (in the background) | " + " | ".join(
                "none kept" if s.get("figures_filled_s") is None else f"{s['figures_filled_s']} s"
                + (f"; meanwhile kiosk p50 {s['catch_up']['kiosk_p50_ms']} ms, worst {s['catch_up']['worst_ms']} ms"
                   if "catch_up" in s else "")
                for s in (month, year)) + " |",
            f"| server memory: started / after the requests | {month['rss_started_mib']} / {month['rss_after_mib']} "
            f"MiB | {year['rss_started_mib']} / {year['rss_after_mib']} MiB |",
            "| the hall alone: kiosk p50, board p50, worst | " + " | ".join(
                f"{s['quiet']['kiosk_p50_ms']} ms, {s['quiet']['board_p50_ms']} ms, {s['quiet']['worst_ms']} ms"
                for s in (month, year)) + " |",
        ]
        for name in REQUESTS:
            cells = []
            for store in (month, year):
                r = store[name]
                what = ("per view (median)" if name == "feedback page"
                        else f"HTTP {r['status']}, {r['bytes'] // 1024} KiB")
                worker = f"; worker CPU {r['worker_cpu_s']} s" if r.get("worker_cpu_s") else ""
                cells.append(f"**{r['seconds']} s** ({what}{worker}); kiosk {r['kiosk']} ms, board {r['board']} ms; "
                             f"server {r['rss_peak_mib']} MiB")
            lines.append(f"| {name} | {cells[0]} | {cells[1]} |")
        lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visits", type=int, default=VISITS)
    parser.add_argument("--days", type=int, default=None, help="only the last N working days (quick runs)")
    parser.add_argument("--server-root", type=Path, default=None)
    parser.add_argument("--keep", type=Path, default=None, help="keep (and reuse) the generated stores here")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--only", choices=("month", "year"), default=None,
                        help="measure only this store (kept in --keep): its figures as JSON, not the markdown")
    args = parser.parse_args()
    results = run(args.visits, args.days, args.server_root, args.keep, args.only)
    import json

    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(json.dumps(results, indent=1) if args.only else "\n".join(markdown(results)))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
