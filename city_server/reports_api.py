"""The city reports' requests (staff token): the report as JSON and its CSV and XLSX exports (docs/city.md).

Each handler is a line of the city's `ROUTES` (app.py), behind the staff token's check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from . import exports
from .errors import json_response
from .reports import ReportQuery, build_report, parse_query

if TYPE_CHECKING:
    from .app import CityState
    from .store import Principal

REPORT_PATH = "/api/city/reports"
REPORT_CSV_PATH = "/api/city/reports.csv"
REPORT_XLSX_PATH = "/api/city/reports.xlsx"


def _query(request: web.Request) -> ReportQuery:
    multi = {key: request.query.getall(key, []) for key in ("branch", "service")}
    return parse_query(request.query, multi)


async def report(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.StreamResponse:
    return json_response(await build_report(city.store.pool, _query(request)))


async def report_csv(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.StreamResponse:
    return await exports.export_csv(request, city.store.pool, _query(request))


async def report_xlsx(request: web.Request, city: CityState, who: Principal, body: bytes) -> web.StreamResponse:
    return await exports.export_xlsx(request, city.store.pool, _query(request))
