"""A report as CSV (every visit, one row each) or as an XLSX workbook (a sheet per table), written row by row
from an iterator of rows so an export of any range holds one chunk (CSV) or one row (XLSX) in memory."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from .reports import WEEKDAY_NAMES

VISIT_COLUMNS = ("date", "ticket", "service_id", "issued_at", "wait_min", "walk_up_min", "service_min", "hold_min",
                 "outcome", "result", "desk", "operator", "priority", "booked")


# A cell that begins with one of these is run as a formula by spreadsheet programs (CSV and formula injection):
# a visitor's comment "=HYPERLINK(...)" must stay text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """CSV: text that would start a formula gets a leading apostrophe (spreadsheets show the rest as typed)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


CSV_BATCH = 500  # rows per chunk handed to the response


def csv_chunks(rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """The CSV of the rows, in chunks of CSV_BATCH rows: memory holds one chunk, whatever the range."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")  # the BOM makes Excel read Cyrillic right
    writer.writerow(VISIT_COLUMNS)
    for index, row in enumerate(rows, start=1):
        writer.writerow([as_text(row[column]) for column in VISIT_COLUMNS])
        if index % CSV_BATCH == 0:
            yield out.getvalue().encode("utf-8")
            out.seek(0)
            out.truncate()
    yield out.getvalue().encode("utf-8")


def to_csv(report: dict[str, Any]) -> bytes:
    return b"".join(csv_chunks(report["rows"]))


def _cell(sheet: Any, value: Any, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value)
    if cell.data_type == "f":  # nothing we write is a formula: text that looks like one stays text
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def _append(sheet: Any, values: Iterable[Any], bold: bool = False) -> None:
    if bold:
        sheet.append([_cell(sheet, value, bold) for value in values])
    else:  # a plain value is written as it is (a cell object per value was most of a big export's time)
        sheet.append([_cell(sheet, value) if isinstance(value, str) and value.startswith("=") else value
                      for value in values])


def write_xlsx(target: Any, report: dict[str, Any], rows: Iterable[dict[str, Any]],
               service_names: dict[str, str]) -> None:
    """The workbook, written row by row (openpyxl's write-only mode) to `target` (a path or a binary file)."""
    book = Workbook(write_only=True)
    summary = book.create_sheet("Підсумок")
    outcomes, sla, feedback = report["outcomes"], report["sla"], report["feedback"]
    for row in (("Візитів / visits", report["visits"]), ("Обслуговано / served", outcomes["served"]),
                ("Не з’явилися / no-shows", outcomes["no_show"]), ("Перенаправлено / transferred",
                                                                  outcomes["transferred"]),
                ("Скасовано / cancelled", outcomes["cancelled"]), ("Понад норматив / above SLA", sla["above"]),
                ("Частка в нормативі / within SLA", sla["within_share"]),
                ("Відгуків / feedback answers", feedback["answers"]),
                ("Частка позитивних / positive share", feedback["positive_share"]),
                ("Скарг на 1000 візитів / complaints per 1,000", feedback["complaints_per_1000"]),
                ("Доступний режим, сеансів / accessible sessions", report["accessible"]["sessions"])):
        _append(summary, row)
    services = book.create_sheet("Послуги")
    _append(services, ("service_id", "Послуга", "чекали", "очік. сер.", "очік. 90%", "очік. макс.",
                       "обслуговано", "обсл. сер.", "обсл. 90%", "обсл. макс."), bold=True)
    for sid, figures in report["by_service"].items():
        wait, service = figures["wait"], figures["service"]
        _append(services, (sid, service_names.get(sid, sid), wait["count"], wait["avg"], wait["p90"], wait["max"],
                           service["count"], service["avg"], service["p90"], service["max"]))
    operators = book.create_sheet("Адміністратори")
    _append(operators, ("operator", "обслуговано", "сер. хв", "90% хв", "макс. хв"), bold=True)
    for operator, figures in report["by_operator"].items():
        _append(operators, (operator, figures["count"], figures["avg"], figures["p90"], figures["max"]))
    heat = book.create_sheet("Навантаження")
    hours = sorted({cell["hour"] for cell in report["heatmap"]}) or list(range(8, 20))
    _append(heat, ("день \\ година", *hours), bold=True)
    grid = {(c["weekday"], c["hour"]): c["arrivals"] for c in report["heatmap"]}
    for day in WEEKDAY_NAMES:
        _append(heat, (day, *(grid.get((day, hour), 0) for hour in hours)))
    comments = book.create_sheet("Відгуки")
    _append(comments, ("час", "послуга", "вікно", "добре", "причина", "коментар"), bold=True)
    for item in feedback["comments"]:
        _append(comments, (item["at"], item["service_id"], item["desk"], item["good"], item["reason"],
                           item["comment"]))
    visits = book.create_sheet("Візити")
    _append(visits, VISIT_COLUMNS, bold=True)
    for visit in rows:
        _append(visits, (visit[column] for column in VISIT_COLUMNS))
    book.save(target)


def to_xlsx(report: dict[str, Any], service_names: dict[str, str]) -> bytes:
    out = io.BytesIO()
    write_xlsx(out, report, report["rows"], service_names)
    return out.getvalue()
