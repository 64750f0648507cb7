"""Report workers: each report, page of comments or export is computed in a process of its own.

Why processes: a report computed in a thread of the server shares the interpreter's lock with the event loop
and the hall's writer thread, and a kiosk's ticket waited 1-1.5 s while a month's CSV was written
(BENCHMARKS.md). A worker has an interpreter of its own; the server only passes its bytes on.

How: workers are forked by multiprocessing's fork server, started once with report_worker.py imported (so a
worker begins in milliseconds, not the second those imports take, and is never forked from this process's
running loop and threads). A worker writes its answer to a pipe; the server reads it as it comes and hands it
to the client, so the pipe, a small read buffer and the socket are all either side holds.

Limits (docs/dashboard.md): at most MAX_WORKERS at once; a further request waits up to SLOT_WAIT_SECONDS for
one to end and is then refused with `503 reports_busy` (a supervisor's double click never forks ten). A worker
is killed when its client goes away, or after TIMEOUT_SECONDS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from .domain.errors import Unavailable
from .report_jobs import NICENESS, Job

log = logging.getLogger(__name__)

MAX_WORKERS = 2
SLOT_WAIT_SECONDS = 10.0
TIMEOUT_SECONDS = 600.0  # a year's XLSX takes well under this on a centre's server (BENCHMARKS.md)
READ_BYTES = 64 * 1024  # the most read from the pipe at once (and about what the reader buffers)
POLL_SECONDS = 0.5  # how often a wait for the worker checks that the client is still there

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["queue_server.report_worker"])

def _work(job: Job, pipe: Connection) -> None:
    """A worker's body. The report code (openpyxl and all) is imported in the fork server, never in the hall's
    server, which only starts workers and passes their bytes on."""
    from .report_worker import run

    run(job, pipe)


class WorkerFailed(Exception):
    """The worker ended without its whole answer (its traceback is in the log, on its standard error)."""


class Gone(Exception):
    """The client went away, or the job ran out of time: the worker was killed."""


class Worker:
    """One running worker and the read end of its pipe."""

    def __init__(self, process: BaseProcess, reader: asyncio.StreamReader, transport: asyncio.BaseTransport,
                 deadline: float) -> None:
        self.process = process
        self.reader = reader
        self.transport = transport
        self.deadline = deadline

    async def chunks(self, client_gone: Callable[[], bool]) -> AsyncIterator[bytes]:
        """The answer as it comes; raises Gone (client away, too slow) or WorkerFailed (answer not whole)."""
        while True:
            if client_gone():
                raise Gone("client")
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise Gone("timeout")
            try:
                chunk = await asyncio.wait_for(self.reader.read(READ_BYTES), min(POLL_SECONDS, left))
            except TimeoutError:
                continue
            if not chunk:
                break
            yield chunk
        await asyncio.to_thread(self.process.join, max(1.0, self.deadline - time.monotonic()))
        if self.process.exitcode != 0:
            raise WorkerFailed(f"report worker {self.process.pid} ended with {self.process.exitcode}")

    async def read_all(self, client_gone: Callable[[], bool]) -> bytes:
        return b"".join([chunk async for chunk in self.chunks(client_gone)])


class ReportWorkers:
    def __init__(self, limit: int = MAX_WORKERS, wait: float = SLOT_WAIT_SECONDS,
                 timeout: float = TIMEOUT_SECONDS) -> None:
        self.limit, self.wait, self.timeout = limit, wait, timeout
        self._slots: asyncio.Semaphore | None = None
        self.running: set[BaseProcess] = set()  # for a look from outside (tests, the log)

    @staticmethod
    async def warm() -> None:
        """Start the fork server now, so the first report does not wait for it, below the hall in the CPU's queue
        (it imports the report code while the server starts; its workers inherit the niceness)."""
        from multiprocessing import forkserver

        await asyncio.to_thread(forkserver.ensure_running)
        pid = getattr(getattr(forkserver, "_forkserver", None), "_forkserver_pid", None)
        if pid is not None:
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, NICENESS)

    @contextlib.asynccontextmanager
    async def start(self, job: Job) -> AsyncIterator[Worker]:
        """A worker computing `job`; killed (if still running) and reaped when the block ends, however it ends."""
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)
        try:
            await asyncio.wait_for(self._slots.acquire(), self.wait)
        except TimeoutError:
            raise Unavailable("reports_busy", limit=self.limit) from None
        process: BaseProcess | None = None
        transport: asyncio.BaseTransport | None = None
        read_end = -1
        try:
            read_end, write_end = os.pipe()
            sender = Connection(write_end, readable=False)
            try:
                process = _CONTEXT.Process(target=_work, args=(job, sender), name=f"cherha-report-{job.kind}",
                                           daemon=True)
                await asyncio.to_thread(process.start)  # the fork server's answer (or its first start) off the loop
            finally:
                sender.close()  # the worker has its own copy: its exit is the reader's end of file
            self.running.add(process)
            reader = asyncio.StreamReader(limit=READ_BYTES)
            transport, _ = await asyncio.get_running_loop().connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_end, "rb", buffering=0))
            yield Worker(process, reader, transport, time.monotonic() + self.timeout)
        finally:
            if transport is not None:
                transport.close()
            elif read_end >= 0:
                os.close(read_end)
            if process is not None:
                await _end(process)
                self.running.discard(process)
            self._slots.release()


async def _end(process: BaseProcess) -> None:
    if process.exitcode is None:
        with contextlib.suppress(ProcessLookupError, ValueError):
            process.kill()
    await asyncio.to_thread(process.join, 10)
    if process.exitcode is None:
        log.error("report worker %s did not end after SIGKILL", process.pid)
    else:
        process.close()
