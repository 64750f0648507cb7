"""The supervisor's REST: history reports for a range of days, and their CSV and XLSX exports."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from aiohttp import web

from ..domain.errors import InvalidInput
from ..exports import to_csv, to_xlsx
from ..reports import build
from ..store import EventStore
from .errors import json_response
from .http import Call

MAX_RANGE_DAYS = 400


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


async def _report(call: Call[None]) -> dict[str, Any]:
    first, last = _range(call)
    service = call.state.service
    records = await service.store.read(lambda db: EventStore.events_of_days(db, first, last))
    report = build(service.hall, records, service.now())
    report["from"], report["to"] = first, last
    return report


async def report_json(call: Call[None]) -> web.Response:
    report = await _report(call)
    report["rows"] = len(report["rows"])  # the rows themselves are in the exports
    return json_response(report)


async def export_csv(call: Call[None]) -> web.Response:
    report = await _report(call)
    return web.Response(body=to_csv(report), content_type="text/csv", charset="utf-8", headers={
        "Content-Disposition": f'attachment; filename="cherha-{report["from"]}-{report["to"]}.csv"'})


async def export_xlsx(call: Call[None]) -> web.Response:
    report = await _report(call)
    names = {sid: s.name.uk for sid, s in call.state.service.hall.services.items()}
    return web.Response(
        body=to_xlsx(report, names),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="cherha-{report["from"]}-{report["to"]}.xlsx"'})
