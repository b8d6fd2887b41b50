"""Check a routing solution against its problem by recomputing everything from the data."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Hashable

from planner.solve.vrp_problem import Route, Vehicle, VrpProblem, VrpSolution


def check_vrp_solution(problem: VrpProblem, solution: VrpSolution) -> list[str]:
    """Every way ``solution`` breaks ``problem`` or misreports itself; empty means valid.

    Uses only plain arithmetic on the problem's matrices (no OR-Tools), with the
    conventions of :mod:`planner.solve.vrp`.
    """
    if solution.status == "no_solution":
        return ["no solution was found"]
    problems: list[str] = []
    if [r.vehicle for r in solution.routes] != list(range(len(problem.vehicles))):
        return ["routes must be one per vehicle, in vehicle order"]
    starts: dict[int, int] = {}
    for route in solution.routes:
        problems += _check_route(problem, route)
        starts.update((v.stop, v.start) for v in route.visits)
    problems += _check_visits(
        problem, solution, [v.stop for r in solution.routes for v in r.visits]
    )
    problems += _check_spacing(problem, starts)
    problems += _check_pairs(problem, solution)
    problems += _check_totals(problem, solution)
    return problems


def _travel(problem: VrpProblem, vehicle: Vehicle, a: int, b: int) -> int:
    """Seconds from node a to b at the vehicle's speed, rounded up."""
    return math.ceil(int(problem.travel_time[a, b]) / vehicle.vehicle_type.speed_factor)


def _arc_cost(problem: VrpProblem, vehicle: Vehicle, a: int, b: int) -> int:
    """What one arc adds to the objective."""
    if problem.objective == "distance":
        return int(problem.distance[a, b])  # type: ignore[index]
    return _travel(problem, vehicle, a, b)


def _check_route(problem: VrpProblem, route: Route) -> list[str]:
    """Nodes, times, windows, shift, duration, load and route totals of one vehicle."""
    k, vehicle = route.vehicle, problem.vehicles[route.vehicle]
    where = f"vehicle {k}"
    out = []
    if any(not 0 <= v.stop < len(problem.stops) for v in route.visits):
        return [f"{where}: visits a stop that does not exist"]
    expected_nodes = (
        vehicle.start,
        *(problem.stops[v.stop].node for v in route.visits),
        vehicle.end,
    )
    if route.nodes != expected_nodes:
        out.append(f"{where}: nodes {route.nodes} do not match its start, stops and end")
    if vehicle.shift is not None and not (
        vehicle.shift[0] <= route.start_time and route.end_time <= vehicle.shift[1]
    ):
        out.append(f"{where}: works {route.start_time}-{route.end_time}, shift is {vehicle.shift}")
    if not route.visits:
        if (route.travel_time, route.cost, route.load) != (0, 0, 0):
            out.append(f"{where}: unused but reports travel, cost or load")
        return out

    here, clock, travel, cost, load, peak = vehicle.start, route.start_time, 0, 0, 0, 0
    for visit in route.visits:
        stop = problem.stops[visit.stop]
        leg = _travel(problem, vehicle, here, stop.node)
        travel += leg
        cost += _arc_cost(problem, vehicle, here, stop.node)
        label = f"{where}, stop {visit.stop}"
        if visit.arrival != clock + leg:
            out.append(f"{label}: arrival {visit.arrival}, expected {clock + leg}")
        if visit.start < visit.arrival:
            out.append(f"{label}: service starts at {visit.start}, before arrival {visit.arrival}")
        if stop.windows and not any(a <= visit.start <= b for a, b in stop.windows):
            out.append(f"{label}: service starts at {visit.start}, outside windows {stop.windows}")
        if visit.departure != visit.start + stop.service:
            out.append(f"{label}: departure {visit.departure} is not start + service")
        load += stop.demand
        peak = max(peak, load)
        if load < 0:
            out.append(f"{label}: load {load} below zero (a delivery before its pickup)")
        here, clock = stop.node, visit.departure
    travel += _travel(problem, vehicle, here, vehicle.end)
    cost += _arc_cost(problem, vehicle, here, vehicle.end)
    back = clock + _travel(problem, vehicle, here, vehicle.end)
    if route.end_time < back:
        out.append(f"{where}: ends at {route.end_time}, cannot be back before {back}")
    duration = route.end_time - route.start_time
    cost += vehicle.span_cost * duration
    if vehicle.max_duration is not None and duration > vehicle.max_duration:
        out.append(f"{where}: route lasts {duration} s, more than {vehicle.max_duration}")
    if vehicle.capacity is not None and peak > vehicle.capacity:
        out.append(f"{where}: load {peak} exceeds capacity {vehicle.capacity}")
    if (route.travel_time, route.cost, route.load) != (travel, cost, peak):
        out.append(
            f"{where}: reports travel/cost/load {route.travel_time}/{route.cost}/{route.load},"
            f" recomputed {travel}/{cost}/{peak}"
        )
    return out


def _check_visits(problem: VrpProblem, solution: VrpSolution, visited: list[int]) -> list[str]:
    """Each stop at most once, mandatory ones exactly once, and the dropped list right."""
    counts = Counter(visited)
    out = [f"stop {k} is visited {n} times" for k, n in sorted(counts.items()) if n > 1]
    unvisited = tuple(k for k in range(len(problem.stops)) if k not in counts)
    out += [
        f"mandatory stop {k} is not visited"
        for k in unvisited
        if problem.stops[k].drop_penalty is None
    ]
    missed = tuple(k for k in unvisited if problem.stops[k].drop_penalty is None)
    if solution.dropped != unvisited or solution.missed_mandatory != missed:
        out.append("the dropped / missed_mandatory lists do not match the routes")
    if solution.status != ("infeasible" if missed else "feasible"):
        out.append(f"status {solution.status!r} does not match the missed mandatory stops")
    return out


def _check_spacing(problem: VrpProblem, starts: dict[int, int]) -> list[str]:
    """Performed copies of one group in list order, each ``min_gap`` after every earlier one."""
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for k, stop in enumerate(problem.stops):
        if stop.group is not None and stop.min_gap > 0 and k in starts:
            groups[stop.group].append(k)
    out = []
    for group, members in groups.items():
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                gap = starts[second] - starts[first]
                if gap < problem.stops[first].min_gap:
                    out.append(
                        f"group {group!r}: stops {first} and {second} start {gap} s apart,"
                        f" less than {problem.stops[first].min_gap}"
                    )
    return out


def _check_pairs(problem: VrpProblem, solution: VrpSolution) -> list[str]:
    """Each pair on one route, pickup before delivery, or dropped as a whole."""
    where: dict[int, tuple[int, int]] = {}
    for route in solution.routes:
        where.update((v.stop, (route.vehicle, n)) for n, v in enumerate(route.visits))
    out = []
    for pickup, delivery in problem.pairs:
        first, second = where.get(pickup), where.get(delivery)
        if first is None and second is None:
            continue
        if first is None or second is None:
            out.append(f"pair ({pickup}, {delivery}): only one of its stops is served")
        elif first[0] != second[0]:
            out.append(f"pair ({pickup}, {delivery}): served by vehicles {first[0]}, {second[0]}")
        elif first[1] > second[1]:
            out.append(f"pair ({pickup}, {delivery}): the delivery comes before the pickup")
    return out


def _check_totals(problem: VrpProblem, solution: VrpSolution) -> list[str]:
    """Solution cost, travel time and penalty against the sums of their parts."""
    used = [r for r in solution.routes if r.visits]
    cost = sum(r.cost for r in used) + sum(problem.vehicles[r.vehicle].fixed_cost for r in used)
    travel = sum(r.travel_time for r in used)
    visited = {v.stop for r in used for v in r.visits}
    penalty = sum(
        s.drop_penalty
        for k, s in enumerate(problem.stops)
        if k not in visited and s.drop_penalty is not None
    )
    out = []
    for name, reported, recomputed in (
        ("cost", solution.cost, cost),
        ("travel_time", solution.travel_time, travel),
        ("penalty", solution.penalty, penalty),
    ):
        if reported != recomputed:
            out.append(f"reported {name} {reported}, recomputed {recomputed}")
    return out
