"""Mobile patrols: routes for each Polsek's cars and motorbikes round its TPS.

One routing problem per Polsek (its kecamatan's TPS), solved with the OR-Tools
core in :mod:`planner.vrp`, in parallel. Every TPS needs the visits of its
risk category inside the voting hours, repeated visits spaced apart; each
visit is optional at a drop penalty of its TPS' risk weight, so when not all
fit the most risk-weighted ones are kept and the rest are reported. The visits
of TPS whose kecamatan has no Polsek with vehicles are reported as dropped too,
with that reason, so they still count in the required visits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import time

import numpy as np
import pandas as pd

from planner._parallel import run_parallel
from planner.progress import Report, Throttle, no_report
from planner.rules import RiskCategory, Rules
from planner.scenario import RoadContext, Scenario
from planner.snap import SnappedPoints
from planner.vrp import (
    Stop,
    Vehicle,
    VehicleType,
    VrpProblem,
    VrpSolution,
    depart_just_in_time,
    solve_vrp,
)
from planner.vrp_check import check_vrp_solution


@dataclass(frozen=True)
class PatrolStop:
    """One visit of a route: the TPS, which visit of it, arrival, service start and departure."""

    tps_id: str
    visit: int
    arrival_s: int
    start_s: int
    departure_s: int


@dataclass(frozen=True)
class PatrolRoute:
    """One vehicle's route from its post and back, with the road geometry."""

    vehicle_id: str
    post_id: str
    vehicle_type: str
    start_s: int
    end_s: int
    stops: tuple[PatrolStop, ...]
    geometry: tuple[tuple[float, float], ...]


NO_ROUTE = (
    "tidak muat dalam rute patroli mana pun pada jam pemungutan suara",
    "fits no patrol route within the voting hours",
)
NO_VEHICLES = (
    "Polsek kecamatan ini tidak punya kendaraan patroli",
    "the kecamatan's Polsek has no patrol vehicles",
)
NO_POLSEK = ("kecamatan ini tidak punya Polsek", "the kecamatan has no Polsek")


@dataclass(frozen=True)
class DroppedVisit:
    """A required visit no route performs, and why (Indonesian and English)."""

    tps_id: str
    visit: int
    kecamatan: str
    reason_id: str = NO_ROUTE[0]
    reason_en: str = NO_ROUTE[1]


@dataclass(frozen=True)
class PostPatrolProblem:
    """The routing problem of one post, with what is needed to read its solution."""

    post_id: str
    kecamatan: str
    problem: VrpProblem
    stop_tps: tuple[str, ...]
    stop_visit: tuple[int, ...]
    vehicle_names: tuple[str, ...]
    point_index: np.ndarray  # matrix node -> index into the combined post + TPS points


@dataclass(frozen=True)
class PatrolResult:
    """All routes, what was dropped, and solver statistics per post."""

    routes: tuple[PatrolRoute, ...]
    dropped: tuple[DroppedVisit, ...]
    required_visits: int
    stats: dict[str, dict[str, float | int | str]]

    @property
    def coverage(self) -> float:
        """Share of required visits performed."""
        return 1 - len(self.dropped) / max(self.required_visits, 1)


def seconds(clock: time) -> int:
    """Seconds after midnight of a clock time."""
    return clock.hour * 3600 + clock.minute * 60 + clock.second


def post_problems(scenario: Scenario, roads: RoadContext) -> list[PostPatrolProblem]:
    """One routing problem per Polsek with vehicles, over its kecamatan's TPS."""
    rules = scenario.rules
    points = SnappedPoints.concat(roads.post_points, roads.tps_points)
    n_posts = len(roads.post_points)
    problems = []
    posts = scenario.posts.reset_index(drop=True)
    tps = scenario.tps.reset_index(drop=True)
    for p, post in posts.iterrows():
        if post["kind"] != "polsek" or post["cars"] + post["motorbikes"] == 0:
            continue
        rows = np.flatnonzero(tps["kecamatan"].to_numpy() == post["kecamatan"])
        if len(rows) == 0:
            continue
        index = np.concatenate([[p], n_posts + rows])
        travel = roads.router.matrix(points.subset(index))
        problems.append(_post_problem(rules, post, tps.iloc[rows], travel, index))
    return problems


def unserved_visits(scenario: Scenario) -> list[DroppedVisit]:
    """Visits of TPS that no patrol problem holds: no Polsek, or a Polsek without vehicles."""
    posts = scenario.posts[scenario.posts["kind"] == "polsek"]
    vehicles = (posts["cars"] + posts["motorbikes"]).groupby(posts["kecamatan"]).sum()
    visits = scenario.rules.patrol.visits
    out = []
    for row in scenario.tps.itertuples():
        if vehicles.get(row.kecamatan, 0) > 0:
            continue
        reason = NO_VEHICLES if row.kecamatan in vehicles.index else NO_POLSEK
        out.extend(
            DroppedVisit(row.tps_id, visit, row.kecamatan, *reason)
            for visit in range(1, visits[RiskCategory(row.risk)] + 1)
        )
    return out


def _post_problem(
    rules: Rules, post: pd.Series, tps: pd.DataFrame, travel: np.ndarray, index: np.ndarray
) -> PostPatrolProblem:
    """Stops and vehicles of one post; node 0 is the post, node k the k-th TPS."""
    patrol = rules.patrol
    window = ((seconds(patrol.visit_start), seconds(patrol.visit_end)),)
    stops, stop_tps, stop_visit = [], [], []
    for k, row in enumerate(tps.itertuples(), start=1):
        category = RiskCategory(row.risk)
        penalty = patrol.drop_penalty_s * rules.assignment.risk_weight[category]
        for visit in range(1, patrol.visits[category] + 1):
            stops.append(
                Stop(
                    node=k,
                    windows=window,
                    service=round(patrol.service_min * 60),
                    drop_penalty=int(penalty),
                    group=row.tps_id,
                    min_gap=round(patrol.min_gap_min * 60),
                    name=f"{row.tps_id}#{visit}",
                )
            )
            stop_tps.append(row.tps_id)
            stop_visit.append(visit)
    shift = (seconds(patrol.shift_start), seconds(patrol.shift_end))
    kinds = (
        ("mobil", VehicleType("car", patrol.car_speed_factor), int(post["cars"])),
        ("motor", VehicleType("motorbike", patrol.motorbike_speed_factor), int(post["motorbikes"])),
    )
    vehicles, names = [], []
    for label, vehicle_type, count in kinds:
        for number in range(1, count + 1):
            vehicles.append(
                Vehicle(
                    start=0,
                    end=0,
                    vehicle_type=vehicle_type,
                    shift=shift,
                    max_duration=round(patrol.max_route_hours * 3600),
                    name=f"{post['post_id']}-{label}-{number}",
                )
            )
            names.append(f"{post['post_id']}-{label}-{number}")
    problem = VrpProblem(
        travel_time=np.rint(np.nan_to_num(travel, posinf=10**7)).astype(np.int64),
        vehicles=tuple(vehicles),
        stops=tuple(stops),
    )
    return PostPatrolProblem(
        str(post["post_id"]),
        str(post["kecamatan"]),
        problem,
        tuple(stop_tps),
        tuple(stop_visit),
        tuple(names),
        index,
    )


def _solve(
    problem: PostPatrolProblem,
    rules: Rules,
    seed: int,
    deterministic: bool,
    report: Report = no_report,
) -> VrpSolution:
    """One post's routes, by solution count (deterministic) or by the time limit."""
    patrol = rules.patrol
    throttle = Throttle(2.0)
    limit = f"/{patrol.solution_limit}" if deterministic else ""

    def say(found: int, cost: int, seconds: float) -> None:
        if throttle.due():
            report(
                f"Patroli {problem.post_id}: solusi ke-{found}{limit}, "
                f"biaya terbaik {cost:,} ({seconds:.0f} s)"
            )

    if deterministic:
        solution = solve_vrp(
            problem.problem,
            seed=seed,
            deterministic=True,
            solution_limit=patrol.solution_limit,
            log_progress=say,
        )
    else:
        solution = solve_vrp(
            problem.problem, seed=seed, time_limit_s=patrol.time_limit_s, log_progress=say
        )
    stats = solution.stats
    report(
        f"Patroli {problem.post_id}: {len(problem.problem.stops) - len(solution.dropped)} dari "
        f"{len(problem.problem.stops)} kunjungan, biaya {stats.objective:,} "
        f"({stats.solutions} solusi, {stats.wall_time_s:.1f} s)"
    )
    report(
        f"Patroli {problem.post_id}: status {solution.status}, objective {stats.objective}, "
        f"{stats.solutions} solutions, {stats.wall_time_s:.2f} s, "
        f"travel {solution.travel_time} s",
        detail=True,
    )
    return solution


def plan_patrols(
    scenario: Scenario,
    roads: RoadContext,
    seed: int = 0,
    deterministic: bool | None = None,
    workers: int | None = None,
    report: Report = no_report,
) -> PatrolResult:
    """Plan every Polsek's patrol routes; each solution is re-checked independently.

    ``deterministic`` (default: the rule ``patrol.deterministic``) stops each
    search after ``patrol.solution_limit`` solutions, so the same inputs and
    seed give the same routes; otherwise each stops at ``patrol.time_limit_s``.
    """
    if deterministic is None:
        deterministic = scenario.rules.patrol.deterministic
    problems = post_problems(scenario, roads)
    workers = workers or min(2, os.cpu_count() or 1, max(len(problems), 1))
    tasks = [(p, scenario.rules, seed, deterministic) for p in problems]
    order = sorted(range(len(problems)), key=lambda k: -len(problems[k].problem.stops))
    solutions = run_parallel(_solve, tasks, workers, report, order)
    points = SnappedPoints.concat(roads.post_points, roads.tps_points)
    routes, stats = [], {}
    unserved = unserved_visits(scenario)
    dropped = list(unserved)
    for problem, solution in zip(problems, solutions, strict=True):
        solution = depart_just_in_time(problem.problem, solution)
        errors = check_vrp_solution(problem.problem, solution)
        if errors:
            raise RuntimeError(f"patrol plan for {problem.post_id} breaks its rules: {errors[:3]}")
        label = _visit_labels(problem, solution)
        routes.extend(_routes(problem, solution, roads, points, label))
        dropped.extend(
            DroppedVisit(problem.stop_tps[s], label[s], problem.kecamatan) for s in solution.dropped
        )
        stats[problem.post_id] = {
            "status": solution.status,
            "objective": solution.stats.objective,
            "travel_time_s": solution.travel_time,
            "solutions": solution.stats.solutions,
            "visits": len(problem.problem.stops),
            "dropped": len(solution.dropped),
        }
    required = sum(len(p.problem.stops) for p in problems) + len(unserved)
    return PatrolResult(tuple(routes), tuple(dropped), required, stats)


def _visit_labels(problem: PostPatrolProblem, solution: VrpSolution) -> list[int]:
    """Visit numbers per stop: a TPS' performed visits first (in time order), then dropped.

    A TPS' visits are interchangeable copies, so the solver may skip the first
    and keep a later one; the labels then still read "visit 1 done, visit 2 missed".
    """
    dropped = set(solution.dropped)
    order = sorted(range(len(problem.stop_tps)), key=lambda s: (s in dropped, s))
    label = [0] * len(problem.stop_tps)
    count: dict[str, int] = {}
    for s in order:
        count[problem.stop_tps[s]] = label[s] = count.get(problem.stop_tps[s], 0) + 1
    return label


def _routes(
    problem: PostPatrolProblem,
    solution: VrpSolution,
    roads: RoadContext,
    points: SnappedPoints,
    label: list[int],
) -> list[PatrolRoute]:
    """The performed routes with their stops and road geometry."""
    routes = []
    for route in solution.routes:
        if not route.visits:
            continue
        vehicle = problem.problem.vehicles[route.vehicle]
        coords = roads.router.path_line(points.subset(problem.point_index[list(route.nodes)]))
        routes.append(
            PatrolRoute(
                vehicle_id=problem.vehicle_names[route.vehicle],
                post_id=problem.post_id,
                vehicle_type=vehicle.vehicle_type.name,
                start_s=route.start_time,
                end_s=route.end_time,
                stops=tuple(
                    PatrolStop(
                        problem.stop_tps[v.stop],
                        label[v.stop],
                        v.arrival,
                        v.start,
                        v.departure,
                    )
                    for v in route.visits
                ),
                geometry=tuple((round(x, 6), round(y, 6)) for x, y in coords),
            )
        )
    return routes
