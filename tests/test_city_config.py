"""A branch's `[city]` settings, the shipper's bounded reads and backoff, and a lone hall without any of it
(no PostgreSQL needed here: tests/test_city.py has the city itself)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from queue_server.config import DEMO_HALL, ConfigError
from queue_server.domain import events as ev
from queue_server.shipping.config import TOKEN_ENV, load_city_settings
from queue_server.shipping.reader import LogReader
from queue_server.shipping.shipper import Backoff, hall_document
from queue_server.store import EventRecord, EventStore

from .support import TUESDAY_10

HALL = DEMO_HALL.read_text(encoding="utf-8")


def hall_with(tmp_path: Path, city: str) -> Path:
    path = tmp_path / "hall.toml"
    path.write_text(HALL + "\n[city]\n" + city, encoding="utf-8")
    return path


def test_a_hall_without_a_city_table_runs_alone() -> None:
    assert load_city_settings(DEMO_HALL, env={TOKEN_ENV: "x"}) is None


def test_the_branch_token_comes_from_a_file_or_the_environment_never_the_hall_file(tmp_path: Path) -> None:
    (tmp_path / "city.token").write_text("secret-token\n")
    path = hall_with(tmp_path, 'url = "https://city.example.ua/"\nbranch = "inhulets"\ntoken_file = "city.token"\n')
    settings = load_city_settings(path, env={})
    assert settings is not None
    assert (settings.url, settings.branch, settings.token) == ("https://city.example.ua", "inhulets", "secret-token")
    assert (settings.summary_seconds, settings.retry_max_seconds, settings.summary_on_change) == (5.0, 60.0, True)

    path = hall_with(tmp_path, 'url = "http://10.0.0.5:8090"\nbranch = "ternivka"\nretry_max_seconds = 30\n'
                               'summary_on_change = false\n')
    settings = load_city_settings(path, env={TOKEN_ENV: "from-env"})
    assert settings is not None and settings.token == "from-env" and settings.retry_max_seconds == 30
    assert settings.summary_on_change is False

    with pytest.raises(ConfigError, match="no branch token"):
        load_city_settings(path, env={})
    path = hall_with(tmp_path, 'url = "http://city"\nbranch = "a"\ntoken = "leaked"\n')
    with pytest.raises(ConfigError, match="never goes in the hall file") as refused:
        load_city_settings(path, env={TOKEN_ENV: "x"})
    assert refused.value.line == HALL.count("\n") + 5  # names the line of the token
    for bad, message in (('url = "ftp://city"\nbranch = "a"\n', "http"),
                         ('url = "http://city"\nbranch = "Центр"\n', "lower-case"),
                         ('url = "http://city"\nbranch = "a"\nretry_max_seconds = 0\n', "1 to 600"),
                         ('url = "http://city"\nbranch = "a"\nsummary_seconds = 600\n', "1 to 60"),
                         ('url = "http://city"\nbranch = "a"\nsummary_on_change = "yes"\n', "true or false"),
                         ('url = "http://city"\nbranch = "a"\nbatch = 5\n', "unknown setting")):
        with pytest.raises(ConfigError, match=message):
            load_city_settings(hall_with(tmp_path, bad), env={TOKEN_ENV: "x"})


def test_the_city_gets_the_hall_without_the_operators_pin_hashes(tmp_path: Path) -> None:
    path = hall_with(tmp_path, 'url = "http://city"\nbranch = "a"\n')
    document = json.loads(hall_document(path))
    assert "operators" not in document and "city" not in document and "scrypt$" not in json.dumps(document)
    assert document["centre"]["id"] and document["desks"]


def test_a_lone_hall_imports_no_city_code() -> None:
    """`make run` needs no PostgreSQL: building and starting a hall's app loads neither the shipper nor the city."""
    script = (
        "import sys, asyncio, tempfile, pathlib\n"
        "from queue_server.api.app import create_app\n"
        "from queue_server.config import load_hall, DEMO_HALL\n"
        "from queue_server.clock import ManualClock\n"
        "from queue_server.store import EventStore\n"
        "from datetime import datetime, timezone\n"
        "from queue_server import cli\n"
        "create_app(load_hall(DEMO_HALL), EventStore(pathlib.Path(tempfile.mkdtemp()) / 'db'),\n"
        "           ManualClock(datetime(2026, 11, 24, 10, tzinfo=timezone.utc)))\n"
        "loaded = [m for m in ('asyncpg', 'city_server', 'queue_server.shipping.shipper') if m in sys.modules]\n"
        "print(loaded)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    random.seed(18)
    backoff = Backoff(base=0.5, cap=60.0)
    delays = [backoff.next() for _ in range(30)]
    assert all(0.5 <= d <= 60.0 for d in delays)
    assert max(delays[:3]) <= 4.0 and max(delays[10:]) > 20  # grows, doubling its bound each time
    assert len({round(d, 3) for d in delays[10:]}) > 15  # drawn anew: branches back together do not collide
    backoff.reset()
    assert backoff.next() <= 1.0


async def test_batches_are_bounded_in_events_and_bytes_and_stop_at_a_hole(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "cherha.sqlite3")
    await store.start()
    at = TUESDAY_10

    def paused(seq: int) -> EventRecord:
        event = ev.HallPaused(at=at, reason="air_raid " + "x" * 400, by="supervisor")
        return EventRecord(seq, at.date().isoformat(), ev.to_dict(event))

    await store.append([paused(seq) for seq in range(1, 41)])
    await store.append([paused(seq) for seq in range(42, 45)])  # 41 is missing
    await store.close()
    reader = LogReader(store.path, max_events=16, max_bytes=4000)
    try:
        first = await reader.batch("a", 0)
        # Each event is about 540 bytes and 1 KiB is kept for the envelope: five fit in 4,000 bytes.
        assert first is not None and (first.first, first.last) == (1, 5) and len(first.body) <= 4000
        body = json.loads(first.body)
        assert body["branch"] == "a" and [e["seq"] for e in body["events"]] == list(range(1, 6))
        assert ev.from_dict(body["events"][0]["event"]).at == at
        reader.max_bytes = 1_000_000
        second = await reader.batch("a", 5)
        assert second is not None and (second.first, second.last) == (6, 21)  # 16 events at most
        last = await reader.batch("a", 32)
        assert last is not None and (last.first, last.last) == (33, 40)  # never past the hole at 41
        position = await reader.position(40)
        assert position.last_seq == 44 and datetime.fromisoformat(position.first_unshipped_at or "") == at
    finally:
        await reader.close()


def test_the_city_commands_refuse_a_bad_name_or_a_missing_database(capsys: pytest.CaptureFixture[str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from queue_server.cli import main

    monkeypatch.delenv("CHERHA_CITY_DSN", raising=False)
    assert main(["city-branch", "add", "Центр", "--dsn", "postgresql://nowhere/x"]) == 2
    assert "lower-case latin" in capsys.readouterr().err
    assert main(["city-staff", "add", "it"]) == 2
    assert "CHERHA_CITY_DSN" in capsys.readouterr().err
