"""Benchmark: dispatch policies on the same drawn days (30 seeds × 3 desk plans × 3 loads), and the wait
forecast's accuracy against "always 0" and the first release's formula. Writes Markdown for BENCHMARKS.md.

    .venv/bin/python -m bench.dispatch          # prints the Markdown section
"""

from __future__ import annotations

import time
from typing import Any

from queue_server.config import DEMO_HALL, load_hall
from queue_server.simulation import accuracy, policies
from queue_server.simulation.profiles import LUTSK

SEEDS = range(1, 31)
ACCURACY_SEEDS = list(range(1, 11))
LABELS = {"sla_share": "within SLA", "mean": "mean wait", "p90": "90 % wait", "p95": "95 % wait",
          "max": "longest wait", "worst_service_sla": "worst service within SLA",
          "speciality_share": "at a speciality desk", "cap_share": "called by the cap"}
SHARES = {"sla_share", "worst_service_sla", "speciality_share", "cap_share"}


def run() -> dict[str, Any]:
    hall = load_hall(DEMO_HALL)
    started = time.perf_counter()
    compared = policies.compare(hall, SEEDS)
    compare_seconds = time.perf_counter() - started
    started = time.perf_counter()
    measured = accuracy.measure(hall, LUTSK, ACCURACY_SEEDS)
    return {"policies": compared, "policy_seconds": round(compare_seconds), "accuracy": measured,
            "accuracy_seconds": round(time.perf_counter() - started), "defaults": hall.dispatch}


def _value(figure: str, mean: float, half: float, signed: bool = False) -> str:
    sign = "+" if signed and mean > 0 else ""
    if figure in SHARES:
        return f"{sign}{mean * 100:.1f} ± {half * 100:.1f} pp" if signed else f"{mean:.1%}"
    return f"{sign}{mean:.1f} ± {half:.1f}" if signed else f"{mean:.1f}"


def markdown(results: dict[str, Any]) -> list[str]:
    defaults = results["defaults"]
    lines = [
        "## Dispatch: policies on the same days (bench/dispatch.py)",
        "",
        f"Each day is drawn once from its seed (arrivals, services, service times, no-shows, bookings, breaks, the "
        f"air-raid pause) and every policy is played on exactly that day, in memory on the real domain; "
        f"{len(SEEDS)} seeds per plan and load ({results['policy_seconds']} s). Policies: **FCFS** (no level head "
        f"start, no cap), **default** (head start {defaults.level_head_start_minutes:g} min a level, priority "
        f"{defaults.priority_head_start_minutes:g} min a level, booked {defaults.booked_head_start_minutes:g} min, "
        f"cap {defaults.cap_minutes:g} min), the head start swept (4, 16, 32 min a level, same cap), and **strict "
        f"tiers** (the first release: infinite head start, no cap). Waits in minutes from issue to the first call; "
        f"differences are paired by seed, ± the 95 % confidence interval.",
        "",
    ]
    for plan, data in results["policies"].items():
        nominal = data[1.0]
        lines += [f"### {plan} ({data['desks']} desks, up to {data['levels']} weight levels at a desk)", "",
                  "| policy | " + " | ".join(LABELS[f] for f in policies.FIGURES) + " |",
                  "|---|" + "---|" * len(policies.FIGURES)]
        for name, figures in nominal["policies"].items():
            lines.append(f"| {name} | " + " | ".join(_value(f, *figures[f]) for f in policies.FIGURES) + " |")
        lines += ["", "Paired differences, default minus the other policy (negative waits are better):", "",
                  "| against | load | " + " | ".join(LABELS[f] for f in policies.FIGURES[:6]) + " |",
                  "|---|---|" + "---|" * 6]
        for load in (0.9, 1.0, 1.1):
            summary = data[load]
            for baseline, key in (("FCFS", "vs_fcfs"), ("strict tiers", "vs_strict")):
                diff = summary[key]["default"]
                lines.append(f"| {baseline} | {load:.0%} | " + " | ".join(
                    _value(f, *diff[f], signed=True) for f in policies.FIGURES[:6]) + " |")
        lines.append("")
    acc = results["accuracy"]
    overall, calm, issue = acc["overall"], acc["outside_air_raid"], acc["issue_ms"]
    lines += [
        "## The wait on the ticket (bench/dispatch.py, queue_server/simulation/accuracy.py)",
        "",
        f"{acc['days']} Lutsk-sized days, each after two warm-up days on the same hall state, so the forecast knows "
        f"service lengths only from earlier days. Predicted at issue against the actual wait (issue to first call); "
        f"{acc['tickets']} tickets, {acc['no_desk_open']} issued while no desk for the service was open (they were "
        f"told so, no minutes), {acc['through_air_raid']} waited through the 40-minute air-raid pause, which no "
        f"forecast can foresee ({results['accuracy_seconds']} s).",
        "",
        "| estimate | tickets | MAE | mean signed error | 90 % of abs. error | within ±3 min |",
        "|---|---|---|---|---|---|",
    ]
    for label, group in (("all tickets", overall), ("outside the air-raid pause", calm)):
        for name, title in (("forecast", "**forecast** (the dispatch run forward)"),
                            ("formula", "first release's formula"), ("zero", "always 0")):
            e = group[name]
            lines.append(f"| {title}, {label} | {e['n']} | {e['mae']:.1f} min | {e['bias']:+.1f} min | "
                         f"{e['p90_abs']:.1f} min | {e['within_3']:.0%} |")
    lines += ["", "By hour of issue (MAE, min; all tickets):", "",
              "| hour | tickets | forecast | formula | always 0 | forecast's mean signed error |",
              "|---|---|---|---|---|---|"]
    for hour, group in acc["by_hour"].items():
        lines.append(f"| {hour}:00 | {group['forecast']['n']} | {group['forecast']['mae']:.1f} | "
                     f"{group['formula']['mae']:.1f} | {group['zero']['mae']:.1f} | {group['forecast']['bias']:+.1f} |")
    lines += ["", f"Cost of issuing a ticket with its forecast at the peak (10:00-12:00, two simulations running at "
                  f"once on the two cores): p50 {issue['peak_p50']:.1f} ms, p99 {issue['peak_p99']:.1f} ms, "
                  f"max {issue['peak_max']:.1f} ms.", ""]
    return lines


if __name__ == "__main__":
    print("\n".join(markdown(run())))
