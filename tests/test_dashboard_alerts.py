"""The dashboard's alerts, computed from a hall state (pure): every kind, and none when all is well."""

from __future__ import annotations

from datetime import timedelta

from queue_server.domain import commands as cmd
from queue_server.views import KIOSK_SILENCE_SECONDS, dashboard

from .halls import Driver
from .support import TUESDAY_10, demo_hall


def test_every_kind_of_alert() -> None:
    d = Driver(demo_hall(), TUESDAY_10)
    d.open(1, "op01")
    d.open(2, "op02")
    assert dashboard(d.state, d.clock.now(), {}, {1, 2}, 1000.0, {})["alerts"] == [], "all is well"
    d.issue("id-card")
    d.clock.advance(minutes=16)  # over the 15-minute walk-in target
    now = d.clock.now()
    devices = {"kiosk-1": (1000.0 - KIOSK_SILENCE_SECONDS - 60, None), "kiosk-2": (990.0, "printer_paper_out")}
    alerts = dashboard(d.state, now, devices, {1}, 1000.0, {})["alerts"]
    kinds = {(a["kind"], a.get("desk") or a.get("kiosk") or a.get("service_id")) for a in alerts}
    assert kinds == {("desk_idle", 1), ("desk_offline", 2), ("wait_over_target", "id-card"),
                     ("kiosk_offline", "kiosk-1"), ("printer", "kiosk-2")}
    d.do(cmd.CallNext(actor="op01", desk=1))
    view = dashboard(d.state, now + timedelta(seconds=1), {}, {1, 2}, 1000.0, {})
    assert view["alerts"] == [] and [x["activity"] for x in view["desks"][:2]] == ["calling", "idle"]
    assert view["sla"] == {"visits": 1, "above": 1, "within_share": 0.0}
