"""The supervisor's REST: history reports for a range of days, their comments page by page, and the CSV and XLSX
exports.

Each answer is computed by a report worker, a process of its own reading the store read-only
(report_processes.py, report_worker.py): the hall's commands, its writer thread and the event loop never wait
for a report. This module checks the request, starts the worker and passes its bytes on as they come: the
CSV and the XLSX are streamed (neither side holds the range in memory), a report or a page of comments is
small (the report carries only the newest comments) and is sent whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta

from aiohttp import web

from ..domain.errors import InvalidInput, Unavailable
from ..history import MAX_COMMENTS_PAGE
from ..report_jobs import Job, Kind
from ..report_processes import Gone, WorkerFailed
from .http import Call

log = logging.getLogger(__name__)

MAX_RANGE_DAYS = 400
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


def _job(call: Call[None], kind: Kind, offset: int = 0, limit: int = 0) -> Job:
    first, last = _range(call)
    service = call.state.service
    return Job(kind, str(service.store.path), service.hall, first, last, service.now(), offset, limit)


def _client_gone(request: web.Request) -> Callable[[], bool]:
    return lambda: request.transport is None or request.transport.is_closing()


async def _whole(call: Call[None], job: Job) -> web.Response:
    """A small answer (a report, a page of comments), sent once the worker has written all of it."""
    async with call.state.reports.start(job) as worker:
        try:
            body = await worker.read_all(_client_gone(call.request))
        except Gone as why:
            if str(why) == "timeout":
                raise Unavailable("report_timeout", seconds=int(call.state.reports.timeout)) from None
            log.info("report %s %s..%s: the client went away", job.kind, job.first, job.last)
            return web.Response(status=499, reason="Client Closed Request")  # nginx's word for it: no one reads it
    return web.Response(body=body, content_type="application/json", charset="utf-8")


async def report_json(call: Call[None]) -> web.Response:
    return await _whole(call, _job(call, "report"))


async def comments(call: Call[None]) -> web.Response:
    query = call.request.query
    try:
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", 50))
    except ValueError:
        raise InvalidInput("invalid_message", field="query", expected="form",
                           details={"uk": "offset і limit — цілі числа", "en": "offset and limit are whole numbers"}
                           ) from None
    if offset < 0:
        raise InvalidInput("setting_out_of_range", field="offset", min=0, max=2**31)
    if not 1 <= limit <= MAX_COMMENTS_PAGE:
        raise InvalidInput("setting_out_of_range", field="limit", min=1, max=MAX_COMMENTS_PAGE)
    return await _whole(call, _job(call, "comments", offset, limit))


def _attachment(job: Job, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="cherha-{job.first}-{job.last}.{extension}"'}


async def _stream(call: Call[None], job: Job, content_type: str, extension: str) -> web.StreamResponse:
    """An export, passed on chunk by chunk as the worker writes it. An export that fails or is cut short ends
    without its end of body (the client sees an incomplete download, never a short file taken for whole)."""
    async with call.state.reports.start(job) as worker:
        response = web.StreamResponse(headers=_attachment(job, extension))
        response.content_type = content_type
        if content_type == "text/csv":
            response.charset = "utf-8"
        await response.prepare(call.request)
        try:
            async for chunk in worker.chunks(_client_gone(call.request)):
                await response.write(chunk)
        except (Gone, WorkerFailed, ConnectionError) as why:
            log.warning("export %s %s..%s cut short: %s", job.kind, job.first, job.last, why)
            if call.request.transport is not None:
                call.request.transport.abort()
            return response
        await response.write_eof()
    return response


async def export_csv(call: Call[None]) -> web.StreamResponse:
    return await _stream(call, _job(call, "csv"), "text/csv", "csv")


async def export_xlsx(call: Call[None]) -> web.StreamResponse:
    return await _stream(call, _job(call, "xlsx"), XLSX, "xlsx")
