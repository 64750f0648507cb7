"""The event store lost under a running server, or damaged before a start: the server must not go on as if
nothing happened (issue 13, point 11). A real server process; the files are deleted or cut on disk."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from queue_server.cli import DB_NAME, EXIT_STORE_INTEGRITY

from .process import ServerProcess


def _issue(server: ServerProcess, token: str) -> str:
    body = json.dumps({"command_id": uuid.uuid4().hex, "service_id": "id-card"}).encode()
    request = urllib.request.Request(server.url + "/api/tickets", data=body, method="POST",
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 201
        ticket: str = json.load(response)["ticket"]
        return ticket


def _health(server: ServerProcess) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(server.url + "/api/health", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def _refused_start(server: ServerProcess) -> str:
    """Start must fail with the store exit code; returns the server's log."""
    with pytest.raises(RuntimeError, match="server exited"):
        server.start()
    assert server.process is not None and server.process.returncode == EXIT_STORE_INTEGRITY
    return server.log_path.read_text()


def _accept(data_dir: Path) -> str:
    out = subprocess.run([sys.executable, "-m", "queue_server", "accept-store", "--data-dir", str(data_dir)],
                         check=True, capture_output=True, text=True, timeout=30)
    return out.stdout


def test_database_deleted_while_running_stops_acknowledging_and_refuses_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data)
    token = server.token()
    try:
        server.start()
        issued = [_issue(server, token) for _ in range(5)]
        assert len(set(issued)) == 5
        for path in data.glob(DB_NAME + "*"):
            path.unlink()
        status, health = _health(server)
        assert status == 503 and health["store"] == "missing"
        # The next ticket is not acknowledged: the server stops instead of answering into a deleted file.
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _issue(server, token)
        assert server.process is not None and server.process.wait(10) == 70
        assert "was deleted while the server ran" in server.log_path.read_text()
        # Restarted by a service manager: it refuses the empty store, loudly, with its own exit code.
        log = _refused_start(server)
        assert "refusing to start" in log and "missing" in log
        assert not (data / DB_NAME).exists(), "the refused start must not create a fresh empty log"
        # The documented recovery: accept the store as it is, then it runs again.
        assert "at seq 0;" in _accept(data)
        server.start()
        assert _health(server)[0] == 200
    finally:
        server.stop()


@pytest.mark.parametrize("damage", ["truncate", "corrupt"])
def test_damaged_wal_is_refused_at_start_not_silently_shorter(tmp_path: Path, damage: str) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data)
    token = server.token()
    try:
        server.start()
        tickets = [_issue(server, token) for _ in range(40)]  # one commit each: many WAL frames
        server.kill9()  # the WAL stays un-checkpointed, as after a power cut
        wal = data / (DB_NAME + "-wal")
        size = wal.stat().st_size
        assert size > 40 * 4096
        with wal.open("r+b") as handle:
            if damage == "truncate":
                handle.truncate(size // 2)
            else:
                handle.seek(size // 2)
                handle.write(b"\xff" * 4096)
        log = _refused_start(server)
        assert "acknowledged events are lost" in log, log[-2000:]
        _accept(data)
        server.start()
        status, health = _health(server)
        assert status == 200 and isinstance(health["seq"], int)
        # What survived is a prefix of what was acknowledged, and numbering goes on after it.
        assert _issue(server, token) not in tickets[: len(tickets) // 4]
    finally:
        server.stop()


def test_database_replaced_while_running_is_noticed_before_the_next_acknowledgement(tmp_path: Path) -> None:
    data = tmp_path / "data"
    server = ServerProcess(data)
    token = server.token()
    try:
        server.start()
        for _ in range(3):
            _issue(server, token)
        copy = data / "copy.sqlite3"
        copy.write_bytes((data / DB_NAME).read_bytes())
        copy.replace(data / DB_NAME)  # e.g. a backup restored over the live file
        status, health = _health(server)
        assert status == 503 and health["store"] == "replaced"
        with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
            _issue(server, token)
        assert server.process is not None and server.process.wait(10) == 70
        assert "was replaced while the server ran" in server.log_path.read_text()
    finally:
        server.stop()
