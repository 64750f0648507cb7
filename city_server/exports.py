"""The city report's exports: CSV (one row per branch × day × service) streamed page by page from a cursor,
and an XLSX workbook (the report's tables, then the same day rows) written in openpyxl's write-only mode to a
temporary file and streamed from it. Memory holds one page of rows (reports.DAY_ROWS_PAGE), whatever the range.
Text that a spreadsheet would run as a formula stays text (the hall's exports' rule: queue_server/exports.py).
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
import tempfile
from typing import Any

import asyncpg
from aiohttp import web
from openpyxl import Workbook

from queue_server.exports import FORMULA_STARTS, _append, _cell, as_text
from queue_server.reports import WEEKDAY_NAMES

from .reports import DAY_COLUMNS, ReportQuery, build_report, check_branches, day_rows

CHUNK_BYTES = 256 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _headers(query: ReportQuery, ext: str) -> dict[str, str]:
    name = f"cherha-city-{query.start.isoformat()}-{query.end.isoformat()}.{ext}"
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}


def _csv_text(rows: list[tuple[Any, ...]], header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        out.write("\ufeff")  # the BOM makes Excel read Cyrillic right
        writer.writerow(DAY_COLUMNS)
    writer.writerows([as_text(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


async def export_csv(request: web.Request, pool: asyncpg.Pool, query: ReportQuery) -> web.StreamResponse:
    await check_branches(pool, query)  # refused before the answer starts
    response = web.StreamResponse(headers=_headers(query, "csv"))
    response.content_type, response.charset = "text/csv", "utf-8"
    await response.prepare(request)
    await response.write(_csv_text([], header=True))
    async for page in day_rows(pool, query):
        await response.write(_csv_text(page, header=False))
    await response.write_eof()
    return response


def _figure_row(label: str, figures: dict[str, Any]) -> tuple[Any, ...]:
    wait, sla, feedback = figures["wait"], figures["sla"], figures["feedback"]
    return (label, figures["visits"], figures["served"], figures["no_shows"], figures["cancelled"], wait["count"],
            wait["avg_minutes"], wait["p90_minutes"], sla["within_share"], feedback["answers"],
            feedback["positive_share"], feedback["complaints_per_1000"])


FIGURE_HEADER = ("Візитів / visits", "Обслуговано / served", "Не з’явилися / no-shows", "Скасовано / cancelled",
                 "Чекали / waits", "Очікування сер., хв / mean wait, min", "Очікування 90%, хв (не більше) / "
                 "90th percentile wait, min (at most)", "Частка в нормативі / within SLA", "Відгуків / feedback",
                 "Частка позитивних / positive share", "Скарг на 1000 / complaints per 1,000")


def _summary_sheets(book: Workbook, report: dict[str, Any]) -> Any:
    names = report["service_names"]
    city = book.create_sheet("Місто")
    _append(city, ("Період / range", f"{report['from']} — {report['to']}"))
    _append(city, ("", *FIGURE_HEADER), bold=True)
    _append(city, _figure_row("Місто / city", report["city"]))
    branches = book.create_sheet("Філії")
    _append(branches, ("Філія / branch", *FIGURE_HEADER), bold=True)
    for entry in report["by_branch"]:
        _append(branches, _figure_row(entry["branch"], entry))
    services = book.create_sheet("Послуги")
    _append(services, ("Філія / branch", "service_id", "Послуга / service", *FIGURE_HEADER), bold=True)
    for entry in report["by_branch_service"]:
        name = names.get(entry["service_id"], {}).get("uk", entry["service_id"])
        _append(services, (entry["branch"], *_figure_row(entry["service_id"], entry)[:1], name,
                           *_figure_row("", entry)[1:]))
    load = book.create_sheet("Навантаження")
    hours = sorted({c["hour"] for b in report["load"] for c in b["cells"]}) or list(range(8, 20))
    _append(load, ("Середня кількість прибулих за годину / average arrivals per hour",), bold=True)
    _append(load, ("Філія / branch", "День / weekday", "Днів роботи / open days", *hours), bold=True)
    for branch in [*report["load"], {"branch": "Місто / city", "open_days": {}, "cells": report["load_city"]}]:
        grid = {(c["weekday"], c["hour"]): c["average"] for c in branch["cells"]}
        for day in WEEKDAY_NAMES:
            if branch["open_days"].get(day) or any((day, h) in grid for h in hours):
                _append(load, (branch["branch"], day, branch["open_days"].get(day),
                               *(grid.get((day, hour), 0) for hour in hours)))
    return book.create_sheet("Дні")


def _append_rows(sheet: Any, rows: list[tuple[Any, ...]]) -> None:
    """Plain values where they are safe (numbers, dates, names), a text cell only where text could read as a
    formula: a year's rows are written about twice as fast as with a cell object for every value."""
    for row in rows:
        sheet.append([_cell(sheet, v) if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in row])


async def export_xlsx(request: web.Request, pool: asyncpg.Pool, query: ReportQuery) -> web.StreamResponse:
    report = await build_report(pool, query)
    handle, name = tempfile.mkstemp(prefix="cherha-city-export-", suffix=".xlsx")
    os.close(handle)
    try:
        book = Workbook(write_only=True)
        days = _summary_sheets(book, report)
        _append(days, DAY_COLUMNS, bold=True)
        async for page in day_rows(pool, query):
            # The sheet writes each page to its own temporary file; a worker thread keeps the server answering.
            await asyncio.to_thread(_append_rows, days, page)
        await asyncio.to_thread(book.save, name)
        response = web.StreamResponse(headers=_headers(query, "xlsx"))
        response.content_type = XLSX_TYPE
        response.content_length = os.path.getsize(name)
        await response.prepare(request)
        with open(name, "rb") as workbook:
            while chunk := workbook.read(CHUNK_BYTES):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        os.unlink(name)
