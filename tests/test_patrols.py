"""Patrol routes on the synthetic grid city: rules, timing, geometry, dropping, determinism."""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from planner.inputs.rules import RiskCategory, load_rules
from planner.inputs.scenario import Scenario, load_scenario
from planner.roads.placement import RoadContext, place_on_network
from planner.roads.snap import SnappedPoints
from planner.solve import patrols
from planner.solve.patrols import (
    NO_POLSEK,
    NO_ROUTE,
    NO_VEHICLES,
    PatrolResult,
    _visit_labels,
    plan_patrols,
    post_problems,
)
from planner.solve.vrp import solve_vrp
from planner.solve.vrp_check import check_vrp_solution
from tests.city import city_report, grid_city, node_point, write_tps

ALPHA_RISKS = ["kurang rawan", "rawan", "sangat rawan", "khusus", "kurang rawan", "rawan"]
ALPHA_NODES = [3, 9, 14, 20, 27, 33]
TPS_ROWS = [
    ("Alpha", "Satu", n + 1, *node_point(node), risk)
    for n, (node, risk) in enumerate(zip(ALPHA_NODES, ALPHA_RISKS, strict=True))
] + [
    ("Beta", "Dua", 1, *node_point(30), "rawan"),
    ("Gamma", "Tiga", 1, *node_point(5), "kurang rawan"),
]
# post_id, kind, kecamatan, grid node, cars, motorbikes
POSTS = [
    ("polresta", "polresta", "Klojen", 0, 2, 4),
    ("polsek_a", "polsek", "Alpha", 7, 1, 1),
    ("polsek_b", "polsek", "Beta", 28, 0, 0),
]
SPEED = {"car": "car_speed_factor", "motorbike": "motorbike_speed_factor"}


def write_posts_with_vehicles(path: Path, rows: list[tuple[str, str, str, int, int, int]]) -> Path:
    """Posts (post_id, kind, kecamatan, grid node, cars, motorbikes) as a planner's CSV."""
    lines = ["post_id,name,kind,kecamatan,latitude,longitude,polri,cars,motorbikes"]
    for post_id, kind, kecamatan, node, cars, motorbikes in rows:
        lat, lon = node_point(node)
        lines.append(f"{post_id},{post_id},{kind},{kecamatan},{lat},{lon},20,{cars},{motorbikes}")
    path.write_text("\n".join(lines) + "\n")
    return path


def city(tmp_path: Path, overrides: dict[str, Any] | None = None) -> tuple[Scenario, RoadContext]:
    """The grid city scenario, placed on its roads."""
    rules = load_rules(overrides or {})
    tps = write_tps(tmp_path / "tps.csv", TPS_ROWS)
    posts = write_posts_with_vehicles(tmp_path / "posts.csv", POSTS)
    scenario = load_scenario(tps, posts, rules)
    graph = grid_city(rules)
    return scenario, place_on_network(scenario, graph, city_report(graph))


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, RoadContext, PatrolResult]:
    """The default-rules plan of the grid city."""
    scenario, roads = city(tmp_path_factory.mktemp("patrols"))
    return scenario, roads, plan_patrols(scenario, roads, workers=1)


SHORT_SHIFT = {"patrol": {"shift_end": "09:00", "service_min": 30, "min_gap_min": 30}}
"""Each vehicle fits three 30-minute visits before it must be back at 09:00: six
slots for the six khusus / sangat rawan visits of Alpha, none for the others
(in the voting shift; the counting shift keeps its default hours)."""


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> tuple[Scenario, RoadContext, PatrolResult]:
    """The grid city planned with a shift too short for all visits."""
    scenario, roads = city(tmp_path_factory.mktemp("short"), SHORT_SHIFT)
    return scenario, roads, plan_patrols(scenario, roads, workers=1)


@pytest.fixture(params=["planned", "short"])
def plan(request: pytest.FixtureRequest) -> tuple[Scenario, RoadContext, PatrolResult]:
    """Both plans, for the checks every plan must pass."""
    return request.getfixturevalue(request.param)


def test_both_vehicle_types_are_exercised(planned, short) -> None:
    types = {r.vehicle_type for _, _, result in (planned, short) for r in result.routes}
    assert types == {"car", "motorbike"}


def test_both_shifts_are_planned_with_their_own_visit_counts(planned) -> None:
    scenario, _, result = planned
    patrol = scenario.rules.patrol
    assert [s.name for s in patrol.planned] == ["voting", "counting"]
    assert {r.shift for r in result.routes} == {"voting", "counting"}
    for shift in patrol.planned:
        need = sum(shift.visits[RiskCategory(r)] for r in scenario.tps["risk"])
        assert result.required[shift.name] == need
    assert patrol.shift("counting").shift_s == (13 * 3600, 24 * 3600)


def test_routes_start_and_end_at_their_post_within_shift_and_windows(plan) -> None:
    scenario, roads, result = plan
    patrol = scenario.rules.patrol
    assert result.routes, "no patrol route at all"
    assert len({(r.shift, r.vehicle_id) for r in result.routes}) == len(result.routes)
    post_of = dict(zip(roads.post_points.ids, range(len(roads.post_points)), strict=True))
    for route in result.routes:
        assert route.post_id == "polsek_a"
        assert route.vehicle_id.startswith("polsek_a-")
        post = post_of[route.post_id]
        here = (
            round(float(roads.post_points.lon[post]), 6),
            round(float(roads.post_points.lat[post]), 6),
        )
        assert route.geometry[0] == here and route.geometry[-1] == here
        shift = patrol.shift(route.shift)
        assert shift.shift_s[0] <= route.start_s < route.end_s <= shift.shift_s[1]
        assert route.end_s - route.start_s <= shift.max_route_hours * 3600
        for stop in route.stops:
            assert shift.visit_s[0] <= stop.start_s <= shift.visit_s[1]
            assert stop.arrival_s <= stop.start_s
            assert stop.departure_s == stop.start_s + round(patrol.service_min * 60)
        tps_index = {t: i for i, t in enumerate(roads.tps_points.ids)}
        geometry = set(route.geometry)
        for stop in route.stops:
            k = tps_index[stop.tps_id]
            point = (
                round(float(roads.tps_points.lon[k]), 6),
                round(float(roads.tps_points.lat[k]), 6),
            )
            assert point in geometry, f"{stop.tps_id} is off its route's geometry"


def test_arrivals_follow_router_travel_times_over_vehicle_speed(plan) -> None:
    scenario, roads, result = plan
    points = SnappedPoints.concat(roads.post_points, roads.tps_points)
    matrix = roads.router.matrix(points)  # recomputed here, not taken from the solver
    where = {point_id: i for i, point_id in enumerate(points.ids)}
    for route in result.routes:
        factor = getattr(scenario.rules.patrol, SPEED[route.vehicle_type])

        def leg(a: str, b: str, factor: float = factor) -> int:
            return math.ceil(round(float(matrix[where[a], where[b]])) / factor)

        here, clock = route.post_id, route.start_s
        for stop in route.stops:
            assert stop.arrival_s == clock + leg(here, stop.tps_id), (route.vehicle_id, stop)
            here, clock = stop.tps_id, stop.departure_s
        assert route.end_s == clock + leg(here, route.post_id)  # reported end = back at post
        first = route.stops[0]
        assert first.arrival_s == first.start_s  # leaves the post just in time, no idle wait


def test_visit_counts_and_spacing(plan) -> None:
    scenario, _, result = plan
    patrol = scenario.rules.patrol
    starts: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for route in result.routes:
        for stop in route.stops:
            starts[route.shift, stop.tps_id].append((stop.start_s, stop.visit))
    dropped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for d in result.dropped:
        dropped[d.shift, d.tps_id].append(d.visit)
    for shift, row in itertools.product(patrol.planned, scenario.tps.itertuples()):
        needed = shift.visits[RiskCategory(row.risk)]
        done = sorted(starts[shift.name, row.tps_id])
        assert [v for _, v in done] == list(range(1, len(done) + 1)), "visits numbered by time"
        assert sorted(v for _, v in done) + sorted(dropped[shift.name, row.tps_id]) == list(
            range(1, needed + 1)
        ), (shift.name, row.tps_id)
        for (a, _), (b, _) in itertools.pairwise(done):
            assert b - a >= patrol.min_gap_min * 60, f"{row.tps_id} visits too close"


def test_generous_shift_serves_every_visit_of_a_polsek_with_vehicles(planned) -> None:
    scenario, _, result = planned
    patrol = scenario.rules.patrol
    alpha = scenario.tps[scenario.tps["kecamatan"] == "Alpha"]
    assert not [d for d in result.dropped if d.kecamatan == "Alpha"]
    for shift in patrol.planned:
        served = [s for r in result.routes if r.shift == shift.name for s in r.stops]
        assert len(served) == sum(shift.visits[RiskCategory(r)] for r in alpha["risk"])
        assert result.stats[shift.name]["polsek_a"]["status"] == "feasible"
        assert result.stats[shift.name]["polsek_a"]["dropped"] == 0


def test_polsek_without_vehicles_and_kecamatan_without_polsek(planned) -> None:
    scenario, roads, result = planned
    patrol = scenario.rules.patrol
    assert [p.post_id for p in post_problems(scenario, roads)] == ["polsek_a"]
    assert not [r for r in result.routes if r.post_id != "polsek_a"]
    assert {s.tps_id for r in result.routes for s in r.stops} <= {
        t for t in scenario.tps["tps_id"] if t.startswith("ALPHA")
    }
    reasons = {(d.shift, d.tps_id, d.visit): (d.reason_id, d.reason_en) for d in result.dropped}
    assert reasons == {
        (shift, tps, visit): reason
        for shift in ("voting", "counting")
        for tps, visit, reason in (
            ("BETA-DUA-001", 1, NO_VEHICLES),
            ("BETA-DUA-001", 2, NO_VEHICLES),
            ("GAMMA-TIGA-001", 1, NO_POLSEK),
        )
    }
    required = sum(s.visits[RiskCategory(r)] for s in patrol.planned for r in scenario.tps["risk"])
    assert result.required_visits == required  # their visits still count as required
    assert result.coverage == pytest.approx(1 - 6 / required)


def test_short_shift_drops_the_lowest_risk_visits(short) -> None:
    scenario, _, result = short
    weight = scenario.rules.assignment.risk_weight
    risk = dict(zip(scenario.tps["tps_id"], scenario.tps["risk"], strict=True))
    voting = [r for r in result.routes if r.shift == "voting"]
    performed = [weight[RiskCategory(risk[s.tps_id])] for r in voting for s in r.stops]
    solver_dropped = [d for d in result.dropped if d.reason_en == NO_ROUTE[1]]
    assert {d.shift for d in solver_dropped} == {"voting"}  # counting keeps its long hours
    lost = [weight[RiskCategory(risk[d.tps_id])] for d in solver_dropped]
    assert solver_dropped and result.coverage < 1
    assert max(lost) <= min(performed), (lost, performed)
    assert len(performed) == 6 and set(performed) == {6}
    assert {d.tps_id for d in solver_dropped} == {
        t for t, r in risk.items() if t.startswith("ALPHA") and r in ("rawan", "kurang_rawan")
    }
    assert all(r.end_s <= 9 * 3600 for r in voting)


def test_deterministic_mode_gives_identical_routes(planned) -> None:
    scenario, roads, first = planned
    again = plan_patrols(scenario, roads, workers=2)  # in worker processes this time
    assert again.routes == first.routes
    assert again.dropped == first.dropped
    assert again.required_visits == first.required_visits


def test_progress_counts_solutions_up_to_the_limit_then_names_the_final_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(patrols.Throttle, "due", lambda self: True)
    scenario, roads = city(tmp_path, {"patrol": {"solution_limit": 5}})
    said: list[str] = []
    plan_patrols(scenario, roads, workers=1, report=lambda text, detail=False: said.append(text))
    counts = [int(n) for text in said for n in re.findall(r"solusi ke-(\d+)/5,", text)]
    assert counts and max(counts) <= 5
    assert any("perbaikan akhir (final local search)" in text for text in said)


def test_guided_local_search_rule_reaches_the_solver(
    tmp_path: Path, planned, monkeypatch: pytest.MonkeyPatch
) -> None:
    searches = []

    def spy(problem, **kwargs):
        searches.append(kwargs["metaheuristic"])
        return solve_vrp(problem, **kwargs)

    monkeypatch.setattr(patrols, "solve_vrp", spy)
    scenario, roads = city(tmp_path, {"patrol": {"search": "guided_local_search"}})
    guided = plan_patrols(scenario, roads, workers=1)  # each solution re-checked inside
    assert searches and set(searches) == {"guided_local_search"}
    _, _, default = planned
    assert guided.required == default.required and guided.dropped == default.dropped


def test_wall_clock_mode_plans_the_same_visits(tmp_path: Path, planned) -> None:
    scenario, roads = city(tmp_path, {"patrol": {"time_limit_s": 0.5}})
    timed = plan_patrols(scenario, roads, deterministic=False, workers=1)  # re-checked inside
    _, _, default = planned
    assert timed.routes and timed.required == default.required
    assert timed.dropped == default.dropped


def test_visit_labels_put_performed_copies_first() -> None:
    problem = SimpleNamespace(stop_tps=("A", "A", "A", "B", "B"))
    solution = SimpleNamespace(dropped=(0, 3))  # the solver kept A#2, A#3 and B#2
    assert _visit_labels(problem, solution) == [3, 1, 2, 2, 1]  # type: ignore[arg-type]


def test_single_instant_window_fits_one_visit_per_vehicle(tmp_path: Path) -> None:
    overrides = {
        "patrol": {
            "visit_start": "07:00",
            "visit_end": "07:00",
            "min_gap_min": 30,
            "counting": {"visits": {c.value: 0 for c in RiskCategory}},
        }
    }
    scenario, roads = city(tmp_path, overrides)
    result = plan_patrols(scenario, roads, workers=1)
    assert list(result.required) == ["voting"]  # no counting visits: that shift is not planned
    served = [s for r in result.routes for s in r.stops]
    assert all(s.start_s == 7 * 3600 for s in served)
    assert len(served) <= 2  # one visit per vehicle fits a single-instant window
    assert len(served) + len(result.dropped) == result.required_visits
    assert np.isclose(result.coverage, len(served) / result.required_visits)


def test_counting_route_leaves_after_the_vehicles_voting_route_is_back(tmp_path: Path) -> None:
    """Voting hours running to 16:00 overlap the counting shift from 13:00."""
    overrides = {"patrol": {"shift_end": "17:00", "visit_start": "15:00", "visit_end": "16:00"}}
    scenario, roads = city(tmp_path, overrides)
    result = plan_patrols(scenario, roads, workers=1)
    back = {r.vehicle_id: r.end_s for r in result.routes if r.shift == "voting"}
    counting = [r for r in result.routes if r.shift == "counting"]
    assert back and counting and set(back) & {r.vehicle_id for r in counting}
    assert min(back.values()) > 15 * 3600
    for route in counting:
        assert route.start_s >= back.get(route.vehicle_id, 0), route.vehicle_id


def test_benchmark_export_reads_back_as_the_single_visit_core(tmp_path: Path, planned) -> None:
    pytest.importorskip("vrplib")
    from benchmarks.bench_patrols import export_patrol_instances, load_vrptw

    scenario, roads, _ = planned
    (path,) = export_patrol_instances(scenario, roads, tmp_path, "grid")
    assert path.name == "malang-polsek_a-grid.vrp"
    problem = load_vrptw(path).problem
    alpha = [t for t in roads.tps_points.ids if t.startswith("ALPHA")]
    assert len(problem.stops) == len(alpha)  # one visit per TPS, repeats left out
    assert len(problem.vehicles) == 2
    assert {v.vehicle_type.speed_factor for v in problem.vehicles} == {1.0}
    patrol = scenario.rules.patrol
    voting = patrol.shift("voting")
    window = (voting.visit_s[0] - voting.shift_s[0], voting.visit_s[1] - voting.shift_s[0])
    assert {s.windows for s in problem.stops} == {(window,)}
    assert {s.service for s in problem.stops} == {round(patrol.service_min * 60)}
    points = SnappedPoints.concat(
        roads.post_points.subset([roads.post_points.ids.index("polsek_a")]),
        roads.tps_points.subset([roads.tps_points.ids.index(t) for t in alpha]),
    )
    expected = np.rint(roads.router.matrix(points)).astype(np.int64)
    assert np.array_equal(problem.travel_time, expected)
    solution = solve_vrp(problem, deterministic=True, solution_limit=100)
    assert solution.status == "feasible" and not check_vrp_solution(problem, solution)
