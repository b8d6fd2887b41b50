"""Routing core and its checker on tiny hand-made instances with known answers."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

import numpy as np
import pytest
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

import planner.solve.vrp
from planner.inputs.rules import Metaheuristic
from planner.solve._route_pool import RoutePool, recombinable
from planner.solve.vrp import (
    _build,
    _index,
    _read_solution,
    _recombine,
    _stop_order,
    depart_just_in_time,
    solve_vrp,
)
from planner.solve.vrp_check import check_vrp_solution
from planner.solve.vrp_problem import Stop, Vehicle, VehicleType, VrpProblem, VrpSolution, fleet

CAR = VehicleType("mobil")
MOTOR = VehicleType("motor", speed_factor=2.0)


def euclid(points: list[tuple[float, float]]) -> np.ndarray:
    """Rounded Euclidean travel times between points."""
    xy = np.asarray(points, dtype=float)
    return np.rint(np.hypot(*(xy[:, None] - xy[None]).transpose(2, 0, 1))).astype(np.int64)


def solve(problem: VrpProblem) -> VrpSolution:
    """A deterministic solve that must pass the checker."""
    solution = solve_vrp(problem, time_limit_s=None, deterministic=True, solution_limit=300)
    assert check_vrp_solution(problem, solution) == []
    return solution


def brute_force(problem: VrpProblem) -> int:
    """Optimal cost of an uncapacitated or capacitated problem whose vehicles share one depot."""
    depot, n = problem.vehicles[0].start, len(problem.stops)
    capacity = problem.vehicles[0].capacity

    def tour(stops: tuple[int, ...]) -> float:
        if capacity is not None and sum(problem.stops[k].demand for k in stops) > capacity:
            return float("inf")
        best = float("inf")
        for order in itertools.permutations(stops):
            nodes = [depot, *(problem.stops[k].node for k in order), depot]
            best = min(
                best, sum(int(problem.travel_time[a, b]) for a, b in itertools.pairwise(nodes))
            )
        return best if stops else 0

    best = float("inf")
    for owner in itertools.product(range(len(problem.vehicles)), repeat=n):
        parts = [tuple(k for k in range(n) if owner[k] == v) for v in range(len(problem.vehicles))]
        best = min(best, sum(tour(part) for part in parts))
    return int(best)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_vehicle_matches_brute_force(seed: int):
    rng = np.random.default_rng(seed)
    matrix = rng.integers(50, 1000, size=(8, 8))  # asymmetric on purpose
    np.fill_diagonal(matrix, 0)
    problem = VrpProblem(matrix, (Vehicle(0, 0),), tuple(Stop(i) for i in range(1, 8)))
    assert solve(problem).cost == brute_force(problem)


def six_loads() -> VrpProblem:
    """Six stops with demands 6, 6, 4, 4, 3, 5 for three trucks of capacity 10."""
    rng = np.random.default_rng(7)
    points = [(500, 500), *map(tuple, rng.uniform(0, 1000, size=(6, 2)))]
    stops = tuple(Stop(i + 1, demand=q) for i, q in enumerate([6, 6, 4, 4, 3, 5]))
    return VrpProblem(euclid(points), fleet(CAR, 3, 0, capacity=10), stops)


def test_capacities_match_brute_force():
    problem = six_loads()
    solution = solve(problem)
    assert solution.cost == brute_force(problem)
    assert all(r.load <= 10 for r in solution.routes)
    assert sum(r.load for r in solution.routes) == sum(s.demand for s in problem.stops)


@pytest.mark.parametrize(
    ("capacity", "demands", "kept"),
    [
        (10, [6, 6, 4, 4, 3, 5], True),  # 28 to carry, trucks of 10: it binds
        (28, [6, 6, 4, 4, 3, 5], False),  # everything fits one truck
        (10, [0] * 6, False),  # a capacity with nothing to carry (VRPLIB files)
        (None, [6, 6, 4, 4, 3, 5], False),
    ],
)
def test_load_dimension_only_when_a_capacity_can_bind(capacity, demands, kept):
    base = six_loads()
    stops = tuple(replace(s, demand=q) for s, q in zip(base.stops, demands, strict=True))
    problem = replace(base, stops=stops, vehicles=fleet(CAR, 3, 0, capacity=capacity))
    assert ("load" in _build(problem).routing.GetAllDimensionNames()) == kept
    solution = solve(problem)
    assert solution.cost == brute_force(problem)
    if capacity is not None:
        assert all(r.load <= capacity for r in solution.routes)


def test_time_windows_force_the_far_stop_first():
    points = [(0, 0), (100, 0), (1000, 0)]  # the near stop may only be served late
    stops = (Stop(1, windows=((3000, 4000),), service=60), Stop(2, windows=((0, 1500),)))
    problem = VrpProblem(euclid(points), (Vehicle(0, 0, shift=(0, 10_000)),), stops)
    route = solve(problem).routes[0]
    assert [v.stop for v in route.visits] == [1, 0]
    assert route.visits[0].start == 1000  # leaves at 0, no waiting on the way out
    assert route.visits[1].arrival == 1900 and route.visits[1].start == 3000  # waits
    assert route.end_time == 3060 + 100


def test_mandatory_stop_that_cannot_fit_is_reported():
    points = [(0, 0), (100, 0), (5000, 0)]
    stops = (Stop(1), Stop(2, windows=((0, 1000),)))  # 5000 s away, closes at 1000
    problem = VrpProblem(euclid(points), (Vehicle(0, 0),), stops)
    solution = solve_vrp(problem, time_limit_s=2)
    assert solution.status == "infeasible"
    assert solution.missed_mandatory == (1,) and solution.dropped == (1,)
    assert [v.stop for v in solution.routes[0].visits] == [0]
    assert check_vrp_solution(problem, solution) == ["mandatory stop 1 is not visited"]


@pytest.mark.parametrize(("penalty", "visited"), [(1500, False), (2500, True)])
def test_optional_stop_dropped_only_when_cheaper(penalty: int, visited: bool):
    points = [(0, 0), (100, 0), (0, 1000)]  # the detour to stop 1 costs 2000 s
    stops = (Stop(1), Stop(2, drop_penalty=penalty))
    solution = solve(VrpProblem(euclid(points), (Vehicle(0, 0),), stops))
    assert solution.status == "feasible"
    assert (solution.dropped == ()) is visited
    assert solution.penalty == (0 if visited else penalty)
    assert solution.stats.objective == solution.cost + solution.penalty


def test_visit_copies_are_spaced():
    points = [(0, 0), (300, 0), (0, 400)]
    copies = [Stop(1, service=600, group="tps-1", min_gap=3600) for _ in range(3)]
    stops = (*copies, Stop(2, service=600))
    problem = VrpProblem(euclid(points), (Vehicle(0, 0, shift=(0, 4 * 3600)),), stops)
    solution = solve(problem)
    starts = sorted(v.start for v in solution.routes[0].visits if v.stop < 3)
    assert len(starts) == 3
    assert all(b - a >= 3600 for a, b in itertools.pairwise(starts))


def test_copies_that_cannot_be_spaced_in_the_shift_are_dropped():
    points = [(0, 0), (300, 0)]
    copies = tuple(Stop(1, group=7, min_gap=3600, drop_penalty=1000) for _ in range(3))
    problem = VrpProblem(euclid(points), (Vehicle(0, 0, shift=(0, 5000)),), copies)
    solution = solve(problem)
    assert len(solution.routes[0].visits) == 2  # 0 and 3600 fit, 7200 does not
    assert solution.penalty == 1000


def test_speed_factors_per_vehicle_type():
    points = [(0, 0), (3000, 0), (0, 600)]
    stops = (Stop(1), Stop(2))
    vehicles = (Vehicle(0, 0, CAR, max_duration=1300), Vehicle(0, 0, MOTOR, max_duration=3000))
    solution = solve(VrpProblem(euclid(points), vehicles, stops))
    car, motor = solution.routes
    assert [v.stop for v in motor.visits] == [0]  # only the motorbike gets there and back
    assert motor.travel_time == 2 * 1500  # 3000 s each way at twice the speed
    assert [v.stop for v in car.visits] == [1] and car.travel_time == 1200
    assert solution.cost == 4200


def test_distance_objective_and_fixed_costs():
    points = [(0, 0), (100, 0), (200, 0)]
    times = euclid(points)
    problem = VrpProblem(
        times,
        (Vehicle(0, 0, fixed_cost=50), Vehicle(0, 0, fixed_cost=50)),
        (Stop(1), Stop(2)),
        distance=times * 3,
        objective="distance",
    )
    solution = solve(problem)
    assert solution.cost == 3 * 400 + 50  # one vehicle, one fixed cost
    assert solution.travel_time == 400


@pytest.mark.parametrize(("span_cost", "routes"), [(0, 1), (1, 2)])
def test_span_cost_makes_waiting_cost(span_cost: int, routes: int):
    points = [(0, 0), (300, 0), (0, 400)]  # the second stop opens long after the first
    stops = (Stop(1, windows=((0, 5_000),), service=60), Stop(2, windows=((20_000, 30_000),)))
    vehicle = Vehicle(0, 0, shift=(0, 40_000), fixed_cost=1_000, span_cost=span_cost)
    problem = VrpProblem(euclid(points), (vehicle, vehicle), stops)
    solution = solve(problem)
    used = [r for r in solution.routes if r.visits]
    assert len(used) == routes  # waiting 19,000 s costs more than a second vehicle
    if span_cost:
        late = next(r for r in used if r.visits[0].stop == 1)
        assert late.end_time - late.start_time == 800  # leaves just in time, no waiting
        assert solution.cost == 2 * 1_000 + (600 + 660) + (800 + 800)  # fixed, arcs + spans
    moved = depart_just_in_time(problem, solution)
    assert check_vrp_solution(problem, moved) == []


@pytest.mark.parametrize("metaheuristic", ["ruin_and_recreate", "iterated_local_search"])
def test_deterministic_mode_repeats_itself(metaheuristic: Metaheuristic):
    rng = np.random.default_rng(11)
    points = [(500, 500), *map(tuple, rng.uniform(0, 1000, size=(25, 2)))]
    stops = tuple(Stop(i, service=30, demand=1) for i in range(1, 26))
    problem = VrpProblem(euclid(points), fleet(CAR, 3, 0, capacity=10), stops)
    first, second = (
        solve_vrp(
            problem,
            time_limit_s=None,
            deterministic=True,
            seed=5,
            solution_limit=500,
            metaheuristic=metaheuristic,
        )
        for _ in range(2)
    )
    assert check_vrp_solution(problem, first) == []
    assert [r.visits for r in first.routes] == [r.visits for r in second.routes]
    assert first.cost == second.cost
    with pytest.raises(ValueError, match="time_limit_s=None"):
        solve_vrp(problem, time_limit_s=5, deterministic=True)
    with pytest.raises(ValueError, match="give time_limit_s"):
        solve_vrp(problem)


def _descent_gain(problem: VrpProblem, solution: VrpSolution) -> int:
    """How much a greedy descent with the default operators saves from ``solution``'s routes."""
    model = _build(problem)
    routing = model.routing
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    routing.CloseModelWithParameters(params)
    routes = [[_index(model, v.stop) for v in r.visits] for r in solution.routes]
    start = routing.solver().Assignment()
    assert routing.RoutesToAssignment(routes, True, True, start)
    descended = routing.SolveFromAssignmentWithParameters(start, params).ObjectiveValue()
    return solution.cost - descended


def test_ruin_and_recreate_ends_at_a_local_optimum(monkeypatch: pytest.MonkeyPatch):
    """Insertions alone leave moves to make; the final descent makes them all."""

    def plans(polish: bool) -> list[tuple[VrpProblem, VrpSolution]]:
        if not polish:
            monkeypatch.setattr(
                planner.solve.vrp, "_polish", lambda model, assignment, limit: assignment
            )
        solved = []
        for seed in (4, 5, 7, 9):
            rng = np.random.default_rng(seed)
            points = [(500, 500), *map(tuple, rng.uniform(0, 1000, size=(60, 2)))]
            stops = tuple(Stop(i, windows=((0, 30000),), service=60) for i in range(1, 61))
            problem = VrpProblem(euclid(points), fleet(CAR, 4, 0, shift=(0, 30000)), stops)
            solved.append((problem, solve_vrp(problem, deterministic=True, solution_limit=300)))
        return solved

    polished = plans(polish=True)
    assert all(check_vrp_solution(p, s) == [] for p, s in polished)
    assert [_descent_gain(p, s) for p, s in polished] == [0, 0, 0, 0]
    inserted = plans(polish=False)
    assert sum(_descent_gain(p, s) for p, s in inserted) > 0
    assert sum(s.cost for _, s in polished) < sum(s.cost for _, s in inserted)


def test_each_seed_is_its_own_repeatable_search():
    """Seeds order the stops among OR-Tools' nodes: every seed's plan is valid and repeats,
    and different seeds explore differently."""
    rng = np.random.default_rng(3)
    points = [(500, 500), *map(tuple, rng.uniform(0, 1000, size=(40, 2)))]
    stops = [Stop(i, windows=((0, 4000),), service=30, demand=1) for i in range(1, 37)]
    stops += [Stop(37, service=30, demand=2), Stop(38, service=30, demand=-2)]  # a pair
    stops += [Stop(39, service=30, group="twice", min_gap=600) for _ in range(2)]
    problem = VrpProblem(
        euclid(points), fleet(CAR, 4, 0, capacity=12), tuple(stops), pairs=((36, 37),)
    )
    plans = {}
    for seed in (0, 1, 2, 3):
        runs = [
            solve_vrp(problem, seed=seed, deterministic=True, solution_limit=150) for _ in range(2)
        ]
        assert check_vrp_solution(problem, runs[0]) == []
        assert runs[0].status == "feasible"
        assert runs[0].routes == runs[1].routes
        plans[seed] = tuple(tuple(v.stop for v in r.visits) for r in runs[0].routes)
    assert len(set(plans.values())) > 1


def test_seeded_order_keeps_copies_and_pairs_together_in_their_order():
    group = {"group": "twice", "min_gap": 5}
    stops = (Stop(1), Stop(2, **group), Stop(3), Stop(2, **group), Stop(4, demand=1))
    stops += (Stop(5, demand=-1), Stop(6))
    problem = VrpProblem(np.zeros((7, 7), dtype=np.int64), (Vehicle(0, 0),), stops, pairs=((4, 5),))
    assert _stop_order(problem, 0) == tuple(range(7))
    orders = {_stop_order(problem, seed) for seed in range(1, 20)}
    assert len(orders) > 1
    for order in orders:
        assert sorted(order) == list(range(7))
        assert order.index(3) == order.index(1) + 1  # the copies of one visit
        assert order.index(5) == order.index(4) + 1  # pickup, then its delivery


def pickup_delivery(capacity: int) -> VrpProblem:
    """Two loads picked up at a shared site (node 1) and carried to nodes 2 and 3."""
    points = [(0, 0), (1000, 0), (2000, 0), (2000, 500)]
    stops = (
        Stop(1, service=60, demand=4),
        Stop(2, service=60, demand=-4),
        Stop(1, service=60, demand=4),
        Stop(3, service=60, demand=-4),
    )
    return VrpProblem(
        euclid(points), (Vehicle(0, 0, capacity=capacity),), stops, pairs=((0, 1), (2, 3))
    )


def test_pairs_share_a_vehicle_pickup_first_and_load_stays_within_capacity():
    together = solve(pickup_delivery(capacity=8)).routes[0]
    order = [v.stop for v in together.visits]
    assert order.index(0) < order.index(1) and order.index(2) < order.index(3)
    assert together.load == 8  # both loads ride together
    alone = solve(pickup_delivery(capacity=4)).routes[0]  # one load at a time: back to reload
    assert alone.load == 4
    assert [alone.nodes[k] for k in (1, 3)] == [1, 1]
    assert alone.travel_time > together.travel_time


def test_checker_catches_broken_pairs():
    problem = pickup_delivery(capacity=8)
    solution = solve(problem)
    route = solution.routes[0]
    by_stop = {v.stop: v for v in route.visits}
    swapped = (by_stop[1], by_stop[0], *[v for v in route.visits if v.stop > 1])
    nodes = (0, *(problem.stops[v.stop].node for v in swapped), 0)
    for changed, expected in (
        (_with_route(solution, 0, visits=swapped, nodes=nodes), "before the pickup"),
        (_with_route(solution, 0, visits=route.visits[:-1]), "only one of its stops"),
    ):
        assert any(expected in v for v in check_vrp_solution(problem, changed))
    smaller = replace(problem, vehicles=(Vehicle(0, 0, capacity=4),))
    assert any("exceeds capacity" in v for v in check_vrp_solution(smaller, solution))


@pytest.fixture(scope="module")
def solved() -> tuple[VrpProblem, VrpSolution]:
    """A small feasible plan with windows, capacity and visit copies, for corrupting."""
    points = [(0, 0), (1000, 0), (300, 200), (600, 400), (200, 700), (800, 900)]
    stops = (
        Stop(1, windows=((0, 4000),), service=100, demand=3),
        Stop(2, windows=((0, 9000),), service=100, demand=3),
        Stop(3, service=100, demand=3),
        Stop(4, service=100, demand=3, group="a", min_gap=2000),
        Stop(4, service=100, demand=3, group="a", min_gap=2000),
        Stop(5, service=100, demand=3),
    )
    vehicles = (Vehicle(0, 0, shift=(0, 20_000), capacity=9), Vehicle(1, 1, capacity=9))
    problem = VrpProblem(euclid(points), vehicles, stops)
    solution = solve(problem)
    assert all(len(r.visits) >= 2 for r in solution.routes)
    return problem, solution


def _with_route(solution: VrpSolution, vehicle: int, **changes) -> VrpSolution:
    routes = list(solution.routes)
    routes[vehicle] = replace(routes[vehicle], **changes)
    return replace(solution, routes=tuple(routes))


def _swap_arrivals(problem, solution):
    route = solution.routes[0]
    a, b = route.visits[0], route.visits[1]
    visits = (replace(a, arrival=b.arrival), replace(b, arrival=a.arrival), *route.visits[2:])
    return problem, _with_route(solution, 0, visits=visits), "arrival"


def _remove_mandatory(problem, solution):
    route = solution.routes[0]
    return problem, _with_route(solution, 0, visits=route.visits[1:]), "is not visited"


def _break_window(problem, solution):
    route = next(r for r in solution.routes if any(v.stop == 0 for v in r.visits))
    visits = tuple(
        replace(v, start=5000, departure=5100) if v.stop == 0 else v for v in route.visits
    )
    return problem, _with_route(solution, route.vehicle, visits=visits), "outside windows"


def _exceed_capacity(problem, solution):
    smaller = tuple(replace(v, capacity=5) for v in problem.vehicles)
    return replace(problem, vehicles=smaller), solution, "exceeds capacity"


def _wrong_start(problem, solution):
    route = solution.routes[0]
    return problem, _with_route(solution, 0, nodes=(1, *route.nodes[1:])), "do not match"


def _copies_too_close(problem, solution):
    starts = {v.stop: v for r in solution.routes for v in r.visits}
    first = starts[3]
    changed = solution
    for route in solution.routes:
        if any(v.stop == 4 for v in route.visits):
            visits = tuple(
                replace(v, start=first.start + 10, departure=first.start + 110)
                if v.stop == 4
                else v
                for v in route.visits
            )
            changed = _with_route(solution, route.vehicle, visits=visits)
    return problem, changed, "apart"


def _wrong_total(problem, solution):
    return problem, replace(solution, cost=solution.cost + 1), "reported cost"


@pytest.mark.parametrize(
    "corrupt",
    [
        _swap_arrivals,
        _remove_mandatory,
        _break_window,
        _exceed_capacity,
        _wrong_start,
        _copies_too_close,
        _wrong_total,
    ],
)
def test_checker_catches_corruption(solved, corrupt):
    problem, solution, expected = corrupt(*solved)
    violations = check_vrp_solution(problem, solution)
    assert any(expected in v for v in violations), violations


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: VrpProblem(np.ones((2, 2)) * 1.5, (Vehicle(0, 0),), ()), "whole numbers"),
        (lambda: VrpProblem(np.zeros((2, 3), int), (Vehicle(0, 0),), ()), "square"),
        (lambda: VrpProblem(np.zeros((2, 2), int), (Vehicle(0, 5),), ()), "outside the matrix"),
        (
            lambda: VrpProblem(
                np.zeros((2, 2), int),
                (Vehicle(0, 0),),
                (Stop(1, group="g", min_gap=5), Stop(1, group="g", min_gap=6)),
            ),
            "same min_gap",
        ),
        (
            lambda: VrpProblem(
                np.zeros((2, 2), int), (Vehicle(0, 0),), (Stop(1, windows=((5, 1),)),)
            ),
            "windows",
        ),
        (
            lambda: VrpProblem(np.zeros((2, 2), int), (Vehicle(0, 0),), (Stop(1, demand=-1),)),
            "unless it is a pair's delivery",
        ),
        (
            lambda: VrpProblem(
                np.zeros((2, 2), int),
                (Vehicle(0, 0),),
                (Stop(1, demand=2), Stop(1, demand=-1)),
                pairs=((0, 1),),
            ),
            "minus the pickup's",
        ),
    ],
)
def test_bad_problems_are_rejected(build, message):
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize("seed", [0, 4])
def test_time_lookup_reads_travel_plus_service_at_every_routing_index(seed: int):
    """The time dimension's lookup (used instead of a registered matrix) matches the matrices."""
    travel = euclid([(0, 0), (3, 4), (6, 8), (9, 0)])
    stops = (Stop(1, service=7), Stop(2, service=5), Stop(3, windows=((0, 50),)))
    vehicles = (Vehicle(0, 0, CAR), Vehicle(3, 0, MOTOR), Vehicle(0, 3, MOTOR))
    model = _build(VrpProblem(travel, vehicles, stops), seed)
    assert len(model.lookups) == 2  # one per speed factor
    assert sorted(model.order) == [0, 1, 2]
    assert [model.order[p] for p in model.position] == [0, 1, 2]
    manager, routing = model.manager, model.routing
    ordered = [stops[k] for k in model.order]  # routing nodes: depots 0 and 3, then stops
    service = [0, 0] + [s.service for s in ordered]
    location = [0, 3] + [s.node for s in ordered]
    for lookup, vehicle_type in zip(model.lookups, (CAR, MOTOR), strict=True):
        matrix = VrpProblem(travel, vehicles, stops).travel_matrix(vehicle_type)
        for i in range(routing.Size() + routing.vehicles()):
            for j in range(routing.Size() + routing.vehicles()):
                a, b = manager.IndexToNode(i), manager.IndexToNode(j)
                assert lookup(i, j) == matrix[location[a], location[b]] + service[a]


def test_recombination_restores_the_cheapest_plan_in_the_pool():
    problem = six_loads()
    best = solve(problem)
    model = _build(problem)
    routing, pool = model.routing, RoutePool(model)
    routing.AddAtSolutionCallback(pool.record)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.solution_limit = 1
    routing.CloseModelWithParameters(params)
    poor = [[_index(model, k) for k in route] for route in ([2, 0], [3, 1], [5, 4])]
    start = routing.solver().Assignment()
    assert routing.RoutesToAssignment(poor, True, True, start)
    incumbent = routing.SolveFromAssignmentWithParameters(start, params)
    assert len(pool.routes) == 3  # the callback pooled the poor plan's routes
    for route in best.routes:
        if route.visits:
            pool.routes[0, tuple(_index(model, v.stop) for v in route.visits)] = route.cost
    combined = _recombine(model, pool, incumbent, time.perf_counter() + 30)
    solution = _read_solution(model, combined, best.stats)
    assert solution.cost == best.cost < incumbent.ObjectiveValue()
    assert check_vrp_solution(problem, solution) == []
    assert _recombine(model, pool, combined, time.perf_counter() + 30) is combined  # nothing better


def test_pooled_plan_respects_vehicle_kinds_and_drop_penalties():
    stops = (Stop(1), Stop(2), Stop(3, drop_penalty=30))
    problem = VrpProblem(
        euclid([(0, 0), (9, 0), (0, 9), (9, 9)]), (Vehicle(0, 0, CAR), Vehicle(0, 0, MOTOR)), stops
    )
    model = _build(problem)
    pool = RoutePool(model)
    car, motor = pool.kind_of
    a, b, c = (_index(model, k) for k in range(3))
    pool.routes = {
        (car, (a, b)): 100,  # the incumbent: 100 + 50
        (motor, (c,)): 50,
        (motor, (a,)): 10,  # the one motorbike takes a or b, not both
        (motor, (b,)): 10,
        (car, (b,)): 40,  # with (motor, (a,)): 50, plus 30 for dropping c
        (car, (a, b, c)): 75,  # the best
        (car, (a, b, c, c)): 0,  # never valid: c at most once
    }
    assert pool.best_plan([[a, b], [c]], time.perf_counter() + 30) == [[a, b, c], []]
    assert pool.best_plan([[a, b, c], []], time.perf_counter() + 30) is None  # already the best


def test_recombination_only_when_routes_are_independent():
    copies = (Stop(1, group="tps", min_gap=600), Stop(1, group="tps", min_gap=600), Stop(2))
    problem = VrpProblem(euclid([(0, 0), (9, 0), (0, 9)]), fleet(CAR, 2, 0), copies)
    assert not recombinable(problem)
    assert recombinable(replace(problem, stops=copies[1:]))
    assert recombinable(replace(problem, stops=tuple(replace(s, min_gap=0) for s in copies)))


def test_time_limited_solve_with_span_costs_recombines_to_the_known_plan():
    points = [(0, 0), (300, 0), (0, 400)]
    stops = (Stop(1, windows=((0, 5_000),), service=60), Stop(2, windows=((20_000, 30_000),)))
    vehicle = Vehicle(0, 0, shift=(0, 40_000), fixed_cost=1_000, span_cost=1)
    problem = VrpProblem(euclid(points), (vehicle, vehicle), stops)
    progress: list[tuple[int, int, float]] = []
    solution = solve_vrp(problem, time_limit_s=1, log_progress=lambda *p: progress.append(p))
    assert check_vrp_solution(problem, solution) == []
    assert solution.cost == 2 * 1_000 + (600 + 660) + (800 + 800)  # as test_span_cost_makes_...
    assert progress and progress[-1][1] <= progress[0][1]  # repairs leave times (cost) open
