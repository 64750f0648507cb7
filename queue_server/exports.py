"""A report as CSV (every visit, one row each) or as an XLSX workbook (a sheet per table)."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
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


def to_csv(report: dict[str, Any]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=VISIT_COLUMNS)
    writer.writeheader()
    writer.writerows({k: as_text(v) for k, v in row.items()} for row in report["rows"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM makes Excel read Cyrillic right


def to_xlsx(report: dict[str, Any], service_names: dict[str, str]) -> bytes:
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Підсумок"
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
        summary.append(row)
    services = book.create_sheet("Послуги")
    services.append(("service_id", "Послуга", "чекали", "очік. сер.", "очік. 90%", "очік. макс.",
                     "обслуговано", "обсл. сер.", "обсл. 90%", "обсл. макс."))
    for sid, figures in report["by_service"].items():
        wait, service = figures["wait"], figures["service"]
        services.append((sid, service_names.get(sid, sid), wait["count"], wait["avg"], wait["p90"], wait["max"],
                         service["count"], service["avg"], service["p90"], service["max"]))
    operators = book.create_sheet("Адміністратори")
    operators.append(("operator", "обслуговано", "сер. хв", "90% хв", "макс. хв"))
    for operator, figures in report["by_operator"].items():
        operators.append((operator, figures["count"], figures["avg"], figures["p90"], figures["max"]))
    heat = book.create_sheet("Навантаження")
    hours = sorted({cell["hour"] for cell in report["heatmap"]}) or list(range(8, 20))
    heat.append(("день \\ година", *hours))
    grid = {(c["weekday"], c["hour"]): c["arrivals"] for c in report["heatmap"]}
    for day in WEEKDAY_NAMES:
        heat.append((day, *(grid.get((day, hour), 0) for hour in hours)))
    comments = book.create_sheet("Відгуки")
    comments.append(("час", "послуга", "вікно", "добре", "причина", "коментар"))
    for item in feedback["comments"]:
        comments.append((item["at"], item["service_id"], item["desk"], item["good"], item["reason"], item["comment"]))
    visits = book.create_sheet("Візити")
    visits.append(VISIT_COLUMNS)
    for row in report["rows"]:
        visits.append(tuple(row[column] for column in VISIT_COLUMNS))
    for sheet in book.worksheets:
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":  # nothing we write is a formula: text that looks like one stays text
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
