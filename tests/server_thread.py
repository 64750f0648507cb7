"""A real server on a loopback port, run on its own thread: for Qt tests, whose main thread is Qt's."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import aiohttp

from queue_server.api.auth import Role
from queue_server.domain.hall import Hall

from .support import Server, new_command_id, running_server


class ServerThread:
    def __init__(self, data_dir: Path, port: int = 0, voice_dir: Path | None = None, hall: Hall | None = None) -> None:
        self.data_dir, self.port, self.voice_dir, self.hall = data_dir, port, voice_dir, hall
        self.loop = asyncio.new_event_loop()
        self.server: Server | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.start()

    def start(self) -> None:
        self._ready.clear()
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop)
        assert self._ready.wait(10), "server did not start"

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with running_server(self.data_dir, port=self.port, voice_dir=self.voice_dir, hall=self.hall) as server:
            self.server = server
            self.port = int(server.url.rsplit(":", 1)[1])
            self._ready.set()
            await self._stop.wait()

    def stop(self) -> None:
        """Stop the server (as a network drop or a crash would, from the clients' side)."""
        assert self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        for _ in range(100):
            if self.server is not None and self.server.runner.server is None:
                break
            threading.Event().wait(0.05)

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    def token(self, role: Role = Role.KIOSK, name: str = "kiosk-1") -> str:
        assert self.server is not None
        token: str = self.run(self.server.device_token(role, name))
        return token

    def issue(self, token: str, service_id: str, **extra: Any) -> dict[str, Any]:
        async def go() -> dict[str, Any]:
            async with aiohttp.ClientSession() as http, http.post(
                self.url + "/api/tickets", json={"command_id": new_command_id(), "service_id": service_id, **extra},
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                data: dict[str, Any] = await response.json()
                return data

        return self.run(go())  # type: ignore[no-any-return]

    def supervisor(self, msg_type: str, **fields: Any) -> dict[str, Any]:
        from .support import WsClient

        async def go() -> dict[str, Any]:
            client = await WsClient.connect(self.url.replace("http", "ws") + "/ws", login="supervisor",
                                            password="super-demo")
            try:
                return await client.command(msg_type, **fields)
            finally:
                await client.close()

        return self.run(go())  # type: ignore[no-any-return]

    def state(self) -> Any:
        assert self.server is not None
        return self.server.service.state
