"""Shared fixtures. Qt and browser fixtures live beside the tests that need them."""

from __future__ import annotations

import os
import select
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

if "faketime" in os.environ.get("LD_PRELOAD", ""):
    # `make test` / `make test-clock` run the suite under libfaketime with the monotonic clock left real (faking
    # it hangs Qt's timers); libfaketime then turns time.sleep's absolute monotonic deadline into EINVAL
    # (subprocess.wait sleeps too). select() waits the same relative time and is not intercepted. Test harness
    # only: the server and the apps never call time.sleep.
    time.sleep = lambda seconds: select.select([], [], [], max(0.0, seconds))  # type: ignore[assignment]

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from city_server.testing_pg import Postgres

    from .city_support import City


@pytest.fixture(scope="session")
def voice_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default voice segments, made once per test run with espeak-ng and sox."""
    from display_board.voice import generate_segments

    folder = tmp_path_factory.mktemp("voice")
    generate_segments(folder)
    return folder


# The city's tests (test_city*.py) share one PostgreSQL for the session; each test gets a database of its own.
# Imported when asked for: a run of the hall's tests alone never loads the city's code.
@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    from city_server.testing_pg import Postgres

    from .process import free_port

    server = Postgres(free_port()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def city(postgres: Postgres) -> AsyncIterator[City]:
    from queue_server.clock import ManualClock

    from .city_support import CITY_START, City

    server = await City(await postgres.new_database(), ManualClock(CITY_START)).start()
    try:
        yield server
    finally:
        await server.stop()
