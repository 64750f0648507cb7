"""A loopback TCP proxy a test can cut: the network between one client and the server, and nothing else.

`drop()` resets every connection through it (a dropped socket), `cut()` also refuses new ones until
`restore()` (the network is down while the server and other clients go on), `mute_replies` swallows what the
server sends (an answer lost on the way), `accepted` counts connections (a reconnect storm shows there).
"""

from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self.accepted = 0
        self.mute_replies = False
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        link = (writer, upstream_writer)
        self._links.add(link)
        pumps = [asyncio.create_task(self._pump(reader, upstream_writer, muted=False)),
                 asyncio.create_task(self._pump(upstream_reader, writer, muted=True))]
        self._tasks.update(pumps)
        try:
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pump in pumps:
                pump.cancel()
                self._tasks.discard(pump)
            self._links.discard(link)
            for side in link:
                side.transport.abort()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, muted: bool) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(65536):
                if muted and self.mute_replies:
                    continue
                writer.write(data)
                await writer.drain()

    async def drop(self) -> None:
        """Reset every connection through the proxy (both ends see a dropped socket); new ones are accepted."""
        for client_side, server_side in list(self._links):
            client_side.transport.abort()
            server_side.transport.abort()
        await asyncio.sleep(0.05)

    async def cut(self) -> None:
        """The network is down: connections reset, new ones refused."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        await self.drop()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 2.0)

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.cut()
        for task in list(self._tasks):
            task.cancel()
