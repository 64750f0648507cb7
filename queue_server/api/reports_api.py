"""The supervisor's REST: history reports for a range of days, and their CSV and XLSX exports.

Everything here reads in a history thread on a connection of its own (`EventStore.read_history`): the hall's
commands, its writer thread and the event loop never wait for a report. A report adds up stored per-day
figures (history.py); an export streams: the CSV chunk by chunk as the days are read, the XLSX written row by
row to a temporary file and then sent, so neither holds the range in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from aiohttp import web
from sqlite_utils import Database

from .. import history
from ..domain.errors import InvalidInput
from ..exports import csv_chunks, write_xlsx
from ..reports import visit_row
from .errors import json_response
from .http import Call

MAX_RANGE_DAYS = 400
CHUNK_BYTES = 64 * 1024
PIPE_CHUNKS = 8  # chunks a history thread may run ahead of a slow download


def _range(call: Call[None]) -> tuple[str, str]:
    today = call.state.service.now().date()
    query = call.request.query
    try:
        first = date.fromisoformat(query.get("from", today.isoformat()))
        last = date.fromisoformat(query.get("to", first.isoformat()))
    except ValueError:
        raise InvalidInput("invalid_message", details="from, to: YYYY-MM-DD") from None
    if last < first or last - first > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput("invalid_message", details=f"a range of 0 to {MAX_RANGE_DAYS} days")
    return first.isoformat(), last.isoformat()


async def _report(call: Call[None], first: str, last: str) -> dict[str, Any]:
    service = call.state.service
    hall, now = service.hall, service.now()
    report = await service.store.read_history(lambda db: history.report(hall, db, first, last, now))
    report["from"], report["to"] = first, last
    return report


async def report_json(call: Call[None]) -> web.Response:
    first, last = _range(call)
    return json_response(await _report(call, first, last))


def _attachment(first: str, last: str, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="cherha-{first}-{last}.{extension}"'}


class _Abandoned(Exception):
    """The client went away: the history thread stops reading."""


class _Pipe:
    """Chunks from a history thread to the response, at most PIPE_CHUNKS ahead (the thread waits for the
    download); closed by the response side, it makes the thread's next `put` raise."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(PIPE_CHUNKS)
        self.closed = False

    def put(self, item: bytes | BaseException | None) -> None:  # in the history thread
        if self.closed:
            raise _Abandoned
        asyncio.run_coroutine_threadsafe(self.queue.put(item), self.loop).result()

    def close(self) -> None:  # on the loop: free a thread waiting to put
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()


def _csv_into(pipe: _Pipe, rows: Iterable[dict[str, Any]]) -> None:
    try:
        for chunk in csv_chunks(rows):
            pipe.put(chunk)
    except _Abandoned:
        return
    except Exception as exc:  # handed over: the response ends without its last row, and the log says why
        with contextlib.suppress(_Abandoned):
            pipe.put(exc)
        return
    with contextlib.suppress(_Abandoned):
        pipe.put(None)


async def export_csv(call: Call[None]) -> web.StreamResponse:
    first, last = _range(call)
    service = call.state.service
    hall = service.hall
    pipe = _Pipe(asyncio.get_running_loop())

    def produce(db: Database) -> None:
        _csv_into(pipe, (visit_row(v) for v in history.visits(hall, db, first, last)))

    reading = asyncio.ensure_future(service.store.read_history(produce))
    response = web.StreamResponse(headers=_attachment(first, last, "csv"))
    response.content_type, response.charset = "text/csv", "utf-8"
    try:
        await response.prepare(call.request)
        while (item := await pipe.queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            await response.write(item)
        await response.write_eof()
    finally:
        pipe.close()
        await reading
    return response


async def export_xlsx(call: Call[None]) -> web.StreamResponse:
    first, last = _range(call)
    service = call.state.service
    hall, now = service.hall, service.now()
    names = {sid: s.name.uk for sid, s in hall.services.items()}
    handle, name = tempfile.mkstemp(prefix="cherha-export-", suffix=".xlsx")
    os.close(handle)
    try:
        def produce(db: Database) -> None:
            report = history.report(hall, db, first, last, now)
            rows = (visit_row(v) for v in history.visits(hall, db, first, last))
            write_xlsx(name, report, rows, names)

        await service.store.read_history(produce)
        response = web.StreamResponse(headers=_attachment(first, last, "xlsx"))
        response.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response.content_length = os.path.getsize(name)
        await response.prepare(call.request)
        with open(name, "rb") as workbook:
            while chunk := workbook.read(CHUNK_BYTES):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        os.unlink(name)
