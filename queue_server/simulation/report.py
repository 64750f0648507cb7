"""The simulated day's report: JSON figures and a PNG plot; and Erlang C, the yardstick for one queue."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from printers.image_render import font as dejavu

from .engine import SimulationResult
from .stats import percentile


def erlang_c_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue (same time unit as the rates) of an M/M/c queue: Erlang's C formula."""
    load = arrival_rate / service_rate
    if load >= servers:
        raise ValueError("the queue is unstable: arrivals outpace the servers")
    terms = sum(load**k / math.factorial(k) for k in range(servers))
    top = load**servers / math.factorial(servers) * servers / (servers - load)
    probability_wait = top / (terms + top)
    return probability_wait / (servers * service_rate - arrival_rate)


def figures(result: SimulationResult, sla_minutes: float) -> dict[str, Any]:
    waits = result.waits()
    errors = result.estimate_errors()
    by_hour: dict[int, list[float]] = defaultdict(list)
    for visit in result.visits.values():
        if visit.first_call:
            by_hour[visit.issued_at.hour].append((visit.first_call - visit.issued_at).total_seconds() / 60)
    utilisation = {n: round(d.busy_minutes / result.open_minutes, 3) for n, d in result.desks.items()}
    return {
        "profile": result.profile,
        "arrivals": result.arrivals,
        "tickets": result.issued,
        "bookings": result.bookings,
        "turned_away_during_pause": result.turned_away,
        "wait_minutes": {"avg": round(sum(waits) / len(waits), 1) if waits else 0.0,
                         "p90": round(percentile(waits, 0.9), 1), "max": round(max(waits, default=0.0), 1)},
        "sla_minutes": sla_minutes,
        "sla_share": round(sum(1 for w in waits if w <= sla_minutes) / len(waits), 3) if waits else 1.0,
        "estimate_mae_minutes": round(sum(errors) / len(errors), 1) if errors else 0.0,
        "desk_utilisation_avg": round(sum(utilisation.values()) / len(utilisation), 3),
        "desk_utilisation": utilisation,
        "wait_by_hour": {h: round(sum(v) / len(v), 1) for h, v in sorted(by_hour.items())},
        "last_call": result.ended.isoformat() if result.ended else None,
    }


def plot(report: dict[str, Any], path: Path) -> None:
    """Average wait by hour of arrival (bars) against the target (line): a picture a centre can read."""
    width, height, margin = 900, 420, 60
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = dejavu(14)  # Cyrillic needs DejaVu; Pillow's own font has none
    hours = report["wait_by_hour"]
    top = max([*hours.values(), report["sla_minutes"] * 1.2, 1])
    scale = (height - 2 * margin) / top
    bar = (width - 2 * margin) / max(1, len(hours))
    draw.text((margin, 15), f"{report['profile']}: середнє очікування за годиною прибуття, хв / average wait by "
                            f"hour (SLA {report['sla_share'] * 100:.0f}%)", fill="black", font=font)
    for index, (hour, minutes) in enumerate(hours.items()):
        x = margin + index * bar
        y = height - margin - minutes * scale
        draw.rectangle((x + 6, y, x + bar - 6, height - margin), fill=(10, 61, 145))
        draw.text((x + bar / 2 - 12, height - margin + 6), f"{hour}:00", fill="black", font=font)
        draw.text((x + bar / 2 - 12, y - 18), f"{minutes}", fill="black", font=font)
    target = height - margin - report["sla_minutes"] * scale
    draw.line((margin, target, width - margin, target), fill=(183, 28, 28), width=3)
    draw.text((width - margin - 120, target - 18), f"норматив {report['sla_minutes']} хв", fill=(183, 28, 28),
              font=font)
    draw.line((margin, height - margin, width - margin, height - margin), fill="black")
    image.save(path)
