"""Benchmark: simulated days (Lutsk-sized and a 3,500-visitor centre) through the real server, and the
dispatch against Erlang C. (Dispatch policies on the same days: bench/dispatch.py.)"""

from __future__ import annotations

import asyncio
import statistics
from pathlib import Path
from typing import Any

from queue_server.config import DEMO_HALL, load_hall
from queue_server.simulation.profiles import BIG, LUTSK
from queue_server.simulation.run import simulate_day
from queue_server.simulation.studies import mmc_mean_wait

OUT = Path(__file__).resolve().parent.parent / "docs" / "img"


async def run() -> dict[str, Any]:
    hall = load_hall(DEMO_HALL)
    days = {p.name: await simulate_day(hall, p, seed=1, out_dir=OUT, through="protocol") for p in (LUTSK, BIG)}
    erlang = [await mmc_mean_wait(3, 450.0, 200.0, 50_000, seed=seed) for seed in (1, 2, 3)]  # load 0.75
    simulated = statistics.mean(r["simulated_wait"] for r in erlang)
    theory = erlang[0]["erlang_c_wait"]
    return {"days": days, "erlang": {"runs": erlang, "simulated": simulated, "theory": theory,
                                     "relative_error": abs(simulated - theory) / theory}}


def main() -> None:
    results = asyncio.run(run())
    for name, day in results["days"].items():
        print(f"{name}: {day['tickets']} tickets, {day['desks']} desks, {day['seconds_to_simulate']} s; wait avg "
              f"{day['wait_minutes']['avg']} min; SLA {day['sla_share']:.1%}; estimate MAE "
              f"{day['estimate_mae_minutes']} min; desks busy {day['desk_utilisation_avg']:.0%}")
    erlang = results["erlang"]
    print(f"Erlang C: simulated {erlang['simulated']:.4f} vs formula {erlang['theory']:.4f} "
          f"({erlang['relative_error']:.1%})")


if __name__ == "__main__":
    main()
