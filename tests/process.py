"""A Cherha server in a child process, for crash tests and benchmarks (kill -9 needs a real process)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .support import TUESDAY_10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    def __init__(self, data_dir: Path, port: int | None = None, clock_start: str = TUESDAY_10.isoformat(),
                 config: Path | None = None, manual_clock: bool = False) -> None:
        self.data_dir, self.port, self.clock_start, self.config = data_dir, port or free_port(), clock_start, config
        self.manual_clock = manual_clock  # the clock stands still until an admin's set_clock (simulation)
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def token(self, role: str = "kiosk", name: str = "kiosk-1") -> str:
        out = subprocess.run(
            [sys.executable, "-m", "queue_server", "token", "--role", role, "--name", name,
             "--data-dir", str(self.data_dir)], check=True, capture_output=True, text=True)
        return out.stdout.strip()

    def start(self, timeout: float = 15.0) -> None:
        clock = ["--manual-clock", self.clock_start] if self.manual_clock else ["--clock-start", self.clock_start]
        args = [sys.executable, "-m", "queue_server", "server", "--data-dir", str(self.data_dir),
                "--port", str(self.port), *clock, "--log-level", "warning"]
        if self.config is not None:
            args += ["--config", str(self.config)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(args, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            with contextlib.suppress(OSError), urllib.request.urlopen(self.url + "/api/health", timeout=1) as response:
                if response.status == 200:
                    return
            time.sleep(0.05)
        raise TimeoutError("server did not start")

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()

    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid
