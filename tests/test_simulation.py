"""The day simulator: the real server and the pure domain agree; Erlang C; the report files."""

from __future__ import annotations

import dataclasses
import json
import statistics
from datetime import timedelta

import pytest

from queue_server.config import DEMO_HALL, load_hall
from queue_server.simulation.drivers import DomainDriver
from queue_server.simulation.engine import draw_day, play
from queue_server.simulation.policies import day_figures, policy_set
from queue_server.simulation.profiles import LUTSK
from queue_server.simulation.report import erlang_c_wait
from queue_server.simulation.run import simulate_day
from queue_server.simulation.stats import mean_ci
from queue_server.simulation.studies import mmc_mean_wait

SMALL_DAY = dataclasses.replace(LUTSK, name="small", visitors=250)


async def test_the_server_and_the_domain_live_the_same_day(tmp_path) -> None:  # type: ignore[no-untyped-def]
    hall = load_hall(DEMO_HALL)
    through_server = await simulate_day(hall, SMALL_DAY, 5, tmp_path / "server", "protocol")
    in_memory = await simulate_day(hall, SMALL_DAY, 5, tmp_path / "memory", "memory")
    keys = ("tickets", "wait_minutes", "sla_share", "estimate_mae_minutes", "desk_utilisation", "wait_by_hour")
    assert {k: through_server[k] for k in keys} == {k: in_memory[k] for k in keys}
    assert through_server["tickets"] > 200 and through_server["turned_away_during_pause"] > 0
    server = through_server["server"]
    assert server["visits"] == through_server["tickets"], "the server's own report counts the same visits"
    assert server["outcomes"]["no_show"] > 0 and server["outcomes"]["transferred"] > 0
    written = json.loads((tmp_path / "server" / "simulation-small.json").read_text(encoding="utf-8"))
    assert written["sla_share"] == through_server["sla_share"]
    assert (tmp_path / "server" / "simulation-small.png").stat().st_size > 5000


def test_erlang_c_formula() -> None:
    # Textbook case: 2 servers, load 1 Erlang: P(wait) = 1/3, Wq = P / (c*mu - lambda) = 1/3.
    assert abs(erlang_c_wait(2, 1.0, 1.0) - 1 / 3) < 1e-12


async def test_dispatch_agrees_with_erlang_c() -> None:
    result = await mmc_mean_wait(3, 400.0, 200.0, 40_000, seed=3)  # load 2/3 per server
    assert result["relative_error"] < 0.08, result


async def test_every_policy_plays_the_same_drawn_day() -> None:
    hall = load_hall(DEMO_HALL)
    day = draw_day(hall, SMALL_DAY, seed=2)
    assert day == draw_day(hall, SMALL_DAY, seed=2), "a seed draws one day"
    start = day.opening - timedelta(hours=1)
    played = {}
    for name, policy in policy_set(hall.dispatch).items():
        variant = dataclasses.replace(hall, dispatch=policy)
        result = await play(DomainDriver(variant, start, predict=False), day)
        played[name] = (sorted((v.issued_at, v.service_id) for v in result.visits.values()),
                        day_figures(result, variant))
    visitors = {name: tickets for name, (tickets, _) in played.items()}
    assert len({str(v) for v in visitors.values()}) == 1, "the same visitors, services and times under every policy"
    figures = {name: f for name, (_, f) in played.items()}
    assert figures["strict tiers"]["cap_share"] == 0 and figures["FCFS"]["cap_share"] == 0
    assert len({f["mean"] for f in figures.values()}) > 1, "the policies do differ"
    for f in figures.values():
        assert all(0 <= f[k] <= 1 for k in ("sla_share", "worst_service_sla", "speciality_share", "cap_share"))
        assert 0 <= f["mean"] <= f["p90"] <= f["p95"] <= f["max"]


def test_paired_differences_have_confidence_intervals() -> None:
    mean, half = mean_ci([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5 and half == pytest.approx(3.182 * statistics.stdev([1, 2, 3, 4]) / 2)
