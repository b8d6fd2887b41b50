"""Mobile patrols: routes for each Polsek's cars and motorbikes round its TPS.

One routing problem per Polsek (its kecamatan's TPS) and shift, solved with the
OR-Tools core in :mod:`planner.solve.vrp`, in parallel. Every TPS needs the visits of
its risk category inside the shift's visit hours (voting, then counting),
repeated visits spaced apart; each visit is optional at a drop penalty of its
TPS' risk weight, so when not all fit the most risk-weighted ones are kept and
the rest are reported. A vehicle starts its counting route only after its
voting route is back at the post. The visits of TPS whose kecamatan has no
Polsek with vehicles are reported as dropped too, with that reason, so they
still count in the required visits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from planner.inputs.rules import PatrolShift, RiskCategory, Rules
from planner.inputs.scenario import Scenario
from planner.progress import Report, Throttle, no_report
from planner.roads.placement import RoadContext
from planner.roads.snap import SnappedPoints
from planner.solve._parallel import run_parallel, solve_workers
from planner.solve.vrp import depart_just_in_time, solve_vrp
from planner.solve.vrp_check import check_vrp_solution
from planner.solve.vrp_problem import Stop, Vehicle, VehicleType, VrpProblem, VrpSolution


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
    """One vehicle's route from its post and back in one shift, with the road geometry."""

    shift: str
    vehicle_id: str
    post_id: str
    vehicle_type: str
    start_s: int
    end_s: int
    stops: tuple[PatrolStop, ...]
    geometry: tuple[tuple[float, float], ...]


NO_ROUTE = (
    "tidak muat dalam rute patroli mana pun pada jam kunjungan gilirannya",
    "fits no patrol route within its shift's visit hours",
)
SHIFT_LABEL = {"voting": "pemungutan suara", "counting": "penghitungan suara"}
"""Indonesian names of the patrol shifts."""
NO_VEHICLES = (
    "Polsek kecamatan ini tidak punya kendaraan patroli",
    "the kecamatan's Polsek has no patrol vehicles",
)
NO_POLSEK = ("kecamatan ini tidak punya Polsek", "the kecamatan has no Polsek")


@dataclass(frozen=True)
class DroppedVisit:
    """A required visit of a shift that no route performs, and why (Indonesian and English)."""

    shift: str
    tps_id: str
    visit: int
    kecamatan: str
    reason_id: str = NO_ROUTE[0]
    reason_en: str = NO_ROUTE[1]


@dataclass(frozen=True)
class PostPatrolProblem:
    """The routing problem of one post and shift, with what is needed to read its solution."""

    shift: str
    post_id: str
    kecamatan: str
    problem: VrpProblem
    stop_tps: tuple[str, ...]
    stop_visit: tuple[int, ...]
    vehicle_names: tuple[str, ...]
    point_index: np.ndarray  # matrix node -> index into the combined post + TPS points


@dataclass(frozen=True)
class PatrolResult:
    """All routes, what was dropped, required visits per shift and solver statistics.

    ``stats`` maps shift -> post id -> figures; shifts in the order of the rules.
    """

    routes: tuple[PatrolRoute, ...]
    dropped: tuple[DroppedVisit, ...]
    required: dict[str, int]
    stats: dict[str, dict[str, dict[str, float | int | str]]]

    @property
    def required_visits(self) -> int:
        """Required visits over all shifts."""
        return sum(self.required.values())

    @property
    def coverage(self) -> float:
        """Share of required visits performed."""
        return 1 - len(self.dropped) / max(self.required_visits, 1)

    def shift_coverage(self, shift: str) -> float:
        """Share of one shift's required visits performed."""
        missed = sum(1 for d in self.dropped if d.shift == shift)
        return 1 - missed / max(self.required[shift], 1)


@dataclass(frozen=True)
class _Area:
    """A Polsek with vehicles, its kecamatan's TPS and their travel-time matrix."""

    post: pd.Series
    tps: pd.DataFrame
    travel: np.ndarray  # node 0 the post, node k the k-th TPS, seconds
    index: np.ndarray  # matrix node -> index into the combined post + TPS points


def _areas(scenario: Scenario, roads: RoadContext) -> list[_Area]:
    """Every Polsek with vehicles and TPS in its kecamatan, with the travel times."""
    points = SnappedPoints.concat(roads.post_points, roads.tps_points)
    n_posts = len(roads.post_points)
    areas = []
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
        areas.append(_Area(post, tps.iloc[rows], travel, index))
    return areas


def post_problems(
    scenario: Scenario, roads: RoadContext, shift: str = "voting"
) -> list[PostPatrolProblem]:
    """One routing problem per Polsek with vehicles, over its kecamatan's TPS, for one shift."""
    rules = scenario.rules
    return [_post_problem(rules, rules.patrol.shift(shift), a, {}) for a in _areas(scenario, roads)]


def unserved_visits(scenario: Scenario, shift: PatrolShift) -> list[DroppedVisit]:
    """Visits of TPS that no patrol problem holds: no Polsek, or a Polsek without vehicles."""
    posts = scenario.posts[scenario.posts["kind"] == "polsek"]
    vehicles = (posts["cars"] + posts["motorbikes"]).groupby(posts["kecamatan"]).sum()
    out = []
    for row in scenario.tps.itertuples():
        if vehicles.get(row.kecamatan, 0) > 0:
            continue
        reason = NO_VEHICLES if row.kecamatan in vehicles.index else NO_POLSEK
        out.extend(
            DroppedVisit(shift.name, row.tps_id, visit, row.kecamatan, *reason)
            for visit in range(1, shift.visits[RiskCategory(row.risk)] + 1)
        )
    return out


def _post_problem(
    rules: Rules, shift: PatrolShift, area: _Area, ready: dict[str, int]
) -> PostPatrolProblem:
    """Stops and vehicles of one post in one shift; node 0 is the post, node k the k-th TPS.

    ``ready`` holds, per vehicle name, when it is back from an earlier shift's route.
    """
    patrol, post = rules.patrol, area.post
    window = (shift.visit_s,)
    stops, stop_tps, stop_visit = [], [], []
    for k, row in enumerate(area.tps.itertuples(), start=1):
        category = RiskCategory(row.risk)
        penalty = patrol.drop_penalty_s * rules.assignment.risk_weight[category]
        for visit in range(1, shift.visits[category] + 1):
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
    kinds = (
        ("mobil", VehicleType("car", patrol.car_speed_factor), int(post["cars"])),
        ("motor", VehicleType("motorbike", patrol.motorbike_speed_factor), int(post["motorbikes"])),
    )
    vehicles, names = [], []
    for label, vehicle_type, count in kinds:
        for number in range(1, count + 1):
            name = f"{post['post_id']}-{label}-{number}"
            first, last = shift.shift_s
            vehicles.append(
                Vehicle(
                    start=0,
                    end=0,
                    vehicle_type=vehicle_type,
                    shift=(min(max(first, ready.get(name, first)), last), last),
                    max_duration=round(shift.max_route_hours * 3600),
                    name=name,
                )
            )
            names.append(name)
    problem = VrpProblem(
        travel_time=np.rint(np.nan_to_num(area.travel, posinf=10**7)).astype(np.int64),
        vehicles=tuple(vehicles),
        stops=tuple(stops),
    )
    return PostPatrolProblem(
        shift.name,
        str(post["post_id"]),
        str(post["kecamatan"]),
        problem,
        tuple(stop_tps),
        tuple(stop_visit),
        tuple(names),
        area.index,
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
    name = f"Patroli {problem.post_id} ({SHIFT_LABEL[problem.shift]})"

    def say(found: int, cost: int, seconds: float) -> None:
        if not throttle.due():
            return
        if deterministic and found > patrol.solution_limit:  # the search's last local search
            step = "perbaikan akhir (final local search)"
        else:
            step = f"solusi ke-{found}{limit}"
        report(f"{name}: {step}, biaya terbaik {cost:,} ({seconds:.0f} s)")

    limits: dict[str, Any] = (
        {"deterministic": True, "solution_limit": patrol.solution_limit}
        if deterministic
        else {"time_limit_s": patrol.time_limit_s}
    )
    solution = solve_vrp(
        problem.problem, seed=seed, metaheuristic=patrol.search, log_progress=say, **limits
    )
    stats = solution.stats
    report(
        f"{name}: {len(problem.problem.stops) - len(solution.dropped)} dari "
        f"{len(problem.problem.stops)} kunjungan, biaya {stats.objective:,} "
        f"({stats.solutions} solusi, {stats.wall_time_s:.1f} s)"
    )
    report(
        f"{name}: status {solution.status}, objective {stats.objective}, "
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
    """Plan every Polsek's patrol routes, shift by shift; each solution is re-checked.

    ``deterministic`` (default: the rule ``patrol.deterministic``) stops each
    search after ``patrol.solution_limit`` solutions, so the same inputs and
    seed give the same routes; otherwise each stops at ``patrol.time_limit_s``.
    A shift whose visit counts are all 0 is not planned.
    """
    rules = scenario.rules
    if deterministic is None:
        deterministic = rules.patrol.deterministic
    areas = _areas(scenario, roads)
    workers = workers or solve_workers(len(areas))
    points = SnappedPoints.concat(roads.post_points, roads.tps_points)
    routes: list[PatrolRoute] = []
    dropped: list[DroppedVisit] = []
    required: dict[str, int] = {}
    stats: dict[str, dict[str, dict[str, float | int | str]]] = {}
    ready: dict[str, int] = {}  # vehicle -> back at its post from the earlier shift
    for shift in rules.patrol.planned:
        problems = [_post_problem(rules, shift, area, ready) for area in areas]
        tasks = [(p, rules, seed, deterministic) for p in problems]
        order = sorted(range(len(problems)), key=lambda k: -len(problems[k].problem.stops))
        solutions = run_parallel(_solve, tasks, workers, report, order)
        unserved = unserved_visits(scenario, shift)
        dropped.extend(unserved)
        required[shift.name] = sum(len(p.problem.stops) for p in problems) + len(unserved)
        stats[shift.name] = {}
        for problem, solution in zip(problems, solutions, strict=True):
            solution = depart_just_in_time(problem.problem, solution)
            errors = check_vrp_solution(problem.problem, solution)
            if errors:
                raise RuntimeError(
                    f"{shift.name} patrol plan for {problem.post_id} breaks its rules: {errors[:3]}"
                )
            label = _visit_labels(problem, solution)
            shift_routes = _routes(problem, solution, roads, points, label)
            routes.extend(shift_routes)
            ready.update((r.vehicle_id, r.end_s) for r in shift_routes)
            dropped.extend(
                DroppedVisit(shift.name, problem.stop_tps[s], label[s], problem.kecamatan)
                for s in solution.dropped
            )
            stats[shift.name][problem.post_id] = {
                "status": solution.status,
                "objective": solution.stats.objective,
                "travel_time_s": solution.travel_time,
                "solutions": solution.stats.solutions,
                "visits": len(problem.problem.stops),
                "dropped": len(solution.dropped),
            }
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
                shift=problem.shift,
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
