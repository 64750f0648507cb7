"""The catch-up of report figures after an upgrade runs in a worker process (queue_server/figures_worker.py): the
hall serves meanwhile, the worker ends with the server, and the next start goes on with the days still missing."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from queue_server.clock import ManualClock
from queue_server.domain import commands as cmd
from queue_server.hall_service import HallService
from queue_server.store import EventStore

from .support import demo_hall
from .test_reports_scale import DAYS, NOW, make_store


def workers() -> list[int]:
    """This process's children running the figures worker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            line = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == os.getpid() and b"queue_server.figures_worker" in line:
            found.append(int(entry.name))
    return found


async def test_the_catch_up_runs_in_a_worker_that_ends_with_the_server(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cherha.sqlite3"
    await asyncio.to_thread(make_store, path)  # three ended days without figures, and a morning

    async def started() -> tuple[EventStore, HallService]:
        store = EventStore(path)
        await store.start()
        service = HallService(demo_hall(), store, ManualClock(NOW))
        await service.start()
        return store, service

    store, service = await started()
    for _ in range(600):  # bounded: the worker is a new interpreter, slow to start on a loaded machine
        if workers():
            break
        await asyncio.sleep(0.1)
    assert workers(), "the catch-up runs in a process of its own"
    answer = await service.execute(cmd.IssueTicket(actor="kiosk-1", service_id="consultation"))
    assert answer["ticket"], "the hall serves meanwhile"
    await service.close()
    await store.close()
    assert workers() == [], "the worker ends with the server"

    store, service = await started()  # the next start goes on with whatever is still missing
    try:
        for _ in range(1200):
            stored = await store.read(lambda db: EventStore.stored_figures(db, "", "9999"))
            if len(stored) == len(DAYS):
                break
            await asyncio.sleep(0.1)
        assert sorted(stored) == [d.isoformat() for d in DAYS]
        assert await store.read(EventStore.ended_days_without_figures) == 0
    finally:
        await service.close()
        await store.close()
    assert workers() == []
