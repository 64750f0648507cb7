"""Fuzzing the live server: schemathesis against the OpenAPI document, and random WebSocket frames.

No 5xx, no crash, no hang: the server answers its health check afterwards.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.process import ServerProcess
from tests.test_fuzz import FRAMES, fuzz_websocket


def run(examples: int = 100, ws_rounds: int = 300) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "data")
        token = server.token("kiosk", "fuzz")
        server.start()
        try:
            started = time.perf_counter()
            schemathesis = subprocess.run(
                [str(Path(sys.executable).with_name("st")), "run", server.url + "/api/openapi.json",
                 "-c", "not_a_server_error", "-n", str(examples), "-H", f"Authorization: Bearer {token}"],
                capture_output=True, text=True, timeout=600)
            found = re.search(r"(\d+) generated, (\d+) passed", schemathesis.stdout)
            rounds: list[list[str]] = []

            @settings(max_examples=ws_rounds, deadline=None, suppress_health_check=list(HealthCheck))
            @given(st.lists(FRAMES, min_size=1, max_size=20))
            def collect(frames: list[str]) -> None:
                rounds.append(frames)

            collect()

            async def websocket() -> bool:
                url = server.url.replace("http", "ws") + "/ws"
                for frames in rounds:
                    await fuzz_websocket(url, frames, {"token": token})
                async with aiohttp.ClientSession() as http, http.get(server.url + "/api/health") as response:
                    return response.status == 200

            alive = asyncio.run(websocket())
            seconds = time.perf_counter() - started
        finally:
            server.stop()
    return {
        "schemathesis_cases": int(found.group(1)) if found else 0,
        "schemathesis_passed": int(found.group(2)) if found else 0,
        "schemathesis_exit": schemathesis.returncode,
        "websocket_rounds": len(rounds),
        "websocket_frames": sum(len(r) for r in rounds),
        "alive_after": alive,
        "seconds": round(seconds, 1),
    }


if __name__ == "__main__":
    print(run())
